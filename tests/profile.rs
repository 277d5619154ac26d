//! `aiperf profile` end to end: the binary against the embedded engine and against
//! `aiperf-mock-server` on 127.0.0.1, checking the exports.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use aiperf::transports::InEngineSettings;
use aiperf_mock_server::{MockConfig, MockServer};
use serde_json::Value;

fn artifact_dir(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-profile-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn aiperf(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .arg("profile")
        .args(args)
        .args(["--ui", "none", "--output-artifact-dir"])
        .arg(dir)
        .output()
        .expect("the aiperf binary runs")
}

async fn aiperf_async(args: Vec<String>, dir: PathBuf) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        aiperf(&args, &dir)
    })
    .await
    .unwrap()
}

fn exports(dir: &Path) -> (Value, Vec<Value>) {
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("profile_export_aiperf.json")).unwrap()).unwrap();
    let records =
        std::fs::read_to_string(dir.join("profile_export.jsonl")).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (summary, records)
}

fn avg(summary: &Value, key: &str) -> f64 {
    summary[key]["avg"].as_f64().unwrap_or_else(|| panic!("no {key} in {summary:#}"))
}

fn ok(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn embedded_default_streaming_run_writes_every_export() {
    let dir = artifact_dir("embedded");
    let output = aiperf(
        &[
            "--streaming",
            "--request-count",
            "12",
            "--concurrency",
            "3",
            "--isl",
            "64",
            "--osl",
            "8",
            "--num-dataset-entries",
            "5",
            "--engine-ttft-ms",
            "30",
            "--engine-itl-ms",
            "2",
        ],
        &dir,
    );
    ok(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("aiperf | LLM Metrics") && stdout.contains("Time to First Token (ms)"), "{stdout}");
    for file in
        ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export.jsonl", "profile_export_console.txt", "inputs.json"]
    {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let (summary, records) = exports(&dir);
    assert_eq!(records.len(), 12);
    assert_eq!(avg(&summary, "request_count"), 12.0);
    assert_eq!(summary["time_to_first_token"]["unit"], "ms");
    assert_eq!(summary["time_to_first_token"]["count"], 12);
    let ttft = avg(&summary, "time_to_first_token");
    assert!(ttft >= 29.0, "the engine waits 30 ms: ttft {ttft}");
    assert_eq!(avg(&summary, "usage_completion_tokens"), 8.0, "the engine wrote what was asked");
    assert_eq!(avg(&summary, "input_sequence_length"), 64.0, "synthetic prompts have the measured length");
    assert!((2.0..=3.01).contains(&avg(&summary, "effective_concurrency")), "{}", summary["effective_concurrency"]);
    // As AIPerf's, the window opens at the phase's start, before its first request: idle then.
    assert_eq!(summary["effective_concurrency"]["min"].as_f64(), Some(0.0));
    // Throughputs over that window too: a little longer than the benchmark duration (from the
    // first request's start), so fewer requests a second than over the duration.
    let over_duration = 12.0 / avg(&summary, "benchmark_duration");
    assert!(avg(&summary, "request_throughput") < over_duration, "{} against {over_duration}", summary["request_throughput"]);
    for key in ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "std", "min", "max", "sum"] {
        assert!(summary["request_latency"][key].is_number(), "request_latency.{key}");
    }
    assert_eq!((summary["was_cancelled"].as_bool(), summary["is_complete"].as_bool()), (Some(false), Some(true)));
    assert_eq!(summary["input_config"]["endpoint"]["type"], "chat");
    assert_eq!(summary["benchmark_id"].as_str().unwrap().len(), 12);
    let inputs: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("inputs.json")).unwrap()).unwrap();
    assert_eq!(inputs["data"].as_array().unwrap().len(), 5);
    assert_eq!(inputs["data"][0]["payloads"][0]["max_completion_tokens"], 8, "chat names the length as OpenAI and AIPerf do");
    let first = &records[0];
    assert_eq!(first["metadata"]["benchmark_phase"], "profiling");
    // Gaps between content responses only: 8 tokens streamed as 8 chunks give 7 gaps.
    assert_eq!(first["metrics"]["inter_chunk_latency"]["value"].as_array().unwrap().len(), 7);
    let csv = std::fs::read_to_string(dir.join("profile_export_aiperf.csv")).unwrap();
    assert!(csv.starts_with("Metric,avg,min,max,sum,p1,p5,p10,p25,p50,p75,p90,p95,p99,std\r\n"), "{csv}");
    assert!(csv.contains("Request Throughput (requests/sec),"), "{csv}");
    assert!(csv.contains("\r\n\r\nMetric,Value\r\n"), "a blank line between the sections: {csv}");
}

