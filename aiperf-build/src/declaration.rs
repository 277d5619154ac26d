//! One crate's declaration: the `[package.metadata.aiperf]` table of its own `Cargo.toml`, read
//! and checked by that crate's build script ([`declare`](crate::declare)).
//!
//! ```toml
//! [package.metadata.aiperf]
//! plugin = "nvidia-optimized"          # or `builtin = true` for aiperf's own implementations
//! priority = 0                         # default priority of the entries below
//! description = "one line about the crate's implementations"
//!
//! [package.metadata.aiperf.endpoint.chat]
//! type = "OptimizedChatEndpoint"       # a path inside this crate
//! description = "one line"
//! ```

use serde::{Deserialize, Serialize};
use toml::{Table as TomlTable, Value};

use crate::keys::{At, quoted, syntax_error};
use crate::{Source, TableError};

/// Where the table lives in a crate's manifest.
pub const ROOT: &str = "package.metadata.aiperf";

/// A category of the table. The set is fixed: code is generated per category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryKind {
    /// Wire formats (`chat`, `embeddings`, ...).
    Endpoint,
    /// How bytes travel (`http`, `grpc`, `in_engine`, ...).
    Transport,
    /// How requests are spread at a request rate (`constant`, `poisson`, ...).
    ArrivalPattern,
    /// File formats read into requests (`single_turn`, ...).
    DatasetLoader,
    /// What the results are written as (`json`, `csv`, `console`, ...).
    Exporter,
}

impl CategoryKind {
    /// Every category, in generation order.
    pub const ALL: [Self; 5] = [Self::Endpoint, Self::Transport, Self::ArrivalPattern, Self::DatasetLoader, Self::Exporter];

    /// The key of the category in the table.
    pub fn key(self) -> &'static str {
        match self {
            Self::Endpoint => "endpoint",
            Self::Transport => "transport",
            Self::ArrivalPattern => "arrival_pattern",
            Self::DatasetLoader => "dataset_loader",
            Self::Exporter => "exporter",
        }
    }

    /// Whether a build needs at least one implementation of it (a build without the benchmark
    /// engine has no arrival pattern or exporter, and needs none).
    pub fn required(self) -> bool {
        matches!(self, Self::Endpoint | Self::Transport)
    }

    /// Metadata keys an entry of this category has.
    pub fn metadata_keys(self) -> &'static [&'static str] {
        match self {
            Self::Endpoint => {
                &["endpoint_path", "input", "supports_streaming", "produces_tokens", "metrics_title", "streaming_endpoint_path"]
            }
            Self::Transport => &["url_schemes"],
            Self::ArrivalPattern | Self::DatasetLoader | Self::Exporter => &[],
        }
    }
}

/// The metadata of a name: what the benchmark needs to use it without knowing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "category", rename_all = "snake_case")]
pub enum Metadata {
    /// Of an endpoint name.
    Endpoint {
        /// `endpoint_path`: the default path on the server.
        endpoint_path: String,
        /// `streaming_endpoint_path` (optional): the path of streamed requests, when it differs.
        streaming_endpoint_path: Option<String>,
        /// `input`: `prompt`, `messages`, `texts` or `query_passages`.
        input: String,
        /// `supports_streaming`.
        supports_streaming: bool,
        /// `produces_tokens`: whether responses carry generated tokens.
        produces_tokens: bool,
        /// `metrics_title`: title of the console table.
        metrics_title: String,
    },
    /// Of a transport name.
    Transport {
        /// `url_schemes`: the schemes of `--url` that select it.
        url_schemes: Vec<String>,
    },
    /// Of a name of a category whose names carry no metadata.
    None,
}

/// The input kinds an endpoint may declare (`aiperf_core::InputKind`).
pub const INPUT_KINDS: [&str; 4] = ["prompt", "messages", "texts", "query_passages"];

/// One implementation a crate declares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its category.
    pub category: CategoryKind,
    /// The name it implements (`chat`).
    pub name: String,
    /// The type's path inside its crate (`OptimizedChatEndpoint`, `chat::Fast`).
    pub type_path: String,
    /// The last segment of `type_path`.
    pub class_name: String,
    /// One line about it.
    pub description: String,
    /// Its priority (the entry's, else the crate's, else 0).
    pub priority: i64,
    /// The name's metadata: required from builtins and for names no builtin has.
    pub metadata: Option<Metadata>,
}

impl Entry {
    /// The dotted key of this entry in its crate's manifest.
    pub fn key(&self) -> String {
        format!("{ROOT}.{}.{}", self.category.key(), self.name)
    }
}

