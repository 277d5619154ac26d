//! `acme-aiperf-plugin`: an aiperf plugin maintained outside aiperf's repository.
//!
//! - [`TgiGenerateEndpoint`] adds the endpoint name `tgi_generate`: Hugging Face
//!   text-generation-inference's native `/generate` and `/generate_stream`, which none of aiperf's
//!   builtins speaks.
//! - [`FixedLengthChatEndpoint`] overrides `chat` (priority 10, above `nvidia-optimized`): the
//!   builtin chat wire format with `ignore_eos`, so that every response is exactly `max_tokens`
//!   long and runs compare like for like.
//! - [`MarkdownExporter`] adds the exporter name `markdown`: every run also writes its statistics
//!   as a Markdown table.
//! - [`TextLinesLoader`] adds the dataset format `text_lines`: a text file, one prompt per line.
//!
//! All are declared in this crate's `Cargo.toml` (`[package.metadata.aiperf]`), and `build.rs`
//! passes the declaration on; a custom `aiperf` build that depends on this crate has them.
//!
//! Dependency rule: `aiperf-core` for the contracts, `aiperf-endpoints` to reuse the builtin chat
//! endpoint and SSE framing; nothing else of aiperf.

#![warn(missing_docs)]

mod chat;
mod markdown;
mod text_lines;
mod tgi;

pub use chat::FixedLengthChatEndpoint;
pub use markdown::{MARKDOWN_FILE, MarkdownExporter};
pub use text_lines::TextLinesLoader;
pub use tgi::TgiGenerateEndpoint;
