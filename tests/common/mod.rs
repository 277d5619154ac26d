//! What the end-to-end tests of datasets, replay, sessions and sweeps share: a fresh directory,
//! `aiperf profile` on the embedded engine or against a mock server, and reading the exports back.
//! Each test file uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use aiperf::transports::InEngineSettings;
use aiperf_mock_server::{MockConfig, MockServer};
use serde_json::Value;

/// An empty directory for test `name` of the file `suite`, in the system's temporary directory.
pub fn dir(suite: &str, name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-{suite}-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `aiperf profile` with `args` and a quiet progress display, its exports in `out`: the embedded
/// engine (1 ms to first token, no delay between tokens) unless `args` give a `--url`.
pub fn profile(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .arg("profile")
        .args(args)
        .args(["--ui", "none", "--engine-ttft-ms", "1", "--engine-itl-ms", "0", "--output-artifact-dir"])
        .arg(out)
        .output()
        .expect("the aiperf binary runs")
}

/// [`profile`] against `server` (model `mock`), off the async runtime; it must succeed. Returns
/// what it printed.
pub async fn profile_against(server: &MockServer, args: &[&str], out: &Path) -> String {
    let mut args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    args.extend(["--url".to_owned(), server.url(), "--model".to_owned(), "mock".to_owned()]);
    let out = out.to_owned();
    let output = tokio::task::spawn_blocking(move || profile(&args.iter().map(String::as_str).collect::<Vec<_>>(), &out)).await.unwrap();
    ok(&output)
}

/// Asserts `output` succeeded; returns its stdout.
pub fn ok(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A mock server whose engine answers `output_tokens` tokens after `ttft`, with no delay between
/// them.
pub async fn mock_server(ttft: Duration, output_tokens: u32, seed: u64) -> MockServer {
    let engine = InEngineSettings { time_to_first_token: ttft, inter_token_latency: Duration::ZERO, output_tokens, seed };
    MockServer::start(MockConfig { engine, ..MockConfig::default() }).await.unwrap()
}

/// The records of `profile_export.jsonl` in `out`.
pub fn records(out: &Path) -> Vec<Value> {
    let jsonl = std::fs::read_to_string(out.join("profile_export.jsonl")).unwrap();
    jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A JSON export.
pub fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// Worker `index` of `count` sharing one benchmark on the embedded engine, as a pod of a
/// Kubernetes Indexed Job runs it (`JOB_COMPLETION_INDEX`, `JOB_COMPLETIONS`), its results at
/// the URL `results`, its own exports under `out`; `extra` adds flags. Not yet started.
pub fn worker(index: u32, count: u32, results: &str, out: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aiperf"));
    command
        .arg("profile")
        .args(["--streaming", "--isl", "32", "--osl", "8", "--random-seed", "11", "--ui", "none"])
        .args(["--engine-ttft-ms", "1", "--engine-itl-ms", "0", "--workers", &count.to_string(), "--results", results])
        .arg("--output-artifact-dir")
        .arg(out)
        .args(extra)
        .env("JOB_COMPLETION_INDEX", index.to_string())
        .env("JOB_COMPLETIONS", count.to_string())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    command
}

/// `aiperf merge FROM --output-artifact-dir OUT`.
pub fn merge(from: &str, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aiperf")).args(["merge", from, "--output-artifact-dir"]).arg(out).output().expect("aiperf runs")
}

/// Every file under `dir`, recursively.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}
