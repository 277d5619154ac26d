//! `aiperf merge`: the run states of a benchmark's shards (`profile --export-run-state`) merged
//! into the exports of one run over all their records.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{dir, ok, profile};
use serde_json::Value;

fn merge(states: &[&Path], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .arg("merge")
        .args(states)
        .arg("--output-artifact-dir")
        .arg(out)
        .output()
        .expect("the aiperf binary runs")
}

fn summary(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("profile_export_aiperf.json")).unwrap()).unwrap()
}

/// A shard of one benchmark: its own seed (its own prompts), its state kept.
fn shard(root: &Path, seed: &str) -> std::path::PathBuf {
    let out = root.join(format!("shard-{seed}"));
    let args = ["--streaming", "--concurrency", "4", "--request-count", "40", "--isl", "32", "--osl", "8"];
    ok(&profile(&[&args[..], &["--random-seed", seed, "--export-run-state"]].concat(), &out));
    out
}

#[test]
fn one_shard_merged_is_its_own_export() {
    let root = dir("merge", "one");
    let out = shard(&root, "1");
    let merged = root.join("merged");
    ok(&merge(&[&out], &merged));
    let (mut own, mut again) = (summary(&out), summary(&merged));
    // Only where the files went differs, and the benchmark id (each export's own).
    for export in [&mut own, &mut again] {
        export["input_config"]["artifacts"] = Value::Null;
        export["benchmark_id"] = Value::Null;
        export["run_info"]["benchmark_id"] = Value::Null;
    }
    assert_eq!(own, again);
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn shards_merge_into_one_benchmark_over_all_their_requests() {
    let root = dir("merge", "two");
    let (a, b) = (shard(&root, "1"), shard(&root, "2"));
    let merged = root.join("merged");
    let printed = ok(&merge(&[&a, &b], &merged));
    assert!(printed.contains("Time to First Token"), "{printed}");
    let (a, b, all) = (summary(&a), summary(&b), summary(&merged));
    let count = |s: &Value, key: &str| s[key]["avg"].as_f64().unwrap();
    assert_eq!(count(&all, "request_count"), 80.0);
    let ttft = |s: &Value, stat: &str| s["time_to_first_token"][stat].as_f64().unwrap();
    assert_eq!(ttft(&all, "min"), ttft(&a, "min").min(ttft(&b, "min")));
    assert_eq!(ttft(&all, "max"), ttft(&a, "max").max(ttft(&b, "max")));
    // Both ran at once in spirit: the merged window spans both, so its throughput is theirs together.
    assert!(count(&all, "effective_concurrency") > 0.0, "{all:#}");
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn states_of_different_benchmarks_are_refused() {
    let root = dir("merge", "different");
    let a = shard(&root, "1");
    let other = root.join("other");
    ok(&profile(&["--request-count", "3", "--isl", "16", "--export-run-state"], &other));
    let output = merge(&[&a, &other], &root.join("merged"));
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a shard of the benchmark"));
    let output = merge(&[&root.join("nothing-here")], &root.join("merged"));
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    std::fs::remove_dir_all(root).unwrap();
}
