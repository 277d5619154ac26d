//! The `grpc` transport: OpenAI-style text requests over the KServe v2 / Triton gRPC protocol.
//!
//! The endpoint's JSON body (chat or completions) is mapped onto the tensors Triton's LLM
//! backends take, sent with `ModelStreamInfer` (which decoupled models such as the vLLM backend
//! require), and each response's `text_output` is handed back to the endpoint in its own wire
//! format (vLLM's SSE chunks, or one JSON body), so the same endpoints parse it.

use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aiperf_core::{ChunkSink, Transport, TransportError, TransportRequest, TransportTiming};
use aiperf_kserve::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use aiperf_kserve::inference::{
    ModelInferRequest, ModelInferResponse, ModelStreamInferResponse, model_infer_request::InferRequestedOutputTensor,
};
use aiperf_kserve::tensors;
use tokio::sync::{OnceCell, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

use aiperf_server::openai_server::response::{self, Head};
use aiperf_server::openai_server::{ApiError, TextRequest};
use mapping::{extra_keys, stream_error, text_request};

mod mapping;
mod setup;

/// Which tensors the served model takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TritonBackend {
    /// Triton's vLLM backend: `text_input` BYTES `[1]`, `stream` BOOL `[1]`,
    /// `sampling_parameters` BYTES `[1]` (JSON), `exclude_input_in_output` BOOL `[1]`.
    Vllm,
    /// TensorRT-LLM's `ensemble`: batch dimension `[1, 1]`, `max_tokens` INT32 required.
    TensorRtLlm,
}

/// How Triton's `text_output` pieces become the endpoint's wire format: the per-response work a
/// plugin may do faster. Implementations must produce the same bytes as [`SerdeCodec`].
pub trait TextCodec: Send + Sync + 'static {
    /// Appends the text of `response`'s `text_output` to `text`.
    ///
    /// # Errors
    /// A message when the output is not valid `BYTES` data.
    fn output_text(response: &ModelInferResponse, text: &mut String) -> Result<(), String>;
    /// Appends the SSE event of one streamed piece of text (a chat delta or a completions chunk).
    fn text_event(out: &mut Vec<u8>, head: Head<'_>, chat: bool, piece: &str);
}

/// The builtin [`TextCodec`]: the KServe helpers and vLLM's serde serializers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SerdeCodec;

impl TextCodec for SerdeCodec {
    fn output_text(response: &ModelInferResponse, text: &mut String) -> Result<(), String> {
        tensors::output_text_into(response, "text_output", text)
    }

    fn text_event(out: &mut Vec<u8>, head: Head<'_>, chat: bool, piece: &str) {
        if chat {
            response::chat_chunk(out, head, false, piece, None);
        } else {
            response::completion_chunk(out, head, piece, None);
        }
    }
}

/// The `grpc` transport: `grpc://host:8001`. Options after `?`: `backend=tensorrtllm` for
/// TensorRT-LLM ensembles (default `vllm`), `rpc=infer` to send non-streaming requests with the
/// unary `ModelInfer` (default: `ModelStreamInfer` for everything, which decoupled models need).
pub type GrpcTransport = KserveTransport<SerdeCodec>;

/// OpenAI-style text requests over KServe v2 gRPC, with a [`TextCodec`] for the responses.
pub struct KserveTransport<C> {
    /// What tonic connects to (`http://host:port`).
    target: String,
    /// The URL as the user gave it, for messages (`grpc://host:port`).
    url: String,
    backend: TritonBackend,
    unary_when_not_streaming: bool,
    default_model: String,
    timeout: Duration,
    channel: OnceCell<Channel>,
    _codec: PhantomData<C>,
}

