//! Failed requests as AIPerf 0.13 counts them, against `aiperf-mock-server` answering half of the
//! requests with HTTP 500: errors grouped by type, the failed requests' own metrics, the
//! error-only rows and the error-adjusted (`adj_`) twins in the JSON and the CSV.

mod common;

use std::time::Duration;

use aiperf::transports::InEngineSettings;
use aiperf_mock_server::{MockConfig, MockServer};

fn avg(summary: &serde_json::Value, key: &str) -> f64 {
    summary[key]["avg"].as_f64().unwrap_or_else(|| panic!("no {key} in {summary:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_counted_by_type() {
    let engine =
        InEngineSettings { time_to_first_token: Duration::from_millis(1), inter_token_latency: Duration::ZERO, output_tokens: 4, seed: 3 };
    let server = MockServer::start(MockConfig { engine, error_rate: 0.5, ..MockConfig::default() }).await.unwrap();
    let dir = common::dir("failed", "errors");
    let stdout =
        common::profile_against(&server, &["--streaming", "--request-count", "40", "--concurrency", "4", "--isl", "16"], &dir).await;
    let (summary, records) = (common::json(&dir.join("profile_export_aiperf.json")), common::records(&dir));
    let (good, failed) = (avg(&summary, "request_count"), avg(&summary, "error_request_count"));
    assert_eq!((good + failed, avg(&summary, "completed_request_count")), (40.0, 40.0));
    assert!(failed > 5.0 && good > 5.0, "{failed} failed, {good} good");
    let errors = summary["error_summary"].as_array().unwrap();
    assert_eq!(errors[0]["error_details"]["type"], "InternalServerError");
    assert_eq!(errors[0]["error_details"]["code"], 500);
    assert_eq!(errors[0]["count"].as_f64(), Some(failed));
    assert_eq!(records.iter().filter(|r| r.get("error").is_some()).count() as f64, failed);
    assert!(stdout.contains("InternalServerError"), "{stdout}");
    // AIPerf's error-only rows: the failed requests' input lengths, and no context overflow here.
    assert_eq!((summary["error_isl"]["count"].as_f64(), avg(&summary, "error_isl")), (Some(failed), 16.0));
    assert_eq!((avg(&summary, "total_error_isl"), avg(&summary, "context_overflow_count")), (16.0 * failed, 0.0));
    // Each failed request's wait and latency count, as in AIPerf; its other metrics do not.
    assert_eq!(summary["effective_latency"]["count"].as_f64(), Some(40.0));
    assert_eq!(summary["request_latency"]["count"].as_f64(), Some(good));
    // The error-adjusted twins: every failure at +inf (null in JSON), the successes' minimum.
    let adjusted = &summary["adj_request_latency"];
    assert_eq!((adjusted["count"].as_f64(), adjusted["avg"].is_null(), adjusted["p99"].is_null()), (Some(40.0), true, true));
    assert_eq!(adjusted["min"], summary["request_latency"]["min"]);
    assert!(adjusted.get("std").is_none(), "{adjusted}");
    let csv = std::fs::read_to_string(dir.join("profile_export_aiperf.csv")).unwrap();
    let row = csv.lines().find(|line| line.starts_with("Request Latency (error-adjusted) (ms),inf,")).unwrap_or_else(|| panic!("{csv}"));
    assert!(row.ends_with(",inf,inf,"), "p95, p99 at a failure, no std: {row}");
    server.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
