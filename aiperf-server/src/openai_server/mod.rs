//! The server side of the OpenAI-compatible API over any [`Engine`]: parse a request, run the
//! engine, write vLLM's exact bytes to a [`ResponseSink`] as they are produced. TGI's native
//! `/generate` and `/generate_stream` are served too ([`tgi`]).

mod request;
pub mod response;
pub mod tgi;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use aiperf_core::ResponseSink;
pub use request::{ApiRequest, TextRequest, parse};
use response::{DONE, Head, UsageOut};

use crate::{Engine, EngineError, GenerateRequest, Piece};

/// An error response: HTTP status, vLLM `type`, message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// vLLM's error `type` (`BadRequestError`, `NotFoundError`, `InternalServerError`).
    pub kind: &'static str,
    /// What went wrong.
    pub message: String,
}

impl ApiError {
    /// A 400 `BadRequestError`.
    pub fn bad_request(message: String) -> Self {
        Self { status: 400, kind: "BadRequestError", message }
    }

    /// The JSON body vLLM sends for it.
    pub fn body(&self) -> Vec<u8> {
        response::error_body(self.status, self.kind, &self.message)
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let kind = if e.status >= 500 { "InternalServerError" } else { "BadRequestError" };
        Self { status: e.status, kind, message: e.message }
    }
}

/// What [`serve`] did, for the caller's accounting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Served {
    /// The status sent.
    pub status: u16,
    /// Body bytes written.
    pub bytes: u64,
    /// Body pieces written.
    pub chunks: u32,
    /// When the first streamed token was handed to the writer, if one was.
    pub first_token: Option<Instant>,
    /// What the engine generated, when a generation ran to its end (its token counts and
    /// finish reason: what a server counts in its `/metrics`).
    pub generated: Option<crate::engine::GenerateOutput>,
}

/// Where [`serve`] writes a response: an HTTP response body, or a transport's [`ResponseSink`].
pub trait ResponseWriter: Send {
    /// The response starts: status and media type are known (`text/event-stream; charset=utf-8`
    /// for streams, `application/json` otherwise).
    fn start(&mut self, status: u16, content_type: &'static str);
    /// A piece of body, to be flushed at once; `Break` means the client went away.
    fn write(&mut self, bytes: &[u8]) -> ControlFlow<()>;

    /// Whether the client went away already (checked while a whole response is generated, so
    /// that nobody's answer is computed to the end). Default: it is there.
    fn is_closed(&self) -> bool {
        false
    }
}

/// Media type of streamed responses, as vLLM sends it.
pub const EVENT_STREAM: &str = "text/event-stream; charset=utf-8";
/// Media type of whole JSON responses.
pub const JSON: &str = "application/json";

/// Writes a response into a transport's [`ResponseSink`], stamping each piece as it is written.
pub struct SinkWriter<'a>(pub &'a mut dyn ResponseSink);

impl ResponseWriter for SinkWriter<'_> {
    fn start(&mut self, status: u16, _content_type: &'static str) {
        self.0.on_response(status, Instant::now());
    }

    fn write(&mut self, bytes: &[u8]) -> ControlFlow<()> {
        self.0.on_chunk(Instant::now(), bytes)
    }
}

/// Serves one `POST` to `path`: writes the status, then the body as the engine produces it
/// (SSE events for streams, flushed one by one). `default_model` fills a missing `model`.
pub async fn serve(engine: &dyn Engine, path: &str, body: &[u8], default_model: &str, out: &mut dyn ResponseWriter) -> Served {
    let mut writer = Writer { out, served: Served { status: 200, bytes: 0, chunks: 0, first_token: None, generated: None } };
    if let Some(route) = tgi::route(path) {
        tgi::serve(engine, route, body, default_model, &mut writer).await;
        return writer.served;
    }
    match parse(path, body, default_model) {
        Ok(request) => {
            if let Err(error) = run(engine, request, &mut writer).await {
                writer.error(&error);
            }
        }
        Err(error) => writer.error(&error),
    }
    writer.served
}

struct Writer<'s> {
    out: &'s mut dyn ResponseWriter,
    served: Served,
}

