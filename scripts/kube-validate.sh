#!/usr/bin/env bash
# Validates what `aiperf kube manifest` writes against Kubernetes' own OpenAPI schemas, strictly
# (an unknown field fails), with kubernetes-validate from PyPI (installed into
# target/kube/venv), for Kubernetes 1.30 (its Jobs take backoffLimitPerIndex: beta and on by
# default since 1.29, GA in 1.33) and 1.37, the newest the validator knows. Each load of the list
# below is one manifest.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/kube/venv
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "kubernetes-validate==1.37.0"
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/aiperf-kube.XXXXXX")
trap 'rm -rf "$out"' EXIT
printf '{"text": "one prompt"}\n{"text": "another"}\n' >"$out/prompts.jsonl"

cargo build --quiet --locked --bin aiperf
aiperf=${CARGO_TARGET_DIR:-target}/debug/aiperf
loads=(
    "--concurrency 64 --request-count 2000 --streaming"
    "--request-rate 500 --benchmark-duration 60 --namespace perf --service-account bench --results-secret s3-creds"
    "--concurrency 8 --request-count 100 --input-file $out/prompts.jsonl --api-key-secret server-key --cpu 2 --memory-mib 1024"
)
i=0
for load in "${loads[@]}"; do
    # shellcheck disable=SC2086 # each load is a list of flags
    "$aiperf" kube manifest --url http://vllm.default.svc:8000 -m llama --workers 4 --results s3://bench/run-$i $load >"$out/$i.yaml"
    for version in 1.30.0 1.37.0; do
        "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "$out/$i.yaml"
    done
    echo "kube manifest $i ($load): valid for Kubernetes 1.30 and 1.37"
    i=$((i + 1))
done
