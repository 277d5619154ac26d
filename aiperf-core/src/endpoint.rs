//! The `Endpoint` contract: one wire format (how a request body looks, how the answer is parsed).

use std::ops::ControlFlow;
use std::time::Instant;

use crate::{DecodeState, FormattedRequest, InferenceRequest, ParsedResponse, ResponseEvent, ResponseSink, TextRequest};

/// A wire format of an inference API, such as OpenAI chat completions.
///
/// Implementations are built by the factory from a
/// [`ModelEndpointInfo`](crate::ModelEndpointInfo) (see [`FromModelEndpoint`](crate::FromModelEndpoint)).
/// The trait is object safe so that names registered at run time can be boxed; names from the
/// implementation table are dispatched through a generated `enum` and never boxed.
pub trait Endpoint: Send + Sync {
    /// Formats the body of one request.
    ///
    /// # Errors
    /// [`EndpointError::UnsupportedPayload`] when the payload kind does not fit this endpoint.
    fn format_request(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError>;

    /// The same request as [`format_request`](Endpoint::format_request) would send, in typed form,
    /// for transports that encode text requests in a protocol of their own (KServe gRPC). Their
    /// answers come back as [`ResponseEvent`]s, not bytes to [`decode`](Endpoint::decode).
    ///
    /// # Errors
    /// [`EndpointError::NoTextForm`] (the default) for endpoints that are not text generation;
    /// [`EndpointError::UnsupportedPayload`] as for `format_request`.
    fn text_request(&self, request: &InferenceRequest) -> Result<TextRequest, EndpointError> {
        let _ = request;
        Err(EndpointError::NoTextForm)
    }

    /// Feeds response bytes as they arrive at `at`; parsed content goes to `out`.
    ///
    /// `state` carries what one response's decoding needs between calls (the HTTP status, bytes
    /// of an unfinished event). Reads do not line up with events: a call may hold half an event,
    /// or several, or split a UTF-8 character.
    ///
    /// # Errors
    /// [`EndpointError`] when the bytes are not the wire format this endpoint parses.
    fn decode(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) -> Result<(), EndpointError>;

    /// Ends one response: parses a buffered body, checks the stream ended properly.
    ///
    /// # Errors
    /// [`EndpointError`] when what was buffered cannot be parsed.
    fn finish(&self, state: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError>;

    /// The headers this API wants on every request besides its body's (Anthropic's
    /// `anthropic-version`), as `(name, value)`. The transport adds its own first and the user's
    /// (`-H`) last, so a user's header of the same name wins. None by default.
    fn request_headers(&self) -> &[(String, String)] {
        &[]
    }

    /// How the API key (`--api-key`) goes to the server: OpenAI's `Authorization: Bearer` by
    /// default.
    fn auth(&self) -> Auth {
        Auth::Bearer
    }
}

/// How a request carries the API key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Auth {
    /// `Authorization: Bearer <key>` (OpenAI, vLLM, NIM, ...).
    #[default]
    Bearer,
    /// The key alone, as the value of this header (Anthropic's `x-api-key`).
    Header(&'static str),
}

/// The events a streamed response has room for before its vectors grow.
const STREAM_EVENTS: usize = 24;

/// What went wrong formatting a request or parsing a response.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// The request payload kind does not fit this endpoint.
    #[error("the {endpoint} endpoint cannot send a {found} payload: it expects {expected}")]
    UnsupportedPayload {
        /// The endpoint.
        endpoint: &'static str,
        /// The kinds it accepts.
        expected: &'static str,
        /// The kind it was given.
        found: &'static str,
    },
    /// The endpoint has no typed text form, so a transport that carries text requests cannot send it.
    #[error(
        "this endpoint has no text-generation form (transports that carry typed text requests, such as grpc, take chat and completions)"
    )]
    NoTextForm,
    /// A response body or event is not valid JSON of the expected shape.
    #[error("{endpoint}: cannot parse {what}: {reason}; received: {snippet}")]
    InvalidResponse {
        /// The endpoint.
        endpoint: &'static str,
        /// What was being parsed (e.g. "SSE event", "response body").
        what: &'static str,
        /// Why it failed.
        reason: String,
        /// The start of the offending bytes, lossily decoded.
        snippet: String,
    },
    /// A JSON body could not be serialized (for example a non-finite number in extra inputs).
    #[error("{endpoint}: cannot serialize the request body: {reason}")]
    Serialize {
        /// The endpoint.
        endpoint: &'static str,
        /// Why it failed.
        reason: String,
    },
    /// A request asked for a stream and the server answered with one JSON body instead.
    #[error(
        "{endpoint}: the server answered a streaming request with one JSON body, not server-sent events (does it stream on this path? drop --streaming to read it whole)"
    )]
    NotAStream {
        /// The endpoint.
        endpoint: &'static str,
    },
    /// The response grew past [`MAX_RESPONSE_BYTES`]; it was not read further.
    #[error("the response exceeded {limit} bytes and was not read further (no inference answer is that large)")]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The stream ended inside an event: its last bytes do not make a whole one.
    #[error("{endpoint}: the stream ended inside an event ({pending} bytes of it discarded)")]
    Truncated {
        /// The endpoint.
        endpoint: &'static str,
        /// Bytes left in the buffer.
        pending: usize,
    },
}

