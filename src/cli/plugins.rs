//! `aiperf plugins [CATEGORY [NAME]]`: what is compiled in and what is active.

use std::fmt::Write as _;

use aiperf_core::{Category as _, FactoryError, ImplementationInfo};

use super::CliError;
use crate::{ENABLED_PLUGINS, EndpointCategory, EndpointFactory, TransportCategory, TransportFactory};

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
    /// Check the compiled-in table: every implementation creatable, metadata consistent.
    Validate,
}

/// A category of the implementation table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Category {
    Endpoint,
    Transport,
}

pub(super) fn run(command: Option<&PluginsCommand>) -> Result<String, CliError> {
    match command {
        None => Ok(overview()),
        Some(PluginsCommand::Endpoint { name: None }) => Ok(names(Category::Endpoint)),
        Some(PluginsCommand::Transport { name: None }) => Ok(names(Category::Transport)),
        Some(PluginsCommand::Endpoint { name: Some(name) }) => Ok(implementations(Category::Endpoint, name)?),
        Some(PluginsCommand::Transport { name: Some(name) }) => Ok(implementations(Category::Transport, name)?),
        Some(PluginsCommand::Validate) => validate::run(),
    }
}

fn list(category: Category, name: &str) -> Result<Vec<ImplementationInfo>, FactoryError> {
    match category {
        Category::Endpoint => EndpointFactory::list_implementations(name),
        Category::Transport => TransportFactory::list_implementations(name),
    }
}

fn all_names(category: Category) -> Vec<String> {
    match category {
        Category::Endpoint => EndpointFactory::names(),
        Category::Transport => TransportFactory::names(),
    }
}

fn key(category: Category) -> &'static str {
    match category {
        Category::Endpoint => EndpointCategory::CATEGORY,
        Category::Transport => TransportCategory::CATEGORY,
    }
}

/// `aiperf plugins`: the categories and the enabled plugins.
fn overview() -> String {
    let mut out = String::new();
    for category in [Category::Endpoint, Category::Transport] {
        let names = all_names(category);
        let _ = writeln!(out, "{:<10} {}", key(category), names.join(", "));
    }
    if ENABLED_PLUGINS.is_empty() {
        out.push_str("plugins: none enabled (build with --features nvidia-optimized to enable one)\n");
    } else {
        for (id, feature, description) in ENABLED_PLUGINS {
            let _ = writeln!(out, "plugin {id} (feature {feature}): {description}");
        }
    }
    out
}

/// `aiperf plugins CATEGORY`: every name, its active implementation, the other compiled-in ones.
fn names(category: Category) -> String {
    let rows: Vec<(String, String, String)> = all_names(category)
        .into_iter()
        .filter_map(|name| {
            let list = list(category, &name).ok()?;
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

/// `aiperf plugins CATEGORY NAME`: one line per implementation, the active one first, in the
/// reference's format (`OptimizedChatEndpoint [PLUGIN] ← ACTIVE`), then provider, priority and
/// description columns.
fn implementations(category: Category, name: &str) -> Result<String, FactoryError> {
    let list = list(category, name)?;
    let labels: Vec<String> = list.iter().map(|i| label(i, true)).collect();
    let providers: Vec<String> = list
        .iter()
        .map(|i| match (i.plugin, i.feature) {
            (Some(plugin), Some(feature)) if plugin != feature => format!("plugin {plugin} (feature {feature})"),
            (Some(plugin), _) => format!("plugin {plugin}"),
            (None, _) => "builtin".to_owned(),
        })
        .collect();
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
