//! The chat and completions endpoints over the `grpc` transport (KServe v2 / Triton protocol)
//! against `aiperf-mock-server`'s gRPC port on 127.0.0.1.

use std::time::Duration;

use aiperf::core::{
    Endpoint, EndpointError, Exchange, InferenceRequest, ModelEndpointInfo, ParsedResponse, PreparedRequest, RequestForm, Transport,
    TransportError, TransportTiming, exchange,
};
use aiperf::transports::InEngineSettings;
use aiperf::{AnyTransport, EndpointFactory, EndpointName, TransportFactory, TransportName};
use aiperf_mock_server::{MockConfig, MockServer};

async fn server(ttft_ms: u64, itl_ms: u64, error_rate: f64) -> MockServer {
    let engine = InEngineSettings {
        time_to_first_token: Duration::from_millis(ttft_ms),
        inter_token_latency: Duration::from_millis(itl_ms),
        output_tokens: 8,
        seed: 9,
    };
    MockServer::start(MockConfig { engine, error_rate, grpc_port: Some(0), ..MockConfig::default() }).await.unwrap()
}

fn info(url: &str, model: &str, streaming: bool) -> ModelEndpointInfo {
    ModelEndpointInfo {
        model_names: vec![model.into()],
        url: Some(url.parse().unwrap()),
        streaming,
        timeout: Duration::from_secs(10),
        ..ModelEndpointInfo::default()
    }
}

async fn send(transport: &AnyTransport, endpoint: &dyn Endpoint, path: &str) -> Result<(ParsedResponse, TransportTiming), TransportError> {
    let request = InferenceRequest::prompt("tell me how triton streams", Some(5));
    let prepared = transport.request_form().prepare(endpoint, &request).unwrap();
    assert!(matches!(prepared, PreparedRequest::Text(_)), "the grpc transport carries typed text requests");
    let Exchange { timing, response, decode_error } = exchange(transport, endpoint, path, &prepared, None).await;
    // A transport failure leaves the stream unfinished: report that, not the decoder's view of it.
    let timing = timing?;
    assert!(decode_error.is_none(), "{decode_error:?}");
    Ok((response, timing))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_and_completions_over_grpc_streaming_and_not() {
    let server = server(5, 1, 0.0).await;
    let url = server.grpc_url().unwrap();
    assert_eq!(TransportFactory::for_url_scheme("grpc"), Some(TransportName::Grpc));
    for name in [EndpointName::Chat, EndpointName::Completions] {
        for streaming in [false, true] {
            let info = info(&url, "mock", streaming);
            let transport = TransportFactory::create_instance(TransportName::Grpc, &info).unwrap();
            let endpoint = EndpointFactory::create_instance(name, &info).unwrap();
            let (r, timing) = send(&transport, &endpoint, name.metadata().endpoint_path).await.unwrap();
            let case = format!("{name} streaming={streaming}");
            assert_eq!(timing.status, 200, "{case}");
            assert!(r.done && r.error.is_none(), "{case}: {r:?}");
            assert_eq!(r.text.split_whitespace().count(), 5, "{case}: {:?}", r.text);
            assert_eq!(r.chunks.len(), if streaming { 5 } else { 1 }, "{case}");
            assert_eq!(r.usage, None, "{case}: Triton reports no usage, none is made up");
            assert_eq!(r.finish_reason, None, "{case}: nor a finish reason");
            // Byte and message counts are the gRPC messages' (a 5-byte prefix each), not re-encoded text.
            assert!(
                timing.chunks as usize >= r.chunks.len() && timing.bytes_received >= 5 * u64::from(timing.chunks),
                "{case}: {timing:?}"
            );
            assert!(timing.bytes_sent > 5, "{case}: {timing:?}");
        }
    }
    // Extra inputs travel in `sampling_parameters` (vLLM backend).
    let mut extra = info(&url, "mock", true);
    extra.extra_inputs.insert("temperature".into(), 0.5.into());
    let transport = TransportFactory::create_instance(TransportName::Grpc, &extra).unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &extra).unwrap();
    let (r, _) = send(&transport, &endpoint, "/v1/chat/completions").await.unwrap();
    assert_eq!(r.text.split_whitespace().count(), 5);
    // TensorRT-LLM ensembles take sampling settings as tensors: unmapped keys are refused, not dropped.
    let mut trt = info(&format!("{url}?backend=tensorrtllm"), "mock", true);
    trt.extra_inputs.insert("temperature".into(), 0.5.into());
    let transport = TransportFactory::create_instance(TransportName::Grpc, &trt).unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &trt).unwrap();
    let err = send(&transport, &endpoint, "/v1/chat/completions").await.unwrap_err();
    assert!(err.to_string().contains("cannot map temperature"), "{err}");
    // The unary ModelInfer for non-streaming requests.
    let info_unary = info(&format!("{url}?rpc=infer"), "mock", false);
    let transport = TransportFactory::create_instance(TransportName::Grpc, &info_unary).unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info_unary).unwrap();
    let (r, _) = send(&transport, &endpoint, "/v1/chat/completions").await.unwrap();
    assert_eq!((r.text.split_whitespace().count(), r.chunks.len()), (5, 1), "{:?}", r.text);
    // TensorRT-LLM's ensemble layout: batch dimension and a required INT32 `max_tokens`.
    let info = info(&format!("{url}?backend=tensorrtllm"), "mock", true);
    let transport = TransportFactory::create_instance(TransportName::Grpc, &info).unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Completions, &info).unwrap();
    let (r, _) = send(&transport, &endpoint, "/v1/completions").await.unwrap();
    assert_eq!(r.text.split_whitespace().count(), 5, "{:?}", r.text);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_chunks_are_timed_as_the_server_sends_them() {
    // Tokens are timed as they arrive: none before the server's schedule (how fast they came is a
    // benchmark's question, not a test's).
    let (ttft, itl) = (20, 10);
    let server = server(ttft, itl, 0.0).await;
    let info = info(&server.grpc_url().unwrap(), "mock", true);
    let transport = TransportFactory::create_instance(TransportName::Grpc, &info).unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info).unwrap();
    let (r, timing) = send(&transport, &endpoint, "/v1/chat/completions").await.unwrap();
    let first = r.chunks[0].at - timing.sent;
    assert!(first >= Duration::from_millis(ttft - 1), "ttft {first:?}");
    // The server paces token k at TTFT + k × ITL from its receipt, which follows `sent`: a lower
    // bound per token. A chunk read late sits close to the next, so single gaps have none.
    for (k, chunk) in (0u64..).zip(&r.chunks) {
        let due = Duration::from_millis(ttft - 1 + k * itl);
        assert!(chunk.at - timing.sent >= due, "token {k} at {:?}, due at {due:?}", chunk.at - timing.sent);
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_errors_are_reported_not_lost() {
    let server = server(1, 1, 1.0).await;
    let url = server.grpc_url().unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info(&url, "mock", true)).unwrap();
    for streaming in [true, false] {
        let transport = TransportFactory::create_instance(TransportName::Grpc, &info(&url, "mock", streaming)).unwrap();
        let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info(&url, "mock", streaming)).unwrap();
        let (r, _) = send(&transport, &endpoint, "/v1/chat/completions").await.unwrap();
        assert!(r.error.unwrap().message.contains("simulated server error"), "streaming={streaming}");
    }
    // An unknown model is Triton's in-stream error on the stream and NOT_FOUND on the unary RPC:
    // the same 404 either way.
    for (streaming, rpc) in [(true, ""), (false, "?rpc=infer"), (false, "")] {
        let url = format!("{url}{rpc}");
        let transport = TransportFactory::create_instance(TransportName::Grpc, &info(&url, "no-such-model", streaming)).unwrap();
        let endpoint_unknown = EndpointFactory::create_instance(EndpointName::Chat, &info(&url, "no-such-model", streaming)).unwrap();
        let (r, _) = send(&transport, &endpoint_unknown, "/v1/chat/completions").await.unwrap();
        let error = r.error.unwrap();
        assert!(error.message.starts_with("Request for unknown model: 'no-such-model'"), "{error:?}");
        assert_eq!((error.kind.as_deref(), error.code.as_deref()), (Some("NotFoundError"), Some("404")), "streaming={streaming} {rpc}");
    }
    // Embeddings have no text-generation form: a clear error, not a guess.
    let embeddings = EndpointFactory::create_instance(EndpointName::Embeddings, &info(&url, "mock", false)).unwrap();
    let texts = InferenceRequest { payload: aiperf::core::Payload::Texts(vec!["a".into()]), max_tokens: None, model: None };
    let err = RequestForm::Text.prepare(&embeddings, &texts).unwrap_err();
    assert!(matches!(err, EndpointError::NoTextForm), "{err}");
    drop(endpoint);
    server.shutdown().await;
}

