//! The selection rules: which implementation each name gets in a build with given features.

use std::collections::BTreeSet;

use crate::table::{CategoryKind, Entry, Metadata, Plugin, Table};

/// The table resolved for one set of enabled features.
#[derive(Debug)]
pub struct Resolved<'t> {
    /// Per category, per name: the compiled-in implementations, winner first.
    pub categories: Vec<ResolvedCategory<'t>>,
    /// Plugins whose feature is on, in table order.
    pub enabled_plugins: Vec<&'t Plugin>,
    /// Conflicts settled by table order, to print as `cargo:warning`.
    pub warnings: Vec<String>,
}

/// One category, resolved.
#[derive(Debug)]
pub struct ResolvedCategory<'t> {
    /// Which category.
    pub kind: CategoryKind,
    /// Its names: builtin names in table order, then names only plugins provide.
    pub names: Vec<ResolvedName<'t>>,
}

/// One name, resolved.
#[derive(Debug)]
pub struct ResolvedName<'t> {
    /// The name.
    pub name: &'t str,
    /// Its metadata (the builtin's, or the winning plugin entry's for plugin-only names).
    pub metadata: &'t Metadata,
    /// Compiled-in implementations in rank order; the first is the default.
    pub ranked: Vec<&'t Entry>,
}

/// Applies the rules: higher `priority` wins; at equal priority a plugin beats a builtin; among
/// plugins at equal priority the one listed first in the table wins, with a warning naming both.
pub fn resolve<'t>(table: &'t Table, features: &BTreeSet<String>) -> Resolved<'t> {
    let enabled = |entry: &Entry| entry.plugin.is_none_or(|p| features.contains(&table.plugins[p].feature));
    let mut warnings = Vec::new();
    let categories = CategoryKind::ALL
        .into_iter()
        .map(|kind| {
            let mut names: Vec<&str> = Vec::new();
            for (_, entry) in table.entries.iter().filter(|(c, e)| *c == kind && enabled(e)) {
                if !names.contains(&entry.name.as_str()) {
                    names.push(&entry.name);
                }
            }
            let names = names
                .into_iter()
                .map(|name| {
                    let mut ranked: Vec<&Entry> =
                        table.entries.iter().filter(|(c, e)| *c == kind && e.name == name && enabled(e)).map(|(_, e)| e).collect();
                    // Stable sort: table order breaks the remaining ties.
                    ranked.sort_by_key(|e| (std::cmp::Reverse(e.priority), e.plugin.is_none()));
                    if let [first, second, ..] = ranked[..]
                        && let (Some(a), Some(b)) = (first.plugin, second.plugin)
                        && first.priority == second.priority
                    {
                        let (a, b) = (&table.plugins[a], &table.plugins[b]);
                        warnings.push(format!(
                            "{} `{name}` is provided by plugins `{}` (feature `{}`) and `{}` (feature `{}`) at priority {}; \
                             `{}` wins because it is listed first in `{}.plugins`. Give one a higher `priority` to choose explicitly.",
                            kind.key(),
                            a.id,
                            a.feature,
                            b.id,
                            b.feature,
                            first.priority,
                            a.id,
                            table.root,
                        ));
                    }
                    let metadata =
                        ranked.iter().find_map(|e| e.metadata.as_ref()).expect("validated: builtins and plugin-only names carry metadata");
                    ResolvedName { name, metadata, ranked }
                })
                .collect();
            ResolvedCategory { kind, names }
        })
        .collect();
    let enabled_plugins = table.plugins.iter().filter(|p| features.contains(&p.feature)).collect();
    Resolved { categories, enabled_plugins, warnings }
}
