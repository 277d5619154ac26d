//! The `chat` override parses exactly as the builtin does (aiperf's conformance check on the
//! builtin fixtures, every cut) and only adds `ignore_eos` to requests.

use acme_aiperf_plugin::FixedLengthChatEndpoint;
use aiperf_core::{Endpoint, FromModelEndpoint, InferenceRequest, ModelEndpointInfo};
use aiperf_endpoints::ChatEndpoint;
use aiperf_endpoints::conformance::{assert_conforms, create, fixtures};
use serde_json::Value;

#[test]
fn responses_conform_to_the_builtin_chat() {
    assert_conforms(&create::<ChatEndpoint>(), &create::<FixedLengthChatEndpoint>(), &fixtures("chat").unwrap());
}

fn body(info: &ModelEndpointInfo) -> Value {
    let endpoint = FixedLengthChatEndpoint::from_model_endpoint(info).unwrap();
    serde_json::from_slice(&endpoint.format_request(&InferenceRequest::prompt("hello", Some(8))).unwrap().body).unwrap()
}

#[test]
fn requests_ask_to_ignore_eos_unless_the_user_says_otherwise() {
    let ours = body(&ModelEndpointInfo::default());
    assert_eq!(ours["ignore_eos"], Value::Bool(true));
    assert_eq!(ours["max_completion_tokens"], 8);
    let builtin = ChatEndpoint::from_model_endpoint(&ModelEndpointInfo::default()).unwrap();
    let mut expected: Value =
        serde_json::from_slice(&builtin.format_request(&InferenceRequest::prompt("hello", Some(8))).unwrap().body).unwrap();
    expected["ignore_eos"] = Value::Bool(true);
    assert_eq!(ours, expected, "the builtin body plus ignore_eos");
    let info = ModelEndpointInfo { extra_inputs: serde_json::from_str(r#"{"ignore_eos":false}"#).unwrap(), ..ModelEndpointInfo::default() };
    assert_eq!(body(&info)["ignore_eos"], Value::Bool(false));
    // The typed form (what the grpc transport carries) says the same.
    let ours = FixedLengthChatEndpoint::from_model_endpoint(&ModelEndpointInfo::default()).unwrap();
    let text = ours.text_request(&InferenceRequest::prompt("hello", Some(8))).unwrap();
    assert_eq!((text.sampling.get("ignore_eos"), text.max_tokens), (Some(&Value::Bool(true)), Some(8)));
}
