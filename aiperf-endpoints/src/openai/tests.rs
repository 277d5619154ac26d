//! Error envelopes and request bodies of the OpenAI helpers.

use super::*;

fn err(json: &str) -> ServerError {
    error_from_body(json.as_bytes(), 404)
}

#[test]
fn nested_flat_string_and_plain_error_envelopes() {
    let nested = err(r#"{"error":{"message":"The model `foo` does not exist.","type":"NotFoundError","param":"model","code":404}}"#);
    assert_eq!(
        (nested.message.as_str(), nested.kind.as_deref(), nested.code.as_deref()),
        ("The model `foo` does not exist.", Some("NotFoundError"), Some("404"))
    );
    let flat = err(r#"{"object":"error","message":"The model `foo` does not exist.","type":"NotFoundError","param":null,"code":404}"#);
    assert_eq!(flat, nested);
    let openai = err(r#"{"error":{"message":"bad","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#);
    assert_eq!(openai.code.as_deref(), Some("model_not_found"));
    let string = err(r#"{"error":"Unauthorized"}"#);
    assert_eq!((string.message.as_str(), string.kind), ("Unauthorized", None));
    let tgi = err(r#"{"error":"Input validation error","error_type":"validation"}"#);
    assert_eq!(tgi.kind.as_deref(), Some("validation"));
    let plain = err("upstream connect error");
    assert_eq!((plain.message.as_str(), plain.status), ("upstream connect error", Some(404)));
    assert_eq!(err("").message, "HTTP 404 with an empty body");
}

#[test]
fn body_merges_extra_inputs_last() {
    let info = ModelEndpointInfo {
        streaming: true,
        extra_inputs: serde_json::from_str(r#"{"temperature":0.2,"max_tokens":7}"#).unwrap(),
        ..ModelEndpointInfo::default()
    };
    let base = RequestBase::from_info(&info, true).unwrap();
    let req = InferenceRequest::prompt("hi", Some(32));
    let formatted = base.body("chat", &req, Some("max_tokens"), Map::new()).unwrap();
    let body: Value = serde_json::from_slice(&formatted.body).unwrap();
    assert_eq!(body["max_tokens"], 7, "extra inputs override");
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert!(formatted.streaming);
    assert!(!RequestBase::from_info(&info, false).unwrap().streaming);
}

#[test]
fn the_text_form_says_what_the_body_says() {
    let info = ModelEndpointInfo {
        model_names: vec!["m".into()],
        streaming: true,
        extra_inputs: serde_json::from_str(r#"{"temperature":0.2,"max_tokens":7,"model":"other","stream_options":{}}"#).unwrap(),
        ..ModelEndpointInfo::default()
    };
    let base = RequestBase::from_info(&info, true).unwrap();
    let text = base.text(&InferenceRequest::prompt("hi", Some(32)), TextInput::Prompt("hi".into()));
    assert_eq!((text.model.as_str(), text.max_tokens, text.stream), ("other", Some(7), true), "extra inputs override");
    assert_eq!(Value::Object(text.sampling), serde_json::json!({ "temperature": 0.2 }));
}

#[test]
fn chat_names_the_output_length_as_openai_or_as_legacy_servers_do() {
    use aiperf_core::{Endpoint, FromModelEndpoint};
    let body = |info: &ModelEndpointInfo, endpoint: &str| -> Value {
        let request = InferenceRequest::prompt("hi", Some(9));
        let formatted = match endpoint {
            "chat" => crate::ChatEndpoint::from_model_endpoint(info).unwrap().format_request(&request),
            _ => crate::CompletionsEndpoint::from_model_endpoint(info).unwrap().format_request(&request),
        };
        serde_json::from_slice(&formatted.unwrap().body).unwrap()
    };
    let default = ModelEndpointInfo::default();
    let chat = body(&default, "chat");
    assert_eq!((&chat["max_completion_tokens"], chat.get("max_tokens")), (&Value::from(9), None));
    let legacy = ModelEndpointInfo { legacy_max_tokens: true, ..ModelEndpointInfo::default() };
    let chat = body(&legacy, "chat");
    assert_eq!((&chat["max_tokens"], chat.get("max_completion_tokens")), (&Value::from(9), None));
    // Completions know one name only.
    for info in [&default, &legacy] {
        assert_eq!(body(info, "completions")["max_tokens"], 9);
    }
}
