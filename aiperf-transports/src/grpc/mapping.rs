//! How a typed text request maps onto KServe tensors, and a Triton error back onto a server error.

use aiperf_core::{ServerError, TextRequest, TransportError};
use aiperf_kserve::inference::ModelInferRequest;
use aiperf_kserve::inference::model_infer_request::InferRequestedOutputTensor;
use aiperf_kserve::tensors;

use super::TritonBackend;

/// The KServe request for `text`, with the tensors `backend` takes, for `ModelStreamInfer` when
/// `stream_rpc` (else the unary `ModelInfer`). Sampling settings go into `sampling_parameters`
/// (vLLM backend); TensorRT-LLM ensembles take them as tensors, so there they are refused rather
/// than dropped, and `max_tokens` is required.
///
/// The stream asks for Triton's empty final response (`triton_enable_empty_final_response`), so
/// that every request's end is marked; the unary RPC has one response, and Triton reserves the
/// `triton_` parameters to the stream (tritonclient refuses them on `infer`).
///
/// # Errors
/// [`TransportError::Unsupported`] for a request the backend cannot take.
pub(super) fn infer_request(
    backend: TritonBackend,
    text: &TextRequest,
    id: &str,
    stream_rpc: bool,
) -> Result<ModelInferRequest, TransportError> {
    let unsupported = |reason: String| TransportError::Unsupported { transport: "grpc", reason };
    let mut request = ModelInferRequest { model_name: text.model.clone(), id: id.to_owned(), ..Default::default() };
    if stream_rpc {
        request.parameters.insert("triton_enable_empty_final_response".to_owned(), tensors::bool_param(true));
    }
    let shape: &[i64] = match backend {
        TritonBackend::Vllm => &[1],
        TritonBackend::TensorRtLlm => &[1, 1],
    };
    let prompt = text.input.joined();
    tensors::add_input(&mut request, "text_input", "BYTES", shape, tensors::bytes_value(prompt.as_bytes()));
    tensors::add_input(&mut request, "stream", "BOOL", shape, vec![u8::from(text.stream)]);
    tensors::add_input(&mut request, "exclude_input_in_output", "BOOL", shape, vec![1]);
    match backend {
        TritonBackend::Vllm => {
            let mut sampling = text.sampling.clone();
            if let Some(max_tokens) = text.max_tokens {
                sampling.insert("max_tokens".to_owned(), max_tokens.into());
            }
            if !sampling.is_empty() {
                let json = serde_json::Value::Object(sampling).to_string();
                tensors::add_input(&mut request, "sampling_parameters", "BYTES", shape, tensors::bytes_value(json.as_bytes()));
            }
        }
        TritonBackend::TensorRtLlm => {
            if !text.sampling.is_empty() {
                let keys: Vec<&str> = text.sampling.keys().map(String::as_str).collect();
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

/// An error Triton sends inside the stream, with the status the same error has on the unary RPC
/// (an unknown model is NOT_FOUND there: 404 either way).
pub(super) fn stream_error(message: &str) -> ServerError {
    let (status, kind) =
        if message.starts_with("Request for unknown model") { (404, "NotFoundError") } else { (500, "InternalServerError") };
    server_error(status, kind, message.to_owned())
}

/// A server error with an HTTP-like status, as the OpenAI-style endpoints record one.
pub(super) fn server_error(status: u16, kind: &str, message: String) -> ServerError {
    ServerError { status: Some(status), message, kind: Some(kind.to_owned()), code: Some(status.to_string()) }
}
