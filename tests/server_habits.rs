//! Habits of real servers that no mock of ours has, against the `aiperf` binary on 127.0.0.1:
//! a server that closes every connection after a streamed response while its headers advertise
//! keep-alive (llama.cpp's `llama-server`: its own bytes, captured, are replayed), and streams that
//! end without `data: [DONE]`; and each connection reuse strategy, seen from the server's side
//! (which connection each request came on).
//!
//! The server here is a few lines of raw HTTP/1.1 over a socket, written for these tests: it shares
//! no code with aiperf's transports or its mock server.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What llama.cpp's `llama-server` (b11434) sent for a streamed chat request, byte for byte: its
/// headers say `Keep-Alive: timeout=5, max=100`, and it closed the connection right after the
/// last chunk (`aiperf-endpoints/fixtures/llama-server/README.md` says how it was captured).
const LLAMA_SERVER_STREAM: &[u8] = include_bytes!("../aiperf-endpoints/fixtures/llama-server/raw_stream_only.1.response.raw");

/// How the test server ends each streamed response.
#[derive(Clone, Copy)]
struct Habits {
    /// Close the connection after each response (its headers still say keep-alive).
    close_after_response: bool,
    /// Send `data: [DONE]` after the last event.
    done_marker: bool,
    /// Send these bytes (a whole response, headers included) instead of building one.
    replay: Option<&'static [u8]>,
    /// Send the whole response in one write (events that arrive together) instead of one write
    /// an event, a millisecond apart.
    together: bool,
}

/// The `X-Request-ID` of each request the server read, with the number of the connection it came
/// on (in the order connections were accepted).
type Seen = Arc<Mutex<Vec<(usize, String)>>>;

/// A server of chat completions streams with `habits`: every request gets three content events and
/// a finish event, each its own HTTP chunk. Counts the connections it accepted, and notes which
/// connection each request came on.
async fn serve(habits: Habits) -> (String, Arc<AtomicUsize>, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let seen = Seen::default();
    let (counter, noted) = (Arc::clone(&accepted), Arc::clone(&seen));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let number = counter.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(connection(socket, habits, number, Arc::clone(&noted)));
        }
    });
    (url, accepted, seen)
}

