//! `datasets:` (exactly one) or `dataset:`: synthetic prompts, a file, or a public dataset.

use serde_json::{Value, json};

use super::aiperf::Fields;
use super::section::{Section, Wrong, text};

const SYNTHETIC: &[&str] = &["name", "type", "entries", "random_seed", "sampling", "prompts", "isl", "osl", "prefix_prompts"];
const FILE: &[&str] = &["name", "type", "path", "format", "sampling", "entries", "random_seed"];
const PUBLIC: &[&str] = &["name", "type", "dataset", "sampling", "entries", "random_seed"];

/// The one dataset of `body`, if it has one.
pub(super) fn datasets(body: &mut Section<'_>, fields: &mut Fields) -> Result<(), Wrong> {
    let (at, dataset) = match (body.take("datasets"), body.take("dataset")) {
        (Some(_), Some(_)) => return Err((body.at("dataset"), "'dataset' cannot be used with 'datasets': give one".to_owned())),
        (Some(Value::Array(list)), None) if list.len() == 1 => (format!("{}[0]", body.at("datasets")), &list[0]),
        (Some(_), None) => return Err((body.at("datasets"), "a list of exactly one dataset".to_owned())),
        (None, Some(dataset)) => (body.at("dataset"), dataset),
        // None: synthetic prompts of the defaults (AIPerf requires one; aiperf lets it be).
        (None, None) => return Ok(()),
    };
    let kind = dataset.get("type").and_then(Value::as_str).unwrap_or("synthetic");
    let known = match kind {
        "synthetic" => SYNTHETIC,
        "file" => FILE,
        "public" => PUBLIC,
        other => return Err((format!("{at}.type"), format!("synthetic, file or public, not '{other}'"))),
    };
    let mut dataset = Section::new(at, dataset, known)?;
    let _ = (dataset.take("name"), dataset.take("type"));
    for (key, field) in [("entries", "num_dataset_entries"), ("random_seed", "random_seed"), ("sampling", "dataset_sampling_strategy")] {
        if let Some(value) = dataset.take(key) {
            fields.insert(field.into(), value.clone());
        }
    }
    match kind {
        "file" => {
            let path = dataset.take("path").ok_or_else(|| (dataset.at("path"), "required: the dataset file".to_owned()))?;
            fields.insert("input_file".into(), json!(text(&dataset.at("path"), path)?));
            if let Some(format) = dataset.take("format") {
                fields.insert("custom_dataset_type".into(), format.clone());
            }
        }
        "public" => {
            let name = dataset.take("dataset").ok_or_else(|| (dataset.at("dataset"), "required: sharegpt".to_owned()))?;
            fields.insert("public_dataset".into(), name.clone());
        }
        _ => synthetic(&mut dataset, fields)?,
    }
    dataset.finish(&[])
}

/// A synthetic dataset's prompts: lengths (a number or `{mean, stddev}`), block size, prefixes.
fn synthetic(dataset: &mut Section<'_>, fields: &mut Fields) -> Result<(), Wrong> {
    let prompts = dataset.take("prompts");
    let mut prompts = prompts.map(|p| Section::new(dataset.at("prompts"), p, &["isl", "osl", "block_size"])).transpose()?;
    for (key, field) in [("isl", "isl"), ("osl", "osl")] {
        // The prompts' own first; the shorthand on the dataset fills what they leave.
        let from_prompts = prompts.as_mut().and_then(|p| p.take(key).map(|v| (p.at(key), v)));
        let Some((at, value)) = from_prompts.or_else(|| dataset.take(key).map(|v| (dataset.at(key), v))) else { continue };
        let (mean, stddev) = match value {
            Value::Object(_) => {
                let mut length = Section::new(at, value, &["mean", "stddev"])?;
                let mean = length.take("mean").cloned().ok_or_else(|| (length.at("mean"), "required".to_owned()))?;
                let stddev = length.take("stddev").cloned();
                length.finish(&[])?;
                (mean, stddev)
            }
            number => (number.clone(), None),
        };
        fields.insert(field.into(), mean);
        if let Some(stddev) = stddev {
            fields.insert(format!("{field}_stddev"), stddev);
        }
    }
    if let Some(mut prompts) = prompts {
        if let Some(size) = prompts.take("block_size") {
            fields.insert("isl_block_size".into(), size.clone());
        }
        prompts.finish(&[])?;
    }
    if let Some(prefixes) = dataset.take("prefix_prompts") {
        let known = &["pool_size", "length", "shared_system_length", "user_context_length"];
        let mut prefixes = Section::new(dataset.at("prefix_prompts"), prefixes, known)?;
        for (key, field) in [
            ("pool_size", "num_prefix_prompts"),
            ("length", "prefix_prompt_length"),
            ("shared_system_length", "shared_system_prompt_length"),
            ("user_context_length", "user_context_prompt_length"),
        ] {
            if let Some(value) = prefixes.take(key) {
                fields.insert(field.into(), value.clone());
            }
        }
        prefixes.finish(&[])?;
    }
    Ok(())
}