/// Everything one crate declares, as it travels to the generator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// The package name (`aiperf-endpoints`).
    pub crate_name: String,
    /// The package version.
    pub version: String,
    /// The library's name in Rust paths (`aiperf_endpoints`).
    pub lib: String,
    /// The manifest's path, for messages and `rerun-if-changed`.
    pub manifest: String,
    /// The plugin's name; `None` for a builtin crate.
    pub plugin: Option<String>,
    /// One line about the crate's implementations.
    pub description: String,
    /// Its entries, in manifest order.
    pub entries: Vec<Entry>,
}

/// The package a manifest belongs to, as Cargo tells its build script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// `CARGO_PKG_NAME`.
    pub name: String,
    /// `CARGO_PKG_VERSION`.
    pub version: String,
    /// The manifest's path.
    pub manifest: String,
}

impl Declaration {
    /// Where this declaration came from, for errors.
    pub fn source(&self) -> Source {
        Source { crate_name: self.crate_name.clone(), manifest: self.manifest.clone() }
    }

    /// Whether a plugin crate made it.
    pub fn is_plugin(&self) -> bool {
        self.plugin.is_some()
    }

    /// Reads and checks the `[package.metadata.aiperf]` table of `package`'s manifest text.
    ///
    /// # Errors
    /// A [`TableError`] naming the crate and the key at fault.
    pub fn from_manifest(manifest: &str, package: &Package) -> Result<Self, TableError> {
        let source = Source { crate_name: package.name.clone(), manifest: package.manifest.clone() };
        let doc: TomlTable = toml::from_str(manifest).map_err(|e| syntax_error(&source, manifest, &e))?;
        let lib = doc
            .get("lib")
            .and_then(|l| l.get("name"))
            .and_then(Value::as_str)
            .map_or_else(|| package.name.replace('-', "_"), str::to_owned);
        let Some(value) = doc.get("package").and_then(|p| p.get("metadata")).and_then(|m| m.get("aiperf")) else {
            return Err(source.error(
                ROOT,
                format!("missing: this crate's build script declares its implementations, so its Cargo.toml needs `[{ROOT}]` with `builtin = true` or `plugin = \"<name>\"` and `[{ROOT}.endpoint.<name>]` / `[{ROOT}.transport.<name>]` entries"),
            ));
        };
        let at = At::table(&source, value, ROOT)?;
        let mut allowed = vec!["builtin", "plugin", "priority", "description"];
        allowed.extend(CategoryKind::ALL.map(CategoryKind::key));
        at.only(&allowed, "the crate's table")?;
        let plugin = match (at.optional_bool("builtin")?, at.optional_str("plugin")?) {
            (Some(true), None) => None,
            (None | Some(false), Some(name)) => {
                check_name(&at, "plugin", &name, "plugin name (e.g. `nvidia-optimized`)", true)?;
                Some(name)
            }
            (Some(true), Some(_)) => return Err(at.error("plugin", "a crate is either `builtin = true` or a `plugin`, not both")),
            (_, None) => {
                return Err(at.error(
                    "plugin",
                    "missing: name the plugin (`plugin = \"my-plugin\"`: its entries override builtins of the same name), or mark aiperf's own implementations `builtin = true`",
                ));
            }
        };
        let priority = at.optional_int("priority")?.unwrap_or(0);
        let mut declaration = Declaration {
            crate_name: package.name.clone(),
            version: package.version.clone(),
            lib,
            manifest: package.manifest.clone(),
            description: at.optional_str("description")?.unwrap_or_default(),
            plugin,
            entries: Vec::new(),
        };
        for category in CategoryKind::ALL {
            let Some(names) = at.table.get(category.key()) else { continue };
            let key = format!("{ROOT}.{}", category.key());
            let names = At::table(&source, names, &key)?;
            for (name, value) in names.table {
                let entry_key = format!("{key}.{name}");
                let entry_at = At::table(&source, value, &entry_key)?;
                check_name(&names, name, name, "name", false)?;
                let entry = parse_entry(category, name, &entry_at, &declaration, priority)?;
                declaration.entries.push(entry);
            }
        }
        if declaration.entries.is_empty() {
            return Err(source.error(
                ROOT,
                format!("declares no implementation: add `[{ROOT}.<category>.<name>]` with a `type`, the category one of endpoint, transport, arrival_pattern, dataset_loader, exporter"),
            ));
        }
        Ok(declaration)
    }
}

