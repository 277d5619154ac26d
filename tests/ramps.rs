//! Ramps against the mock server on 127.0.0.1, as AIPerf 0.13 ramps: `--concurrency-ramp-duration`
//! opens the slots of `--concurrency` one at a time, slot `v` at `ramp × v / (N − 1)`;
//! `--request-rate-ramp-duration` and `--request-rate-series` change the rate through the phase
//! (the arrival times themselves are unit-tested in `aiperf-bench/src/issue/curve.rs`).

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{dir, json, ok};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrency_ramp_starts_each_worker_when_its_slot_opens() {
    let server = common::mock_server(Duration::from_millis(40), 4, 1).await;
    let out = dir("ramps", "concurrency");
    let args = ["--streaming", "--concurrency", "4", "--concurrency-ramp-duration", "0.6", "--request-count", "40"];
    common::profile_against(&server, &args, &out).await;
    // Each worker's first request: worker v's slot opens 0.2 s × v after the phase began.
    let mut first: BTreeMap<String, u64> = BTreeMap::new();
    for record in common::records(&out) {
        let worker = record["metadata"]["worker_id"].as_str().unwrap().to_owned();
        let start = record["metadata"]["request_start_ns"].as_u64().unwrap();
        first.entry(worker).and_modify(|t| *t = (*t).min(start)).or_insert(start);
    }
    assert_eq!(first.len(), 4, "every slot opened: {first:?}");
    let origin = first["worker_0"];
    for v in 1..4u64 {
        let waited = first[&format!("worker_{v}")] - origin;
        // 1 ms of slack: the phase began a little before worker 0's first request.
        assert!(waited + 1_000_000 >= v * 200_000_000, "worker {v} began {waited} ns after worker 0, before its slot opened");
    }
    let phase = &json(&out.join("profile_export_aiperf.json"))["input_config"]["phases"][0];
    assert_eq!(phase["concurrency_ramp"]["duration"].as_f64(), Some(0.6), "{phase}");
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_concurrency_ramp_needs_a_concurrency() {
    let out = dir("ramps", "refused");
    let output = common::profile(&["--request-count", "2", "--request-rate", "5", "--concurrency-ramp-duration", "1"], &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("--concurrency-ramp-duration"), "{stderr}");
    std::fs::remove_dir_all(out).unwrap();
}

/// The gaps between the requests' starts, in seconds, in start order.
fn gaps(out: &std::path::Path) -> Vec<f64> {
    let mut starts: Vec<u64> = common::records(out).iter().map(|r| r["metadata"]["request_start_ns"].as_u64().unwrap()).collect();
    starts.sort_unstable();
    starts.windows(2).map(|w| (w[1] - w[0]) as f64 / 1e9).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_ramp_starts_slow_and_a_series_is_followed_and_recorded() {
    let server = common::mock_server(Duration::from_millis(1), 2, 1).await;
    let out = dir("ramps", "rate");
    let args = ["--request-rate", "40", "--arrival-pattern", "constant", "--request-rate-ramp-duration", "1", "--request-count", "12"];
    common::profile_against(&server, &args, &out).await;
    // Ramping from 4/s to 40/s over 1 s: the first gaps are well above 40/s's 25 ms.
    let early = gaps(&out);
    assert!(early[..3].iter().all(|&gap| gap > 0.05), "{early:?}");
    let phase = &json(&out.join("profile_export_aiperf.json"))["input_config"]["phases"][0];
    assert_eq!((phase["rate_ramp"]["duration"].as_f64(), phase["rate"].as_f64()), (Some(1.0), Some(40.0)), "{phase}");

    let series = out.join("series.json");
    std::fs::write(&series, r#"{"points": [{"time_s": 0, "qps": 4}, {"time_s": 10, "qps": 4}]}"#).unwrap();
    let run = out.join("series");
    let args = ["--request-rate-series", series.to_str().unwrap(), "--arrival-pattern", "constant", "--request-count", "4"];
    common::profile_against(&server, &args, &run).await;
    assert!(gaps(&run).iter().all(|&gap| gap > 0.2), "4 per second: {:?}", gaps(&run));
    let phase = &json(&run.join("profile_export_aiperf.json"))["input_config"]["phases"][0];
    assert_eq!(phase["rate_series"]["points"][1], serde_json::json!({ "time_s": 10.0, "qps": 4.0 }), "{phase}");
    assert!(phase.get("rate").is_none(), "a series has no rate of its own: {phase}");
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_rate_ramp_needs_a_rate_and_a_series_excludes_one() {
    let out = dir("ramps", "rate-refused");
    let output = common::profile(&["--request-count", "2", "--request-rate-ramp-duration", "1"], &out);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--request-rate-ramp-duration"));
    let bad = out.join("bad.json");
    std::fs::write(&bad, r#"[{"time_s": 0, "qps": 4}]"#).unwrap();
    let output = common::profile(&["--request-count", "2", "--request-rate-series", bad.to_str().unwrap()], &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("--request-rate-series") && stderr.contains("at least two"), "{stderr}");
    std::fs::remove_dir_all(out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prefill_limit_of_one_sends_the_next_request_only_after_a_first_token() {
    let server = common::mock_server(Duration::from_millis(30), 4, 1).await;
    let out = dir("ramps", "prefill");
    let args = ["--streaming", "--concurrency", "4", "--prefill-concurrency", "1", "--request-count", "8"];
    common::profile_against(&server, &args, &out).await;
    // (start, first token) of each request, in start order: no two ever wait for a first token
    // at once.
    let mut spans: Vec<(f64, f64)> = common::records(&out)
        .iter()
        .map(|r| {
            let start = r["metadata"]["request_start_ns"].as_u64().unwrap() as f64 / 1e6;
            (start, start + r["metrics"]["time_to_first_token"]["value"].as_f64().unwrap())
        })
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in spans.windows(2) {
        assert!(
            pair[1].0 >= pair[0].1 - 0.01,
            "a request started at {} ms, before the one at {} ms had its first token",
            pair[1].0,
            pair[0].0
        );
    }
    let phase = &json(&out.join("profile_export_aiperf.json"))["input_config"]["phases"][0];
    assert_eq!(phase["prefill_concurrency"], 1, "{phase}");
    let output = common::profile(&["--request-count", "2", "--concurrency", "2", "--prefill-concurrency", "3"], &out);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--prefill-concurrency"), "more than --concurrency is refused");
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn gamma_arrivals_take_vllm_s_burstiness_and_are_promoted_to_by_it() {
    let out = dir("ramps", "gamma");
    // Smoothness alone makes the arrivals gamma, as in AIPerf (the embedded engine answers).
    ok(&common::profile(&["--request-rate", "200", "--request-count", "20", "--vllm-burstiness", "0.5"], &out));
    let phase = &json(&out.join("profile_export_aiperf.json"))["input_config"]["phases"][0];
    assert_eq!((phase["type"].as_str(), phase["smoothness"].as_f64()), (Some("gamma"), Some(0.5)), "{phase}");
    let output = common::profile(&["--request-rate", "5", "--arrival-pattern", "constant", "--arrival-smoothness", "2"], &out);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--arrival-pattern gamma"), "a smoothness for other arrivals is refused");
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn concurrency_burst_is_the_closed_loop_and_takes_no_rate() {
    let out = dir("ramps", "burst");
    ok(&common::profile(&["--arrival-pattern", "concurrency_burst", "--concurrency", "3", "--request-count", "6"], &out));
    let summary = json(&out.join("profile_export_aiperf.json"));
    let phase = &summary["input_config"]["phases"][0];
    assert_eq!((phase["type"].as_str(), phase["concurrency"].as_u64()), (Some("concurrency"), Some(3)), "{phase}");
    assert_eq!(summary["request_count"]["avg"], 6.0);
    let output = common::profile(&["--arrival-pattern", "concurrency_burst", "--request-rate", "5", "--request-count", "2"], &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("concurrency_burst") && stderr.contains("drop --request-rate"), "{stderr}");
    std::fs::remove_dir_all(out).unwrap();
}
