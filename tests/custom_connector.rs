//! A transport of another crate reuses the http transport whole over connections of its own
//! (`HyperTransport::with_connector`), as an HTTP-over-Unix-socket transport would: here every
//! request goes to one fixed address whatever host the URL names, and keep-alive pooling,
//! timing and parsing work as for `http`.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use aiperf::core::{Exchange, InferenceRequest, ModelEndpointInfo, Payload, Transport as _, exchange};
use aiperf::transports::http::{Http1, HyperTransport};
use aiperf::{EndpointFactory, EndpointName};
use aiperf_mock_server::MockServer;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Connects to one address, counting its connections.
#[derive(Clone)]
struct FixedAddress {
    address: SocketAddr,
    opened: Arc<AtomicUsize>,
}

impl tower_service::Service<http::Uri> for FixedAddress {
    type Response = TokioIo<TcpStream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<TokioIo<TcpStream>>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let address = self.address;
        self.opened.fetch_add(1, Ordering::Relaxed);
        Box::pin(async move { Ok(TokioIo::new(TcpStream::connect(address).await?)) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_of_its_own_gets_the_pool_timing_and_parsing_of_http() {
    let server = MockServer::start(Default::default()).await.unwrap();
    let address: SocketAddr = server.url().trim_start_matches("http://").parse().unwrap();
    let info = ModelEndpointInfo {
        model_names: vec!["mock".into()],
        // Never resolved: the connector decides where requests go.
        url: Some("http://model.sock.invalid".parse().unwrap()),
        streaming: true,
        timeout: Duration::from_secs(10),
        ..ModelEndpointInfo::default()
    };
    let opened = Arc::new(AtomicUsize::new(0));
    let transport = HyperTransport::<Http1, _>::with_connector(&info, FixedAddress { address, opened: Arc::clone(&opened) }).unwrap();
    let endpoint = EndpointFactory::create_instance(EndpointName::Chat, &info).unwrap();
    let request = InferenceRequest { payload: Payload::Prompt("hello over a socket".into()), max_tokens: Some(4), model: None };
    let prepared = transport.request_form().prepare(&endpoint, &request).unwrap();
    let mut reused = Vec::new();
    for _ in 0..8 {
        let Exchange { timing, response, decode_error } = exchange(&transport, &endpoint, "/v1/chat/completions", &prepared, None).await;
        let timing = timing.unwrap();
        assert!(decode_error.is_none() && response.error.is_none(), "{decode_error:?} {:?}", response.error);
        assert_eq!(timing.status, 200);
        assert!(!response.text.is_empty() && !response.chunks.is_empty(), "streamed content, chunk by chunk: {response:?}");
        reused.push(timing.connection_reused);
    }
    // The URL's host resolves nowhere: every connection came from the connector, and the pool kept
    // them. The first request opens one, later ones reuse it (hyper may still open a spare in the
    // background when a request starts before the last one's connection is back in the pool).
    assert_eq!(reused[0], Some(false), "{reused:?}");
    assert!(reused.contains(&Some(true)), "the keep-alive pool reuses the connector's connections: {reused:?}");
    let fresh = reused.iter().filter(|r| **r == Some(false)).count();
    assert!(opened.load(Ordering::Relaxed) >= fresh, "{reused:?}");
    server.shutdown().await;
}
