//! The `nvidia-optimized` aiperf plugin: OpenAI chat and completions under the builtin names
//! (`chat`, `completions`), parsing the same bytes into the same records, faster.
//!
//! - SSE framing and the one-pass reader of response objects are the builtins'
//!   (`aiperf_endpoints::sse`, `aiperf_endpoints::reader`), serde for what the reader declines.
//! - Event templates (`template`): the events of one stream repeat everything but their text, so
//!   an event made of the last template's bytes around a new plain string is read by comparing
//!   bytes and scanning that string.
//! - [`OptimizedGrpcTransport`] (`grpc`): the builtin KServe transport with [`LeanMessages`], which
//!   decodes each streamed response into only the fields a benchmark reads, borrowing the output
//!   bytes from the received frame.
//!
//! Dependency rule: depends on `aiperf-core`, and on `aiperf-endpoints` / `aiperf-transports` /
//! `aiperf-kserve` only to reuse request formatting, the response reader, error envelopes, the
//! body-finishing step and the KServe transport. The root crate enables it with the
//! `nvidia-optimized` feature.

#![warn(missing_docs)]

mod endpoint;
mod grpc;
mod json;
mod template;

pub use aiperf_endpoints::reader::Shape;
pub use endpoint::{Chat, Completions, OptimizedChatEndpoint, OptimizedCompletionsEndpoint, OptimizedEndpoint, RequestFormat};
pub use grpc::{
    LeanContents, LeanInferResponse, LeanMessages, LeanOutput, LeanParameter, LeanStreamResponse, OptimizedGrpcTransport, ParameterEntry,
};
