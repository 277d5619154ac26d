//! The `Transport` contract: how request bytes reach a server and response bytes come back.

use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// One request as a transport sees it: where to send what.
#[derive(Clone, Copy, Debug)]
pub struct TransportRequest<'a> {
    /// Path on the server (`/v1/chat/completions`), joined to the transport's base URL.
    pub path: &'a str,
    /// What to send.
    pub body: RequestBody<'a>,
    /// Whether the response will be a stream.
    pub streaming: bool,
    /// Correlation id (`X-Request-ID`), if any.
    pub request_id: Option<&'a str>,
    /// The user session it is a turn of; `None` for a request of no session (a session of one).
    pub session: Option<SessionTurn>,
    /// What the endpoint wants besides the body: its headers and how the API key goes.
    pub endpoint: EndpointHeaders<'a>,
}

/// The headers an endpoint asks for ([`Endpoint::request_headers`](crate::Endpoint::request_headers)
/// and [`Endpoint::auth`](crate::Endpoint::auth)), for a transport that sends headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndpointHeaders<'a> {
    /// `(name, value)` pairs, in order.
    pub headers: &'a [(String, String)],
    /// How the API key goes.
    pub auth: crate::Auth,
}

impl<'a> EndpointHeaders<'a> {
    /// What `endpoint` asks for.
    pub fn of<E: crate::Endpoint + ?Sized>(endpoint: &'a E) -> Self {
        Self { headers: endpoint.request_headers(), auth: endpoint.auth() }
    }
}

/// A request's place in a user session (a multi-turn conversation): what a transport needs to
/// keep a session on one connection ([`ConnectionReuse::StickyUserSessions`](crate::ConnectionReuse)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionTurn {
    /// The session, distinct from every other session of the run.
    pub key: u64,
    /// This is the session's last turn: nothing more is sent on its connection.
    pub last: bool,
}

/// The two forms a request can travel in; a transport carries one (see [`Transport::request_form`]).
#[derive(Clone, Copy, Debug)]
pub enum RequestBody<'a> {
    /// The endpoint's encoded body, sent as it is.
    Encoded {
        /// The bytes.
        bytes: &'a [u8],
        /// Their media type.
        content_type: &'a str,
    },
    /// A typed text request, which the transport encodes in its own protocol.
    Text(&'a crate::TextRequest),
}

impl<'a> RequestBody<'a> {
    /// The encoded bytes and their media type, for a transport that carries only those.
    ///
    /// # Errors
    /// [`TransportError::Unsupported`] for a typed text request, naming `transport`.
    pub fn encoded(&self, transport: &'static str) -> Result<(&'a [u8], &'a str), TransportError> {
        match *self {
            Self::Encoded { bytes, content_type } => Ok((bytes, content_type)),
            Self::Text(_) => Err(TransportError::Unsupported {
                transport,
                reason: "it carries the endpoint's encoded body, not a typed text request".to_owned(),
            }),
        }
    }

    /// The form this body is in.
    pub fn form(&self) -> RequestForm {
        match self {
            Self::Encoded { .. } => RequestForm::Encoded,
            Self::Text(_) => RequestForm::Text,
        }
    }
}

/// Which form of request a transport carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestForm {
    /// The endpoint's encoded body ([`Endpoint::format_request`](crate::Endpoint::format_request)):
    /// transports that move the endpoint's wire format (HTTP).
    Encoded,
    /// A typed [`TextRequest`](crate::TextRequest) ([`Endpoint::text_request`](crate::Endpoint::text_request)):
    /// transports with a protocol of their own (KServe gRPC), which answer with [`ResponseEvent`](crate::ResponseEvent)s.
    Text,
}

impl RequestForm {
    /// Prepares `request` in this form with `endpoint`.
    ///
    /// # Errors
    /// What the endpoint reports, such as [`EndpointError::NoTextForm`](crate::EndpointError::NoTextForm).
    pub fn prepare<E: crate::Endpoint + ?Sized>(
        self,
        endpoint: &E,
        request: &crate::InferenceRequest,
    ) -> Result<crate::PreparedRequest, crate::EndpointError> {
        Ok(match self {
            Self::Encoded => crate::PreparedRequest::Encoded(endpoint.format_request(request)?),
            Self::Text => crate::PreparedRequest::Text(endpoint.text_request(request)?),
        })
    }
}

