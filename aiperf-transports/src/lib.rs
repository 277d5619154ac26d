//! aiperf's builtin transports.
//!
//! - [`HttpTransport`] (`http`) and [`Http2Transport`] (`http2`): hyper, rustls for `https://`.
//! - [`GrpcTransport`] (`grpc`): KServe v2 / Triton `GRPCInferenceService` (tonic).
//! - [`InEngineTransport`] (`in_engine`): drives an inference [`Engine`] in this process and
//!   answers in the wire format of the request's path (`aiperf-server`), so the whole
//!   format → send → stream → parse path runs with no server. The default engine is
//!   `aiperf-server`'s deterministic [`SimulatedEngine`], configured by [`InEngineSettings`].
//!
//! The crate declares its transports in its own `Cargo.toml` (`[package.metadata.aiperf]`).
//! Dependency rule: depends on `aiperf-core`, `aiperf-kserve` (the gRPC protocol) and
//! `aiperf-server` (what the in-engine transport answers with) among aiperf crates; knows no
//! endpoint.

#![warn(missing_docs)]

pub mod deadline;
pub mod grpc;
pub mod http;
mod in_engine;

/// What the in-engine transport drives: the engine contract and its settings.
pub use aiperf_server::{
    Embedded, Engine, EngineError, EngineFuture, GenerateOutput, GenerateRequest, InEngineSettings, Piece, Ranked, SimulatedEngine,
    TokenCallback,
};
pub use grpc::{FullMessages, GrpcTransport, KserveTransport, StreamReader, TritonBackend};
pub use http::{Http2Transport, HttpTransport};
pub use in_engine::InEngineTransport;
