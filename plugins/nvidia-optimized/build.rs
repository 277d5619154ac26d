//! Declares this crate's implementations (`[package.metadata.aiperf]` in its Cargo.toml) to the
//! crates that depend on it; see `aiperf_build::declare`.

fn main() {
    aiperf_build::declare();
}
