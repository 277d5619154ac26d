//! Every endpoint over every HTTP transport against `aiperf-mock-server` on 127.0.0.1:
//! streaming and not, checking the parsed records.

use std::time::Duration;

use aiperf::core::ConnectionReuse;
use aiperf::core::{
    Endpoint, Exchange, FormattedRequest, InferenceRequest, InputKind, ModelEndpointInfo, ParsedResponse, Payload, SessionTurn,
    Transport as _, TransportTiming, exchange, exchange_turn,
};
use aiperf::transports::InEngineSettings;
use aiperf::{AnyTransport, EndpointFactory, EndpointName, TransportFactory, TransportName};
use aiperf_mock_server::{MockConfig, MockServer};

fn engine(ttft_ms: u64, itl_ms: u64) -> InEngineSettings {
    InEngineSettings {
        time_to_first_token: Duration::from_millis(ttft_ms),
        inter_token_latency: Duration::from_millis(itl_ms),
        output_tokens: 8,
        seed: 5,
    }
}

async fn server(ttft_ms: u64, itl_ms: u64, error_rate: f64) -> MockServer {
    MockServer::start(MockConfig { engine: engine(ttft_ms, itl_ms), error_rate, ..MockConfig::default() }).await.unwrap()
}

fn info(url: &str, streaming: bool) -> ModelEndpointInfo {
    ModelEndpointInfo {
        model_names: vec!["mock".into()],
        url: Some(url.parse().unwrap()),
        streaming,
        timeout: Duration::from_secs(10),
        ..ModelEndpointInfo::default()
    }
}

async fn send(
    transport: &AnyTransport,
    endpoint: &dyn Endpoint,
    path: &str,
    request: &InferenceRequest,
) -> (ParsedResponse, TransportTiming) {
    let prepared = transport.request_form().prepare(endpoint, request).unwrap();
    let Exchange { timing, response, decode_error } = exchange(transport, endpoint, path, &prepared, Some("t-1")).await;
    assert!(decode_error.is_none(), "{decode_error:?}");
    (response, timing.unwrap())
}

