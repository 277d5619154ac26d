//! The connection's share of each request, as AIPerf (after k6) exports it, measured against
//! `aiperf-mock-server` on 127.0.0.1 through the name `localhost`: the first requests open their
//! connections (name resolution and connecting), later ones reuse them; blocked, DNS lookup and
//! connecting add up to the overhead, and the overhead with the duration to the total.

use std::process::Command;
use std::time::Duration;

use aiperf::transports::InEngineSettings;
use aiperf_mock_server::{MockConfig, MockServer};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_connections_cost_their_requests_and_reused_ones_do_not() {
    let engine =
        InEngineSettings { time_to_first_token: Duration::from_millis(1), inter_token_latency: Duration::ZERO, output_tokens: 3, seed: 2 };
    let server = MockServer::start(MockConfig { engine, ..MockConfig::default() }).await.unwrap();
    let url = format!("http://localhost:{}", server.http_addr().port());
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-connection-metrics-{}", std::process::id()));
    let args = ["profile", "--model", "mock", "--ui", "none", "--streaming", "--concurrency", "2", "--request-count", "8", "--url", &url];
    let (args, out) = (args.map(String::from), dir.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_aiperf")).args(args).arg("--output-artifact-dir").arg(&out).output().unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let jsonl = std::fs::read_to_string(dir.join("profile_export.jsonl")).unwrap();
    let records: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (mut fresh, mut reused) = (0, 0);
    for record in &records {
        let m = |key: &str| record["metrics"][key]["value"].as_f64().unwrap_or_else(|| panic!("{key}: {record}"));
        let overhead = m("http_req_blocked") + m("http_req_dns_lookup") + m("http_req_connecting");
        assert!((overhead - m("http_req_connection_overhead")).abs() < 1e-6, "{record}");
        assert!((m("http_req_total") - m("request_latency")).abs() < 1e-6, "{record}");
        assert!((m("http_req_duration") + overhead - m("http_req_total")).abs() < 1e-3, "{record}");
        assert_eq!(m("http_req_chunks_sent"), 1.0);
        if m("http_req_connection_reused") == 1.0 {
            reused += 1;
            assert_eq!(overhead, 0.0, "a reused connection costs nothing: {record}");
        } else {
            fresh += 1;
            assert!(m("http_req_connecting") > 0.0 && m("http_req_dns_lookup") > 0.0, "`localhost` was resolved: {record}");
        }
    }
    // Two workers open at least one connection each time the pool has none idle (hyper returns a
    // connection to it as the response ends, which a next request may just miss).
    assert!(fresh >= 1 && reused >= 1 && fresh + reused == records.len(), "{fresh} new connections, {reused} reused");
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("profile_export_aiperf.json")).unwrap()).unwrap();
    let rate = summary["http_req_connection_reused"]["avg"].as_f64().unwrap();
    assert!((rate - reused as f64 / records.len() as f64).abs() < 1e-9, "the average is the reuse rate: {rate}");
    let _ = std::fs::remove_dir_all(&dir);
    server.shutdown().await;
}
