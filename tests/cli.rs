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
