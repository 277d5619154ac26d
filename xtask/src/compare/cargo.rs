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
    let target = root.join("target").join(profile.dir());
    Ok(Tools {
        mock_server: keep(&target.join("aiperf-mock-server"), &out.join("bin/aiperf-mock-server"))?,
        raw_load: keep(&target.join("examples/raw_load"), &out.join("bin/raw_load"))?,
    })
}

/// Builds the `aiperf` binary of `build` (`default` or a feature) and keeps a copy named after it:
/// every build writes the same `target/<profile>/aiperf`.
pub fn aiperf(root: &Path, out: &Path, profile: Profile, build: &str) -> Result<PathBuf, String> {
    let mut args = vec!["build", "--locked", "-p", "aiperf", "--bin", "aiperf"];
    if build != "default" {
        args.extend(["--features", build]);
    }
    args.extend(profile.args());
    cargo(root, &args, None)?;
    keep(&root.join("target").join(profile.dir()).join("aiperf"), &out.join(format!("bin/aiperf-{build}")))
}

fn keep(from: &Path, to: &Path) -> Result<PathBuf, String> {
    std::fs::copy(from, to).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
    Ok(to.to_path_buf())
}
