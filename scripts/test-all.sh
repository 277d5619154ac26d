#!/usr/bin/env bash
# Runs every check of the project: formatting, lints, a build of all features and targets
# (benches included, so competing plugins and --all-features always compile), the docs, the
# tests of both builds (default, and with the nvidia-optimized plugin), the two example crates
# outside the workspace (a third-party plugin and a custom build), and the packaging check
# (scripts/package-check.sh), a smoke run of the benchmark harness comparing builds
# (`cargo xtask compare-builds --quick`), and the comparison with AIPerf 0.13 itself
# (`cargo xtask parity`, which installs it from PyPI into target/parity/venv), and the Kubernetes
# manifests validated against Kubernetes' schemas (scripts/kube-validate.sh). Each category of
# tests must pass at least its floor of tests. Ends with the total.
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

# Tests passed in a category's output ($1), from cargo's `test result:` lines.
passed() {
    awk '/^test result:/ { for (i = 1; i <= NF; i++) if ($(i) ~ /^passed/) p += $(i-1) } END { print p + 0 }' "$1"
}

# Each category of tests must run at least its floor (a little under what it runs today): a
# category that silently ran nothing (a feature, a test target or an example dropped from the
# build) fails the run, however many the others ran.
category() {
    local name=$1 floor=$2 out
    out=$(mktemp)
    shift 2
    "$@" 2>&1 | tee "$out"
    cat "$out" >>"$log"
    local ran
    ran=$(passed "$out")
    rm -f "$out"
    if [ "$ran" -lt "$floor" ]; then
        echo "tests: $name passed $ran tests, fewer than its floor of $floor" >&2
        exit 1
    fi
}

step "tests: default build"
category "the default build" 260 cargo test --locked --workspace

step "tests: --features nvidia-optimized"
category "the nvidia-optimized build" 260 cargo test --locked --workspace --features nvidia-optimized

# The examples are built as an outsider builds them: outside the workspace, each with its own
# Cargo.lock and target directory, depending on this repository by path only.
example() {
    cd "examples/$1"
    if cargo fmt --version >/dev/null 2>&1; then cargo fmt --check; fi
    if cargo clippy --version >/dev/null 2>&1; then cargo clippy --locked --all-targets -- -D warnings; fi
    cargo test --locked
    # A CI clone is thrown away: an example's own target directory (a whole second build of
    # aiperf, about 9 GiB for the custom build) is freed once its tests passed.
    if [ "${CI:-}" = true ]; then rm -rf target; fi
}
for example in "third-party-plugin 8" "custom-build 2"; do
    set -- $example
    step "example $1 (own workspace, lock file and target directory)"
    category "the example $1" "$2" bash -c "$(declare -f example); set -euo pipefail; example $1"
done

step "benchmark harness smoke run (cargo xtask compare-builds --quick; no timing is checked)"
cargo xtask compare-builds --quick 2>&1 | tail -n 25

step "parity with AIPerf 0.13 (cargo xtask parity: both tools on the same loads, docs/parity.md's tolerances)"
cargo xtask parity

step "kube manifests against Kubernetes' schemas (scripts/kube-validate.sh)"
bash scripts/kube-validate.sh

step "packaging: the packaged crates build alone (scripts/package-check.sh)"
bash scripts/package-check.sh

# One closing line over both builds (default and nvidia-optimized) and the examples.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) } }
     END { printf "\ntotal: %d passed, %d failed\n", p, f }' "$log"
