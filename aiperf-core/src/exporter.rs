//! The exporter contract: what a benchmark's results are written as, a category of the
//! implementation table like endpoints and transports. Every exporter compiled in runs when a run
//! (or a merge) ends, each given the same [`Results`]: plain data, already scrubbed of secrets.

use std::path::Path;

/// The statistics columns of a [`StatRow`], in order (AIPerf's CSV header after `Metric`).
pub const STAT_COLUMNS: [&str; 14] = ["avg", "min", "max", "sum", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "std"];

/// A metric with a distribution: its statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct StatRow {
    /// Export key (`time_to_first_token`).
    pub key: &'static str,
    /// Title (`Time to First Token`).
    pub title: &'static str,
    /// Unit (`ms`).
    pub unit: &'static str,
    /// In [`STAT_COLUMNS`]' order; `None` for a statistic the metric has not.
    pub cells: [Option<f64>; 14],
    /// Whether the console table shows it.
    pub on_console: bool,
}

/// A metric with one value (`request_throughput`).
#[derive(Clone, Debug, PartialEq)]
pub struct ValueRow {
    /// Export key.
    pub key: &'static str,
    /// Title.
    pub title: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// The value.
    pub value: f64,
    /// Whether the console table shows it.
    pub on_console: bool,
}

/// What a benchmark measured, for its exporters.
#[derive(Clone, Copy, Debug)]
pub struct Results<'a> {
    /// The artifact directory the files go to.
    pub dir: &'a Path,
    /// AIPerf's JSON summary (`profile_export_aiperf.json`'s content).
    pub summary: &'a serde_json::Value,
    /// Every metric with a distribution, in export order.
    pub stats: &'a [StatRow],
    /// Every single-value metric, in export order.
    pub values: &'a [ValueRow],
    /// The console's title (`aiperf | LLM Metrics`).
    pub title: &'a str,
    /// The notes printed under the console table (errors, a cancellation, the duration).
    pub notes: &'a str,
}

/// Why an exporter could not write its files.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct ExportError {
    /// The file.
    pub path: String,
    /// What failed.
    #[source]
    pub source: std::io::Error,
}

impl ExportError {
    /// An I/O failure on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self { path: path.display().to_string(), source }
    }
}

/// Writes a benchmark's results in one format.
pub trait Exporter: Send + Sync {
    /// Writes its files into `results.dir`; returns what it printed for the console (empty when
    /// nothing), and the files it wrote are its own concern.
    ///
    /// # Errors
    /// [`ExportError`] naming the file that could not be written.
    fn export(&self, results: &Results<'_>) -> Result<String, ExportError>;
}
