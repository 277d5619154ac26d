//! The custom build, run as its users run it: the plugin set is active, the new endpoint name is
//! benchmarked end to end against `aiperf-mock-server` (which serves TGI's native API) on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aiperf_mock_server::{MockConfig, MockServer};
use serde_json::Value;

fn aiperf(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_acme-aiperf")).args(args).output().expect("the custom build runs")
}

fn stdout(args: &[&str]) -> String {
    let output = aiperf(args);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{args:?}: {}\n{text}", String::from_utf8_lossy(&output.stderr));
    text
}

#[test]
fn the_third_party_chat_is_active_above_the_optimized_one_and_the_builtin() {
    let out = stdout(&["plugins", "endpoint", "chat"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("FixedLengthChatEndpoint [PLUGIN] ← ACTIVE  plugin acme (acme-aiperf-plugin 0.3.0)"), "{out}");
    assert!(lines[0].contains("priority 10"), "{out}");
    assert!(lines[1].starts_with("OptimizedChatEndpoint [PLUGIN]  ") && lines[1].contains("(aiperf-nvidia-optimized 0.1.0)"), "{out}");
    assert!(lines[2].starts_with("ChatEndpoint  ") && lines[2].contains("builtin (aiperf-endpoints 0.1.0)"), "{out}");
}

#[test]
fn the_overview_and_validation_cover_every_crate() {
    let out = stdout(&["plugins"]);
    assert!(out.starts_with("endpoint        chat, completions, embeddings, rankings, tgi_generate\n"), "{out}");
    assert!(out.contains("exporter        console, csv, json, markdown\n"), "the plugin's exporter too: {out}");
    assert!(out.contains("dataset_loader  single_turn, text_lines\n"), "and its dataset format: {out}");
    for krate in ["aiperf-endpoints 0.1.0", "aiperf-transports 0.1.0", "acme-aiperf-plugin 0.3.0", "aiperf-nvidia-optimized 0.1.0"] {
        assert!(out.contains(krate), "{krate}: {out}");
    }
    let out = stdout(&["plugins", "validate"]);
    let row = |category: &str, name: &str| out.lines().any(|l| l.split_whitespace().take(2).eq([category, name]) && l.ends_with("ok"));
    assert!(row("endpoint", "tgi_generate") && row("exporter", "markdown") && row("dataset_loader", "text_lines"), "{out}");
    assert!(out.ends_with("implementations checked, all valid\n"), "{out}");
}

fn profile(url: &str, dir: &Path, extra: &[&str]) -> Value {
    let dir_arg = dir.display().to_string();
    let mut args = vec!["profile", "--url", url, "--model", "mock", "--request-count", "8", "--concurrency", "2", "--osl", "5"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--output-artifact-dir", &dir_arg, "--ui", "none"]);
    stdout(&args);
    serde_json::from_slice(&std::fs::read(dir.join("profile_export_aiperf.json")).unwrap()).unwrap()
}

fn artifact_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("custom-aiperf-{name}-{}", std::process::id()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_endpoint_name_is_benchmarked_end_to_end() {
    let mut config = MockConfig::default();
    config.engine.time_to_first_token = std::time::Duration::from_millis(5);
    config.engine.inter_token_latency = std::time::Duration::from_millis(1);
    let server = MockServer::start(config).await.unwrap();
    let url = server.url();
    for streaming in [true, false] {
        let dir = artifact_dir(if streaming { "stream" } else { "whole" });
        let mut extra = vec!["--endpoint-type", "tgi_generate"];
        if streaming {
            extra.push("--streaming");
        }
        let url = url.clone();
        let report = tokio::task::spawn_blocking(move || {
            let report = profile(&url, &dir, &extra);
            // The plugin's exporter ran beside the builtins.
            let markdown = std::fs::read_to_string(dir.join("profile_export_aiperf.md")).unwrap();
            assert!(markdown.contains("| Request Latency | ms |"), "{markdown}");
            std::fs::remove_dir_all(&dir).unwrap();
            report
        })
        .await
        .unwrap();
        let case = format!("streaming={streaming}");
        assert_eq!(report["input_config"]["endpoint"]["type"], "tgi_generate", "{case}");
        assert_eq!(report["request_count"]["avg"], 8.0, "{case}: {report}");
        assert_eq!(report["completed_request_count"]["avg"], 8.0, "{case}");
        assert!(report.get("error_request_count").is_none(), "{case}: no errors, no error row (AIPerf's layout)");
        assert_eq!(report["usage_completion_tokens"]["avg"], 5.0, "{case}: the server's own count, from details");
        // Output length is counted with the client's tokenizer (AIPerf's default), not the server's.
        assert!(report["output_sequence_length"]["avg"].as_f64().unwrap() >= 5.0, "{case}");
        assert_eq!(report.get("time_to_first_token").is_some(), streaming, "{case}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugins_dataset_format_is_read_and_sent() {
    let server = MockServer::start(MockConfig::default()).await.unwrap();
    let url = server.url();
    let dir = artifact_dir("text-lines");
    let prompts = std::env::temp_dir().join(format!("custom-aiperf-prompts-{}.txt", std::process::id()));
    std::fs::write(&prompts, "what is a GPU\n\nexplain prefill and decode\n").unwrap();
    let input = prompts.display().to_string();
    let report = tokio::task::spawn_blocking(move || {
        let report = profile(&url, &dir, &["--input-file", &input, "--custom-dataset-type", "text_lines"]);
        let inputs = std::fs::read_to_string(dir.join("inputs.json")).unwrap();
        assert!(inputs.contains("explain prefill and decode") && inputs.matches("session_id").count() == 2, "{inputs}");
        std::fs::remove_dir_all(&dir).unwrap();
        report
    })
    .await
    .unwrap();
    std::fs::remove_file(&prompts).unwrap();
    assert_eq!(report["input_config"]["datasets"][0]["custom_dataset_type"], "text_lines", "{report}");
    assert_eq!(report["request_count"]["avg"], 8.0, "{report}");
    server.shutdown().await;
}
