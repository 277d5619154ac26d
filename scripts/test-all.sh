#!/usr/bin/env bash
# Runs every check of the project: formatting, lints, and the tests of both builds
# (default, and with the nvidia-optimized plugin), then builds all features and targets
# (benches included) so competing plugins and --all-features always compile.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

if cargo fmt --version >/dev/null 2>&1; then
    step "cargo fmt --check"
    cargo fmt --all --check
else
    echo "rustfmt is not installed: formatting not checked" >&2
fi

if cargo clippy --version >/dev/null 2>&1; then
    step "cargo clippy (all features, all targets)"
    cargo clippy --locked --workspace --all-features --all-targets -- -D warnings
else
    echo "clippy is not installed: lints not checked" >&2
fi

step "tests: default build"
cargo test --locked --workspace

step "tests: --features nvidia-optimized"
cargo test --locked --workspace --features nvidia-optimized

step "build: --all-features, all targets"
cargo build --locked --workspace --all-features --all-targets