impl<C> std::fmt::Debug for KserveTransport<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcTransport").field("target", &self.target).field("backend", &self.backend).finish_non_exhaustive()
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl<C: TextCodec> KserveTransport<C> {
    async fn client(&self) -> Result<GrpcInferenceServiceClient<Channel>, TransportError> {
        let channel = self
            .channel
            .get_or_try_init(|| async {
                let endpoint = Endpoint::from_shared(self.target.clone())
                    .map_err(|e| TransportError::Connect { target: self.url.clone(), reason: e.to_string() })?;
                Ok::<_, TransportError>(endpoint.tcp_nodelay(true).connect_lazy())
            })
            .await?;
        Ok(GrpcInferenceServiceClient::new(channel.clone()))
    }

    /// The KServe request for a text request; `extra` holds the body's other keys (sampling
    /// settings from `--extra-inputs`), which go into `sampling_parameters` for the vLLM backend.
    fn infer_request(
        &self,
        text: &TextRequest,
        extra: &serde_json::Map<String, serde_json::Value>,
        id: &str,
    ) -> Result<ModelInferRequest, TransportError> {
        let prompt = if text.messages.is_empty() {
            text.prompt.clone()
        } else {
            text.messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n")
        };
        let mut request = ModelInferRequest { model_name: text.model.clone(), id: id.to_owned(), ..Default::default() };
        request.parameters.insert("triton_enable_empty_final_response".to_owned(), tensors::bool_param(true));
        let shape: &[i64] = match self.backend {
            TritonBackend::Vllm => &[1],
            TritonBackend::TensorRtLlm => &[1, 1],
        };
        tensors::add_input(&mut request, "text_input", "BYTES", shape, tensors::bytes_value(prompt.as_bytes()));
        tensors::add_input(&mut request, "stream", "BOOL", shape, vec![u8::from(text.stream)]);
        tensors::add_input(&mut request, "exclude_input_in_output", "BOOL", shape, vec![1]);
        match self.backend {
            TritonBackend::Vllm => {
                let mut sampling = extra.clone();
                if let Some(max_tokens) = text.max_tokens {
                    sampling.insert("max_tokens".to_owned(), max_tokens.into());
                }
                if !sampling.is_empty() {
                    let json = serde_json::Value::Object(sampling).to_string();
                    tensors::add_input(&mut request, "sampling_parameters", "BYTES", shape, tensors::bytes_value(json.as_bytes()));
                }
            }
            TritonBackend::TensorRtLlm => {
                let unsupported = |reason: String| TransportError::Unsupported { transport: "grpc", reason };
                if !extra.is_empty() {
                    let keys: Vec<&str> = extra.keys().map(String::as_str).collect();
                    return Err(unsupported(format!(
                        "TensorRT-LLM ensembles take sampling settings as tensors; cannot map {}",
                        keys.join(", ")
                    )));
                }
                let max_tokens =
                    text.max_tokens.ok_or_else(|| unsupported("TensorRT-LLM ensembles require max_tokens: pass --osl".to_owned()))?;
                let max_tokens = i32::try_from(max_tokens).unwrap_or(i32::MAX);
                tensors::add_input(&mut request, "max_tokens", "INT32", shape, max_tokens.to_le_bytes().to_vec());
            }
        }
        request.outputs.push(InferRequestedOutputTensor { name: "text_output".to_owned(), ..Default::default() });
        Ok(request)
    }

    async fn exchange(
        &self,
        request: TransportRequest<'_>,
        sink: &mut dyn ChunkSink,
        timing: &mut TransportTiming,
    ) -> Result<(), TransportError> {
        let (text, chat) = text_request(&request, &self.default_model)?;
        let id = request.request_id.map_or_else(|| format!("aiperf-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)), str::to_owned);
        let infer = self.infer_request(&text, &extra_keys(request.body), &id)?;
        let mut client = self.client().await?;
        if self.unary_when_not_streaming && !text.stream {
            return self.unary(&mut client, infer, &text, chat, &id, sink, timing).await;
        }
        let (tx, rx) = mpsc::channel(1);
        let _ = tx.send(infer).await;
        timing.sent = Instant::now();
        let mut responses = match client.model_stream_infer(ReceiverStream::new(rx)).await {
            Ok(response) => response.into_inner(),
            Err(status) => return self.status_response(&status, sink, timing),
        };
        let at = Instant::now();
        timing.response_start = Some(at);
        timing.status = 200;
        sink.on_response(200, at);
        let head_id = format!("{}-{id}", if chat { "chatcmpl" } else { "cmpl" });
        let head = Head { id: &head_id, created: 0, model: &text.model };
        let mut out = Out { sink, timing, stopped: false };
        let mut whole = String::new();
        let mut piece = String::new();
        let mut event = Vec::with_capacity(256);
        if text.stream && chat {
            response::chat_chunk(&mut event, head, true, "", None);
            out.write(&event);
        }
        // Keep the request stream open until the final response: closing it early may end the call.
        let mut finish_reason = "stop";
        loop {
            let message = match responses.message().await {
                Ok(Some(message)) => message,
                // The request enables `triton_final_response`: an end without it is a cut-off stream.
                Ok(None) => return Err(TransportError::Protocol("the gRPC stream ended before the final response".to_owned())),
                Err(status) => return Err(TransportError::Protocol(format!("{}: {}", status.code(), status.message()))),
            };
            let ModelStreamInferResponse { error_message, infer_response } = message;
            if !error_message.is_empty() {
                let error = stream_error(error_message);
                event.clear();
                if text.stream {
                    response::error_event(&mut event, error.status, error.kind, &error.message);
                    event.extend_from_slice(response::DONE);
                } else {
                    event = error.body();
                    out.timing.status = 500;
                }
                out.write(&event);
                drop(tx);
                return Ok(());
            }
            let Some(infer) = infer_response else { continue };
            let final_response = tensors::is_true(&infer.parameters, "triton_final_response");
            piece.clear();
            if !infer.outputs.is_empty() {
                C::output_text(&infer, &mut piece).map_err(TransportError::Protocol)?;
            }
            if text.stream && !piece.is_empty() {
                event.clear();
                C::text_event(&mut event, head, chat, &piece);
                out.write(&event);
            } else {
                whole.push_str(&piece);
            }
            if final_response || out.stopped {
                if out.stopped {
                    finish_reason = "abort";
                }
                break;
            }
        }
        drop(tx);
        event.clear();
        let usage = None;
        match (text.stream, chat) {
            (true, true) => response::chat_chunk(&mut event, head, false, "", Some(finish_reason)),
            (true, false) => response::completion_chunk(&mut event, head, "", Some(finish_reason)),
            (false, true) => event = response::chat_body(head, &whole, finish_reason, usage),
            (false, false) => event = response::completion_body(head, &whole, finish_reason, usage),
        }
        if text.stream {
            event.extend_from_slice(response::DONE);
        }
        out.write(&event);
        Ok(())
    }

    /// A non-streaming request with the unary `ModelInfer`: one response, one JSON body.
    #[allow(clippy::too_many_arguments)]
    async fn unary(
        &self,
        client: &mut GrpcInferenceServiceClient<Channel>,
        infer: ModelInferRequest,
        text: &TextRequest,
        chat: bool,
        id: &str,
        sink: &mut dyn ChunkSink,
        timing: &mut TransportTiming,
    ) -> Result<(), TransportError> {
        timing.sent = Instant::now();
        let response = match client.model_infer(infer).await {
            Ok(response) => response.into_inner(),
            Err(status) => return self.status_response(&status, sink, timing),
        };
        let mut whole = String::new();
        C::output_text(&response, &mut whole).map_err(TransportError::Protocol)?;
        let head_id = format!("{}-{id}", if chat { "chatcmpl" } else { "cmpl" });
        let head = Head { id: &head_id, created: 0, model: &text.model };
        let usage = None;
        let body =
            if chat { response::chat_body(head, &whole, "stop", usage) } else { response::completion_body(head, &whole, "stop", usage) };
        let at = Instant::now();
        timing.response_start = Some(at);
        timing.status = 200;
        sink.on_response(200, at);
        Out { sink, timing, stopped: false }.write(&body);
        Ok(())
    }

    /// A call refused before any response: an unknown model or bad input becomes an HTTP-like
    /// error response the endpoint records; an unreachable server is a transport error.
    fn status_response(&self, status: &Status, sink: &mut dyn ChunkSink, timing: &mut TransportTiming) -> Result<(), TransportError> {
        let (code, kind) = match status.code() {
            Code::NotFound => (404, "NotFoundError"),
            Code::InvalidArgument => (400, "BadRequestError"),
            Code::Unimplemented => (501, "NotImplementedError"),
            Code::Unavailable => {
                return Err(TransportError::Connect { target: self.url.clone(), reason: status.message().to_owned() });
            }
            Code::DeadlineExceeded => return Err(TransportError::Timeout(self.timeout)),
            _ => (500, "InternalServerError"),
        };
        let at = Instant::now();
        timing.status = code;
        timing.response_start = Some(at);
        sink.on_response(code, at);
        // The message alone, as the same error reads inside a stream (the code is in the status).
        let message = if status.message().is_empty() { format!("gRPC status {}", status.code()) } else { status.message().to_owned() };
        let body = ApiError { status: code, kind, message }.body();
        timing.bytes_received += body.len() as u64;
        timing.chunks += 1;
        let _ = sink.on_chunk(at, &body);
        Ok(())
    }
}

/// Delivers translated pieces to the sink, counting them.
struct Out<'a, 't> {
    sink: &'a mut dyn ChunkSink,
    timing: &'t mut TransportTiming,
    stopped: bool,
}

impl Out<'_, '_> {
    fn write(&mut self, bytes: &[u8]) {
        if self.stopped {
            return;
        }
        self.timing.bytes_received += bytes.len() as u64;
        self.timing.chunks += 1;
        self.stopped = self.sink.on_chunk(Instant::now(), bytes) == ControlFlow::Break(());
    }
}

impl<C: TextCodec> Transport for KserveTransport<C> {
    async fn send<'a>(&'a self, request: TransportRequest<'a>, sink: &'a mut dyn ChunkSink) -> Result<TransportTiming, TransportError> {
        let mut timing = TransportTiming::begin(Instant::now(), request.body.len());
        crate::deadline::within(self.timeout, self.exchange(request, sink, &mut timing)).await?;
        timing.end = Instant::now();
        Ok(timing)
    }

    /// Only chat and completions map onto KServe text tensors, and the backend may need more
    /// (TensorRT-LLM: `max_tokens`, no other sampling keys).
    fn check(&self, request: TransportRequest<'_>) -> Result<(), TransportError> {
        let (text, _) = text_request(&request, &self.default_model)?;
        self.infer_request(&text, &extra_keys(request.body), "check").map(|_| ())
    }
}
