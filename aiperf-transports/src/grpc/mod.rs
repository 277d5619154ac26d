//! The `grpc` transport: text generation over the KServe v2 / Triton gRPC protocol.
//!
//! It carries typed text requests ([`RequestForm::Text`]): the endpoint's [`TextRequest`] becomes
//! the tensors Triton's LLM backends take, sent with `ModelStreamInfer` (which decoupled models such
//! as the vLLM backend require), and each response is reported to the sink as [`ResponseEvent`]s.
//! Nothing is encoded as OpenAI JSON or SSE, so byte and chunk counts are the gRPC messages'.

use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aiperf_core::{
    MAX_RESPONSE_BYTES, RequestBody, RequestForm, ResponseEvent, ResponseSink, TextRequest, Transport, TransportError, TransportRequest,
    TransportTiming,
};
use aiperf_kserve::inference::ModelInferRequest;
use aiperf_kserve::inference::grpc_inference_service_client::GrpcInferenceServiceClient;
use aiperf_kserve::tensors;
use http::uri::PathAndQuery;
use prost::Message as _;
use tokio::sync::{OnceCell, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

pub use reader::{FRAME_PREFIX, Framed, FullMessages, StreamPiece, StreamReader};

mod mapping;
mod reader;
mod setup;
#[cfg(test)]
mod tritonclient_tests;

/// Which tensors the served model takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TritonBackend {
    /// Triton's vLLM backend: `text_input` BYTES `[1]`, `stream` BOOL `[1]`,
    /// `sampling_parameters` BYTES `[1]` (JSON), `exclude_input_in_output` BOOL `[1]`.
    Vllm,
    /// TensorRT-LLM's `ensemble`: batch dimension `[1, 1]`, `max_tokens` INT32 required.
    TensorRtLlm,
}

/// The `grpc` transport: `grpc://host:8001`. Options after `?`: `backend=tensorrtllm` for
/// TensorRT-LLM ensembles (default `vllm`), `rpc=infer` to send non-streaming requests with the
/// unary `ModelInfer` (default: `ModelStreamInfer` for everything, which decoupled models need).
pub type GrpcTransport = KserveTransport<FullMessages>;

/// Text requests over KServe v2 gRPC, with a [`StreamReader`] for the streamed responses.
pub struct KserveTransport<R> {
    /// What tonic connects to (`http://host:port`).
    target: String,
    /// The URL as the user gave it, for messages (`grpc://host:port`).
    url: String,
    backend: TritonBackend,
    unary_when_not_streaming: bool,
    timeout: Duration,
    channel: OnceCell<Channel>,
    _reader: PhantomData<R>,
}

impl<R> std::fmt::Debug for KserveTransport<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcTransport").field("target", &self.target).field("backend", &self.backend).finish_non_exhaustive()
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The RPC every request goes through unless `rpc=infer` applies.
const MODEL_STREAM_INFER: &str = "/inference.GRPCInferenceService/ModelStreamInfer";

/// The text request a transport request carries; the grpc transport takes no other.
fn text_of<'r>(request: &TransportRequest<'r>) -> Result<&'r TextRequest, TransportError> {
    match request.body {
        RequestBody::Text(text) => Ok(text),
        RequestBody::Encoded { .. } => Err(TransportError::Unsupported {
            transport: "grpc",
            reason: format!(
                "{} has no KServe text mapping: the grpc transport carries text generation (the chat and completions endpoints)",
                request.path
            ),
        }),
    }
}

impl<R: StreamReader> KserveTransport<R> {
    async fn channel(&self) -> Result<Channel, TransportError> {
        let channel = self
            .channel
            .get_or_try_init(|| async {
                let endpoint = Endpoint::from_shared(self.target.clone())
                    .map_err(|e| TransportError::Connect { target: self.url.clone(), reason: e.to_string() })?;
                Ok::<_, TransportError>(endpoint.tcp_nodelay(true).connect_lazy())
            })
            .await?;
        Ok(channel.clone())
    }

