//! `--config/-f FILE` under `aiperf profile`: the file's configuration (AIPerf's YAML, or a
//! resolved configuration), with the flags typed on the command line on top of it, field by
//! field. A flag that cannot apply to what the file declares is refused by name.

use aiperf_bench::config::file;
use aiperf_bench::{BenchConfig, ProfileError};
use serde_json::Value;

/// Flags that shape synthetic prompts: they cannot apply to a file whose dataset is a file.
const SYNTHETIC_ONLY: &[(&str, &str)] = &[
    ("isl", "--isl"),
    ("isl_stddev", "--isl-stddev"),
    ("num_prefix_prompts", "--num-prefix-prompts"),
    ("prefix_prompt_length", "--prefix-prompt-length"),
    ("shared_system_prompt_length", "--shared-system-prompt-length"),
    ("user_context_prompt_length", "--user-context-prompt-length"),
];

/// The configuration of `path` with the command line's `flags` on top: each flag in `explicit`
/// (the ids of those typed) replaces the file's field of its name.
///
/// # Errors
/// The file's errors ([`ProfileError::ConfigFile`]); a typed flag that cannot apply to it.
pub fn resolve(path: &std::path::Path, flags: &BenchConfig, explicit: &[String]) -> Result<BenchConfig, ProfileError> {
    let from_file = file::load(path)?;
    let typed = |id: &str| explicit.iter().any(|e| e == id);
    if (from_file.input_file.is_some() || from_file.public_dataset.is_some())
        && let Some((_, flag)) = SYNTHETIC_ONLY.iter().find(|(id, _)| typed(id))
    {
        let reason =
            format!("shapes synthetic prompts, and {} declares a dataset file: set it in the file, or drop the flag", path.display());
        return Err(ProfileError::Flags { flag, reason });
    }
    let serialize = |config: &BenchConfig| serde_json::to_value(config).unwrap_or(Value::Null);
    let (mut merged, flags_value) = (serialize(&from_file), serialize(flags));
    for id in explicit {
        if let (Some(value), Some(map)) = (flags_value.get(id), merged.as_object_mut()) {
            map.insert(id.clone(), value.clone());
        }
    }
    // AIPerf makes the arrivals gamma when a smoothness is given alone.
    if typed("arrival_smoothness") && !typed("arrival_pattern") {
        merged["arrival_pattern"] = Value::from("gamma");
    }
    let mut config: BenchConfig = serde_json::from_value(merged).map_err(|e| ProfileError::ConfigFile {
        path: path.display().to_string(),
        at: String::new(),
        reason: e.to_string(),
    })?;
    // The key is never serialized: the flag's (or its environment variable's) if typed or the
    // file has none.
    config.api_key = if typed("api_key") || from_file.api_key.is_none() { flags.api_key.clone() } else { from_file.api_key };
    Ok(config)
}
