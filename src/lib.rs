//! aiperf: benchmark AI inference servers. Endpoints (wire formats) and transports are plugins
//! chosen at compile time.
//!
//! This crate ties the others together: `build.rs` reads the implementation table in
//! `Cargo.toml` (`[workspace.metadata.aiperf]`) and generates [`EndpointFactory`] and
//! [`TransportFactory`] (see [`factories`]), whose `create_instance` is a `match` over the
//! compiled-in implementations. Enabling a plugin feature (`--features nvidia-optimized`) makes the
//! plugin's implementations the default under the builtin names; builtins stay selectable with
//! `use_implementation`. [`profile`] is the benchmark (`aiperf profile`), [`cli`] the command line.
//!
//! Dependency rule: the only crate that depends on implementations (builtins and plugins); it
//! reaches them only through the generated code.

#![warn(missing_docs)]

pub mod cli;
pub mod profile;
mod select;

pub mod factories {
    //! The factories generated from the implementation table (`OUT_DIR/aiperf_factories.rs`).
    //! Read the generated file for this build's resolution; it lists every table entry it used.
    include!(concat!(env!("OUT_DIR"), "/aiperf_factories.rs"));
}

pub use factories::*;
pub use select::transport_for_url;

pub use aiperf_core as core;
pub use aiperf_endpoints as endpoints;
pub use aiperf_transports as transports;

cfg_if::cfg_if! {
    if #[cfg(feature = "nvidia-optimized")] {
        /// The `nvidia-optimized` plugin (compiled in by its feature).
        pub use aiperf_nvidia_optimized as nvidia_optimized;
    }
}
