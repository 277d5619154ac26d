//! The builtin endpoints on captured-format fixtures (`fixtures/`), split at every byte.

use std::time::{Duration, Instant};

use aiperf_core::{Endpoint, EndpointError, FromModelEndpoint, ModelEndpointInfo, ParsedResponse, Usage, decode_response};

use crate::{ChatEndpoint, CompletionsEndpoint, EmbeddingsEndpoint, RankingsEndpoint};

pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub(crate) fn endpoint<E: FromModelEndpoint>() -> E {
    E::from_model_endpoint(&ModelEndpointInfo::default()).unwrap()
}

/// Decodes `bytes` cut at `cuts`, piece `i` arriving at `t0 + i` ms.
fn decode_cut(e: &dyn Endpoint, streaming: bool, bytes: &[u8], cuts: &[usize], t0: Instant) -> Result<ParsedResponse, EndpointError> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(bytes.len());
    let pieces = bounds.windows(2).enumerate().map(|(i, w)| (t0 + Duration::from_millis(i as u64), &bytes[w[0]..w[1]]));
    decode_response(e, 200, streaming, pieces)
}

/// Decodes whole, then checks every two-piece split and a byte-at-a-time feed give the same
/// content (timestamps aside, which legitimately depend on where bytes were cut).
pub(crate) fn decode_every_way(e: &dyn Endpoint, streaming: bool, name: &str) -> Result<ParsedResponse, EndpointError> {
    let bytes = fixture(name);
    let t0 = Instant::now();
    let whole = decode_cut(e, streaming, &bytes, &[], t0);
    let strip = |r: Result<ParsedResponse, EndpointError>| {
        r.map(|mut p| {
            p.chunks.iter_mut().for_each(|c| c.at = t0);
            p.event_times.clear();
            p
        })
        .map_err(|e| e.to_string())
    };
    let expected = strip(decode_cut(e, streaming, &bytes, &[], t0));
    for cut in 0..=bytes.len() {
        assert_eq!(strip(decode_cut(e, streaming, &bytes, &[cut], t0)), expected, "{name} cut at {cut}");
    }
    let every: Vec<usize> = (1..bytes.len()).collect();
    assert_eq!(strip(decode_cut(e, streaming, &bytes, &every, t0)), expected, "{name} byte by byte");
    whole
}

/// A server's token usage report of these counts.
pub(crate) fn usage(prompt: u64, completion: u64, total: u64) -> Option<Usage> {
    Some(Usage { prompt_tokens: Some(prompt), completion_tokens: Some(completion), total_tokens: Some(total) })
}

#[test]
fn chat_stream_vllm() {
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), true, "chat-stream-vllm.sse").unwrap();
    assert_eq!(r.text, "Hello été 😀!");
    assert_eq!(r.chunks.len(), 2, "the role chunk's empty content is not a token");
    assert_eq!(r.chunk_text(0), "Hel");
    assert_eq!(r.event_times.len(), 5);
    assert_eq!((r.finish_reason.as_deref(), r.usage, r.done, r.error), (Some("stop"), usage(7, 3, 10), true, None));
}

#[test]
fn chat_stream_crlf_keepalive_reasoning() {
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), true, "chat-stream-vllm-crlf-reasoning.sse").unwrap();
    assert_eq!((r.text.as_str(), r.reasoning.as_str()), ("Grüße, 世界", "think"));
    assert_eq!(r.chunks.len(), 2);
    assert_eq!(r.chunk_text(0), "", "a reasoning-only chunk");
    assert_eq!((r.finish_reason.as_deref(), r.usage), (Some("length"), usage(12, 4, 16)));
}

#[test]
fn chat_stream_openai_usage_null() {
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), true, "chat-stream-openai.sse").unwrap();
    assert_eq!(r.text, "Hi \"there\"\\n");
    assert_eq!((r.finish_reason.as_deref(), r.usage), (Some("stop"), usage(5, 2, 7)));
}

