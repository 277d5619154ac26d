//! The KServe v2 / Triton gRPC inference protocol (`inference.GRPCInferenceService`): the tonic
//! client and server generated from `proto/grpc_service.proto`, and helpers for the tensors
//! Triton's LLM backends take (`text_input`, `stream`, `sampling_parameters`, `max_tokens`) and
//! return (`text_output`).
//!
//! Dependency rule: depends on no aiperf crate; `aiperf-transports` (client) and
//! `aiperf-mock-server` (server) depend on it.

#![warn(missing_docs)]

pub mod tensors;

/// Messages, client and server generated from the proto (`inference` package).
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod inference {
    tonic::include_proto!("inference");
}
