//! Conformance checks for endpoint plugins: an implementation that overrides a builtin name must
//! produce, on every fixture of that name cut at every byte, exactly the records the builtin
//! produces (text, chunks and their arrival times, usage, finish reason, errors), and fail where
//! the builtin fails.
//!
//! The fixtures are the bytes real servers send (vLLM, OpenAI, NIM), compiled into this crate, so
//! a plugin in any repository can run the check from its own tests:
//!
//! A new name has no builtin to compare with: [`assert_split_invariant`] checks that it reads its
//! own fixtures the same however the bytes are cut.
//!
//! ```ignore
//! use aiperf_endpoints::{ChatEndpoint, conformance};
//! let (builtin, mine) = (conformance::create::<ChatEndpoint>(), conformance::create::<MyChat>());
//! conformance::assert_conforms(&builtin, &mine, &conformance::fixtures("chat").unwrap());
//! ```

use std::time::{Duration, Instant};

use aiperf_core::{Endpoint, EndpointError, FromModelEndpoint, ModelEndpointInfo, ParsedResponse, decode_response};

/// One response a server sent: status, whether it was streamed, its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fixture {
    /// What it is (the file name of captured responses).
    pub name: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Whether the request asked for a stream.
    pub streaming: bool,
    /// The body bytes.
    pub bytes: &'static [u8],
}

macro_rules! fixture {
    ($file:literal, $streaming:expr) => {
        Fixture { name: $file, status: 200, streaming: $streaming, bytes: include_bytes!(concat!("../fixtures/", $file)) }
    };
}

/// Chat completions: vLLM and OpenAI streams (reasoning, CRLF, in-band error, cut short), a body;
/// llama.cpp's stream and body (with its `timings`).
pub const CHAT: &[Fixture] = &[
    fixture!("chat-stream-vllm.sse", true),
    fixture!("chat-stream-vllm-crlf-reasoning.sse", true),
    fixture!("chat-stream-openai.sse", true),
    fixture!("chat-stream-inband-error.sse", true),
    fixture!("chat-stream-truncated.sse", true),
    fixture!("chat-body-vllm.json", false),
    fixture!("llama-server/chat_stream.body", true),
    fixture!("llama-server/chat_nostream.body", false),
];

/// Text completions: a vLLM stream and body; llama.cpp's streams (`timings` on a text event).
pub const COMPLETIONS: &[Fixture] = &[
    fixture!("completions-stream-vllm.sse", true),
    fixture!("completions-body-vllm.json", false),
    fixture!("llama-server/completion_stream.body", true),
    fixture!("llama-server/completion_stream_stop.body", true),
];

/// Embeddings: float and base64 vectors.
pub const EMBEDDINGS: &[Fixture] = &[fixture!("embeddings-body-float.json", false), fixture!("embeddings-body-base64.json", false)];

/// NIM rankings.
pub const RANKINGS: &[Fixture] = &[fixture!("rankings-body-nim.json", false)];

