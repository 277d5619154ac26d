//! Property tests of the one-pass reader: on arbitrary bytes, on response objects servers send and
//! objects that trip parsers, and on valid streams cut anywhere, the chat and completions endpoints
//! (reader first) never panic and give exactly serde's records (or the same kind of failure).

use std::time::Instant;

use aiperf_core::{DecodeState, Endpoint, EndpointError, FormattedRequest, InferenceRequest, ParsedResponse};
use aiperf_endpoints::conformance::{CHAT, COMPLETIONS, Fixture, OPENAI_ERRORS, create, decode_cut};
use aiperf_endpoints::openai::{self, JsonResponses};
use aiperf_endpoints::{ChatEndpoint, CompletionsEndpoint};
use proptest::prelude::*;

/// A builtin endpoint whose responses are read with serde alone: the reference.
macro_rules! serde_only {
    ($name:ident, $builtin:ty) => {
        struct $name($builtin);

        impl JsonResponses for $name {
            const NAME: &'static str = <$builtin as JsonResponses>::NAME;

            fn format_body(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
                self.0.format_request(request)
            }

            fn apply(&self, what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
                <$builtin>::apply_serde(what, json, at, out)
            }
        }

        impl Endpoint for $name {
            fn format_request(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
                self.0.format_request(request)
            }

            fn decode(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) -> Result<(), EndpointError> {
                openai::decode(self, state, at, bytes, out)
            }

            fn finish(&self, state: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError> {
                openai::finish(self, state, out)
            }
        }
    };
}

serde_only!(SerdeChat, ChatEndpoint);
serde_only!(SerdeCompletions, CompletionsEndpoint);

/// Bytes that look like server output: SSE framing, JSON punctuation, keys the parsers read,
/// multi-byte and invalid UTF-8, and anything else.
fn wire_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"data: ".to_vec()),
        Just(b"\n\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"[DONE]".to_vec()),
        Just(br#"{"choices":[{"index":0,"delta":{"content":"#.to_vec()),
        Just(br#""text":"#.to_vec()),
        Just(br#""usage":{"prompt_tokens":1}"#.to_vec()),
        Just(br#"{"error":{"message":"x"}}"#.to_vec()),
        Just(b"\"}}]}".to_vec()),
        Just("é😀".as_bytes().to_vec()),
        Just(vec![0xFF, 0xC3]),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop::collection::vec(token, 0..24).prop_map(|parts| parts.concat())
}

/// A JSON string token of any length up to a few words, from pieces that end, escape or break a
/// string: so each byte the reader tests a word at a time lands anywhere within its words.
fn json_string() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec!["a", "token ", " ", "é", "世", "\\n", "\\\"", "\\\\", "\\u00e9", "\u{1}", "\t", "\\x", "\""]);
    prop::collection::vec(piece, 0..24).prop_map(|pieces| format!("\"{}\"", pieces.concat()))
}

/// A JSON value among those servers send and those that trip parsers: escapes (`\u` pairs and
/// lone surrogates too), raw control characters, invalid UTF-8, odd numbers, nesting.
fn json_scalar() -> impl Strategy<Value = String> {
    prop_oneof![1 => json_string(), 3 => json_literal()]
}

/// [`json_scalar`]'s fixed values.
fn json_literal() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        r#""plain""#,
        r#"" token""#,
        r#""line\nbreak \"quoted\" \\ \/ \t""#,
        r#""\u00e9\ud83d\ude00""#,
        r#""\ud800""#,
        r#""bad \x escape""#,
        "\"raw\u{1}control\"",
        "\"Grüße 世界\"",
        "\"\u{FFFD}\"",
        "\"\"",
        "null",
        "true",
        "false",
        "0",
        "7",
        "01",
        "-1",
        "1.5",
        "1e3",
        "1.",
        "4294967296",
        "18446744073709551616",
        "[]",
        r#"[1,{"a":[null]}]"#,
        "{}",
        r#"{"a":{"b":"c"}}"#,
        "[1,]",
        "nul",
    ])
    .prop_map(str::to_owned)
}

/// `{"k":v,…}` with keys from `keys` (repeats allowed) and values from `value`, spaced or not.
fn object(keys: Vec<&'static str>, value: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    let field = (prop::sample::select(keys), value, prop::sample::select(vec!["", " ", "\n"]));
    prop::collection::vec(field, 0..6).prop_map(|fields| {
        let body: Vec<String> = fields.into_iter().map(|(k, v, ws)| format!("{ws}\"{k}\":{ws}{v}")).collect();
        format!("{{{}}}", body.join(","))
    })
}

