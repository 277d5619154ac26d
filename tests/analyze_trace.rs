//! `aiperf analyze-trace`: a real Mooncake trace's report, as the command prints and writes it,
//! equal to AIPerf 0.13's own (its analysis run on the same rows, kept beside them).

use std::path::Path;
use std::process::Command;

fn traces() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("aiperf-bench/tests/data/traces")
}

#[test]
fn the_report_printed_and_written_is_aiperf_s() {
    let out = std::env::temp_dir().join(format!("aiperf-analyze-trace-{}", std::process::id()));
    let report = out.join("nested/report.json");
    let output = Command::new(env!("CARGO_BIN_EXE_aiperf"))
        .arg("analyze-trace")
        .arg(traces().join("mooncake_synthetic_400.jsonl"))
        .arg("--output-file")
        .arg(&report)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(printed.contains("Total requests:   400") && printed.contains("Prefix groups:    13"), "{printed}");
    assert!(printed.contains("Theoretical Hit Rates") && printed.contains("Analysis report saved to"), "{printed}");
    let ours: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let aiperf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(traces().join("mooncake_synthetic_400.aiperf.json")).unwrap()).unwrap();
    assert_eq!(ours, aiperf);
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn a_missing_file_and_a_line_that_is_no_row_are_errors_naming_them() {
    let run = |path: &Path| Command::new(env!("CARGO_BIN_EXE_aiperf")).arg("analyze-trace").arg(path).output().unwrap();
    let missing = run(Path::new("no-such-trace.jsonl"));
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-trace.jsonl"));
    let bad = std::env::temp_dir().join(format!("aiperf-bad-trace-{}.jsonl", std::process::id()));
    std::fs::write(&bad, "{\"input_length\": 3}\n[1, 2]\n").unwrap();
    let output = run(&bad);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.code() == Some(2) && stderr.contains("line 2"), "{stderr}");
    std::fs::remove_file(bad).unwrap();
}
