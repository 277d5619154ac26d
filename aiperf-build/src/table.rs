//! Reading and validating the implementation table (`[workspace.metadata.aiperf]`).

use std::collections::BTreeSet;

use toml::{Table as TomlTable, Value};

use crate::TableError;

/// A category of the table. The set is fixed: code is generated per category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CategoryKind {
    /// Wire formats (`chat`, `embeddings`, ...).
    Endpoint,
    /// How bytes travel (`http`, `grpc`, `in_engine`, ...).
    Transport,
}

impl CategoryKind {
    /// Every category, in generation order.
    pub const ALL: [Self; 2] = [Self::Endpoint, Self::Transport];

    /// The key of the category in the table.
    pub fn key(self) -> &'static str {
        match self {
            Self::Endpoint => "endpoint",
            Self::Transport => "transport",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Metadata keys an entry of this category has.
    fn metadata_keys(self) -> &'static [&'static str] {
        match self {
            Self::Endpoint => &["endpoint_path", "supports_streaming", "produces_tokens", "tokenizes_input", "metrics_title"],
            Self::Transport => &["url_schemes"],
        }
    }
}

/// The category metadata of a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Metadata {
    /// Of an endpoint name.
    Endpoint {
        /// `endpoint_path`.
        endpoint_path: String,
        /// `supports_streaming`.
        supports_streaming: bool,
        /// `produces_tokens`.
        produces_tokens: bool,
        /// `tokenizes_input`.
        tokenizes_input: bool,
        /// `metrics_title`.
        metrics_title: String,
    },
    /// Of a transport name.
    Transport {
        /// `url_schemes`.
        url_schemes: Vec<String>,
    },
}

/// One implementation of a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its full key (`workspace.metadata.aiperf.endpoint.chat`).
    pub key: String,
    /// The name it implements.
    pub name: String,
    /// The Rust type path.
    pub type_path: String,
    /// The last segment of `type_path`.
    pub class_name: String,
    /// One line about it.
    pub description: String,
    /// Its priority (the entry's, else its plugin's, else 0).
    pub priority: i64,
    /// Index of its plugin in [`Table::plugins`]; `None` for builtins.
    pub plugin: Option<usize>,
    /// Metadata, required for builtins and for plugin entries of names no builtin has.
    pub metadata: Option<Metadata>,
}

/// A plugin section (`[workspace.metadata.aiperf.plugins.<id>]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plugin {
    /// Its id (the section name).
    pub id: String,
    /// Its full key.
    pub key: String,
    /// The Cargo feature that compiles it in.
    pub feature: String,
    /// The crate providing its types.
    pub crate_name: String,
    /// Default priority of its entries.
    pub priority: i64,
    /// One line about it.
    pub description: String,
}

/// The whole table, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Where it was found: `workspace.metadata.aiperf` or `package.metadata.aiperf`.
    pub root: String,
    /// Every entry, builtins first in table order, then each plugin's in table order.
    pub entries: Vec<(CategoryKind, Entry)>,
    /// Every plugin, in table order.
    pub plugins: Vec<Plugin>,
}

impl Table {
    /// Reads the table out of a `Cargo.toml`'s text and validates it against the manifest's
    /// `[features]` and `[dependencies]`.
    ///
    /// # Errors
    /// A [`TableError`] naming the key at fault.
    pub fn from_manifest(manifest: &str) -> Result<Self, TableError> {
        let doc: TomlTable = toml::from_str(manifest).map_err(|e| syntax_error(manifest, &e))?;
        let (root, aiperf) = find_table(&doc)?;
        let deps = Dependencies::of(&doc);
        let mut table = Table { root: root.to_owned(), entries: Vec::new(), plugins: Vec::new() };
        let mut plugin_sections = None;
        for (key, value) in aiperf {
            let full = format!("{root}.{key}");
            if key == "plugins" {
                plugin_sections = Some((full, value));
                continue;
            }
            let Some(category) = CategoryKind::parse(key) else {
                return Err(TableError::new(full, "unknown category: expected `endpoint`, `transport` or `plugins`"));
            };
            for (name, entry) in as_table(value, &full)? {
                let key = format!("{full}.{name}");
                check_name(name, &key)?;
                let entry = parse_entry(category, name, entry, &key, None, true)?;
                check_crate(&entry, &format!("{key}.type"), |krate| deps.contains(krate), "a dependency of this package")?;
                table.entries.push((category, entry));
            }
        }
        if let Some((full, value)) = plugin_sections {
            for (id, section) in as_table(value, &full)? {
                table.parse_plugin(id, section, &format!("{full}.{id}"), &doc, &deps)?;
            }
        }
        table.check_unique()?;
        for category in CategoryKind::ALL {
            if !table.entries.iter().any(|(c, e)| *c == category && e.plugin.is_none()) {
                return Err(TableError::new(
                    format!("{root}.{}", category.key()),
                    format!("no builtin {0}: declare at least one `[{root}.{0}.<name>]` with a `type`", category.key()),
                ));
            }
        }
        Ok(table)
    }

