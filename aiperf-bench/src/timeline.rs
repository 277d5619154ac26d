//! AIPerf 0.13's time-weighted ("sweep-line") metrics: over the profiling phase's window (from its
//! start, the timeline's zero, idle until the first request, to the last request's end), step functions of what is in flight: requests, those in prefill (start
//! to first token) and in decode (first token to end), their token rates (decode chunk by chunk,
//! as AIPerf's default), and tokens in flight ([`Timeline::add`]).
//! `effective_*` weigh every instant of the window; `active_*` only instants when that stage (prefill or decode) has a
//! request in flight.
//!
//! Records arrive as requests end, their start in the past. Their events wait (each request's in
//! a run of its own, `queue.rs`) until no request still in flight started before them (the run's
//! `InFlightStarts` of the request path says when), then are swept in time order, a request's own events in their
//! order at one instant (start, first token, chunks, end: a level never goes below zero): the
//! result is exact, and memory is bounded by the requests that ended while the oldest one in
//! flight ran. Past [`MAX_PENDING`] waiting events the oldest are swept anyway; an event older than
//! the sweep then counts from the sweep's time.

use std::time::Instant;

use super::metrics::Metric;
use super::record::RequestRecord;
use queue::Queue;
pub use weighted::WeightedSummary;
use weighted::{Activity, WeightedStat};

/// The order of a request's events that fall at one instant.
const START: u8 = 0;
/// See [`START`].
const FIRST: u8 = 1;
/// See [`START`].
const CHUNK: u8 = 2;
/// See [`START`].
const END: u8 = 3;

/// Events that may wait for older requests still in flight.
pub const MAX_PENDING: usize = 1 << 18;

/// Room for requests waiting to be swept made when the sweep starts: what a run's collector
/// batches and requests in flight need, so the queue does not grow in the middle of a run (a
/// growth there is a step in the run's memory, and leaves a hole in the allocator's heap).
const INITIAL_PENDING: usize = 1 << 11;

/// An event: its time (ns after the timeline's zero), its order at one instant ([`START`], [`FIRST`],
/// [`CHUNK`], [`END`]: a request's events at one instant apply in the order they happened), what it
/// changes.
#[derive(Clone, Copy, Debug)]
struct Event {
    at: u64,
    order: u8,
    /// What it adds to the levels (negative to take away).
    delta: Levels,
}

/// The step functions' values between two events; an event's change of them has the same shape.
#[derive(Clone, Copy, Debug, Default)]
struct Levels {
    requests: i32,
    prefill: i32,
    decode: i32,
    prefill_rate: f64,
    /// Decode throughput chunk by chunk (each gap's share of the output over the gap).
    decode_rate: f64,
    /// Decode throughput request by request (OSL − 1 over the decode), for the total.
    uniform_rate: f64,
    tokens: f64,
}

/// The sweep-line metrics, in export order: key, title (AIPerf's), unit. The `effective_*` ones and
/// `tokens_in_flight` come first, one [`WeightedStat`] each; the `active_*` ones follow.
pub const SERIES: [(&str, &str, &str); 14] = [
    ("effective_concurrency", "Effective Concurrency", "requests"),
    ("effective_prefill_concurrency", "Effective Prefill Concurrency", "requests"),
    ("effective_decode_concurrency", "Effective Decode Concurrency", "requests"),
    ("effective_prefill_throughput", "Effective Prefill Throughput", "tokens/sec"),
    ("effective_decode_throughput", "Effective Decode Throughput", "tokens/sec"),
    ("effective_total_throughput", "Effective Total Throughput", "tokens/sec"),
    ("effective_prefill_throughput_per_user", "Effective Prefill Throughput Per User", "tokens/sec/user"),
    ("effective_decode_throughput_per_user", "Effective Decode Throughput Per User", "tokens/sec/user"),
    ("tokens_in_flight", "Tokens In Flight", "tokens"),
    ("active_prefill_throughput", "Active Prefill Throughput", "tokens/sec"),
    ("active_prefill_throughput_per_user", "Active Prefill Throughput Per User", "tokens/sec/user"),
    ("active_decode_throughput", "Active Decode Throughput", "tokens/sec"),
    ("active_decode_throughput_per_user", "Active Decode Throughput Per User", "tokens/sec/user"),
    ("active_total_throughput", "Active Total Throughput", "tokens/sec"),
];

/// One sweep-line metric's result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Series {
    /// Export key.
    pub key: &'static str,
    /// AIPerf's title.
    pub title: &'static str,
    /// Unit.
    pub unit: &'static str,
    /// Its statistics.
    pub summary: WeightedSummary,
}

