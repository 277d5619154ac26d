//! `aiperf chat` against the mock server on 127.0.0.1: the reply printed as it streams, then its
//! figures; the conversation's history sent with each message; a failure said.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// `aiperf chat` with `args`, `input` on its standard input, off the async runtime.
async fn chat(args: Vec<String>, input: &'static str) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aiperf"))
            .arg("chat")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quick_message_prints_its_reply_and_figures() {
    // Tokens 2 ms apart: an inter-token latency to print.
    let engine = aiperf::transports::InEngineSettings {
        time_to_first_token: Duration::from_millis(5),
        inter_token_latency: Duration::from_millis(2),
        output_tokens: 6,
        seed: 1,
    };
    let server = aiperf_mock_server::MockServer::start(aiperf_mock_server::MockConfig { engine, ..Default::default() }).await.unwrap();
    let output = chat(vec!["-m".into(), "mock".into(), "-u".into(), server.url(), "-q".into(), "hello there".into()], "").await;
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[0].split_whitespace().count(), 6, "the reply's six words: {printed}");
    assert!(lines[1].starts_with("TTFT: ") && lines[1].ends_with(" ms"), "{printed}");
    assert!(lines[2].starts_with("TPS:  ") && lines[2].contains(" tokens in "), "{printed}");
    assert!(lines[3].starts_with("ITL:  ") && lines[3].contains("ms/token (decode "), "{printed}");
    let sent: Value = serde_json::from_slice(&server.received()[0]).unwrap();
    assert_eq!((sent["stream"].as_bool(), sent["messages"][0]["content"].as_str()), (Some(true), Some("hello there")));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_message_carries_the_conversation_and_the_system_prompt() {
    let server = common::mock_server(Duration::from_millis(1), 3, 1).await;
    let args = vec!["-m".into(), "mock".into(), "-u".into(), format!("{}/v1", server.url()), "--system-prompt".into(), "Be brief.".into()];
    let output = chat(args, "first\nsecond\n").await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let bodies = server.received();
    assert_eq!(bodies.len(), 2);
    let second: Value = serde_json::from_slice(&bodies[1]).unwrap();
    let roles: Vec<&str> = second["messages"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"], "{second}");
    assert_eq!((second["messages"][1]["content"].as_str(), second["messages"][3]["content"].as_str()), (Some("first"), Some("second")));
    assert_eq!(second["messages"][2]["content"].as_str().unwrap().split_whitespace().count(), 3, "the reply the server gave");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_does_not_answer_is_said() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let quick = chat(vec!["-m".into(), "m".into(), "-u".into(), url.clone(), "-q".into(), "hi".into()], "").await;
    assert_eq!(quick.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&quick.stderr).contains("request failed: cannot connect"));
    let interactive = chat(vec!["-m".into(), "m".into(), "-u".into(), url], "hi\n").await;
    assert!(interactive.status.success(), "the conversation goes on after a failed message");
    assert!(String::from_utf8_lossy(&interactive.stderr).contains("request failed:"));
}
