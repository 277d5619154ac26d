//! Multi-turn sessions end to end against `aiperf-mock-server` on 127.0.0.1: each turn carries
//! the conversation so far with the server's live replies (read back from the server's own log of
//! what it received), turns of a session go in order after their delays, and each record names
//! its session and turn.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiperf_mock_server::MockServer;
use serde_json::Value;

mod common;

async fn run(server: &MockServer, file: &Path, dir: &Path, extra: &[&str]) {
    let file = file.display().to_string();
    common::profile_against(server, &[&["--input-file", &file][..], extra].concat(), dir).await;
}

fn records(dir: &Path) -> Vec<Value> {
    common::records(dir)
}

fn dir(name: &str) -> PathBuf {
    common::dir("sessions", name)
}

async fn server() -> MockServer {
    common::mock_server(Duration::from_millis(1), 4, 3).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_turn_sessions_carry_their_history_with_the_live_replies() {
    let server = server().await;
    let dir = dir("multi");
    let file = dir.join("chats.jsonl");
    let session = |id: &str| {
        format!(
            r#"{{"session_id": "{id}", "turns": [{{"text": "Be brief.", "role": "system"}}, {{"text": "{id} one"}}, {{"text": "{id} two", "delay": 60}}, {{"text": "{id} three"}}]}}"#
        )
    };
    std::fs::write(&file, ["alpha", "beta", "gamma"].map(session).join("\n")).unwrap();
    let out = dir.join("artifacts");
    // One session at a time: with three in flight and the count at nine turns, a session that
    // ends while another's first request is slow starts a fourth session, which may take the
    // turns the slow one had left (the count counts turns): a race, not what this test is about.
    run(&server, &file, &out, &["--custom-dataset-type", "multi_turn", "--concurrency", "1", "--request-count", "9", "--streaming"]).await;
    let records = records(&out);
    assert_eq!(records.len(), 9, "three sessions of three turns (the system turn is hoisted)");
    for id in ["alpha", "beta", "gamma"] {
        let mut turns: Vec<&Value> = records.iter().filter(|r| r["metadata"]["conversation_id"] == id).collect();
        turns.sort_by_key(|r| r["metadata"]["turn_index"].as_u64());
        let indices: Vec<u64> = turns.iter().map(|r| r["metadata"]["turn_index"].as_u64().unwrap()).collect();
        assert_eq!(indices, [0, 1, 2], "{id}");
        let end = |r: &Value| r["metadata"]["request_end_ns"].as_u64().unwrap();
        let start = |r: &Value| r["metadata"]["request_start_ns"].as_u64().unwrap();
        assert!(start(turns[1]) >= end(turns[0]) + 60_000_000, "{id}: turn 1 waits its 60 ms delay after turn 0 ended");
        assert!(start(turns[2]) >= end(turns[1]), "{id}: turns go one after another");
        let isl = |r: &Value| r["metrics"]["input_sequence_length"]["value"].as_f64().unwrap();
        assert!(isl(turns[2]) > isl(turns[1]) && isl(turns[1]) > isl(turns[0]), "{id}: the history grows");
    }
    // What the server received for the last turn of each session: the whole conversation.
    let received: Vec<Value> = server.received().iter().map(|b| serde_json::from_slice(b).unwrap()).collect();
    assert_eq!(received.len(), 9);
    for id in ["alpha", "beta", "gamma"] {
        let last =
            received.iter().find(|body| body["messages"].as_array().unwrap().last().unwrap()["content"] == format!("{id} three")).unwrap();
        let messages = last["messages"].as_array().unwrap();
        let roles: Vec<&str> = messages.iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["system", "user", "assistant", "user", "assistant", "user"], "{id}: {last}");
        assert_eq!(
            (messages[1]["content"].as_str(), messages[3]["content"].as_str()),
            (Some(&*format!("{id} one")), Some(&*format!("{id} two")))
        );
        for reply in [&messages[2], &messages[4]] {
            assert!(!reply["content"].as_str().unwrap().is_empty(), "the server's own reply: {last}");
        }
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_turn_lines_sharing_a_session_go_in_order_each_on_its_own() {
    let server = server().await;
    let dir = dir("single");
    let file = dir.join("lines.jsonl");
    let lines =
        [r#"{"session_id": "s", "text": "first"}"#, r#"{"text": "alone"}"#, r#"{"session_id": "s", "text": "second", "delay": 20}"#];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = dir.join("artifacts");
    run(&server, &file, &out, &["--request-count", "3"]).await;
    let records = records(&out);
    let tagged: Vec<(String, u64)> = records
        .iter()
        .map(|r| (r["metadata"]["conversation_id"].as_str().unwrap().to_owned(), r["metadata"]["turn_index"].as_u64().unwrap()))
        .collect();
    assert_eq!(tagged, [("s".to_owned(), 0), ("s".to_owned(), 1), ("session_1".to_owned(), 0)]);
    let received: Vec<Value> = server.received().iter().map(|b| serde_json::from_slice(b).unwrap()).collect();
    let sent: Vec<usize> = received.iter().map(|body| body["messages"].as_array().unwrap().len()).collect();
    assert_eq!(sent, [1, 1, 1], "no history: each line alone");
    server.shutdown().await;
}