impl EndpointError {
    /// An [`EndpointError::InvalidResponse`] quoting at most 200 bytes of `bytes`.
    pub fn invalid(endpoint: &'static str, what: &'static str, reason: impl ToString, bytes: &[u8]) -> Self {
        let cut = bytes.len().min(200);
        let mut snippet = String::from_utf8_lossy(&bytes[..cut]).into_owned();
        if cut < bytes.len() {
            snippet.push('…');
        }
        Self::InvalidResponse { endpoint, what, reason: reason.to_string(), snippet }
    }
}

/// The most response body bytes a [`ResponseCollector`] reads: 64 MiB, far above any real answer
/// (16 million tokens of text, 16 million embedding floats), so that one misbehaving server cannot
/// exhaust the client's memory.
pub const MAX_RESPONSE_BYTES: usize = 64 << 20;

/// A [`ResponseSink`] that decodes a response with an endpoint as its bytes arrive: what a
/// benchmark hands a transport. The first decoding error stops the transport from reading on, and
/// so does a body larger than [`MAX_RESPONSE_BYTES`].
pub struct ResponseCollector<'e, E: Endpoint + ?Sized> {
    endpoint: &'e E,
    state: DecodeState,
    response: ParsedResponse,
    error: Option<EndpointError>,
    received: usize,
    /// The transport reported events rather than bytes: there is nothing for the endpoint to finish.
    events: bool,
}

impl<'e, E: Endpoint + ?Sized> ResponseCollector<'e, E> {
    /// A collector for one response to a request that did (or did not) ask for a stream.
    pub fn new(endpoint: &'e E, streaming: bool) -> Self {
        Self {
            endpoint,
            state: DecodeState::new(200, streaming),
            // Room for a short answer's events; longer ones grow from there.
            response: if streaming { ParsedResponse::with_capacity(STREAM_EVENTS) } else { ParsedResponse::default() },
            error: None,
            received: 0,
            events: false,
        }
    }

    /// Everything parsed so far (a sink that shows a reply as it arrives reads it).
    pub fn response(&self) -> &ParsedResponse {
        &self.response
    }

    /// Whether a piece of content (text or reasoning) has been parsed yet.
    pub fn has_content(&self) -> bool {
        !self.response.chunks.is_empty()
    }

    /// The HTTP status the response started with (200 until the transport reports one).
    pub fn status(&self) -> u16 {
        self.state.status
    }

    /// Counts `more` bytes of response; true (reading must stop) once decoding failed or the
    /// response passed [`MAX_RESPONSE_BYTES`].
    fn exceeds_limit(&mut self, more: usize) -> bool {
        if self.error.is_some() {
            return true;
        }
        self.received = self.received.saturating_add(more);
        if self.received > MAX_RESPONSE_BYTES {
            self.error = Some(EndpointError::ResponseTooLarge { limit: MAX_RESPONSE_BYTES });
            return true;
        }
        false
    }

