//! Every mock-server fault against the `aiperf` binary, end to end on 127.0.0.1: no panic, valid
//! exports, the failure recorded with its type and a message that says what happened.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

use aiperf::transports::InEngineSettings;
use aiperf_mock_server::{Fault, FaultSpec, MockConfig, MockServer};
use serde_json::Value;

struct Run {
    output: Output,
    summary: Value,
    records: Vec<Value>,
}

impl Run {
    fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    fn text(&self) -> String {
        format!("{}{}", String::from_utf8_lossy(&self.output.stdout), String::from_utf8_lossy(&self.output.stderr))
    }

    /// The only error group, as `(code, type, message)`.
    fn error(&self) -> (Value, String, String) {
        let groups = self.summary["error_summary"].as_array().unwrap();
        assert_eq!(groups.len(), 1, "one error, grouped once: {groups:#?}");
        let details = &groups[0]["error_details"];
        (details["code"].clone(), details["type"].as_str().unwrap().to_owned(), details["message"].as_str().unwrap().to_owned())
    }
}

async fn run_with(fault: Fault, extra: &[&str]) -> Run {
    run_n(fault, 4, extra).await
}

async fn run_n(fault: Fault, requests: usize, extra: &[&str]) -> Run {
    let engine =
        InEngineSettings { time_to_first_token: Duration::from_millis(1), inter_token_latency: Duration::ZERO, output_tokens: 6, seed: 2 };
    let config = MockConfig { engine, faults: vec![FaultSpec { fault, rate: 1.0 }], ..MockConfig::default() };
    let server = MockServer::start(config).await.unwrap();
    let dir: PathBuf =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-fault-{}-{}", std::process::id(), fault.name()));
    let _ = std::fs::remove_dir_all(&dir);
    let count = requests.to_string();
    let mut args: Vec<String> =
        ["profile", "--url", &server.url(), "--model", "mock", "--request-count", &count, "--concurrency", "2", "--isl", "8"]
            .map(str::to_owned)
            .to_vec();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend(["--ui", "none", "--output-artifact-dir"].map(str::to_owned));
    args.push(dir.display().to_string());
    let output =
        tokio::task::spawn_blocking(move || Command::new(env!("CARGO_BIN_EXE_aiperf")).args(&args).output().unwrap()).await.unwrap();
    let summary_file = std::fs::read(dir.join("profile_export_aiperf.json"))
        .unwrap_or_else(|e| panic!("{e}: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)));
    let summary = serde_json::from_slice(&summary_file).unwrap();
    let records =
        std::fs::read_to_string(dir.join("profile_export.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    std::fs::remove_dir_all(&dir).unwrap();
    server.shutdown().await;
    let run = Run { output, summary, records };
    assert!(!run.text().contains("panicked"), "{}", run.text());
    assert_eq!(run.records.len(), requests, "every request is recorded: {}", run.text());
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_429_is_an_error_with_its_status() {
    let run = run_with(Fault::Status429, &["--streaming"]).await;
    assert_eq!(run.code(), Some(3));
    let (code, kind, message) = run.error();
    assert_eq!((code, kind.as_str()), (Value::from(429), "TooManyRequestsError"));
    assert!(message.contains("at capacity"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_502_from_a_proxy_is_quoted() {
    let run = run_with(Fault::Html502, &["--streaming"]).await;
    let (code, _, message) = run.error();
    assert_eq!(code, Value::from(502));
    assert!(message.contains("502 Bad Gateway"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_server_meets_the_request_timeout() {
    let run = run_with(Fault::Hang, &["--streaming", "--request-timeout-seconds", "1"]).await;
    assert_eq!(run.code(), Some(3));
    let (_, kind, message) = run.error();
    assert!(kind.contains("Timeout") && message.contains("timed out"), "{kind}: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_mid_stream_keeps_its_cause() {
    let run = run_with(Fault::ResetMidStream, &["--streaming"]).await;
    assert_eq!(run.code(), Some(3));
    let (_, _, message) = run.error();
    assert!(message.contains("error reading a body from connection") && message.contains(": "), "the cause follows: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_event_is_one_grouped_parse_error() {
    let run = run_with(Fault::MalformedEvent, &["--streaming"]).await;
    let (_, kind, message) = run.error();
    assert!(kind.contains("InvalidResponse") || message.contains("cannot parse SSE event"), "{kind}: {message}");
    assert!(message.contains("at line 1 column"), "the representative message keeps its details: {message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_is_read_lossily() {
    let run = run_with(Fault::InvalidUtf8, &["--streaming"]).await;
    assert_eq!(run.code(), Some(0), "{}", run.text());
    assert_eq!(run.summary["request_count"]["avg"], 4.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_byte_writes_give_the_same_records() {
    let run = run_with(Fault::ByteByByte, &["--streaming", "--osl", "6"]).await;
    assert_eq!(run.code(), Some(0), "{}", run.text());
    assert_eq!(run.summary["usage_completion_tokens"]["avg"], 6.0);
    let chunks = run.summary["http_req_chunks_received"]["avg"].as_f64().unwrap_or_else(|| panic!("no chunk count: {:#}", run.summary));
    assert!(chunks > 100.0, "{:#}", run.summary);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_answer_to_a_streaming_request_is_named_as_such() {
    let run = run_with(Fault::JsonToStream, &["--streaming"]).await;
    let (_, _, message) = run.error();
    assert!(message.contains("answered a streaming request with one JSON body"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_response_is_cut_at_the_limit() {
    // One request: reading 64 MiB takes a while in a debug build.
    let run = run_n(Fault::HugeResponse, 1, &["--streaming"]).await;
    let (_, _, message) = run.error();
    assert!(message.contains("exceeded 67108864 bytes"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_to_a_plain_http_server_is_a_connection_error() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let url = server.url().replace("http://", "https://");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-fault-{}-tls", std::process::id()));
    let args =
        ["profile", "--url", &url, "--model", "mock", "--request-count", "2", "--ui", "none", "--output-artifact-dir"].map(str::to_owned);
    let run_dir = dir.clone();
    let output =
        tokio::task::spawn_blocking(move || Command::new(env!("CARGO_BIN_EXE_aiperf")).args(&args).arg(&run_dir).output().unwrap())
            .await
            .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
    let summary: Value = serde_json::from_slice(&std::fs::read(dir.join("profile_export_aiperf.json")).unwrap()).unwrap();
    let message = summary["error_summary"][0]["error_details"]["message"].as_str().unwrap().to_owned();
    assert!(message.starts_with(&format!("cannot connect to {url}")), "{message}");
    std::fs::remove_dir_all(dir).unwrap();
    server.shutdown().await;
}
