//! `aiperf plot` and `aiperf profile --auto-plot` end to end on the embedded engine: every picture
//! of a run and of a sweep is written, a valid PNG of the expected size; a directory that holds
//! neither is refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn aiperf(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aiperf")).args(args).current_dir(cwd).output().expect("the aiperf binary runs")
}

fn dir(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("aiperf-plots-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A PNG file: the signature, then an IHDR chunk with the width and height.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() > 1000, "{}: {} bytes", path.display(), bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

fn ok(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

const ENGINE: [&str; 7] = ["--streaming", "--ui", "none", "--engine-ttft-ms", "2", "--engine-itl-ms", "0"];

#[test]
fn a_run_and_a_sweep_are_drawn() {
    let dir = dir("all");
    let stdout = ok(&aiperf(
        &[&["profile", "--auto-plot", "--concurrency", "4", "--request-count", "60", "--output-artifact-dir", "run"][..], &ENGINE].concat(),
        &dir,
    ));
    for name in
        ["ttft_distribution", "itl_distribution", "latency_distribution", "ttft_over_time", "latency_over_time", "throughput_over_time"]
    {
        let path = dir.join("run/plots").join(format!("{name}.png"));
        assert_eq!(png_size(&path), (1600, 800), "{name}");
        assert!(stdout.contains(&format!("{name}.png")), "{stdout}");
    }
    ok(&aiperf(
        &[&["profile", "--concurrency", "1,2,4", "--request-count", "12", "--output-artifact-dir", "sweep"][..], &ENGINE].concat(),
        &dir,
    ));
    let stdout = ok(&aiperf(&["plot", "sweep", "--output", "pictures"], &dir));
    for name in ["throughput_vs_latency", "ttft_vs_throughput"] {
        assert_eq!(png_size(&dir.join("pictures").join(format!("{name}.png"))), (1600, 800), "{name}");
    }
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    // Two directories at once: each picture named after its directory.
    ok(&aiperf(&["plot", "run", "sweep/concurrency_2", "--output", "both"], &dir));
    assert!(dir.join("both/run_ttft_distribution.png").exists() && dir.join("both/concurrency_2_ttft_distribution.png").exists());
    let output = aiperf(&["plot", "nowhere"], &dir);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nowhere holds no profile_export.jsonl"));
}
