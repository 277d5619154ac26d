//! Requests cancelled mid-flight (`--request-cancellation-rate`, `--request-cancellation-delay`)
//! against the mock server on 127.0.0.1, as AIPerf 0.13 cancels them: sent whole, cut their delay
//! later, recorded as cancelled failures; the server sees each abort and stops generating.

mod common;

use std::time::Duration;

use aiperf::transports::InEngineSettings;
use aiperf_mock_server::{MockConfig, MockServer};
use common::{dir, json};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Tokens each answer would have, 20 ms apart: 2 s uncut.
const TOKENS: u32 = 100;

/// A server answering [`TOKENS`] tokens, the first after 20 ms, then one every 20 ms, over HTTP
/// and KServe gRPC.
async fn slow_server() -> MockServer {
    let engine = InEngineSettings {
        time_to_first_token: Duration::from_millis(20),
        inter_token_latency: Duration::from_millis(20),
        output_tokens: TOKENS,
        seed: 1,
    };
    MockServer::start(MockConfig { engine, grpc_port: Some(0), ..MockConfig::default() }).await.unwrap()
}

/// The value of the sample `series` (its name and labels, as the page writes them) on `server`'s
/// `/metrics` page.
async fn sample(server: &MockServer, series: &str) -> f64 {
    let mut stream = tokio::net::TcpStream::connect(server.http_addr()).await.unwrap();
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut page = String::new();
    stream.read_to_string(&mut page).await.unwrap();
    let line = page.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("{series} not in {page}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// What the server finished as aborted, once it has seen `expected` of them (or after 10 s).
async fn aborted(server: &MockServer, expected: f64) -> f64 {
    let series = "vllm:request_success_total{engine=\"0\",finished_reason=\"abort\"";
    for _ in 0..200 {
        let seen = sample(server, series).await;
        if seen >= expected {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sample(server, series).await
}

/// Checks each cancelled record as AIPerf writes one, cut `delay_ms` after its send.
fn assert_cancelled(record: &Value, delay_ms: u64) {
    let error = &record["error"];
    assert_eq!((error["code"].as_u64(), error["type"].as_str()), (Some(499), Some("RequestCancellationError")), "{record}");
    assert_eq!(error["message"], format!("Request cancelled {:.3}s after being sent", delay_ms as f64 / 1e3));
    let metadata = &record["metadata"];
    assert_eq!(metadata["was_cancelled"], true);
    let (start, cut) = (metadata["request_start_ns"].as_u64().unwrap(), metadata["cancellation_time_ns"].as_u64().unwrap());
    assert!(cut >= start + delay_ms * 1_000_000, "cut {} ns after its start", cut - start);
    assert!(record["metrics"]["error_isl"]["value"].as_f64().is_some_and(|isl| isl > 0.0), "a failure's one metric: {record}");
    assert!(record["metrics"].get("request_latency").is_none(), "nothing of a cut request is measured: {record}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_cut_is_recorded_cancelled_and_the_server_stops_generating() {
    for streaming in [true, false] {
        let server = slow_server().await;
        let out = dir("cancellation", if streaming { "all-streamed" } else { "all-whole" });
        let mut args = vec!["--concurrency", "3", "--request-count", "6", "--isl", "16"];
        args.extend(["--request-cancellation-rate", "100", "--request-cancellation-delay", "0.15"]);
        if streaming {
            args.push("--streaming");
        }
        common::profile_against(&server, &args, &out).await;
        let records = common::records(&out);
        assert_eq!(records.len(), 6);
        records.iter().for_each(|r| assert_cancelled(r, 150));
        let summary = json(&out.join("profile_export_aiperf.json"));
        assert_eq!(summary["error_request_count"]["avg"], 6.0, "cancelled requests are failures: {}", summary["error_request_count"]);
        assert_eq!(summary["input_config"]["phases"][0]["cancellation"], serde_json::json!({ "rate": 100.0, "delay": 0.15 }));
        assert_eq!(aborted(&server, 6.0).await, 6.0, "streaming {streaming}: the server saw each abort");
        let generated = sample(&server, "vllm:generation_tokens_total{").await;
        assert!(generated < f64::from(6 * TOKENS) / 2.0, "streaming {streaming}: generation stopped early, {generated} tokens");
        server.shutdown().await;
        std::fs::remove_dir_all(out).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grpc_stream_cut_is_reset_and_the_server_stops_generating() {
    let server = slow_server().await;
    let out = dir("cancellation", "grpc");
    let url = server.grpc_url().unwrap();
    let args = ["--url", &url, "--model", "mock", "--streaming", "--concurrency", "2", "--request-count", "4", "--isl", "16"];
    let args: Vec<String> = [&args[..], &["--request-cancellation-rate", "100", "--request-cancellation-delay", "0.1"]]
        .concat()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let run_out = out.clone();
    let output = tokio::task::spawn_blocking(move || common::profile(&args.iter().map(String::as_str).collect::<Vec<_>>(), &run_out));
    common::ok(&output.await.unwrap());
    let records = common::records(&out);
    assert_eq!(records.len(), 4);
    records.iter().for_each(|r| assert_cancelled(r, 100));
    assert_eq!(aborted(&server, 4.0).await, 4.0, "the server saw each stream reset");
    let generated = sample(&server, "vllm:generation_tokens_total{").await;
    assert!(generated < f64::from(4 * TOKENS) / 2.0, "generation stopped early, {generated} tokens");
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_is_cancelled_the_same_requests_for_one_seed() {
    let server = slow_server().await;
    let cut = |out: &std::path::Path| -> Vec<u64> {
        let records = common::records(out);
        assert_eq!(records.len(), 24);
        let cut: Vec<u64> = records
            .iter()
            .filter(|r| r["metadata"]["was_cancelled"] == true)
            .map(|r| r["metadata"]["x_request_id"].as_str().unwrap().trim_start_matches("profiling-").parse().unwrap())
            .collect();
        records.iter().filter(|r| r["metadata"]["was_cancelled"] == false).for_each(|r| assert!(r["error"].is_null(), "{r}"));
        cut
    };
    let mut runs = Vec::new();
    for (name, seed) in [("a", "5"), ("b", "5")] {
        let out = dir("cancellation", &format!("share-{name}"));
        let args = ["--streaming", "--concurrency", "8", "--request-count", "24", "--osl", "3", "--random-seed", seed];
        common::profile_against(
            &server,
            &[&args[..], &["--request-cancellation-rate", "40", "--request-cancellation-delay", "0"]].concat(),
            &out,
        )
        .await;
        let mut ids = cut(&out);
        ids.sort_unstable();
        runs.push(ids);
        std::fs::remove_dir_all(out).unwrap();
    }
    assert!(!runs[0].is_empty() && runs[0].len() < 24, "some, not all: {:?}", runs[0]);
    assert_eq!(runs[0], runs[1], "one seed, the same requests cut");
    server.shutdown().await;
}

#[test]
fn a_delay_without_a_rate_and_a_rate_out_of_range_are_refused_by_name() {
    let out = dir("cancellation", "refused");
    let output = common::profile(&["--request-count", "2", "--request-cancellation-delay", "1"], &out);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--request-cancellation-rate"));
    let output = common::profile(&["--request-count", "2", "--request-cancellation-rate", "150"], &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("--request-cancellation-rate") && stderr.contains("100"), "{stderr}");
    let _ = std::fs::remove_dir_all(out);
}
