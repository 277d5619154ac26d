//! The command line as a library (`aiperf::cli::run_with` over a build's `Factories`), as an
//! embedder or a custom build uses it: names registered in its selections work in `profile` and
//! are listed as registered; `--use` pins last only for the run that set them.

use aiperf::bench::Selections;
use aiperf::cli::{Cli, run_with};
use aiperf::core::{ConfigError, Endpoint, EndpointMetadata, FromModelEndpoint, ModelEndpointInfo};
use aiperf::{EndpointFactory, Factories};
use clap::Parser;

/// The command line run with `selections` (an embedder's registrations).
fn cli_with(args: &[&str], selections: &Selections<Factories>) -> Result<String, String> {
    let cli = Cli::try_parse_from(std::iter::once("aiperf").chain(args.iter().copied())).map_err(|e| e.to_string())?;
    run_with::<Factories>(&cli, "aiperf test", selections).map_err(|e| e.to_string())
}

fn cli(args: &[&str]) -> Result<String, String> {
    cli_with(args, &Selections::default())
}

/// A registered name: chat's wire format under another name, with its own metadata.
static RELAY_METADATA: EndpointMetadata = EndpointMetadata { metrics_title: "Relay Metrics", ..*chat_metadata() };

const fn chat_metadata() -> &'static EndpointMetadata {
    &EndpointMetadata {
        endpoint_path: "/v1/chat/completions",
        streaming_endpoint_path: None,
        input: aiperf::core::InputKind::Messages,
        supports_streaming: true,
        produces_tokens: true,
        metrics_title: "LLM Metrics",
    }
}

fn make_relay(info: &ModelEndpointInfo) -> Result<Box<dyn Endpoint>, ConfigError> {
    Ok(Box::new(aiperf::endpoints::ChatEndpoint::from_model_endpoint(info)?))
}

#[test]
fn runtime_registered_names_run_in_profile_and_list_as_registered() {
    let mut selections = Selections::<Factories>::default();
    selections.endpoints.register("relay", "RelayEndpoint", "chat under another name", &RELAY_METADATA, make_relay).unwrap();
    let cli = |args: &[&str]| cli_with(args, &selections);
    let listing = cli(&["plugins", "endpoint", "relay"]).unwrap();
    assert!(listing.starts_with("RelayEndpoint ← ACTIVE  registered at run time"), "{listing}");
    assert!(!listing.contains("builtin"), "{listing}");
    assert!(cli(&["plugins", "endpoint"]).unwrap().lines().any(|l| l.starts_with("relay ")));
    assert!(cli_with(&["plugins", "endpoint", "relay"], &Selections::default()).is_err(), "only where it was registered");

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-relay-{}", std::process::id()));
    let dir_arg = dir.display().to_string();
    let console = cli(&[
        "profile",
        "--endpoint-type",
        "relay",
        "--streaming",
        "--request-count",
        "3",
        "--engine-ttft-ms",
        "1",
        "--engine-itl-ms",
        "0",
        "--isl",
        "16",
        "--osl",
        "4",
        "--output-artifact-dir",
        &dir_arg,
        "--ui",
        "none",
    ])
    .unwrap();
    assert!(console.contains("aiperf | Relay Metrics"), "the registered metadata is used: {console}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("profile_export_aiperf.json")).unwrap()).unwrap();
    assert_eq!(report["input_config"]["endpoint"]["type"], "relay");
    assert_eq!(report["request_count"]["avg"], 3.0, "{report}");
    assert!(report.get("error_request_count").is_none(), "no errors, no error row (AIPerf's layout)");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn use_pins_last_only_for_the_run() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-pins-{}", std::process::id()));
    let dir_arg = dir.display().to_string();
    cli(&[
        "profile",
        "--use",
        "chat=ChatEndpoint",
        "--request-count",
        "1",
        "--engine-ttft-ms",
        "0",
        "--engine-itl-ms",
        "0",
        "--output-artifact-dir",
        &dir_arg,
        "--ui",
        "none",
    ])
    .unwrap();
    std::fs::remove_dir_all(dir).unwrap();
    for info in EndpointFactory::list_implementations("chat").unwrap() {
        assert_eq!(info.is_selected, info.is_default, "{} is still pinned after the run", info.class_name);
    }
    let err = cli(&["profile", "--use", "chat=NoSuchChat", "--request-count", "1"]).unwrap_err();
    assert!(err.starts_with("unknown implementation 'NoSuchChat' of endpoint 'chat'"), "{err}");
}
