//! The warmup phase against the mock server on 127.0.0.1, as AIPerf 0.13 runs it: its own count,
//! duration, concurrency, rate and grace period; its records in `profile_export.jsonl` marked as
//! warmup (none for a request cut off when its grace period ended); its phase in `input_config`.

mod common;

use std::time::Duration;

use common::{dir, json, ok};
use serde_json::Value;

/// The records of `out`, split into warmup and profiling.
fn phases(out: &std::path::Path) -> (Vec<Value>, Vec<Value>) {
    common::records(out).into_iter().partition(|r| r["metadata"]["benchmark_phase"] == "warmup")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counted_warmup_runs_at_its_own_concurrency_and_is_recorded_as_warmup() {
    let server = common::mock_server(Duration::from_millis(2), 4, 1).await;
    let out = dir("warmup", "count");
    let args = ["--streaming", "--concurrency", "2", "--request-count", "5", "--warmup-request-count", "6", "--warmup-concurrency", "3"];
    common::profile_against(&server, &args, &out).await;
    let (warmup, profiling) = phases(&out);
    assert_eq!((warmup.len(), profiling.len()), (6, 5));
    assert!(warmup.iter().all(|r| r["error"].is_null() && r["metadata"]["phase_index"] == 0), "{warmup:?}");
    assert!(profiling.iter().all(|r| r["metadata"]["phase_index"] == 1));
    let summary = json(&out.join("profile_export_aiperf.json"));
    assert_eq!(summary["request_count"]["avg"], 5.0, "warmup is left out of the results");
    let phase = &summary["input_config"]["phases"][0];
    let expected = serde_json::json!({
        "name": "warmup", "kind": "warmup", "type": "concurrency", "exclude_from_results": true, "requests": 6, "concurrency": 3,
    });
    assert_eq!(phase, &expected);
    // The warmup's own statistics, as AIPerf writes them: in the summary, and a file per phase.
    let warmup_metrics = &summary["warmup_metrics"];
    assert_eq!(
        (warmup_metrics["request_count"]["avg"].as_f64(), warmup_metrics["request_latency"]["unit"].as_str()),
        (Some(6.0), Some("ms"))
    );
    let manifest = json(&out.join("phase_manifest.json"));
    let phases = manifest["phases"].as_array().unwrap();
    assert_eq!(manifest["schema_version"], 1);
    let names: Vec<_> =
        phases.iter().map(|p| (p["phase_name"].as_str().unwrap(), p["phase_index"].as_u64(), p["profiling_index"].as_u64())).collect();
    assert_eq!(names, [("warmup", Some(0), None), ("profiling", Some(1), Some(0))]);
    assert_eq!((phases[0]["successful_request_count"].as_u64(), phases[1]["total_request_count"].as_u64()), (Some(6), Some(5)));
    let keys: Vec<&String> = phases[0].as_object().unwrap().keys().collect();
    assert!(keys.is_sorted(), "AIPerf sorts the manifest's keys: {keys:?}");
    for (phase, count) in [("warmup", 6.0), ("profiling", 5.0)] {
        let file = json(&out.join(phases.iter().find(|p| p["phase_name"] == phase).unwrap()["metrics_json"].as_str().unwrap()));
        assert_eq!(file["request_count"]["avg"], count, "{phase}");
        assert!(file.get("warmup_metrics").is_none(), "a phase's file is its own");
        assert!(out.join("phases").join(phase).join("profile_export_aiperf.csv").exists());
    }
    // Run again without a warmup: no index of phases it did not run is left behind.
    common::profile_against(&server, &["--streaming", "--request-count", "2"], &out).await;
    assert!(!out.join("phase_manifest.json").exists() && json(&out.join("profile_export_aiperf.json")).get("warmup_metrics").is_none());
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_warmup_at_a_rate_cuts_off_what_its_grace_period_leaves_and_records_none_of_it() {
    // Each request takes 150 ms: those sent in the warmup's last 150 ms cannot end before its
    // grace period of 0 s ends, and are cut off without a record (AIPerf keeps none).
    let server = common::mock_server(Duration::from_millis(150), 4, 1).await;
    let out = dir("warmup", "timed");
    let warmup = ["--warmup-duration", "0.4", "--warmup-request-rate", "40", "--warmup-grace-period", "0"];
    let args = [&["--streaming", "--concurrency", "2", "--request-count", "4"][..], &warmup].concat();
    common::profile_against(&server, &args, &out).await;
    let (warmup, profiling) = phases(&out);
    assert!(!warmup.is_empty(), "the first warmup request, sent at once, ended within the duration");
    assert!(warmup.iter().all(|r| r["error"].is_null()), "no cut-off request has a record: {warmup:?}");
    assert_eq!(profiling.len(), 4);
    let phase = &json(&out.join("profile_export_aiperf.json"))["input_config"]["phases"][0];
    assert_eq!((phase["type"].as_str(), phase["rate"].as_f64(), phase["duration"].as_f64()), (Some("poisson"), Some(40.0), Some(0.4)));
    assert_eq!((phase["grace_period"].as_f64(), phase["concurrency"].as_u64()), (Some(0.0), Some(2)), "--concurrency caps its rate");
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_warmup_flag_without_a_warmup_is_refused_by_name() {
    let out = dir("warmup", "refused");
    let output = common::profile(&["--request-count", "2", "--warmup-concurrency", "3"], &out);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--warmup-concurrency") && stderr.contains("--warmup-request-count"), "{stderr}");
    let output = common::profile(&["--request-count", "2", "--warmup-request-count", "2", "--warmup-grace-period", "1"], &out);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--warmup-grace-period"));
    ok(&common::profile(&["--request-count", "2", "--num-warmup-requests", "2"], &out));
    std::fs::remove_dir_all(out).unwrap();
}
