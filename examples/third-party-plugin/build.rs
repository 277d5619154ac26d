//! Declares this crate's implementations (its `[package.metadata.aiperf]`) to the crates that
//! depend on it.

fn main() {
    aiperf_build::declare();
}
