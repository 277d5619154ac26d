#!/usr/bin/env bash
# Runs every check of the project: formatting, lints, a build of all features and targets
# (benches included, so competing plugins and --all-features always compile), the docs, the
# tests of both builds (default, and with the nvidia-optimized plugin), the two example crates
# outside the workspace (a third-party plugin and a custom build), and the packaging check
# (scripts/package-check.sh), and a smoke run of the benchmark harness comparing builds
# (`cargo xtask compare-builds --quick`). Ends with the total.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# A clean CI clone builds everything once: incremental state would only take disk. The examples
# and the packaged crates are workspaces of their own and do not read this workspace's profile;
# they get the same debug-info level through Cargo's environment (see [profile.dev] in Cargo.toml).
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi
export CARGO_PROFILE_DEV_DEBUG=line-tables-only

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

step "build: --all-features, all targets"
cargo build --locked --workspace --all-features --all-targets

step "docs: no broken links"
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps --workspace --all-features

log=$(mktemp)
trap 'rm -f "$log"' EXIT

step "tests: default build"
cargo test --locked --workspace 2>&1 | tee -a "$log"

step "tests: --features nvidia-optimized"
cargo test --locked --workspace --features nvidia-optimized 2>&1 | tee -a "$log"

# The examples are built as an outsider builds them: outside the workspace, each with its own
# Cargo.lock and target directory, depending on this repository by path only.
for example in third-party-plugin custom-build; do
    step "example $example (own workspace, lock file and target directory)"
    (
        cd "examples/$example"
        if cargo fmt --version >/dev/null 2>&1; then cargo fmt --check; fi
        if cargo clippy --version >/dev/null 2>&1; then cargo clippy --locked --all-targets -- -D warnings; fi
        cargo test --locked
    ) 2>&1 | tee -a "$log"
done

step "benchmark harness smoke run (cargo xtask compare-builds --quick; no timing is checked)"
cargo xtask compare-builds --quick 2>&1 | tail -n 25

step "packaging: the packaged crates build alone (scripts/package-check.sh)"
bash scripts/package-check.sh

# One closing line over both builds (default and nvidia-optimized) and the examples.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) } }
     END { printf "\ntotal: %d passed, %d failed\n", p, f }' "$log"