    fn parse_plugin(&mut self, id: &str, section: &Value, key: &str, doc: &TomlTable, deps: &Dependencies) -> Result<(), TableError> {
        let section = as_table(section, key)?;
        let feature = required_str(section, key, "feature")?;
        let crate_name = required_str(section, key, "crate")?;
        let priority = optional_int(section, key, "priority")?.unwrap_or(0);
        let description = optional_str(section, key, "description")?.unwrap_or_default();
        let features = doc.get("features").and_then(Value::as_table);
        let Some(enables) = features.and_then(|f| f.get(&feature)) else {
            return Err(TableError::new(
                format!("{key}.feature"),
                format!("feature `{feature}` is not declared: add `{feature} = [\"dep:{crate_name}\"]` to [features]"),
            ));
        };
        if !deps.optional.contains(&crate_name) {
            return Err(TableError::new(
                format!("{key}.crate"),
                format!("`{crate_name}` is not an optional dependency: add `{crate_name} = {{ ..., optional = true }}` to [dependencies]"),
            ));
        }
        let turns_on = |v: &Value| v.as_str().is_some_and(|s| s == format!("dep:{crate_name}") || s == crate_name);
        if !enables.as_array().is_some_and(|list| list.iter().any(turns_on)) {
            return Err(TableError::new(
                format!("{key}.feature"),
                format!("feature `{feature}` must enable its crate: add \"dep:{crate_name}\" to its list in [features]"),
            ));
        }
        let plugin_index = self.plugins.len();
        self.plugins.push(Plugin {
            id: id.to_owned(),
            key: key.to_owned(),
            feature,
            crate_name: crate_name.clone(),
            priority,
            description,
        });
        for (k, value) in section {
            if matches!(k.as_str(), "feature" | "crate" | "priority" | "description") {
                continue;
            }
            let full = format!("{key}.{k}");
            let Some(category) = CategoryKind::parse(k) else {
                return Err(TableError::new(
                    full,
                    "unknown key: expected `feature`, `crate`, `priority`, `description`, `endpoint` or `transport`",
                ));
            };
            for (name, entry) in as_table(value, &full)? {
                let entry_key = format!("{full}.{name}");
                check_name(name, &entry_key)?;
                let builtin_exists = self.entries.iter().any(|(c, e)| *c == category && e.plugin.is_none() && e.name == *name);
                let entry = parse_entry(category, name, entry, &entry_key, Some((plugin_index, priority)), !builtin_exists)?;
                let lib = crate_name.replace('-', "_");
                check_crate(&entry, &format!("{entry_key}.type"), |krate| krate == lib, &format!("the plugin's crate `{lib}`"))?;
                self.entries.push((category, entry));
            }
        }
        Ok(())
    }

