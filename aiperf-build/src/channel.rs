//! Cargo's channel from an implementation crate's build script to the generator.
//!
//! A crate with a `links` key may print `cargo::metadata=KEY=VALUE`; the build scripts of the
//! packages that depend on it **directly** see `DEP_<LINKS>_KEY`. Only dependencies compiled into
//! this build run their build scripts, so what arrives is exactly this build's set of crates,
//! features and feature unification included; nothing is read from the network or the lock file,
//! so it works offline, vendored, from a registry package and from a git dependency.
//!
//! Each implementation crate sends its own [`Declaration`]. A host that generates factories and has
//! a `links` key itself forwards everything it assembled, with the path at which its dependents
//! reach those crates (`::aiperf::factories::__deps`): values reach direct dependents only, so a
//! custom build that depends on `aiperf` receives the builtins through it.

use serde::{Deserialize, Serialize};

use crate::{BuildError, Declaration};

/// The metadata key (`DEP_<LINKS>_AIPERF_TABLE`).
pub const KEY: &str = "AIPERF_TABLE";

/// The payload's format; a change that old readers cannot read bumps it.
pub const FORMAT: u32 = 1;

/// What one dependency sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// [`FORMAT`].
    pub format: u32,
    /// For a forwarded payload: the path of the forwarding crate's `__deps` module, through which
    /// the crates below (and `aiperf_core`) are reached. `None`: the sender is the crate itself.
    pub via: Option<String>,
    /// The sender's package name.
    pub sender: String,
    /// The declarations.
    pub crates: Vec<Declaration>,
}

impl Payload {
    /// The one line a build script prints to send this payload.
    pub fn to_cargo_line(&self) -> String {
        let json = serde_json::to_string(self).expect("declarations serialize");
        format!("cargo::metadata={KEY}={json}")
    }
}

/// The payloads among `vars` (the build script's environment), in variable-name order.
///
/// # Errors
/// [`BuildError::Channel`] when a `DEP_*_AIPERF_TABLE` value cannot be read.
pub fn received(vars: impl IntoIterator<Item = (String, String)>) -> Result<Vec<Payload>, BuildError> {
    let suffix = format!("_{KEY}");
    let mut found: Vec<(String, String)> =
        vars.into_iter().filter(|(name, _)| name.starts_with("DEP_") && name.ends_with(&suffix)).collect();
    found.sort();
    found
        .into_iter()
        .map(|(var, value)| {
            let payload: Payload =
                serde_json::from_str(&value).map_err(|e| BuildError::Channel { var: var.clone(), reason: e.to_string() })?;
            if payload.format != FORMAT {
                return Err(BuildError::Channel { var, reason: format!("format {} where {FORMAT} is expected", payload.format) });
            }
            Ok(payload)
        })
        .collect()
}
