//! What the OpenAI-style endpoints share: request bodies, usage, error envelopes, and the decode
//! loop (buffer a body, or frame SSE events) around an endpoint's own JSON handling.
//!
//! Public so plugins can reuse request formatting and error parsing while replacing the parsing
//! they optimize.

use std::sync::Arc;
use std::time::Instant;

use aiperf_core::{
    ConfigError, DecodeState, EndpointError, FormattedRequest, InferenceRequest, ModelEndpointInfo, ParsedResponse, ServerError, TextInput,
    TextRequest, Usage,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::reader::Shape;

mod response_id;
mod stream;
mod timings;
pub use response_id::ResponseId;
pub use stream::{apply_event, buffer_whole_body, decode, finish, framed_events, whole_events};
pub use timings::WireTimings;

/// What every request body of an endpoint starts from: the model, streaming, extra inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestBase {
    /// Default model name.
    pub model: Arc<str>,
    /// Whether to ask for a stream (only endpoints that stream honour it).
    pub streaming: bool,
    /// Whether the endpoint streams at all: its bodies then say `"stream"` either way (AIPerf sends
    /// `"stream": false` too).
    pub streams: bool,
    /// Keys merged into every body, overriding the endpoint's own.
    pub extra_inputs: Map<String, Value>,
    /// Chat bodies name the output length `max_tokens` (`--use-legacy-max-tokens`) rather than
    /// `max_completion_tokens`.
    pub legacy_max_tokens: bool,
}

impl RequestBase {
    /// Takes the model, streaming flag and extra inputs from `info`.
    ///
    /// # Errors
    /// [`ConfigError::MissingModel`] when `info` names no model.
    #[inline]
    pub fn from_info(info: &ModelEndpointInfo, supports_streaming: bool) -> Result<Self, ConfigError> {
        Ok(Self {
            model: Arc::clone(info.model_names.first().ok_or(ConfigError::MissingModel)?),
            streaming: supports_streaming && info.streaming,
            streams: supports_streaming,
            extra_inputs: info.extra_inputs.clone(),
            legacy_max_tokens: info.legacy_max_tokens,
        })
    }

    /// The key of a chat body's output length: `max_completion_tokens`, OpenAI's name since
    /// `max_tokens` was deprecated (what AIPerf 0.13 sends), or `max_tokens` with
    /// `--use-legacy-max-tokens` (servers that know only that one).
    pub fn chat_max_tokens_key(&self) -> &'static str {
        if self.legacy_max_tokens { "max_tokens" } else { "max_completion_tokens" }
    }

    /// A JSON body: `model` (the request's or the default), the endpoint's `fields`, the output
    /// length under `max_tokens_key` (when given and the request bounds output), the stream keys,
    /// then extra inputs.
    ///
    /// # Errors
    /// [`EndpointError::Serialize`] if a value cannot be written as JSON.
    pub fn body(
        &self,
        endpoint: &'static str,
        request: &InferenceRequest,
        max_tokens_key: Option<&'static str>,
        fields: Map<String, Value>,
    ) -> Result<FormattedRequest, EndpointError> {
        let mut body = Map::with_capacity(fields.len() + self.extra_inputs.len() + 4);
        body.insert("model".into(), Value::String(request.model.clone().unwrap_or_else(|| self.model.to_string())));
        body.extend(fields);
        if let (Some(key), Some(max_tokens)) = (max_tokens_key, request.max_tokens) {
            body.insert(key.into(), max_tokens.into());
        }
        if self.streams {
            body.insert("stream".into(), self.streaming.into());
        }
        if self.streaming {
            body.insert("stream_options".into(), serde_json::json!({ "include_usage": true }));
        }
        for (key, value) in &self.extra_inputs {
            body.insert(key.clone(), value.clone());
        }
        let body = serde_json::to_vec(&body).map_err(|e| EndpointError::Serialize { endpoint, reason: e.to_string() })?;
        Ok(FormattedRequest { body, content_type: "application/json", streaming: self.streaming })
    }

    /// The typed form of what [`RequestBase::body`] writes for a text-generation endpoint: extra
    /// inputs override `model`, `max_tokens` (or `max_completion_tokens`) and `stream` as they do in
    /// the body, and the others are the request's sampling settings.
    pub fn text(&self, request: &InferenceRequest, input: TextInput) -> TextRequest {
        let mut text = TextRequest {
            model: request.model.clone().unwrap_or_else(|| self.model.to_string()),
            input,
            max_tokens: request.max_tokens,
            stream: self.streaming,
            sampling: Map::new(),
        };
        for (key, value) in &self.extra_inputs {
            match (key.as_str(), value) {
                ("model", Value::String(model)) => text.model.clone_from(model),
                ("max_tokens" | "max_completion_tokens", Value::Number(n)) if n.as_u64().is_some_and(|n| n <= u64::from(u32::MAX)) => {
                    text.max_tokens = n.as_u64().map(|n| n as u32);
                }
                ("stream", Value::Bool(stream)) => text.stream = *stream,
                // The body's own keys: the input is the endpoint's, usage is not asked of these protocols.
                ("messages" | "prompt" | "stream_options", _) => {}
                _ => {
                    text.sampling.insert(key.clone(), value.clone());
                }
            }
        }
        text
    }
}

