//! The optimized endpoints: builtin request formatting, zero-copy response parsing.

use std::marker::PhantomData;
use std::time::Instant;

use aiperf_core::{
    ConfigError, DecodeState, Endpoint, EndpointError, FormattedRequest, FromModelEndpoint, InferenceRequest, ModelEndpointInfo,
    ParsedResponse, TextRequest,
};
use aiperf_endpoints::openai::{self, JsonResponses, RequestBase};
use aiperf_endpoints::{ChatEndpoint, CompletionsEndpoint};

use aiperf_endpoints::reader::Shape;

use crate::json;
use crate::template::Template;

/// A request format of the builtins that this plugin keeps as is.
pub trait RequestFormat: Send + Sync + 'static {
    /// The endpoint's name.
    const NAME: &'static str;
    /// Where its responses carry text.
    const SHAPE: Shape;
    /// Formats a request body like the builtin endpoint.
    ///
    /// # Errors
    /// As the builtin's `format_request`.
    fn format(base: &RequestBase, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError>;
    /// The request in typed form, like the builtin endpoint.
    ///
    /// # Errors
    /// As the builtin's `text_request`.
    fn text(base: &RequestBase, request: &InferenceRequest) -> Result<TextRequest, EndpointError>;
    /// The builtin's reading of one response object (its one-pass reader, then serde).
    ///
    /// # Errors
    /// As the builtin's.
    fn apply_builtin(what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError>;
}

/// The chat completions request format (`/v1/chat/completions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chat;

/// The text completions request format (`/v1/completions`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completions;

impl RequestFormat for Chat {
    const NAME: &'static str = "chat";
    const SHAPE: Shape = Shape::Chat;

    fn format(base: &RequestBase, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        ChatEndpoint::format(base, request)
    }

    fn text(base: &RequestBase, request: &InferenceRequest) -> Result<TextRequest, EndpointError> {
        ChatEndpoint::text(base, request)
    }

    fn apply_builtin(what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        ChatEndpoint::apply_json(what, json, at, out)
    }
}

impl RequestFormat for Completions {
    const NAME: &'static str = "completions";
    const SHAPE: Shape = Shape::Completions;

    fn format(base: &RequestBase, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        CompletionsEndpoint::format(base, request)
    }

    fn text(base: &RequestBase, request: &InferenceRequest) -> Result<TextRequest, EndpointError> {
        CompletionsEndpoint::text(base, request)
    }

    fn apply_builtin(what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        CompletionsEndpoint::apply_json(what, json, at, out)
    }
}

/// An OpenAI text endpoint that formats requests like the builtin and parses responses into the
/// same records, reading each response object in one validating pass.
#[derive(Clone, Debug, PartialEq)]
pub struct OptimizedEndpoint<F> {
    base: RequestBase,
    _format: PhantomData<F>,
}

/// Chat completions (`/v1/chat/completions`), optimized; same records as [`ChatEndpoint`].
pub type OptimizedChatEndpoint = OptimizedEndpoint<Chat>;

/// Text completions (`/v1/completions`), optimized; same records as [`CompletionsEndpoint`].
pub type OptimizedCompletionsEndpoint = OptimizedEndpoint<Completions>;

impl<F> FromModelEndpoint for OptimizedEndpoint<F> {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    #[inline]
    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self { base: RequestBase::from_info(info, true)?, _format: PhantomData })
    }
}

impl<F: RequestFormat> JsonResponses for OptimizedEndpoint<F> {
    const NAME: &'static str = F::NAME;

    fn format_body(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        F::format(&self.base, request)
    }

    fn apply(&self, what: &'static str, json: &[u8], at: Instant, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        F::apply_builtin(what, json, at, out)
    }

    /// The builtin's reading is its reader's first: [`openai::decode`] reads whole events where
    /// they are, as the builtin does (a response whose template gave up is read that way).
    const SHAPE: Option<Shape> = Some(F::SHAPE);
}

impl<F: RequestFormat> Endpoint for OptimizedEndpoint<F> {
    fn format_request(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        self.format_body(request)
    }

    fn text_request(&self, request: &InferenceRequest) -> Result<TextRequest, EndpointError> {
        F::text(&self.base, request)
    }

    fn decode(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) -> Result<(), EndpointError> {
        if openai::buffer_whole_body(state, at, bytes) {
            return Ok(());
        }
        let mut template = Template::take(state);
        let bytes = template_events(&mut template, F::SHAPE, state, at, bytes, out);
        if template.gave_up() {
            // The chunks of this response missed the template (in this read or before): the rest
            // is read exactly as the builtin reads it.
            template.put_back(state);
            return openai::decode(self, state, at, bytes, out);
        }
        let result =
            openai::framed_events(state, at, bytes, out, |data, out| json::apply_event(self, F::SHAPE, &mut template, data, at, out));
        template.put_back(state);
        result
    }

    fn finish(&self, state: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        openai::finish(self, state, out)
    }
}

/// Applies the events that open `bytes` whole, each one `data:` line and a blank line (what
/// servers send), where they are ([`openai::whole_events`]): through the template, or else the
/// builtin's reader, as [`json::apply_event`] applies the same events after the SSE framing.
fn template_events<'a>(
    template: &mut Template,
    shape: Shape,
    state: &mut DecodeState,
    at: Instant,
    bytes: &'a [u8],
    out: &mut ParsedResponse,
) -> &'a [u8] {
    let template = std::cell::RefCell::new(template);
    let read = |line: &'a [u8], out: &ParsedResponse, event: &mut json::LineEvent<'a>| {
        json::read_line(&template.borrow(), shape, line, out, event)
    };
    openai::whole_events(state, at, bytes, out, read, |event, out| json::apply_line(&mut template.borrow_mut(), event, at, out))
}
