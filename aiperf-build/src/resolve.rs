//! The selection rules: which implementation each name gets in this build.

use crate::table::Table;
use crate::{CategoryKind, Entry, Metadata};

/// The table resolved: per category, per name, the implementations in rank order.
#[derive(Debug)]
pub struct Resolved<'t> {
    /// Per category, in [`CategoryKind::ALL`] order.
    pub categories: Vec<ResolvedCategory<'t>>,
    /// Conflicts the rules settled, to print as `cargo:warning`.
    pub warnings: Vec<String>,
}

/// One category, resolved.
#[derive(Debug)]
pub struct ResolvedCategory<'t> {
    /// Which category.
    pub kind: CategoryKind,
    /// Its names: builtin names first, then names only plugins provide.
    pub names: Vec<ResolvedName<'t>>,
}

/// One name, resolved.
#[derive(Debug)]
pub struct ResolvedName<'t> {
    /// The name.
    pub name: &'t str,
    /// Its metadata (the builtin's, or the plugins' for names only plugins provide).
    pub metadata: &'t Metadata,
    /// `(crate index, entry)` in rank order; the first is the default.
    pub ranked: Vec<(usize, &'t Entry)>,
}

/// Applies the rules: higher `priority` wins; at equal priority a plugin beats a builtin; among
/// plugins at equal priority the crate whose name sorts first wins, with a warning naming them all.
pub fn resolve(table: &Table) -> Resolved<'_> {
    let mut warnings = Vec::new();
    let categories = CategoryKind::ALL
        .into_iter()
        .map(|kind| {
            let in_kind: Vec<&(usize, Entry)> = table.entries.iter().filter(|(_, e)| e.category == kind).collect();
            let mut names: Vec<&str> = Vec::new();
            // Crates are ordered builtins first, so builtin names come first.
            for (_, entry) in &in_kind {
                if !names.contains(&entry.name.as_str()) {
                    names.push(&entry.name);
                }
            }
            let names = names
                .into_iter()
                .map(|name| {
                    let mut ranked: Vec<(usize, &Entry)> = in_kind.iter().filter(|(_, e)| e.name == name).map(|(c, e)| (*c, e)).collect();
                    // Stable sort: crate order (builtins first, then by name) breaks the remaining ties.
                    ranked.sort_by_key(|(c, e)| (std::cmp::Reverse(e.priority), !table.crate_of(*c).is_plugin()));
                    if let Some(warning) = tie(table, kind, name, &ranked) {
                        warnings.push(warning);
                    }
                    let metadata = ranked.iter().find_map(|(_, e)| e.metadata.as_ref()).expect("checked: every name is described");
                    ResolvedName { name, metadata, ranked }
                })
                .collect();
            ResolvedCategory { kind, names }
        })
        .collect();
    Resolved { categories, warnings }
}

/// The warning for plugins tied at the top of `name`'s ranking (at its priority), naming every one
/// of them; `None` when the winner is alone there.
fn tie(table: &Table, kind: CategoryKind, name: &str, ranked: &[(usize, &Entry)]) -> Option<String> {
    let &(first, top) = ranked.first()?;
    let tied: Vec<&str> = ranked
        .iter()
        .take_while(|(c, e)| e.priority == top.priority && table.crate_of(*c).is_plugin())
        .map(|(c, _)| table.crate_of(*c).crate_name.as_str())
        .collect();
    if tied.len() < 2 || !table.crate_of(first).is_plugin() {
        return None;
    }
    let quoted: Vec<String> = tied.iter().map(|crate_name| format!("`{crate_name}`")).collect();
    let (last, others) = quoted.split_last()?;
    Some(format!(
        "{} `{name}` is provided by plugins {} and {last} at priority {}; `{}` wins because its name sorts first. \
         Give one a higher `priority` in its [package.metadata.aiperf] to choose explicitly.",
        kind.key(),
        others.join(", "),
        top.priority,
        tied[0],
    ))
}
