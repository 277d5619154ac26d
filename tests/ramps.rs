//! Ramps against the mock server on 127.0.0.1, as AIPerf 0.13 ramps: `--concurrency-ramp-duration`
//! opens the slots of `--concurrency` one at a time, slot `v` at `ramp × v / (N − 1)`.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{dir, json};

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
