//! `tgi_generate`: Hugging Face text-generation-inference's native API.
//!
//! Request (both routes): `{"inputs": "...", "parameters": {"max_new_tokens": N, "details": true}}`.
//! `POST /generate` answers `{"generated_text": "...", "details": {...}}`. `POST /generate_stream`
//! answers server-sent events, one per token, `data: {"index":1,"token":{"id":..,"text":"..",
//! "logprob":..,"special":false},"generated_text":null,"details":null}`; the last event carries
//! the whole `generated_text` and `details` (`finish_reason`, `generated_tokens`, `input_length`);
//! there is no `[DONE]`. Errors are `{"error":"...","error_type":"..."}`: a 4xx/5xx body for
//! `/generate`, an in-band event after a 200 for `/generate_stream`.

use std::time::Instant;

use aiperf_core::{
    ConfigError, DecodeState, Endpoint, EndpointError, FormattedRequest, FromModelEndpoint, InferenceRequest, ModelEndpointInfo,
    ParsedResponse, Payload, ServerError, Usage,
};
use aiperf_endpoints::openai::{self, JsonResponses, parse_json};
use serde::Deserialize;
use serde_json::{Map, Value};

const NAME: &str = "tgi_generate";

/// TGI's native generate API (`/generate`, `/generate_stream`). `--extra-inputs` become
/// `parameters` (e.g. `temperature:0.7`, `top_k:50`); `details` is always asked for, so token
/// counts come from the server.
#[derive(Clone, Debug, PartialEq)]
pub struct TgiGenerateEndpoint {
    streaming: bool,
    parameters: Map<String, Value>,
}

impl FromModelEndpoint for TgiGenerateEndpoint {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        // TGI serves one model and takes no `model` key; the name is kept for the exports only.
        info.primary_model()?;
        Ok(Self { streaming: info.streaming, parameters: info.extra_inputs.clone() })
    }
}

#[derive(Deserialize)]
struct Token {
    text: String,
    #[serde(default)]
    special: bool,
}

/// `details` of a whole response, and of the last streamed event.
#[derive(Deserialize)]
struct Details {
    finish_reason: Option<String>,
    generated_tokens: Option<u64>,
    /// Streams only, TGI ≥ 2.3.
    input_length: Option<u64>,
}

#[derive(Deserialize)]
struct Event {
    token: Option<Token>,
    generated_text: Option<String>,
    details: Option<Details>,
    error: Option<String>,
    error_type: Option<String>,
}

#[derive(Deserialize)]
struct Body {
    generated_text: String,
    details: Option<Details>,
}

fn apply_details(details: Option<Details>, out: &mut ParsedResponse) {
    if let Some(d) = details {
        out.finish_reason = d.finish_reason;
        let total = d.input_length.zip(d.generated_tokens).map(|(i, g)| i + g);
        out.usage = Some(Usage { prompt_tokens: d.input_length, completion_tokens: d.generated_tokens, total_tokens: total });
    }
}

/// Everything but the JSON of one event or body comes from the builtins' decode loop
/// (`aiperf_endpoints::openai`): SSE framing, error statuses (whose `{"error","error_type"}`
/// envelope it reads), lossy UTF-8, a stream cut short.
impl JsonResponses for TgiGenerateEndpoint {
    const NAME: &'static str = NAME;

    fn format_body(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        let Payload::Prompt(inputs) = &request.payload else {
            return Err(EndpointError::UnsupportedPayload { endpoint: NAME, expected: "a prompt", found: request.payload.kind() });
        };
        let mut parameters = Map::new();
        if let Some(max_new_tokens) = request.max_tokens {
            parameters.insert("max_new_tokens".into(), max_new_tokens.into());
        }
        parameters.insert("details".into(), true.into());
        parameters.extend(self.parameters.iter().map(|(k, v)| (k.clone(), v.clone())));
        let body = serde_json::json!({ "inputs": inputs, "parameters": parameters });
        let body = serde_json::to_vec(&body).map_err(|e| EndpointError::Serialize { endpoint: NAME, reason: e.to_string() })?;
        Ok(FormattedRequest { body, content_type: "application/json", streaming: self.streaming })
    }

    fn apply(&self, what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        if what == "response body" {
            let body: Body = parse_json(NAME, what, json)?;
            out.push_content(at, &body.generated_text, "");
            apply_details(body.details, out);
            return Ok(());
        }
        let event: Event = parse_json(NAME, what, json)?;
        if let Some(message) = event.error {
            // In-band, after a 200: the stream ends here.
            out.error = Some(ServerError { status: None, message, kind: event.error_type, code: None });
            out.done = true;
            return Ok(());
        }
        if let Some(token) = event.token.filter(|t| !t.special) {
            out.push_content(at, &token.text, "");
        }
        if event.generated_text.is_some() {
            apply_details(event.details, out);
            out.done = true;
        }
        Ok(())
    }
}

impl Endpoint for TgiGenerateEndpoint {
    fn format_request(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        self.format_body(request)
    }

    fn decode(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) -> Result<(), EndpointError> {
        openai::decode(self, state, at, bytes, out)
    }

    fn finish(&self, state: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        openai::finish(self, state, out)
    }
}