impl Writer<'_> {
    fn start(&mut self, status: u16, content_type: &'static str) {
        self.served.status = status;
        self.out.start(status, content_type);
    }

    fn write(&mut self, bytes: &[u8]) -> ControlFlow<()> {
        self.served.bytes += bytes.len() as u64;
        self.served.chunks += 1;
        self.out.write(bytes)
    }

    /// An error before anything was sent: a status and a JSON body.
    fn error(&mut self, error: &ApiError) {
        self.start(error.status, JSON);
        let _ = self.write(&error.body());
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn new_id(prefix: &str) -> String {
    format!("{prefix}-{:016x}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

async fn run(engine: &dyn Engine, request: ApiRequest, w: &mut Writer<'_>) -> Result<(), ApiError> {
    match request {
        ApiRequest::Chat(t) => text(engine, t, true, w).await,
        ApiRequest::Completions(t) => text(engine, t, false, w).await,
        ApiRequest::Embeddings { model, inputs, base64 } => {
            let embedded = engine.embed(&model, &inputs).await?;
            let id = new_id("embd");
            let body = response::embeddings_body(
                Head { id: &id, created: unix_now(), model: &model },
                &embedded.vectors,
                base64,
                embedded.prompt_tokens,
            );
            w.start(200, JSON);
            let _ = w.write(&body);
            Ok(())
        }
        ApiRequest::Rankings { model, query, passages } => {
            let ranked = engine.rank(&model, &query, &passages).await?;
            w.start(200, JSON);
            let _ = w.write(&response::rankings_body(&ranked.scores, ranked.prompt_tokens));
            Ok(())
        }
    }
}

async fn text(engine: &dyn Engine, t: TextRequest, chat: bool, w: &mut Writer<'_>) -> Result<(), ApiError> {
    let id = new_id(if chat { "chatcmpl" } else { "cmpl" });
    let head = Head { id: &id, created: unix_now(), model: &t.model };
    let request = GenerateRequest { model: t.model.clone(), prompt: t.prompt, messages: t.messages, max_tokens: t.max_tokens };
    if !t.stream {
        let mut content = String::new();
        let (out, text) = (&mut *w.out, &mut content);
        let mut collect = move |piece: Piece<'_>| {
            text.push_str(piece.text);
            if out.is_closed() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        };
        let output = engine.generate(&request, &mut collect).await?;
        w.served.generated = Some(output);
        let usage = UsageOut::new(output.prompt_tokens, output.completion_tokens);
        let body = if chat {
            response::chat_body(head, &content, output.finish_reason, Some(usage))
        } else {
            response::completion_body(head, &content, output.finish_reason, Some(usage))
        };
        w.start(200, JSON);
        let _ = w.write(&body);
        return Ok(());
    }
    // Streams: headers at once, then one event per piece, flushed as produced.
    w.start(200, EVENT_STREAM);
    let mut event = Vec::with_capacity(256);
    if chat {
        response::chat_chunk(&mut event, head, true, "", None);
        if w.write(&event).is_break() {
            return Ok(());
        }
    }
    let result = {
        let w = &mut *w;
        let event = &mut event;
        let mut send = |piece: Piece<'_>| {
            w.served.first_token.get_or_insert_with(Instant::now);
            event.clear();
            if chat {
                response::chat_chunk(event, head, false, piece.text, None);
            } else {
                response::completion_chunk(event, head, piece.text, None);
            }
            w.write(event)
        };
        engine.generate(&request, &mut send).await
    };
    event.clear();
    match result {
        Ok(output) => {
            w.served.generated = Some(output);
            if output.finish_reason == "abort" {
                return Ok(());
            }
            if chat {
                response::chat_chunk(&mut event, head, false, "", Some(output.finish_reason));
            } else {
                response::completion_chunk(&mut event, head, "", Some(output.finish_reason));
            }
            if t.include_usage {
                let object = if chat { "chat.completion.chunk" } else { "text_completion" };
                response::usage_chunk(&mut event, head, object, UsageOut::new(output.prompt_tokens, output.completion_tokens));
            }
        }
        // After the status went out, errors travel in-band.
        Err(e) => {
            let e = ApiError::from(e);
            response::error_event(&mut event, e.status, e.kind, &e.message);
        }
    }
    event.extend_from_slice(DONE);
    let _ = w.write(&event);
    Ok(())
}
