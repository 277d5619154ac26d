//! Trace replay end to end: a `mooncake_trace` file against `aiperf-mock-server` on 127.0.0.1,
//! sent on its timestamps (a fixed schedule, on by default for a timestamped trace), with the
//! prompts' shared prefixes following the rows' `hash_ids`, and the schedule's accuracy exported.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;

mod common;

fn dir(name: &str) -> PathBuf {
    common::dir("replay", name)
}

/// `aiperf profile` with `args`, exports in `dir/artifacts`; the embedded engine unless a `--url` is given.
fn aiperf(args: &[&str], dir: &Path) -> Output {
    common::profile(args, &dir.join("artifacts"))
}

/// A mooncake trace in `dir` for blocks of 16 tokens: `rows` rows 20 ms apart from t = 5000 ms,
/// rows sharing their first two blocks, odd rows a third block of their own; one `text_input`
/// row at the end.
fn trace(dir: &Path, rows: u64) -> PathBuf {
    let path = dir.join("trace.jsonl");
    let mut lines: Vec<String> = (0..rows)
        .map(|i| {
            let ids = if i % 2 == 1 { format!("[7, 8, {}]", 100 + i) } else { "[7, 8]".to_owned() };
            format!(r#"{{"timestamp": {}, "input_length": {}, "output_length": 3, "hash_ids": {ids}}}"#, 5000 + 20 * i, 40 + i)
        })
        .collect();
    lines.push(format!(r#"{{"timestamp": {}, "text_input": "A literal prompt.", "output_length": 2}}"#, 5000 + 20 * rows));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn records(dir: &Path) -> Vec<Value> {
    common::records(&dir.join("artifacts"))
}

fn summary(dir: &Path) -> Value {
    common::json(&dir.join("artifacts/profile_export_aiperf.json"))
}

fn ok(output: &Output) {
    common::ok(output);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timestamped_trace_is_replayed_on_its_schedule_against_the_mock_server() {
    let server = common::mock_server(Duration::from_millis(2), 3, 1).await;
    let dir = dir("mock");
    let file = trace(&dir, 12);
    let file_arg = file.display().to_string();
    let args = ["--custom-dataset-type", "mooncake_trace", "--input-file", &file_arg, "--streaming", "--isl-block-size", "16"];
    common::profile_against(&server, &args, &dir.join("artifacts")).await;
    server.shutdown().await;
    let records = records(&dir);
    assert_eq!(records.len(), 13, "every row once, no --request-count needed");
    // Each request's due time is its start less its lag: they follow the rows' timestamps (row i
    // is due 20·i ms after row 0), and no request went before it was due.
    let rows: Vec<i64> = records.iter().map(|r| r["metadata"]["conversation_id"].as_str().unwrap().parse().unwrap()).collect();
    let due: Vec<i64> = records
        .iter()
        .map(|r| {
            assert!(r.get("error").is_none(), "{r}");
            let lag = r["metrics"]["schedule_lag"]["value"].as_f64().unwrap();
            assert!(lag >= 0.0, "{r}");
            r["metadata"]["request_start_ns"].as_i64().unwrap() - (lag * 1e6).round() as i64
        })
        .collect();
    // Every wall-clock time of a run derives from its monotonic instant through one pairing of the
    // two clocks, so the due times keep the schedule's distances to the nanosecond.
    let zero = due[rows.iter().position(|&row| row == 0).unwrap()];
    for (row, due) in rows.iter().zip(&due) {
        assert_eq!(due - zero, 20_000_000 * row, "row {row} was due {} ns after row 0", due - zero);
    }
    let summary = summary(&dir);
    assert_eq!(summary["input_config"]["phases"][0]["type"], "fixed_schedule");
    assert_eq!(summary["schedule_lag"]["count"].as_u64(), Some(13));
    for key in ["replay_sched_lag_p50", "replay_sched_lag_p90", "replay_sched_lag_p99"] {
        assert_eq!(summary[key]["unit"], "ms", "{key}");
    }
    assert_eq!(summary["replay_sched_degraded"]["avg"].as_f64(), Some(0.0));
    assert!(
        summary["input_sequence_length"]["max"].as_f64().unwrap() >= 51.0,
        "ISL follows input_length: {}",
        summary["input_sequence_length"]
    );
}

/// The prompts sent (from `inputs.json`), in row order.
fn prompts(dir: &Path) -> Vec<String> {
    let inputs: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("artifacts/inputs.json")).unwrap()).unwrap();
    let data = inputs["data"].as_array().unwrap();
    data.iter().map(|entry| entry["payloads"][0]["messages"][0]["content"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn rows_share_exactly_the_prefixes_their_hash_ids_share() {
    let dir = dir("prefixes");
    let file = trace(&dir, 6);
    // Blocks of 16 tokens: rows of 40+ tokens hold two or three blocks and a tail.
    let output = aiperf(
        &[
            "--custom-dataset-type",
            "mooncake_trace",
            "--input-file",
            file.to_str().unwrap(),
            "--isl-block-size",
            "16",
            "--no-fixed-schedule",
        ],
        &dir,
    );
    ok(&output);
    let prompts = prompts(&dir);
    assert_eq!(prompts.len(), 7);
    assert_eq!(prompts[6], "A literal prompt.");
    let common = |a: &str, b: &str| a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // Rows 0 and 1 share blocks 7 and 8, then row 1's third block starts with its own marker.
    let shared = common(&prompts[0], &prompts[1]);
    assert!(shared > 40 && prompts[1][shared..].starts_with("[101]"), "{:?} / {:?}", prompts[0], prompts[1]);
    for other in [2, 3, 4, 5] {
        assert_eq!(prompts[other][..shared], prompts[0][..shared], "every row starts with blocks 7 and 8");
    }
    assert!(prompts[3][shared..].starts_with("[103]"), "row 3's own third block: {:?}", prompts[3]);
    // Not replayed: sent at the default concurrency, ten requests.
    assert_eq!(records(&dir).len(), 10);
    assert_eq!(summary(&dir)["input_config"]["phases"][0]["type"], "concurrency");
}

#[test]
fn offsets_count_and_flags_that_do_not_fit_are_explained() {
    let dir = dir("offsets");
    let file = trace(&dir, 10);
    let file = file.to_str().unwrap();
    let mooncake = ["--custom-dataset-type", "mooncake_trace", "--input-file", file, "--isl-block-size", "16"];
    // Rows at 5040..=5100 ms: rows 2 to 5 (inclusive ends), the schedule starting at 5040.
    let window = ["--fixed-schedule-start-offset", "5040", "--fixed-schedule-end-offset", "5100"];
    ok(&aiperf(&[&mooncake[..], &window].concat(), &dir));
    let mut rows: Vec<u64> = records(&dir).iter().map(|r| r["metadata"]["conversation_id"].as_str().unwrap().parse().unwrap()).collect();
    rows.sort_unstable();
    assert_eq!(rows, [2, 3, 4, 5]);
    ok(&aiperf(&[&mooncake[..], &["--request-count", "3"]].concat(), &dir));
    assert_eq!(records(&dir).len(), 3, "the first three rows of the schedule");
    for (args, expected) in [
        (vec!["--request-rate", "5"], "--request-rate: the trace has timestamps"),
        (vec!["--fixed-schedule-start-offset", "9000", "--fixed-schedule-end-offset", "9001"], "no line has a timestamp within"),
        (vec!["--fixed-schedule-start-offset", "9", "--fixed-schedule-end-offset", "1"], "at least --fixed-schedule-start-offset (9 ms)"),
    ] {
        let output = aiperf(&[&mooncake[..], &args].concat(), &dir);
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    // At the default 512 tokens per block, two blocks do not fit 40 tokens.
    let output = aiperf(&mooncake[..4], &dir);
    assert!(String::from_utf8_lossy(&output.stderr).contains("`hash_ids`: 2 blocks of 512 tokens"));
    let output = aiperf(&["--fixed-schedule-start-offset", "5"], &dir);
    assert!(String::from_utf8_lossy(&output.stderr).contains("applies to a fixed schedule: add --fixed-schedule"));
}

#[test]
fn single_turn_lines_replay_when_asked_and_need_their_timestamps() {
    let dir = dir("single-turn");
    let path = dir.join("timed.jsonl");
    std::fs::write(&path, "{\"text\":\"b\",\"timestamp\":30}\n{\"text\":\"a\",\"timestamp\":10}\n").unwrap();
    let file = ["--input-file", path.to_str().unwrap()];
    ok(&aiperf(&[&file[..], &["--fixed-schedule"]].concat(), &dir));
    let rows: Vec<String> = records(&dir).iter().map(|r| r["metadata"]["conversation_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(summary(&dir)["input_config"]["phases"][0]["type"], "fixed_schedule");
    std::fs::write(&path, "{\"text\":\"b\",\"timestamp\":30}\n{\"text\":\"a\"}\n").unwrap();
    let output = aiperf(&[&file[..], &["--fixed-schedule"]].concat(), &dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{}:2: no `timestamp`", path.display())), "{stderr}");
}
