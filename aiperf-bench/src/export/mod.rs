//! The artifact files, in AIPerf 0.13's layout: `profile_export_aiperf.json`,
//! `profile_export_aiperf.csv`, `profile_export.jsonl` (written as records arrive),
//! `profile_export_console.txt`, `inputs.json`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use aiperf_core::PreparedRequest;
use serde_json::{Map, Value, json};

use super::ProfileError;
use super::aggregate::AdjustedSeries;
use super::metrics::Metric;
use super::record::{JsonLine, RequestRecord};
use super::stats::{PERCENTILES, Summary};
use crate::redact::Secrets;

mod console;
mod csv;
mod json;
mod rows;

pub use console::ConsoleExporter;
pub use csv::CsvExporter;
pub use json::JsonExporter;
pub use rows::{adjusted_row, record_row, weighted_row};

/// Names of the files in the artifact directory.
pub const JSON_FILE: &str = "profile_export_aiperf.json";
/// See [`JSON_FILE`].
pub const CSV_FILE: &str = "profile_export_aiperf.csv";
/// See [`JSON_FILE`].
pub const JSONL_FILE: &str = "profile_export.jsonl";
/// See [`JSON_FILE`].
pub const CONSOLE_FILE: &str = "profile_export_console.txt";
/// See [`JSON_FILE`].
pub const INPUTS_FILE: &str = "inputs.json";

/// Every file a run writes.
pub const FILES: [&str; 5] = [JSON_FILE, CSV_FILE, JSONL_FILE, CONSOLE_FILE, INPUTS_FILE];

/// Removes a previous run's files from `dir` (other files are left alone), so that a run cut
/// short never leaves its files next to another run's.
///
/// # Errors
/// [`ProfileError::Io`] naming a file that exists but cannot be removed.
pub fn clear(dir: &Path) -> Result<(), ProfileError> {
    FILES.iter().try_for_each(|name| remove_stale(&dir.join(name)))
}

/// Removes a previous run's file at `path`, if there is one (never truncated in place: a copy
/// linked elsewhere keeps what it held).
///
/// # Errors
/// [`ProfileError::Io`] naming a file that exists but cannot be removed.
pub fn remove_stale(path: &Path) -> Result<(), ProfileError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ProfileError + '_ {
    move |source| ProfileError::Io { path: path.display().to_string(), source }
}

/// Streams one JSON line per request to `profile_export.jsonl`, with the run's secrets scrubbed
/// (a server may quote a rejected key back in its error). Lines are formatted straight into the
/// write buffer (no copy per line), which goes to the file when it is full or flushed.
pub struct RecordWriter {
    path: PathBuf,
    /// None at `--export-level summary`: records are written nowhere.
    file: Option<File>,
    /// Lines not yet written to the file.
    pending: Vec<u8>,
    secrets: Secrets,
    /// A line to scrub, when there are secrets.
    line: Vec<u8>,
    /// The run had a warmup phase (the records' phase numbers count it).
    warmup_phase: bool,
    /// The worker sending them, of several sharing the benchmark ([`JsonLine::worker`]).
    worker: Option<u32>,
}

/// Bytes of lines held before they are written (a few hundred records).
const WRITE_BUFFER: usize = 256 << 10;

impl RecordWriter {
    /// Creates (truncates) the file in `dir`, for a run that had a warmup phase or not, sent by
    /// `worker` of several or by a run of its own.
    ///
    /// # Errors
    /// [`ProfileError::Io`] naming the file.
    pub fn create(dir: &Path, secrets: Secrets, warmup_phase: bool, worker: Option<u32>) -> Result<Self, ProfileError> {
        let path = dir.join(JSONL_FILE);
        let file = Some(File::create(&path).map_err(io(&path))?);
        let pending = Vec::with_capacity(WRITE_BUFFER + (16 << 10));
        Ok(Self { file, path, pending, secrets, line: Vec::new(), warmup_phase, worker })
    }

    /// A writer of no file (`--export-level summary`): records are written nowhere.
    pub fn none(dir: &Path) -> Self {
        Self {
            file: None,
            path: dir.join(JSONL_FILE),
            pending: Vec::new(),
            secrets: Secrets::default(),
            line: Vec::new(),
            warmup_phase: false,
            worker: None,
        }
    }

