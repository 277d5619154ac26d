//! `aiperf plugins [CATEGORY [NAME]]`: what is compiled in (endpoints, transports, arrival
//! patterns, dataset loaders, exporters), where it came from, what is active.

use std::fmt::Write as _;

use aiperf_bench::Selections;
use aiperf_core::{Category, Factories, FactoryError, ImplementationInfo, Selection};

use super::CliError;

mod validate;

/// `aiperf plugins` subcommands (none: an overview).
#[derive(Debug, clap::Subcommand)]
pub enum PluginsCommand {
    /// Endpoints (wire formats): every name with its active implementation, or one name's implementations.
    Endpoint {
        /// A name (every implementation, the active one first).
        name: Option<String>,
    },
    /// Transports: every name with its active implementation, or one name's implementations.
    Transport {
        /// A name (every implementation, the active one first).
        name: Option<String>,
    },
    /// Arrival patterns (`--arrival-pattern`): every name with its active implementation, or one name's.
    ArrivalPattern {
        /// A name (every implementation, the active one first).
        name: Option<String>,
    },
    /// Dataset loaders (`--custom-dataset-type` of a single-turn file): every name with its active implementation, or one name's.
    DatasetLoader {
        /// A name (every implementation, the active one first).
        name: Option<String>,
    },
    /// Exporters (every one writes its files when a run ends): every name with its active implementation, or one name's.
    Exporter {
        /// A name (every implementation, the active one first).
        name: Option<String>,
    },
    /// Check the compiled-in table: every implementation creatable, metadata consistent.
    Validate,
}

/// Runs a `plugins` command over the table `F`, as `selections` choose from it (and with the
/// names registered there).
pub(super) fn run<F: Factories>(command: Option<&PluginsCommand>, selections: &Selections<F>) -> Result<String, CliError> {
    match command {
        None => Ok(overview::<F>(selections)),
        Some(PluginsCommand::Endpoint { name: None }) => Ok(names(&selections.endpoints)),
        Some(PluginsCommand::Transport { name: None }) => Ok(names(&selections.transports)),
        Some(PluginsCommand::Endpoint { name: Some(name) }) => Ok(implementations(&selections.endpoints, name)?),
        Some(PluginsCommand::Transport { name: Some(name) }) => Ok(implementations(&selections.transports, name)?),
        Some(PluginsCommand::ArrivalPattern { name: None }) => Ok(names(&selections.arrival_patterns)),
        Some(PluginsCommand::ArrivalPattern { name: Some(name) }) => Ok(implementations(&selections.arrival_patterns, name)?),
        Some(PluginsCommand::DatasetLoader { name: None }) => Ok(names(&selections.dataset_loaders)),
        Some(PluginsCommand::DatasetLoader { name: Some(name) }) => Ok(implementations(&selections.dataset_loaders, name)?),
        Some(PluginsCommand::Exporter { name: None }) => Ok(names(&selections.exporters)),
        Some(PluginsCommand::Exporter { name: Some(name) }) => Ok(implementations(&selections.exporters, name)?),
        Some(PluginsCommand::Validate) => validate::run::<F>(),
    }
}

/// `aiperf plugins`: the names of each category, and the crates that declared them.
fn overview<F: Factories>(selections: &Selections<F>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<15} {}", F::Endpoints::CATEGORY, selections.endpoints.names().join(", "));
    let _ = writeln!(out, "{:<15} {}", F::Transports::CATEGORY, selections.transports.names().join(", "));
    let _ = writeln!(out, "{:<15} {}", F::ArrivalPatterns::CATEGORY, selections.arrival_patterns.names().join(", "));
    let _ = writeln!(out, "{:<15} {}", F::DatasetLoaders::CATEGORY, selections.dataset_loaders.names().join(", "));
    let _ = writeln!(out, "{:<15} {}", F::Exporters::CATEGORY, selections.exporters.names().join(", "));
    out.push_str("crates:\n");
    let width = F::crates().iter().map(|c| c.name.len() + c.version.len() + 1).max().unwrap_or(0);
    for c in F::crates() {
        let id = format!("{} {}", c.name, c.version);
        let kind = c.plugin.map_or_else(|| "builtin".to_owned(), |p| format!("plugin {p}"));
        let _ = writeln!(out, "  {id:<width$}  {kind}: {}", c.description);
    }
    if F::crates().iter().all(|c| c.plugin.is_none()) {
        out.push_str("plugins: none compiled in (cargo build --features nvidia-optimized, or a custom build: docs/writing-a-plugin.md)\n");
    }
    out
}

/// `aiperf plugins CATEGORY`: every name, its active implementation, the other compiled-in ones.
fn names<C: Category>(selection: &Selection<C>) -> String {
    let rows: Vec<(String, String, String)> = selection
        .names()
        .into_iter()
        .filter_map(|name| {
            let list = selection.list_implementations(&name).ok()?;
            let (active, others): (Vec<_>, Vec<_>) = list.iter().partition(|i| i.is_selected);
            let active = active.first().map(|i| label(i, false)).unwrap_or_default();
            let others = others.iter().map(|i| i.class_name).collect::<Vec<_>>().join(", ");
            Some((name, active, others))
        })
        .collect();
    let name_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(4);
    let active_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0).max(6);
    let mut out = format!("{:<name_width$}  {:<active_width$}  ALSO COMPILED IN\n", "NAME", "ACTIVE");
    for (name, active, others) in rows {
        let line = format!("{name:<name_width$}  {active:<active_width$}  {others}");
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// `ChatEndpoint`, `OptimizedChatEndpoint [PLUGIN]`, with ` ← ACTIVE` when asked.
fn label(info: &ImplementationInfo, with_active: bool) -> String {
    let mut label = info.class_name.to_owned();
    if info.is_plugin {
        label.push_str(" [PLUGIN]");
    }
    if with_active && info.is_selected {
        label.push_str(" ← ACTIVE");
    }
    label
}

/// `plugin nvidia-optimized (aiperf-nvidia-optimized 0.1.0)`, `builtin (aiperf-endpoints 0.1.0)`,
/// `registered at run time`.
fn provider(info: &ImplementationInfo) -> String {
    match (info.crate_info, info.plugin) {
        (Some(c), Some(plugin)) => format!("plugin {plugin} ({} {})", c.name, c.version),
        (Some(c), None) => format!("builtin ({} {})", c.name, c.version),
        (None, _) => "registered at run time".to_owned(),
    }
}

/// `aiperf plugins CATEGORY NAME`: one line per implementation, the active one first, in the
/// reference's format (`OptimizedChatEndpoint [PLUGIN] ← ACTIVE`), then the crate that declared
/// it, its priority and description.
fn implementations<C: Category>(selection: &Selection<C>, name: &str) -> Result<String, FactoryError> {
    let list = selection.list_implementations(name)?;
    let labels: Vec<String> = list.iter().map(|i| label(i, true)).collect();
    let providers: Vec<String> = list.iter().map(provider).collect();
    let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let provider_width = providers.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for ((info, label), provider) in list.iter().zip(&labels).zip(&providers) {
        let pad = label_width - label.chars().count();
        let line = format!("{label}{:pad$}  {provider:<provider_width$}  priority {:<3} {}", "", info.priority, info.description);
        let _ = writeln!(out, "{}", line.trim_end());
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