/// Answers the requests of one connection until the client closes it (or, closing after each
/// response, after the first).
async fn connection(mut socket: TcpStream, habits: Habits, number: usize, seen: Seen) {
    let mut buffer = Vec::new();
    loop {
        let Some(request_end) = read_request(&mut socket, &mut buffer).await else { return };
        let head = String::from_utf8_lossy(&buffer[..request_end]).to_ascii_lowercase();
        let id = head.lines().find_map(|line| line.strip_prefix("x-request-id:")).unwrap_or_default().trim().to_owned();
        seen.lock().unwrap().push((number, id));
        buffer.drain(..request_end);
        if let Some(response) = habits.replay {
            // In a few writes, as the server sent it, then closed.
            for piece in response.chunks(response.len() / 4 + 1) {
                if socket.write_all(piece).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            if habits.close_after_response {
                return;
            }
            continue;
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\
                    Connection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\n\r\n";
        if !habits.together && socket.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let mut response = head.as_bytes().to_vec();
        let mut events: Vec<String> = ["Hello", " from", " llama"]
            .iter()
            .map(|text| format!(r#"data: {{"choices":[{{"index":0,"delta":{{"content":"{text}"}},"finish_reason":null}}]}}"#))
            .collect();
        events.push(r#"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#.to_owned());
        if habits.done_marker {
            events.push("data: [DONE]".to_owned());
        }
        for event in events {
            let event = format!("{event}\n\n");
            let chunk = format!("{:x}\r\n{event}\r\n", event.len());
            if habits.together {
                response.extend_from_slice(chunk.as_bytes());
                continue;
            }
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        response.extend_from_slice(b"0\r\n\r\n");
        let rest = if habits.together { &response[..] } else { b"0\r\n\r\n" };
        if socket.write_all(rest).await.is_err() || habits.close_after_response {
            return;
        }
    }
}

/// Reads one request (headers and a `Content-Length` body) into `buffer`; returns where it ends,
/// or `None` when the client closed the connection.
async fn read_request(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<usize> {
    let mut read = [0u8; 4096];
    loop {
        if let Some(head_end) = buffer.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 4) {
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
            let length: usize =
                head.lines().find_map(|line| line.strip_prefix("content-length:")).map_or(0, |value| value.trim().parse().unwrap_or(0));
            if buffer.len() >= head_end + length {
                return Some(head_end + length);
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(30), socket.read(&mut read)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&read[..n]);
    }
}

/// `aiperf profile` of `requests` streamed chat requests at concurrency 4 against `url`, with
/// `extra` flags; returns the records.
async fn profile(url: &str, requests: usize, extra: &[&str], name: &str) -> Vec<serde_json::Value> {
    let out = common::dir("habits", name);
    let count = requests.to_string();
    let mut args = vec!["--url", url, "--model", "llama", "--streaming", "--concurrency", "4", "--request-count", &count, "--isl", "8"];
    // The connections counted are the request path's: no `/metrics` scrapes among them.
    args.push("--no-server-metrics");
    args.extend_from_slice(extra);
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let dir = out.clone();
    let output =
        tokio::task::spawn_blocking(move || common::profile(&args.iter().map(String::as_str).collect::<Vec<_>>(), &dir)).await.unwrap();
    common::ok(&output);
    let records = common::records(&out);
    std::fs::remove_dir_all(&out).unwrap();
    assert_eq!(records.len(), requests);
    records
}

/// The records that failed, as their error messages.
fn failures(records: &[serde_json::Value]) -> Vec<String> {
    records.iter().filter(|r| !r["error"].is_null()).map(|r| r["error"].to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_closes_after_each_response_loses_no_request() {
    // llama-server's own bytes: eight content events of one token each, usage, [DONE], then close.
    let (url, accepted, _) =
        serve(Habits { close_after_response: true, done_marker: true, replay: Some(LLAMA_SERVER_STREAM), together: false }).await;
    let records = profile(&url, 60, &[], "closes").await;
    assert_eq!(failures(&records), Vec::<String>::new());
    for record in &records {
        assert_eq!(record["metrics"]["usage_completion_tokens"]["value"].as_f64(), Some(8.0), "{record}");
        assert_eq!(record["metadata"]["response_id"], "chatcmpl-q9s7Jc0r5VR4cCXjItqDDGa983GxS5LT", "{record}");
        // Its own clock, `timings` on the last chunk: 0.482 ms on the prompt, 0.483 generating.
        let metric = |key: &str| record["metrics"][key]["value"].as_f64().unwrap_or_else(|| panic!("no {key} in {record}"));
        assert_eq!((metric("server_prefill_time"), metric("server_decode_time")), (0.482, 0.483), "{record}");
        let overhead = metric("time_to_first_token") - 0.482;
        assert!((metric("ttft_minus_server_prefill") - overhead).abs() < 1e-9, "{record}");
        let overhead = metric("request_latency") - 0.482 - 0.483;
        assert!((metric("request_latency_minus_server_time") - overhead).abs() < 1e-9, "{record}");
    }
    assert!(accepted.load(Ordering::Relaxed) >= 60, "every request had a connection of its own");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_reusing_opens_a_connection_per_request() {
    let (url, accepted, _) = serve(Habits { close_after_response: false, done_marker: true, replay: None, together: false }).await;
    let records = profile(&url, 24, &["--connection-reuse-strategy", "never"], "never").await;
    assert_eq!(failures(&records), Vec::<String>::new());
    assert_eq!(accepted.load(Ordering::Relaxed), 24);
    for record in &records {
        assert_eq!(record["metrics"]["http_req_connection_reused"]["value"].as_f64(), Some(0.0), "{record}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pooled_connections_are_reused_by_a_server_that_keeps_them() {
    let (url, accepted, _) = serve(Habits { close_after_response: false, done_marker: true, replay: None, together: false }).await;
    let records = profile(&url, 24, &[], "pooled").await;
    assert_eq!(failures(&records), Vec::<String>::new());
    // Four workers, each keeping its connection: at most a few opened, never one per request.
    let opened = accepted.load(Ordering::Relaxed);
    assert!((1..=8).contains(&opened), "{opened} connections for 24 requests at concurrency 4");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_that_end_without_done_are_successes() {
    let (url, _, _) = serve(Habits { close_after_response: true, done_marker: false, replay: None, together: false }).await;
    let records = profile(&url, 12, &[], "no-done").await;
    assert_eq!(failures(&records), Vec::<String>::new());
    for record in &records {
        assert_eq!(record["metrics"]["output_sequence_length"]["value"].as_f64(), Some(3.0), "{record}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sticky_user_sessions_keep_each_session_on_a_connection_of_its_own() {
    let (url, accepted, seen) = serve(Habits { close_after_response: false, done_marker: true, replay: None, together: false }).await;
    let file = sessions_file("sticky-input");
    let flags = sticky_flags(&file);
    // Four sessions in flight, 18 turns: six sessions or a few more (the last ones cut short).
    let records = profile(&url, 18, &flags, "sticky").await;
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    assert_eq!(failures(&records), Vec::<String>::new());
    let connection_of: BTreeMap<String, usize> = seen.lock().unwrap().iter().map(|(number, id)| (id.clone(), *number)).collect();
    let mut sessions: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for record in &records {
        let id = record["metadata"]["x_request_id"].as_str().unwrap();
        let session = record["metadata"]["conversation_id"].as_str().unwrap().to_owned();
        sessions.entry(session).or_default().insert(connection_of[id]);
    }
    assert!(sessions.len() >= 6, "{sessions:?}");
    for (session, connections) in &sessions {
        assert_eq!(connections.len(), 1, "{session}'s turns on one connection: {sessions:?}");
    }
    let used: BTreeSet<usize> = sessions.values().flatten().copied().collect();
    assert_eq!(used.len(), sessions.len(), "no two sessions share a connection: {sessions:?}");
    assert_eq!(accepted.load(Ordering::Relaxed), sessions.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sticky_sessions_on_a_server_that_closes_after_each_response_lose_no_request() {
    let (url, _, _) =
        serve(Habits { close_after_response: true, done_marker: true, replay: Some(LLAMA_SERVER_STREAM), together: false }).await;
    let file = sessions_file("sticky-closes-input");
    let records = profile(&url, 18, &sticky_flags(&file), "sticky-closes").await;
    std::fs::remove_dir_all(file.parent().unwrap()).unwrap();
    assert_eq!(failures(&records), Vec::<String>::new());
}

/// A `multi_turn` file of twelve sessions of three turns.
fn sessions_file(name: &str) -> std::path::PathBuf {
    let file = common::dir("habits", name).join("sessions.jsonl");
    let session = |n: usize| format!(r#"{{"session_id": "s{n}", "turns": [{{"text": "one"}}, {{"text": "two"}}, {{"text": "three"}}]}}"#);
    std::fs::write(&file, (0..12).map(session).collect::<Vec<_>>().join("\n")).unwrap();
    file
}

/// The flags of a sticky run of `file`'s sessions, each sent once (in order).
fn sticky_flags(file: &std::path::Path) -> Vec<&str> {
    let file = file.to_str().unwrap();
    let flags = ["--connection-reuse-strategy", "sticky-user-sessions", "--custom-dataset-type", "multi_turn"];
    flags.into_iter().chain(["--dataset-sampling-strategy", "sequential", "--input-file", file]).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_that_arrive_in_one_read_share_its_time() {
    // The whole response in one write: its events reach the client together, and hyper hands
    // them out one after another. AIPerf times them by that one read: so do we.
    let (url, _, _) = serve(Habits { close_after_response: false, done_marker: true, replay: None, together: true }).await;
    let records = profile(&url, 12, &[], "together").await;
    assert_eq!(failures(&records), Vec::<String>::new());
    for record in &records {
        let gaps = record["metrics"]["inter_chunk_latency"]["value"].as_array().unwrap_or_else(|| panic!("{record}"));
        assert!(!gaps.is_empty() && gaps.iter().all(|gap| gap.as_f64() == Some(0.0)), "one arrival time: {record}");
    }
}
