//! Building what the comparison runs, with cargo.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The profile binaries are built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// `--quick`: the debug builds the tests already made.
    Dev,
    /// Measurements.
    Release,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Self::Dev => "debug",
            Self::Release => "release",
        }
    }

    fn args(self) -> &'static [&'static str] {
        match self {
            Self::Dev => &[],
            Self::Release => &["--release"],
        }
    }
}

/// Runs cargo in the workspace root; fails with the command line when cargo does. Its output goes
/// to `log` when one is given (criterion's report of every bench).
pub fn cargo(root: &Path, args: &[&str], log: Option<&Path>) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("xtask: cargo {}", args.join(" "));
    let mut command = Command::new(&cargo);
    command.args(args).current_dir(root);
    if let Some(log) = log {
        let file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        command.stderr(file.try_clone().map_err(|e| e.to_string())?).stdout(file);
    }
    let status = command.status().map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`cargo {}` failed ({status})", args.join(" "))) }
}

/// Where cargo builds the workspace, as `cargo metadata` says (`CARGO_TARGET_DIR`, or
/// `build.target-dir` in a cargo configuration, else `target/` in the workspace).
pub fn target_dir(root: &Path) -> Result<PathBuf, String> {
    target_dir_of(metadata(root))
}

/// `cargo metadata` of the workspace at `root`, without its dependencies.
fn metadata(root: &Path) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.args(["metadata", "--format-version", "1", "--no-deps"]).current_dir(root);
    command
}

/// The `target_directory` that `command` (a `cargo metadata`) prints.
fn target_dir_of(mut command: Command) -> Result<PathBuf, String> {
    let output = command.output().map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!("`cargo metadata` failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr).trim()));
    }
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
    metadata["target_directory"].as_str().map(PathBuf::from).ok_or_else(|| "`cargo metadata` named no target_directory".to_owned())
}

/// The programs every build's loads share.
pub struct Tools {
    /// `aiperf-mock-server`.
    pub mock_server: PathBuf,
    /// The raw load loop (`examples/raw_load.rs`).
    pub raw_load: PathBuf,
}

/// Builds the mock server and the raw load loop once, and keeps copies under `out/bin`.
pub fn tools(root: &Path, out: &Path, profile: Profile) -> Result<Tools, String> {
    let mut args = vec!["build", "--locked", "-p", "aiperf-mock-server", "--bin", "aiperf-mock-server"];
    args.extend(profile.args());
    cargo(root, &args, None)?;
    let mut args = vec!["build", "--locked", "-p", "aiperf", "--example", "raw_load"];
    args.extend(profile.args());
    cargo(root, &args, None)?;
    let target = target_dir(root)?.join(profile.dir());
    Ok(Tools {
        mock_server: keep(&target.join("aiperf-mock-server"), &out.join("bin/aiperf-mock-server"))?,
        raw_load: keep(&target.join("examples/raw_load"), &out.join("bin/raw_load"))?,
    })
}

/// Builds the `aiperf` binary of `build` (`default` or a feature) and keeps a copy named after it:
/// every build writes the same `<target dir>/<profile>/aiperf`.
pub fn aiperf(root: &Path, out: &Path, profile: Profile, build: &str) -> Result<PathBuf, String> {
    let mut args = vec!["build", "--locked", "-p", "aiperf", "--bin", "aiperf"];
    if build != "default" {
        args.extend(["--features", build]);
    }
    args.extend(profile.args());
    cargo(root, &args, None)?;
    keep(&target_dir(root)?.join(profile.dir()).join("aiperf"), &out.join(format!("bin/aiperf-{build}")))
}

fn keep(from: &Path, to: &Path) -> Result<PathBuf, String> {
    std::fs::copy(from, to).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
    Ok(to.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_directory_follows_cargo_target_dir() {
        let root = crate::compare::root();
        let elsewhere = std::env::temp_dir().join("aiperf-xtask-target-dir-test");
        let mut command = metadata(&root);
        command.env("CARGO_TARGET_DIR", &elsewhere);
        assert_eq!(target_dir_of(command).unwrap(), elsewhere);
        let mut command = metadata(&root);
        command.env_remove("CARGO_TARGET_DIR");
        let default = target_dir_of(command).unwrap();
        assert!(default.ends_with("target"), "{}", default.display());
    }
}
