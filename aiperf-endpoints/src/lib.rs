//! aiperf's builtin endpoints: the wire formats of real inference servers.
//!
//! - [`ChatEndpoint`]: OpenAI `/v1/chat/completions` (vLLM, NIM, TGI, ...), streaming SSE or not.
//! - [`CompletionsEndpoint`]: OpenAI `/v1/completions`, streaming SSE or not.
//! - [`EmbeddingsEndpoint`]: OpenAI `/v1/embeddings`, float or base64 vectors.
//! - [`RankingsEndpoint`]: NVIDIA NIM `/v1/ranking`.
//!
//! Each formats request bodies and parses responses into [`aiperf_core::ParsedResponse`]. Chat and
//! completions responses are read by a one-pass [`reader`] specialised to what servers send, with
//! serde for anything it declines.
//! [`conformance`] lets a plugin check its overrides against the builtins on real servers' bytes.
//! Dependency rule: depends on `aiperf-core` only (plus serde/base64/memchr); knows no transport. Plugins
//! may depend on this crate to reuse pieces (request formatting, error envelopes).

#![warn(missing_docs)]

mod chat;
mod completions;
pub mod conformance;
mod embeddings;
pub mod openai;
mod rankings;
pub mod reader;
pub mod sse;

pub use chat::ChatEndpoint;
pub use completions::CompletionsEndpoint;
pub use embeddings::EmbeddingsEndpoint;
pub use rankings::RankingsEndpoint;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod published;
