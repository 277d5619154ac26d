//! Request ids end to end: `aiperf profile` sends an `x-request-id` per request, and keeps in each
//! `profile_export.jsonl` record the server's response id and the `x-request-id` it echoed, so a
//! record can be matched with the server's logs. Against `aiperf-mock-server` on 127.0.0.1.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use aiperf::transports::InEngineSettings;
use aiperf_mock_server::{MockConfig, MockServer};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_keep_the_servers_ids_for_successes_and_failures() {
    let engine =
        InEngineSettings { time_to_first_token: Duration::from_millis(1), inter_token_latency: Duration::ZERO, output_tokens: 3, seed: 5 };
    let server = MockServer::start(MockConfig { engine, error_rate: 0.3, ..MockConfig::default() }).await.unwrap();
    let dir: PathBuf = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-request-ids-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for streaming in [true, false] {
        let mut args = vec!["profile", "--model", "mock", "--request-count", "30", "--concurrency", "3", "--isl", "8", "--ui", "none"];
        args.extend(streaming.then_some("--streaming"));
        let (url, out) = (server.url(), dir.join(if streaming { "stream" } else { "whole" }));
        let output = tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_aiperf")).args(args).args(["--url", &url, "--output-artifact-dir"]).arg(&out).output().unwrap()
        })
        .await
        .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let jsonl = std::fs::read_to_string(dir.join(if streaming { "stream" } else { "whole" }).join("profile_export.jsonl")).unwrap();
        let records: Vec<Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records.len(), 30);
        let (mut ok, mut failed) = (0, 0);
        for record in &records {
            let metadata = &record["metadata"];
            assert_eq!(metadata["server_request_id"], metadata["x_request_id"], "the server echoed our id: {record}");
            if record.get("error").is_some() {
                failed += 1;
            } else {
                ok += 1;
                let id = metadata["response_id"].as_str().unwrap_or_else(|| panic!("a response id: {record}"));
                assert!(id.starts_with("chatcmpl-"), "{id}");
            }
        }
        assert!(ok > 0 && failed > 0, "both kinds were recorded: {ok} ok, {failed} failed");
    }
    let _ = std::fs::remove_dir_all(&dir);
    server.shutdown().await;
}
