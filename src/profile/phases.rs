//! AIPerf 0.13's time-weighted ("sweep-line") metrics: over the run's window (first request start
//! to last request end), step functions of what is in flight: requests, those in prefill (start
//! to first token) and in decode (first token to end), their token rates, and tokens in flight.
//! `effective_*` weigh every instant of the window; `active_*` only instants when that phase has a
//! request in flight.
//!
//! Records arrive as requests end, their start in the past. Their events wait in a heap until no
//! request still in flight started before them (the run's [`InFlightStarts`] says when), then are
//! swept in time order, ends before starts at one instant: the result is exact, and memory is
//! bounded by the requests that ended while the oldest one in flight ran. Past
//! [`MAX_PENDING`] waiting events the oldest are swept anyway; an event older than the sweep then
//! counts from the sweep's time.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Mutex;
use std::time::Instant;

use hdrhistogram::Histogram;

use super::metrics::Metric;
use super::record::RequestRecord;

/// The largest value the histograms keep apart (× 1000): larger ones count as it in percentiles;
/// the mean, minimum and maximum keep them.
const MAX_WEIGHTED: u64 = 1 << 44;

/// Events that may wait for older requests still in flight.
pub const MAX_PENDING: usize = 1 << 18;

/// Room for waiting events made when the sweep starts (448 KiB): what a run's collector batches
/// and requests in flight need, so the heap does not grow in the middle of a run (a growth
/// there is a step in the run's memory, and leaves a hole in the allocator's heap).
const INITIAL_PENDING: usize = 1 << 13;

/// The start times of the profiled requests in flight, until their records are sent.
#[derive(Debug, Default)]
pub struct InFlightStarts(Mutex<BTreeMap<Instant, u32>>);

impl InFlightStarts {
    /// A request started at `at`.
    pub fn started(&self, at: Instant) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(at).or_insert(0) += 1;
    }

    /// The record of the request started at `at` was sent.
    pub fn released(&self, at: Instant) {
        let mut starts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = starts.get_mut(&at) {
            *count -= 1;
            if *count == 0 {
                starts.remove(&at);
            }
        }
    }

    /// The earliest start still in flight.
    pub fn earliest(&self) -> Option<Instant> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).keys().next().copied()
    }
}

/// An event: its time (ns after the sweep's zero), its order at one instant (ends first), what it
/// changes.
#[derive(Clone, Copy, Debug)]
struct Event {
    at: u64,
    order: u8,
    /// What it adds to the levels (negative to take away).
    delta: Levels,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.order).cmp(&(other.at, other.order))
    }
}

/// The step functions' values between two events; an event's change of them has the same shape.
#[derive(Clone, Copy, Debug, Default)]
struct Levels {
    requests: i32,
    prefill: i32,
    decode: i32,
    prefill_rate: f64,
    decode_rate: f64,
    tokens: f64,
}

/// The sweep-line metrics, in export order: key, unit.
pub const SERIES: [(&str, &str); 14] = [
    ("effective_concurrency", "requests"),
    ("effective_prefill_concurrency", "requests"),
    ("effective_decode_concurrency", "requests"),
    ("effective_prefill_throughput", "tokens/sec"),
    ("effective_decode_throughput", "tokens/sec"),
    ("effective_total_throughput", "tokens/sec"),
    ("effective_prefill_throughput_per_user", "tokens/sec/user"),
    ("effective_decode_throughput_per_user", "tokens/sec/user"),
    ("tokens_in_flight", "tokens"),
    ("active_prefill_throughput", "tokens/sec"),
    ("active_prefill_throughput_per_user", "tokens/sec/user"),
    ("active_decode_throughput", "tokens/sec"),
    ("active_decode_throughput_per_user", "tokens/sec/user"),
    ("active_total_throughput", "tokens/sec"),
];

/// The sweep over one run's records.
pub struct PhaseSweep {
    zero: Instant,
    pending: BinaryHeap<Reverse<Event>>,
    clock: Option<u64>,
    levels: Levels,
    stats: Vec<WeightedStat>,
}

impl PhaseSweep {
    /// A sweep whose times count from `zero` (before any request).
    pub fn new(zero: Instant) -> Self {
        Self {
            zero,
            pending: BinaryHeap::with_capacity(INITIAL_PENDING),
            clock: None,
            levels: Levels::default(),
            stats: SERIES.iter().map(|_| WeightedStat::new()).collect(),
        }
    }

    /// Adds a completed request's events.
    pub fn add(&mut self, record: &RequestRecord) {
        let ns = |at: Instant| u64::try_from(at.saturating_duration_since(self.zero).as_nanos()).unwrap_or(u64::MAX);
        let (start, end) = (ns(record.started), ns(record.ended).max(ns(record.started)));
        // Unstreamed requests have no first token: the whole request is prefill.
        let first = record.value(Metric::TimeToFirstToken).map_or(end, |ttft| (start + (ttft * 1e6) as u64).min(end));
        let (isl, osl) =
            (record.value(Metric::InputSequenceLength).unwrap_or(0.0), record.value(Metric::OutputSequenceLength).unwrap_or(0.0));
        let rate = |tokens: f64, from: u64, to: u64| if to > from { tokens / ((to - from) as f64 / 1e9) } else { 0.0 };
        let (prefill_rate, decode_rate) = (rate(isl, start, first), rate((osl - 1.0).max(0.0), first, end));
        let event = |at, order, delta| Reverse(Event { at, order, delta });
        self.pending.push(event(start, 2, Levels { requests: 1, prefill: 1, prefill_rate, tokens: isl, ..Levels::default() }));
        let first_delta = Levels { prefill: -1, decode: 1, prefill_rate: -prefill_rate, decode_rate, tokens: osl, ..Levels::default() };
        self.pending.push(event(first, 1, first_delta));
        let end_delta = Levels { requests: -1, decode: -1, decode_rate: -decode_rate, tokens: -(isl + osl), ..Levels::default() };
        self.pending.push(event(end, 0, end_delta));
        while self.pending.len() > MAX_PENDING {
            let Some(Reverse(oldest)) = self.pending.pop() else { break };
            self.sweep(oldest);
        }
    }

