//! aiperf's server side: what answers requests rather than sending them.
//!
//! - [`Engine`]: an inference engine in this process (text generation, embeddings, ranking), and
//!   [`SimulatedEngine`], a deterministic one with configurable time to first token, inter-token
//!   latency, output length and context length.
//! - [`openai_server`]: the server side of the OpenAI-compatible API (request parsing, vLLM's exact
//!   response bytes) and of TGI's native API, over any [`Engine`].
//!
//! The `in_engine` transport serves requests in-process with it, and `aiperf-mock-server` over
//! HTTP and gRPC. Dependency rule: depends on `aiperf-core` only among aiperf crates; knows no
//! endpoint and no transport.

#![warn(missing_docs)]

mod engine;
pub mod openai_server;
pub mod precise_sleep;
mod simulated;

pub use engine::{
    Embedded, Engine, EngineError, EngineFuture, GenerateOutput, GenerateRequest, InEngineSettings, Piece, Ranked, TokenCallback,
};
pub use simulated::{DEFAULT_MAX_MODEL_LEN, SimulatedEngine, count_tokens};
