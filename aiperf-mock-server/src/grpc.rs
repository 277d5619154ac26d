//! The gRPC side: KServe v2 `GRPCInferenceService` as Triton's vLLM backend answers it.
//!
//! Inputs: `text_input` (BYTES), `stream` (BOOL), `sampling_parameters` (BYTES, JSON with
//! `max_tokens`) or `max_tokens` (INT32, TensorRT-LLM layout). Output: `text_output` (BYTES), one
//! response per token when streaming (the new text only), with `triton_final_response` on the
//! last when the request enables `triton_enable_empty_final_response`.

use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::Arc;

use aiperf_kserve::inference::grpc_inference_service_server::{GrpcInferenceService, GrpcInferenceServiceServer};
use aiperf_kserve::inference::model_infer_response::InferOutputTensor;
use aiperf_kserve::inference::model_metadata_response::TensorMetadata;
use aiperf_kserve::inference::{
    ModelInferRequest, ModelInferResponse, ModelMetadataRequest, ModelMetadataResponse, ModelReadyRequest, ModelReadyResponse,
    ModelStreamInferResponse, ServerLiveRequest, ServerLiveResponse, ServerMetadataRequest, ServerMetadataResponse, ServerReadyRequest,
    ServerReadyResponse,
};
use aiperf_kserve::tensors;
use aiperf_server::{Engine, GenerateRequest, Piece};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::MockConfig;
use crate::errors::ErrorInjector;
use crate::metrics::Metrics;

/// What the gRPC service shares with the HTTP one.
pub(crate) struct Shared {
    /// The engine.
    pub engine: Arc<dyn Engine>,
    /// `--error-rate`.
    pub errors: Arc<ErrorInjector>,
    /// The `/metrics` page's counts.
    pub metrics: Arc<Metrics>,
}

pub(crate) async fn start(
    config: &MockConfig,
    port: u16,
    shared: Shared,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind((config.host, port)).await?;
    let addr = listener.local_addr()?;
    let Shared { engine, errors, metrics } = shared;
    let service = Service { engine, model: config.model.clone(), default_tokens: config.engine.output_tokens, errors, metrics };
    let task = tokio::spawn(async move {
        // `Server::tcp_nodelay` covers only listeners the server binds itself: this one is ours, so
        // its accepted sockets get TCP_NODELAY here (without it, Nagle's algorithm and the client's
        // delayed ACK hold small streamed messages back ~40 ms and bunch them).
        let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
        let _ = tonic::transport::Server::builder()
            .add_service(GrpcInferenceServiceServer::new(service))
            .serve_with_incoming_shutdown(incoming, async move {
                let _ = stop.changed().await;
            })
            .await;
    });
    Ok((addr, task))
}

#[derive(Clone)]
struct Service {
    engine: Arc<dyn Engine>,
    model: String,
    default_tokens: u32,
    errors: Arc<ErrorInjector>,
    metrics: Arc<Metrics>,
}

/// A request as the backend reads it.
struct TextInput {
    id: String,
    prompt: String,
    stream: bool,
    max_tokens: u32,
    final_flag: bool,
}

