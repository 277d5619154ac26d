//! aiperf-cluster: one benchmark past one machine. Its workers are the pods of a Kubernetes
//! Indexed Job ([`kube`]) or processes on one host ([`local`]); each runs its exact share of the
//! benchmark with the engine ([`worker`]), starting at an instant they agree on through their
//! shared store ([`barrier`]), and leaves its results there ([`store`], [`status`]); the last to
//! end, or `aiperf merge URL`, merges them into the exports of one run ([`merge`]). No
//! coordinator or operator of our own: Kubernetes schedules, the store is the only shared state.
//!
//! Dependency rule: depends on `aiperf-core` (contracts) and `aiperf-bench` (the engine, its run
//! states and their merge), never on an implementation crate; the CLI drives it with the build's
//! generated table.

#![warn(missing_docs)]

pub mod barrier;
mod error;
pub mod kube;
pub mod local;
pub mod merge;
pub mod status;
pub mod store;
pub mod worker;

pub use error::ClusterError;
