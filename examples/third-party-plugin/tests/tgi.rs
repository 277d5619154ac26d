//! `tgi_generate` on TGI's own bytes (`fixtures/`, see its README), whole and cut at every byte.

use acme_aiperf_plugin::TgiGenerateEndpoint;
use aiperf_core::{Endpoint, EndpointError, FromModelEndpoint, InferenceRequest, Message, ModelEndpointInfo, Payload};
use aiperf_endpoints::conformance::{Fixture, assert_split_invariant, create, decode_cut};

macro_rules! fixture {
    ($file:literal, $status:expr, $streaming:expr) => {
        Fixture { name: $file, status: $status, streaming: $streaming, bytes: include_bytes!(concat!("../fixtures/", $file)) }
    };
}

const STREAM: Fixture = fixture!("generate-stream-tgi3.sse", 200, true);
const STREAM_TGI2: Fixture = fixture!("generate-stream-tgi2.0.sse", 200, true);
const STREAM_DETAILS: Fixture = fixture!("generate-stream-details.sse", 200, true);
const BODY_DETAILS: Fixture = fixture!("generate-details-bloom560m.json", 200, false);
const BODY_422: Fixture = fixture!("generate-422-validation.json", 422, false);
const STREAM_ERROR: Fixture = fixture!("generate-stream-validation-error.sse", 200, true);

const ANSWER: &str = "\n日本で一番高い山はなんですか?\nベストアンサー\n富士山です。";

fn tgi() -> TgiGenerateEndpoint {
    create::<TgiGenerateEndpoint>()
}

#[test]
fn a_stream_is_one_chunk_per_token_and_ends_at_generated_text() {
    let parsed = assert_split_invariant(&tgi(), &STREAM).unwrap();
    assert_eq!(parsed.text, ANSWER);
    assert_eq!((parsed.chunks.len(), parsed.event_times.len()), (20, 20));
    assert_eq!(parsed.chunk_text(1), "日本");
    assert!(parsed.done && parsed.error.is_none() && parsed.usage.is_none(), "{parsed:?}");
}

#[test]
fn tgi_2_0_framing_without_a_space_reads_the_same() {
    let old = assert_split_invariant(&tgi(), &STREAM_TGI2).unwrap();
    assert_eq!((old.text.as_str(), old.chunks.len()), (ANSWER, 20));
}

#[test]
fn details_of_the_last_event_give_usage_and_finish_reason() {
    let parsed = assert_split_invariant(&tgi(), &STREAM_DETAILS).unwrap();
    let usage = parsed.usage.unwrap();
    assert_eq!((usage.prompt_tokens, usage.completion_tokens, usage.total_tokens), (Some(14), Some(20), Some(34)));
    assert_eq!(parsed.finish_reason.as_deref(), Some("length"));
}

#[test]
fn a_whole_response_with_details() {
    let parsed = assert_split_invariant(&tgi(), &BODY_DETAILS).unwrap();
    assert_eq!(parsed.text, " le faire fondre à la casserole avec");
    assert_eq!(parsed.chunks.len(), 1);
    assert_eq!(parsed.usage.unwrap().completion_tokens, Some(10));
    assert_eq!(parsed.finish_reason.as_deref(), Some("length"));
}

#[test]
fn errors_as_a_status_and_in_band() {
    let parsed = assert_split_invariant(&tgi(), &BODY_422).unwrap();
    let error = parsed.error.unwrap();
    assert_eq!((error.status, error.kind.as_deref()), (Some(422), Some("validation")));
    assert_eq!(error.message, "Input validation error: `max_new_tokens` must be strictly positive");
    let parsed = assert_split_invariant(&tgi(), &STREAM_ERROR).unwrap();
    let error = parsed.error.unwrap();
    assert_eq!((error.status, error.kind.as_deref()), (None, Some("validation")));
    assert!(parsed.done && parsed.text.is_empty());
}

#[test]
fn a_stream_cut_before_its_last_event_is_truncated() {
    let end = STREAM.bytes.len() - 10;
    let cut = Fixture { bytes: &STREAM.bytes[..end], ..STREAM };
    let err = decode_cut(&tgi(), &cut, &[], std::time::Instant::now()).unwrap_err();
    assert!(err.contains("ended inside an event"), "{err}");
    let garbage = Fixture { name: "html", status: 200, streaming: true, bytes: b"data: <html>\n\n" };
    assert_eq!(decode_cut(&tgi(), &garbage, &[], std::time::Instant::now()).unwrap_err(), "invalid tgi_generate SSE event");
}

#[test]
fn requests_carry_inputs_parameters_and_extra_inputs() {
    let info = ModelEndpointInfo {
        streaming: true,
        extra_inputs: serde_json::from_str(r#"{"temperature":0.5}"#).unwrap(),
        ..ModelEndpointInfo::default()
    };
    let endpoint = TgiGenerateEndpoint::from_model_endpoint(&info).unwrap();
    let formatted = endpoint.format_request(&InferenceRequest::prompt("Hi", Some(8))).unwrap();
    assert!(formatted.streaming);
    let body: serde_json::Value = serde_json::from_slice(&formatted.body).unwrap();
    assert_eq!(body, serde_json::json!({ "inputs": "Hi", "parameters": { "max_new_tokens": 8, "details": true, "temperature": 0.5 } }));
    let messages = InferenceRequest {
        payload: Payload::Messages(vec![Message { role: "user".into(), content: "Hi".into() }]),
        max_tokens: None,
        model: None,
    };
    assert!(matches!(endpoint.format_request(&messages), Err(EndpointError::UnsupportedPayload { .. })));
}
