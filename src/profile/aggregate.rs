//! Folding records into statistics as they arrive (bounded memory), and the time-sliced
//! effective concurrency.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::metrics::Metric;
use super::record::{RecordError, RequestRecord};
use super::stats::{Stat, Summary};

/// A service-level objective of `--goodput`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slo {
    /// The metric.
    pub metric: Metric,
    /// Its bound: an upper bound for times, a lower bound for per-user throughput.
    pub value: f64,
}

impl std::str::FromStr for Slo {
    type Err = String;

    /// `metric:value` (times in ms), as `--goodput` takes it.
    fn from_str(objective: &str) -> Result<Self, Self::Err> {
        let (key, value) = objective.split_once(':').ok_or("metric:value, e.g. time_to_first_token:200")?;
        let metric = Metric::from_key(key).ok_or_else(|| {
            format!("unknown metric '{key}': a metric such as time_to_first_token, inter_token_latency, request_latency, output_token_throughput_per_user")
        })?;
        let value = value.parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0).ok_or("a positive, finite number after the colon")?;
        Ok(Self { metric, value })
    }
}

impl Slo {
    fn met(&self, record: &RequestRecord) -> bool {
        match record.value(self.metric) {
            None => false,
            Some(v) if self.metric == Metric::OutputTokenThroughputPerUser => v >= self.value,
            Some(v) => v <= self.value,
        }
    }
}

/// Everything the profiling phase measured.
pub struct Aggregate {
    stats: Vec<Stat>,
    /// By group (the error with [`group_message`]): how many, and the first one as it was.
    errors: HashMap<RecordError, (u64, RecordError)>,
    slos: Vec<Slo>,
    /// Requests that completed without error.
    pub completed: u64,
    /// Requests that failed.
    pub failed: u64,
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
}

impl Aggregate {
    /// An empty aggregate with these SLOs.
    pub fn new(slos: Vec<Slo>) -> Self {
        Self {
            stats: Metric::ALL.iter().map(|m| Stat::with_floor(m.scale(), m.floor())).collect(),
            errors: HashMap::new(),
            slos,
            completed: 0,
            failed: 0,
            good: 0,
            osl_mismatches: 0,
            usage_discrepancies: 0,
            total_isl: 0.0,
            total_osl: 0.0,
            first_start: None,
            last_end: None,
        }
    }

    /// Adds a profiling record.
    pub fn add(&mut self, record: &RequestRecord) {
        self.first_start = Some(self.first_start.map_or(record.started, |t| t.min(record.started)));
        self.last_end = Some(self.last_end.map_or(record.ended, |t| t.max(record.ended)));
        // Failed requests were sent (or due) all the same: the schedule's accuracy counts them.
        if let Some(lag) = record.value(Metric::ScheduleLag) {
            self.stats[Metric::ScheduleLag.index()].record(lag);
        }
        if let Some(error) = &record.error {
            self.failed += 1;
            let group = RecordError { message: group_message(&error.message), ..error.clone() };
            self.errors.entry(group).or_insert_with(|| (0, error.clone())).0 += 1;
            return;
        }
        self.completed += 1;
        for metric in Metric::ALL.into_iter().filter(|&m| m != Metric::ScheduleLag) {
            if let Some(value) = record.value(metric) {
                self.stats[metric.index()].record(value);
            }
        }
        for &gap in &record.inter_chunk {
            self.stats[Metric::InterChunkLatency.index()].record(gap);
        }
        self.osl_mismatches += u64::from(record.osl_mismatch);
        self.usage_discrepancies += u64::from(super::record::usage_discrepant(record));
        self.total_isl += record.value(Metric::InputSequenceLength).unwrap_or(0.0);
        self.total_osl += record.value(Metric::OutputSequenceLength).unwrap_or(0.0);
        if !self.slos.is_empty() && self.slos.iter().all(|slo| slo.met(record)) {
            self.good += 1;
        }
    }

    /// The summary of `metric`, if it was measured.
    pub fn summary(&self, metric: Metric) -> Option<Summary> {
        self.stats[metric.index()].summary()
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

/// Requests in flight, averaged over fixed time slices: AIPerf's time-sliced effective concurrency.
pub struct ConcurrencyTracker {
    slice: Duration,
    state: Mutex<TrackerState>,
}

struct TrackerState {
    in_flight: u64,
    last: Option<Instant>,
    slice_start: Option<Instant>,
    integral: f64,
    stat: Stat,
}

impl ConcurrencyTracker {
    /// A tracker averaging over `slice`-long windows.
    pub fn new(slice: Duration) -> Self {
        Self { slice, state: Mutex::new(TrackerState { in_flight: 0, last: None, slice_start: None, integral: 0.0, stat: Stat::new(1e3) }) }
    }

    fn advance(&self, state: &mut TrackerState, now: Instant) {
        let (Some(mut last), Some(mut slice_start)) = (state.last, state.slice_start) else {
            state.last = Some(now);
            state.slice_start = Some(now);
            return;
        };
        while now >= slice_start + self.slice {
            let slice_end = slice_start + self.slice;
            state.integral += state.in_flight as f64 * (slice_end - last).as_secs_f64();
            state.stat.record(state.integral / self.slice.as_secs_f64());
            state.integral = 0.0;
            slice_start = slice_end;
            last = slice_end;
        }
        state.integral += state.in_flight as f64 * (now - last).as_secs_f64();
        state.last = Some(now);
        state.slice_start = Some(slice_start);
    }

    /// A request was issued.
    pub fn started(&self, at: Instant) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Threads may take the lock out of time order: never step back.
        let at = state.last.map_or(at, |last| at.max(last));
        self.advance(&mut state, at);
        state.in_flight += 1;
    }

    /// A request ended.
    pub fn ended(&self, at: Instant) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = state.last.map_or(at, |last| at.max(last));
        self.advance(&mut state, at);
        state.in_flight = state.in_flight.saturating_sub(1);
    }

    /// The statistics of the completed slices (and the partial last one).
    pub fn summary(&self, now: Instant) -> Option<Summary> {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.advance(&mut state, now);
        let mut stat = state.stat.clone();
        if let Some(slice_start) = state.slice_start {
            let partial = (now - slice_start).as_secs_f64();
            if partial > self.slice.as_secs_f64() / 10.0 {
                stat.record(state.integral / partial);
            }
        }
        stat.summary()
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
    use super::*;

    #[test]
    fn constant_concurrency_averages_to_itself() {
        let tracker = ConcurrencyTracker::new(Duration::from_millis(100));
        let t0 = Instant::now();
        for _ in 0..4 {
            tracker.started(t0);
        }
        // Keep 4 in flight for 1 s: one ends and another starts every 50 ms.
        for step in 1..=20 {
            let at = t0 + Duration::from_millis(50 * step);
            tracker.ended(at);
            tracker.started(at);
        }
        let summary = tracker.summary(t0 + Duration::from_secs(1)).unwrap();
        assert!((summary.avg - 4.0).abs() < 1e-6, "{summary:?}");
        assert!((summary.min - 4.0).abs() < 1e-6 && (summary.max - 4.0).abs() < 1e-3, "{summary:?}");
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
