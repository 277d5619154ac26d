//! Waiting for the server before the benchmark (`--wait-for-model-timeout`, `-interval`,
//! `-mode`), as AIPerf 0.13's readiness probe waits, against the mock server on 127.0.0.1: a
//! server that comes up late is waited for, one that never does stops the run with exit status 1
//! naming what was probed, and the probe is no request of the benchmark.

mod common;

use std::process::Output;
use std::time::Duration;

use aiperf_mock_server::{MockConfig, MockServer};
use common::dir;

/// `aiperf profile` with `args` off the async runtime.
fn profile(args: Vec<String>, out: &std::path::Path) -> impl Future<Output = Output> + use<> {
    let out = out.to_owned();
    let run = tokio::task::spawn_blocking(move || common::profile(&args.iter().map(String::as_str).collect::<Vec<_>>(), &out));
    async move { run.await.unwrap() }
}

fn args(url: &str, extra: &[&str]) -> Vec<String> {
    let base = ["--url", url, "--model", "mock", "--request-count", "3", "--isl", "8", "--osl", "2", "--no-server-metrics"];
    base.iter().chain(extra).map(|s| (*s).to_owned()).collect()
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_comes_up_late_is_waited_for_and_the_probe_is_not_measured() {
    let port = free_port();
    let out = dir("readiness", "late");
    let url = format!("http://127.0.0.1:{port}");
    let run = profile(args(&url, &["--wait-for-model-timeout", "30", "--wait-for-model-interval", "0.2"]), &out);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let server = MockServer::start(MockConfig { port, ..MockConfig::default() }).await.unwrap();
    let output = run.await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("Not ready yet (cannot connect"), "the refused attempts are said: {stderr}");
    assert!(stderr.contains(&format!("{url}/ is ready")), "{stderr}");
    assert_eq!(common::records(&out).len(), 3, "the probe is no record");
    let endpoint = &common::json(&out.join("profile_export_aiperf.json"))["input_config"]["endpoint"];
    assert_eq!((endpoint["wait_for_model_timeout"].as_f64(), endpoint["wait_for_model_interval"].as_f64()), (Some(30.0), Some(0.2)));
    assert!(endpoint.get("wait_for_model_mode").is_none(), "the default mode left out, as AIPerf leaves defaults out");
    let bodies = server.received();
    let probe: serde_json::Value = serde_json::from_slice(&bodies[0]).unwrap();
    assert_eq!(probe["messages"][0]["content"], "Lo", "AIPerf's one-word probe, through the run's chat endpoint: {probe}");
    assert_eq!(probe["max_completion_tokens"], 1);
    assert_eq!(bodies.len(), 4, "one probe once ready, then the benchmark's requests");
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_in_time_stops_the_run_with_status_1_naming_the_probe() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let out = dir("readiness", "never");
    let output = profile(args(&url, &["--wait-for-model-timeout", "0.6", "--wait-for-model-interval", "0.1"]), &out).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let said = format!("timed out after 0.6 s probing {url}/v1/chat/completions with model 'mock' (checked ");
    assert!(stderr.contains(&said) && stderr.contains("last: cannot connect"), "{stderr}");
    assert!(!out.join("profile_export.jsonl").exists(), "nothing was benchmarked");
    let _ = std::fs::remove_dir_all(out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_not_ready_and_the_model_list_must_name_the_model() {
    // Every generation fails with 500: the server is up, not ready.
    let failing = MockServer::start(MockConfig { error_rate: 1.0, ..MockConfig::default() }).await.unwrap();
    let out = dir("readiness", "errors");
    let output = profile(args(&failing.url(), &["--wait-for-model-timeout", "0.5", "--wait-for-model-interval", "0.1"]), &out).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.code() == Some(1) && stderr.contains("last: status 500"), "{stderr}");
    failing.shutdown().await;
    // The model list: `mock` is listed, `other` is not.
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    // A sweep's server is probed once, as its first point reaches it.
    let sweep = ["--wait-for-model-timeout", "5", "--wait-for-model-mode", "models", "--concurrency", "1,2"];
    let listed = profile(args(&server.url(), &sweep), &out).await;
    common::ok(&listed);
    assert!(out.join("concurrency_2/profile_export_aiperf.json").exists());
    let mut other =
        args(&server.url(), &["--wait-for-model-timeout", "0.5", "--wait-for-model-interval", "0.1", "--wait-for-model-mode", "both"]);
    other[3] = "other".to_owned();
    let output = profile(other, &out).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("waiting for model 'other' to be listed at") && stderr.contains("'other' not in /v1/models yet"), "{stderr}");
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn the_probe_s_settings_without_its_timeout_are_refused() {
    let out = dir("readiness", "refused");
    for flag in [["--wait-for-model-interval", "1"], ["--wait-for-model-mode", "models"]] {
        let output = common::profile(&[&["--request-count", "1"][..], &flag].concat(), &out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains("--wait-for-model-timeout"), "{stderr}");
    }
    let _ = std::fs::remove_dir_all(out);
}