/// A request in the shape the endpoint's metadata declares.
fn request_for(name: EndpointName) -> InferenceRequest {
    let payload = match name.metadata().input {
        InputKind::Prompt | InputKind::Messages => Payload::Prompt("how fast is this server".into()),
        InputKind::Texts => Payload::Texts(vec!["one".into(), "two words".into()]),
        InputKind::QueryPassages => {
            Payload::Ranking { query: "fast GPU".into(), passages: vec!["slow CPU".into(), "fast GPU here".into()] }
        }
    };
    InferenceRequest { payload, max_tokens: Some(6), model: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_over_http_and_http2() {
    let server = server(5, 1, 0.0).await;
    for transport_name in [TransportName::Http, TransportName::Http2] {
        for name in [EndpointName::Chat, EndpointName::Completions, EndpointName::Embeddings, EndpointName::Rankings] {
            for streaming in [false, true] {
                let info = info(&server.url(), streaming);
                let transport = TransportFactory::create_instance(transport_name, &info).unwrap();
                let endpoint = EndpointFactory::create_instance(name, &info).unwrap();
                let (r, timing) = send(&transport, &endpoint, name.metadata().endpoint_path, &request_for(name)).await;
                let case = format!("{name} over {transport_name}, streaming={streaming}");
                assert_eq!(timing.status, 200, "{case}");
                assert!(r.done && r.error.is_none(), "{case}: {r:?}");
                match name {
                    EndpointName::Chat | EndpointName::Completions => {
                        assert_eq!(r.text.split_whitespace().count(), 6, "{case}: {:?}", r.text);
                        let stream = streaming && name.metadata().supports_streaming;
                        assert_eq!(r.chunks.len(), if stream { 6 } else { 1 }, "{case}");
                        let usage = r.usage.unwrap();
                        assert_eq!((usage.prompt_tokens, usage.completion_tokens), (Some(5), Some(6)), "{case}");
                    }
                    EndpointName::Embeddings => {
                        assert_eq!(r.embeddings.len(), 2, "{case}");
                        assert_eq!(r.embeddings[0].vector.len(), 64, "{case}");
                    }
                    EndpointName::Rankings => assert_eq!(r.rankings.iter().map(|x| x.index).collect::<Vec<_>>(), [1, 0], "{case}"),
                    other => unreachable!("{other} is not in the list above"),
                }
            }
        }
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transport_timing_matches_the_server_delays() {
    let (ttft, itl) = (60, 15);
    let server = server(ttft, itl, 0.0).await;
    for transport_name in [TransportName::Http, TransportName::Http2] {
        let info = info(&server.url(), true);
        let transport = TransportFactory::create_instance(transport_name, &info).unwrap();
        let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info).unwrap();
        let (r, timing) = send(&transport, &endpoint, "/v1/chat/completions", &request_for(EndpointName::Chat)).await;
        // Loose bounds: this checks that chunks are timed as they arrive, not how fast we are.
        let first = r.chunks[0].at - timing.sent;
        assert!(first >= Duration::from_millis(ttft - 1), "{transport_name}: ttft {first:?}");
        // The server paces token k at TTFT + k × ITL from its receipt, which follows `sent`: a lower
        // bound per token. A chunk read late sits close to the next, so single gaps have none.
        for (k, chunk) in (0u64..).zip(&r.chunks) {
            let due = Duration::from_millis(ttft - 1 + k * itl);
            assert!(chunk.at - timing.sent >= due, "{transport_name}: token {k} at {:?}, due at {due:?}", chunk.at - timing.sent);
        }
        assert!(timing.response_start.unwrap() < r.chunks[0].at, "headers arrive before the first token");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_time_is_charged_to_the_request_that_opened_the_connection() {
    let server = server(1, 0, 0.0).await;
    for name in [TransportName::Http, TransportName::Http2] {
        let info = info(&server.url(), false);
        let transport = TransportFactory::create_instance(name, &info).unwrap();
        let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info).unwrap();
        let request = request_for(EndpointName::Chat);
        let (_, first) = send(&transport, &endpoint, "/v1/chat/completions", &request).await;
        // hyper returns a connection to its pool just after the body ends: give it a moment.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (_, second) = send(&transport, &endpoint, "/v1/chat/completions", &request).await;
        assert!(first.connecting > Duration::ZERO, "{name}: the first request opened the connection");
        assert!(first.connecting <= first.sent - first.start, "{name}: connecting happens before the body is sent");
        assert_eq!(second.connecting, Duration::ZERO, "{name}: the second reused it");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sticky_sessions_reuse_their_own_connection_over_http_and_http2() {
    let server = server(1, 0, 0.0).await;
    for name in [TransportName::Http, TransportName::Http2] {
        let info = ModelEndpointInfo { connection_reuse: ConnectionReuse::StickyUserSessions, ..info(&server.url(), true) };
        let transport = TransportFactory::create_instance(name, &info).unwrap();
        let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info).unwrap();
        let prepared = transport.request_form().prepare(&endpoint, &request_for(EndpointName::Chat)).unwrap();
        let mut reused = Vec::new();
        for (key, last) in [(1, false), (1, false), (2, false), (1, true), (2, true)] {
            let session = Some(SessionTurn { key, last });
            let Exchange { timing, .. } = exchange_turn(&transport, &endpoint, "/v1/chat/completions", &prepared, None, session).await;
            reused.push(timing.unwrap().connection_reused);
        }
        let alone = exchange(&transport, &endpoint, "/v1/chat/completions", &prepared, None).await;
        reused.push(alone.timing.unwrap().connection_reused);
        // Session 1 opens its connection and keeps it; session 2 opens its own (session 1's is
        // not idle in a pool for it); a request of no session opens one of its own too.
        assert_eq!(reused, [false, true, false, true, true, false].map(Some), "{name}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_streams_share_http2() {
    let server = server(20, 2, 0.0).await;
    let info = info(&server.url(), true);
    let transport = TransportFactory::create_instance(TransportName::Http2, &info).unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info).unwrap();
    let request = request_for(EndpointName::Chat);
    let runs = (0..32).map(|_| send(&transport, &endpoint, "/v1/chat/completions", &request));
    let results = futures_join_all(runs).await;
    assert!(results.iter().all(|(r, t)| t.status == 200 && r.text.split_whitespace().count() == 6));
    server.shutdown().await;
}

/// Runs futures concurrently on this task (no extra dependency for a join-all).
async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future completed")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_server_errors_not_transport_failures() {
    let server = server(1, 1, 1.0).await;
    let info = info(&server.url(), true);
    let transport = TransportFactory::create_instance("http", &info).unwrap();
    let endpoint = EndpointFactory::create_instance("chat", &info).unwrap();
    let (r, timing) = send(&transport, &endpoint, "/v1/chat/completions", &request_for(EndpointName::Chat)).await;
    assert_eq!(timing.status, 500);
    let error = r.error.unwrap();
    assert_eq!((error.status, error.kind.as_deref()), (Some(500), Some("InternalServerError")));
    let (r, timing) = send(&transport, &endpoint, "/v1/does-not-exist", &request_for(EndpointName::Chat)).await;
    assert_eq!((timing.status, r.error.unwrap().status), (404, Some(404)));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_a_400_json_error() {
    let server = server(1, 1, 0.0).await;
    let info = info(&server.url(), false);
    let endpoint = EndpointFactory::create_instance("chat", &info).unwrap();
    for name in [TransportName::Http, TransportName::Http2] {
        let transport = TransportFactory::create_instance(name, &info).unwrap();
        for body in [&b"{not json"[..], br#"{"messages":"not a list"}"#, br#"{"model":"mock"}"#] {
            let formatted = FormattedRequest { body: body.to_vec(), content_type: "application/json", streaming: false };
            let Exchange { timing, response: r, .. } =
                exchange(&transport, &endpoint, "/v1/chat/completions", &formatted.into(), None).await;
            let timing = timing.unwrap();
            let error = r.error.unwrap();
            assert_eq!((timing.status, error.kind.as_deref()), (400, Some("BadRequestError")), "{name}");
        }
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_key_is_sent_as_a_bearer_token() {
    let config = MockConfig { engine: engine(1, 0), api_key: Some("s3cret".into()), ..MockConfig::default() };
    let server = MockServer::start(config).await.unwrap();
    for (key, status) in [(Some("s3cret"), 200), (Some("wrong"), 401), (None, 401)] {
        let info = ModelEndpointInfo {
            api_key: key.map(str::to_owned),
            headers: vec![("X-Trace".into(), "1".into())],
            ..info(&server.url(), false)
        };
        let transport = TransportFactory::create_instance(TransportName::Http, &info).unwrap();
        let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info).unwrap();
        let (r, timing) = send(&transport, &endpoint, "/v1/chat/completions", &request_for(EndpointName::Chat)).await;
        assert_eq!(timing.status, status, "key {key:?}");
        if status == 401 {
            let error = r.error.unwrap();
            assert_eq!((error.status, error.message.as_str()), (Some(401), "Unauthorized"), "vLLM's string error envelope");
        }
    }
    server.shutdown().await;
}

#[tokio::test]
async fn unreachable_servers_and_bad_urls_are_clear_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let info = info(&url, false);
    let transport = TransportFactory::create_instance(TransportName::Http, &info).unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info).unwrap();
    let formatted = endpoint.format_request(&request_for(EndpointName::Chat)).unwrap();
    let err = exchange(&transport, &endpoint, "/v1/chat/completions", &formatted.into(), None).await.timing.unwrap_err();
    assert!(err.to_string().starts_with(&format!("cannot connect to {url}")), "{err}");
    let err = TransportFactory::create_instance(TransportName::Http, &ModelEndpointInfo::default()).unwrap_err();
    assert!(err.to_string().contains("needs a server URL"), "{err}");
    let err = TransportFactory::create_instance(TransportName::Http, &info_with_url("ftp://x")).unwrap_err();
    assert!(err.to_string().contains("http:// or https://"), "{err}");
}

fn info_with_url(url: &str) -> ModelEndpointInfo {
    info(url, false)
}
