//! The generated code for this repository's real declarations (the builtin crates, the engine's
//! own, and the
//! `nvidia-optimized` plugin), compared with checked-in golden files so every change to the
//! generator or to a declaration shows up as a reviewable diff. `AIPERF_BLESS=1 cargo test -p
//! aiperf-build --test golden` rewrites them.

use std::path::Path;

use aiperf_build::{Declaration, Package, Payload, Source, channel};

/// The declaration of the workspace crate in `dir`, as its build script would send it.
fn declared(dir: &str, name: &str) -> Payload {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = std::fs::read_to_string(root.join(dir).join("Cargo.toml")).unwrap();
    let package = Package { name: name.into(), version: env!("CARGO_PKG_VERSION").into(), manifest: format!("{dir}/Cargo.toml") };
    let declaration = Declaration::from_manifest(&manifest, &package).unwrap();
    Payload { format: channel::FORMAT, via: None, sender: name.into(), crates: vec![declaration] }
}

fn check(plugins: &[(&str, &str)], golden: &str) {
    let mut payloads = vec![
        declared("aiperf-bench", "aiperf-bench"),
        declared("aiperf-endpoints", "aiperf-endpoints"),
        declared("aiperf-transports", "aiperf-transports"),
    ];
    payloads.extend(plugins.iter().map(|(dir, name)| declared(dir, name)));
    let host = Source { crate_name: "aiperf".into(), manifest: "Cargo.toml".into() };
    let generated = aiperf_build::generate(&host, payloads).unwrap();
    assert!(generated.warnings.is_empty(), "{:?}", generated.warnings);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(golden);
    if std::env::var_os("AIPERF_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated.code).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == generated.code,
        "{} is out of date: run `AIPERF_BLESS=1 cargo test -p aiperf-build --test golden` and review the diff",
        path.display()
    );
}

#[test]
fn default_build() {
    check(&[], "default.rs.golden");
}

#[test]
fn nvidia_optimized_build() {
    check(&[("plugins/nvidia-optimized", "aiperf-nvidia-optimized")], "nvidia-optimized.rs.golden");
}
