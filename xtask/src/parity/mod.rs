//! `cargo xtask parity`: AIPerf 0.13.0 (installed from PyPI into a virtual environment) and aiperf,
//! run one after the other with the same flags against aiperf's mock server, each against a fresh
//! server, and every key of their `profile_export_aiperf.json` side by side, judged by the
//! tolerances of `docs/parity.md` ([`rules`]). The report goes to `target/parity/report.md`; the
//! command fails when a value is outside its tolerance or a key is on one side only.
//!
//! Both tools send the same prompts (written by aiperf, from its own corpus) in every scenario but
//! one, so that token and byte counts must agree exactly; the last runs each tool's own synthetic
//! prompts of the same length.

mod python;
mod rules;
mod server;
mod table;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rules::{Pacing, Setting};

use crate::compare::{cargo, load::MockServer};

/// One load both tools run.
struct Scenario {
    name: &'static str,
    /// Flags after the common ones.
    args: &'static [&'static str],
    /// Both send the prompts of `prompts.jsonl` (else each its own synthetic ones).
    same_prompts: bool,
    pacing: Pacing,
    /// Both scrape the server's `/metrics` (AIPerf's default), and their server-metrics files are
    /// compared too; otherwise AIPerf is told `--no-server-metrics`.
    server_metrics: bool,
}

const SCENARIOS: [Scenario; 5] = [
    Scenario {
        name: "streaming",
        args: &["--streaming", "--concurrency", "4", "--request-count", "100", "--server-metrics-formats", "json,csv,parquet"],
        same_prompts: true,
        pacing: Pacing::Concurrency,
        server_metrics: true,
    },
    Scenario {
        name: "non-streaming",
        args: &["--concurrency", "4", "--request-count", "100"],
        same_prompts: true,
        pacing: Pacing::Concurrency,
        server_metrics: false,
    },
    Scenario {
        name: "constant-rate",
        args: &["--streaming", "--request-rate", "20", "--arrival-pattern", "constant", "--request-count", "60"],
        same_prompts: true,
        pacing: Pacing::ConstantRate,
        server_metrics: false,
    },
    Scenario {
        name: "server-token-count",
        args: &["--streaming", "--use-server-token-count", "--concurrency", "4", "--request-count", "100"],
        same_prompts: true,
        pacing: Pacing::Concurrency,
        server_metrics: false,
    },
    Scenario {
        name: "synthetic",
        args: &["--streaming", "--concurrency", "4", "--request-count", "100", "--isl", "128"],
        same_prompts: false,
        pacing: Pacing::Concurrency,
        server_metrics: false,
    },
];

/// How long one tool may take for one scenario.
const TIMEOUT: Duration = Duration::from_secs(180);

/// Parses the arguments after `parity` (none).
pub fn parse(args: &[String]) -> Result<(), String> {
    match args.first() {
        None => Ok(()),
        Some(other) => Err(format!("unknown argument {other}: `cargo xtask parity` takes none")),
    }
}

/// Runs every scenario with both tools and writes the report.
pub fn run() -> Result<(), String> {
    let root = crate::compare::root();
    let out = cargo::target_dir(&root)?.join("parity");
    std::fs::create_dir_all(out.join("bin")).map_err(|e| format!("{}: {e}", out.display()))?;
    let mock = cargo::tools(&root, &out, cargo::Profile::Dev)?.mock_server;
    let ours = cargo::aiperf(&root, &out, cargo::Profile::Dev, "default")?;
    let venv = out.join("venv");
    let theirs = python::environment(&venv, &root.join("xtask/parity-requirements.txt"))?;
    let tiktoken = python::tiktoken_cache(&root, &out.join("tiktoken"), &venv)?;
    let prompts = prompts(&ours, &out)?;
    let mut report = format!("# `cargo xtask parity`: {} and aiperf\n\nTolerances: docs/parity.md.\n", python::AIPERF);
    let mut failures = Vec::new();
    for scenario in &SCENARIOS {
        let mut args: Vec<String> =
            ["--model", "mock", "--endpoint-type", "chat", "--tokenizer", "builtin", "--random-seed", "1", "--osl", "32", "--ui", "none"]
                .iter()
                .chain(scenario.args)
                .map(|s| (*s).to_owned())
                .collect();
        if scenario.same_prompts {
            args.extend([
                "--input-file".to_owned(),
                prompts.display().to_string(),
                "--custom-dataset-type".to_owned(),
                "single_turn".to_owned(),
            ]);
        }
        let dir = out.join("runs").join(scenario.name);
        let _ = std::fs::remove_dir_all(&dir);
        // AIPerf's own flags: no GPU telemetry to look for (nothing but the mock server is
        // reached), and its server metrics only where they are compared.
        let mut aiperf_args = [&args[..], &["--no-gpu-telemetry".to_owned()]].concat();
        if !scenario.server_metrics {
            aiperf_args.push("--no-server-metrics".to_owned());
        }
        let (their_export, their_time) =
            profile(&theirs, &mock, &aiperf_args, &dir.join("aiperf-0.13"), &[("TIKTOKEN_CACHE_DIR", &tiktoken)])?;
        let (our_export, our_time) = profile(&ours, &mock, &args, &dir.join("aiperf"), &[])?;
        let setting =
            Setting { streaming: scenario.args.contains(&"--streaming"), same_prompts: scenario.same_prompts, pacing: scenario.pacing };
        let mut lines = table::compare(&their_export, &our_export, setting);
        if scenario.server_metrics {
            lines.extend(server_metrics(&dir, &venv)?);
        }
        let failed: Vec<&table::Line> = lines.iter().filter(|l| !l.ok).collect();
        println!(
            "{:<20} {:>4} lines, {:>2} outside their tolerance (AIPerf {:.1} s, aiperf {:.1} s)",
            scenario.name,
            lines.len(),
            failed.len(),
            their_time,
            our_time
        );
        for line in &failed {
            println!("    {:<48} AIPerf {:<20} aiperf {:<20} ({})", line.name, line.theirs, line.ours, line.family);
            failures.push(format!("{}: {}", scenario.name, line.name));
        }
        report.push_str(&format!("\n## {}\n\n`{}`\n\n", scenario.name, args.join(" ")));
        report.push_str(&table::markdown(&lines));
    }
    let path = out.join("report.md");
    std::fs::write(&path, report).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("report: {}", path.display());
    if failures.is_empty() { Ok(()) } else { Err(format!("{} values outside their tolerance: {}", failures.len(), failures.join(", "))) }
}

