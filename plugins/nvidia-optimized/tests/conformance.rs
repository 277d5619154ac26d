//! Conformance: on every fixture of the builtin endpoints, cut at every byte, the optimized
//! endpoints produce exactly the records the builtins produce (text, chunks and their times,
//! usage, finish reason, errors), and fail where they fail (`aiperf_endpoints::conformance`).

use aiperf_core::{Endpoint, FromModelEndpoint, ModelEndpointInfo};
use aiperf_endpoints::conformance::{assert_conforms, create, fixtures};
use aiperf_endpoints::{ChatEndpoint, CompletionsEndpoint};
use aiperf_nvidia_optimized::{OptimizedChatEndpoint, OptimizedCompletionsEndpoint};

#[test]
fn chat_matches_the_builtin_on_every_fixture() {
    assert_conforms(&create::<ChatEndpoint>(), &create::<OptimizedChatEndpoint>(), &fixtures("chat").unwrap());
}

#[test]
fn completions_match_the_builtin_on_every_fixture() {
    assert_conforms(&create::<CompletionsEndpoint>(), &create::<OptimizedCompletionsEndpoint>(), &fixtures("completions").unwrap());
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
