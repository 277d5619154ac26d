//! The `http` (HTTP/1.1) and `http2` transports, on hyper with rustls for `https://`.

mod body;
mod connect;
mod headers;
mod read_clock;
mod reuse;
mod sticky;
mod url;

use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aiperf_core::{
    ConfigError, FromModelEndpoint, ModelEndpointInfo, ResponseSink, Transport, TransportError, TransportRequest, TransportTiming,
};
use bytes::Bytes;
use http::{Method, Request, Uri};
use http_body_util::BodyExt;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub use body::SentBody;
pub use connect::{ConnectTimes, HttpConnect, TimedConnector, TimedResolver};
pub use headers::{JSON, RequestHeaders, X_REQUEST_ID};
use read_clock::ReadClock;
use reuse::{Reuse, Route};
use sticky::{Leased, Leases};
pub use url::BaseUrl;

/// Which HTTP version a [`HyperTransport`] speaks.
pub trait HttpVersion: Send + Sync + 'static {
    /// The transport's name, for messages.
    const NAME: &'static str;
    /// HTTP/2 only: prior knowledge (h2c) for `http://`, ALPN `h2` for `https://`.
    const HTTP2_ONLY: bool;
}

/// HTTP/1.1 with keep-alive: one pooled connection per request in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Http1;

/// HTTP/2: many concurrent streams on one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Http2;

impl HttpVersion for Http1 {
    const NAME: &'static str = "http";
    const HTTP2_ONLY: bool = false;
}

impl HttpVersion for Http2 {
    const NAME: &'static str = "http2";
    const HTTP2_ONLY: bool = true;
}

/// The `http` transport: HTTP/1.1, keep-alive pooling, streaming bodies, rustls for `https://`.
pub type HttpTransport = HyperTransport<Http1>;

/// The `http2` transport: HTTP/2 with prior knowledge for `http://` and ALPN for `https://`.
pub type Http2Transport = HyperTransport<Http2>;

/// An HTTP client transport on hyper: a pooled client for one base URL, with the request's
/// headers (API key, extra headers) and timeout taken from the [`ModelEndpointInfo`].
///
/// Its connections come from `C`, by default TCP with rustls for `https://`. Another transport
/// reuses the whole of it (the keep-alive pool, `--connection-reuse-strategy`, sticky sessions,
/// timing by socket reads, headers, deadlines) over connections of its own, an HTTP-over-Unix-
/// socket transport say, with [`HyperTransport::with_connector`].
///
/// Timing is taken where bytes move: `sent` when the body was handed to the connection,
/// `response_start` when the status and headers arrived, and each chunk as its frame was read.
///
/// Connections are reused as [`ConnectionReuse`](aiperf_core::ConnectionReuse) says; a request
/// written into a pooled connection that the server had already closed is sent again on a new one
/// (see `reuse.rs`).
pub struct HyperTransport<V, C = DefaultConnector> {
    /// Keeps idle connections for reuse.
    pooled: Client<TimedConnector<C>, SentBody>,
    /// Opens a connection for each request and closes it after the response.
    fresh: Client<TimedConnector<C>, SentBody>,
    /// Each user session's connection between its turns (`sticky-user-sessions`).
    sessions: Leases<Leased>,
    /// What every client connects with.
    connector: TimedConnector<C>,
    reuse: Reuse,
    base: BaseUrl,
    headers: RequestHeaders,
    timeout: Duration,
    _version: PhantomData<V>,
}

impl<V, C> std::fmt::Debug for HyperTransport<V, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HyperTransport")
            .field("base", &self.base)
            .field("reuse", &self.reuse)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<V: HttpVersion> FromModelEndpoint for HyperTransport<V> {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        let url = info.url.as_ref().ok_or(ConfigError::MissingUrl { implementation: V::NAME })?;
        let base = BaseUrl::new(url)?;
        let tls = tls_config(base.is_https())?;
        // No Nagle: small writes (HTTP/2 HEADERS then DATA) must not wait for the peer's delayed ACK.
        let mut tcp = HttpConnector::new_with_resolver(TimedResolver::new());
        tcp.set_nodelay(true);
        tcp.enforce_http(false);
        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http();
        let connector = if V::HTTP2_ONLY { builder.enable_http2().wrap_connector(tcp) } else { builder.enable_http1().wrap_connector(tcp) };
        Self::with_connector(info, connector)
    }
}

