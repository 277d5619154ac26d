//! `aiperf profile --config FILE`: AIPerf's YAML schema against the mock server on 127.0.0.1,
//! flags typed on the command line on top of it, the resolved configuration written beside the
//! exports and read back into the same run, and what cannot apply refused by name.

mod common;

use std::time::Duration;

use common::{dir, json};

/// An AIPerf 0.13 configuration: a warmup, then profiling at a concurrency, the server's URL from
/// the environment as AIPerf substitutes it.
const CONFIG: &str = r#"
schemaVersion: "2.0"
randomSeed: 7
benchmark:
  model: mock
  endpoint:
    url: ${AIPERF_TEST_SERVER}
    streaming: true
  datasets:
    - name: main
      type: synthetic
      entries: 5
      prompts: {isl: 16, osl: 2}
  phases:
    - {name: warmup, type: concurrency, requests: 2}
    - {name: profiling, type: concurrency, concurrency: 2, requests: 6}
"#;

/// `aiperf profile` with `args`, the server's URL in the environment.
fn run(server: &str, args: &[&str], out: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .arg("profile")
        .args(args)
        .args(["--ui", "none", "--no-server-metrics", "--output-artifact-dir"])
        .arg(out)
        .env("AIPERF_TEST_SERVER", server)
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_with_flags_on_top_runs_and_its_resolved_configuration_repeats_it() {
    let server = common::mock_server(Duration::from_millis(1), 2, 1).await;
    let out = dir("config_file", "aiperf");
    std::fs::create_dir_all(&out).unwrap();
    let file = out.join("bench.yaml");
    std::fs::write(&file, CONFIG).unwrap();
    let url = server.url();
    let (first, second) = (out.join("first"), out.join("second"));
    let f = file.to_str().unwrap().to_owned();
    let output = tokio::task::spawn_blocking({
        let (url, first) = (url.clone(), first.clone());
        move || run(&url, &["-f", &f, "--request-count", "4"], &first)
    })
    .await
    .unwrap();
    common::ok(&output);
    let records = common::records(&first);
    let warmup = records.iter().filter(|r| r["metadata"]["benchmark_phase"] == "warmup").count();
    assert_eq!((warmup, records.len() - warmup), (2, 4), "the file's warmup, the flag's count on top of its profiling");
    let summary = json(&first.join("profile_export_aiperf.json"));
    let phases = &summary["input_config"]["phases"];
    assert_eq!((phases[1]["concurrency"].as_u64(), phases[1]["requests"].as_u64()), (Some(2), Some(4)), "{phases}");
    assert_eq!(summary["run_info"]["random_seed"], 7);
    // The resolved configuration repeats the run: the same loads, prompts and seed.
    let resolved = first.join("resolved_config.yaml");
    let output = tokio::task::spawn_blocking({
        let (url, second, resolved) = (url.clone(), second.clone(), resolved.to_str().unwrap().to_owned());
        move || run(&url, &["--config", &resolved], &second)
    })
    .await
    .unwrap();
    common::ok(&output);
    let again = json(&second.join("profile_export_aiperf.json"));
    let without_dir = |summary: &serde_json::Value| {
        let mut config = summary["input_config"].clone();
        config["artifacts"] = serde_json::Value::Null;
        config
    };
    assert_eq!(without_dir(&again), without_dir(&summary));
    assert_eq!(json(&second.join("inputs.json")), json(&first.join("inputs.json")), "the same prompts");
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn what_cannot_apply_is_refused_by_its_path_or_its_flag() {
    let out = dir("config_file", "refused");
    std::fs::create_dir_all(&out).unwrap();
    let file = out.join("bench.yaml");
    std::fs::write(&file, "benchmark:\n  model: m\n  endpoint: {url: 'http://127.0.0.1:9', timout: 3}\n").unwrap();
    let output = run("unused", &["-f", file.to_str().unwrap()], &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("benchmark.endpoint.timout") && stderr.contains("did you mean 'timeout'"), "{stderr}");
    std::fs::write(&file, "benchmark:\n  model: m\n  endpoint: {url: 'http://127.0.0.1:9'}\n  dataset: {type: file, path: t.jsonl}\n")
        .unwrap();
    let output = run("unused", &["-f", file.to_str().unwrap(), "--isl", "30"], &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--isl") && stderr.contains("declares a dataset file"), "{stderr}");
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_summary_export_level_writes_no_records() {
    let out = dir("config_file", "summary");
    let output = common::profile(&["--request-count", "3", "--export-level", "summary"], &out);
    common::ok(&output);
    assert!(!out.join("profile_export.jsonl").exists(), "no per-request file");
    let summary = json(&out.join("profile_export_aiperf.json"));
    assert_eq!(
        (summary["request_count"]["avg"].as_f64(), &summary["input_config"]["artifacts"]["records"]),
        (Some(3.0), &serde_json::json!(false))
    );
    std::fs::remove_dir_all(out).unwrap();
}
