//! The criterion benches of one build, saved as a baseline named after it, and the figures the
//! report shows.

use std::path::Path;

use super::{Cell, PLUGIN, cargo};

/// One figure of a build's benches, as the report shows it.
#[derive(Debug)]
pub struct Figure {
    /// The row's label.
    pub label: &'static str,
    /// `MiB/s` (from the bench's byte throughput) or `ns` (its median time).
    pub unit: &'static str,
    /// The median.
    pub value: Cell,
}

/// The figures the report reads: label, unit, criterion group, and the bench's id in it, where
/// `{side}` stands for `builtin`, or `nvidia_optimized` in the plugin's build (the build's own
/// implementation of that name).
const FIGURES: &[(&str, &str, &str, &str)] = &[
    ("decode: 256-token chat stream (build's `chat`)", "MiB/s", "decode_chat_stream_256_tokens", "{side}_read_65536"),
    ("decode: the same stream in 1 KiB reads", "MiB/s", "decode_chat_stream_256_tokens", "{side}_read_1024"),
    (
        "decode: the same stream, idiomatic typed serde_json loop (reference)",
        "MiB/s",
        "decode_chat_stream_256_tokens",
        "reference_serde_json_typed",
    ),
    ("decode: 256-token chat stream, a field differing in every chunk", "MiB/s", "decode_chat_stream_varying_frames", "{side}"),
    ("decode: 256-token chat stream, half of it reasoning", "MiB/s", "decode_chat_stream_reasoning", "{side}"),
    ("decode: 256-token completions stream (build's `completions`)", "MiB/s", "decode_completions_stream_256_tokens", "{side}"),
    ("decode: 1024-dimension embedding (`embeddings`)", "MiB/s", "decode_embeddings_1024_dims", "builtin"),
    ("decode: 100-passage ranking (`rankings`)", "MiB/s", "decode_rankings_100_passages", "builtin"),
    ("SSE framing alone, 256-token chat stream", "MiB/s", "sse_framing_256_token_stream", "read_65536"),
    ("read one streamed gRPC response (build's `grpc`)", "ns", "grpc_stream_piece", "{side}"),
    ("format: chat request, 128-word message (build's `chat`)", "ns", "format_request", "chat_{side}"),
    ("format: completions request (build's `completions`)", "ns", "format_request", "completions_{side}"),
    ("format: embeddings request, 8 texts", "ns", "format_request", "embeddings_builtin"),
    ("format: rankings request, 100 passages", "ns", "format_request", "rankings_builtin"),
    ("format: chat request's typed text form (for `grpc`)", "ns", "format_request", "chat_text_form_builtin"),
    ("record one request: metrics, statistics, JSONL line (OSL 16)", "ns", "record_request", "osl_16"),
    ("record one request (OSL 256)", "ns", "record_request", "osl_256"),
    ("create_instance, typed name written in the code", "ns", "create_instance", "generated_match_literal_name"),
    ("create_instance, typed name known at run time", "ns", "create_instance", "generated_match_typed_name"),
    ("direct constructor call", "ns", "create_instance", "direct_constructor"),
    ("direct constructor call, into AnyEndpoint", "ns", "create_instance", "direct_constructor_any_endpoint"),
    ("create_instance, &str name", "ns", "create_instance", "generated_match_str_name"),
    ("resolving a typed name alone (the table's match)", "ns", "resolve", "generated_match_typed_name"),
    ("resolving a typed name through a Selection (its pin, else the table's)", "ns", "resolve", "selection_typed_name"),
    ("resolving a &str name alone", "ns", "resolve", "generated_match_str_name"),
    ("HashMap<String, fn> registry", "ns", "create_instance", "hashmap_fn_registry"),
    ("HashMap<String, fn> -> Box<dyn> registry", "ns", "create_instance", "hashmap_box_dyn_registry"),
    ("decode one chunk through AnyEndpoint (generated enum)", "ns", "call_endpoint", "one_event_any_endpoint"),
    ("decode one chunk through Box<dyn Endpoint>", "ns", "call_endpoint", "one_event_box_dyn_endpoint"),
    ("empty call through AnyEndpoint", "ns", "call_endpoint", "no_bytes_any_endpoint"),
    ("empty call through Box<dyn Endpoint>", "ns", "call_endpoint", "no_bytes_box_dyn_endpoint"),
];

