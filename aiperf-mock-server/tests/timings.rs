//! `GET /mock/timings`: the server's own time to first token, counted from each streamed
//! request's arrival. Raw HTTP/1.1 on 127.0.0.1.

use std::time::Duration;

use aiperf_mock_server::{MockConfig, MockServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn exchange(server: &MockServer, request: String) -> String {
    let mut stream = TcpStream::connect(server.http_addr()).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut response)).await.unwrap().unwrap();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_requests_are_timed_from_arrival_to_first_token() {
    let mut config = MockConfig::default();
    config.engine.time_to_first_token = Duration::from_millis(30);
    config.engine.inter_token_latency = Duration::ZERO;
    let server = MockServer::start(config).await.unwrap();
    let body = r#"{"model":"mock","messages":[{"role":"user","content":"hi"}],"max_tokens":3,"stream":true}"#;
    for _ in 0..2 {
        let request = format!(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        assert!(exchange(&server, request).await.contains("data: [DONE]"));
    }
    let response = exchange(&server, "GET /mock/timings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_owned()).await;
    let json = response.split("\r\n\r\n").nth(1).expect("a body");
    let timings: serde_json::Value = serde_json::from_str(json).expect("JSON");
    assert_eq!(timings["requests"], 2, "{timings}");
    let p50 = timings["time_to_first_token_ms"]["p50"].as_f64().unwrap();
    assert!(p50 >= 30.0, "the engine waits 30 ms before its first token: {timings}");
    server.shutdown().await;
}
