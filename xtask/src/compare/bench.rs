//! The criterion benches of one build, saved as a baseline named after it, and the figures the
//! report shows.

use std::path::Path;

use super::{Cell, PLUGIN, cargo};

/// What the report reads of one build's benches.
#[derive(Debug, Default)]
pub struct Estimates {
    /// Decoding a 256-token chat stream with the build's `chat`, in MiB/s.
    pub decode_mib_s: Cell,
    /// Reading one streamed gRPC response with the build's `grpc`, in ns.
    pub grpc_piece_ns: Cell,
    /// `create_instance` by typed name, in ns.
    pub create_typed_ns: Cell,
    /// `create_instance` by `&str`, in ns.
    pub create_str_ns: Cell,
    /// The direct constructor call, in ns.
    pub direct_ns: Cell,
    /// A `HashMap` of `Box<dyn>` constructors, in ns.
    pub boxed_registry_ns: Cell,
}

/// Runs `benches/decode.rs` and `benches/factory.rs` with `build`'s features and reads the
/// medians back from criterion's files (its report goes to `out/bench-<build>.log`).
pub fn run(root: &Path, out: &Path, build: &str, quick: bool) -> Result<Estimates, String> {
    let mut args = vec!["bench", "--locked", "-p", "aiperf", "--bench", "decode", "--bench", "factory"];
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
    let criterion = root.join("target/criterion");
    let side = if build == PLUGIN { "nvidia_optimized" } else { "builtin" };
    let ns = |group: &str, id: &str| median_ns(&criterion.join(group).join(id).join(build));
    let decode = format!("{side}_read_65536");
    Ok(Estimates {
        decode_mib_s: mib_per_s(&criterion.join("decode_chat_stream_256_tokens").join(&decode).join(build)),
        grpc_piece_ns: ns("grpc_stream_piece", side),
        create_typed_ns: ns("create_instance", "generated_match_typed_name"),
        create_str_ns: ns("create_instance", "generated_match_str_name"),
        direct_ns: ns("create_instance", "direct_constructor"),
        boxed_registry_ns: ns("create_instance", "hashmap_box_dyn_registry"),
    })
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
