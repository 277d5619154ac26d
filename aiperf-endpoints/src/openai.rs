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

use crate::reader::{self, Shape};
use crate::sse;

mod response_id;
pub use response_id::ResponseId;

/// What every request body of an endpoint starts from: the model, streaming, extra inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestBase {
    /// Default model name.
    pub model: Arc<str>,
    /// Whether to ask for a stream (only endpoints that stream honour it).
    pub streaming: bool,
    /// Keys merged into every body, overriding the endpoint's own.
    pub extra_inputs: Map<String, Value>,
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
            extra_inputs: info.extra_inputs.clone(),
        })
    }

    /// A JSON body: `model` (the request's or the default), the endpoint's `fields`, `max_tokens`
    /// (when `with_max_tokens` and the request bounds output), the stream keys, then extra inputs.
    ///
    /// # Errors
    /// [`EndpointError::Serialize`] if a value cannot be written as JSON.
    pub fn body(
        &self,
        endpoint: &'static str,
        request: &InferenceRequest,
        with_max_tokens: bool,
        fields: Map<String, Value>,
    ) -> Result<FormattedRequest, EndpointError> {
        let mut body = Map::with_capacity(fields.len() + self.extra_inputs.len() + 4);
        body.insert("model".into(), Value::String(request.model.clone().unwrap_or_else(|| self.model.to_string())));
        body.extend(fields);
        if let Some(max_tokens) = request.max_tokens.filter(|_| with_max_tokens) {
            body.insert("max_tokens".into(), max_tokens.into());
        }
        if self.streaming {
            body.insert("stream".into(), true.into());
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
    /// An in-band `error`.
    pub error: Option<Value>,
}

/// A choice that knows its `index`.
pub trait IndexedChoice {
    /// `index`, 0 when absent.
    fn index(&self) -> u32;
}

impl<C: IndexedChoice> ChoicesEnvelope<C> {
    /// Records the id, error and usage in `out` and returns choice 0, the response being measured
    /// (with `n > 1`, servers stream one choice per chunk).
    pub fn into_first_choice(self, out: &mut ParsedResponse) -> Option<C> {
        if let Some(id) = &self.id.0 {
            out.keep_response_id(id);
        }
        apply_envelope(self.error.as_ref(), self.usage, out);
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
    /// builtins' [`reader`] first (chat, completions): [`decode`] then reads whole stream events
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

/// [`Endpoint::decode`](aiperf_core::Endpoint::decode) for a [`JsonResponses`] endpoint.
///
/// # Errors
/// What the endpoint's JSON handling reports.
pub fn decode<J: JsonResponses>(
    json: &J,
    state: &mut DecodeState,
    at: Instant,
    bytes: &[u8],
    out: &mut ParsedResponse,
) -> Result<(), EndpointError> {
    if buffer_whole_body(state, at, bytes) {
        return Ok(());
    }
    let bytes = match J::SHAPE {
        Some(shape) => read_whole_events(shape, state, at, bytes, out),
        None => bytes,
    };
    sse::feed_bytes(state, bytes, |data| {
        out.event_times.push(at);
        if data == b"[DONE]" {
            out.done = true;
            return Ok(());
        }
        apply_event(json, data, at, out)
    })
}

/// Reads the events that open `bytes` whole, each one `data:` line holding a response object of
/// `shape` and a blank line (what servers send), where they are: the reader finds where each
/// line's object ends, so no search for the line's end comes first. They apply as the same
/// events through [`sse::feed_bytes`] and [`apply_event`] do. Returns the bytes after them (all
/// of `bytes` when the first is not such an event), for the SSE framing.
fn read_whole_events<'a>(shape: Shape, state: &mut DecodeState, at: Instant, bytes: &'a [u8], out: &mut ParsedResponse) -> &'a [u8] {
    let read = |line, out: &ParsedResponse| {
        let mut read = reader::Read::default();
        reader::read_line(line, shape, out.response_id.is_none(), &mut read).map(|end| (end, read))
    };
    whole_events(state, at, bytes, out, read, |read, out| read.apply(at, out))
}

/// The events that open `bytes` whole, each one `data:` line and a blank line, read where they
/// are: `read` reads a line's value (given the bytes from the value on, and `out` as it is) and
/// says where it ends, which [`sse::one_line_event`] checks is the event's end before `apply`
/// applies what was read (so a value read whole but not ending its event changes nothing). Each
/// applied event's arrival, `at`, is noted in `out`. Returns the bytes after them, for
/// [`sse::feed_bytes`]. Shared with plugins that read events their own way.
pub fn whole_events<'a, T>(
    state: &mut DecodeState,
    at: Instant,
    bytes: &'a [u8],
    out: &mut ParsedResponse,
    mut read: impl FnMut(&'a [u8], &ParsedResponse) -> Option<(usize, T)>,
    mut apply: impl FnMut(T, &mut ParsedResponse),
) -> &'a [u8] {
    if !sse::starts_event(state, bytes) {
        return bytes;
    }
    let mut rest = bytes;
    loop {
        let mut value = None;
        let event = sse::one_line_event(rest, |line| {
            let (end, read) = read(line, out)?;
            value = Some(read);
            Some(end)
        });
        let (Some(length), Some(value)) = (event, value) else { break };
        out.event_times.push(at);
        apply(value, out);
        rest = &rest[length..];
    }
    sse::consumed(state, bytes.len() - rest.len());
    rest
}

