//! The client's instructions per request, counted by callgrind: its work as a number that does
//! not move with the machine's speed (CPU time here drifts by up to 40% within minutes, so two
//! changes a few percent apart cannot be told apart by it), for `aiperf profile` and for the raw
//! load loop. User-space instructions only: the kernel's share (the sockets) is not counted.

use std::path::Path;
use std::process::{Command, Stdio};

/// The program counted, its arguments before the request count, and the flag that sets it.
pub struct Counted<'a> {
    /// The binary.
    pub binary: &'a Path,
    /// Arguments that do not depend on the request count.
    pub args: Vec<String>,
    /// The flag followed by the request count (`--request-count`, `--requests`).
    pub count_flag: &'static str,
}

/// Instructions per request of `counted` over a run of `requests` requests (a one-request run,
/// startup and report, subtracted), or `None` when valgrind is not installed.
///
/// # Errors
/// When valgrind runs but the program fails or valgrind prints no count.
pub fn per_request(counted: &Counted<'_>, requests: u64, dir: &Path) -> Result<Option<f64>, String> {
    if Command::new("valgrind").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        return Ok(None);
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let one = collected(counted, 1, dir)?;
    let many = collected(counted, requests + 1, dir)?;
    Ok(Some(many.saturating_sub(one) as f64 / requests as f64))
}

/// The instructions callgrind counted in a run of `requests` requests.
fn collected(counted: &Counted<'_>, requests: u64, dir: &Path) -> Result<u64, String> {
    let out = dir.join(format!("callgrind-{requests}.out"));
    let output = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(counted.binary)
        .args(&counted.args)
        .args([counted.count_flag, &requests.to_string()])
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run valgrind: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("valgrind {}: {}\n{stderr}", counted.binary.display(), output.status));
    }
    // valgrind ends with `==pid== Collected : 123456789`.
    stderr
        .lines()
        .find_map(|line| line.split_once("Collected :").and_then(|(_, n)| n.trim().parse().ok()))
        .ok_or_else(|| format!("valgrind printed no instruction count:\n{stderr}"))
}