/// The effective series each `active_*` series (the last of [`SERIES`], in order) is the active
/// part of: the prefill and decode throughputs and their per-user values, and the total. Each is
/// 0 exactly while its stage has no request in flight (the levels reset it), so the active
/// series is the effective one less that idle time, kept by an [`Activity`] instead of a
/// histogram of its own (one histogram record less per series at each event).
const ACTIVE_OF: [usize; 5] = [3, 6, 4, 7, 5];

/// The effective series and `tokens_in_flight`: every series but the active ones.
const EFFECTIVE: usize = SERIES.len() - ACTIVE_OF.len();

/// The sweep over one run's records.
pub struct Timeline {
    zero: Instant,
    pending: Queue,
    clock: u64,
    levels: Levels,
    stats: Vec<WeightedStat>,
    activity: [Activity; ACTIVE_OF.len()],
}

impl Timeline {
    /// A sweep whose window opens at `zero`, the phase's start (before any request).
    pub fn new(zero: Instant) -> Self {
        Self {
            zero,
            pending: Queue::with_capacity(INITIAL_PENDING),
            clock: 0,
            levels: Levels::default(),
            stats: (0..EFFECTIVE).map(|_| WeightedStat::new()).collect(),
            activity: [(); ACTIVE_OF.len()].map(|()| Activity::new()),
        }
    }

    /// Adds a completed request's events, as AIPerf 0.13 builds its curves by default:
    /// - a request is in flight from its start to its end;
    /// - one with a first token (streamed, content came, no error) is in prefill until then, at
    ///   ISL over that time, and in decode after it; one without is in neither (AIPerf's rule:
    ///   a request not streamed has no first token, and counts in the concurrency alone);
    /// - its decode throughput is counted chunk by chunk: each gap between content chunks
    ///   carries an equal share of the output after the first token, at its own rate, and
    ///   nothing after the last chunk; its total throughput is request-level (ISL over the
    ///   prefill, OSL − 1 spread evenly over the decode);
    /// - its tokens in flight are ISL from the start, one at the first token and an equal share
    ///   of the rest at each later chunk (output only when there are two chunks or more), until
    ///   the end.
    pub fn add(&mut self, record: &RequestRecord) {
        let ns = |at: Instant| u64::try_from(at.saturating_duration_since(self.zero).as_nanos()).unwrap_or(u64::MAX);
        let (start, end) = (ns(record.started), ns(record.ended).max(ns(record.started)));
        self.pending.push_run(|events| request_events(record, start, end, events));
        while self.pending.len() > MAX_PENDING {
            let Some(oldest) = self.pending.pop() else { break };
            self.sweep(oldest);
        }
    }

    /// Sweeps every event before `watermark` (all of them when `None`).
    pub fn advance(&mut self, watermark: Option<Instant>) {
        let limit = watermark.map(|w| u64::try_from(w.saturating_duration_since(self.zero).as_nanos()).unwrap_or(u64::MAX));
        while let Some(at) = self.pending.next_at() {
            if limit.is_some_and(|limit| at >= limit) {
                break;
            }
            let Some(next) = self.pending.pop() else { break };
            self.sweep(next);
        }
    }

    fn sweep(&mut self, event: Event) {
        let at = event.at.max(self.clock);
        if at > self.clock {
            self.segment(at - self.clock);
        }
        self.clock = at;
        let (l, d) = (&mut self.levels, event.delta);
        l.requests += d.requests;
        l.prefill += d.prefill;
        l.decode += d.decode;
        // Sums of rates drift by rounding: nothing in a stage means exactly zero.
        l.prefill_rate = if l.prefill > 0 { l.prefill_rate + d.prefill_rate } else { 0.0 };
        l.decode_rate = if l.decode > 0 { l.decode_rate + d.decode_rate } else { 0.0 };
        l.uniform_rate = if l.decode > 0 { l.uniform_rate + d.uniform_rate } else { 0.0 };
        l.tokens = if l.requests > 0 { l.tokens + d.tokens } else { 0.0 };
    }

    /// Records the levels held for `ns` nanoseconds.
    fn segment(&mut self, ns: u64) {
        let mut l = self.levels;
        // A sum of rates or tokens that rounding left a hair below zero is zero: nothing in
        // flight has a negative rate (the parity run showed a minimum of -7e-13).
        for level in [&mut l.prefill_rate, &mut l.decode_rate, &mut l.uniform_rate, &mut l.tokens] {
            *level = level.max(0.0);
        }
        let per_user = |rate: f64, users: i32| if users > 0 { rate / f64::from(users) } else { 0.0 };
        // The total is request-level, as AIPerf's is.
        let total = l.prefill_rate + l.uniform_rate;
        let values = [
            f64::from(l.requests),
            f64::from(l.prefill),
            f64::from(l.decode),
            l.prefill_rate,
            l.decode_rate,
            total,
            per_user(l.prefill_rate, l.prefill),
            per_user(l.decode_rate, l.decode),
            l.tokens,
        ];
        for (stat, value) in self.stats.iter_mut().zip(values) {
            stat.record(value, ns);
        }
        // In the order of ACTIVE_OF: when each active series' stage has a request in flight.
        let active = [l.prefill > 0, l.prefill > 0, l.decode > 0, l.decode > 0, l.requests > 0];
        for ((activity, series), active) in self.activity.iter_mut().zip(ACTIVE_OF).zip(active) {
            activity.record(values[series], ns, active);
        }
    }