fn parse_entry(category: CategoryKind, name: &str, at: &At<'_>, crate_: &Declaration, priority: i64) -> Result<Entry, TableError> {
    let meta_keys = category.metadata_keys();
    let mut allowed = vec!["type", "description", "priority"];
    allowed.extend_from_slice(meta_keys);
    at.only(&allowed, &format!("an {} entry", category.key()))?;
    let type_path = relative_type_path(&at.required_str("type")?, &crate_.lib).map_err(|why| at.error("type", why))?;
    let class_name = type_path.rsplit("::").next().unwrap_or_default().to_owned();
    let has_metadata = meta_keys.iter().any(|k| at.table.contains_key(*k));
    let metadata = match meta_keys.first() {
        // A category without metadata: every name has the same, none.
        None => Some(Metadata::None),
        Some(first) if !has_metadata && !crate_.is_plugin() => {
            return Err(at.error(first, format!("missing: a builtin entry describes its name with {}", quoted(meta_keys))));
        }
        Some(_) => has_metadata.then(|| parse_metadata(category, at)).transpose()?,
    };
    Ok(Entry {
        category,
        name: name.to_owned(),
        type_path,
        class_name,
        description: at.optional_str("description")?.unwrap_or_default(),
        priority: at.optional_int("priority")?.unwrap_or(priority),
        metadata,
    })
}

fn parse_metadata(category: CategoryKind, at: &At<'_>) -> Result<Metadata, TableError> {
    Ok(match category {
        CategoryKind::Endpoint => {
            let endpoint_path = at.required_str("endpoint_path")?;
            if !endpoint_path.starts_with('/') {
                return Err(at.error("endpoint_path", format!("`{endpoint_path}` must start with `/` (e.g. \"/v1/chat/completions\")")));
            }
            let streaming_endpoint_path = at.optional_str("streaming_endpoint_path")?;
            if let Some(path) = streaming_endpoint_path.as_ref().filter(|p| !p.starts_with('/')) {
                return Err(at.error("streaming_endpoint_path", format!("`{path}` must start with `/` (e.g. \"/generate_stream\")")));
            }
            let input = at.required_str("input")?;
            if !INPUT_KINDS.contains(&input.as_str()) {
                return Err(at.error("input", format!("`{input}` is not an input kind: expected {}", quoted(&INPUT_KINDS))));
            }
            Metadata::Endpoint {
                endpoint_path,
                streaming_endpoint_path,
                input,
                supports_streaming: at.required_bool("supports_streaming")?,
                produces_tokens: at.required_bool("produces_tokens")?,
                metrics_title: at.required_str("metrics_title")?,
            }
        }
        CategoryKind::Transport => {
            let url_schemes = at.string_list("url_schemes", "[\"http\", \"https\"]")?;
            if let Some(bad) = url_schemes
                .iter()
                .find(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c)))
            {
                return Err(at.error("url_schemes", format!("\"{bad}\" is not a URL scheme (lower-case letters, digits, `+`, `-`, `.`)")));
            }
            Metadata::Transport { url_schemes }
        }
        CategoryKind::ArrivalPattern | CategoryKind::DatasetLoader | CategoryKind::Exporter => Metadata::None,
    })
}

/// A name becomes an enum variant and a CLI word: lower snake case (kebab case for plugin names).
fn check_name(at: &At<'_>, field: &str, name: &str, what: &str, kebab: bool) -> Result<(), TableError> {
    let sep = if kebab { '-' } else { '_' };
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == sep)
        && !name.contains(&format!("{sep}{sep}"))
        && !name.ends_with(sep)
        && name != "self";
    if ok {
        return Ok(());
    }
    let example = if kebab { "`my-plugin`" } else { "`in_engine`" };
    Err(at.error(field, format!("`{name}` is not a valid {what}: use lower case words joined by single `{sep}` (e.g. {example})")))
}

/// The type's path inside its crate: `Chat`, `chat::Chat`, `crate::chat::Chat` or
/// `<lib>::chat::Chat` all give `chat::Chat`.
fn relative_type_path(type_path: &str, lib: &str) -> Result<String, String> {
    let path: syn::Path = syn::parse_str(type_path)
        .map_err(|_| format!("`{type_path}` is not a Rust type path: write the type's path inside this crate, e.g. \"ChatEndpoint\""))?;
    if path.leading_colon.is_some() {
        return Err(format!("`{type_path}` must be a path inside this crate (`{lib}`), e.g. \"ChatEndpoint\" or \"chat::ChatEndpoint\""));
    }
    if path.segments.iter().any(|s| !s.arguments.is_none()) {
        return Err(format!("`{type_path}` must be a plain path without generic arguments"));
    }
    let mut segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    if segments.len() > 1 && (segments[0] == "crate" || segments[0] == lib) {
        segments.remove(0);
    }
    let class_name = segments.last().cloned().unwrap_or_default();
    if segments.iter().any(|s| matches!(s.as_str(), "self" | "super" | "crate" | "Self")) || class_name == "Registered" {
        return Err(format!("`{type_path}` cannot name an implementation: its last segment becomes an enum variant"));
    }
    Ok(segments.join("::"))
}