/// Ratios of two benches of one build's run (measured seconds apart, so the machine's drift
/// between the builds' runs does not enter them): label, criterion group, the numerator's id, the
/// denominator's id, and whether only the plugin's build has both. Throughputs divide as
/// numerator ÷ denominator, times as denominator ÷ numerator: above 1 the numerator is faster.
const SAME_RUN: &[(&str, &str, &str, &str, bool)] = &[
    (
        "decode: 256-token chat stream, plugin's speed ÷ builtin's, one run",
        "decode_chat_stream_256_tokens",
        "nvidia_optimized_read_65536",
        "builtin_read_65536",
        true,
    ),
    (
        "decode: the same stream in 1 KiB reads, plugin's speed ÷ builtin's, one run",
        "decode_chat_stream_256_tokens",
        "nvidia_optimized_read_1024",
        "builtin_read_1024",
        true,
    ),
    (
        "decode: a field differing in every chunk, plugin's speed ÷ builtin's, one run",
        "decode_chat_stream_varying_frames",
        "nvidia_optimized",
        "builtin",
        true,
    ),
    ("decode: half reasoning, plugin's speed ÷ builtin's, one run", "decode_chat_stream_reasoning", "nvidia_optimized", "builtin", true),
    (
        "decode: completions stream, plugin's speed ÷ builtin's, one run",
        "decode_completions_stream_256_tokens",
        "nvidia_optimized",
        "builtin",
        true,
    ),
    (
        "decode: chat stream, builtin's speed ÷ typed serde_json's, one run",
        "decode_chat_stream_256_tokens",
        "builtin_read_65536",
        "reference_serde_json_typed",
        false,
    ),
    (
        "create_instance, typed name in the code: speed ÷ the direct call's into AnyEndpoint, one run",
        "create_instance",
        "generated_match_literal_name",
        "direct_constructor_any_endpoint",
        false,
    ),
    (
        "create_instance, typed name at run time: speed ÷ the direct call's into AnyEndpoint, one run",
        "create_instance",
        "generated_match_typed_name",
        "direct_constructor_any_endpoint",
        false,
    ),
    (
        "create_instance, typed name in the code: speed ÷ the bare direct call's, one run",
        "create_instance",
        "generated_match_literal_name",
        "direct_constructor",
        false,
    ),
    (
        "create_instance, &str name: speed ÷ the Box<dyn> registry's, one run",
        "create_instance",
        "generated_match_str_name",
        "hashmap_box_dyn_registry",
        false,
    ),
];

/// The benches, each with its own file under `benches/`.
const BENCHES: &[&str] = &["decode", "format", "record", "factory"];

/// Runs the benches with `build`'s features and reads the medians back from criterion's files
/// (its report goes to `out/bench-<build>.log`).
pub fn run(root: &Path, out: &Path, build: &str, quick: bool) -> Result<Vec<Figure>, String> {
    let mut args = vec!["bench", "--locked", "-p", "aiperf"];
    for bench in BENCHES {
        args.extend(["--bench", bench]);
    }
    if build != "default" {
        args.extend(["--features", build]);
    }
    if quick {
        // The debug build the tests made: a smoke run of every bench, no measurement.
        args.extend(["--profile", "dev"]);
    }
    args.extend(["--", "--save-baseline", build, "--noplot"]);
    args.extend(if quick {
        ["--warm-up-time", "0.05", "--measurement-time", "0.1", "--sample-size", "10"]
    } else {
        ["--warm-up-time", "1", "--measurement-time", "3", "--sample-size", "100"]
    });
    cargo::cargo(root, &args, Some(&out.join(format!("bench-{build}.log"))))?;
    let criterion = cargo::target_dir(root)?.join("criterion");
    let side = if build == PLUGIN { "nvidia_optimized" } else { "builtin" };
    let figures = FIGURES.iter().map(|&(label, unit, group, id)| {
        let dir = criterion.join(group).join(id.replace("{side}", side)).join(build);
        let value = if unit == "MiB/s" { mib_per_s(&dir) } else { median_ns(&dir) };
        Figure { label, unit, value }
    });
    let ratios = SAME_RUN.iter().filter(|r| build == PLUGIN || !r.4).map(|&(label, group, numerator, denominator, _)| {
        let dir = |id: &str| criterion.join(group).join(id).join(build);
        // A throughput bench has a benchmark.json with bytes; speed is then bytes per time.
        let speed = |id: &str| mib_per_s(&dir(id)).or_else(|| median_ns(&dir(id)).map(|ns| 1.0 / ns));
        Figure { label, unit: "×", value: speed(numerator).zip(speed(denominator)).map(|(n, d)| n / d) }
    });
    // The lookup's share of a creation: resolving a typed name alone against the direct call
    // into the factory's type, both of this run.
    let lookup = median_ns(&criterion.join("resolve/generated_match_typed_name").join(build))
        .zip(median_ns(&criterion.join("create_instance/direct_constructor_any_endpoint").join(build)))
        .map(|(resolve, direct)| 100.0 * resolve / direct);
    let lookup = Figure {
        label: "create_instance, typed name: resolving it alone ÷ the direct call into AnyEndpoint, one run",
        unit: "%",
        value: lookup,
    };
    Ok(figures.chain(ratios).chain([lookup]).collect())
}

fn json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// The median time of one bench, from `estimates.json`.
fn median_ns(dir: &Path) -> Cell {
    json(&dir.join("estimates.json"))?["median"]["point_estimate"].as_f64()
}

/// The median throughput of one bench with a byte throughput.
fn mib_per_s(dir: &Path) -> Cell {
    let bytes = json(&dir.join("benchmark.json"))?["throughput"]["Bytes"].as_f64()?;
    Some(bytes / (median_ns(dir)? * 1e-9) / f64::from(1 << 20))
}