impl Service {
    fn read(&self, request: &ModelInferRequest) -> Result<TextInput, String> {
        if request.model_name != self.model {
            return Err(format!("Request for unknown model: '{}' is not found", request.model_name));
        }
        let text = tensors::input_raw(request, "text_input").ok_or("input 'text_input' is required")?;
        let prompt = tensors::bytes_elements(&text)?.next().map(|e| String::from_utf8_lossy(e).into_owned()).unwrap_or_default();
        let stream = tensors::input_raw(request, "stream").is_some_and(|raw| raw.first().is_some_and(|&b| b != 0));
        let max_tokens = if let Some(raw) = tensors::input_raw(request, "max_tokens") {
            let bytes: [u8; 4] = raw.get(..4).and_then(|b| b.try_into().ok()).ok_or("input 'max_tokens' must be one INT32")?;
            u32::try_from(i32::from_le_bytes(bytes)).map_err(|_| "max_tokens must not be negative")?
        } else if let Some(raw) = tensors::input_raw(request, "sampling_parameters") {
            let json = tensors::bytes_elements(&raw)?.next().unwrap_or(b"{}");
            let value: serde_json::Value = serde_json::from_slice(json).map_err(|e| format!("sampling_parameters is not JSON: {e}"))?;
            // Triton's vLLM backend accepts numbers or numeric strings.
            match &value["max_tokens"] {
                serde_json::Value::Number(n) => {
                    n.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or("max_tokens must be a whole number")?
                }
                serde_json::Value::String(s) => s.parse().map_err(|_| "max_tokens must be a whole number")?,
                _ => self.default_tokens,
            }
        } else {
            self.default_tokens
        };
        Ok(TextInput {
            id: request.id.clone(),
            prompt,
            stream,
            max_tokens,
            final_flag: tensors::is_true(&request.parameters, "triton_enable_empty_final_response"),
        })
    }

    fn response(&self, id: &str, text: Option<&str>, final_flag: Option<bool>) -> ModelInferResponse {
        let mut response = ModelInferResponse { model_name: self.model.clone(), id: id.to_owned(), ..Default::default() };
        if let Some(text) = text {
            response.outputs.push(InferOutputTensor {
                name: "text_output".to_owned(),
                datatype: "BYTES".to_owned(),
                shape: vec![1],
                ..Default::default()
            });
            response.raw_output_contents.push(tensors::bytes_value(text.as_bytes()));
        }
        if let Some(last) = final_flag {
            response.parameters.insert("triton_final_response".to_owned(), tensors::bool_param(last));
        }
        response
    }

    /// Runs one request of a stream, sending its responses to `out`.
    async fn serve_stream_request(&self, request: ModelInferRequest, out: mpsc::UnboundedSender<Result<ModelStreamInferResponse, Status>>) {
        let error = |message: String| ModelStreamInferResponse { error_message: message, infer_response: None };
        let input = match self.read(&request) {
            Ok(input) => input,
            Err(message) => {
                let _ = out.send(Ok(error(message)));
                return;
            }
        };
        if self.errors.inject() {
            let _ = out.send(Ok(error("simulated server error (--error-rate)".to_owned())));
            return;
        }
        let generate = GenerateRequest {
            model: self.model.clone(),
            prompt: input.prompt.clone(),
            messages: Vec::new(),
            max_tokens: Some(input.max_tokens),
        };
        let flag = |last: bool| input.final_flag.then_some(last);
        let mut whole = String::new();
        let (arrived, mut first_token) = (std::time::Instant::now(), None);
        self.metrics.started();
        let result = {
            let mut on_token = |piece: Piece<'_>| {
                first_token.get_or_insert_with(|| arrived.elapsed());
                if input.stream {
                    let message = ModelStreamInferResponse {
                        error_message: String::new(),
                        infer_response: Some(self.response(&input.id, Some(piece.text), flag(false))),
                    };
                    // A closed channel means the client went away.
                    if out.send(Ok(message)).is_err() {
                        return ControlFlow::Break(());
                    }
                } else {
                    whole.push_str(piece.text);
                }
                ControlFlow::Continue(())
            };
            self.engine.generate(&generate, &mut on_token).await
        };
        self.metrics.ended(arrived.elapsed(), first_token, result.as_ref().ok());
        let last = match result {
            Err(e) => error(e.message),
            Ok(_) if input.stream => {
                ModelStreamInferResponse { error_message: String::new(), infer_response: Some(self.response(&input.id, None, flag(true))) }
            }
            Ok(_) => ModelStreamInferResponse {
                error_message: String::new(),
                infer_response: Some(self.response(&input.id, Some(&whole), flag(true))),
            },
        };
        if input.stream && !input.final_flag && last.error_message.is_empty() {
            // Without the flag the client cannot see the end anyway; send nothing more.
            return;
        }
        let _ = out.send(Ok(last));
    }
}

