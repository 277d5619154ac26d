//! Generates aiperf's `match`-based factories from the implementations declared by the crates
//! compiled into a build.
//!
//! Two calls, one per side of Cargo's `links` metadata channel (see [`channel`]):
//! - an **implementation crate** (builtins, a plugin) declares its entries in its own
//!   `[package.metadata.aiperf]`, has a `links` key, and its `build.rs` calls [`declare`];
//! - a **host** (the `aiperf` package, a custom build, a library re-exporting the factories) calls
//!   [`compile`]: it assembles what its dependencies declared ([`Table::assemble`]), applies the
//!   selection rules ([`resolve()`]), renders formatted source and writes it only if it changed.
//!
//! [`generate`] is the pure middle (payloads in, source out) that tests call on small tables.
//!
//! Dependency rule: a build-time library; it depends on no aiperf crate (it emits paths into
//! `aiperf_core` as text) and on nothing at run time.

#![warn(missing_docs)]

pub mod channel;
mod codegen;
mod declaration;
mod error;
mod keys;
mod resolve;
mod table;

use std::path::{Path, PathBuf};

pub use channel::Payload;
pub use declaration::{CategoryKind, Declaration, Entry, INPUT_KINDS, Metadata, Package, ROOT};
pub use error::{BuildError, Source, TableError};
pub use resolve::{Resolved, ResolvedCategory, ResolvedName, resolve};
pub use table::{Crate, Table};

/// Name of the generated file in `OUT_DIR`.
pub const DEFAULT_FILE_NAME: &str = "aiperf_factories.rs";

/// The output of [`generate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// The formatted Rust source.
    pub code: String,
    /// Conflicts the rules settled, for `cargo:warning`.
    pub warnings: Vec<String>,
    /// The assembled table (what a forwarding host sends on).
    pub table: Table,
}

/// Generates the factories from what the dependencies of `host` sent. Pure: no I/O.
///
/// # Errors
/// A [`TableError`] naming the crate and key at fault.
pub fn generate(host: &Source, payloads: Vec<Payload>) -> Result<Generated, TableError> {
    let table = Table::assemble(host, payloads)?;
    let resolved = resolve(&table);
    let code = codegen::render(&table, &resolved);
    let warnings = resolved.warnings;
    Ok(Generated { code, warnings, table })
}

/// The build script of an implementation crate: `fn main() { aiperf_build::declare() }`.
/// Reads and checks this crate's `[package.metadata.aiperf]` and sends it to the crates that
/// depend on this one. On a malformed table it prints the crate, key and fix, and fails the build.
pub fn declare() {
    if let Err(error) = try_declare() {
        fail(&error);
    }
}

/// [`declare`], returning the declaration or the error instead of exiting.
///
/// # Errors
/// [`BuildError`]: unreadable manifest, malformed table, no `links` key.
pub fn try_declare() -> Result<Declaration, BuildError> {
    let dir = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let manifest_path = dir.join("Cargo.toml");
    println!("cargo::rerun-if-changed={}", manifest_path.display());
    println!("cargo::rerun-if-changed=build.rs");
    let manifest = std::fs::read_to_string(&manifest_path).map_err(|source| io_error(&manifest_path, source))?;
    let package =
        Package { name: env("CARGO_PKG_NAME")?, version: env("CARGO_PKG_VERSION")?, manifest: manifest_path.display().to_string() };
    let declaration = Declaration::from_manifest(&manifest, &package)?;
    if std::env::var_os("CARGO_MANIFEST_LINKS").is_none() {
        let source = declaration.source();
        return Err(source
            .error("package.links", format!("missing: add `links = \"{}\"` to [package], so that Cargo passes this declaration to the crates that depend on this one", package.name))
            .into());
    }
    let payload = Payload { format: channel::FORMAT, via: None, sender: package.name.clone(), crates: vec![declaration.clone()] };
    println!("{}", payload.to_cargo_line());
    // What `aiperf_core::declared!()` reads: the crate's implementations compile only with it.
    println!("cargo::rustc-env=AIPERF_DECLARED={}", package.name);
    Ok(declaration)
}

/// The build script of a host: `fn main() { aiperf_build::compile() }`. Generates
/// `$OUT_DIR/aiperf_factories.rs` from the implementation crates compiled into this build; include
/// it with `aiperf::include_factories!()` (or `aiperf_core::include_factories!()`).
pub fn compile() {
    if let Err(error) = Builder::new().compile() {
        fail(&error);
    }
}

fn fail(error: &BuildError) -> ! {
    // Cargo prints a failed build script's stderr; the message names the crate and key at fault.
    eprintln!("error: {error}");
    std::process::exit(1);
}

/// Configures and runs the generator from a host's build script (the prost-build `Config` pattern).
#[derive(Clone, Debug, Default)]
pub struct Builder {
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
    public_path: Option<String>,
}

impl Builder {
    /// A builder reading `OUT_DIR`, the package and the `DEP_*_AIPERF_TABLE` variables from the environment.
    pub fn new() -> Self {
        Self::default()
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

    /// The path at which this crate's dependents reach the generated module (default
    /// `::<this lib>::factories`, where `include_factories!()` puts it). Used only when this package
    /// has a `links` key and therefore forwards its table to its dependents.
    pub fn public_path(&mut self, path: impl Into<String>) -> &mut Self {
        self.public_path = Some(path.into());
        self
    }

    /// Assembles, generates, writes the file if its content changed, prints the `cargo::` lines
    /// (warnings; the forwarded table when this package has a `links` key). Returns the file's path.
    ///
    /// # Errors
    /// [`BuildError`]: a malformed or conflicting declaration, an unwritable output.
    pub fn compile(&self) -> Result<PathBuf, BuildError> {
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => PathBuf::from(env("OUT_DIR")?),
        };
        let name = env("CARGO_PKG_NAME")?;
        let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR")?).join("Cargo.toml");
        let host = Source { crate_name: name.clone(), manifest: manifest.display().to_string() };
        // Printing any rerun-if-changed turns off Cargo's default scan of the package: the inputs
        // are this script and what the dependencies send (a dependency whose declaration changes
        // reruns its own build script, and this one after it).
        println!("cargo::rerun-if-changed=build.rs");
        let payloads = channel::received(std::env::vars())?;
        let generated = generate(&host, payloads)?;
        for warning in &generated.warnings {
            println!("cargo::warning=aiperf: {warning}");
        }
        let path = out_dir.join(self.file_name.as_deref().unwrap_or(DEFAULT_FILE_NAME));
        write_file_if_changed(&path, &generated.code)?;
        if std::env::var_os("CARGO_MANIFEST_LINKS").is_some() {
            let lib = name.replace('-', "_");
            let public = self.public_path.clone().unwrap_or_else(|| format!("::{lib}::factories"));
            // Dependents write it into their generated code: it must be a Rust path.
            if syn::parse_str::<syn::Path>(&public).is_err() {
                return Err(host
                    .error("build.rs", format!("Builder::public_path(\"{public}\") is not a Rust path (e.g. \"::my_lib::factories\")"))
                    .into());
            }
            let crates = generated.table.crates.iter().map(|c| c.declaration.clone()).collect();
            let payload = Payload { format: channel::FORMAT, via: Some(format!("{public}::__deps")), sender: name, crates };
            println!("{}", payload.to_cargo_line());
        }
        Ok(path)
    }
}

fn env(name: &'static str) -> Result<String, BuildError> {
    std::env::var(name).map_err(|_| BuildError::Env(name))
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
