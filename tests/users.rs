//! The user-centric load (`--user-centric-rate` with `--num-users`), as AIPerf 0.13 issues it:
//! users sharing the rate, each sending its session's turns a turn gap (`num_users / rate`)
//! apart, first turns `1 / rate` apart from the start; checked on the records' start times
//! (never earlier than due: lower bounds only).

mod common;

use std::collections::HashMap;
use std::io::Write as _;

use common::{dir, json, ok};

/// Each record's start, ns, by session (its `conversation_id`), in order.
fn starts(out: &std::path::Path) -> (Vec<u64>, HashMap<String, Vec<u64>>) {
    let records = common::records(out);
    let mut all: Vec<u64> = records.iter().map(|r| r["metadata"]["request_start_ns"].as_u64().unwrap()).collect();
    all.sort_unstable();
    let mut by_session: HashMap<String, Vec<u64>> = HashMap::new();
    for r in &records {
        let session = r["metadata"]["conversation_id"].as_str().unwrap_or_default().to_owned();
        by_session.entry(session).or_default().push(r["metadata"]["request_start_ns"].as_u64().unwrap());
    }
    by_session.values_mut().for_each(|starts| starts.sort_unstable());
    (all, by_session)
}

#[test]
fn single_requests_come_at_the_rate_one_user_slot_at_a_time() {
    let out = dir("users", "single");
    ok(&common::profile(&["--user-centric-rate", "40", "--num-users", "4", "--request-count", "12", "--osl", "2"], &out));
    let (all, _) = starts(&out);
    assert_eq!(all.len(), 12);
    // 12 requests 25 ms apart: never sooner than due, so they span at least 11 gaps.
    let span_ms = (all[11] - all[0]) as f64 / 1e6;
    assert!(span_ms >= 11.0 * 25.0 - 1.0, "{span_ms} ms");
    let phase = &json(&out.join("profile_export_aiperf.json"))["input_config"]["phases"][0];
    assert_eq!(
        (phase["type"].as_str(), phase["rate"].as_f64(), phase["users"].as_u64()),
        (Some("user_centric"), Some(40.0), Some(4)),
        "{phase}"
    );
    assert!(phase.get("concurrency").is_none(), "{phase}");
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn each_user_sends_its_turns_a_turn_gap_apart() {
    let out = dir("users", "sessions");
    std::fs::create_dir_all(&out).unwrap();
    let file = out.join("sessions.jsonl");
    let mut lines = std::fs::File::create(&file).unwrap();
    for id in 0..6 {
        writeln!(
            lines,
            r#"{{"session_id": "s{id}", "turns": [{{"text": "s{id} one"}}, {{"text": "s{id} two"}}, {{"text": "s{id} three"}}]}}"#
        )
        .unwrap();
    }
    drop(lines);
    let args = ["--input-file", file.to_str().unwrap(), "--custom-dataset-type", "multi_turn", "--osl", "2"];
    ok(&common::profile(&[&args[..], &["--user-centric-rate", "20", "--num-users", "2", "--request-count", "8"]].concat(), &out));
    let (all, by_session) = starts(&out);
    assert_eq!(all.len(), 8);
    // Turn gap: 2 users / 20 per second = 100 ms between two turns of one user.
    for (session, starts) in &by_session {
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= 100_000_000 - 1_000_000, "{session}: turns {} ms apart", (pair[1] - pair[0]) as f64 / 1e6);
        }
    }
    // Virtual history (AIPerf's rule): of 2 users of 3-turn sessions (a lifetime of 2 gaps), one
    // is half-way through, with 1 turn left, second; the user replacing the one already done has
    // all 3, first. Then users join on the absolute schedule: 50 + 1 × 100 ms, 0 + 3 × 100 ms.
    let (first, second) = (&by_session["s1"], &by_session["s0"]);
    assert_eq!((first.len(), second.len()), (3, 1), "{by_session:?}");
    assert!(second[0] >= first[0] + 50_000_000 - 1_000_000, "one stagger (1/rate) later");
    assert!(by_session["s2"][0] >= first[0] + 150_000_000 - 1_000_000, "{by_session:?}");
    let output = common::profile(&[&args[..], &["--user-centric-rate", "20", "--num-users", "2", "--concurrency", "4"]].concat(), &out);
    assert!(String::from_utf8_lossy(&output.stderr).contains("--concurrency"), "another load is refused by name");
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_list_of_users_sweeps_them_one_run_each() {
    let out = dir("users", "sweep");
    ok(&common::profile(&["--user-centric-rate", "100", "--num-users", "2,3", "--request-count", "6", "--osl", "2"], &out));
    for users in [2, 3] {
        let phase = &json(&out.join(format!("num_users_{users}/profile_export_aiperf.json")))["input_config"]["phases"][0];
        assert_eq!(phase["users"].as_u64(), Some(users), "{phase}");
    }
    let summary = json(&out.join("sweep_summary.json"));
    assert_eq!(summary["parameters"], serde_json::json!(["num_users"]));
    assert_eq!(summary["points"].as_array().map(Vec::len), Some(2));
    std::fs::remove_dir_all(out).unwrap();
}