/// Applies one SSE event's data with `json`'s reading. It is parsed as received; an event that
/// fails and is not UTF-8 is decoded lossily (WHATWG's SSE decoding) and parsed again. An event
/// that parses applies all at once, so a failure has changed nothing. (The readers check UTF-8 in
/// the strings they keep: a valid event is never validated twice.) Shared with plugins that read
/// some events their own way.
///
/// # Errors
/// As [`JsonResponses::apply`], on the event as received or decoded lossily.
pub fn apply_event<J: JsonResponses + ?Sized>(json: &J, data: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
    match json.apply("SSE event", data, at, out) {
        Err(_) if std::str::from_utf8(data).is_err() => json.apply("SSE event", String::from_utf8_lossy(data).as_bytes(), at, out),
        result => result,
    }
}

/// Notes the arrival time, and buffers `bytes` when the response is one body (not streamed, or an
/// error status) to be parsed by [`finish`]. Returns whether it buffered them.
pub fn buffer_whole_body(state: &mut DecodeState, at: Instant, bytes: &[u8]) -> bool {
    state.last_at = Some(at);
    if state.streaming && !state.is_error_status() {
        return false;
    }
    state.received += bytes.len() as u64;
    state.buffer.extend_from_slice(bytes);
    true
}

/// [`Endpoint::finish`](aiperf_core::Endpoint::finish) for a [`JsonResponses`] endpoint.
///
/// # Errors
/// [`EndpointError::Truncated`] for a stream without `data: [DONE]`, or what the body parse reports.
pub fn finish<J: JsonResponses>(json: &J, state: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError> {
    let at = state.last_at.unwrap_or_else(Instant::now);
    let result = if state.is_error_status() {
        out.event_times.push(at);
        out.error = Some(error_from_body(&state.buffer, state.status));
        out.done = true;
        Ok(())
    } else if !state.streaming {
        out.event_times.push(at);
        // Invalid UTF-8 is decoded lossily, as in streamed events (WHATWG's SSE decoding): one rule
        // for every response, kept by the plugins too.
        let body = String::from_utf8_lossy(&state.buffer);
        let result = json.apply("response body", body.as_bytes(), at, out);
        out.done = result.is_ok();
        result
    } else if !out.done {
        let json_body = out.event_times.is_empty() && state.buffer.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if json_body {
            Err(EndpointError::NotAStream { endpoint: J::NAME })
        } else {
            Err(EndpointError::Truncated { endpoint: J::NAME, pending: state.buffer.len() })
        }
    } else {
        Ok(())
    };
    state.buffer.clear();
    result
}

/// Parses JSON into `T`, or an [`EndpointError::InvalidResponse`] quoting the bytes.
///
/// # Errors
/// When `bytes` is not JSON of type `T`.
pub fn parse_json<'a, T: Deserialize<'a>>(endpoint: &'static str, what: &'static str, bytes: &'a [u8]) -> Result<T, EndpointError> {
    serde_json::from_slice(bytes).map_err(|e| EndpointError::invalid(endpoint, what, e, bytes))
}

#[cfg(test)]
mod tests;