    /// Sweeps what is left and gives every series' summary that has a window.
    pub fn finish(&mut self) -> Vec<Series> {
        self.advance(None);
        self.stats.iter_mut().for_each(WeightedStat::flush);
        let effective = self.stats.iter().map(WeightedStat::summary);
        // A stage never active (no request streamed, say) is all zeros, as AIPerf exports it.
        let active = ACTIVE_OF.iter().zip(&self.activity).map(|(&series, activity)| {
            let stat = &self.stats[series];
            stat.active_summary(activity).or_else(|| stat.summary().map(|_| WeightedSummary::default()))
        });
        SERIES
            .iter()
            .zip(effective.chain(active))
            .filter_map(|(&(key, title, unit), summary)| summary.map(|summary| Series { key, title, unit, summary }))
            .collect()
    }
}

/// The events of a request that ran from `start` to `end` (ns after the timeline's zero), in the
/// order they happened, as [`Timeline::add`] describes.
fn request_events(record: &RequestRecord, start: u64, end: u64, events: &mut Vec<Event>) {
    let mut push = |at: u64, order: u8, delta: Levels| events.push(Event { at, order, delta });
    let ttft = record.value(Metric::TimeToFirstToken).filter(|_| record.error.is_none());
    let Some(ttft) = ttft else {
        push(start, START, Levels { requests: 1, ..Levels::default() });
        push(end, END, Levels { requests: -1, ..Levels::default() });
        return;
    };
    let first = (start + (ttft * 1e6) as u64).min(end);
    let (isl, osl) = (record.value(Metric::InputSequenceLength).unwrap_or(0.0), record.value(Metric::OutputSequenceLength).unwrap_or(0.0));
    let rate = |tokens: f64, from: u64, to: u64| if to > from { tokens / ((to - from) as f64 / 1e9) } else { 0.0 };
    let (prefill_rate, uniform_rate) = (rate(isl, start, first), rate((osl - 1.0).max(0.0), first, end));
    let gaps = &record.inter_chunk;
    let nonzero = gaps.iter().filter(|&&gap| gap > 0.0).count();
    let (gap_tokens, chunk_tokens) =
        if gaps.is_empty() { (0.0, 0.0) } else { ((osl - 1.0).max(0.0) / nonzero.max(1) as f64, (osl - 1.0).max(0.0) / gaps.len() as f64) };
    let gap_rate = |gap_ms: f64| if gap_ms > 0.0 { gap_tokens / (gap_ms / 1e3) } else { 0.0 };
    push(start, START, Levels { requests: 1, prefill: 1, prefill_rate, tokens: isl, ..Levels::default() });
    let first_rate = gaps.first().map_or(0.0, |&gap| gap_rate(gap));
    let first_tokens = if gaps.is_empty() { 0.0 } else { 1.0 };
    let first_delta = Levels {
        prefill: -1,
        decode: 1,
        prefill_rate: -prefill_rate,
        decode_rate: first_rate,
        uniform_rate,
        tokens: first_tokens,
        ..Levels::default()
    };
    push(first, FIRST, first_delta);
    // Each later chunk: its share of the output arrives, and the next gap's rate replaces this
    // one's (none after the last); chunk times lie between the first token and the end, in order.
    let (mut at_ms, mut current, mut previous) = (0.0, first_rate, first);
    for (index, &gap) in gaps.iter().enumerate() {
        at_ms += gap;
        let at = (first + (at_ms * 1e6) as u64).clamp(previous, end);
        let next = gaps.get(index + 1).map_or(0.0, |&gap| gap_rate(gap));
        push(at, CHUNK, Levels { decode_rate: next - current, tokens: chunk_tokens, ..Levels::default() });
        (current, previous) = (next, at);
    }
    let last = Levels {
        requests: -1,
        decode: -1,
        decode_rate: -current,
        uniform_rate: -uniform_rate,
        tokens: -(isl + first_tokens + chunk_tokens * gaps.len() as f64),
        ..Levels::default()
    };
    push(end, END, last);
}

mod queue;
mod weighted;

#[cfg(test)]
mod tests;
