//! The `aiperf` binary as users run it.

use std::process::Command;

fn aiperf(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_aiperf")).args(args).output().expect("the aiperf binary runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn plugins_endpoint_chat_prints_the_active_implementation_first() {
    let (code, stdout, _) = aiperf(&["plugins", "endpoint", "chat"]);
    assert_eq!(code, 0);
    let first = stdout.lines().next().unwrap();
    if cfg!(feature = "nvidia-optimized") {
        assert!(first.starts_with("OptimizedChatEndpoint [PLUGIN] ← ACTIVE"), "{stdout}");
        assert!(stdout.lines().nth(1).unwrap().starts_with("ChatEndpoint "), "{stdout}");
    } else {
        assert!(first.starts_with("ChatEndpoint ← ACTIVE"), "{stdout}");
    }
}

#[test]
fn an_unknown_name_exits_2_with_a_suggestion() {
    let (code, stdout, stderr) = aiperf(&["plugins", "endpoint", "embedings"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("error: unknown endpoint 'embedings'; did you mean 'embeddings'?"), "{stderr}");
}

#[test]
fn plugins_validate_checks_every_compiled_implementation() {
    let (code, stdout, stderr) = aiperf(&["plugins", "validate"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.starts_with("CATEGORY"), "{stdout}");
    for (category, name) in [
        ("endpoint", "chat"),
        ("transport", "grpc"),
        ("transport", "in_engine"),
        ("arrival_pattern", "poisson"),
        ("dataset_loader", "single_turn"),
        ("exporter", "csv"),
    ] {
        let row = |l: &&str| l.split_whitespace().take(2).eq([category, name]) && l.ends_with("ok");
        assert!(stdout.lines().any(|l| row(&l)), "{category} {name}: {stdout}");
    }
    let expected = if cfg!(feature = "nvidia-optimized") { 19 } else { 16 };
    assert!(stdout.ends_with(&format!("{expected} implementations checked, all valid\n")), "{stdout}");
}

#[test]
fn use_pins_an_implementation_for_a_run() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-cli-use-{}", std::process::id()));
    let dir_arg = dir.to_str().unwrap();
    let args = [
        "profile",
        "--use",
        "chat=ChatEndpoint",
        "--use",
        "in_engine=InEngineTransport",
        "--request-count",
        "2",
        "--isl",
        "8",
        "--ui",
        "none",
        "--output-artifact-dir",
        dir_arg,
    ];
    let (code, stdout, stderr) = aiperf(&args);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, _, stderr) = aiperf(&["profile", "--use", "chat=EmbeddingsEndpoint", "--output-artifact-dir", dir_arg]);
    assert_eq!(code, 2);
    assert!(stderr.contains("EmbeddingsEndpoint implements endpoint 'embeddings', not 'chat'"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}