    /// Appends a record.
    ///
    /// # Errors
    /// [`ProfileError::Io`] naming the file.
    pub fn write(&mut self, record: &RequestRecord) -> Result<(), ProfileError> {
        if self.file.is_none() {
            return Ok(());
        }
        let format_error = |e: serde_json::Error| ProfileError::Io { path: self.path.display().to_string(), source: e.into() };
        if self.secrets.is_empty() {
            let start = self.pending.len();
            let line = JsonLine { record, warmup_phase: self.warmup_phase, worker: self.worker };
            if let Err(e) = line.write_to(&mut self.pending) {
                self.pending.truncate(start);
                return Err(format_error(e));
            }
            self.pending.push(b'\n');
        } else {
            self.line.clear();
            JsonLine { record, warmup_phase: self.warmup_phase, worker: self.worker }.write_to(&mut self.line).map_err(format_error)?;
            self.line.push(b'\n');
            let text = String::from_utf8_lossy(&self.line);
            self.pending.extend_from_slice(self.secrets.scrub(&text).as_bytes());
        }
        if self.pending.len() >= WRITE_BUFFER {
            return self.flush();
        }
        Ok(())
    }

    /// Pushes what is buffered to the file (so a run cut short keeps its records).
    ///
    /// # Errors
    /// [`ProfileError::Io`] naming the file.
    pub fn flush(&mut self) -> Result<(), ProfileError> {
        let result = match &mut self.file {
            Some(file) => file.write_all(&self.pending).map_err(io(&self.path)),
            None => Ok(()),
        };
        self.pending.clear();
        result
    }

    /// Flushes what is buffered.
    ///
    /// # Errors
    /// [`ProfileError::Io`] naming the file.
    pub fn finish(mut self) -> Result<(), ProfileError> {
        self.flush()
    }
}

/// `inputs.json`: `{"data": [{"session_id": "0", "payloads": [<body>]}, …]}`, one entry per line,
/// written as it goes (a large dataset is never built as one JSON tree). A body that is not JSON
/// is written as a string; a typed text request as the OpenAI body it stands for. Secrets are
/// scrubbed.
///
/// # Errors
/// [`ProfileError::Io`] naming the file.
pub fn write_inputs<'r>(dir: &Path, requests: impl Iterator<Item = &'r PreparedRequest>, secrets: &Secrets) -> Result<(), ProfileError> {
    let path = dir.join(INPUTS_FILE);
    let mut out = BufWriter::new(File::create(&path).map_err(io(&path))?);
    let mut entry = String::new();
    out.write_all(b"{\"data\": [").map_err(io(&path))?;
    for (i, request) in requests.enumerate() {
        entry.clear();
        let _ = write!(entry, "{}\n{{\"session_id\": \"{i}\", \"payloads\": [", if i == 0 { "" } else { "," });
        match request {
            // A typed request reads as the OpenAI body it stands for.
            PreparedRequest::Text(text) => entry.push_str(&serde_json::to_string(text).unwrap_or_default()),
            PreparedRequest::Encoded(formatted) => match std::str::from_utf8(&formatted.body) {
                Ok(text) if serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() => entry.push_str(text),
                _ => entry.push_str(&Value::String(String::from_utf8_lossy(&formatted.body).into_owned()).to_string()),
            },
        }
        entry.push_str("]}");
        out.write_all(secrets.scrub(&entry).as_bytes()).map_err(io(&path))?;
    }
    out.write_all(b"\n]}\n").map_err(io(&path))?;
    out.flush().map_err(io(&path))
}

/// A record metric's JSON object: `unit` plus every statistic.
pub fn record_metric_json(metric: Metric, summary: &Summary) -> Value {
    let mut object = Map::new();
    object.insert("unit".into(), metric.unit().into());
    if let Value::Object(stats) = json!(summary) {
        object.extend(stats);
    }
    Value::Object(object)
}

/// An error-adjusted metric's JSON object as AIPerf writes it: an infinite statistic (the mean,
/// the sum, the maximum, a percentile that falls on a failure) is `null`, and there is no `std`.
pub fn adjusted_json(series: &AdjustedSeries) -> Value {
    let s = &series.summary;
    let finite = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
    let mut object = Map::new();
    object.insert("unit".into(), series.unit.into());
    object.insert("avg".into(), Value::Null);
    for (p, &value) in PERCENTILES.iter().zip(&s.percentiles) {
        object.insert(format!("p{p}"), finite(value));
    }
    object.insert("min".into(), finite(s.min));
    object.insert("max".into(), Value::Null);
    object.insert("count".into(), s.count.into());
    object.insert("sum".into(), Value::Null);
    Value::Object(object)
}