#[test]
fn every_endpoint_type_on_the_embedded_engine_streaming_and_not() {
    for (endpoint, streaming) in
        [("chat", false), ("completions", true), ("completions", false), ("embeddings", false), ("rankings", false)]
    {
        let dir = artifact_dir(&format!("embedded-{endpoint}-{streaming}"));
        let mut args = vec![
            "--endpoint-type",
            endpoint,
            "--request-count",
            "4",
            "--concurrency",
            "2",
            "--isl",
            "16",
            "--osl",
            "5",
            "--num-dataset-entries",
            "2",
        ];
        if streaming {
            args.push("--streaming");
        }
        ok(&aiperf(&args, &dir));
        let (summary, records) = exports(&dir);
        let case = format!("{endpoint} streaming={streaming}");
        assert_eq!((records.len(), avg(&summary, "request_count"), avg(&summary, "completed_request_count")), (4, 4.0, 4.0), "{case}");
        assert!(summary.get("error_request_count").is_none(), "no error row without errors, as in AIPerf: {case}");
        assert_eq!(summary.get("time_to_first_token").is_some(), streaming, "{case}");
        if endpoint == "chat" || endpoint == "completions" {
            assert_eq!(avg(&summary, "usage_completion_tokens"), 5.0, "{case}");
        } else {
            assert!(summary.get("output_sequence_length").is_none(), "{case}: no tokens are generated");
            assert!(avg(&summary, "input_sequence_length") >= 16.0, "{case}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_type_against_the_mock_server() {
    let engine = InEngineSettings {
        time_to_first_token: Duration::from_millis(40),
        inter_token_latency: Duration::from_millis(2),
        output_tokens: 16,
        seed: 1,
    };
    let server = MockServer::start(MockConfig { engine, grpc_port: Some(0), ..MockConfig::default() }).await.unwrap();
    let url = server.url();
    let grpc = server.grpc_url().unwrap();
    let cases: [(&str, &str, bool); 7] = [
        ("chat", url.as_str(), true),
        ("chat", url.as_str(), false),
        ("completions", url.as_str(), true),
        ("completions", url.as_str(), false),
        ("embeddings", url.as_str(), false),
        ("rankings", url.as_str(), false),
        ("chat", grpc.as_str(), true),
    ];
    for (endpoint, url, streaming) in cases {
        let dir = artifact_dir(&format!("mock-{endpoint}-{streaming}-{}", url.split(':').next().unwrap()));
        let mut args: Vec<String> = [
            "--model",
            "mock",
            "--url",
            url,
            "--endpoint-type",
            endpoint,
            "--request-count",
            "8",
            "--concurrency",
            "4",
            "--isl",
            "32",
            "--osl",
            "6",
        ]
        .map(str::to_owned)
        .to_vec();
        args.push("--use-server-token-count".to_owned());
        if streaming {
            args.push("--streaming".to_owned());
        }
        let output = aiperf_async(args, dir.clone()).await;
        ok(&output);
        let (summary, records) = exports(&dir);
        let case = format!("{endpoint} over {url} streaming={streaming}");
        assert_eq!(records.len(), 8, "{case}");
        assert_eq!(avg(&summary, "request_count"), 8.0, "{case}");
        assert!(summary.get("error_request_count").is_none(), "{case}: {:#}", summary["error_summary"]);
        if endpoint == "chat" || endpoint == "completions" {
            if !url.starts_with("grpc") {
                assert_eq!(avg(&summary, "output_sequence_length"), 6.0, "{case}: the server's usage");
            }
            if streaming {
                let ttft = avg(&summary, "time_to_first_token");
                assert!(ttft >= 39.0, "{case}: ttft {ttft}");
            } else {
                assert!(summary.get("time_to_first_token").is_none(), "{case}");
            }
        }
    }
    server.shutdown().await;
}

#[test]
fn rate_mode_duration_goodput_input_file_and_tokenizer_file() {
    let dir = artifact_dir("rate");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    // The engine's test tokenizer: a word-level tokenizer.json, one token per word.
    let tokenizer = Path::new(env!("CARGO_MANIFEST_DIR")).join("aiperf-bench/tests/data/wordlevel-tokenizer.json");
    let output = aiperf(
        &[
            "--streaming",
            "--request-rate",
            "40",
            "--request-rate-mode",
            "poisson",
            "--benchmark-duration",
            "1",
            "--input-file",
            data.join("prompts.jsonl").to_str().unwrap(),
            "--tokenizer",
            tokenizer.to_str().unwrap(),
            "--goodput",
            "time_to_first_token:10000 request_latency:10000",
            "--num-warmup-requests",
            "2",
            "--engine-ttft-ms",
            "5",
            "--engine-itl-ms",
            "1",
        ],
        &dir,
    );
    ok(&output);
    let (summary, records) = exports(&dir);
    let count = avg(&summary, "request_count");
    assert!((15.0..80.0).contains(&count), "about 40 requests in 1 s at 40/s, got {count}");
    // Warmup records are exported as AIPerf exports them: marked, numbered before profiling.
    let (warmup, records): (Vec<&Value>, Vec<&Value>) = records.iter().partition(|r| r["metadata"]["phase_index"] == 0);
    assert_eq!((warmup.len(), records.len() as f64), (2, count), "2 warmup records, the others profiled");
    assert!(warmup.iter().all(|r| r["metadata"]["benchmark_phase"] == "warmup" && r["metadata"].get("profiling_index").is_none()));
    assert_eq!(avg(&summary, "good_request_count"), count, "generous SLOs: every request is good");
    assert!(avg(&summary, "goodput") > 0.0);
    assert_eq!(summary["input_config"]["tokenizer"]["name"].as_str().unwrap(), tokenizer.display().to_string());
    assert_eq!(summary["input_config"]["datasets"][0]["type"], "file");
    // The file's first line asks for 4 tokens; its input is measured with the word-level tokenizer
    // (Whitespace pre-tokenizer: 6 words and the `?`).
    let first = records.iter().find(|r| r["metadata"]["conversation_id"] == "0").unwrap();
    assert_eq!(first["metrics"]["usage_completion_tokens"]["value"], 4.0);
    assert_eq!(first["metrics"]["input_sequence_length"]["value"], 7.0);
}

#[test]
fn runs_without_a_seed_send_other_prompts_and_record_the_seed_they_drew() {
    let dir = artifact_dir("seed");
    let prompts = |args: &[&str]| -> (Value, Value) {
        ok(&aiperf(&[&["--request-count", "3", "--isl", "16", "--engine-ttft-ms", "0", "--engine-itl-ms", "0"], args].concat(), &dir));
        let (summary, _) = exports(&dir);
        let inputs: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("inputs.json")).unwrap()).unwrap();
        (summary["run_info"]["random_seed"].clone(), inputs["data"].clone())
    };
    let (first_seed, first) = prompts(&[]);
    let (second_seed, second) = prompts(&[]);
    assert!(first_seed.is_u64() && second_seed.is_u64(), "{first_seed} {second_seed}");
    assert_ne!((&first_seed, &first), (&second_seed, &second), "each run draws its own seed and prompts");
    // The recorded seed repeats the run's prompts.
    let seed = first_seed.to_string();
    let (again_seed, again) = prompts(&["--random-seed", &seed]);
    assert_eq!((again_seed, again), (first_seed, first));
}

#[test]
fn bad_flags_are_clear_errors() {
    let dir = artifact_dir("bad");
    let cases: [(&[&str], &str); 24] = [
        (
            &["--endpoint-type", "caht"],
            "invalid value 'caht' for '--endpoint-type <ENDPOINT_TYPE>'\n  [possible values: chat, completions, embeddings, rankings]\n\n  tip: a similar value exists: 'chat'",
        ),
        (&["--transport", "htp"], "[possible values: http, http2, grpc, in_engine]"),
        (&["--concurrency", "100000000"], "from 1 to 100000 requests in flight"),
        (&["--isl", "4000000000"], "at most 1048576 tokens per synthetic prompt"),
        (&["--num-dataset-entries", "100000"], "at most 20000000 synthetic prompt tokens in all"),
        (&["--benchmark-grace-period", "-1"], "invalid --benchmark-grace-period '-1': a number of seconds from 0 to a year"),
        (&["--concurrency", "-1"], "invalid value '-1' for '--concurrency <CONCURRENCY>'"),
        (&["--goodput", "time_to_first_token:-5"], "a positive, finite number after the colon"),
        (
            &["--url", "grpc://127.0.0.1:9", "--model", "m", "--endpoint-type", "embeddings"],
            "endpoint 'embeddings' over transport 'grpc': this endpoint has no text-generation form",
        ),
        (&["--url", "http://u:p@127.0.0.1:9", "--model", "m"], "a URL without credentials"),
        (&["--url", "http://127.0.0.1:9"], "--model is required with --url"),
        (&["--url", "ftp://x", "--model", "m"], "unknown URL scheme 'ftp'"),
        (&["--endpoint-type", "embeddings", "--streaming"], "does not stream"),
        (&["--use", "chat=TurboChat"], "unknown implementation 'TurboChat' of endpoint 'chat'"),
        (&["--tokenizer", "/nonexistent/tokenizer.json"], "cannot load tokenizer"),
        (&["--profile-run-cooldown-seconds", "-1"], "invalid --profile-run-cooldown-seconds '-1': seconds from 0 to a day"),
        (&["--num-profile-runs", "11"], "invalid --num-profile-runs '11': from 1 to 10"),
        (&["--confidence-level", "1.5"], "a level between 0 and 1"),
        (&["--concurrency", "1,x"], "'x': invalid digit found in string (a value, or a comma list such as 1,8,32)"),
        // Values AIPerf refuses.
        (&["--request-count", "0"], "invalid --request-count '0': at least 1 request"),
        (&["--num-requests", "0"], "invalid --request-count '0': at least 1 request"),
        (&["--isl", "0"], "invalid --isl '0': at least 1 token per synthetic prompt"),
        (&["--isl-stddev", "-1"], "invalid --isl-stddev '-1': a standard deviation of 0 or more tokens"),
        (&["--osl", "8", "--osl-stddev", "-0.5"], "invalid --osl-stddev '-0.5': a standard deviation of 0 or more tokens"),
    ];
    for (args, expected) in cases {
        let output = aiperf(args, &dir);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_and_still_writes_valid_exports() {
    let dir = artifact_dir("cancel");
    let child = Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .args([
            "profile",
            "--streaming",
            "--benchmark-duration",
            "60",
            "--concurrency",
            "4",
            "--isl",
            "16",
            "--osl",
            "50",
            "--engine-itl-ms",
            "10",
            "--ui",
            "none",
            "--output-artifact-dir",
        ])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(3500));
    let killed = Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]).status().unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "cancelled by SIGINT: {}", String::from_utf8_lossy(&output.stderr));
    let (summary, records) = exports(&dir);
    assert_eq!(summary["was_cancelled"], true);
    assert_eq!(summary["is_complete"], false);
    assert!(avg(&summary, "request_count") >= 4.0, "{summary:#}");
    assert_eq!(records.len() as f64, avg(&summary, "completed_request_count"), "successes and failures");
}