/// Failures and oddities every OpenAI-style text endpoint must handle as the builtins do: error
/// statuses with JSON and text bodies, malformed events and bodies, invalid UTF-8 (decoded lossily,
/// in events and bodies alike), a usage-only event.
pub const OPENAI_ERRORS: &[Fixture] = &[
    Fixture {
        name: "404 nested error, streaming",
        status: 404,
        streaming: true,
        bytes: include_bytes!("../fixtures/error-404-nested.json"),
    },
    Fixture { name: "404 nested error", status: 404, streaming: false, bytes: include_bytes!("../fixtures/error-404-nested.json") },
    Fixture { name: "500 text body", status: 500, streaming: true, bytes: b"upstream connect error" },
    Fixture { name: "401 string error", status: 401, streaming: false, bytes: br#"{"error":"Unauthorized"}"# },
    Fixture { name: "not JSON event", status: 200, streaming: true, bytes: b"data: {not json}\n\ndata: [DONE]\n\n" },
    Fixture { name: "not JSON body", status: 200, streaming: false, bytes: b"<html>" },
    Fixture {
        name: "a JSON body to a streaming request",
        status: 200,
        streaming: true,
        bytes: include_bytes!("../fixtures/chat-body-vllm.json"),
    },
    Fixture {
        name: "invalid UTF-8 in an event",
        status: 200,
        streaming: true,
        bytes: b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\xFFb\"}}]}\n\ndata: [DONE]\n\n",
    },
    Fixture {
        name: "invalid UTF-8 in a body",
        status: 200,
        streaming: false,
        bytes: b"{\"choices\":[{\"index\":0,\"message\":{\"content\":\"a\xFFb\"},\"text\":\"a\xFFb\"}]}",
    },
    Fixture {
        name: "choices null, usage only",
        status: 200,
        streaming: true,
        bytes: b"data: {\"choices\":null,\"usage\":{\"prompt_tokens\":1}}\n\ndata: [DONE]\n\n",
    },
];

/// The fixtures of a builtin endpoint name (its responses, then the failures it shares), or
/// `None` for a name without builtin fixtures.
pub fn fixtures(name: &str) -> Option<Vec<Fixture>> {
    let own = match name {
        "chat" => CHAT,
        "completions" => COMPLETIONS,
        "embeddings" => EMBEDDINGS,
        "rankings" => RANKINGS,
        _ => return None,
    };
    let shared = if matches!(name, "chat" | "completions") { OPENAI_ERRORS } else { &[] };
    Some(own.iter().chain(shared).copied().collect())
}

/// An endpoint created with default options (model `mock`).
///
/// # Panics
/// If the endpoint rejects the default options.
pub fn create<E: FromModelEndpoint>() -> E {
    E::from_model_endpoint(&ModelEndpointInfo::default()).unwrap_or_else(|e| panic!("cannot create the endpoint with default options: {e}"))
}

/// Decodes `fixture` cut at the byte offsets `cuts`, piece `i` arriving at `t0 + i` µs. Errors are
/// reduced to their kind (messages may quote different parsers).
pub fn decode_cut(endpoint: &dyn Endpoint, fixture: &Fixture, cuts: &[usize], t0: Instant) -> Result<ParsedResponse, String> {
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().map(|&c| c.min(fixture.bytes.len())));
    bounds.push(fixture.bytes.len());
    let pieces = bounds.windows(2).enumerate().map(|(i, w)| (t0 + Duration::from_micros(i as u64), &fixture.bytes[w[0]..w[1]]));
    decode_response(endpoint, fixture.status, fixture.streaming, pieces).map_err(|e| match e {
        EndpointError::InvalidResponse { endpoint, what, .. } => format!("invalid {endpoint} {what}"),
        other => other.to_string(),
    })
}

/// Where a candidate endpoint parted from the reference.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// The fixture, and how it was cut (`chat-stream-vllm.sse: cut at 17`).
    pub case: String,
    /// What the reference produced.
    pub expected: Result<ParsedResponse, String>,
    /// What the candidate produced.
    pub found: Result<ParsedResponse, String>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: the reference gave {:?}, the candidate {:?}", self.case, self.expected, self.found)
    }
}

/// Feeds every fixture to both endpoints whole, cut at every byte, and byte by byte.
///
/// # Errors
/// The first [`Mismatch`].
pub fn check_conforms(reference: &dyn Endpoint, candidate: &dyn Endpoint, fixtures: &[Fixture]) -> Result<(), Box<Mismatch>> {
    let t0 = Instant::now();
    for fixture in fixtures {
        let every: Vec<usize> = (1..fixture.bytes.len()).collect();
        let cuts = std::iter::once((String::from("whole"), Vec::new()))
            .chain((0..=fixture.bytes.len()).map(|i| (format!("cut at {i}"), vec![i])))
            .chain(std::iter::once((String::from("byte by byte"), every)));
        for (how, cuts) in cuts {
            let expected = decode_cut(reference, fixture, &cuts, t0);
            let found = decode_cut(candidate, fixture, &cuts, t0);
            if expected != found {
                return Err(Box::new(Mismatch { case: format!("{}: {how}", fixture.name), expected, found }));
            }
        }
    }
    Ok(())
}

