//! The HTTP side: HTTP/1.1 and h2c on one port, routing to the OpenAI-compatible server.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aiperf_server::Engine;
use aiperf_server::openai_server::{self, ApiError, JSON};

use crate::faults::{Fault, Faults, NGINX_502};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::MockConfig;
use stream::{ChannelWriter, ResponseBody};

mod stream;
use crate::errors::ErrorInjector;
use crate::metrics::Metrics;
use crate::requests::RequestLog;
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
    /// The last generation request bodies.
    requests: Arc<RequestLog>,
    /// What `GET /metrics` shows, in vLLM's names (gRPC's generations too).
    metrics: Arc<Metrics>,
    /// Places for generations under way (`max_num_seqs`), if bounded.
    slots: Option<Arc<tokio::sync::Semaphore>>,
}

pub(crate) async fn start(
    config: &MockConfig,
    engine: Arc<dyn Engine>,
    errors: Arc<ErrorInjector>,
    requests: Arc<RequestLog>,
    metrics: Arc<Metrics>,
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
        requests,
        metrics,
        slots: config.max_num_seqs.map(|n| Arc::new(tokio::sync::Semaphore::new(n))),
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
        (&Method::GET, "/metrics") => fixed(StatusCode::OK, PROMETHEUS_TEXT, Bytes::from(state.metrics.page(&state.model))),
        (&Method::GET, "/dcgm/metrics") => fixed(StatusCode::OK, PROMETHEUS_TEXT, Bytes::from(state.metrics.dcgm_page())),
        (&Method::GET, "/mock/requests") => fixed(StatusCode::OK, JSON, state.requests.json()),
        (
            &Method::POST,
            "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings" | "/v1/ranking" | "/generate" | "/generate_stream" | "/",
        ) => generate(state, &path, request, arrived).await,
        (
            _,
            "/health"
            | "/metrics"
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

/// Prometheus' text format, as vLLM's `/metrics` names it.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

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
    state.requests.record(&body);
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
    let (mut writer, started, response_body) = ChannelWriter::new(fault, state.max_unread_bytes);
    let path = path.to_owned();
    state.metrics.started();
    tokio::spawn(async move {
        // A bounded engine: the generation waits for a place, as a batch that is full makes it.
        let _slot = match &state.slots {
            Some(slots) => Arc::clone(slots).acquire_owned().await.ok(),
            None => None,
        };
        let served = openai_server::serve(&*state.engine, &path, &body, &state.model, &mut writer).await;
        let first_token = served.first_token.map(|first| first.saturating_duration_since(arrived));
        if let Some(first) = first_token {
            state.timings.record_first_token(first);
        }
        state.metrics.ended(arrived.elapsed(), first_token, served.generated.as_ref());
    });
    match started.await {
        Ok((status, content_type)) => {
            let mut response = Response::new(response_body);
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            response.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static(content_type));
            response
        }
        Err(_) => error(&ApiError { status: 500, kind: "InternalServerError", message: "the engine stopped before answering".to_owned() }),
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
