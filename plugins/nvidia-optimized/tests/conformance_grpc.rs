//! Conformance of the optimized `grpc` transport: against the same server, with the same request,
//! it delivers byte for byte what the builtin delivers (status, every piece), for chat and
//! completions, streaming and not.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use aiperf_core::{ChunkSink, FromModelEndpoint, ModelEndpointInfo, Transport, TransportRequest};
use aiperf_mock_server::{MockConfig, MockServer};
use aiperf_nvidia_optimized::OptimizedGrpcTransport;
use aiperf_transports::GrpcTransport;
use aiperf_transports::InEngineSettings;

#[derive(Default, Debug, PartialEq, Eq)]
struct Recorded {
    status: u16,
    pieces: Vec<Vec<u8>>,
}

impl ChunkSink for Recorded {
    fn on_response(&mut self, status: u16, _: Instant) {
        self.status = status;
    }

    fn on_chunk(&mut self, _: Instant, bytes: &[u8]) -> ControlFlow<()> {
        self.pieces.push(bytes.to_vec());
        ControlFlow::Continue(())
    }
}

async fn record(transport: &impl Transport, path: &str, body: &str) -> Recorded {
    let mut sink = Recorded::default();
    let request = TransportRequest {
        path,
        body: body.as_bytes(),
        content_type: "application/json",
        streaming: true,
        request_id: Some("conformance"),
    };
    transport.send(request, &mut sink).await.unwrap();
    sink
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimized_grpc_delivers_the_builtin_bytes() {
    let engine =
        InEngineSettings { time_to_first_token: Duration::from_millis(2), inter_token_latency: Duration::ZERO, output_tokens: 8, seed: 4 };
    let server = MockServer::start(MockConfig { engine, grpc_port: Some(0), ..MockConfig::default() }).await.unwrap();
    let info = ModelEndpointInfo { url: server.grpc_url(), timeout: Duration::from_secs(10), ..ModelEndpointInfo::default() };
    let builtin = GrpcTransport::from_model_endpoint(&info).unwrap();
    let optimized = OptimizedGrpcTransport::from_model_endpoint(&info).unwrap();
    let cases = [
        ("/v1/chat/completions", r#"{"model":"mock","messages":[{"role":"user","content":"say \"hi\"\n"}],"max_tokens":12,"stream":true}"#),
        ("/v1/chat/completions", r#"{"model":"mock","messages":[{"role":"user","content":"whole"}],"max_tokens":5}"#),
        (
            "/v1/completions",
            r#"{"model":"mock","prompt":"tab\tseparated","max_tokens":9,"stream":true,"stream_options":{"include_usage":true}}"#,
        ),
        ("/v1/completions", r#"{"model":"mock","prompt":"whole","max_tokens":3}"#),
        ("/v1/chat/completions", r#"{"model":"unknown","messages":[{"role":"user","content":"x"}],"stream":true}"#),
    ];
    for (path, body) in cases {
        let expected = record(&builtin, path, body).await;
        assert!(!expected.pieces.is_empty(), "{path} {body}");
        assert_eq!(record(&optimized, path, body).await, expected, "{path} {body}");
    }
    server.shutdown().await;
}
