//! What users rely on when things go wrong: no credential in any output, exports after SIGTERM,
//! distinct exit statuses, no panic on odd arguments or a closed stdout. The binary runs against the
//! embedded engine or `aiperf-mock-server` on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use aiperf::transports::InEngineSettings;
use aiperf_mock_server::{MockConfig, MockServer};

fn artifact_dir(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-reliability-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn aiperf() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aiperf"))
}

fn profile(args: &[&str], dir: &Path) -> Output {
    aiperf().arg("profile").args(args).args(["--ui", "none", "--output-artifact-dir"]).arg(dir).output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Everything the run wrote or printed, to search for secrets.
fn everything(dir: &Path, output: &Output) -> String {
    let mut all = text(output);
    for entry in std::fs::read_dir(dir).unwrap() {
        all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    all
}

const FAST: [&str; 8] = ["--engine-ttft-ms", "1", "--engine-itl-ms", "0", "--isl", "16", "--osl", "4"];

#[test]
fn credentials_appear_in_no_export_and_no_output() {
    let dir = artifact_dir("secrets");
    let mut args = vec![
        "--api-key",
        "sk-test-key-0123",
        "-H",
        "X-Api-Key: hdr-secret-4567",
        "-H",
        "X-Trace: sk-proj-trace-0123456789abcdef",
        "-H",
        "Content-Type: application/json",
        "--extra-inputs",
        "api_token:body-secret-89ab",
        "--extra-inputs",
        "max_tokens:1000",
        "--request-count",
        "2",
    ];
    args.extend(FAST);
    let output = profile(&args, &dir);
    assert!(output.status.success(), "{}", text(&output));
    let all = everything(&dir, &output);
    for secret in ["sk-test-key-0123", "hdr-secret-4567", "body-secret-89ab", "sk-proj-trace-0123456789abcdef"] {
        assert!(!all.contains(secret), "{secret} was written out");
    }
    let summary = std::fs::read_to_string(dir.join("profile_export_aiperf.json")).unwrap();
    assert!(summary.contains("--api-key '<redacted>'") && summary.contains("-H 'X-Trace: <redacted>'"), "{summary}");
    assert!(summary.contains("-H 'Content-Type: application/json'"), "a header never secret stays: {summary}");
    // Ordinary values (max_tokens 1000) are no secrets: numbers in the records stay intact.
    serde_json::from_str::<serde_json::Value>(&summary).unwrap();
    for line in std::fs::read_to_string(dir.join("profile_export.jsonl")).unwrap().lines() {
        assert!(!line.contains("<redacted>"), "{line}");
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn credentials_in_arguments_are_refused_without_being_echoed() {
    let dir = artifact_dir("refused");
    let cases: [(&[&str], &str); 3] = [
        (&["--url", "http://bob:pw-hunter2@127.0.0.1:9", "--model", "m"], "credentials"),
        (&["-H", "Bearer tok-no-colon-1234"], "Name:Value"),
        (&["--api-key", "sk-key-5678", "-H", "Authorization: Bearer tok-9999"], "one source of the Authorization header"),
    ];
    for (args, words) in cases {
        let output = profile(args, &dir);
        let all = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains(words), "{args:?}: {all}");
        for secret in ["pw-hunter2", "tok-no-colon-1234", "sk-key-5678", "tok-9999"] {
            assert!(!all.contains(secret), "{secret} echoed: {all}");
        }
    }
    assert!(!dir.exists(), "nothing is written for a command line that cannot work");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_succeeding_is_exit_status_3_with_exports() {
    let engine =
        InEngineSettings { time_to_first_token: Duration::from_millis(1), inter_token_latency: Duration::ZERO, output_tokens: 2, seed: 1 };
    let server = MockServer::start(MockConfig { engine, error_rate: 1.0, ..MockConfig::default() }).await.unwrap();
    let dir = artifact_dir("all-failed");
    let (url, run_dir) = (server.url(), dir.clone());
    let output =
        tokio::task::spawn_blocking(move || profile(&["--url", &url, "--model", "mock", "--request-count", "3"], &run_dir)).await.unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("error: no request succeeded (3 failed)"), "{}", text(&output));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("profile_export_aiperf.json")).unwrap()).unwrap();
    assert_eq!(summary["error_request_count"]["avg"], 3.0);
    std::fs::remove_dir_all(dir).unwrap();
    server.shutdown().await;
}

/// Starts a run whose requests take 10 s each (2000 tokens at 5 ms), to be stopped by signals.
#[cfg(unix)]
fn long_run(dir: &Path) -> std::process::Child {
    aiperf()
        .args(["profile", "--streaming", "--request-count", "100", "--concurrency", "2", "--isl", "8", "--osl", "2000"])
        .args(["--engine-itl-ms", "5", "--ui", "none", "--output-artifact-dir"])
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[cfg(unix)]
fn kill(child: &std::process::Child, signal: &str) {
    assert!(Command::new("sh").args(["-c", &format!("kill -{signal} {}", child.id())]).status().unwrap().success());
}

#[cfg(unix)]
#[test]
fn sigterm_stops_like_ctrl_c_and_leaves_valid_exports() {
    let dir = artifact_dir("sigterm");
    let child = long_run(&dir);
    // Long enough for the tokenizer to load and requests to start, on a loaded machine too.
    std::thread::sleep(Duration::from_millis(3000));
    kill(&child, "TERM");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(143), "{}", text(&output));
    assert!(text(&output).contains("SIGTERM"), "{}", text(&output));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("profile_export_aiperf.json")).unwrap()).unwrap();
    assert_eq!(summary["was_cancelled"], true);
    let records = std::fs::read_to_string(dir.join("profile_export.jsonl")).unwrap();
    assert_eq!(records.lines().count(), 2, "the two requests in flight are recorded as cancelled");
    assert!(dir.join("profile_export_aiperf.csv").exists() && dir.join("profile_export_console.txt").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_reused_directory_never_mixes_two_runs() {
    let dir = artifact_dir("reused");
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export_console.txt", "notes.txt"] {
        std::fs::write(dir.join(name), "from an earlier run").unwrap();
    }
    let child = long_run(&dir);
    std::thread::sleep(Duration::from_millis(3000));
    // Twice: the second quits at once, without writing the summary files.
    kill(&child, "TERM");
    std::thread::sleep(Duration::from_millis(300));
    kill(&child, "TERM");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(143), "{}", text(&output));
    for name in ["profile_export_aiperf.json", "profile_export_aiperf.csv", "profile_export_console.txt"] {
        assert!(!dir.join(name).exists(), "{name} of the earlier run is still there");
    }
    assert!(dir.join("inputs.json").exists(), "this run's own files are there");
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "from an earlier run", "other files are left alone");
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_non_utf8_artifact_directory_is_an_ordinary_path() {
    use std::os::unix::ffi::OsStringExt;
    let mut name = std::env::temp_dir().into_os_string().into_vec();
    name.extend_from_slice(format!("/aiperf-out-{}-", std::process::id()).as_bytes());
    name.push(0xff);
    let dir = PathBuf::from(std::ffi::OsString::from_vec(name));
    let mut args = vec!["--request-count", "1"];
    args.extend(FAST);
    let output = profile(&args, &dir);
    assert!(output.status.success(), "{}", text(&output));
    assert!(dir.join("profile_export_aiperf.json").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_closed_stdout_ends_quietly_and_a_full_one_is_an_error() {
    let mut child = aiperf().args(["plugins", "endpoint", "chat"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    assert!(!text(&output).contains("panicked"), "{}", text(&output));
    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let output = aiperf().args(["plugins"]).stdout(full).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        assert!(text(&output).contains("cannot write the output to stdout"), "{}", text(&output));
    }
}

#[test]
fn requests_past_the_duration_and_its_grace_period_are_cut_off_as_cancelled() {
    let dir = artifact_dir("grace");
    // Every request would take 10 s (2000 tokens at 5 ms): none finishes within 1 s + 1 s of grace.
    let args = [
        "--streaming",
        "--benchmark-duration",
        "1",
        "--benchmark-grace-period",
        "1",
        "--concurrency",
        "2",
        "--isl",
        "8",
        "--osl",
        "2000",
        "--engine-itl-ms",
        "5",
    ];
    let output = profile(&args, &dir);
    assert_eq!(output.status.code(), Some(3), "nothing succeeded: {}", text(&output));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("profile_export_aiperf.json")).unwrap()).unwrap();
    assert_eq!(summary["error_request_count"]["avg"], 2.0, "{summary:#}");
    assert_eq!(summary["error_summary"][0]["error_details"]["type"], "RequestCancellationError");
    let duration = summary["benchmark_duration"]["avg"].as_f64().unwrap();
    assert!(duration < 8.0, "the run was cut off, not waited out: {duration} s");
    assert_eq!(summary["input_config"]["phases"][0]["grace_period"], 1.0);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failed_request_threshold_stops_the_run_with_exit_status_4() {
    let engine =
        InEngineSettings { time_to_first_token: Duration::from_millis(1), inter_token_latency: Duration::ZERO, output_tokens: 2, seed: 1 };
    let server = MockServer::start(MockConfig { engine, error_rate: 1.0, ..MockConfig::default() }).await.unwrap();
    let dir = artifact_dir("threshold");
    let (url, run_dir) = (server.url(), dir.clone());
    let args = ["--url", &url, "--model", "mock", "--request-count", "500", "--concurrency", "2", "--failed-request-threshold", "0.1"]
        .map(str::to_owned);
    let output =
        tokio::task::spawn_blocking(move || profile(&args.iter().map(String::as_str).collect::<Vec<_>>(), &run_dir)).await.unwrap();
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("profile_export_aiperf.json")).unwrap()).unwrap();
    let failed = summary["error_request_count"]["avg"].as_f64().unwrap();
    assert!((10.0..500.0).contains(&failed), "armed after 10, stopped well before 500: {failed}");
    assert_eq!((summary["failed_request_threshold_exceeded"].as_bool(), summary["is_complete"].as_bool()), (Some(true), Some(false)));
    let records = std::fs::read_to_string(dir.join("profile_export.jsonl")).unwrap().lines().count();
    assert_eq!(records as f64, failed, "requests in flight finished and were recorded");
    std::fs::remove_dir_all(dir).unwrap();
    server.shutdown().await;
}
