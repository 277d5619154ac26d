//! The server's own `/metrics` through a run (on by default against a server): scraped from the
//! mock server on 127.0.0.1, which counts in vLLM's names what it did, summarised over the
//! profiling window into `server_metrics_export.json`, `.csv` and `.jsonl`; endpoints that fail
//! or send garbage reported, never failing the run.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::{dir, json, ok};

/// `aiperf profile` against `url`, scraping every 50 ms and without AIPerf's 2 s flush wait.
fn profile(url: &str, extra: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .args(["profile", "--url", url, "--model", "mock", "--streaming", "--concurrency", "4", "--request-count", "40"])
        .args(["--isl", "32", "--osl", "8", "--ui", "none", "--output-artifact-dir"])
        .arg(out)
        .args(extra)
        .env("AIPERF_SERVER_METRICS_COLLECTION_INTERVAL", "0.05")
        .env("AIPERF_SERVER_METRICS_COLLECTION_FLUSH_PERIOD", "0")
        .output()
        .expect("aiperf runs")
}

fn series<'a>(export: &'a serde_json::Value, metric: &str) -> &'a serde_json::Value {
    &export["metrics"][metric]["series"][0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_metrics_are_scraped_by_default_and_summarised_over_the_window() {
    let root = dir("server-metrics", "default");
    let server = common::mock_server(Duration::from_millis(3), 8, 2).await;
    let url = server.url();
    let out = root.join("run");
    let (u, o) = (url.clone(), out.clone());
    let output =
        tokio::task::spawn_blocking(move || profile(&u, &["--server-metrics-formats", "json,csv,jsonl,parquet", "--auto-plot"], &o))
            .await
            .unwrap();
    server.shutdown().await;
    let printed = ok(&output);
    let endpoint = format!("{url}/metrics");
    assert!(printed.contains("Server Metrics JSON Export:"), "{printed}");
    assert!(printed.contains(&format!("Server metrics: {endpoint} (")), "{printed}");
    assert!(printed.contains("vllm:time_to_first_token_seconds {mock}: p50"), "the server's TTFT beside ours: {printed}");
    let export = json(&out.join("server_metrics_export.json"));
    assert_eq!(export["schema_version"], "1.1");
    assert_eq!(export["summary"]["endpoints_successful"][0], endpoint.as_str());
    let success: f64 =
        export["metrics"]["vllm:request_success"]["series"].as_array().unwrap().iter().map(|s| s["stats"]["total"].as_f64().unwrap()).sum();
    assert_eq!(success, 40.0, "every request of the window, counted by the server");
    let ttft = series(&export, "vllm:time_to_first_token_seconds");
    assert_eq!(ttft["stats"]["count"], 40);
    assert_eq!(ttft["labels"]["model_name"], "mock");
    assert_eq!(export["metrics"]["vllm:time_to_first_token_seconds"]["unit"], "seconds");
    assert_eq!(export["metrics"]["vllm:num_requests_running"]["type"], "gauge");
    assert!(series(&export, "vllm:num_requests_running")["stats"]["max"].as_f64().unwrap() <= 4.0, "never more than the concurrency");
    assert_eq!(export["benchmark_id"], json(&out.join("profile_export_aiperf.json"))["benchmark_id"]);
    let csv = std::fs::read_to_string(out.join("server_metrics_export.csv")).unwrap();
    assert!(csv.starts_with("# AIPerf Server Metrics Export (CSV)\n"), "{csv}");
    assert!(csv.contains("\r\nEndpoint,Type,Metric,Unit,total,rate,"), "{csv}");
    let jsonl = std::fs::read_to_string(out.join("server_metrics_export.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = jsonl.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert!(lines.len() >= 2, "a baseline and the pages after it");
    assert!(lines[0].get("benchmark_phase").is_none(), "the baseline is before the window");
    assert_eq!(lines.last().unwrap()["benchmark_phase"], "profiling");
    assert!(lines.last().unwrap()["metrics"]["vllm:prompt_tokens"][0]["value"].as_f64().unwrap() > 0.0);
    // The window's samples as Parquet rows (read by pyarrow in `cargo xtask parity`).
    let parquet = std::fs::read(out.join("server_metrics_export.parquet")).unwrap();
    assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1") && parquet.len() > 1000, "{} bytes", parquet.len());
    assert!(!out.join(".server_metrics_pages.jsonl").exists(), "the pages kept for it are removed");
    // The server's queue against our throughput, drawn from those pages.
    assert!(std::fs::metadata(out.join("plots/server_over_time.png")).unwrap().len() > 10_000, "{printed}");
    std::fs::remove_dir_all(root).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_endpoints_are_reported_and_the_run_goes_on() {
    let root = dir("server-metrics", "failing");
    let server = common::mock_server(Duration::from_millis(1), 4, 2).await;
    let url = server.url();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let extra = format!("http://{closed}/metrics,{url}/v1/models");
    let out = root.join("run");
    let (u, o) = (url.clone(), out.clone());
    let output = tokio::task::spawn_blocking(move || profile(&u, &["--server-metrics", &extra], &o)).await.unwrap();
    let printed = ok(&output);
    // Neither answers at the start (nor at its /prometheus/metrics): both are dropped, named.
    assert!(
        printed.contains(&format!("Server metrics: http://{closed}/metrics not reachable when profiling started (no answer")),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("Server metrics: {url}/v1/models/metrics not reachable when profiling started (status 404")),
        "{printed}"
    );
    let export = json(&out.join("server_metrics_export.json"));
    assert_eq!(export["summary"]["endpoints_configured"].as_array().unwrap().len(), 3);
    assert_eq!(export["summary"]["endpoints_successful"].as_array().unwrap().len(), 1);
    // Turned off: nothing scraped, nothing written.
    let off = root.join("off");
    let (u, o) = (url.clone(), off.clone());
    ok(&tokio::task::spawn_blocking(move || profile(&u, &["--no-server-metrics"], &o)).await.unwrap());
    assert!(!off.join("server_metrics_export.json").exists());
    server.shutdown().await;
    std::fs::remove_dir_all(root).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_point_of_a_sweep_has_its_own_server_metrics() {
    let root = dir("server-metrics", "sweep");
    let server = common::mock_server(Duration::from_millis(1), 4, 2).await;
    let url = server.url();
    let out = root.join("sweep");
    let o = out.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_aiperf"))
            .args(["profile", "--url", &url, "--model", "mock", "--concurrency", "1,2", "--request-count", "6", "--isl", "16"])
            .args(["--ui", "none", "--output-artifact-dir"])
            .arg(&o)
            .env("AIPERF_SERVER_METRICS_COLLECTION_FLUSH_PERIOD", "0")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    server.shutdown().await;
    ok(&output);
    let exports: Vec<std::path::PathBuf> = common::walk(&out).into_iter().filter(|p| p.ends_with("server_metrics_export.json")).collect();
    assert_eq!(exports.len(), 2, "{exports:?}");
    for export in exports {
        let export = json(&export);
        let success: f64 = export["metrics"]["vllm:request_success"]["series"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["stats"]["total"].as_f64().unwrap())
            .sum();
        assert_eq!(success, 6.0, "each point's own requests only");
    }
    std::fs::remove_dir_all(root).unwrap();
}

/// A server of two pages, as `trtllm-serve` has them: `/metrics` answers JSON (its iteration
/// statistics), `/prometheus/metrics` the Prometheus text (here vLLM's real page).
async fn trtllm_like_metrics() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = vec![0; 4096];
                let read = socket.read(&mut request).await.unwrap_or(0);
                let prometheus = request[..read].starts_with(b"GET /prometheus/metrics ");
                let (kind, body): (&str, &[u8]) = if prometheus {
                    ("text/plain; version=0.0.4", include_bytes!("../aiperf-telemetry/tests/fixtures/vllm.prom"))
                } else {
                    ("application/json", b"[]")
                };
                let head =
                    format!("HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body).await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metrics_page_answered_in_json_is_looked_for_at_prometheus_metrics() {
    let root = dir("server-metrics", "fallback");
    let server = common::mock_server(Duration::from_millis(1), 4, 2).await;
    let (url, metrics) = (server.url(), trtllm_like_metrics().await);
    let out = root.join("run");
    let (u, o, m) = (url.clone(), out.clone(), metrics.clone());
    let output = tokio::task::spawn_blocking(move || profile(&u, &["--server-metrics", &m], &o)).await.unwrap();
    let printed = ok(&output);
    server.shutdown().await;
    let export = json(&out.join("server_metrics_export.json"));
    let fallback = format!("{metrics}/prometheus/metrics");
    assert_eq!(export["summary"]["endpoints_successful"][1], fallback.as_str(), "{printed}");
    // Both endpoints' series, whichever port sorts first.
    let ttft = &export["metrics"]["vllm:time_to_first_token_seconds"]["series"];
    for endpoint in [fallback, format!("{url}/metrics")] {
        assert!(ttft.as_array().unwrap().iter().any(|s| s["endpoint_url"] == endpoint.as_str()), "{endpoint}: {ttft}");
    }
    std::fs::remove_dir_all(root).unwrap();
}