    /// Sweeps every event before `watermark` (all of them when `None`).
    pub fn advance(&mut self, watermark: Option<Instant>) {
        let limit = watermark.map(|w| u64::try_from(w.saturating_duration_since(self.zero).as_nanos()).unwrap_or(u64::MAX));
        while let Some(Reverse(next)) = self.pending.peek().copied() {
            if limit.is_some_and(|limit| next.at >= limit) {
                break;
            }
            self.pending.pop();
            self.sweep(next);
        }
    }

    fn sweep(&mut self, event: Event) {
        let at = self.clock.map_or(event.at, |clock| event.at.max(clock));
        if let Some(clock) = self.clock
            && at > clock
        {
            self.segment(at - clock);
        }
        self.clock = Some(at);
        let (l, d) = (&mut self.levels, event.delta);
        l.requests += d.requests;
        l.prefill += d.prefill;
        l.decode += d.decode;
        // Sums of rates drift by rounding: nothing in a phase means exactly zero.
        l.prefill_rate = if l.prefill > 0 { l.prefill_rate + d.prefill_rate } else { 0.0 };
        l.decode_rate = if l.decode > 0 { l.decode_rate + d.decode_rate } else { 0.0 };
        l.tokens = if l.requests > 0 { l.tokens + d.tokens } else { 0.0 };
    }

    /// Records the levels held for `ns` nanoseconds.
    fn segment(&mut self, ns: u64) {
        let l = self.levels;
        let per_user = |rate: f64, users: i32| if users > 0 { rate / f64::from(users) } else { 0.0 };
        let total = l.prefill_rate + l.decode_rate;
        let values = [
            Some(f64::from(l.requests)),
            Some(f64::from(l.prefill)),
            Some(f64::from(l.decode)),
            Some(l.prefill_rate),
            Some(l.decode_rate),
            Some(total),
            Some(per_user(l.prefill_rate, l.prefill)),
            Some(per_user(l.decode_rate, l.decode)),
            Some(l.tokens),
            (l.prefill > 0).then_some(l.prefill_rate),
            (l.prefill > 0).then(|| per_user(l.prefill_rate, l.prefill)),
            (l.decode > 0).then_some(l.decode_rate),
            (l.decode > 0).then(|| per_user(l.decode_rate, l.decode)),
            (l.requests > 0).then_some(total),
        ];
        for (stat, value) in self.stats.iter_mut().zip(values) {
            if let Some(value) = value {
                stat.record(value, ns);
            }
        }
    }

    /// Sweeps what is left and gives every series' summary that has a window.
    pub fn finish(&mut self) -> Vec<(&'static str, &'static str, WeightedSummary)> {
        self.advance(None);
        SERIES.iter().zip(&self.stats).filter_map(|(&(key, unit), stat)| stat.summary().map(|s| (key, unit, s))).collect()
    }
}

/// Time-weighted statistics of a step function.
struct WeightedStat {
    weight: f64,
    sum: f64,
    sum_sq: f64,
    min: f64,
    max: f64,
    /// Values (× 1000) weighted by µs held.
    histogram: Histogram<u64>,
}

/// A time-weighted summary, AIPerf's fields for these metrics.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct WeightedSummary {
    /// Time-weighted mean.
    pub avg: f64,
    /// Lowest value held for any time.
    pub min: f64,
    /// Highest value held for any time.
    pub max: f64,
    /// Value held at or below for half of the window.
    pub p50: f64,
    #[allow(missing_docs)]
    pub p90: f64,
    #[allow(missing_docs)]
    pub p95: f64,
    #[allow(missing_docs)]
    pub p99: f64,
    /// Time-weighted standard deviation.
    pub std: f64,
}

impl WeightedStat {
    fn new() -> Self {
        // Sized once for every value a run records (as the per-request statistics are): a
        // histogram that grows with the values would make a long run's memory drift.
        let histogram = Histogram::new_with_max(MAX_WEIGHTED, 3).expect("valid bounds");
        Self { weight: 0.0, sum: 0.0, sum_sq: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY, histogram }
    }

    fn record(&mut self, value: f64, ns: u64) {
        if !value.is_finite() {
            return;
        }
        let weight = ns as f64;
        self.weight += weight;
        self.sum += value * weight;
        self.sum_sq += value * value * weight;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        let micros = ns.div_ceil(1000);
        let _ = self.histogram.record_n(super::stats::round(value.max(0.0) * 1e3).min(MAX_WEIGHTED), micros);
    }

    fn summary(&self) -> Option<WeightedSummary> {
        if self.weight <= 0.0 {
            return None;
        }
        let avg = self.sum / self.weight;
        let q = |p: f64| (self.histogram.value_at_quantile(p) as f64 / 1e3).clamp(self.min, self.max);
        let std = (self.sum_sq / self.weight - avg * avg).max(0.0).sqrt();
        Some(WeightedSummary { avg, min: self.min, max: self.max, p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), std })
    }
}

#[cfg(test)]
mod tests;