#[tonic::async_trait]
impl GrpcInferenceService for Service {
    async fn server_live(&self, _: Request<ServerLiveRequest>) -> Result<Response<ServerLiveResponse>, Status> {
        Ok(Response::new(ServerLiveResponse { live: true }))
    }

    async fn server_ready(&self, _: Request<ServerReadyRequest>) -> Result<Response<ServerReadyResponse>, Status> {
        Ok(Response::new(ServerReadyResponse { ready: true }))
    }

    async fn model_ready(&self, request: Request<ModelReadyRequest>) -> Result<Response<ModelReadyResponse>, Status> {
        Ok(Response::new(ModelReadyResponse { ready: request.get_ref().name == self.model }))
    }

    async fn server_metadata(&self, _: Request<ServerMetadataRequest>) -> Result<Response<ServerMetadataResponse>, Status> {
        Ok(Response::new(ServerMetadataResponse {
            name: "aiperf-mock-server".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            extensions: vec!["parameters".to_owned()],
        }))
    }

    /// The tensors of Triton's vLLM backend model.
    async fn model_metadata(&self, request: Request<ModelMetadataRequest>) -> Result<Response<ModelMetadataResponse>, Status> {
        let name = &request.get_ref().name;
        if *name != self.model {
            return Err(Status::not_found(format!("Request for unknown model: '{name}' is not found")));
        }
        let tensor = |name: &str, datatype: &str| TensorMetadata { name: name.to_owned(), datatype: datatype.to_owned(), shape: vec![1] };
        Ok(Response::new(ModelMetadataResponse {
            name: self.model.clone(),
            versions: vec!["1".to_owned()],
            platform: "vllm".to_owned(),
            inputs: vec![
                tensor("text_input", "BYTES"),
                tensor("stream", "BOOL"),
                tensor("sampling_parameters", "BYTES"),
                tensor("exclude_input_in_output", "BOOL"),
            ],
            outputs: vec![TensorMetadata { name: "text_output".to_owned(), datatype: "BYTES".to_owned(), shape: vec![-1] }],
        }))
    }

    async fn model_infer(&self, request: Request<ModelInferRequest>) -> Result<Response<ModelInferResponse>, Status> {
        let input = self
            .read(request.get_ref())
            .map_err(|m| if m.starts_with("Request for unknown model") { Status::not_found(m) } else { Status::invalid_argument(m) })?;
        if input.stream {
            return Err(Status::invalid_argument("streaming needs ModelStreamInfer (the model is decoupled)"));
        }
        if self.errors.inject() {
            return Err(Status::internal("simulated server error (--error-rate)"));
        }
        let generate =
            GenerateRequest { model: self.model.clone(), prompt: input.prompt, messages: Vec::new(), max_tokens: Some(input.max_tokens) };
        let mut whole = String::new();
        let mut collect = |piece: Piece<'_>| {
            whole.push_str(piece.text);
            ControlFlow::Continue(())
        };
        self.engine.generate(&generate, &mut collect).await.map_err(|e| Status::internal(e.message))?;
        Ok(Response::new(self.response(&input.id, Some(&whole), None)))
    }

    type ModelStreamInferStream = UnboundedReceiverStream<Result<ModelStreamInferResponse, Status>>;

    async fn model_stream_infer(
        &self,
        request: Request<Streaming<ModelInferRequest>>,
    ) -> Result<Response<Self::ModelStreamInferStream>, Status> {
        let mut inbound = request.into_inner();
        let (tx, rx) = mpsc::unbounded_channel();
        let service = self.clone();
        tokio::spawn(async move {
            // Each request of the stream runs concurrently, like a decoupled model.
            while let Ok(Some(request)) = inbound.message().await {
                let service = service.clone();
                let tx = tx.clone();
                tokio::spawn(async move { service.serve_stream_request(request, tx).await });
            }
        });
        Ok(Response::new(UnboundedReceiverStream::new(rx)))
    }
}
