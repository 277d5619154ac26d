//! The HTTP side: HTTP/1.1 and h2c on one port, routing to the OpenAI-compatible server.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aiperf_server::Engine;
use aiperf_server::openai_server::{self, ApiError, JSON, ResponseWriter};

use crate::faults::{self, Fault, Faults, NGINX_502};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::MockConfig;
use crate::errors::ErrorInjector;
use crate::timings::Timings;

/// What every connection shares.
struct State {
    engine: Arc<dyn Engine>,
    model: String,
    errors: Arc<ErrorInjector>,
    max_body_bytes: usize,
    /// `Bearer <key>`, when a key is required.
    authorization: Option<String>,
    /// Response bytes a client may leave unread.
    max_unread_bytes: usize,
    /// `--fault`s.
    faults: Faults,
    /// The server's own times to first token.
    timings: Timings,
}

pub(crate) async fn start(
    config: &MockConfig,
    engine: Arc<dyn Engine>,
    errors: Arc<ErrorInjector>,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind((config.host, config.port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(State {
        engine,
        model: config.model.clone(),
        errors,
        max_body_bytes: config.max_body_bytes,
        authorization: config.api_key.as_ref().map(|key| format!("Bearer {key}")),
        max_unread_bytes: config.max_unread_bytes,
        faults: Faults::new(config.faults.clone(), config.engine.seed),
        timings: Timings::new(),
    });
    let header_read_timeout = config.header_read_timeout;
    let task = tokio::spawn(async move {
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    // Out of file descriptors and the like: back off instead of spinning.
                    Err(_) => {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = stop.changed() => break,
            };
            let _ = stream.set_nodelay(true);
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| handle(Arc::clone(&state), request));
                // HTTP/1.1 or HTTP/2 with prior knowledge (h2c), detected from the first bytes.
                let mut builder = auto::Builder::new(TokioExecutor::new());
                // A client that never finishes its headers does not hold a connection forever.
                builder.http1().timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
                let _ = builder.serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok((addr, task))
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Response<ResponseBody>, Infallible> {
    let arrived = Instant::now();
    let path = request.uri().path().to_owned();
    if let Some(expected) = &state.authorization
        && path.starts_with("/v1/")
        && request.headers().get(header::AUTHORIZATION).is_none_or(|given| given.as_bytes() != expected.as_bytes())
    {
        // vLLM's `--api-key` answer: `error` is a string here.
        return Ok(fixed(StatusCode::UNAUTHORIZED, JSON, Bytes::from_static(br#"{"error":"Unauthorized"}"#)));
    }
    // Echoed as vLLM echoes it, so a client can match its records with the server's.
    let request_id = request.headers().get(X_REQUEST_ID).cloned();
    let mut response = match (request.method(), path.as_str()) {
        (&Method::GET, "/health") => fixed(StatusCode::OK, "text/plain", Bytes::new()),
        (&Method::GET, "/v1/models") => fixed(StatusCode::OK, JSON, models(&state.model)),
        (&Method::GET, "/mock/timings") => fixed(StatusCode::OK, JSON, state.timings.json()),
        (
            &Method::POST,
            "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings" | "/v1/ranking" | "/generate" | "/generate_stream" | "/",
        ) => generate(state, &path, request, arrived).await,
        (
            _,
            "/health"
            | "/v1/models"
            | "/v1/chat/completions"
            | "/v1/completions"
            | "/v1/embeddings"
            | "/v1/ranking"
            | "/generate"
            | "/generate_stream"
            | "/",
        ) => error(&ApiError {
            status: 405,
            kind: "MethodNotAllowed",
            message: format!("method {} is not allowed on {path}", request.method()),
        }),
        _ => error(&ApiError { status: 404, kind: "NotFoundError", message: format!("no route for {} {path}", request.method()) }),
    };
    if let Some(id) = request_id {
        response.headers_mut().insert(X_REQUEST_ID, id);
    }
    Ok(response)
}

const X_REQUEST_ID: &str = "x-request-id";

async fn generate(state: Arc<State>, path: &str, request: Request<Incoming>, arrived: Instant) -> Response<ResponseBody> {
    let mut body = match Limited::new(request.into_body(), state.max_body_bytes).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let (status, message) = if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                (413, format!("request body larger than {} bytes", state.max_body_bytes))
            } else {
                (400, format!("cannot read the request body: {e}"))
            };
            return error(&ApiError { status, kind: "BadRequestError", message });
        }
    };
    if state.errors.inject() {
        return error(&ApiError { status: 500, kind: "InternalServerError", message: "simulated server error (--error-rate)".to_owned() });
    }
    let fault = state.faults.pick();
    match fault {
        Some(Fault::Status429) => {
            let mut response = error(&ApiError {
                status: 429,
                kind: "TooManyRequestsError",
                message: "the server is at capacity (--fault status-429)".to_owned(),
            });
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return response;
        }
        Some(Fault::Html502) => return fixed(StatusCode::BAD_GATEWAY, "text/html", Bytes::from_static(NGINX_502.as_bytes())),
        // Never answers; the connection ends when the client gives up.
        Some(Fault::Hang) => return std::future::pending().await,
        Some(Fault::JsonToStream) => body = without_stream(&body),
        _ => {}
    }
    let (start_tx, start_rx) = oneshot::channel();
    let (chunks_tx, chunks_rx) = mpsc::unbounded_channel();
    let unread = Arc::new(AtomicUsize::new(0));
    let path = path.to_owned();
    let (writer_unread, max_unread) = (Arc::clone(&unread), state.max_unread_bytes);
    tokio::spawn(async move {
        let mut writer = ChannelWriter {
            start: Some(start_tx),
            chunks: chunks_tx,
            unread: writer_unread,
            max_unread,
            fault,
            pieces: 0,
            streaming: false,
        };
        let served = openai_server::serve(&*state.engine, &path, &body, &state.model, &mut writer).await;
        if let Some(first) = served.first_token {
            state.timings.record_first_token(first.saturating_duration_since(arrived));
        }
    });
    match start_rx.await {
        Ok((status, content_type)) => {
            let mut response = Response::new(ResponseBody::Channel { rx: chunks_rx, unread, huge_left: 0 });
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
            response
        }
        Err(_) => error(&ApiError { status: 500, kind: "InternalServerError", message: "the engine stopped before answering".to_owned() }),
    }
}

/// Hands the status to the request handler, then every piece of body to the response stream.
/// A client that leaves more than `max_unread` bytes unread is not reading: generation for it
/// stops (its connection ends after what was queued), so it cannot grow the server's memory.
struct ChannelWriter {
    start: Option<oneshot::Sender<(u16, &'static str)>>,
    chunks: mpsc::UnboundedSender<Out>,
    unread: Arc<AtomicUsize>,
    max_unread: usize,
    /// The stream fault of this response, if any, applied to piece [`faults::is_target`].
    fault: Option<Fault>,
    pieces: u32,
    streaming: bool,
}

/// What the engine's side hands the response body.
enum Out {
    /// Body bytes.
    Data(Bytes),
    /// Reset the connection here (`--fault reset-mid-stream`).
    Reset,
    /// Go on with an endless body (`--fault huge-response`).
    Huge,
}

impl ChannelWriter {
    /// Queues `out`, counting its bytes as unread until the connection takes them (a fault may
    /// change a piece's length: what is counted is what is sent).
    fn send(&mut self, out: Out) -> ControlFlow<()> {
        if let Out::Data(bytes) = &out {
            self.unread.fetch_add(bytes.len(), Ordering::AcqRel);
        }
        // A closed channel means hyper dropped the body: the client went away.
        if self.chunks.send(out).is_ok() { ControlFlow::Continue(()) } else { ControlFlow::Break(()) }
    }

    /// Applies the response's fault to the piece it targets; returns whether it took the piece over.
    fn fault(&mut self, bytes: &[u8]) -> Option<ControlFlow<()>> {
        let fault = self.fault.filter(|_| faults::is_target(self.pieces, self.streaming))?;
        Some(match fault {
            Fault::ResetMidStream => {
                let _ = self.send(Out::Data(Bytes::copy_from_slice(&bytes[..bytes.len() / 2])));
                let _ = self.send(Out::Reset);
                ControlFlow::Break(())
            }
            Fault::MalformedEvent => self.send(Out::Data(Bytes::from(faults::malformed(bytes, self.streaming)))),
            Fault::InvalidUtf8 => self.send(Out::Data(Bytes::from(faults::invalid_utf8(bytes)))),
            Fault::HugeResponse => {
                let _ = self.send(Out::Data(Bytes::copy_from_slice(b"data: ")));
                let _ = self.send(Out::Huge);
                ControlFlow::Break(())
            }
            Fault::Status429 | Fault::Html502 | Fault::Hang | Fault::JsonToStream | Fault::ByteByByte => return None,
        })
    }
}

impl ResponseWriter for ChannelWriter {
    fn start(&mut self, status: u16, content_type: &'static str) {
        self.streaming = content_type == openai_server::EVENT_STREAM;
        if let Some(start) = self.start.take() {
            let _ = start.send((status, content_type));
        }
    }

    fn write(&mut self, bytes: &[u8]) -> ControlFlow<()> {
        if self.unread.load(Ordering::Acquire).saturating_add(bytes.len()) > self.max_unread {
            return ControlFlow::Break(());
        }
        self.pieces += 1;
        if let Some(done) = self.fault(bytes) {
            return done;
        }
        let piece = Bytes::copy_from_slice(bytes);
        if self.fault == Some(Fault::ByteByByte) {
            for i in 0..piece.len() {
                self.send(Out::Data(piece.slice(i..=i)))?;
            }
            return ControlFlow::Continue(());
        }
        self.send(Out::Data(piece))
    }

    fn is_closed(&self) -> bool {
        self.chunks.is_closed()
    }
}

fn fixed(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<ResponseBody> {
    let mut response = Response::new(ResponseBody::Full(Some(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
    response
}

fn error(error: &ApiError) -> Response<ResponseBody> {
    fixed(StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), JSON, Bytes::from(error.body()))
}

/// `GET /v1/models` as vLLM answers it (the fields clients read).
fn models(model: &str) -> Bytes {
    let created = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let body = serde_json::json!({
        "object": "list",
        "data": [{ "id": model, "object": "model", "created": created, "owned_by": "aiperf-mock-server", "root": model, "parent": null }],
    });
    Bytes::from(body.to_string())
}

/// A response body: fixed bytes, or pieces flushed as the engine writes them (with the count of
/// bytes written but not yet taken by the connection, and what is left of a huge body).
enum ResponseBody {
    Full(Option<Bytes>),
    Channel { rx: mpsc::UnboundedReceiver<Out>, unread: Arc<AtomicUsize>, huge_left: usize },
}

/// How much `--fault huge-response` sends: twice what a client reads.
const HUGE: usize = 128 << 20;

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            Self::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Self::Channel { rx, unread, huge_left } => {
                if *huge_left > 0 {
                    // Made as the connection takes it: as fast as the client reads, never queued.
                    static MIB: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
                    let piece = MIB.get_or_init(|| Bytes::from(vec![b'x'; 1 << 20])).slice(..(*huge_left).min(1 << 20));
                    *huge_left -= piece.len();
                    return Poll::Ready(Some(Ok(Frame::data(piece))));
                }
                rx.poll_recv(cx).map(|out| match out? {
                    Out::Data(d) => {
                        unread.fetch_sub(d.len(), Ordering::AcqRel);
                        Some(Ok(Frame::data(d)))
                    }
                    Out::Reset => Some(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "--fault reset-mid-stream"))),
                    Out::Huge => {
                        *huge_left = HUGE;
                        Some(Ok(Frame::data(Bytes::new())))
                    }
                })
            }
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            Self::Channel { .. } => SizeHint::default(),
        }
    }
}

/// A request body with `stream` off (`--fault json-to-stream`): the answer is one JSON body.
fn without_stream(body: &Bytes) -> Bytes {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut object)) => {
            object.insert("stream".to_owned(), false.into());
            object.remove("stream_options");
            Bytes::from(serde_json::Value::Object(object).to_string())
        }
        _ => body.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_that_does_not_read_stops_generation_at_the_limit() {
        let (start, _start_rx) = oneshot::channel();
        let (chunks, mut rx) = mpsc::unbounded_channel();
        let unread = Arc::new(AtomicUsize::new(0));
        let mut writer = ChannelWriter {
            start: Some(start),
            chunks,
            unread: Arc::clone(&unread),
            max_unread: 64 << 10,
            fault: None,
            pieces: 0,
            streaming: true,
        };
        let piece = [b'x'; 1000];
        let written = (0..1000).take_while(|_| writer.write(&piece).is_continue()).count();
        assert_eq!(written, 65, "64 KiB of unread pieces, then no more");
        assert_eq!(unread.load(Ordering::Acquire), 65_000);
        // Once the connection takes what is queued, writing resumes.
        let mut body = ResponseBody::Channel { rx, unread: Arc::clone(&unread), huge_left: 0 };
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        while let Poll::Ready(Some(_)) = Pin::new(&mut body).poll_frame(&mut cx) {}
        assert_eq!(unread.load(Ordering::Acquire), 0, "everything queued was taken");
        rx = match body {
            ResponseBody::Channel { rx, .. } => rx,
            ResponseBody::Full(_) => unreachable!(),
        };
        drop(rx);
        assert!(writer.is_closed(), "a dropped body is a client gone");
    }
}