/// [`check_conforms`], panicking with the first mismatch: for tests.
///
/// # Panics
/// When the candidate parts from the reference.
#[track_caller]
pub fn assert_conforms(reference: &dyn Endpoint, candidate: &dyn Endpoint, fixtures: &[Fixture]) {
    if let Err(mismatch) = check_conforms(reference, candidate, fixtures) {
        panic!("{mismatch}");
    }
}

/// What a response holds apart from arrival times, which legitimately depend on where reads cut it.
fn without_times(result: Result<ParsedResponse, String>, t0: Instant) -> Result<ParsedResponse, String> {
    result.map(|mut parsed| {
        parsed.chunks.iter_mut().for_each(|c| c.at = t0);
        parsed.event_times.clear();
        parsed
    })
}

/// Checks that an endpoint (a new name, with no builtin to compare with) reads `fixture` the same
/// whole, cut at every byte, and byte by byte, and returns what it read whole.
///
/// # Panics
/// At the first cut that changes what was read, naming it.
#[track_caller]
pub fn assert_split_invariant(endpoint: &dyn Endpoint, fixture: &Fixture) -> Result<ParsedResponse, String> {
    let t0 = Instant::now();
    let whole = decode_cut(endpoint, fixture, &[], t0);
    let expected = without_times(whole.clone(), t0);
    for cut in 0..=fixture.bytes.len() {
        let found = without_times(decode_cut(endpoint, fixture, &[cut], t0), t0);
        assert!(found == expected, "{}: cut at {cut}: read {found:?}, whole it reads {expected:?}", fixture.name);
    }
    let every: Vec<usize> = (1..fixture.bytes.len()).collect();
    let found = without_times(decode_cut(endpoint, fixture, &every, t0), t0);
    assert!(found == expected, "{}: byte by byte: read {found:?}, whole it reads {expected:?}", fixture.name);
    whole
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChatEndpoint, CompletionsEndpoint};

    #[test]
    fn a_builtin_conforms_to_itself_on_every_fixture_set() {
        for name in ["chat", "completions", "embeddings", "rankings"] {
            let set = fixtures(name).unwrap();
            assert!(!set.is_empty());
            match name {
                "chat" => assert_conforms(&create::<ChatEndpoint>(), &create::<ChatEndpoint>(), &set),
                "completions" => assert_conforms(&create::<CompletionsEndpoint>(), &create::<CompletionsEndpoint>(), &set),
                _ => {}
            }
        }
        assert!(fixtures("tgi_generate").is_none());
    }

    #[test]
    fn invalid_utf8_is_read_lossily_in_bodies_as_in_events() {
        let body = OPENAI_ERRORS.iter().find(|f| f.name == "invalid UTF-8 in a body").unwrap();
        let parsed = decode_cut(&create::<ChatEndpoint>(), body, &[], Instant::now()).unwrap();
        assert_eq!(parsed.text, "a\u{FFFD}b");
        let event = OPENAI_ERRORS.iter().find(|f| f.name == "invalid UTF-8 in an event").unwrap();
        assert_eq!(decode_cut(&create::<ChatEndpoint>(), event, &[], Instant::now()).unwrap().text, "a\u{FFFD}b");
    }

    #[test]
    fn a_json_body_to_a_streaming_request_is_named_as_such() {
        let fixture = OPENAI_ERRORS.iter().find(|f| f.name == "a JSON body to a streaming request").unwrap();
        let err = decode_cut(&create::<ChatEndpoint>(), fixture, &[], Instant::now()).unwrap_err();
        assert!(err.contains("answered a streaming request with one JSON body"), "{err}");
    }

    #[test]
    fn split_invariance_returns_the_whole_read() {
        let parsed = assert_split_invariant(&create::<ChatEndpoint>(), &CHAT[0]).unwrap();
        assert!(parsed.done && !parsed.text.is_empty());
    }

    #[test]
    fn a_different_parser_is_caught_with_the_case_that_shows_it() {
        let mismatch = check_conforms(&create::<ChatEndpoint>(), &create::<CompletionsEndpoint>(), CHAT).unwrap_err();
        assert!(mismatch.case.starts_with("chat-stream-vllm.sse: "), "{mismatch}");
        assert_ne!(mismatch.expected, mismatch.found);
    }
}
