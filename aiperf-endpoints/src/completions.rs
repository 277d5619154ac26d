//! OpenAI text completions (`/v1/completions`).

use std::borrow::Cow;
use std::time::Instant;

use aiperf_core::{
    ConfigError, EndpointError, FormattedRequest, FromModelEndpoint, InferenceRequest, ModelEndpointInfo, ParsedResponse, Payload,
    TextInput, TextRequest,
};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::openai::{self, ChoicesEnvelope, IndexedChoice, JsonResponses, RequestBase};
use crate::reader::{self, Shape};

const NAME: &str = "completions";

/// OpenAI text completions: a prompt in, `choices[0].text` out (streamed or whole).
#[derive(Clone, Debug, PartialEq)]
pub struct CompletionsEndpoint {
    base: RequestBase,
}

impl FromModelEndpoint for CompletionsEndpoint {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    #[inline]
    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self { base: RequestBase::from_info(info, true)? })
    }
}

impl CompletionsEndpoint {
    /// Formats a completions request body (shared with plugins that only change parsing).
    ///
    /// # Errors
    /// As [`Endpoint::format_request`](aiperf_core::Endpoint::format_request).
    pub fn format(base: &RequestBase, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        let prompt = match &request.payload {
            Payload::Prompt(text) => Value::String(text.clone()),
            Payload::Texts(texts) => Value::from(texts.clone()),
            other => return Err(EndpointError::UnsupportedPayload { endpoint: NAME, expected: "a prompt or texts", found: other.kind() }),
        };
        let mut fields = Map::new();
        fields.insert("prompt".into(), prompt);
        base.body(NAME, request, Some("max_tokens"), fields)
    }

    /// The typed form of the request [`CompletionsEndpoint::format`] writes (shared with plugins):
    /// several texts are one prompt, a line each, as vLLM reads a list prompt for one answer.
    ///
    /// # Errors
    /// As [`Endpoint::text_request`](aiperf_core::Endpoint::text_request).
    pub fn text(base: &RequestBase, request: &InferenceRequest) -> Result<TextRequest, EndpointError> {
        let prompt = match &request.payload {
            Payload::Prompt(text) => text.clone(),
            Payload::Texts(texts) => texts.join("\n"),
            other => return Err(EndpointError::UnsupportedPayload { endpoint: NAME, expected: "a prompt or texts", found: other.kind() }),
        };
        Ok(base.text(request, TextInput::Prompt(prompt)))
    }

    /// Applies one response object (a streamed event's data, or a whole body: `what` says which)
    /// to `out`: the builtin's reading, shared with plugins. The one-pass [`reader`] reads what
    /// servers send; whatever it declines is read with serde ([`Self::apply_serde`]), so the
    /// records are serde's in every case. A failure leaves `out` as it was.
    ///
    /// # Errors
    /// [`EndpointError::InvalidResponse`] when `json` is not a completions response object.
    #[inline]
    pub fn apply_json(what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        if reader::apply(json, Shape::Completions, at, out) { Ok(()) } else { Self::apply_serde(what, json, at, out) }
    }

    /// Applies one response object to `out` with serde alone: the reference reading, and what
    /// [`Self::apply_json`] falls back to. A failure leaves `out` as it was.
    ///
    /// # Errors
    /// [`EndpointError::InvalidResponse`] when `json` is not a completions response object.
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
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

impl IndexedChoice for Choice<'_> {
    fn index(&self) -> u32 {
        self.index.unwrap_or(0)
    }
}

fn apply(chunk: ChoicesEnvelope<Choice<'_>>, at: Instant, out: &mut ParsedResponse) {
    if let Some(choice) = chunk.into_first_choice(out) {
        out.push_content(at, choice.text.as_deref().unwrap_or(""), "");
        if let Some(reason) = choice.finish_reason {
            out.finish_reason = Some(reason.into_owned());
        }
    }
}

impl JsonResponses for CompletionsEndpoint {
    const NAME: &'static str = NAME;
    const SHAPE: Option<Shape> = Some(Shape::Completions);

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
