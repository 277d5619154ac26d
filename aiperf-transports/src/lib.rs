//! aiperf's builtin transports.
//!
//! - [`HttpTransport`] (`http`) and [`Http2Transport`] (`http2`): hyper, rustls for `https://`.
//! - [`GrpcTransport`] (`grpc`): KServe v2 / Triton `GRPCInferenceService` (tonic).
//! - [`InEngineTransport`] (`in_engine`): drives an inference [`Engine`] in this process and
//!   answers in the OpenAI/vLLM wire format of the request's path, so the whole
//!   format → send → stream → parse path runs with no server. The builtin [`SimulatedEngine`] is
//!   deterministic, with configurable time to first token, inter-token latency and output length.
//! - [`openai_server`]: the server side of the OpenAI-compatible API (request parsing, vLLM's exact
//!   response bytes) and of TGI's native API, over any [`Engine`]; the in-engine transport and mock
//!   servers share it.
//!
//! The crate declares its transports in its own `Cargo.toml` (`[package.metadata.aiperf]`).
//! Dependency rule: depends on `aiperf-core` and `aiperf-kserve` (the gRPC protocol) among aiperf
//! crates; knows no endpoint.

#![warn(missing_docs)]

mod deadline;
mod engine;
pub mod grpc;
pub mod http;
mod in_engine;
pub mod openai_server;
mod simulated;

pub use engine::{
    Embedded, Engine, EngineError, EngineFuture, GenerateOutput, GenerateRequest, InEngineSettings, Piece, Ranked, TokenCallback,
};
pub use grpc::{GrpcTransport, KserveTransport, SerdeCodec, TextCodec, TritonBackend};
pub use http::{Http2Transport, HttpTransport};
pub use in_engine::InEngineTransport;
pub use simulated::{DEFAULT_MAX_MODEL_LEN, SimulatedEngine};
