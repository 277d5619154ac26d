//! Declares the engine's builtin arrival patterns and exporters (`[package.metadata.aiperf]`).

fn main() {
    aiperf_build::declare();
}
