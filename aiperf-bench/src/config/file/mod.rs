//! Configuration files (`aiperf profile --config FILE`): AIPerf 0.13's YAML schema (its
//! "schema 2.0" envelope, or an older file's body at the top), or the resolved configuration a
//! run writes beside its exports (`resolved_config.yaml`: the [`BenchConfig`] fields by flag
//! name), read into a [`BenchConfig`]. What the file leaves out takes the command line's defaults
//! (AIPerf requires an endpoint, a dataset and phases; aiperf lets them be). `${VAR}` and `${VAR:default}` references in string values
//! are substituted from the environment first, as AIPerf substitutes them. The command line's
//! flags go on top (see the CLI). What cannot apply is refused by its dotted path.

mod aiperf;
mod dataset;
mod env;
mod phases;
mod section;

use std::path::Path;

use serde_json::Value;

use super::BenchConfig;
use crate::error::ProfileError;

/// The largest configuration file read.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// The resolved configuration a run writes beside its exports.
pub const RESOLVED_FILE: &str = "resolved_config.yaml";

/// The configuration in the file at `path`.
///
/// # Errors
/// [`ProfileError::ConfigFile`] naming the file, the key at fault (as a dotted path) and what
/// would be right; a file that cannot be read, is no YAML mapping, or refers to an unset
/// environment variable.
pub fn load(path: &Path) -> Result<BenchConfig, ProfileError> {
    let wrong = |at: &str, reason: String| ProfileError::ConfigFile { path: path.display().to_string(), at: at.to_owned(), reason };
    // Read at most the bound and a byte, whatever the file claims to be (a pipe has no size).
    let file = std::fs::File::open(path).map_err(|e| wrong("", e.to_string()))?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::Read::take(file, MAX_FILE_BYTES + 1), &mut text).map_err(|e| wrong("", e.to_string()))?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(wrong("", format!("a configuration file of at most {MAX_FILE_BYTES} bytes")));
    }
    parse(&text, &|name| std::env::var(name).ok()).map_err(|(at, reason)| wrong(&at, reason))
}

/// The configuration of the YAML `text`, `lookup` giving the environment.
fn parse(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<BenchConfig, (String, String)> {
    let mut root: Value = serde_saphyr::from_str(text).map_err(|e| (String::new(), format!("not valid YAML: {e}")))?;
    if !root.is_object() {
        return Err((String::new(), "a YAML mapping: AIPerf's `benchmark:` envelope, or a resolved configuration".to_owned()));
    }
    env::substitute(&mut root, lookup).map_err(|reason| (String::new(), reason))?;
    if let Some(at) = templated(&root, String::new()) {
        return Err((at, "Jinja templates are not supported: write the value, or an ${ENV} reference".to_owned()));
    }
    let map = root.as_object().expect("checked above");
    // A resolved configuration always has `endpoint_type`, which AIPerf's schema never has.
    let aiperf = !map.contains_key("endpoint_type")
        && map
            .keys()
            .any(|k| ["benchmark", "schema_version", "schemaVersion"].contains(&k.as_str()) || aiperf::BODY_KEYS.contains(&k.as_str()));
    let mut fields = if aiperf { Value::Object(aiperf::envelope(&root)?) } else { root };
    // A key that a reference made a number is still a key: never echoed by a type error.
    if let Some(key) = fields.get_mut("api_key").filter(|key| !key.is_string() && !key.is_null()) {
        *key = Value::String(key.to_string());
    }
    serde_json::from_value(fields).map_err(|e| (String::new(), e.to_string()))
}

/// Where a string value holds a Jinja template (`{{ … }}`, `{% … %}`), if one does.
fn templated(value: &Value, at: String) -> Option<String> {
    match value {
        Value::String(text) if text.contains("{{") || text.contains("{%") => Some(at),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| templated(item, format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| templated(v, if at.is_empty() { k.clone() } else { format!("{at}.{k}") })),
        _ => None,
    }
}

/// `config` as the resolved configuration a run writes: YAML that `--config` reads back into the
/// same run, its credentials left out: the API key is never written, headers that may hold a
/// secret are dropped, and anything else shaped like a credential is hidden.
pub fn resolved(config: &BenchConfig) -> String {
    let mut shown = config.clone();
    shown.headers.retain(|h| crate::redact::header(h) == h.as_str());
    // A URL's credentials (user information, a key in its query) are hidden, and said to be.
    let hidden_url = shown.url.as_deref().is_some_and(|url| crate::redact::url(url) != url);
    shown.url = shown.url.as_deref().map(|url| crate::redact::url(url).into_owned());
    let dropped: Vec<&str> = config
        .headers
        .iter()
        .filter(|h| !shown.headers.contains(h))
        .map(|h| h.split_once(':').map_or("a malformed header", |(name, _)| name))
        .collect();
    let secrets = crate::redact::Secrets::new(
        config.api_key.as_deref(),
        config.headers.iter().chain(&config.extra_inputs).map(String::as_str),
        config.url.as_deref(),
    );
    let yaml = secrets.scrub(&serde_saphyr::to_string(&shown).unwrap_or_default()).into_owned();
    let mut dropped = if dropped.is_empty() {
        String::new()
    } else {
        format!("# Headers left out (they may hold secrets; give them again with -H): {}\n", dropped.join(", "))
    };
    if hidden_url {
        dropped.push_str("# The URL's credentials are hidden: give --url again.\n");
    }
    format!(
        "# The configuration this run resolved (file and flags together): `aiperf profile --config {RESOLVED_FILE}`\n\
         # runs it again. Credentials are not written: give --api-key again.\n{dropped}{yaml}"
    )
}

#[cfg(test)]
mod tests;