/// Receives a response as it arrives. The transport calls [`ResponseSink::on_response`] once,
/// then, in arrival order, [`ResponseSink::on_chunk`] for every piece of an encoded body or
/// [`ResponseSink::on_event`] for what a protocol of its own reported.
pub trait ResponseSink: Send {
    /// The request was fully written at `at` (headers and body handed to the connection), before
    /// any response: where a client that cancels requests `delay` after sending them (AIPerf's
    /// `--request-cancellation-delay`) starts its timer. A transport should call it once, as soon
    /// as it knows; one that does not has its requests timed from the response's start instead.
    /// Ignored by default.
    fn on_sent(&mut self, at: Instant) {
        let _ = at;
    }
    /// The response started: its status is known.
    fn on_response(&mut self, status: u16, at: Instant);
    /// A piece of the body arrived at `at` (taken as the bytes were read, monotonic clock).
    /// Returning `Break` stops reading: the transport ends the request early.
    fn on_chunk(&mut self, at: Instant, bytes: &[u8]) -> ControlFlow<()>;
    /// The server said something, decoded by the transport from its own protocol, at `at`.
    /// Returning `Break` stops reading, as for [`ResponseSink::on_chunk`].
    fn on_event(&mut self, at: Instant, event: crate::ResponseEvent<'_>) -> ControlFlow<()>;
    /// The server named the request in its response's `x-request-id` header (or its protocol's
    /// equivalent), so that a record can be matched with the server's logs. Ignored by default.
    fn on_server_request_id(&mut self, id: &str) {
        let _ = id;
    }
}

/// When things happened during one request, measured by the transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportTiming {
    /// The transport began the request (before connecting).
    pub start: Instant,
    /// The request was fully written.
    pub sent: Instant,
    /// The response status and headers arrived.
    pub response_start: Option<Instant>,
    /// The first byte of the response body (or its first protocol message) arrived: where
    /// waiting ends and receiving begins (AIPerf's and k6's time to first byte).
    pub first_byte: Option<Instant>,
    /// The last body byte arrived (or the request failed).
    pub end: Instant,
    /// Time spent opening a connection (TCP, and TLS for `https://`), DNS not included; zero when
    /// one was reused.
    pub connecting: Duration,
    /// Time spent resolving the server's name for a new connection (zero for an IP address or a
    /// reused connection).
    pub dns_lookup: Duration,
    /// Time waiting for a connection before its own setup began, or for another request's
    /// connection to become ready (HTTP/2 shares one).
    pub blocked: Duration,
    /// Whether the request went over a connection that was open before it started; `None` for
    /// transports without connections of their own.
    pub connection_reused: Option<bool>,
    /// Body pieces written.
    pub chunks_sent: u32,
    /// Response status (HTTP status; 200 for transports without one that succeeded).
    pub status: u16,
    /// Bytes written: the body as the transport's protocol encodes it.
    pub bytes_sent: u64,
    /// Bytes received, as they came off the wire: body bytes, or the protocol's messages.
    pub bytes_received: u64,
    /// Number of body pieces (or protocol messages) received.
    pub chunks: u32,
}

/// What can go wrong moving bytes.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The server could not be reached.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// Address or URL.
        target: String,
        /// The underlying error.
        reason: String,
    },
    /// The request did not complete in time.
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// The connection failed after the request started.
    #[error("I/O error during the request: {0}")]
    Io(String),
    /// The other side broke its protocol.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The request cannot be served by this transport (unknown path, unsupported body).
    #[error("{transport} cannot serve this request: {reason}")]
    Unsupported {
        /// The transport.
        transport: &'static str,
        /// Why, and what it accepts.
        reason: String,
    },
}

/// A boxed transport future, for runtime-registered transports.
pub type TransportFuture<'a> = Pin<Box<dyn Future<Output = Result<TransportTiming, TransportError>> + Send + 'a>>;

/// Moves one request to a server and streams the response into a [`ResponseSink`].
///
/// Not object safe (it returns `impl Future`): table entries are dispatched through a generated
/// `enum`. Runtime-registered transports go through [`DynTransport`], which every `Transport` gets.
pub trait Transport: Send + Sync {
    /// Sends `request` and feeds the response to `sink` until it ends.
    ///
    /// A response with an error status is still delivered to the sink (its body explains the
    /// error); only failures to move bytes are `Err`.
    fn send<'a>(
        &'a self,
        request: TransportRequest<'a>,
        sink: &'a mut dyn ResponseSink,
    ) -> impl Future<Output = Result<TransportTiming, TransportError>> + Send + 'a;

    /// Which form of request this transport carries. Default: [`RequestForm::Encoded`].
    fn request_form(&self) -> RequestForm {
        RequestForm::Encoded
    }

    /// Whether this transport can carry `request` at all, checked once before a run so that a
    /// combination it cannot serve (an endpoint without a mapping onto its protocol) is refused
    /// with the arguments, not on every request. Sends nothing. Default: it can.
    ///
    /// # Errors
    /// [`TransportError::Unsupported`] saying what it does carry.
    fn check(&self, request: TransportRequest<'_>) -> Result<(), TransportError> {
        let _ = request;
        Ok(())
    }
}

