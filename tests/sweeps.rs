//! Sweeps and repeated runs end to end against `aiperf-mock-server` on 127.0.0.1: a 3-point
//! concurrency sweep writes a directory per point and a summary with a row per point; repeated
//! runs write AIPerf's `profile_runs/` and `aggregate/` with confidence intervals.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiperf_mock_server::MockServer;
use serde_json::Value;

mod common;

async fn aiperf(server: &MockServer, dir: &Path, extra: &[&str]) -> String {
    common::profile_against(server, &[&["--streaming"][..], extra].concat(), dir).await
}

fn json(path: &Path) -> Value {
    common::json(path)
}

fn dir(name: &str) -> PathBuf {
    common::dir("sweeps", name)
}

async fn server() -> MockServer {
    common::mock_server(Duration::from_millis(2), 4, 9).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_three_point_concurrency_sweep_writes_each_point_and_a_summary() {
    let server = server().await;
    let base = dir("three");
    let stdout = aiperf(&server, &base, &["--concurrency", "1,2,4", "--request-count", "8", "--isl", "16"]).await;
    for point in ["concurrency_1", "concurrency_2", "concurrency_4"] {
        let export = json(&base.join(point).join("profile_export_aiperf.json"));
        assert_eq!(export["request_count"]["avg"].as_f64(), Some(8.0), "{point}");
        assert!(stdout.contains(point), "the table has a row per point: {stdout}");
    }
    let summary = json(&base.join("sweep_summary.json"));
    assert_eq!(summary, json(&base.join("sweep_aggregate/profile_export_aiperf_sweep.json")));
    assert_eq!((summary["sweep_type"].as_str(), summary["parameters"][0].as_str()), (Some("grid"), Some("concurrency")));
    let points = summary["points"].as_array().unwrap();
    let concurrency: Vec<f64> = points.iter().map(|p| p["concurrency"].as_f64().unwrap()).collect();
    assert_eq!(concurrency, [1.0, 2.0, 4.0]);
    for point in points {
        for (metric, stat) in
            [("request_throughput", "avg"), ("time_to_first_token", "p99"), ("request_latency", "p50"), ("inter_token_latency", "avg")]
        {
            assert!(point["metrics"][metric][stat].as_f64().is_some_and(|v| v > 0.0), "{metric} {stat}: {point}");
        }
    }
    let csv = std::fs::read_to_string(base.join("sweep_summary.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "a header and a row per point: {csv}");
    assert!(csv.starts_with("point,concurrency,runs,request_throughput_avg"), "{csv}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_runs_aggregate_with_confidence_intervals() {
    let server = server().await;
    let base = dir("trials");
    let stdout = aiperf(&server, &base, &["--num-profile-runs", "3", "--request-count", "6", "--num-warmup-requests", "2"]).await;
    assert!(stdout.contains("3 runs, mean and 95% confidence interval"), "{stdout}");
    for run in 1..=3 {
        let export = json(&base.join(format!("profile_runs/run_{run:04}/profile_export_aiperf.json")));
        // AIPerf's layout: a warmup phase of its own, before profiling.
        let phases = export["input_config"]["phases"].as_array().unwrap();
        let warmup = phases.iter().find(|p| p["kind"] == "warmup").and_then(|p| p["requests"].as_u64());
        assert_eq!(warmup, if run == 1 { Some(2) } else { None }, "only the first run warms up");
        assert_eq!(phases.last().unwrap()["kind"], "profiling");
    }
    let aggregate = json(&base.join("aggregate/profile_export_aiperf_aggregate.json"));
    assert_eq!(aggregate["metadata"]["num_successful_runs"].as_u64(), Some(3));
    let ttft = &aggregate["metrics"]["time_to_first_token_p50"];
    let (low, mean, high) = (ttft["ci_low"].as_f64().unwrap(), ttft["mean"].as_f64().unwrap(), ttft["ci_high"].as_f64().unwrap());
    assert!(low <= mean && mean <= high, "{ttft}");
    assert!((ttft["t_critical"].as_f64().unwrap() - 4.302_652_7).abs() < 1e-5, "t(0.975, 2): {ttft}");
    assert_eq!(aggregate["metrics"]["request_count_avg"]["mean"].as_f64(), Some(6.0));
    server.shutdown().await;
}
