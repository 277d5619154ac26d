//! Conformance of the optimized `grpc` transport: against the same server, with the same request,
//! it reports what the builtin reports (status, every event, wire bytes and message counts), for
//! chat and completions, streaming and not, and for an error.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use aiperf_core::{
    Endpoint, FromModelEndpoint, InferenceRequest, ModelEndpointInfo, RequestForm, ResponseEvent, ResponseSink, Transport, TransportRequest,
};
use aiperf_endpoints::{ChatEndpoint, CompletionsEndpoint};
use aiperf_mock_server::{MockConfig, MockServer};
use aiperf_nvidia_optimized::OptimizedGrpcTransport;
use aiperf_transports::{GrpcTransport, InEngineSettings};

#[derive(Default, Debug, PartialEq, Eq)]
struct Recorded {
    status: u16,
    events: Vec<String>,
    wire: (u64, u64, u32),
}

impl ResponseSink for Recorded {
    fn on_response(&mut self, status: u16, _: Instant) {
        self.status = status;
    }

    fn on_chunk(&mut self, _: Instant, bytes: &[u8]) -> ControlFlow<()> {
        panic!("the grpc transport reports events, not bytes: {bytes:?}");
    }

    fn on_event(&mut self, _: Instant, event: ResponseEvent<'_>) -> ControlFlow<()> {
        self.events.push(format!("{event:?}"));
        ControlFlow::Continue(())
    }
}

async fn record(transport: &impl Transport, endpoint: &dyn Endpoint, prompt: &str, max_tokens: u32) -> Recorded {
    let prepared = RequestForm::Text.prepare(endpoint, &InferenceRequest::prompt(prompt, Some(max_tokens))).unwrap();
    let request = TransportRequest {
        path: "/",
        body: prepared.body(),
        streaming: prepared.streaming(),
        request_id: Some("conformance"),
        session: None,
        endpoint: Default::default(),
    };
    let mut sink = Recorded::default();
    let timing = transport.send(request, &mut sink).await.unwrap();
    sink.wire = (timing.bytes_sent, timing.bytes_received, timing.chunks);
    sink
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimized_grpc_reports_what_the_builtin_reports() {
    let engine =
        InEngineSettings { time_to_first_token: Duration::from_millis(2), inter_token_latency: Duration::ZERO, output_tokens: 8, seed: 4 };
    let server = MockServer::start(MockConfig { engine, grpc_port: Some(0), ..MockConfig::default() }).await.unwrap();
    for (model, streaming) in [("mock", true), ("mock", false), ("unknown", true), ("unknown", false)] {
        let info = ModelEndpointInfo {
            model_names: vec![model.into()],
            url: server.grpc_url().map(|u| u.parse().unwrap()),
            streaming,
            timeout: Duration::from_secs(10),
            ..ModelEndpointInfo::default()
        };
        let builtin = GrpcTransport::from_model_endpoint(&info).unwrap();
        let optimized = OptimizedGrpcTransport::from_model_endpoint(&info).unwrap();
        let chat = ChatEndpoint::from_model_endpoint(&info).unwrap();
        let completions = CompletionsEndpoint::from_model_endpoint(&info).unwrap();
        for (endpoint, prompt, max_tokens) in [(&chat as &dyn Endpoint, "say \"hi\"\n", 12), (&completions, "tab\tseparated", 9)] {
            let expected = record(&builtin, endpoint, prompt, max_tokens).await;
            let case = format!("{model} streaming={streaming} {prompt:?}");
            assert!(!expected.events.is_empty() && expected.wire.1 > 0, "{case}: {expected:?}");
            assert_eq!(record(&optimized, endpoint, prompt, max_tokens).await, expected, "{case}");
        }
    }
    server.shutdown().await;
}