#[cfg(unix)]
#[test]
fn requests_still_running_after_the_grace_period_are_recorded_as_cancelled() {
    let dir = artifact_dir("abandon");
    // 2000 tokens at 5 ms each: every request would take 10 s, longer than the 5 s grace period.
    let child = Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .args([
            "profile",
            "--streaming",
            "--request-count",
            "100",
            "--concurrency",
            "3",
            "--isl",
            "8",
            "--osl",
            "2000",
            "--engine-itl-ms",
            "5",
        ])
        .args(["--ui", "none", "--output-artifact-dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Long enough for the tokenizer to load and the first requests to start, on a loaded machine too.
    std::thread::sleep(Duration::from_millis(3000));
    assert!(Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]).status().unwrap().success());
    let started = Instant::now();
    let output = child.wait_with_output().unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(4), "waited {waited:?} (grace is 5 s)");
    assert_eq!(output.status.code(), Some(130), "cancelled, not 'no request succeeded'");
    let (summary, records) = exports(&dir);
    assert_eq!(summary["was_cancelled"], true);
    assert_eq!(avg(&summary, "request_count"), 0.0);
    assert_eq!(avg(&summary, "error_request_count"), 3.0, "the 3 requests in flight are accounted for");
    assert_eq!(summary["error_summary"][0]["error_details"]["type"], "RequestCancellationError");
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r["metadata"]["was_cancelled"] == true));
}
