//! OpenAI chat completions (`/v1/chat/completions`).

use std::borrow::Cow;
use std::time::Instant;

use aiperf_core::{
    ConfigError, EndpointError, FormattedRequest, FromModelEndpoint, InferenceRequest, Message, ModelEndpointInfo, ParsedResponse, Payload,
    TextInput, TextRequest,
};
use serde::Deserialize;
use serde_json::Map;

use crate::openai::{self, ChoicesEnvelope, IndexedChoice, JsonResponses, RequestBase};
use crate::reader::{self, Shape};

const NAME: &str = "chat";

/// OpenAI chat completions: messages in, `choices[0].delta.content` (streamed) or
/// `choices[0].message.content` out, with `usage` and in-band errors.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatEndpoint {
    base: RequestBase,
}

impl FromModelEndpoint for ChatEndpoint {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    #[inline]
    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self { base: RequestBase::from_info(info, true)? })
    }
}

/// The `messages` of a chat request: a prompt becomes one user message.
///
/// # Errors
/// [`EndpointError::UnsupportedPayload`] for payloads other than a prompt or messages.
pub fn chat_messages(payload: &Payload) -> Result<Vec<Message>, EndpointError> {
    match payload {
        Payload::Prompt(text) => Ok(vec![Message { role: "user".into(), content: text.clone() }]),
        Payload::Messages(messages) => Ok(messages.clone()),
        other => Err(EndpointError::UnsupportedPayload { endpoint: NAME, expected: "a prompt or messages", found: other.kind() }),
    }
}

impl ChatEndpoint {
    /// Formats a chat request body (shared with plugins that only change parsing).
    ///
    /// # Errors
    /// As [`Endpoint::format_request`](aiperf_core::Endpoint::format_request).
    pub fn format(base: &RequestBase, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        let messages = serde_json::to_value(chat_messages(&request.payload)?)
            .map_err(|e| EndpointError::Serialize { endpoint: NAME, reason: e.to_string() })?;
        let mut fields = Map::new();
        fields.insert("messages".into(), messages);
        base.body(NAME, request, Some(base.chat_max_tokens_key()), fields)
    }

    /// The typed form of the request [`ChatEndpoint::format`] writes (shared with plugins).
    ///
    /// # Errors
    /// As [`Endpoint::text_request`](aiperf_core::Endpoint::text_request).
    pub fn text(base: &RequestBase, request: &InferenceRequest) -> Result<TextRequest, EndpointError> {
        Ok(base.text(request, TextInput::Messages(chat_messages(&request.payload)?)))
    }

    /// Applies one response object (a streamed event's data, or a whole body: `what` says which)
    /// to `out`: the builtin's reading, shared with plugins. The one-pass [`reader`] reads what
    /// servers send; whatever it declines is read with serde ([`Self::apply_serde`]), so the
    /// records are serde's in every case. A failure leaves `out` as it was.
    ///
    /// # Errors
    /// [`EndpointError::InvalidResponse`] when `json` is not a chat response object.
    #[inline]
    pub fn apply_json(what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        if reader::apply(json, Shape::Chat, at, out) { Ok(()) } else { Self::apply_serde(what, json, at, out) }
    }

    /// Applies one response object to `out` with serde alone: the reference reading, and what
    /// [`Self::apply_json`] falls back to. A failure leaves `out` as it was.
    ///
    /// # Errors
    /// [`EndpointError::InvalidResponse`] when `json` is not a chat response object.
    pub fn apply_serde(what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        apply(openai::parse_json(NAME, what, json)?, at, out);
        Ok(())
    }
}

/// Strings are borrowed from the event unless they hold escapes.
#[derive(Deserialize)]
struct Choice<'a> {
    #[serde(default)]
    index: Option<u32>,
    #[serde(borrow)]
    delta: Option<Content<'a>>,
    #[serde(borrow)]
    message: Option<Content<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning_content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning: Option<Cow<'a, str>>,
}

impl IndexedChoice for Choice<'_> {
    fn index(&self) -> u32 {
        self.index.unwrap_or(0)
    }
}

impl Content<'_> {
    fn reasoning(&self) -> &str {
        self.reasoning_content.as_deref().or(self.reasoning.as_deref()).unwrap_or("")
    }
}

fn apply(chunk: ChoicesEnvelope<Choice<'_>>, at: Instant, out: &mut ParsedResponse) {
    if let Some(choice) = chunk.into_first_choice(out) {
        if let Some(content) = choice.delta.as_ref().or(choice.message.as_ref()) {
            out.push_content(at, content.content.as_deref().unwrap_or(""), content.reasoning());
        }
        if let Some(reason) = choice.finish_reason {
            out.finish_reason = Some(reason.into_owned());
        }
    }
}

impl JsonResponses for ChatEndpoint {
    const NAME: &'static str = NAME;
    const SHAPE: Option<Shape> = Some(Shape::Chat);

    fn format_body(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        Self::format(&self.base, request)
    }

    fn text_body(&self, request: &InferenceRequest) -> Result<TextRequest, EndpointError> {
        Self::text(&self.base, request)
    }

    fn apply(&self, what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        Self::apply_json(what, json, at, out)
    }
}
