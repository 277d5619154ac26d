//! How an OpenAI-style text request maps onto KServe, and a Triton in-stream error back.

use aiperf_core::{TransportError, TransportRequest};
use aiperf_server::openai_server::{ApiError, ApiRequest, TextRequest, parse};

/// An error Triton sends inside the stream, as the status the same error has on the unary RPC (an
/// unknown model is NOT_FOUND there: 404 either way).
pub(super) fn stream_error(message: String) -> ApiError {
    if message.starts_with("Request for unknown model") {
        ApiError { status: 404, kind: "NotFoundError", message }
    } else {
        ApiError { status: 500, kind: "InternalServerError", message }
    }
}

/// The text request a chat or completions body holds (and whether it is chat); other endpoints
/// have no KServe text mapping.
pub(super) fn text_request(request: &TransportRequest<'_>, default_model: &str) -> Result<(TextRequest, bool), TransportError> {
    match parse(request.path, request.body, default_model) {
        Ok(ApiRequest::Chat(text)) => Ok((text, true)),
        Ok(ApiRequest::Completions(text)) => Ok((text, false)),
        Ok(_) | Err(ApiError { status: 404, .. }) => Err(TransportError::Unsupported {
            transport: "grpc",
            reason: format!(
                "{} has no KServe text mapping: the grpc transport carries chat and completions requests (/v1/chat/completions, /v1/completions)",
                request.path
            ),
        }),
        Err(e) => Err(TransportError::Unsupported { transport: "grpc", reason: e.message }),
    }
}

/// Keys of an OpenAI body that are not part of the text mapping (sampling settings).
pub(super) fn extra_keys(body: &[u8]) -> serde_json::Map<String, serde_json::Value> {
    const MAPPED: [&str; 7] = ["model", "messages", "prompt", "max_tokens", "max_completion_tokens", "stream", "stream_options"];
    let mut map = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(body).unwrap_or_default();
    map.retain(|key, _| !MAPPED.contains(&key.as_str()));
    map
}
