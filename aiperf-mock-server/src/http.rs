//! The HTTP side: HTTP/1.1 and h2c on one port, routing to the OpenAI-compatible server.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use aiperf_transports::openai_server::{self, ApiError, JSON, ResponseWriter};
use aiperf_transports::{Engine, SimulatedEngine};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::MockConfig;

/// What every connection shares.
struct State {
    engine: Arc<dyn Engine>,
    model: String,
    error_rate: f64,
    seed: u64,
    requests: AtomicU64,
    max_body_bytes: usize,
}

impl State {
    /// Whether request number `n` gets an injected error: a deterministic draw from the seed.
    fn inject_error(&self) -> bool {
        if self.error_rate <= 0.0 {
            return false;
        }
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let draw = splitmix64(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 11;
        (draw as f64 / (1u64 << 53) as f64) < self.error_rate
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub(crate) async fn start(config: &MockConfig, mut stop: watch::Receiver<bool>) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind((config.host, config.port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(State {
        engine: Arc::new(SimulatedEngine::new(config.engine.clone())),
        model: config.model.clone(),
        error_rate: config.error_rate,
        seed: config.engine.seed,
        requests: AtomicU64::new(0),
        max_body_bytes: config.max_body_bytes,
    });
    let task = tokio::spawn(async move {
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(_) => continue,
                },
                _ = stop.changed() => break,
            };
            let _ = stream.set_nodelay(true);
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| handle(Arc::clone(&state), request));
                // HTTP/1.1 or HTTP/2 with prior knowledge (h2c), detected from the first bytes.
                let _ = auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok((addr, task))
}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Response<ResponseBody>, Infallible> {
    let path = request.uri().path().to_owned();
    let response = match (request.method(), path.as_str()) {
        (&Method::GET, "/health") => fixed(StatusCode::OK, "text/plain", Bytes::new()),
        (&Method::GET, "/v1/models") => fixed(StatusCode::OK, JSON, models(&state.model)),
        (&Method::POST, "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings" | "/v1/ranking") => {
            generate(state, &path, request).await
        }
        (_, "/health" | "/v1/models" | "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings" | "/v1/ranking") => error(&ApiError {
            status: 405,
            kind: "MethodNotAllowed",
            message: format!("method {} is not allowed on {path}", request.method()),
        }),
        _ => error(&ApiError { status: 404, kind: "NotFoundError", message: format!("no route for {} {path}", request.method()) }),
    };
    Ok(response)
}

async fn generate(state: Arc<State>, path: &str, request: Request<Incoming>) -> Response<ResponseBody> {
    let body = match Limited::new(request.into_body(), state.max_body_bytes).collect().await {
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
    if state.inject_error() {
        return error(&ApiError { status: 500, kind: "InternalServerError", message: "simulated server error (--error-rate)".to_owned() });
    }
    let (start_tx, start_rx) = oneshot::channel();
    let (chunks_tx, chunks_rx) = mpsc::unbounded_channel();
    let path = path.to_owned();
    tokio::spawn(async move {
        let mut writer = ChannelWriter { start: Some(start_tx), chunks: chunks_tx };
        openai_server::serve(&*state.engine, &path, &body, &state.model, &mut writer).await;
    });
    match start_rx.await {
        Ok((status, content_type)) => {
            let mut response = Response::new(ResponseBody::Channel(chunks_rx));
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
            response
        }
        Err(_) => error(&ApiError { status: 500, kind: "InternalServerError", message: "the engine stopped before answering".to_owned() }),
    }
}

/// Hands the status to the request handler, then every piece of body to the response stream.
struct ChannelWriter {
    start: Option<oneshot::Sender<(u16, &'static str)>>,
    chunks: mpsc::UnboundedSender<Bytes>,
}

impl ResponseWriter for ChannelWriter {
    fn start(&mut self, status: u16, content_type: &'static str) {
        if let Some(start) = self.start.take() {
            let _ = start.send((status, content_type));
        }
    }

    fn write(&mut self, bytes: &[u8]) -> ControlFlow<()> {
        // A closed channel means hyper dropped the body: the client went away.
        match self.chunks.send(Bytes::copy_from_slice(bytes)) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        }
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

/// A response body: fixed bytes, or pieces flushed as the engine writes them.
enum ResponseBody {
    Full(Option<Bytes>),
    Channel(mpsc::UnboundedReceiver<Bytes>),
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Self::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Self::Channel(rx) => rx.poll_recv(cx).map(|chunk| chunk.map(|d| Ok(Frame::data(d)))),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(data) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            Self::Channel(_) => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_errors_follow_the_rate_and_the_seed() {
        let state = |rate, seed| State {
            engine: Arc::new(SimulatedEngine::new(aiperf_core::InEngineSettings::default())),
            model: "m".into(),
            error_rate: rate,
            seed,
            requests: AtomicU64::new(0),
            max_body_bytes: 1,
        };
        let count = |s: &State| (0..10_000).filter(|_| s.inject_error()).count();
        assert_eq!(count(&state(0.0, 1)), 0);
        assert_eq!(count(&state(1.0, 1)), 10_000);
        let quarter = count(&state(0.25, 1));
        assert!((2_300..2_700).contains(&quarter), "{quarter}");
        assert_eq!(count(&state(0.25, 7)), count(&state(0.25, 7)), "same seed, same draws");
    }
}
