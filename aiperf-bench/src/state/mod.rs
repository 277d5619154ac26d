//! A run's state as data that merges: what the collector folded, written as it folds it, so
//! that the states of several shards of one benchmark (processes, machines) merged give the
//! exports one process would have written over the union of their records (`merge.rs`).
//!
//! The state is a JSON-lines file (`run_state.jsonl` in the artifact directory): a [`Header`]
//! (the configuration, the phase's start), then each profiled record as the collector took it
//! ([`RecordLine`]: what the statistics and the time-weighted metrics read of it, times in wall
//! ns from the run's one clock pairing), a watermark after each batch (no record folded later
//! started before it: what lets a merge sweep the time-weighted metrics in bounded memory), and
//! a [`Footer`]. Plain data: the statistics need every value (percentiles are exact), and the
//! time-weighted metrics the events of every request, so nothing coarser would merge exactly.

mod merge;
mod records;
mod workers;
mod writer;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use merge::merge;
pub use workers::{Absent, Workers};
pub(crate) use writer::StateWriter;

use crate::BenchConfig;
use crate::metrics::Metric;
use crate::record::{Phase, RecordError, RequestRecord};

/// The file a run writes its state to, in its artifact directory.
pub const STATE_FILE: &str = "run_state.jsonl";

/// The state format's version: a merge refuses others.
pub const VERSION: u32 = 1;

/// One line of a state file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    /// The first line.
    Header(Box<Header>),
    /// A profiled record.
    Record(RecordLine),
    /// Every record after it started at or after this wall-clock time (ns since the Unix epoch).
    Watermark(u64),
    /// The last line: the run ended.
    Footer(Footer),
}

/// What a run was, and when its profiling phase started.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`VERSION`].
    pub version: u32,
    /// Its configuration (the API key never included).
    pub config: BenchConfig,
    /// The command line, redacted.
    pub command_line: String,
    /// The profiling phase's start, ns since the Unix epoch.
    pub start_ns: u64,
    /// Dataset entries the run sent from.
    pub entries: usize,
    /// Whether the profiling phase followed a fixed schedule.
    pub fixed_schedule: bool,
}

/// How the run ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Footer {
    /// The profiling phase's end, ns since the Unix epoch.
    pub end_ns: u64,
    /// A signal cut it short.
    pub was_cancelled: bool,
    /// `--failed-request-threshold` stopped it.
    pub stopped_early: bool,
}

/// What a profiled record gives the statistics and the time-weighted metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordLine {
    /// Issued, ns since the Unix epoch.
    pub start_ns: u64,
    /// Ended, ns since the Unix epoch.
    pub end_ns: u64,
    /// Each measured metric's value, by its key.
    pub values: BTreeMap<String, f64>,
    /// Inter-chunk gaps, ms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inter_chunk: Vec<f64>,
    /// The failure, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RecordError>,
    /// Cut short by cancellation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub was_cancelled: bool,
    /// Cut by the client on purpose (`--request-cancellation-rate`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
    /// Its output missed its `max_tokens`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub osl_mismatch: bool,
}

impl RecordLine {
    /// What `record` gives the statistics.
    pub fn of(record: &RequestRecord) -> Self {
        let values =
            Metric::ALL.into_iter().filter_map(|metric| record.value(metric).map(|value| (metric.key().to_owned(), value))).collect();
        Self {
            start_ns: record.start_ns,
            end_ns: record.end_ns,
            values,
            inter_chunk: record.inter_chunk.clone(),
            error: record.error.clone(),
            was_cancelled: record.was_cancelled,
            cut: record.cut,
            osl_mismatch: record.osl_mismatch,
        }
    }

    /// The record again, its instants placed on a monotonic clock where `base` is `base_ns`
    /// (wall ns): distances between instants are those between the wall-clock times.
    ///
    /// # Errors
    /// A metric key this build does not know.
    pub fn record(&self, base: Instant, base_ns: u64) -> Result<RequestRecord, String> {
        let at = |ns: u64| base + Duration::from_nanos(ns.saturating_sub(base_ns));
        let mut record = RequestRecord::cancelled(0, Phase::Profiling, 0, 0, at(self.start_ns), std::time::SystemTime::UNIX_EPOCH);
        (record.start_ns, record.end_ns, record.ended) = (self.start_ns, self.end_ns, at(self.end_ns));
        for (key, &value) in &self.values {
            let metric = Metric::from_key(key).ok_or_else(|| format!("unknown metric '{key}'"))?;
            record.values[metric.index()] = Some(value);
        }
        record.inter_chunk.clone_from(&self.inter_chunk);
        record.error.clone_from(&self.error);
        (record.was_cancelled, record.cut, record.osl_mismatch) = (self.was_cancelled, self.cut, self.osl_mismatch);
        Ok(record)
    }
}

#[cfg(test)]
mod tests;
