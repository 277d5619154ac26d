//! The mock server survives its own load generator: a huge `max_tokens` is refused as vLLM does,
//! and a client that never finishes its headers is disconnected. Raw HTTP/1.1 on 127.0.0.1.

use std::time::Duration;

use aiperf_mock_server::{MockConfig, MockServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn server() -> MockServer {
    let mut config = MockConfig { header_read_timeout: Duration::from_millis(300), ..MockConfig::default() };
    config.engine.time_to_first_token = Duration::ZERO;
    config.engine.inter_token_latency = Duration::ZERO;
    MockServer::start(config).await.unwrap()
}

fn address(server: &MockServer) -> String {
    server.url().trim_start_matches("http://").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_max_tokens_is_refused_like_vllm() {
    let server = server().await;
    let body = r#"{"model":"mock","prompt":"hello there","max_tokens":4294967295}"#;
    let mut stream = TcpStream::connect(address(&server)).await.unwrap();
    let request = format!(
        "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut response)).await.unwrap().unwrap();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("maximum context length is 32768 tokens"), "{response}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_headers_do_not_hold_a_connection_open() {
    let server = server().await;
    let mut stream = TcpStream::connect(address(&server)).await.unwrap();
    stream.write_all(b"POST /v1/completions HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buffer = Vec::new();
    // The server gives up after its header read timeout (300 ms here) and closes the connection.
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buffer)).await;
    assert!(read.is_ok(), "the connection was still open after 10 s");
    server.shutdown().await;
}
