//! An endpoint's own headers and auth style reach the server, as an outside author's endpoint
//! for an API such as Anthropic's Messages needs: `x-api-key` instead of a bearer token, and an
//! `anthropic-version` header. Against a raw socket on 127.0.0.1 that keeps the request's head.

use std::time::{Duration, Instant};

use aiperf::core::{
    Auth, DecodeState, Endpoint, EndpointError, FormattedRequest, FromModelEndpoint, InferenceRequest, ModelEndpointInfo, ParsedResponse,
    RequestForm, Transport as _, exchange,
};
use aiperf::endpoints::ChatEndpoint;
use aiperf::{TransportFactory, TransportName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// OpenAI's chat body, sent Anthropic's way.
struct KeyHeaderChat {
    inner: ChatEndpoint,
    headers: Vec<(String, String)>,
}

impl Endpoint for KeyHeaderChat {
    fn format_request(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        self.inner.format_request(request)
    }
    fn decode(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) -> Result<(), EndpointError> {
        self.inner.decode(state, at, bytes, out)
    }
    fn finish(&self, state: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        self.inner.finish(state, out)
    }
    fn request_headers(&self) -> &[(String, String)] {
        &self.headers
    }
    fn auth(&self) -> Auth {
        Auth::Header("x-api-key")
    }
}

/// Answers one request with a whole chat body; returns the request's head, lowercased.
async fn one_request(listener: TcpListener) -> String {
    let (mut socket, _) = listener.accept().await.unwrap();
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), socket.read(&mut buffer)).await.unwrap().unwrap();
        assert!(n > 0, "the client closed before its request's head");
        head.extend_from_slice(&buffer[..n]);
    }
    let body = r#"{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}"#;
    let response = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    socket.write_all(response.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&head).to_ascii_lowercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_sends_its_own_headers_and_its_key_its_way() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(one_request(listener));
    let info = ModelEndpointInfo {
        model_names: vec!["claude".into()],
        url: Some(url.parse().unwrap()),
        api_key: Some("sk-ant-test".into()),
        timeout: Duration::from_secs(10),
        ..ModelEndpointInfo::default()
    };
    let endpoint = KeyHeaderChat {
        inner: ChatEndpoint::from_model_endpoint(&info).unwrap(),
        headers: vec![("anthropic-version".into(), "2023-06-01".into())],
    };
    let transport = TransportFactory::create_instance(TransportName::Http, &info).unwrap();
    let prepared = transport.request_form().prepare(&endpoint, &InferenceRequest::prompt("hello", Some(4))).unwrap();
    assert_eq!(transport.request_form(), RequestForm::Encoded);
    let answer = exchange(&transport, &endpoint, "/v1/messages", &prepared, None).await;
    assert_eq!(answer.response.text, "hi", "{:?}", answer.timing);
    let head = server.await.unwrap();
    assert!(head.starts_with("post /v1/messages "), "{head}");
    assert!(head.contains("\r\nx-api-key: sk-ant-test\r\n"), "{head}");
    assert!(head.contains("\r\nanthropic-version: 2023-06-01\r\n"), "{head}");
    assert!(!head.contains("authorization:"), "no bearer token beside the endpoint's key: {head}");
}