impl<V: HttpVersion, C: HttpConnect> HyperTransport<V, C> {
    /// The transport of `info` (its URL, headers, timeout and reuse strategy) over connections
    /// `connector` opens: every request goes through it, whatever host the URL names.
    ///
    /// # Errors
    /// [`ConfigError`] for a missing or unusable URL or headers.
    pub fn with_connector(info: &ModelEndpointInfo, connector: C) -> Result<Self, ConfigError> {
        let url = info.url.as_ref().ok_or(ConfigError::MissingUrl { implementation: V::NAME })?;
        let connector = TimedConnector::new(connector);
        Ok(Self {
            pooled: client::<V, C>(&connector, usize::MAX),
            fresh: client::<V, C>(&connector, 0),
            sessions: Leases::new(),
            connector,
            reuse: Reuse::new(info.connection_reuse),
            base: BaseUrl::new(url)?,
            headers: RequestHeaders::new(info)?,
            timeout: info.timeout,
            _version: PhantomData,
        })
    }
}

/// The connector of the `http` and `http2` transports: TCP (without Nagle, its DNS timed), TLS
/// for `https://`.
pub type DefaultConnector = HttpsConnector<HttpConnector<TimedResolver>>;

/// A client of its own pool, keeping at most `idle_per_host` idle connections.
fn client<V: HttpVersion, C: HttpConnect>(connector: &TimedConnector<C>, idle_per_host: usize) -> Client<TimedConnector<C>, SentBody> {
    Client::builder(TokioExecutor::new())
        .http2_only(V::HTTP2_ONLY)
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(idle_per_host)
        .build(connector.clone())
}

/// rustls with the system's root certificates for `https://`; no roots are loaded for `http://`.
fn tls_config(https: bool) -> Result<rustls::ClientConfig, ConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    if https {
        let found = rustls_native_certs::load_native_certs();
        for cert in found.certs {
            let _ = roots.add(cert);
        }
        if roots.is_empty() {
            return Err(ConfigError::InvalidOption {
                option: "url",
                value: "https://…".to_owned(),
                expected: "a system certificate store (install ca-certificates) for https:// URLs",
            });
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::InvalidOption { option: "tls", value: e.to_string(), expected: "a TLS setup rustls supports" })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

impl<V: HttpVersion, C: HttpConnect> HyperTransport<V, C> {
    fn build(&self, request: &TransportRequest<'_>, content_type: &str, body: SentBody) -> Result<Request<SentBody>, TransportError> {
        let uri: Uri = self.base.join(request.path).map_err(|reason| TransportError::Unsupported { transport: V::NAME, reason })?;
        let headers = self.headers.for_request(V::NAME, request.endpoint, content_type, request.streaming, request.request_id)?;
        let mut http_request = Request::new(body);
        *http_request.method_mut() = Method::POST;
        *http_request.uri_mut() = uri;
        *http_request.headers_mut() = headers;
        Ok(http_request)
    }

    async fn exchange(
        &self,
        request: TransportRequest<'_>,
        sink: &mut dyn ResponseSink,
        timing: &mut TransportTiming,
    ) -> Result<(), TransportError> {
        let Head { response, sent, session } = self.head(&request, timing.start, sink).await?;
        // Bytes are timed by the socket read that brought them (see `read_clock.rs`).
        let clock = response.extensions().get::<ReadClock>().cloned();
        let at = ReadClock::arrival(clock.as_ref());
        if let Some(times) = response.extensions().get::<ConnectTimes>() {
            connection_times(timing, times);
        }
        timing.chunks_sent = u32::from(sent.is_some() && timing.bytes_sent > 0);
        timing.response_start = Some(at);
        timing.sent = sent.unwrap_or(at);
        timing.status = response.status().as_u16();
        sink.on_response(timing.status, at);
        if let Some(id) = response.headers().get(X_REQUEST_ID).and_then(|id| id.to_str().ok()) {
            sink.on_server_request_id(id);
        }
        let mut body = response.into_body();
        let mut whole = true;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| TransportError::Io(source_chain(&e)))?;
            let Ok(data) = frame.into_data() else { continue };
            let at = ReadClock::arrival(clock.as_ref());
            timing.received(at, data.len() as u64);
            if sink.on_chunk(at, &data) == ControlFlow::Break(()) {
                whole = false;
                break;
            }
        }
        // A session's connection waits for its next turn only after a turn that ended well.
        if let Some((turn, leased)) = session
            && !turn.last
            && whole
            && (200..300).contains(&timing.status)
        {
            self.sessions.put(turn.key, leased);
        }
        Ok(())
    }

    /// Sends `request` (that started at `start`) on the connection its route gives it, and waits
    /// for the response's head, telling `sink` when the body went out.
    async fn head(&self, request: &TransportRequest<'_>, start: Instant, sink: &mut dyn ResponseSink) -> Result<Head, TransportError> {
        let (bytes, content_type) = request.body.encoded(V::NAME)?;
        let data = Bytes::copy_from_slice(bytes);
        let (body, sent_time) = SentBody::new(data.clone());
        let http_request = self.build(request, content_type, body)?;
        let reported = match self.reuse.route(request.session) {
            route @ (Route::Pooled | Route::Fresh) => {
                let client = if route == Route::Fresh { &self.fresh } else { &self.pooled };
                match sent_time.during(client.request(http_request), sink, false).await {
                    (Ok(response), sent) => return Ok(Head { response, sent, session: None }),
                    (Err(error), sent) if !V::HTTP2_ONLY && self.reuse.died_unread(&error, start) => sent.is_some(),
                    (Err(error), _) => return Err(self.error(error)),
                }
            }
            Route::Session(turn) => {
                let mut leased = self.session_connection(turn.key, http_request.uri()).await?;
                let times = leased.times;
                match sent_time.during(leased.send(http_request), sink, false).await {
                    (Ok(mut response), sent) => {
                        response.extensions_mut().insert(times);
                        response.extensions_mut().insert(leased.clock.clone());
                        return Ok(Head { response, sent, session: Some((turn, leased)) });
                    }
                    (Err(error), sent) if !V::HTTP2_ONLY && self.reuse.session_died_unread(&error, times.ready <= start) => sent.is_some(),
                    (Err(error), _) => return Err(TransportError::Io(source_chain(&error))),
                }
            }
        };
        // The server closed this reused connection before it could read the request: once more,
        // on a connection of its own (its send already reported, if the first went out).
        let (body, sent_time) = SentBody::new(data);
        let http_request = self.build(request, content_type, body)?;
        let (response, sent) = sent_time.during(self.fresh.request(http_request), sink, reported).await;
        Ok(Head { response: response.map_err(|e| self.error(e))?, sent, session: None })
    }

    /// Session `key`'s connection: the one its earlier turns used if still open, a new one to
    /// `uri`'s server otherwise.
    async fn session_connection(&self, key: u64, uri: &Uri) -> Result<Leased, TransportError> {
        if let Some(leased) = self.sessions.take(key).filter(|leased| !leased.is_closed()) {
            return Ok(leased);
        }
        Leased::open(&self.connector, uri, V::HTTP2_ONLY)
            .await
            .map_err(|error| TransportError::Connect { target: self.base.to_string(), reason: source_chain(&*error) })
    }

    fn error(&self, error: hyper_util::client::legacy::Error) -> TransportError {
        if error.is_connect() {
            TransportError::Connect { target: self.base.to_string(), reason: source_chain(&error) }
        } else {
            TransportError::Io(source_chain(&error))
        }
    }
}

