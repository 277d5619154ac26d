//! aiperf's builtin transports.
//!
//! - [`InEngineTransport`] (`in_engine`): drives an inference [`Engine`] in this process and
//!   answers in the OpenAI/vLLM wire format of the request's path, so the whole
//!   format → send → stream → parse path runs with no server. The builtin [`SimulatedEngine`] is
//!   deterministic, with configurable time to first token, inter-token latency and output length.
//! - [`openai_server`]: the server side of the OpenAI-compatible API (request parsing, vLLM's exact
//!   response bytes) over any [`Engine`]; the in-engine transport and mock servers share it.
//!
//! Dependency rule: depends on `aiperf-core` only among aiperf crates; knows no endpoint.

#![warn(missing_docs)]

mod deadline;
mod engine;
pub mod grpc;
pub mod http;
mod in_engine;
pub mod openai_server;
mod simulated;

pub use engine::{Embedded, Engine, EngineError, EngineFuture, GenerateOutput, GenerateRequest, Piece, Ranked, TokenCallback};
pub use grpc::{GrpcTransport, KserveTransport, SerdeCodec, TextCodec, TritonBackend};
pub use http::{Http2Transport, HttpTransport};
pub use in_engine::InEngineTransport;
pub use simulated::SimulatedEngine;
