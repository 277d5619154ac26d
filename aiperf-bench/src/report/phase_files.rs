//! The files of each phase when a run has more than one (a warmup, then profiling), as AIPerf
//! 0.13 writes them: `phases/<name>/profile_export_aiperf.json` and `.csv`, each phase's own
//! statistics in the run's layout, and `phase_manifest.json`, their index with each phase's
//! counts and times.

use std::path::Path;

use serde_json::{Value, json};

use super::Report;
use crate::clock;
use crate::error::ProfileError;
use crate::export::{self, CsvExporter as Csv, JsonExporter as Json};

/// The index of the phase files.
pub const MANIFEST_FILE: &str = "phase_manifest.json";

/// The warmup phase's name (and kind).
const WARMUP: &str = "warmup";

/// Writes each of `phases` (name, report, in order) into `dir/phases/<name>/`, then the manifest.
pub(super) fn write(dir: &Path, phases: &[(&str, &Report<'_>)]) -> Result<(), ProfileError> {
    let mut entries = Vec::with_capacity(phases.len());
    for (index, (name, report)) in phases.iter().enumerate() {
        let phase_dir = dir.join("phases").join(name);
        let io = |source| ProfileError::Io { path: phase_dir.display().to_string(), source };
        std::fs::create_dir_all(&phase_dir).map_err(io)?;
        report.write(&phase_dir, &[Json])?;
        report.write(&phase_dir, &[Csv])?;
        // The index among profiling phases (the warmup has none).
        let profiling_index = (*name != WARMUP).then(|| phases[..index].iter().filter(|(n, _)| *n != WARMUP).count());
        entries.push(entry(index, profiling_index, name, report));
    }
    let manifest = json!({ "schema_version": 1, "phases": entries });
    let path = dir.join(MANIFEST_FILE);
    let text = serde_json::to_string_pretty(&sorted(manifest)).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(|source| ProfileError::Io { path: path.display().to_string(), source })
}

/// A phase's manifest entry, with AIPerf's keys.
fn entry(index: usize, profiling_index: Option<usize>, name: &str, report: &Report<'_>) -> Value {
    let a = report.aggregate;
    let error_summary: Vec<Value> = a
        .errors()
        .into_iter()
        .map(|(e, count)| json!({ "error_details": { "code": e.code, "type": e.kind, "message": report.config.secrets.scrub(&e.message) }, "count": count }))
        .collect();
    json!({
        "phase_index": index,
        "profiling_index": profiling_index,
        "phase_name": name,
        "phase_kind": name,
        "start_ns": clock::unix_ns(report.start_wall),
        "end_ns": clock::unix_ns(report.end_wall),
        "was_cancelled": report.was_cancelled,
        "successful_request_count": a.completed,
        "error_request_count": a.failed,
        "total_request_count": a.completed + a.failed,
        "error_summary": error_summary,
        "metrics_json": format!("phases/{name}/{}", export::JSON_FILE),
        "metrics_csv": format!("phases/{name}/{}", export::CSV_FILE),
    })
}

/// `value` with every object's keys in order, as AIPerf writes the manifest (`OPT_SORT_KEYS`).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut entries: Vec<(String, Value)> = object.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Removes a previous run's phase files from `dir`, so that a run without a warmup leaves no
/// index of phases it did not run.
///
/// # Errors
/// [`ProfileError::Io`] naming a file that exists but cannot be removed.
pub(crate) fn clear(dir: &Path) -> Result<(), ProfileError> {
    let files = [dir.join(MANIFEST_FILE)].into_iter().chain(
        ["warmup", "profiling"]
            .iter()
            .flat_map(|name| [export::JSON_FILE, export::CSV_FILE].map(|file| dir.join("phases").join(name).join(file))),
    );
    files.into_iter().try_for_each(|path| export::remove_stale(&path))
}
