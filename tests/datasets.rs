//! Dataset files end to end (`--custom-dataset-type`, `--dataset-sampling-strategy`): `aiperf
//! profile` against the embedded engine, checking which entries the requests sent.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;

fn dir(name: &str) -> PathBuf {
    common::dir("datasets", name)
}

fn aiperf(args: &[&str], dir: &Path) -> Output {
    common::profile(args, &dir.join("artifacts"))
}

/// Five AIPerf single_turn lines (fields aiperf ignores included), as a file in `dir`.
fn single_turn_file(dir: &Path) -> PathBuf {
    let path = dir.join("prompts.jsonl");
    let lines: Vec<String> = (0..5)
        .map(|i| format!(r#"{{"type":"single_turn","text":"Question number {i}?","output_length":{},"timestamp":{}}}"#, i + 1, i * 100))
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n\n").unwrap();
    path
}

#[test]
fn shuffle_sends_every_entry_once_per_pass() {
    let dir = dir("shuffle");
    let file = single_turn_file(&dir);
    let output = aiperf(
        &["--custom-dataset-type", "single_turn", "--input-file", file.to_str().unwrap()]
            .into_iter()
            // A fixed seed: with one drawn from entropy, one run in 120 would keep the file's order.
            .chain([
                "--dataset-sampling-strategy",
                "shuffle",
                "--random-seed",
                "7",
                "--request-count",
                "10",
                "--concurrency",
                "1",
                "--streaming",
            ])
            .collect::<Vec<_>>(),
        &dir,
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let artifacts = dir.join("artifacts");
    let records: Vec<Value> = std::fs::read_to_string(artifacts.join("profile_export.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let entries: Vec<usize> = records.iter().map(|r| r["metadata"]["conversation_id"].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(entries.len(), 10);
    for pass in entries.chunks(5) {
        let mut sorted = pass.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4], "each pass sends every entry once: {entries:?}");
    }
    assert_ne!(entries[..5], [0, 1, 2, 3, 4], "shuffled, not in the file's order: {entries:?}");
    // Each line's `output_length` is its request's max_tokens: entry i asks for i + 1 tokens.
    for (record, entry) in records.iter().zip(&entries) {
        assert_eq!(record["metrics"]["usage_completion_tokens"]["value"].as_f64(), Some(*entry as f64 + 1.0), "{record}");
    }
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(artifacts.join("profile_export_aiperf.json")).unwrap()).unwrap();
    let dataset = &summary["input_config"]["datasets"][0];
    assert_eq!((dataset["custom_dataset_type"].as_str(), dataset["sampling_strategy"].as_str()), (Some("single_turn"), Some("shuffle")));
}

#[test]
fn a_bad_line_is_named_with_its_field() {
    let dir = dir("bad");
    let path = dir.join("bad.jsonl");
    std::fs::write(&path, "{\"text\":\"fine\"}\n{\"text\":\"a picture\",\"image\":\"cat.png\"}\n").unwrap();
    let output = aiperf(&["--custom-dataset-type", "single_turn", "--input-file", path.to_str().unwrap()], &dir);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{}:2: `image`", path.display())), "{stderr}");
    let output = aiperf(&["--custom-dataset-type", "single_turn"], &dir);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--input-file"), "the type needs a file");
}

#[test]
fn a_file_with_a_byte_order_mark_is_read() {
    let dir = dir("bom");
    // As Windows editors and PowerShell's `Out-File -Encoding utf8` write it.
    for (kind, line) in [("single_turn", r#"{"text":"Hello there"}"#), ("mooncake_trace", r#"{"input_length":12,"output_length":3}"#)] {
        let path = dir.join(format!("{kind}.jsonl"));
        std::fs::write(&path, format!("\u{feff}{line}\r\n{line}\r\n")).unwrap();
        let file = path.to_str().unwrap();
        let output = aiperf(&["--custom-dataset-type", kind, "--input-file", file, "--request-count", "2"], &dir);
        assert!(output.status.success(), "{kind}: {}", String::from_utf8_lossy(&output.stderr));
        let records = common::records(&dir.join("artifacts"));
        assert_eq!(records.iter().filter(|r| r["error"].is_null()).count(), 2, "{kind}: {records:?}");
    }
}

#[test]
fn random_pools_draw_requests_and_a_query_pool_with_a_passage_pool_ranks() {
    let dir = dir("pool");
    let pools = dir.join("pools");
    std::fs::create_dir_all(&pools).unwrap();
    std::fs::write(pools.join("queries.jsonl"), "{\"text\":\"q1\"}\n{\"text\":\"q2\"}\n").unwrap();
    std::fs::write(pools.join("passages.jsonl"), "{\"texts\":[\"p1\",\"p2\"]}\n{\"texts\":[\"p3\"]}\n").unwrap();
    let args = ["--custom-dataset-type", "random_pool", "--input-file", pools.to_str().unwrap(), "--endpoint-type", "rankings"];
    let output = aiperf(&[&args[..], &["--conversation-num", "6", "--request-count", "6"]].concat(), &dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let inputs: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("artifacts/inputs.json")).unwrap()).unwrap();
    let payloads: Vec<&Value> = inputs["data"].as_array().unwrap().iter().map(|e| &e["payloads"][0]).collect();
    assert_eq!(payloads.len(), 6, "--conversation-num requests drawn");
    for payload in &payloads {
        let query = payload["query"]["text"].as_str().unwrap_or_else(|| panic!("a ranking: {payload}"));
        assert!(["q1", "q2"].contains(&query), "{payload}");
        let passages: Vec<&str> = payload["passages"].as_array().unwrap().iter().map(|p| p["text"].as_str().unwrap()).collect();
        assert!(passages == ["p1", "p2"] || passages == ["p3"], "{payload}");
    }
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("artifacts/profile_export_aiperf.json")).unwrap()).unwrap();
    assert_eq!(summary["input_config"]["datasets"][0]["sampling_strategy"], "shuffle", "a random pool's default");
    // One pool file for chat: each request one of its texts; an entry with a session is refused.
    let file = dir.join("pool.jsonl");
    std::fs::write(&file, "{\"text\":\"only this\"}\n").unwrap();
    let output = aiperf(&["--custom-dataset-type", "random_pool", "--input-file", file.to_str().unwrap(), "--conversation-num", "2"], &dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::write(&file, "{\"text\":\"x\",\"session_id\":\"s\"}\n").unwrap();
    let output = aiperf(&["--custom-dataset-type", "random_pool", "--input-file", file.to_str().unwrap()], &dir);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(":1: a pool entry is drawn at random"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn sharegpt_conversations_from_a_local_copy() {
    let dir = dir("sharegpt");
    let pair = |q: &str, a: &str| format!(r#"{{"from": "human", "value": "{q}"}}, {{"from": "gpt", "value": "{a}"}}"#);
    let first = pair("How does paged attention help?", "It keeps the cache in fixed blocks, so memory does not fragment.");
    let second = pair("And prefix caching?", "Requests that share a prompt prefix reuse its cached blocks.");
    let file = dir.join("ShareGPT_V3_unfiltered_cleaned_split.json");
    std::fs::write(&file, format!(r#"[{{"id": "a", "conversations": [{first}, {second}]}}, {{"id": "b", "conversations": [{first}]}}]"#))
        .unwrap();
    let output = aiperf(&["--public-dataset", "sharegpt", "--input-file", file.to_str().unwrap(), "--request-count", "3"], &dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let records: Vec<Value> = std::fs::read_to_string(dir.join("artifacts/profile_export.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let turns: Vec<(String, u64)> = records
        .iter()
        .map(|r| (r["metadata"]["conversation_id"].as_str().unwrap().to_owned(), r["metadata"]["turn_index"].as_u64().unwrap()))
        .collect();
    assert_eq!(turns, [("sharegpt_0".to_owned(), 0), ("sharegpt_0".to_owned(), 1), ("sharegpt_1".to_owned(), 0)]);
    // The second turn carries the first with the engine's reply.
    let isl = |i: usize| records[i]["metrics"]["input_sequence_length"]["value"].as_f64().unwrap();
    assert!(isl(1) > isl(0) + 10.0, "{} then {}", isl(0), isl(1));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("artifacts/profile_export_aiperf.json")).unwrap()).unwrap();
    assert_eq!(summary["input_config"]["datasets"][0]["public_dataset"], "sharegpt");
    // Without --input-file it is read from AIPerf's cache path, relative to the working directory.
    let output = Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .args(["profile", "--public-dataset", "sharegpt", "--ui", "none", "--output-artifact-dir"])
        .arg(dir.join("artifacts"))
        .current_dir(&dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(".cache/aiperf/datasets/ShareGPT_V3_unfiltered_cleaned_split.json") && stderr.contains("huggingface.co"),
        "{stderr}"
    );
}