#[test]
fn chat_stream_in_band_error() {
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), true, "chat-stream-inband-error.sse").unwrap();
    assert_eq!(r.text, "Par");
    let error = r.error.unwrap();
    assert_eq!(
        (error.message.as_str(), error.kind.as_deref(), error.code.as_deref()),
        ("engine died", Some("InternalServerError"), Some("500"))
    );
    assert!(r.done);
}

#[test]
fn chat_stream_cut_inside_an_event_is_truncated() {
    let err = decode_every_way(&endpoint::<ChatEndpoint>(), true, "chat-stream-truncated.sse").unwrap_err();
    assert!(matches!(err, EndpointError::Truncated { endpoint: "chat", pending } if pending > 0), "{err}");
    assert!(!err.to_string().contains("DONE"), "the chat stream's end marker is optional: {err}");
}

/// Decodes a stream given inline (the shapes below are what servers send at a stream's end).
fn decode_inline(e: &dyn Endpoint, streaming: bool, bytes: &[u8]) -> Result<ParsedResponse, EndpointError> {
    decode_cut(e, streaming, bytes, &[], Instant::now())
}

#[test]
fn chat_stream_that_ends_cleanly_without_done_is_complete() {
    let e = endpoint::<ChatEndpoint>();
    let events = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"},\"finish_reason\":null}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}",
    );
    // With its last blank line, and without: a last event cut off by the end of the body is read.
    for bytes in [format!("{events}\n\n"), events.to_owned(), format!("{events}\r\n")] {
        let r = decode_inline(&e, true, bytes.as_bytes()).unwrap_or_else(|err| panic!("{bytes:?}: {err}"));
        assert_eq!((r.text.as_str(), r.chunks.len(), r.finish_reason.as_deref()), ("Hi there", 2, Some("stop")), "{bytes:?}");
        assert_eq!((r.usage, r.done, r.error.is_none()), (usage(5, 2, 7), true, true), "{bytes:?}");
    }
}

#[test]
fn a_json_error_in_a_200_keeps_the_server_message() {
    let e = endpoint::<ChatEndpoint>();
    let body = b"{\"error\":{\"message\":\"the request exceeds the context size\",\"type\":\"exceed_context_size_error\",\"code\":400}}\n";
    for streaming in [true, false] {
        let r = decode_inline(&e, streaming, body).unwrap_or_else(|err| panic!("streaming {streaming}: {err}"));
        let error = r.error.unwrap_or_else(|| panic!("streaming {streaming}: no error recorded"));
        assert_eq!(error.message, "the request exceeds the context size", "streaming {streaming}");
        assert_eq!(error.kind.as_deref(), Some("exceed_context_size_error"), "streaming {streaming}");
    }
    // A body that is neither a stream nor an error envelope still says what happened.
    let err = decode_inline(&e, true, b"{\"choices\":[]}").unwrap_err();
    assert!(matches!(err, EndpointError::NotAStream { .. }), "{err}");
}

#[test]
fn a_body_without_any_event_is_no_stream() {
    let e = endpoint::<ChatEndpoint>();
    for body in [&b""[..], b"\n\n", b"<html><body>upstream timed out</body></html>\n"] {
        let err = decode_inline(&e, true, body).expect_err("no event: no success");
        assert!(err.to_string().contains("no server-sent event"), "{err}");
    }
}

#[test]
fn chat_body() {
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), false, "chat-body-vllm.json").unwrap();
    assert_eq!((r.text.as_str(), r.chunks.len(), r.usage, r.done), ("Hello!", 1, usage(7, 3, 10), true));
}

#[test]
fn completions_stream_and_body() {
    let e = endpoint::<CompletionsEndpoint>();
    let r = decode_every_way(&e, true, "completions-stream-vllm.sse").unwrap();
    assert_eq!((r.text.as_str(), r.chunks.len(), r.finish_reason.as_deref(), r.usage), (" Hi there", 2, Some("length"), usage(3, 2, 5)));
    let r = decode_every_way(&e, false, "completions-body-vllm.json").unwrap();
    assert_eq!((r.text.as_str(), r.chunks.len(), r.usage), (" Hi there", 1, usage(3, 2, 5)));
}