/// The lines comparing the two tools' server-metrics files of the run in `dir`; their Parquet
/// files are read by the pyarrow of the environment in `venv`.
fn server_metrics(dir: &Path, venv: &Path) -> Result<Vec<table::Line>, String> {
    let file = |tool: &str, name: &str| dir.join(tool).join("artifacts").join(name);
    let json = |tool: &str| read_json(&file(tool, "server_metrics_export.json"));
    let csv = |tool: &str| {
        std::fs::read_to_string(file(tool, "server_metrics_export.csv")).map_err(|e| format!("{tool}'s server metrics CSV: {e}"))
    };
    let mut lines = server::compare(&json("aiperf-0.13")?, &json("aiperf")?);
    lines.push(server::compare_csv(&csv("aiperf-0.13")?, &csv("aiperf")?));
    let parquet = |tool: &str| file(tool, "server_metrics_export.parquet");
    let output = Command::new(venv.join("bin/python"))
        .arg("-c")
        .arg(server::PARQUET_SUMMARY)
        .arg(parquet("aiperf-0.13"))
        .arg(parquet("aiperf"))
        .output()
        .map_err(|e| format!("cannot run pyarrow: {e}"))?;
    if !output.status.success() {
        return Err(format!("pyarrow could not read the Parquet files: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let read: serde_json::Value = serde_json::from_slice(&output.stdout).map_err(|e| format!("pyarrow's summary: {e}"))?;
    lines.extend(server::compare_parquet(&read[0], &read[1]));
    Ok(lines)
}

/// 100 prompts of 128 tokens from aiperf's corpus, as AIPerf's `single_turn` lines.
fn prompts(ours: &Path, out: &Path) -> Result<PathBuf, String> {
    let dir = out.join("prompts");
    let mut command = Command::new(ours);
    command.args([
        "profile",
        "--request-count",
        "100",
        "--isl",
        "128",
        "--random-seed",
        "7",
        "--engine-ttft-ms",
        "0",
        "--engine-itl-ms",
        "0",
        "--ui",
        "none",
    ]);
    command.arg("--output-artifact-dir").arg(&dir).stdout(Stdio::null());
    let status = command.status().map_err(|e| format!("{}: {e}", ours.display()))?;
    if !status.success() {
        return Err(format!("aiperf could not write the prompts ({status})"));
    }
    let inputs = read_json(&dir.join("inputs.json"))?;
    let lines: Vec<String> = inputs["data"]
        .as_array()
        .ok_or("inputs.json has no data")?
        .iter()
        .filter_map(|entry| entry["payloads"][0]["messages"][0]["content"].as_str())
        .map(|text| serde_json::json!({ "text": text }).to_string())
        .collect();
    let path = out.join("prompts.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// Runs `binary profile` with `args` against a fresh mock server; returns its JSON export and how
/// long it took.
fn profile(binary: &Path, mock: &Path, args: &[String], dir: &Path, env: &[(&str, &Path)]) -> Result<(serde_json::Value, f64), String> {
    let server = MockServer::start_with(mock, &[])?;
    // A temporary directory of its own (AIPerf leaves folders behind), with a short path: AIPerf's
    // processes talk over Unix sockets there, whose paths are at most 107 bytes.
    let tmp = std::env::temp_dir().join(format!("aiperf-parity-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let log = std::fs::File::create(dir.join("output.log")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut command = Command::new(binary);
    command.arg("profile").args(args).args(["--url", &server.url]).arg("--output-artifact-dir").arg(dir.join("artifacts"));
    command.env("TMPDIR", &tmp).env("HF_HUB_OFFLINE", "1").stdin(Stdio::null());
    command.stdout(log.try_clone().map_err(|e| e.to_string())?).stderr(log);
    for (key, value) in env {
        command.env(key, value);
    }
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{} took more than {TIMEOUT:?}; its output is in {}", binary.display(), dir.join("output.log").display()));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&tmp);
    if !status.success() {
        return Err(format!("{} failed ({status}); its output is in {}", binary.display(), dir.join("output.log").display()));
    }
    Ok((read_json(&dir.join("artifacts/profile_export_aiperf.json"))?, seconds))
}

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
