//! The `nvidia-optimized` aiperf plugin: OpenAI chat and completions under the builtin names
//! (`chat`, `completions`), parsing the same bytes into the same records, faster.
//!
//! - SSE framing is the builtin's (`aiperf_endpoints::sse::feed_bytes`: events read in place).
//! - A single-pass reader of the response objects servers send (`reader`): only the fields recorded
//!   are read, strings stay borrowed from the input, every other value is checked and skipped in
//!   place; whatever it does not read with certainty goes to the builtin's own reading. Text goes
//!   straight into the response's single buffer.
//! - Event templates (`template`): the events of one stream repeat everything but their text, so
//!   an event made of the last template's bytes around a new plain string is read by comparing
//!   bytes and scanning that string.
//! - [`OptimizedGrpcTransport`] (`grpc`): the builtin KServe transport with [`LeanMessages`], which
//!   decodes each streamed response into only the fields a benchmark reads, borrowing the output
//!   bytes from the received frame.
//!
//! Dependency rule: depends on `aiperf-core`, and on `aiperf-endpoints` / `aiperf-transports` /
//! `aiperf-kserve` only to reuse request formatting, error envelopes, the body-finishing step and
//! the KServe transport. The root crate enables it with the
//! `nvidia-optimized` feature.

#![warn(missing_docs)]

mod endpoint;
mod grpc;
mod json;
mod reader;
mod template;

pub use endpoint::{Chat, Completions, OptimizedChatEndpoint, OptimizedCompletionsEndpoint, OptimizedEndpoint, RequestFormat};
pub use grpc::{
    LeanContents, LeanInferResponse, LeanMessages, LeanOutput, LeanParameter, LeanStreamResponse, OptimizedGrpcTransport, ParameterEntry,
};
pub use json::Shape;
