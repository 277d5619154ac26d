//! Folding records into statistics as they arrive (bounded memory: values go to columns on disk,
//! summarized exactly when the run ends).

use std::collections::HashMap;
use std::time::Instant;

pub use super::config::Slo;
use super::metrics::Metric;
use super::record::{RecordError, RequestRecord};
use super::stats::{Adjusted, Columns, Summary};
use super::timeline::Timeline;

/// AIPerf's error-adjusted metrics (its `adj_` twins): the metric, and the twin's key and title.
pub const ADJUSTED: [(Metric, &str, &str); 4] = [
    (Metric::RequestLatency, "adj_request_latency", "Request Latency (error-adjusted)"),
    (Metric::TimeToFirstToken, "adj_time_to_first_token", "Time to First Token (error-adjusted)"),
    (Metric::InterTokenLatency, "adj_inter_token_latency", "Inter Token Latency (error-adjusted)"),
    (Metric::DecodeDuration, "adj_decode_duration", "Decode Duration (error-adjusted)"),
];

/// An error-adjusted metric's statistics: the metric's own, each failed request at +inf.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdjustedSeries {
    /// Export key (`adj_request_latency`).
    pub key: &'static str,
    /// Title (`Request Latency (error-adjusted)`).
    pub title: &'static str,
    /// The metric's unit.
    pub unit: &'static str,
    /// The statistics.
    pub summary: Adjusted,
}

/// What a context-overflow error says, in AIPerf's list (matched without case).
const CONTEXT_OVERFLOW: [&str; 4] = ["context length", "maximum context", "context_length_exceeded", "prompt is too long"];

/// Whether `record` met `slo`: at most its bound for times, at least it for per-user throughput.
fn met(slo: &Slo, record: &RequestRecord) -> bool {
    match record.value(slo.metric) {
        None => false,
        Some(v) if slo.metric == Metric::OutputTokenThroughputPerUser => v >= slo.value,
        Some(v) => v <= slo.value,
    }
}

/// Everything the profiling phase measured.
pub struct Aggregate {
    /// Each metric's values, on disk until the run ends.
    columns: Columns,
    /// Each metric's exact statistics, once the run ended ([`Aggregate::finish`]).
    summaries: Vec<Option<Summary>>,
    /// The [`ADJUSTED`] metrics' error-adjusted statistics, once the run ended, if any failed.
    adjusted: Vec<AdjustedSeries>,
    /// By group (the error with [`group_message`]): how many, and the first one as it was.
    errors: HashMap<RecordError, (u64, RecordError)>,
    slos: Vec<Slo>,
    /// Requests that completed without error.
    pub completed: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Failed requests the client cut on purpose (`--request-cancellation-rate`).
    pub cancelled: u64,
    /// Failed requests whose error says the prompt was over the model's context.
    pub context_overflows: u64,
    /// Requests that met every SLO.
    pub good: u64,
    /// Completed requests whose output missed their `max_tokens` (AIPerf's `osl_mismatch_count`).
    pub osl_mismatches: u64,
    /// Completed requests whose server `usage` differed from our counts by more than 10%.
    pub usage_discrepancies: u64,
    /// Sum of input lengths of completed requests.
    pub total_isl: f64,
    /// Sum of output lengths of completed requests.
    pub total_osl: f64,
    /// First issue and last end.
    pub first_start: Option<Instant>,
    /// When the last request ended.
    pub last_end: Option<Instant>,
    /// The time-weighted (sweep-line) metrics of the completed requests.
    pub timeline: Timeline,
}

impl Aggregate {
    /// An empty aggregate with these SLOs, its times counted from `zero` (before any request).
    ///
    /// # Errors
    /// The columns' directory cannot be created.
    pub fn new(slos: Vec<Slo>, zero: Instant) -> std::io::Result<Self> {
        Ok(Self {
            columns: Columns::new(Metric::ALL.len())?,
            summaries: vec![None; Metric::ALL.len()],
            adjusted: Vec::new(),
            errors: HashMap::new(),
            slos,
            completed: 0,
            failed: 0,
            cancelled: 0,
            context_overflows: 0,
            good: 0,
            osl_mismatches: 0,
            usage_discrepancies: 0,
            total_isl: 0.0,
            total_osl: 0.0,
            first_start: None,
            last_end: None,
            timeline: Timeline::new(zero),
        })
    }

    /// Computes every metric's exact statistics from its column (at the end of the run).
    ///
    /// # Errors
    /// A column could not be written or read back.
    pub fn finish(&mut self) -> std::io::Result<()> {
        self.summaries = self.columns.summaries()?;
        if self.failed > 0 {
            for (metric, key, title) in ADJUSTED {
                if let Some(summary) = self.columns.adjusted(metric.index(), self.failed)? {
                    self.adjusted.push(AdjustedSeries { key, title, unit: metric.unit(), summary });
                }
            }
        }
        Ok(())
    }

