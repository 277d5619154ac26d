//! One benchmark run by several workers (`--workers N`): processes started as a Kubernetes
//! Indexed Job starts its pods (`JOB_COMPLETION_INDEX`, `JOB_COMPLETIONS`), meeting at a
//! `file://` results location; their merge checked against the statistics of all their records
//! computed here; a worker killed mid-run, and one that comes too late, named in the merge.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use common::{dir, json, merge, ok, records};
use serde_json::Value;

/// Worker `index` of `count`, its results at `store` (`file://`).
fn worker(index: u32, count: u32, store: &Path, out: &Path, extra: &[&str]) -> Child {
    common::worker(index, count, &format!("file://{}", store.display()), out, extra).spawn().expect("the aiperf binary runs")
}

/// numpy's linear percentile of sorted `values`.
fn percentile(values: &[f64], p: f64) -> f64 {
    let rank = p / 100.0 * (values.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    values[low] + (values[high] - values[low]) * (rank - low as f64)
}

/// The merged summary's statistics of `metric` are those of every record's value.
fn assert_summary_is_of_the_records(summary: &Value, records: &[Value], metric: &str) {
    let mut values: Vec<f64> = records.iter().map(|r| r["metrics"][metric]["value"].as_f64().expect("every record has it")).collect();
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(1.0);
    let stat = |key: &str| summary[metric][key].as_f64().unwrap_or_else(|| panic!("{metric}.{key} in {summary:#}"));
    assert_eq!(stat("min"), values[0], "{metric} min");
    assert_eq!(stat("max"), values[values.len() - 1], "{metric} max");
    assert!(close(stat("avg"), mean), "{metric} avg {} vs {mean}", stat("avg"));
    for (key, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0)] {
        assert!(close(stat(key), percentile(&values, p)), "{metric} {key} {} vs {}", stat(key), percentile(&values, p));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_of_an_indexed_job_merge_into_one_benchmark_over_all_their_records() {
    let root = dir("workers", "job");
    let store = root.join("store");
    // The workers send over HTTP to the mock server on 127.0.0.1, as pods send to a server.
    let server = common::mock_server(Duration::from_millis(2), 8, 5).await;
    let url = server.url();
    let load = ["--concurrency", "6", "--request-count", "60", "--url", &url, "--model", "mock"];
    let children: Vec<Child> = (0..3).map(|i| worker(i, 3, &store, &root.join(format!("pod-{i}")), &load)).collect();
    let outputs: Vec<Output> =
        tokio::task::spawn_blocking(move || children.into_iter().map(|child| child.wait_with_output().unwrap()).collect()).await.unwrap();
    server.shutdown().await;
    outputs.iter().for_each(|output| drop(ok(output)));
    // Exactly one worker ended last and merged every worker's results into the store.
    let merged_by: Vec<usize> = (0..3).filter(|&i| String::from_utf8_lossy(&outputs[i].stdout).contains("every worker merged")).collect();
    assert!(!merged_by.is_empty(), "a worker merged");
    let merged = store.join("merged");
    let summary = json(&merged.join("profile_export_aiperf.json"));
    assert_eq!(summary["request_count"]["avg"], 60.0);
    assert_eq!(summary["workers"]["merged"], serde_json::json!([0, 1, 2]));
    assert_eq!(summary["is_complete"], true);
    assert_eq!(summary["input_config"]["phases"][0]["concurrency"], 6, "the benchmark's, not a worker's");
    assert_eq!(summary["input_config"]["endpoint"]["transport"], "http");
    let all = records(&merged);
    assert_eq!(all.len(), 60, "every record, once");
    let workers: std::collections::BTreeSet<&str> = all.iter().map(|r| r["metadata"]["record_processor_id"].as_str().unwrap()).collect();
    assert_eq!(workers.len(), 3, "{workers:?}");
    let slots: std::collections::BTreeSet<&str> = all.iter().map(|r| r["metadata"]["worker_id"].as_str().unwrap()).collect();
    assert_eq!(slots.len(), 6, "each of the 6 slots of the benchmark named apart: {slots:?}");
    for metric in ["request_latency", "time_to_first_token", "inter_token_latency", "output_sequence_length"] {
        assert_summary_is_of_the_records(&summary, &all, metric);
    }
    // Started together: the workers' first sends fall within the barrier's agreement.
    let first = |i: usize| json(&root.join(format!("pod-{i}/worker-{i}/profile_export_aiperf.json")))["start_time"].clone();
    assert!((0..3).all(|i| !first(i).is_null()));
    // By hand, from the store, the merge is the same benchmark.
    let again = root.join("again");
    ok(&merge(&format!("file://{}", store.display()), &again));
    let redo = json(&again.join("profile_export_aiperf.json"));
    for metric in ["request_latency", "time_to_first_token"] {
        assert_eq!(redo[metric], summary[metric], "{metric}");
    }
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_killed_worker_is_named_and_a_stopped_one_keeps_what_it_measured() {
    let root = dir("workers", "killed");
    let store = root.join("store");
    let load = ["--concurrency", "3", "--benchmark-duration", "3"];
    let mut children: Vec<Child> = (0..3).map(|i| worker(i, 3, &store, &root.join(format!("pod-{i}")), &load)).collect();
    // Once all three are past the barrier, worker 1 is killed (SIGKILL: nothing of it is written).
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_dir(store.join("barrier")).map_or(0, Iterator::count) < 3 {
        assert!(Instant::now() < deadline, "the workers never met");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    children[1].kill().unwrap();
    // Worker 2 is stopped as Kubernetes stops a pod (SIGTERM): it uploads what it measured.
    let term = std::process::Command::new("kill").args(["-TERM", &children[2].id().to_string()]).status().unwrap();
    assert!(term.success());
    let outputs: Vec<Output> = children.into_iter().map(|child| child.wait_with_output().unwrap()).collect();
    assert!(!outputs[1].status.success());
    assert_eq!(outputs[2].status.code(), Some(143), "{}", String::from_utf8_lossy(&outputs[2].stderr));
    assert!(std::fs::read_to_string(store.join("workers/2/status.json")).unwrap().contains("cancelled"));
    for i in [0, 2] {
        let stderr = String::from_utf8_lossy(&outputs[i].stderr);
        assert!(stderr.contains("aiperf merge"), "the merge is left to a user: {stderr}");
    }
    assert!(outputs[0].status.success(), "{}", String::from_utf8_lossy(&outputs[0].stderr));
    let merged = root.join("merged");
    let printed = ok(&merge(&store.display().to_string(), &merged));
    assert!(printed.contains("Workers: 2 of 3 merged; worker 1 missing"), "{printed}");
    let summary = json(&merged.join("profile_export_aiperf.json"));
    assert_eq!(summary["workers"]["absent"][0]["index"], 1);
    assert_eq!(summary["is_complete"], false);
    assert_eq!(summary["was_cancelled"], true, "worker 2 was cut short");
    assert!(summary["incomplete_reason"].as_str().unwrap().contains("(workers 1)"), "{summary:#}");
    let kept: f64 = [0, 2]
        .iter()
        .map(|i| json(&store.join(format!("workers/{i}/profile_export_aiperf.json")))["request_count"]["avg"].as_f64().unwrap())
        .sum();
    assert_eq!(summary["request_count"]["avg"].as_f64().unwrap(), kept, "what workers 0 and 2 measured, all of it");
    assert_eq!(records(&merged).len() as f64, kept);
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn workers_missing_at_the_barrier_are_left_out_and_a_late_one_does_not_run() {
    let root = dir("workers", "late");
    let store = root.join("store");
    let load = ["--concurrency", "3", "--request-count", "30", "--barrier-timeout", "1"];
    let early: Vec<Child> = (0..2).map(|i| worker(i, 3, &store, &root.join(format!("pod-{i}")), &load)).collect();
    for output in early.into_iter().map(|child| child.wait_with_output().unwrap()) {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        assert!(stderr.contains("starting without worker 2"), "{stderr}");
    }
    let late = worker(2, 3, &store, &root.join("pod-2"), &load).wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&late.stderr);
    assert_eq!(late.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("--barrier-timeout"), "{stderr}");
    // The late worker ended last: it merged the others' results, and named itself.
    assert!(String::from_utf8_lossy(&late.stdout).contains("every worker merged"));
    let summary = json(&store.join("merged/profile_export_aiperf.json"));
    assert_eq!(summary["workers"]["merged"], serde_json::json!([0, 1]));
    assert!(summary["workers"]["absent"][0]["reason"].as_str().unwrap().contains("failed"), "{summary:#}");
    assert_eq!(summary["request_count"]["avg"], 20.0, "workers 0 and 1's shares: 10 each");
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn workers_on_one_host_write_the_layout_of_one_run() {
    let root = dir("workers", "local");
    let out = root.join("run");
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_aiperf"))
            .args(["profile", "--workers", "2", "--concurrency", "4", "--request-count", "40", "--streaming", "--ui", "none"])
            .args(["--engine-ttft-ms", "30", "--engine-itl-ms", "0", "--output-artifact-dir"])
            .arg(&out)
            .output()
            .unwrap()
    };
    let printed = ok(&run());
    assert!(printed.contains("Workers: 2 of 2 merged"), "{printed}");
    for file in ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl", "profile_export_console.txt"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    let all = records(&out);
    assert_eq!(all.len(), 40);
    // The embedded engine's flags reach the workers: 30 ms to the first token, not the 20 ms default.
    assert!(all.iter().all(|r| r["metrics"]["time_to_first_token"]["value"].as_f64().unwrap() >= 30.0), "{:?}", all[0]["metrics"]);
    // Run again into the same directory: its results location is the run's own, replaced.
    ok(&run());
    let logs: Vec<PathBuf> = (0..2).map(|i| out.join(format!("worker-{i}.log"))).collect();
    assert!(logs.iter().all(|log| log.is_file()));
    // The results location left under the artifact directory merges by hand too.
    ok(&merge(&out.join("results").display().to_string(), &root.join("again")));
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn worker_flags_that_cannot_work_are_refused_by_name() {
    let root = dir("workers", "flags");
    let no_results = common::profile(&["--workers", "2", "--worker-index", "0"], &root);
    assert_eq!(no_results.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_results.stderr).contains("--results"));
    let past = common::profile(&["--workers", "2", "--worker-index", "2", "--results", "file:///tmp/x"], &root);
    assert!(String::from_utf8_lossy(&past.stderr).contains("--worker-index"), "{}", String::from_utf8_lossy(&past.stderr));
    let scheme = common::profile(&["--workers", "2", "--worker-index", "0", "--results", "ftp://host/x"], &root);
    let stderr = String::from_utf8_lossy(&scheme.stderr);
    assert!(stderr.contains("s3://") && stderr.contains("--results"), "{stderr}");
    let sweep = common::profile(&["--workers", "2", "--concurrency", "2,4"], &root);
    assert!(String::from_utf8_lossy(&sweep.stderr).contains("--workers"), "{}", String::from_utf8_lossy(&sweep.stderr));
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_traces_rows_are_dealt_out_so_that_each_is_sent_once() {
    let root = dir("workers", "trace");
    let store = root.join("store");
    let rows = 13;
    let trace: Vec<String> = (0..rows)
        .map(|i| format!(r#"{{"timestamp": {}, "input_length": 40, "output_length": 3, "hash_ids": [7, {}]}}"#, 1000 + 10 * i, 100 + i))
        .collect();
    let file = root.join("trace.jsonl");
    std::fs::write(&file, trace.join("\n") + "\n").unwrap();
    let file = file.display().to_string();
    let load = ["--custom-dataset-type", "mooncake_trace", "--input-file", &file, "--isl-block-size", "16"];
    let children: Vec<Child> = (0..3).map(|i| worker(i, 3, &store, &root.join(format!("pod-{i}")), &load)).collect();
    children.into_iter().for_each(|child| drop(ok(&child.wait_with_output().unwrap())));
    let all = records(&store.join("merged"));
    let mut sent: Vec<(u64, String)> = all
        .iter()
        .map(|r| {
            let row = r["metadata"]["conversation_id"].as_str().unwrap().parse().unwrap();
            (row, r["metadata"]["record_processor_id"].as_str().unwrap().to_owned())
        })
        .collect();
    sent.sort();
    let expected: Vec<(u64, String)> = (0..rows).map(|row| (row, format!("record_processor_{}", row % 3))).collect();
    assert_eq!(sent, expected, "row i sent once, by worker i % 3");
    let summary = json(&store.join("merged/profile_export_aiperf.json"));
    assert_eq!(summary["input_config"]["phases"][0]["type"], "fixed_schedule");
    std::fs::remove_dir_all(root).unwrap();
}
