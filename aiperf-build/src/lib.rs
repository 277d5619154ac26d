//! Generates aiperf's `match`-based factories from the implementation table in `Cargo.toml`.
//!
//! The root crate's `build.rs` calls [`compile`]; tests call [`generate`] on small tables. Work is
//! split like prost-build's: load the table ([`Table::from_manifest`]) → resolve it for the enabled
//! features ([`resolve()`]) → render formatted source (pure) → write it only if it changed.
//!
//! Dependency rule: a build-time library; it depends on no aiperf crate (it emits paths into
//! `aiperf_core` as text) and on nothing at run time.

#![warn(missing_docs)]

mod codegen;
mod error;
mod resolve;
mod table;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use error::{BuildError, TableError};
pub use resolve::{Resolved, ResolvedCategory, ResolvedName, resolve};
pub use table::{CategoryKind, Entry, Metadata, Plugin, Table};

/// Name of the generated file in `OUT_DIR`.
pub const DEFAULT_FILE_NAME: &str = "aiperf_factories.rs";

/// The output of [`generate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// The formatted Rust source.
    pub code: String,
    /// Conflicts the rules settled, for `cargo:warning`.
    pub warnings: Vec<String>,
}

/// Generates the factories for a manifest's text with the given features enabled. Pure: no I/O.
///
/// # Errors
/// A [`TableError`] naming the `Cargo.toml` key at fault.
pub fn generate(manifest: &str, features: &BTreeSet<String>) -> Result<Generated, TableError> {
    let table = Table::from_manifest(manifest)?;
    let resolved = resolve(&table, features);
    let code = codegen::render(&table, &resolved);
    let warnings = resolved.warnings;
    Ok(Generated { code, warnings })
}

/// The features of `manifest` that are on, according to `is_set` applied to Cargo's
/// `CARGO_FEATURE_<NAME>` variable names (upper case, `-` → `_`).
///
/// # Errors
/// A [`TableError`] if the manifest is not valid TOML.
pub fn enabled_features(manifest: &str, is_set: impl Fn(&str) -> bool) -> Result<BTreeSet<String>, TableError> {
    let doc: toml::Table = toml::from_str(manifest).map_err(|e| table::syntax_error(manifest, &e))?;
    let declared = doc.get("features").and_then(toml::Value::as_table).map(|f| f.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    Ok(declared.into_iter().filter(|f| is_set(&format!("CARGO_FEATURE_{}", f.to_ascii_uppercase().replace('-', "_")))).collect())
}

/// Configures and runs the generator from a build script (the prost-build `Config` pattern).
#[derive(Clone, Debug, Default)]
pub struct Builder {
    manifest_dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
    features: Option<BTreeSet<String>>,
}

impl Builder {
    /// A builder reading `CARGO_MANIFEST_DIR`, `OUT_DIR` and `CARGO_FEATURE_*` from the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `Cargo.toml` from `dir` instead of `CARGO_MANIFEST_DIR`.
    pub fn manifest_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.manifest_dir = Some(dir.into());
        self
    }

    /// Writes into `dir` instead of `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Names the generated file (default [`DEFAULT_FILE_NAME`]).
    pub fn file_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.file_name = Some(name.into());
        self
    }

    /// Uses these enabled features instead of reading `CARGO_FEATURE_*`.
    pub fn features<S: Into<String>>(&mut self, features: impl IntoIterator<Item = S>) -> &mut Self {
        self.features = Some(features.into_iter().map(Into::into).collect());
        self
    }

    /// Reads the table, generates, writes the file if its content changed, and prints the
    /// `cargo:` lines (inputs to watch, warnings). Returns the generated file's path.
    ///
    /// # Errors
    /// [`BuildError`]: unreadable manifest, malformed table, unwritable output.
    pub fn compile(&self) -> Result<PathBuf, BuildError> {
        let manifest_dir = match &self.manifest_dir {
            Some(dir) => dir.clone(),
            None => PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or(BuildError::Env("CARGO_MANIFEST_DIR"))?),
        };
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => PathBuf::from(std::env::var_os("OUT_DIR").ok_or(BuildError::Env("OUT_DIR"))?),
        };
        let manifest_path = manifest_dir.join("Cargo.toml");
        // Printing any rerun-if-changed turns off Cargo's default scan: list every input.
        println!("cargo:rerun-if-changed={}", manifest_path.display());
        println!("cargo:rerun-if-changed=build.rs");
        let manifest = std::fs::read_to_string(&manifest_path).map_err(|source| io_error(&manifest_path, source))?;
        let features = match &self.features {
            Some(features) => features.clone(),
            None => enabled_features(&manifest, |var| std::env::var_os(var).is_some())?,
        };
        let generated = generate(&manifest, &features)?;
        for warning in &generated.warnings {
            println!("cargo:warning=aiperf: {warning}");
        }
        let path = out_dir.join(self.file_name.as_deref().unwrap_or(DEFAULT_FILE_NAME));
        write_file_if_changed(&path, &generated.code)?;
        Ok(path)
    }
}

/// [`Builder::compile`] with every setting from the environment: what `build.rs` calls.
///
/// # Errors
/// As [`Builder::compile`].
pub fn compile() -> Result<PathBuf, BuildError> {
    Builder::new().compile()
}

/// Writes `content` unless the file already holds it, so mtimes (and rebuilds) don't move.
///
/// # Errors
/// [`BuildError::Io`] when the file cannot be written.
pub fn write_file_if_changed(path: &Path, content: &str) -> Result<(), BuildError> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    std::fs::write(path, content).map_err(|source| io_error(path, source))
}

fn io_error(path: &Path, source: std::io::Error) -> BuildError {
    BuildError::Io { path: path.display().to_string(), source }
}

#[cfg(test)]
mod tests;