/// A response's head, with what its request went out on.
struct Head {
    response: http::Response<hyper::body::Incoming>,
    /// When the connection took the request's body, if it did.
    sent: Option<Instant>,
    /// The session's connection, for a turn sent on one.
    session: Option<(aiperf_core::SessionTurn, Leased)>,
}

/// An error and its causes, `: `-separated (hyper's own message alone says little).
fn source_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl<V: HttpVersion, C: HttpConnect> Transport for HyperTransport<V, C> {
    async fn send<'a>(&'a self, request: TransportRequest<'a>, sink: &'a mut dyn ResponseSink) -> Result<TransportTiming, TransportError> {
        let sent = request.body.encoded(V::NAME).map_or(0, |(bytes, _)| bytes.len());
        let mut timing = TransportTiming::begin(Instant::now(), sent);
        crate::deadline::within(self.timeout, self.exchange(request, sink, &mut timing)).await?;
        timing.end = Instant::now();
        Ok(timing)
    }
}

/// What a request's connection cost it. A connection ready before the request started was
/// reused: nothing. One set up after the request started was opened for it: the wait before its
/// setup began is blocked, then name resolution, then connecting. One whose setup began before the
/// request started but was ready after (another request's, HTTP/2 sharing it) kept it blocked.
fn connection_times(timing: &mut TransportTiming, times: &ConnectTimes) {
    let reused = times.ready <= timing.start;
    timing.connection_reused = Some(reused);
    if reused {
        return;
    }
    if times.started >= timing.start {
        timing.blocked = times.started - timing.start;
        timing.dns_lookup = times.dns;
        timing.connecting = (times.ready - times.started).saturating_sub(times.dns);
    } else {
        timing.blocked = times.ready - timing.start;
    }
}