    async fn exchange(
        &self,
        request: TransportRequest<'_>,
        sink: &mut dyn ResponseSink,
        timing: &mut TransportTiming,
    ) -> Result<(), TransportError> {
        let text = text_of(&request)?;
        let id = request.request_id.map_or_else(|| format!("aiperf-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)), str::to_owned);
        let unary = self.unary_when_not_streaming && !text.stream;
        let infer = mapping::infer_request(self.backend, text, &id, !unary)?;
        timing.bytes_sent = FRAME_PREFIX + infer.encoded_len() as u64;
        let channel = self.channel().await?;
        if unary { self.unary(channel, infer, sink, timing).await } else { self.stream(channel, infer, text.stream, sink, timing).await }
    }

    /// `ModelStreamInfer`: one event per streamed piece (or, for a request that did not ask for a
    /// stream, the whole text at the final response), then the end.
    async fn stream(
        &self,
        channel: Channel,
        infer: ModelInferRequest,
        streaming: bool,
        sink: &mut dyn ResponseSink,
        timing: &mut TransportTiming,
    ) -> Result<(), TransportError> {
        let (tx, rx) = mpsc::channel(1);
        let _ = tx.send(infer).await;
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready().await.map_err(|e| TransportError::Connect { target: self.url.clone(), reason: e.to_string() })?;
        timing.sent = Instant::now();
        sink.on_sent(timing.sent);
        let path = PathAndQuery::from_static(MODEL_STREAM_INFER);
        let call = grpc.streaming(tonic::Request::new(ReceiverStream::new(rx)), path, reader::MeasuredCodec::<R::Message>::default());
        let mut responses = match call.await {
            Ok(response) => response.into_inner(),
            Err(status) => return self.status_response(&status, sink, timing),
        };
        let at = Instant::now();
        (timing.response_start, timing.status) = (Some(at), 200);
        sink.on_response(200, at);
        let mut text = String::new();
        // Keep the request stream (`tx`) open until the final response: closing it early may end the call.
        loop {
            let framed = match responses.message().await {
                Ok(Some(framed)) => framed,
                // The request enables `triton_final_response`: an end without it is a cut-off stream.
                Ok(None) => return Err(TransportError::Protocol("the gRPC stream ended before the final response".to_owned())),
                Err(status) => return Err(TransportError::Protocol(format!("{}: {}", status.code(), status.message()))),
            };
            let at = Instant::now();
            timing.received(at, framed.wire_bytes);
            if streaming {
                text.clear();
            }
            let piece = R::read(&framed.message, &mut text).map_err(TransportError::Protocol)?;
            if let Some(message) = piece.error {
                let error = mapping::stream_error(message);
                if !streaming {
                    timing.status = error.status.unwrap_or(500);
                }
                let _ = sink.on_event(at, ResponseEvent::Error(error));
                break;
            }
            if !streaming && text.len() > MAX_RESPONSE_BYTES {
                // A whole answer is gathered here: past the response bound it goes to the sink
                // (which refuses it) and reading stops, so no server grows the client's memory.
                let _ = sink.on_event(at, ResponseEvent::Content(&text));
                break;
            }
            let flow =
                if streaming && !text.is_empty() { sink.on_event(at, ResponseEvent::Content(&text)) } else { ControlFlow::Continue(()) };
            if piece.final_response {
                if !streaming && !text.is_empty() {
                    let _ = sink.on_event(at, ResponseEvent::Content(&text));
                }
                // Triton says why generation ended in no tensor the backends share: no reason is made up.
                let _ = sink.on_event(at, ResponseEvent::Finish(None));
                break;
            }
            if flow.is_break() {
                break;
            }
        }
        drop(tx);
        Ok(())
    }

    /// A non-streaming request with the unary `ModelInfer`: the whole text in one response.
    async fn unary(
        &self,
        channel: Channel,
        infer: ModelInferRequest,
        sink: &mut dyn ResponseSink,
        timing: &mut TransportTiming,
    ) -> Result<(), TransportError> {
        timing.sent = Instant::now();
        sink.on_sent(timing.sent);
        let response = match GrpcInferenceServiceClient::new(channel).model_infer(infer).await {
            Ok(response) => response.into_inner(),
            Err(status) => return self.status_response(&status, sink, timing),
        };
        let at = Instant::now();
        (timing.response_start, timing.status) = (Some(at), 200);
        timing.received(at, FRAME_PREFIX + response.encoded_len() as u64);
        let mut text = String::new();
        tensors::output_text_into(&response, "text_output", &mut text).map_err(TransportError::Protocol)?;
        sink.on_response(200, at);
        let _ = sink.on_event(at, ResponseEvent::Content(&text));
        let _ = sink.on_event(at, ResponseEvent::Finish(None));
        Ok(())
    }

    /// A call refused before any response: an unknown model or bad input is recorded as the
    /// server's error, with the HTTP status it maps to; an unreachable server is a transport error.
    fn status_response(&self, status: &Status, sink: &mut dyn ResponseSink, timing: &mut TransportTiming) -> Result<(), TransportError> {
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
        (timing.response_start, timing.status) = (Some(at), code);
        sink.on_response(code, at);
        // The message alone, as the same error reads inside a stream (the code is in the status).
        let message = if status.message().is_empty() { format!("gRPC status {}", status.code()) } else { status.message().to_owned() };
        let _ = sink.on_event(at, ResponseEvent::Error(mapping::server_error(code, kind, message)));
        Ok(())
    }
}

impl<R: StreamReader> Transport for KserveTransport<R> {
    async fn send<'a>(&'a self, request: TransportRequest<'a>, sink: &'a mut dyn ResponseSink) -> Result<TransportTiming, TransportError> {
        let mut timing = TransportTiming::begin(Instant::now(), 0);
        // tonic's futures are large: boxed, so that the dispatch over every transport (whose
        // future is as large as its largest) keeps an HTTP request's state small.
        crate::deadline::within(self.timeout, Box::pin(self.exchange(request, sink, &mut timing))).await?;
        timing.end = Instant::now();
        Ok(timing)
    }

    fn request_form(&self) -> RequestForm {
        RequestForm::Text
    }

    /// Only text generation maps onto KServe text tensors, and the backend may need more
    /// (TensorRT-LLM: `max_tokens`, no other sampling keys).
    fn check(&self, request: TransportRequest<'_>) -> Result<(), TransportError> {
        mapping::infer_request(self.backend, text_of(&request)?, "check", true).map(|_| ())
    }
}