#[test]
fn embeddings_base64_and_float() {
    let e = endpoint::<EmbeddingsEndpoint>();
    let r = decode_every_way(&e, false, "embeddings-body-base64.json").unwrap();
    let vectors: Vec<_> = r.embeddings.iter().map(|e| (e.index, e.vector.clone())).collect();
    assert_eq!(vectors, [(0, vec![1.0, -2.0]), (1, vec![2.0, 1.0])]);
    assert_eq!(r.usage.unwrap().prompt_tokens, Some(4));
    let r = decode_every_way(&e, false, "embeddings-body-float.json").unwrap();
    assert_eq!(r.embeddings[0].vector, [0.25, -0.5, 0.001]);
}

#[test]
fn rankings_keep_server_order() {
    let r = decode_every_way(&endpoint::<RankingsEndpoint>(), false, "rankings-body-nim.json").unwrap();
    let order: Vec<_> = r.rankings.iter().map(|r| (r.index, r.score)).collect();
    assert_eq!(order, [(1, 2.71875), (0, -1.5), (2, -9.25)]);
    assert_eq!(r.usage.unwrap().total_tokens, Some(31));
}

#[test]
fn error_status_bodies_become_server_errors_for_every_endpoint() {
    let body = fixture("error-404-nested.json");
    let endpoints: [&dyn Endpoint; 4] = [
        &endpoint::<ChatEndpoint>(),
        &endpoint::<CompletionsEndpoint>(),
        &endpoint::<EmbeddingsEndpoint>(),
        &endpoint::<RankingsEndpoint>(),
    ];
    for e in endpoints {
        for streaming in [false, true] {
            let r = decode_response(e, 404, streaming, [(Instant::now(), &body[..])]).unwrap();
            let error = r.error.unwrap();
            assert_eq!((error.status, error.kind.as_deref()), (Some(404), Some("NotFoundError")));
            assert!(r.text.is_empty());
        }
    }
}

#[test]
fn garbage_is_a_clear_error_not_a_panic() {
    let e = endpoint::<ChatEndpoint>();
    let err = decode_response(&e, 200, true, [(Instant::now(), &b"data: {not json}\n\n"[..])]).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("chat: cannot parse SSE event: "), "{text}");
    assert!(text.ends_with("received: {not json}"), "{text}");
    let err = decode_response(&endpoint::<RankingsEndpoint>(), 200, false, [(Instant::now(), &b"{\"rankings\":[{\"index\":\"x\"}]}"[..])])
        .unwrap_err();
    assert!(err.to_string().contains("rankings: cannot parse response body"), "{err}");
}

/// A response body llama.cpp's `llama-server` sent (`fixtures/llama-server/`, its README says how
/// each was captured).
fn llama(name: &str) -> String {
    format!("llama-server/{name}")
}

#[test]
fn llama_server_chat_stream() {
    // A role event whose content is null, eight one-letter events, a finish event, a usage event
    // with no choices and llama.cpp's own `timings`, then `[DONE]`.
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), true, &llama("chat_stream.body")).unwrap();
    assert_eq!((r.chunks.len(), r.text.as_str()), (8, "WvXpvinrN"), "one token a chunk (`in` is one)");
    assert_eq!((r.finish_reason.as_deref(), r.usage, r.done), (Some("length"), usage(22, 8, 30), true));
    assert_eq!(r.response_id.as_deref(), Some("chatcmpl-N5Ou5LRCNLzQiEsvdvrzy4oVIuO7jbkS"));
    // Its own clock: 22 prompt tokens in 284.417 ms, 8 generated in 1256.855 ms.
    let timings = r.server_timings.expect("llama-server's timings");
    assert_eq!((timings.prompt_tokens, timings.cached_tokens, timings.prompt_ms), (Some(22), Some(0), Some(284.417)));
    assert_eq!((timings.predicted_tokens, timings.predicted_ms), (Some(8), Some(1256.855)));
    // Without stream_options the server sends no usage: none is made up.
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), true, &llama("chat_stream_no_usage.body")).unwrap();
    assert_eq!((r.chunks.len(), r.usage), (8, None));
}

