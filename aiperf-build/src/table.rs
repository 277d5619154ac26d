//! The table of one build: the declarations that arrived, deduplicated and checked against each
//! other (one builtin per name, unique type names and URL schemes, one meaning per name).

use std::collections::BTreeMap;

use crate::channel::Payload;
use crate::keys::quoted;
use crate::{CategoryKind, Declaration, Entry, Metadata, Source, TableError};

/// A crate whose declaration arrived, and how this build reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crate {
    /// Its declaration.
    pub declaration: Declaration,
    /// Where `pub use` finds it from the generated file (`::aiperf_endpoints`, or
    /// `::aiperf::factories::__deps::aiperf_endpoints` when a dependency forwarded it).
    pub reexport: String,
    /// The dependency that forwarded it, if it is not a direct dependency.
    pub forwarded_by: Option<String>,
}

/// Every implementation compiled into one build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Where `aiperf_core` is reached (`::aiperf_core`, or through a forwarding dependency).
    pub core: String,
    /// The crates: builtins first, each group by package name.
    pub crates: Vec<Crate>,
    /// Every entry with the index of its crate, by category, then crate, then manifest order.
    pub entries: Vec<(usize, Entry)>,
}

impl Table {
    /// Assembles what the dependencies sent. `host` is the package being built (named in errors
    /// that are nobody else's).
    ///
    /// # Errors
    /// A [`TableError`] naming the crate and key at fault when declarations conflict.
    pub fn assemble(host: &Source, payloads: Vec<Payload>) -> Result<Self, TableError> {
        let mut core = None;
        let mut by_crate: BTreeMap<(bool, String), Crate> = BTreeMap::new();
        for payload in payloads {
            if let Some(via) = &payload.via {
                core.get_or_insert_with(|| format!("{via}::aiperf_core"));
            }
            for declaration in payload.crates {
                let reexport = match &payload.via {
                    Some(via) => format!("{via}::{}", declaration.lib),
                    None => format!("::{}", declaration.lib),
                };
                let forwarded_by = payload.via.as_ref().map(|_| payload.sender.clone());
                let key = (declaration.is_plugin(), declaration.crate_name.clone());
                // A crate that is both a direct dependency and forwarded is reached directly.
                let direct = forwarded_by.is_none();
                let keep = by_crate.get(&key).is_none_or(|old| direct && old.forwarded_by.is_some());
                if keep {
                    by_crate.insert(key, Crate { declaration, reexport, forwarded_by });
                }
            }
        }
        let crates: Vec<Crate> = by_crate.into_values().collect();
        let mut entries = Vec::new();
        for category in CategoryKind::ALL {
            for (index, c) in crates.iter().enumerate() {
                entries.extend(c.declaration.entries.iter().filter(|e| e.category == category).map(|e| (index, e.clone())));
            }
        }
        let table = Table { core: core.unwrap_or_else(|| "::aiperf_core".to_owned()), crates, entries };
        table.check(host)?;
        Ok(table)
    }

    /// The crate of an entry.
    pub fn crate_of(&self, index: usize) -> &Declaration {
        &self.crates[index].declaration
    }

    fn error(&self, index: usize, key: String, message: String) -> TableError {
        self.crate_of(index).source().error(key, message)
    }

    fn check(&self, host: &Source) -> Result<(), TableError> {
        for category in CategoryKind::ALL.into_iter().filter(|c| c.required()) {
            if !self.entries.iter().any(|(_, e)| e.category == category) {
                return Err(host.error(
                    "dependencies",
                    format!(
                        "no {} implementation is compiled into this build: depend on `aiperf` (or on crates whose `[package.metadata.aiperf]` declares one, with a `links` key and a build script calling `aiperf_build::declare()`)",
                        category.key()
                    ),
                ));
            }
        }
        for (i, (ci, entry)) in self.entries.iter().enumerate() {
            for (cj, other) in self.entries[..i].iter().filter(|(_, o)| o.category == entry.category) {
                self.check_pair((*ci, entry), (*cj, other))?;
            }
            self.check_metadata(*ci, entry)?;
        }
        Ok(())
    }

    /// Two entries of one category: one builtin per name, unique type names, one transport per scheme.
    fn check_pair(&self, (ci, entry): (usize, &Entry), (cj, other): (usize, &Entry)) -> Result<(), TableError> {
        let (krate, other_crate) = (self.crate_of(ci), self.crate_of(cj));
        if entry.name == other.name && !krate.is_plugin() && !other_crate.is_plugin() {
            return Err(self.error(
                ci,
                entry.key(),
                format!(
                    "{} `{}` already has a builtin in `{}`: a name has one builtin; make this crate a plugin (`plugin = \"...\"`) to override it",
                    entry.category.key(),
                    entry.name,
                    other_crate.crate_name
                ),
            ));
        }
        if entry.class_name == other.class_name {
            return Err(self.error(
                ci,
                format!("{}.type", entry.key()),
                format!(
                    "type name `{}` is already used by `{}` in `{}`: each implementation needs its own type name (it becomes an enum variant)",
                    entry.class_name,
                    other.key(),
                    other_crate.crate_name
                ),
            ));
        }
        if let (Some(Metadata::Transport { url_schemes: a }), Some(Metadata::Transport { url_schemes: b })) =
            (&entry.metadata, &other.metadata)
            && entry.name != other.name
            && let Some(scheme) = a.iter().find(|s| b.contains(s))
        {
            return Err(self.error(
                ci,
                format!("{}.url_schemes", entry.key()),
                format!(
                    "URL scheme `{scheme}` is already served by transport `{}` of `{}`: a scheme selects one transport",
                    other.name, other_crate.crate_name
                ),
            ));
        }
        Ok(())
    }

    /// A name's metadata belongs to its builtin; a name no builtin has is described by every
    /// plugin entry that provides it, identically.
    fn check_metadata(&self, ci: usize, entry: &Entry) -> Result<(), TableError> {
        if !self.crate_of(ci).is_plugin() {
            return Ok(());
        }
        let same_name = |(_, e): &&(usize, Entry)| e.category == entry.category && e.name == entry.name;
        let builtin = self.entries.iter().filter(same_name).find(|(c, _)| !self.crate_of(*c).is_plugin());
        let keys = entry.category.metadata_keys();
        match (builtin, &entry.metadata) {
            (Some((b, _)), Some(_)) => Err(self.error(
                ci,
                format!("{}.{}", entry.key(), keys[0]),
                format!(
                    "the metadata of {} `{}` belongs to its builtin in `{}`; a plugin entry for an existing name has only `type`, `description`, `priority`",
                    entry.category.key(),
                    entry.name,
                    self.crate_of(*b).crate_name
                ),
            )),
            (None, None) => Err(self.error(
                ci,
                format!("{}.{}", entry.key(), keys[0]),
                format!(
                    "missing: no builtin declares {} `{}`, so this entry describes it with {}",
                    entry.category.key(),
                    entry.name,
                    quoted(keys)
                ),
            )),
            (None, Some(mine)) => {
                let differs = self.entries.iter().filter(same_name).find(|(_, e)| e.metadata.as_ref().is_some_and(|m| m != mine));
                match differs {
                    Some((c, _)) => Err(self.error(
                        ci,
                        entry.key(),
                        format!(
                            "{} `{}` is also added by `{}` with other metadata: one name, one meaning (make the metadata equal, or use another name)",
                            entry.category.key(),
                            entry.name,
                            self.crate_of(*c).crate_name
                        ),
                    )),
                    None => Ok(()),
                }
            }
            (Some(_), None) => Ok(()),
        }
    }
}