#[test]
fn grpc_urls_are_checked() {
    let err = TransportFactory::create_instance(TransportName::Grpc, &info("https://x:1", "m", false)).unwrap_err();
    assert!(err.to_string().contains("grpc://host:port"), "{err}");
    let err = TransportFactory::create_instance(TransportName::Grpc, &info("grpc://x:1?backend=onnx", "m", false)).unwrap_err();
    assert!(err.to_string().contains("backend=vllm or backend=tensorrtllm, rpc=stream or rpc=infer"), "{err}");
    assert!(TransportFactory::create_instance(TransportName::Grpc, &info("grpc://x:1?backend=tensorrtllm", "m", false)).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connection_names_the_grpc_url_and_unmapped_endpoints_are_refused_up_front() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("grpc://127.0.0.1:{port}");
    let transport = TransportFactory::create_instance(TransportName::Grpc, &info(&url, "mock", true)).unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info(&url, "mock", true)).unwrap();
    let err = send(&transport, &endpoint, "/v1/chat/completions").await.unwrap_err().to_string();
    assert!(err.starts_with(&format!("cannot connect to {url}")), "{err}");
    let embeddings = EndpointFactory::create_instance(EndpointName::Embeddings, &info(&url, "mock", false)).unwrap();
    let body = embeddings
        .format_request(&InferenceRequest { payload: aiperf::core::Payload::Texts(vec!["a".into()]), max_tokens: None, model: None })
        .unwrap();
    let body = PreparedRequest::Encoded(body);
    let probe = aiperf::core::TransportRequest {
        path: "/v1/embeddings",
        body: body.body(),
        streaming: false,
        request_id: None,
        session: None,
        endpoint: Default::default(),
    };
    let err = transport.check(probe).unwrap_err().to_string();
    assert!(err.contains("has no KServe text mapping"), "{err}");
}
