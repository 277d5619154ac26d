//! aiperf: benchmark AI inference servers. Endpoints (wire formats) and transports are plugins
//! chosen at compile time.
//!
//! The command line ([`cli`]) drives the benchmark engine ([`bench`](mod@bench), the `aiperf-bench` crate)
//! and draws its pictures ([`plot`]), generic over a build's
//! implementation table, [`Factories`](aiperf_core::Factories), which `aiperf-build` generates from
//! the implementations the crates compiled into the build declare in their own
//! `[package.metadata.aiperf]`. This package's own table (builtins, plus the plugins its features
//! enable) is [`factories`]; a custom build (another binary crate listing `aiperf` and plugin
//! crates) generates its own and runs the same CLI over it with [`main!`].
//!
//! Dependency rule: depends on `aiperf-core`, `aiperf-bench`, the builtin crates and optional
//! plugin crates, and reaches implementations only through generated code.

#![warn(missing_docs)]

pub mod cli;
pub mod plot;

aiperf_core::include_factories!();

pub use factories::*;

pub use aiperf_bench as bench;
pub use aiperf_core as core;
pub use aiperf_core::include_factories;
pub use aiperf_endpoints as endpoints;
#[cfg(feature = "nvidia-optimized")]
/// The `nvidia-optimized` plugin (compiled in by its feature).
pub use aiperf_nvidia_optimized as nvidia_optimized;
pub use aiperf_transports as transports;

/// The whole `main.rs` of a custom build: generates nothing itself, but includes the factories the
/// crate's `build.rs` (`aiperf_build::compile()`) generated and runs the `aiperf` command line
/// over them.
///
/// ```ignore
/// // main.rs of a crate depending on `aiperf` and plugin crates
/// aiperf::main!();
/// ```
#[macro_export]
macro_rules! main {
    () => {
        $crate::include_factories!(#[allow(dead_code, unused_imports)] mod);

        fn main() -> ::std::process::ExitCode {
            $crate::cli::main::<factories::Factories>()
        }
    };
}
