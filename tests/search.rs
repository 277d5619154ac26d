//! `--search-recipe`: the highest concurrency whose latency holds an objective, against a mock
//! server on 127.0.0.1 that serves at most four generations at once (the others wait, as in a full
//! batch): TTFT holds up to concurrency 4 and breaks beyond. The search finds 4 in as few runs as
//! doubling then bisecting takes, keeps each run as a sweep point, and says so.

mod common;

use std::time::Duration;

use aiperf::transports::InEngineSettings;
use aiperf_mock_server::{MockConfig, MockServer};
use common::{dir, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_highest_concurrency_that_holds_the_ttft_objective_is_found_and_said() {
    // 10 ms to the first token, 4 tokens 20 ms apart: 70 ms a request. A fifth request in flight
    // waits for a place: its TTFT is tens of ms more, over the 45 ms objective.
    let engine = InEngineSettings {
        time_to_first_token: Duration::from_millis(10),
        inter_token_latency: Duration::from_millis(20),
        output_tokens: 4,
        seed: 1,
    };
    let server = MockServer::start(MockConfig { engine, max_num_seqs: Some(4), ..MockConfig::default() }).await.unwrap();
    let out = dir("search", "ttft");
    let args = ["--streaming", "--search-recipe", "max-throughput-ttft-sla", "--ttft-sla-ms", "45", "--concurrency-max", "64"];
    let printed = common::profile_against(&server, &[&args[..], &["--request-count", "24"]].concat(), &out).await;
    assert!(printed.contains("the highest concurrency where time_to_first_token p95 < 45 ms is 4"), "{printed}");
    let summary = json(&out.join("sweep_summary.json"));
    let search = &summary["search"];
    assert_eq!((search["answer"].as_u64(), search["recipe"].as_str()), (Some(4), Some("max-throughput-ttft-sla")), "{search}");
    let mut probed: Vec<(u64, u64, bool)> = search["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["run"].as_u64().unwrap(), p["concurrency"].as_u64().unwrap(), p["held"].as_bool().unwrap()))
        .collect();
    probed.sort_unstable();
    let expected = [(1, 1, true), (2, 2, true), (3, 4, true), (4, 8, false), (5, 6, false), (6, 5, false)];
    assert_eq!(probed, expected, "doubling to 8, then bisecting 4..8");
    for concurrency in [1, 2, 4, 5, 6, 8] {
        assert!(out.join(format!("concurrency_{concurrency}/profile_export_aiperf.json")).exists(), "each probe is a run of its own");
    }
    assert_eq!(summary["points"].as_array().unwrap().len(), 6);
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_search_without_its_objective_or_with_a_load_of_its_own_is_refused() {
    let out = dir("search", "refused");
    for (args, said) in [
        (&["--streaming", "--search-recipe", "max-throughput-ttft-sla"][..], "--ttft-sla-ms"),
        (&["--streaming", "--search-recipe", "max-throughput-ttft-sla", "--ttft-sla-ms", "5", "--concurrency", "3"][..], "--concurrency"),
        (&["--search-recipe", "max-throughput-itl-sla", "--itl-sla-ms", "5"][..], "--streaming"),
        (&["--ttft-sla-ms", "5"][..], "--search-recipe"),
    ] {
        let output = common::profile(args, &out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(said), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(out);
}