    /// Ends the response: everything parsed, and the first error if decoding failed (the content
    /// parsed before the error is kept).
    pub fn finish(mut self) -> (ParsedResponse, Option<EndpointError>) {
        if self.error.is_none()
            && !self.events
            && let Err(e) = self.endpoint.finish(&mut self.state, &mut self.response)
        {
            self.error = Some(e);
        }
        (self.response, self.error)
    }
}

impl<E: Endpoint + ?Sized> ResponseSink for ResponseCollector<'_, E> {
    fn on_response(&mut self, status: u16, _at: Instant) {
        self.state.status = status;
    }

    fn on_server_request_id(&mut self, id: &str) {
        self.response.server_request_id = Some(crate::response::bounded_id(id));
    }

    fn on_event(&mut self, at: Instant, event: ResponseEvent<'_>) -> ControlFlow<()> {
        self.events = true;
        // Text kept from events counts against the same bound as bytes to decode.
        let kept = match event {
            ResponseEvent::Content(text) | ResponseEvent::Reasoning(text) => text.len(),
            _ => 0,
        };
        if self.exceeds_limit(kept) {
            return ControlFlow::Break(());
        }
        self.response.apply(at, event);
        ControlFlow::Continue(())
    }

    fn on_chunk(&mut self, at: Instant, bytes: &[u8]) -> ControlFlow<()> {
        if self.exceeds_limit(bytes.len()) {
            return ControlFlow::Break(());
        }
        match self.endpoint.decode(&mut self.state, at, bytes, &mut self.response) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

/// Decodes one whole response from pieces of bytes and their arrival times (what a
/// [`ResponseCollector`] does with what a transport delivers). `status` is the HTTP status;
/// `streaming` says whether the request asked for a stream.
///
/// # Errors
/// The first [`EndpointError`]; use a [`ResponseCollector`] to keep what was parsed before it.
pub fn decode_response<'a, E: Endpoint + ?Sized>(
    endpoint: &E,
    status: u16,
    streaming: bool,
    pieces: impl IntoIterator<Item = (Instant, &'a [u8])>,
) -> Result<ParsedResponse, EndpointError> {
    let mut collector = ResponseCollector::new(endpoint, streaming);
    collector.on_response(status, Instant::now());
    for (at, bytes) in pieces {
        if collector.on_chunk(at, bytes).is_break() {
            break;
        }
    }
    match collector.finish() {
        (response, None) => Ok(response),
        (_, Some(error)) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FormattedRequest, InferenceRequest};

    /// Counts bytes, keeps nothing.
    struct Sink;

    impl Endpoint for Sink {
        fn format_request(&self, _: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
            Ok(FormattedRequest { body: Vec::new(), content_type: "text/plain", streaming: true })
        }
        fn decode(&self, state: &mut DecodeState, _: Instant, bytes: &[u8], _: &mut ParsedResponse) -> Result<(), EndpointError> {
            state.received += bytes.len() as u64;
            Ok(())
        }
        fn finish(&self, _: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError> {
            out.done = true;
            Ok(())
        }
    }

    #[test]
    fn a_response_past_the_limit_stops_the_transport() {
        let mut collector = ResponseCollector::new(&Sink, true);
        let piece = vec![b'x'; 1 << 20];
        let fed = (0..).take_while(|_| collector.on_chunk(Instant::now(), &piece).is_continue()).count();
        assert_eq!(fed, MAX_RESPONSE_BYTES >> 20, "exactly the limit is read");
        let (_, error) = collector.finish();
        assert!(matches!(error, Some(EndpointError::ResponseTooLarge { limit: MAX_RESPONSE_BYTES })), "{error:?}");
    }

    #[test]
    fn text_reported_as_events_has_the_same_bound() {
        let mut collector = ResponseCollector::new(&Sink, true);
        let piece = "x".repeat(1 << 20);
        let kept = (0..).take_while(|_| collector.on_event(Instant::now(), ResponseEvent::Content(&piece)).is_continue()).count();
        assert_eq!(kept, MAX_RESPONSE_BYTES >> 20, "exactly the limit is kept");
        let (response, error) = collector.finish();
        assert_eq!(response.text.len(), MAX_RESPONSE_BYTES);
        assert!(matches!(error, Some(EndpointError::ResponseTooLarge { .. })), "{error:?}");
    }
}
