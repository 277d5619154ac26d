//! AIPerf 0.13.0 in a virtual environment of its own, from PyPI, and the `o200k_base` vocabulary its
//! builtin tokenizer (tiktoken) would download, given from the copy `tiktoken-rs` ships instead
//! (the machines reach PyPI, not tiktoken's host).
//!
//! The environment holds AIPerf and the packages `aiperf profile` imports, pinned in
//! `xtask/parity-requirements.txt` (50 packages, about 20 s to install, where AIPerf's full
//! dependencies take a minute and 1.2 GB). It is kept under the output directory and made again
//! when the pin list changes.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The AIPerf release compared with.
pub const AIPERF: &str = "aiperf==0.13.0";

/// tiktoken's cache name of `o200k_base`: the SHA-1 of the address it downloads it from.
const O200K_CACHE_NAME: &str = "fb374d419588a4632f3f557e76b4b70aebbca790";

/// Runs `command`, failing with what it printed.
fn run(mut command: Command, what: &str) -> Result<String, String> {
    let output = command.output().map_err(|e| format!("{what}: cannot run {command:?}: {e}"))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    Err(format!(
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// A Python from 3.11 to 3.13 (what AIPerf 0.13 supports): `python3`, else `python3.13`…`python3.11`.
fn python() -> Result<String, String> {
    for candidate in ["python3", "python3.13", "python3.12", "python3.11"] {
        let mut command = Command::new(candidate);
        command.args(["-c", "import sys; print(sys.version_info >= (3, 11) and sys.version_info < (3, 14))"]);
        if run(command, candidate).is_ok_and(|out| out.trim() == "True") {
            return Ok(candidate.to_owned());
        }
    }
    Err("AIPerf 0.13 needs Python 3.11 to 3.13: none of python3, python3.13, python3.12, python3.11 is one".to_owned())
}

/// The virtual environment at `dir` with AIPerf installed: made when missing or when `pins`
/// changed. Returns the path of its `aiperf` command.
pub fn environment(dir: &Path, pins: &Path) -> Result<PathBuf, String> {
    let pinned = std::fs::read_to_string(pins).map_err(|e| format!("{}: {e}", pins.display()))?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (AIPERF, &pinned).hash(&mut hasher);
    let stamp = format!("{:016x}\n", hasher.finish());
    let stamp_file = dir.join("aiperf-parity.stamp");
    let aiperf = dir.join("bin/aiperf");
    if std::fs::read_to_string(&stamp_file).is_ok_and(|found| found == stamp) && aiperf.exists() {
        return Ok(aiperf);
    }
    let _ = std::fs::remove_dir_all(dir);
    eprintln!("xtask: installing {AIPERF} into {}", dir.display());
    let mut venv = Command::new(python()?);
    venv.args(["-m", "venv"]).arg(dir);
    run(venv, "python -m venv")?;
    let pip = dir.join("bin/pip");
    let mut install = Command::new(&pip);
    install.args(["install", "--quiet", "--disable-pip-version-check", "--no-deps", AIPERF]);
    run(install, "pip install aiperf")?;
    let mut install = Command::new(&pip);
    install.args(["install", "--quiet", "--disable-pip-version-check", "--no-deps", "-r"]).arg(pins);
    run(install, "pip install -r parity-requirements.txt")?;
    std::fs::write(&stamp_file, stamp).map_err(|e| format!("{}: {e}", stamp_file.display()))?;
    Ok(aiperf)
}

/// A tiktoken cache directory at `dir` holding `o200k_base`, copied from the `tiktoken-rs` crate
/// the workspace's lock file already names, and checked by tiktoken itself (its digest check)
/// with the environment's Python.
pub fn tiktoken_cache(root: &Path, dir: &Path, environment: &Path) -> Result<PathBuf, String> {
    let mut metadata = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    metadata.args(["metadata", "--format-version", "1", "--locked"]).current_dir(root);
    let metadata: serde_json::Value =
        serde_json::from_str(&run(metadata, "cargo metadata")?).map_err(|e| format!("cargo metadata: {e}"))?;
    let manifest = metadata["packages"]
        .as_array()
        .and_then(|packages| packages.iter().find(|p| p["name"] == "tiktoken-rs"))
        .and_then(|p| p["manifest_path"].as_str())
        .ok_or("cargo metadata names no tiktoken-rs package (aiperf-o200k builds its tables from it)")?;
    let source = Path::new(manifest).with_file_name("assets/o200k_base.tiktoken");
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let cached = dir.join(O200K_CACHE_NAME);
    std::fs::copy(&source, &cached).map_err(|e| format!("{} to {}: {e}", source.display(), cached.display()))?;
    let mut check = Command::new(environment.join("bin/python"));
    check.args(["-c", "import tiktoken; tiktoken.get_encoding('o200k_base')"]).env("TIKTOKEN_CACHE_DIR", dir);
    run(check, "tiktoken's o200k_base from the cache")?;
    Ok(dir.to_path_buf())
}
