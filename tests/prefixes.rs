//! Shared prefixes of synthetic prompts (`--num-prefix-prompts`, `--prefix-prompt-length`,
//! `--shared-system-prompt-length`, `--user-context-prompt-length`), as the mock server on
//! 127.0.0.1 received them: prompts built so the server can reuse exactly the intended prefix.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{dir, json};
use serde_json::Value;

/// The messages of each request the server received.
fn received(server: &aiperf_mock_server::MockServer) -> Vec<Vec<Value>> {
    let bodies = server.received();
    bodies.iter().map(|b| serde_json::from_slice::<Value>(b).unwrap()["messages"].as_array().unwrap().clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_starts_with_a_pool_prefix_or_the_shared_system_prompt() {
    let server = common::mock_server(Duration::from_millis(1), 2, 1).await;
    let out = dir("prefixes", "pool");
    let args = ["--request-count", "12", "--num-dataset-entries", "12", "--isl", "64", "--prefix-prompt-length", "200"];
    common::profile_against(&server, &[&args[..], &["--num-prefix-prompts", "2"]].concat(), &out).await;
    let starts: HashSet<String> = received(&server).iter().map(|m| m[0]["content"].as_str().unwrap()[..300].to_owned()).collect();
    assert_eq!(starts.len(), 2, "12 prompts, 2 prefixes of 200 tokens (about 800 characters) shared between them");
    let summary = json(&out.join("profile_export_aiperf.json"));
    assert_eq!(summary["input_config"]["datasets"][0]["prefix_prompts"], serde_json::json!({ "pool_size": 2, "length": 200 }));
    assert_eq!(summary["input_sequence_length"]["avg"], 264.0, "the prefix comes on top of --isl, exactly");
    server.shutdown().await;

    let server = common::mock_server(Duration::from_millis(1), 2, 1).await;
    let args = ["--request-count", "6", "--isl", "32", "--shared-system-prompt-length", "100", "--user-context-prompt-length", "20"];
    common::profile_against(&server, &args, &out).await;
    let requests = received(&server);
    let systems: HashSet<&str> = requests.iter().map(|m| m[0]["content"].as_str().unwrap()).collect();
    let contexts: HashSet<&str> = requests.iter().map(|m| m[1]["content"].as_str().unwrap()).collect();
    assert!(requests.iter().all(|m| m.len() == 3 && m[0]["role"] == "system" && m[1]["role"] == "user"), "{requests:?}");
    assert_eq!((systems.len(), contexts.len()), (1, 6), "one system prompt for all, a context for each");
    let inputs = json(&out.join("inputs.json"));
    assert_eq!(inputs["data"][0]["payloads"][0]["messages"][0]["role"], "system", "inputs.json shows the prompts as sent");
    assert_eq!(json(&out.join("profile_export_aiperf.json"))["input_sequence_length"]["avg"], 152.0);
    server.shutdown().await;
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn prefixes_that_cannot_apply_are_refused_by_name() {
    let out = dir("prefixes", "refused");
    for (args, said) in [
        (&["--num-prefix-prompts", "3"][..], "--prefix-prompt-length"),
        (&["--endpoint-type", "completions", "--shared-system-prompt-length", "10"][..], "messages"),
        (&["--num-prefix-prompts", "3", "--prefix-prompt-length", "9", "--user-context-prompt-length", "4"][..], "choose one"),
    ] {
        let output = common::profile(&[&["--request-count", "1"][..], args].concat(), &out);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && stderr.contains(said), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(out);
}
