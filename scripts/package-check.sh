#!/usr/bin/env bash
# Publishability: packages the workspace as `cargo publish` would (`[workspace]` and any
# `[workspace.metadata]` are gone from packaged manifests; `[package.metadata]` stays), unpacks the
# .crate files outside the repository, and builds the packaged `aiperf` from them alone (each
# aiperf crate patched to its unpacked copy), default and with `nvidia-optimized`, checking which
# `chat` implementation is active in each.
set -euo pipefail
cd "$(dirname "$0")/.."

root=$(pwd)
unpacked=$(mktemp -d "${TMPDIR:-/tmp}/aiperf-package-check.XXXXXX")
trap 'rm -rf "$unpacked"' EXIT

rm -f target/package/*.crate
cargo package --workspace --no-verify --allow-dirty --quiet
patches=()
for crate in target/package/*.crate; do
    tar -xzf "$crate" -C "$unpacked"
    dir=$(basename "$crate" .crate)
    name=${dir%-*}
    [ "$name" = aiperf ] || patches+=(--config "patch.crates-io.$name.path=\"$unpacked/$dir\"")
done
manifest=$(ls "$unpacked"/aiperf-[0-9]*/Cargo.toml)
if grep -q '^\[workspace' "$manifest"; then
    echo "package check: the packaged aiperf manifest still has a [workspace] section" >&2
    exit 1
fi

# Built outside the repository's workspace, offline (from the crates the workspace build already
# fetched: the declarations travel through Cargo's links metadata, nothing is downloaded), with a
# target directory of its own (third-party dependencies compiled once serve both builds).
check() {
    local expected=$1
    shift
    local out
    out=$(cargo run --quiet --offline --manifest-path "$manifest" --target-dir "$root/target/package-check" "${patches[@]}" "$@" -- plugins endpoint chat)
    printf '%s\n' "$out"
    case "$(printf '%s\n' "$out" | head -n 1)" in
        "$expected"*) echo "package check ($*): ok" ;;
        *)
            echo "package check ($*): expected the first line to start with '$expected'" >&2
            exit 1
            ;;
    esac
}
check "ChatEndpoint ← ACTIVE  builtin (aiperf-endpoints 0.1.0)"
check "OptimizedChatEndpoint [PLUGIN] ← ACTIVE  plugin nvidia-optimized (aiperf-nvidia-optimized 0.1.0)" --features nvidia-optimized