/// Object-safe form of [`Transport`], for transports registered at run time.
pub trait DynTransport: Send + Sync {
    /// [`Transport::send`], boxed.
    fn send_boxed<'a>(&'a self, request: TransportRequest<'a>, sink: &'a mut dyn ResponseSink) -> TransportFuture<'a>;
    /// [`Transport::request_form`].
    fn request_form_dyn(&self) -> RequestForm;
    /// [`Transport::check`].
    ///
    /// # Errors
    /// As [`Transport::check`].
    fn check_dyn(&self, request: TransportRequest<'_>) -> Result<(), TransportError>;
}

impl<T: Transport> DynTransport for T {
    fn send_boxed<'a>(&'a self, request: TransportRequest<'a>, sink: &'a mut dyn ResponseSink) -> TransportFuture<'a> {
        Box::pin(self.send(request, sink))
    }

    fn request_form_dyn(&self) -> RequestForm {
        self.request_form()
    }

    fn check_dyn(&self, request: TransportRequest<'_>) -> Result<(), TransportError> {
        self.check(request)
    }
}

impl TransportTiming {
    /// Timing of a request issued at `start` with a body of `bytes_sent` bytes; the transport
    /// fills in the rest as the request progresses.
    pub fn begin(start: Instant, bytes_sent: usize) -> Self {
        Self {
            start,
            sent: start,
            response_start: None,
            first_byte: None,
            end: start,
            connecting: Duration::ZERO,
            dns_lookup: Duration::ZERO,
            blocked: Duration::ZERO,
            connection_reused: None,
            chunks_sent: 0,
            status: 0,
            bytes_sent: bytes_sent as u64,
            bytes_received: 0,
            chunks: 0,
        }
    }

    /// Notes a piece of the response body (or a protocol message) of `bytes` bytes, arrived at `at`.
    #[inline]
    pub fn received(&mut self, at: Instant, bytes: u64) {
        self.first_byte.get_or_insert(at);
        self.bytes_received += bytes;
        self.chunks += 1;
    }
}

/// One request sent through a transport and decoded by an endpoint as it arrives.
#[derive(Debug)]
pub struct Exchange {
    /// The transport's timing, or why it could not move the bytes.
    pub timing: Result<TransportTiming, TransportError>,
    /// Everything the endpoint parsed (kept even when decoding failed part-way).
    pub response: crate::ParsedResponse,
    /// The endpoint's decoding error, if any.
    pub decode_error: Option<crate::EndpointError>,
}

/// Sends a prepared request to `path` and decodes the response with `endpoint`: what a benchmark
/// does for every request. The request is of no user session; see [`exchange_turn`].
pub async fn exchange<T: Transport, E: crate::Endpoint + ?Sized>(
    transport: &T,
    endpoint: &E,
    path: &str,
    request: &crate::PreparedRequest,
    request_id: Option<&str>,
) -> Exchange {
    exchange_turn(transport, endpoint, path, request, request_id, None).await
}

/// [`exchange`] for a request that is a turn of `session`, when it is one.
pub async fn exchange_turn<T: Transport, E: crate::Endpoint + ?Sized>(
    transport: &T,
    endpoint: &E,
    path: &str,
    request: &crate::PreparedRequest,
    request_id: Option<&str>,
    session: Option<SessionTurn>,
) -> Exchange {
    let mut collector = crate::ResponseCollector::new(endpoint, request.streaming());
    let timing = transport.send(transport_request(endpoint, path, request, request_id, session), &mut collector).await;
    let (response, decode_error) = collector.finish();
    Exchange { timing, response, decode_error }
}

/// What a transport is given to send `request` to `path` for `endpoint`: for a caller that hands
/// the transport a sink of its own (one that shows a reply as it arrives, say).
pub fn transport_request<'a, E: crate::Endpoint + ?Sized>(
    endpoint: &'a E,
    path: &'a str,
    request: &'a crate::PreparedRequest,
    request_id: Option<&'a str>,
    session: Option<SessionTurn>,
) -> TransportRequest<'a> {
    let endpoint_headers = EndpointHeaders::of(endpoint);
    TransportRequest { path, body: request.body(), streaming: request.streaming(), request_id, session, endpoint: endpoint_headers }
}