/// A chat or completions response object, mostly well formed, sometimes not.
fn response_object() -> impl Strategy<Value = String> {
    let content = object(vec!["role", "content", "reasoning_content", "reasoning", "tool_calls"], json_scalar().boxed());
    let choice_value = prop_oneof![2 => content.boxed(), 1 => json_scalar().boxed()].boxed();
    let choice = object(vec!["index", "delta", "message", "text", "finish_reason", "logprobs", "stop_reason"], choice_value);
    let choices = prop_oneof![
        3 => prop::collection::vec(choice, 0..3).prop_map(|c| format!("[{}]", c.join(","))).boxed(),
        1 => json_scalar().boxed(),
    ];
    let details = object(vec!["reasoning_tokens", "reasoning_tokens", "accepted_prediction_tokens"], json_scalar().boxed());
    let usage_value = prop_oneof![3 => json_scalar().boxed(), 1 => details.boxed()].boxed();
    let usage_keys = vec!["prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "completion_tokens_details"];
    let usage = object(usage_keys, usage_value);
    let value = prop_oneof![3 => choices, 1 => usage.boxed(), 1 => json_scalar().boxed()].boxed();
    let keys = vec!["id", "object", "created", "model", "choices", "choices", "usage", "error", "system_fingerprint", "ch\\u006fices"];
    (object(keys, value), prop::sample::select(vec!["", " ", "\n", " x", "\u{feff}"])).prop_map(|(object, tail)| format!("{object}{tail}"))
}

fn fixture(bytes: &[u8], status: u16, streaming: bool) -> Fixture {
    // Fixtures hold 'static bytes: leak the few a property case makes.
    Fixture { name: "generated", status, streaming, bytes: Box::leak(bytes.to_vec().into_boxed_slice()) }
}

fn both_agree(f: &Fixture, cuts: &[usize]) {
    let t0 = Instant::now();
    let chat = (decode_cut(&SerdeChat(create()), f, cuts, t0), decode_cut(&create::<ChatEndpoint>(), f, cuts, t0));
    assert_eq!(chat.0, chat.1, "chat, cuts {cuts:?}, bytes {:?}", String::from_utf8_lossy(f.bytes));
    let completions = (decode_cut(&SerdeCompletions(create()), f, cuts, t0), decode_cut(&create::<CompletionsEndpoint>(), f, cuts, t0));
    assert_eq!(completions.0, completions.1, "completions, cuts {cuts:?}, bytes {:?}", String::from_utf8_lossy(f.bytes));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_give_serdes_records(
        bytes in wire_bytes(),
        status in prop_oneof![Just(200_u16), Just(400), Just(500)],
        streaming: bool,
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        let f = fixture(&bytes, status, streaming);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        both_agree(&f, &cuts);
    }

    #[test]
    fn response_objects_as_events_and_bodies_give_serdes_records(
        objects in prop::collection::vec(response_object(), 1..4),
        status in prop_oneof![4 => Just(200_u16), 1 => Just(400)],
    ) {
        let events: String = objects.iter().map(|o| format!("data: {o}\n\n")).collect();
        both_agree(&fixture(format!("{events}data: [DONE]\n\n").as_bytes(), status, true), &[]);
        both_agree(&fixture(objects[0].as_bytes(), status, false), &[]);
    }

    #[test]
    fn valid_streams_cut_anywhere_give_serdes_records(
        which in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let all: Vec<&Fixture> = CHAT.iter().chain(COMPLETIONS).chain(OPENAI_ERRORS).collect();
        let f = *which.get(&all);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(f.bytes.len() + 1)).collect();
        cuts.sort_unstable();
        both_agree(f, &cuts);
    }
}

/// A case the properties found: an `id` that is not a string holds a lone surrogate escape,
/// which skipping it (as serde skips what it does not keep) must accept.
#[test]
fn an_id_that_is_not_a_string_is_skipped_as_serde_skips_it() {
    let object = r#"{ "id": [{},{ "index": [1,{"a":[null]}], "text": "\ud800"}], "system_fingerprint": 7, "created": ""}"#;
    both_agree(&fixture(object.as_bytes(), 200, false), &[]);
    both_agree(&fixture(format!("data: {object}\n\ndata: [DONE]\n\n").as_bytes(), 200, true), &[]);
    let decoded = decode_cut(&create::<ChatEndpoint>(), &fixture(object.as_bytes(), 200, false), &[], Instant::now());
    assert!(decoded.is_ok(), "{decoded:?}");
}