#[test]
fn llama_server_chat_and_completions_bodies() {
    let r = decode_every_way(&endpoint::<ChatEndpoint>(), false, &llama("chat_nostream.body")).unwrap();
    assert_eq!((r.chunks.len(), r.usage.and_then(|u| u.completion_tokens), r.done), (1, Some(8), true));
    assert!(!r.text.is_empty());
    let timings = r.server_timings.expect("llama-server's timings");
    assert_eq!((timings.cached_tokens, timings.prompt_ms, timings.predicted_ms), (Some(21), Some(4.106), Some(8.568)));
    let r = decode_every_way(&endpoint::<CompletionsEndpoint>(), false, &llama("completion_nostream.body")).unwrap();
    assert!(r.server_timings.and_then(|t| t.prompt_ms).is_some());
    assert_eq!((r.usage.and_then(|u| u.completion_tokens), r.finish_reason.as_deref()), (Some(8), Some("length")));
}

#[test]
fn llama_server_completions_streams() {
    let e = endpoint::<CompletionsEndpoint>();
    // The usage rides on the last event with the finish reason (vLLM sends it apart).
    let r = decode_every_way(&e, true, &llama("completion_stream.body")).unwrap();
    assert_eq!((r.chunks.len(), r.finish_reason.as_deref(), r.usage), (8, Some("length"), usage(4, 8, 12)));
    // A stop string met inside the third token: its part of the token is the last text.
    let r = decode_every_way(&e, true, &llama("completion_stream_stop.body")).unwrap();
    assert_eq!((r.text.as_str(), r.finish_reason.as_deref()), (" tY ", Some("stop")));
    // Its timings rode on the third text event; the last report is kept.
    assert!(r.server_timings.and_then(|t| t.predicted_ms).is_some());
    // The first token is the stop string: an empty text is no token, the server counts one.
    let r = decode_every_way(&e, true, &llama("completion_stream_stop_first.body")).unwrap();
    assert_eq!((r.chunks.len(), r.text.as_str(), r.usage.and_then(|u| u.completion_tokens)), (0, "", Some(1)));
    // The context filled during generation: 21 tokens of the 40 asked, no error.
    let r = decode_every_way(&e, true, &llama("completion_ctx_full_stream.body")).unwrap();
    assert_eq!((r.usage.and_then(|u| u.completion_tokens), r.error.is_none()), (Some(21), true));
}

#[test]
fn llama_server_errors_keep_the_server_s_message() {
    // A streaming request over the context answered with a 400 JSON body, not a stream.
    let bytes = fixture(&llama("chat_overflow_stream.body"));
    let r = decode_response(&endpoint::<ChatEndpoint>(), 400, true, [(Instant::now(), &bytes[..])]).unwrap();
    let error = r.error.expect("an error record");
    assert_eq!((error.status, error.kind.as_deref(), error.code.as_deref()), (Some(400), Some("exceed_context_size_error"), Some("400")));
    assert!(error.message.starts_with("request (10018 tokens) exceeds the available context size (512 tokens)"), "{}", error.message);
    let bytes = fixture(&llama("malformed_json.body"));
    let r = decode_response(&endpoint::<ChatEndpoint>(), 400, false, [(Instant::now(), &bytes[..])]).unwrap();
    let error = r.error.expect("an error record");
    assert_eq!(error.kind.as_deref(), Some("invalid_request_error"));
    assert!(error.message.contains("parse error"), "{}", error.message);
}