/// `usage` as OpenAI-compatible servers send it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct WireUsage {
    /// `prompt_tokens`.
    pub prompt_tokens: Option<u64>,
    /// `completion_tokens`.
    pub completion_tokens: Option<u64>,
    /// `total_tokens`.
    pub total_tokens: Option<u64>,
    /// `completion_tokens_details` (reasoning models).
    pub completion_tokens_details: Option<WireUsageDetails>,
}

/// `usage.completion_tokens_details`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct WireUsageDetails {
    /// `reasoning_tokens`: the completion tokens spent reasoning.
    pub reasoning_tokens: Option<u64>,
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Self {
        Usage { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens, total_tokens: u.total_tokens }
    }
}

impl WireUsage {
    /// Records this report in `out`: the usage, and the reasoning tokens it gives.
    pub fn apply(self, out: &mut ParsedResponse) {
        out.usage = Some(self.into());
        out.usage_reasoning_tokens = self.completion_tokens_details.and_then(|d| d.reasoning_tokens);
    }
}

/// Reads an error out of a JSON value in any envelope servers use: nested
/// `{"error":{"message",...}}` (OpenAI, vLLM ≥ 0.10.1), flat `{"object":"error","message",...}`
/// (older vLLM), `{"error":"text"}` (vLLM's 401, TGI with `error_type`). `None` if `value` is none.
pub fn error_from_json(value: &Value, status: Option<u16>) -> Option<ServerError> {
    let text = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    };
    let object = value.as_object()?;
    match object.get("error") {
        Some(Value::Object(inner)) => Some(ServerError {
            status,
            message: text(inner.get("message")).unwrap_or_else(|| Value::Object(inner.clone()).to_string()),
            kind: text(inner.get("type")),
            code: text(inner.get("code")),
        }),
        Some(Value::String(message)) => Some(ServerError {
            status,
            message: message.clone(),
            kind: text(object.get("error_type")).or_else(|| text(object.get("type"))),
            code: text(object.get("code")),
        }),
        Some(Value::Null) | None if object.get("object").and_then(Value::as_str) == Some("error") => Some(ServerError {
            status,
            message: text(object.get("message")).unwrap_or_default(),
            kind: text(object.get("type")),
            code: text(object.get("code")),
        }),
        _ => None,
    }
}

/// A chat or completions response object (a stream chunk or a whole body), generic over the
/// choice type: `choices`, `usage`, and an in-band `error`.
#[derive(Deserialize)]
pub struct ChoicesEnvelope<C> {
    /// `id`: kept when it is a string, any other value ignored.
    #[serde(default)]
    pub id: ResponseId,
    /// `choices` (missing, `null` and `[]` are all none).
    #[serde(default = "Option::default")]
    pub choices: Option<Vec<C>>,
    /// `usage`.
    pub usage: Option<WireUsage>,
    /// llama.cpp's `timings`: the server's own clock.
    pub timings: Option<WireTimings>,
    /// An in-band `error`.
    pub error: Option<Value>,
}

/// A choice that knows its `index`.
pub trait IndexedChoice {
    /// `index`, 0 when absent.
    fn index(&self) -> u32;
}

