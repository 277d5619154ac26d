//! `aiperf plugins` output in the build under test (default or with plugin features).

use clap::Parser;

use crate::cli::{Cli, run};

const PLUGIN: bool = cfg!(feature = "nvidia-optimized");

fn output(args: &[&str]) -> Result<String, String> {
    let cli = Cli::try_parse_from(std::iter::once("aiperf").chain(args.iter().copied())).map_err(|e| e.to_string())?;
    run::<crate::Factories>(&cli, "aiperf test").map_err(|e| e.to_string())
}

#[test]
fn overview_lists_every_category() {
    let out = output(&["plugins"]).unwrap();
    assert!(out.contains("endpoint        chat, completions, embeddings, rankings"), "{out}");
    assert!(out.contains("transport       http, http2, grpc, in_engine"), "{out}");
    assert!(out.contains("arrival_pattern constant, poisson, concurrency_burst, gamma"), "{out}");
    assert!(out.contains("dataset_loader  single_turn"), "{out}");
    assert!(out.contains("exporter        console, csv, json"), "{out}");
    assert!(out.contains("  aiperf-endpoints 0.1.0 "), "every crate with its version: {out}");
    assert_eq!(out.contains("plugin nvidia-optimized: "), PLUGIN, "{out}");
}

#[test]
fn category_lists_names_with_their_active_implementation() {
    let out = output(&["plugins", "endpoint"]).unwrap();
    let rankings = out.lines().find(|l| l.starts_with("rankings")).unwrap();
    assert!(rankings.contains("RankingsEndpoint"), "{out}");
    assert!(output(&["plugins", "transport"]).unwrap().contains("InEngineTransport"));
    assert!(output(&["plugins", "arrival-pattern"]).unwrap().contains("PoissonArrivals"));
    let exporter = output(&["plugins", "exporter", "csv"]).unwrap();
    assert!(exporter.starts_with("CsvExporter ← ACTIVE  builtin (aiperf-bench 0.1.0)"), "{exporter}");
}

#[test]
fn unknown_names_and_categories_are_clear_errors() {
    let err = output(&["plugins", "endpoint", "caht"]).unwrap_err();
    assert!(err.starts_with("unknown endpoint 'caht'; did you mean 'chat'? valid: chat, completions, embeddings, rankings"), "{err}");
    let err = output(&["plugins", "model"]).unwrap_err();
    assert!(err.contains("unrecognized subcommand 'model'"), "{err}");
}

#[test]
fn builtin_only_names_list_one_builtin_line() {
    let out = output(&["plugins", "endpoint", "embeddings"]).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].starts_with("EmbeddingsEndpoint ← ACTIVE  builtin"), "{out}");
}

#[test]
fn chat_lists_the_active_implementation_first_in_the_reference_format() {
    let out = output(&["plugins", "endpoint", "chat"]).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    if PLUGIN {
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines[0].starts_with(
                "OptimizedChatEndpoint [PLUGIN] ← ACTIVE  plugin nvidia-optimized (aiperf-nvidia-optimized 0.1.0)  priority 0"
            ),
            "{out}"
        );
        assert!(lines[1].contains("  builtin (aiperf-endpoints 0.1.0)"), "{out}");
        assert!(lines[1].starts_with("ChatEndpoint  "), "{out}");
        assert!(!lines[1].contains("ACTIVE"), "{out}");
    } else {
        assert_eq!(lines.len(), 1, "{out}");
        assert!(lines[0].starts_with("ChatEndpoint ← ACTIVE  builtin"), "{out}");
    }
}
