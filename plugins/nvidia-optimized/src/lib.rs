//! The `nvidia-optimized` aiperf plugin: OpenAI chat and completions under the builtin names
//! (`chat`, `completions`), parsing the same bytes into the same records, faster.
//!
//! - [`sse`]: zero-copy SSE scanning with `memchr`: complete events are read in place from the
//!   bytes the transport delivered; only an unfinished tail is copied.
//! - Borrowed JSON parsing: strings without escapes stay borrowed from the input, only choice 0 is
//!   kept (no `Vec` of choices), and text goes straight into the response's single buffer.
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
pub mod sse;

pub use endpoint::{Chat, Completions, OptimizedChatEndpoint, OptimizedCompletionsEndpoint, OptimizedEndpoint, RequestFormat};
pub use grpc::{
    LeanContents, LeanInferResponse, LeanMessages, LeanOutput, LeanParameter, LeanStreamResponse, OptimizedGrpcTransport, ParameterEntry,
};
pub use json::Shape;