impl<C: IndexedChoice> ChoicesEnvelope<C> {
    /// Records the id, error, usage and timings in `out` and returns choice 0, the response being measured
    /// (with `n > 1`, servers stream one choice per chunk).
    pub fn into_first_choice(self, out: &mut ParsedResponse) -> Option<C> {
        if let Some(id) = &self.id.0 {
            out.keep_response_id(id);
        }
        apply_envelope(self.error.as_ref(), self.usage, out);
        if let Some(timings) = self.timings {
            timings.apply(out);
        }
        self.choices.unwrap_or_default().into_iter().find(|c| c.index() == 0)
    }
}

/// Records what every OpenAI-style response object may carry besides its choices: an in-band
/// `error` (after a stream started) and `usage`.
pub fn apply_envelope(error: Option<&Value>, usage: Option<WireUsage>, out: &mut ParsedResponse) {
    if let Some(error) = error.filter(|e| !e.is_null()) {
        let mut wrapped = Map::with_capacity(1);
        wrapped.insert("error".into(), error.clone());
        out.error = error_from_json(&Value::Object(wrapped), None);
    }
    if let Some(usage) = usage {
        usage.apply(out);
    }
}

/// The error a response body with an error status carries; a body that is not a JSON error
/// envelope becomes the message as text.
pub fn error_from_body(body: &[u8], status: u16) -> ServerError {
    serde_json::from_slice::<Value>(body).ok().and_then(|v| error_from_json(&v, Some(status))).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        let message = if text.is_empty() { format!("HTTP {status} with an empty body") } else { text.chars().take(500).collect() };
        ServerError { status: Some(status), message, kind: None, code: None }
    })
}

/// What differs between the OpenAI-style endpoints: the request body and how one JSON document
/// of the response is read. [`decode`] and [`finish`] do the rest.
pub trait JsonResponses {
    /// The endpoint's name, for messages.
    const NAME: &'static str;
    /// Formats a request body.
    ///
    /// # Errors
    /// [`EndpointError::UnsupportedPayload`] for payloads the endpoint cannot send.
    fn format_body(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError>;
    /// The request in typed form; by default there is none ([`EndpointError::NoTextForm`]).
    ///
    /// # Errors
    /// As [`Endpoint::text_request`](aiperf_core::Endpoint::text_request).
    fn text_body(&self, request: &InferenceRequest) -> Result<TextRequest, EndpointError> {
        let _ = request;
        Err(EndpointError::NoTextForm)
    }
    /// Applies one JSON document: a streamed event's data, or a whole body (`what` names which).
    /// It is given the bytes as received; [`decode`] applies an event that fails and is not UTF-8
    /// again, decoded lossily, so a failed call should leave `out` as it was.
    ///
    /// # Errors
    /// [`EndpointError::InvalidResponse`] when it is not the expected JSON.
    fn apply(&self, what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError>;
    /// The shape of the response objects when [`JsonResponses::apply`] reads them with the
    /// builtins' [`reader`](crate::reader) first (chat, completions): [`decode`] then reads whole stream events
    /// with it where they are. `None` (the default) for any other reading.
    const SHAPE: Option<Shape> = None;
}

/// Implements [`Endpoint`](aiperf_core::Endpoint) for [`JsonResponses`] types with [`decode`] and [`finish`].
macro_rules! json_endpoint {
    ($($ty:ty),* $(,)?) => {$(
        impl aiperf_core::Endpoint for $ty {
            fn format_request(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
                $crate::openai::JsonResponses::format_body(self, request)
            }

            fn text_request(&self, request: &InferenceRequest) -> Result<aiperf_core::TextRequest, EndpointError> {
                $crate::openai::JsonResponses::text_body(self, request)
            }

            fn decode(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) -> Result<(), EndpointError> {
                $crate::openai::decode(self, state, at, bytes, out)
            }

            fn finish(&self, state: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError> {
                $crate::openai::finish(self, state, out)
            }
        }
    )*};
}

json_endpoint!(crate::ChatEndpoint, crate::CompletionsEndpoint, crate::EmbeddingsEndpoint, crate::RankingsEndpoint);

/// Parses JSON into `T`, or an [`EndpointError::InvalidResponse`] quoting the bytes.
///
/// # Errors
/// When `bytes` is not JSON of type `T`.
pub fn parse_json<'a, T: Deserialize<'a>>(endpoint: &'static str, what: &'static str, bytes: &'a [u8]) -> Result<T, EndpointError> {
    serde_json::from_slice(bytes).map_err(|e| EndpointError::invalid(endpoint, what, e, bytes))
}

#[cfg(test)]
mod tests;
