//! `chat` with `ignore_eos`: the builtin wire format, a fixed output length.

use std::time::Instant;

use aiperf_core::{
    ConfigError, DecodeState, Endpoint, EndpointError, FormattedRequest, FromModelEndpoint, InferenceRequest, ModelEndpointInfo,
    ParsedResponse, TextRequest,
};
use aiperf_endpoints::ChatEndpoint;
use serde_json::Value;

/// OpenAI chat completions that ask the server to ignore the end-of-sequence token
/// (`"ignore_eos": true`, a vLLM sampling parameter NIM accepts too), so each response has exactly
/// `max_tokens` tokens. Responses are parsed exactly as the builtin parses them. An
/// `--extra-inputs ignore_eos:false` given by the user still wins.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedLengthChatEndpoint {
    inner: ChatEndpoint,
}

impl FromModelEndpoint for FixedLengthChatEndpoint {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        let mut info = info.clone();
        info.extra_inputs.entry("ignore_eos").or_insert(Value::Bool(true));
        Ok(Self { inner: ChatEndpoint::from_model_endpoint(&info)? })
    }
}

impl Endpoint for FixedLengthChatEndpoint {
    fn format_request(&self, request: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
        self.inner.format_request(request)
    }

    /// The typed form, for transports such as grpc: `ignore_eos` travels with the sampling settings.
    fn text_request(&self, request: &InferenceRequest) -> Result<TextRequest, EndpointError> {
        self.inner.text_request(request)
    }

    fn decode(&self, state: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) -> Result<(), EndpointError> {
        self.inner.decode(state, at, bytes, out)
    }

    fn finish(&self, state: &mut DecodeState, out: &mut ParsedResponse) -> Result<(), EndpointError> {
        self.inner.finish(state, out)
    }
}
