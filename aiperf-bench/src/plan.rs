//! The plan of a phase: how many requests, until when, how many in flight, at what rate. Made
//! from the resolved configuration when the phase starts (its clock fixes the deadline); the
//! issuer reads nothing else of the configuration.

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::config::{Cancellation, Config, RatePoints, Users};
use crate::issue::curve::{RateCurve, UPDATE_INTERVAL};

/// How a phase issues requests.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Stop after this many requests (none: until the deadline).
    pub count: Option<u64>,
    /// Stop issuing at this time.
    pub deadline: Option<Instant>,
    /// Cut off requests still in flight at this time (the deadline plus the grace period); they
    /// are recorded as cancelled.
    pub cutoff: Option<Instant>,
    /// Requests in flight (with a rate: the most allowed).
    pub concurrency: Option<usize>,
    /// Requests per second (the issuer's arrival pattern spreads them).
    pub rate: Option<f64>,
    /// Seed of random gaps.
    pub seed: u64,
    /// `--concurrency-ramp-duration`: the concurrency grows from 1 over this long.
    pub concurrency_ramp: Option<Duration>,
    /// A rate that changes through the phase (a rate ramp, a rate series); `rate` is then its
    /// first.
    pub curve: Option<RateCurve>,
    /// `--prefill-concurrency`: the most requests still waiting for their first token.
    pub prefill_concurrency: Option<usize>,
    /// `--prefill-concurrency-ramp-duration`: that limit grows from 1 over this long.
    pub prefill_ramp: Option<Duration>,
    /// Requests cut mid-flight (the profiling phase's alone, as in AIPerf).
    pub cancellation: Option<Cancellation>,
    /// Users sharing a rate (`--user-centric-rate`; the profiling phase's alone).
    pub users: Option<Users>,
}

/// The curve of a rate `rate` ramped over `ramp` and then following `series`; none when it does
/// not change.
fn curve(rate: Option<f64>, ramp: Option<Duration>, series: Option<&RatePoints>) -> Option<RateCurve> {
    let ramp = ramp.zip(rate).map(|(ramp, rate)| (ramp.as_secs_f64(), rate));
    (ramp.is_some() || series.is_some()).then(|| RateCurve { tick: UPDATE_INTERVAL, ramp, series: series.cloned() })
}

impl Plan {
    /// The warmup phase's, started at `started`: its count and duration, its load; requests in
    /// flight are cut off its grace period after the duration (none: never). None when there is
    /// no warmup.
    pub(crate) fn warmup(config: &Config, started: Instant) -> Option<Self> {
        let warmup = config.schedule.warmup?;
        let deadline = warmup.duration.and_then(|d| started.checked_add(d));
        let cutoff = deadline.zip(warmup.grace_period).and_then(|(deadline, grace)| deadline.checked_add(grace));
        let seed = config.schedule.load.seed;
        let concurrency_ramp = config.schedule.load.concurrency_ramp.filter(|_| warmup.concurrency.is_some());
        // A warmup ramps its own rate again; a series is the profiling phase's alone.
        let curve = curve(warmup.rate, config.schedule.load.rate_ramp, None);
        Some(Self {
            count: warmup.count,
            deadline,
            cutoff,
            concurrency: warmup.concurrency,
            rate: warmup.rate,
            seed,
            concurrency_ramp,
            curve,
            prefill_concurrency: config.schedule.load.prefill_concurrency,
            prefill_ramp: config.schedule.load.prefill_ramp,
            cancellation: None,
            users: None,
        })
    }

    /// The profiling phase's, started at `started`; `scheduled`: the sends of a fixed schedule,
    /// which bound the count unless the phase is timed.
    pub(crate) fn profiling(config: &Config, started: Instant, scheduled: Option<usize>) -> Self {
        let schedule = &config.schedule;
        let deadline = schedule.duration.and_then(|d| started.checked_add(d));
        let cutoff = deadline.and_then(|d| d.checked_add(schedule.grace_period));
        let load = &schedule.load;
        let mut count = load.count;
        if let Some(scheduled) = scheduled.filter(|_| deadline.is_none()) {
            count = Some(count.map_or(scheduled as u64, |count| count.min(scheduled as u64)));
        }
        let (concurrency_ramp, curve) = (load.concurrency_ramp, curve(load.rate, load.rate_ramp, load.rate_series.as_ref()));
        let (prefill_concurrency, prefill_ramp) = (load.prefill_concurrency, load.prefill_ramp);
        let (concurrency, rate, seed, cancellation, users) = (load.concurrency, load.rate, load.seed, load.cancellation, load.users);
        Self {
            count,
            deadline,
            cutoff,
            concurrency,
            rate,
            seed,
            concurrency_ramp,
            curve,
            prefill_concurrency,
            prefill_ramp,
            cancellation,
            users,
        }
    }

    /// How long after its send request `index` is cut, if it is one the phase cancels.
    pub(crate) fn cancel_after(&self, index: u64) -> Option<Duration> {
        self.cancellation.and_then(|c| c.after(self.seed, index))
    }

    /// Whether request `index` may still be issued: no stop, not `halted` (the failure limit),
    /// within the count and the deadline.
    pub(crate) fn may_issue(&self, index: u64, stop: &watch::Receiver<bool>, halted: bool) -> bool {
        !*stop.borrow() && !halted && self.count.is_none_or(|n| index < n) && self.deadline.is_none_or(|d| Instant::now() < d)
    }
}