    /// Class names are enum variants: unique per category. Url schemes map to one transport.
    fn check_unique(&self) -> Result<(), TableError> {
        for (i, (category, entry)) in self.entries.iter().enumerate() {
            for (other_category, other) in &self.entries[..i] {
                if other_category == category && other.class_name == entry.class_name {
                    return Err(TableError::new(
                        format!("{}.type", entry.key),
                        format!(
                            "type name `{}` is already used by `{}`: each implementation needs its own type name (it becomes an enum variant)",
                            entry.class_name, other.key
                        ),
                    ));
                }
                if let (Some(Metadata::Transport { url_schemes: a }), Some(Metadata::Transport { url_schemes: b })) =
                    (&entry.metadata, &other.metadata)
                    && entry.name != other.name
                    && let Some(scheme) = a.iter().find(|s| b.contains(s))
                {
                    return Err(TableError::new(
                        format!("{}.url_schemes", entry.key),
                        format!("URL scheme `{scheme}` is already served by `{}`: a scheme selects one transport", other.key),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A TOML syntax error, reported against the dotted key of the line it points at (a duplicate
/// table or key, a bad value), with the line number.
pub(crate) fn syntax_error(manifest: &str, error: &toml::de::Error) -> TableError {
    let Some(offset) = error.span().map(|span| span.start) else {
        return TableError::new("Cargo.toml", format!("not valid TOML: {}", error.message()));
    };
    let line_number = manifest[..offset.min(manifest.len())].matches('\n').count() + 1;
    let mut table = String::new();
    let mut key = String::from("Cargo.toml");
    for (index, line) in manifest.lines().enumerate().take(line_number) {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').map(|l| l.trim_start_matches('[').split(']').next().unwrap_or("").trim()) {
            table = header.to_owned();
            if index + 1 == line_number {
                key = table.clone();
            }
        } else if index + 1 == line_number
            && let Some((name, _)) = line.split_once('=')
        {
            let name = name.trim().trim_matches('"');
            key = if table.is_empty() { name.to_owned() } else { format!("{table}.{name}") };
        }
    }
    TableError::new(key, format!("not valid TOML (line {line_number}): {}", error.message().trim()))
}

/// Dependency names of the package (`[dependencies]` keys), and which are optional.
struct Dependencies {
    all: BTreeSet<String>,
    optional: BTreeSet<String>,
}

impl Dependencies {
    fn of(doc: &TomlTable) -> Self {
        let mut deps = Self { all: BTreeSet::new(), optional: BTreeSet::new() };
        if let Some(table) = doc.get("dependencies").and_then(Value::as_table) {
            for (name, spec) in table {
                deps.all.insert(name.clone());
                if spec.get("optional").and_then(Value::as_bool) == Some(true) {
                    deps.optional.insert(name.clone());
                }
            }
        }
        deps
    }

    fn contains(&self, lib: &str) -> bool {
        self.all.iter().any(|d| d.replace('-', "_") == lib)
    }
}

fn find_table(doc: &TomlTable) -> Result<(&'static str, &TomlTable), TableError> {
    let lookup = |section: &str| doc.get(section).and_then(|s| s.get("metadata")).and_then(|m| m.get("aiperf"));
    match (lookup("workspace"), lookup("package")) {
        (Some(_), Some(_)) => Err(TableError::new(
            "package.metadata.aiperf",
            "the table is declared twice: keep `[workspace.metadata.aiperf]` or `[package.metadata.aiperf]`, not both",
        )),
        (Some(v), None) => Ok(("workspace.metadata.aiperf", as_table(v, "workspace.metadata.aiperf")?)),
        (None, Some(v)) => Ok(("package.metadata.aiperf", as_table(v, "package.metadata.aiperf")?)),
        (None, None) => Err(TableError::new(
            "workspace.metadata.aiperf",
            "no implementation table: declare `[workspace.metadata.aiperf.endpoint.<name>]` entries (or under `[package.metadata.aiperf]`)",
        )),
    }
}

fn parse_entry(
    category: CategoryKind,
    name: &str,
    value: &Value,
    key: &str,
    plugin: Option<(usize, i64)>,
    needs_metadata: bool,
) -> Result<Entry, TableError> {
    let table = as_table(value, key)?;
    let meta_keys = category.metadata_keys();
    for k in table.keys() {
        if !matches!(k.as_str(), "type" | "description" | "priority") && !meta_keys.contains(&k.as_str()) {
            return Err(TableError::new(
                format!("{key}.{k}"),
                format!("unknown key: an {} entry has `type`, `description`, `priority`, {}", category.key(), quoted(meta_keys)),
            ));
        }
    }
    let type_path = required_str(table, key, "type")?;
    let class_name = class_name(&type_path).map_err(|why| TableError::new(format!("{key}.type"), why))?;
    let has_metadata = meta_keys.iter().any(|k| table.contains_key(*k));
    if has_metadata && !needs_metadata {
        return Err(TableError::new(
            key,
            format!(
                "metadata of `{name}` belongs to the builtin entry; a plugin entry for an existing name has only `type`, `description`, `priority`"
            ),
        ));
    }
    let metadata = if needs_metadata { Some(parse_metadata(category, table, key)?) } else { None };
    let priority = optional_int(table, key, "priority")?.or(plugin.map(|(_, p)| p)).unwrap_or(0);
    Ok(Entry {
        key: key.to_owned(),
        name: name.to_owned(),
        type_path,
        class_name,
        description: optional_str(table, key, "description")?.unwrap_or_default(),
        priority,
        plugin: plugin.map(|(index, _)| index),
        metadata,
    })
}

fn parse_metadata(category: CategoryKind, table: &TomlTable, key: &str) -> Result<Metadata, TableError> {
    Ok(match category {
        CategoryKind::Endpoint => Metadata::Endpoint {
            endpoint_path: {
                let path = required_str(table, key, "endpoint_path")?;
                if !path.starts_with('/') {
                    return Err(TableError::new(
                        format!("{key}.endpoint_path"),
                        format!("`{path}` must start with `/` (e.g. \"/v1/chat/completions\")"),
                    ));
                }
                path
            },
            supports_streaming: required_bool(table, key, "supports_streaming")?,
            produces_tokens: required_bool(table, key, "produces_tokens")?,
            tokenizes_input: required_bool(table, key, "tokenizes_input")?,
            metrics_title: required_str(table, key, "metrics_title")?,
        },
        CategoryKind::Transport => {
            let full = format!("{key}.url_schemes");
            let list = table
                .get("url_schemes")
                .ok_or_else(|| TableError::new(&full, "missing: list the URL schemes it serves, e.g. [\"http\", \"https\"]"))?;
            let list = list.as_array().ok_or_else(|| TableError::new(&full, "expected an array of strings"))?;
            let url_schemes = list
                .iter()
                .map(|v| match v.as_str() {
                    Some(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) => Ok(s.to_owned()),
                    _ => Err(TableError::new(&full, format!("{v:?} is not a URL scheme (letters, digits, `+`, `-`, `.`)"))),
                })
                .collect::<Result<_, _>>()?;
            Metadata::Transport { url_schemes }
        }
    })
}

/// A name becomes an enum variant and a CLI word: lower snake case.
fn check_name(name: &str, key: &str) -> Result<(), TableError> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
        && name != "self";
    if ok {
        Ok(())
    } else {
        Err(TableError::new(
            key,
            format!("`{name}` is not a valid name: use lower snake case with single underscores (e.g. `in_engine`), not `self`"),
        ))
    }
}

/// The last segment of a plain type path (`a::b::Chat` → `Chat`).
fn class_name(type_path: &str) -> Result<String, String> {
    let path: syn::Path =
        syn::parse_str(type_path).map_err(|_| format!("`{type_path}` is not a Rust type path (e.g. \"my_crate::ChatEndpoint\")"))?;
    if path.leading_colon.is_some() || path.segments.len() < 2 {
        return Err(format!("`{type_path}` must start with the crate that defines it (e.g. \"my_crate::ChatEndpoint\")"));
    }
    if path.segments.iter().any(|s| !s.arguments.is_none()) {
        return Err(format!("`{type_path}` must be a plain path without generic arguments"));
    }
    let class_name = path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
    if matches!(class_name.as_str(), "self" | "super" | "crate" | "Self" | "Registered") {
        return Err(format!("`{type_path}` ends in `{class_name}`, which cannot name an implementation (it becomes an enum variant)"));
    }
    Ok(class_name)
}

fn check_crate(entry: &Entry, key: &str, known: impl Fn(&str) -> bool, what: &str) -> Result<(), TableError> {
    let krate = entry.type_path.split("::").next().unwrap_or_default();
    if known(krate) {
        Ok(())
    } else {
        Err(TableError::new(key, format!("`{}` names crate `{krate}`, which is not {what}", entry.type_path)))
    }
}

fn as_table<'a>(value: &'a Value, key: &str) -> Result<&'a TomlTable, TableError> {
    value.as_table().ok_or_else(|| TableError::new(key, format!("expected a table, found {}", value.type_str())))
}

fn required_str(table: &TomlTable, key: &str, field: &str) -> Result<String, TableError> {
    optional_str(table, key, field)?.ok_or_else(|| TableError::new(format!("{key}.{field}"), "missing: this key is required"))
}

fn optional_str(table: &TomlTable, key: &str, field: &str) -> Result<Option<String>, TableError> {
    table
        .get(field)
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| TableError::new(format!("{key}.{field}"), format!("expected a string, found {}", v.type_str())))
        })
        .transpose()
}

fn required_bool(table: &TomlTable, key: &str, field: &str) -> Result<bool, TableError> {
    match table.get(field) {
        Some(Value::Boolean(b)) => Ok(*b),
        Some(v) => Err(TableError::new(format!("{key}.{field}"), format!("expected true or false, found {}", v.type_str()))),
        None => Err(TableError::new(format!("{key}.{field}"), "missing: this key is required (true or false)")),
    }
}

fn optional_int(table: &TomlTable, key: &str, field: &str) -> Result<Option<i64>, TableError> {
    match table.get(field) {
        Some(Value::Integer(i)) => Ok(Some(*i)),
        Some(v) => Err(TableError::new(format!("{key}.{field}"), format!("expected an integer, found {}", v.type_str()))),
        None => Ok(None),
    }
}

fn quoted(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}