    /// Adds a profiling record.
    pub fn add(&mut self, record: &RequestRecord) {
        self.first_start = Some(self.first_start.map_or(record.started, |t| t.min(record.started)));
        self.last_end = Some(self.last_end.map_or(record.ended, |t| t.max(record.ended)));
        // Failed requests were sent (or due) all the same: the schedule's accuracy counts them.
        if let Some(lag) = record.value(Metric::ScheduleLag) {
            self.columns.push(Metric::ScheduleLag.index(), lag);
        }
        // A failed request was in flight all the same (it counts in the concurrency, in no phase).
        self.timeline.add(record);
        if let Some(error) = &record.error {
            self.failed += 1;
            self.cancelled += u64::from(record.cut);
            // What AIPerf measures of a failed request.
            for metric in [Metric::CreditToStartLatency, Metric::EffectiveLatency, Metric::ErrorInputSequenceLength] {
                if let Some(value) = record.value(metric) {
                    self.columns.push(metric.index(), value);
                }
            }
            let message = error.message.to_lowercase();
            self.context_overflows += u64::from(CONTEXT_OVERFLOW.iter().any(|words| message.contains(words)));
            let group = RecordError { message: group_message(&error.message), ..error.clone() };
            self.errors.entry(group).or_insert_with(|| (0, error.clone())).0 += 1;
            return;
        }
        self.completed += 1;
        for metric in Metric::ALL.into_iter().filter(|&m| m != Metric::ScheduleLag) {
            if let Some(value) = record.value(metric) {
                self.columns.push(metric.index(), value);
            }
        }
        for &gap in &record.inter_chunk {
            self.columns.push(Metric::InterChunkLatency.index(), gap);
        }
        self.osl_mismatches += u64::from(record.osl_mismatch);
        self.usage_discrepancies += u64::from(super::record::usage_discrepant(record));
        self.total_isl += record.value(Metric::InputSequenceLength).unwrap_or(0.0);
        self.total_osl += record.value(Metric::OutputSequenceLength).unwrap_or(0.0);
        if !self.slos.is_empty() && self.slos.iter().all(|slo| met(slo, record)) {
            self.good += 1;
        }
    }

    /// The summary of `metric`, if it was measured (once [`Aggregate::finish`] computed it).
    pub fn summary(&self, metric: Metric) -> Option<Summary> {
        self.summaries[metric.index()]
    }

    /// The [`ADJUSTED`] metrics' error-adjusted statistics (none when no request failed).
    pub fn adjusted(&self) -> &[AdjustedSeries] {
        &self.adjusted
    }

    /// Errors grouped by code, type and message (see [`group_message`]), each shown as its first
    /// occurrence, most frequent first.
    pub fn errors(&self) -> Vec<(&RecordError, u64)> {
        let mut errors: Vec<_> = self.errors.values().map(|(n, first)| (first, *n)).collect();
        errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.kind.cmp(&b.0.kind)));
        errors
    }

    /// Whether `--goodput` was given.
    pub fn has_slos(&self) -> bool {
        !self.slos.is_empty()
    }
}

/// The message errors are grouped by: one error counts once whatever position or bytes its
/// message quotes. The bytes an endpoint quotes (`; received: …`) are dropped and every number
/// that is a word of its own (`line 1 column 57`, `(17 bytes …)`) becomes `N`; numbers inside
/// names (`llama-3-8b`) stay.
pub fn group_message(message: &str) -> String {
    let message = message.split("; received: ").next().unwrap_or(message);
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) {
            out.push('N');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in message.chars() {
        if c.is_alphanumeric() || matches!(c, '_' | '-') {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::record::Phase;

    #[test]
    fn failed_requests_count_their_input_and_aiperfs_context_overflows() {
        let mut aggregate = Aggregate::new(Vec::new(), Instant::now()).unwrap();
        // vLLM's wording matches AIPerf's list; llama-server's (its captured 400) does not.
        let messages = [
            "This model's maximum context length is 2048 tokens. However, you requested 4000 tokens.",
            "request (10018 tokens) exceeds the available context size (512 tokens), try increasing it",
            "Internal Server Error",
        ];
        for (index, message) in (0..).zip(messages) {
            let mut record = RequestRecord::cancelled(index, Phase::Profiling, 0, 0, Instant::now(), SystemTime::now());
            record.error = Some(RecordError { code: Some(400), kind: "BadRequestError".into(), message: message.into() });
            record.values[Metric::ErrorInputSequenceLength.index()] = Some(100.0 + index as f64);
            aggregate.add(&record);
        }
        aggregate.finish().unwrap();
        assert_eq!((aggregate.failed, aggregate.context_overflows), (3, 1));
        let isl = aggregate.summary(Metric::ErrorInputSequenceLength).unwrap();
        assert_eq!((isl.count, isl.sum), (3, 303.0));
        assert!(aggregate.adjusted().is_empty(), "no adjusted row without a success");
    }

    #[test]
    fn one_error_groups_once_whatever_its_message_quotes() {
        let a = "chat: cannot parse SSE event: expected value at line 1 column 57; received: {\"x\":1";
        let b = "chat: cannot parse SSE event: expected value at line 1 column 9; received: <html>";
        assert_eq!(group_message(a), group_message(b));
        assert_eq!(group_message(a), "chat: cannot parse SSE event: expected value at line N column N");
        assert_eq!(group_message("The model `llama-3-8b` does not exist."), "The model `llama-3-8b` does not exist.");
        assert_eq!(group_message("ended before `data: [DONE]` (17 bytes discarded)"), "ended before `data: [DONE]` (N bytes discarded)");
    }
}
