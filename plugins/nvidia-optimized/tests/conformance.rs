//! Conformance: on every fixture of the builtin endpoints, cut at every byte, the optimized
//! endpoints produce exactly the records the builtins produce (text, chunks and their times,
//! usage, finish reason, errors), and fail where they fail.

use std::time::{Duration, Instant};

use aiperf_core::{Endpoint, EndpointError, FromModelEndpoint, ModelEndpointInfo, ParsedResponse, decode_response};
use aiperf_endpoints::{ChatEndpoint, CompletionsEndpoint};
use aiperf_nvidia_optimized::{OptimizedChatEndpoint, OptimizedCompletionsEndpoint};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../../aiperf-endpoints/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn make<E: FromModelEndpoint>() -> E {
    E::from_model_endpoint(&ModelEndpointInfo::default()).unwrap()
}

/// What must match: the records, or the kind of failure (messages quote serde and may differ).
fn outcome(result: Result<ParsedResponse, EndpointError>) -> Result<ParsedResponse, String> {
    result.map_err(|e| match e {
        EndpointError::InvalidResponse { endpoint, what, .. } => format!("invalid {endpoint} {what}"),
        other => other.to_string(),
    })
}

fn run(e: &dyn Endpoint, status: u16, streaming: bool, bytes: &[u8], cuts: &[usize], t0: Instant) -> Result<ParsedResponse, String> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(bytes.len());
    let pieces = bounds.windows(2).enumerate().map(|(i, w)| (t0 + Duration::from_micros(i as u64), &bytes[w[0]..w[1]]));
    outcome(decode_response(e, status, streaming, pieces))
}

fn conform(builtin: &dyn Endpoint, optimized: &dyn Endpoint, status: u16, streaming: bool, name: &str, bytes: &[u8]) {
    let t0 = Instant::now();
    let whole = run(builtin, status, streaming, bytes, &[], t0);
    assert_eq!(run(optimized, status, streaming, bytes, &[], t0), whole, "{name}: whole");
    for i in 0..=bytes.len() {
        assert_eq!(
            run(optimized, status, streaming, bytes, &[i], t0),
            run(builtin, status, streaming, bytes, &[i], t0),
            "{name}: cut at {i}"
        );
    }
    let every: Vec<usize> = (1..bytes.len()).collect();
    assert_eq!(
        run(optimized, status, streaming, bytes, &every, t0),
        run(builtin, status, streaming, bytes, &every, t0),
        "{name}: byte by byte"
    );
}

const CHAT_FIXTURES: [(&str, bool); 6] = [
    ("chat-stream-vllm.sse", true),
    ("chat-stream-vllm-crlf-reasoning.sse", true),
    ("chat-stream-openai.sse", true),
    ("chat-stream-inband-error.sse", true),
    ("chat-stream-truncated.sse", true),
    ("chat-body-vllm.json", false),
];

const COMPLETIONS_FIXTURES: [(&str, bool); 2] = [("completions-stream-vllm.sse", true), ("completions-body-vllm.json", false)];

#[test]
fn chat_matches_the_builtin_on_every_fixture() {
    let (builtin, optimized) = (make::<ChatEndpoint>(), make::<OptimizedChatEndpoint>());
    for (name, streaming) in CHAT_FIXTURES {
        conform(&builtin, &optimized, 200, streaming, name, &fixture(name));
    }
}

#[test]
fn completions_match_the_builtin_on_every_fixture() {
    let (builtin, optimized) = (make::<CompletionsEndpoint>(), make::<OptimizedCompletionsEndpoint>());
    for (name, streaming) in COMPLETIONS_FIXTURES {
        conform(&builtin, &optimized, 200, streaming, name, &fixture(name));
    }
}

#[test]
fn errors_and_malformed_input_match_the_builtin() {
    let (chat, fast_chat) = (make::<ChatEndpoint>(), make::<OptimizedChatEndpoint>());
    let (completions, fast_completions) = (make::<CompletionsEndpoint>(), make::<OptimizedCompletionsEndpoint>());
    let error_body = fixture("error-404-nested.json");
    let cases: [(&str, u16, bool, &[u8]); 8] = [
        ("404 nested error, streaming", 404, true, &error_body),
        ("404 nested error", 404, false, &error_body),
        ("500 text body", 500, true, b"upstream connect error"),
        ("401 string error", 401, false, br#"{"error":"Unauthorized"}"#),
        ("not JSON event", 200, true, b"data: {not json}\n\ndata: [DONE]\n\n"),
        ("not JSON body", 200, false, b"<html>"),
        (
            "invalid UTF-8 in an event",
            200,
            true,
            b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\xFFb\"}}]}\n\ndata: [DONE]\n\n",
        ),
        ("choices null, usage only", 200, true, b"data: {\"choices\":null,\"usage\":{\"prompt_tokens\":1}}\n\ndata: [DONE]\n\n"),
    ];
    for (name, status, streaming, bytes) in cases {
        conform(&chat, &fast_chat, status, streaming, name, bytes);
        conform(&completions, &fast_completions, status, streaming, name, bytes);
    }
}

#[test]
fn requests_are_formatted_identically() {
    let info = ModelEndpointInfo {
        streaming: true,
        extra_inputs: serde_json::from_str(r#"{"ignore_eos":true}"#).unwrap(),
        ..ModelEndpointInfo::default()
    };
    let request = aiperf_core::InferenceRequest::prompt("hello", Some(8));
    let (chat, fast_chat) = (ChatEndpoint::from_model_endpoint(&info).unwrap(), OptimizedChatEndpoint::from_model_endpoint(&info).unwrap());
    assert_eq!(chat.format_request(&request).unwrap(), fast_chat.format_request(&request).unwrap());
    let (c, fast_c) =
        (CompletionsEndpoint::from_model_endpoint(&info).unwrap(), OptimizedCompletionsEndpoint::from_model_endpoint(&info).unwrap());
    assert_eq!(c.format_request(&request).unwrap(), fast_c.format_request(&request).unwrap());
}
