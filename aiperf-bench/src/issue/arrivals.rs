//! When the next request (or session) of a phase is due: the arrival source of the one issuer.
//! A closed loop sends as soon as a slot is free; a rate spaces sends by the build's arrival
//! pattern (`constant`, `poisson`, or a plugin's) from seeded random numbers; a fixed schedule
//! sends each of its entries at its time.

use std::time::{Duration, Instant};

use aiperf_core::ArrivalPattern;

use super::curve::CurveArrivals;
use crate::fixed_schedule::Replay;
use crate::plan::Plan;

/// The next send: when it is due, and for a fixed schedule which entry it sends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Arrival {
    /// None: now (a closed loop sends when a slot is free).
    pub due: Option<Instant>,
    /// The fixed schedule's entry, whose due time is its schedule (the record's schedule lag).
    pub scheduled_entry: Option<usize>,
}

/// A phase's arrivals.
pub(super) enum Arrivals<'a> {
    /// Each request as soon as a slot is free.
    ClosedLoop,
    /// `rate` per second from `start`, gaps spread by `pattern`; `at` is the next one's offset, in
    /// seconds.
    Rate { start: Instant, at: f64, rate: f64, pattern: &'a dyn ArrivalPattern, rng: fastrand::Rng },
    /// A rate that changes through the phase, from `start`.
    Curve { start: Instant, arrivals: CurveArrivals<'a> },
    /// Each entry of a fixed schedule at its offset from `start`.
    Schedule { start: Instant, sends: std::slice::Iter<'a, (Duration, u32)> },
}

impl<'a> Arrivals<'a> {
    /// The arrivals of `plan` starting now, a rate's gaps spread by `pattern`; `schedule`, when
    /// the phase follows one.
    pub(super) fn new(plan: &Plan, pattern: &'a dyn ArrivalPattern, schedule: Option<&'a Replay>) -> Self {
        match (schedule, plan.rate) {
            (Some(replay), _) => Self::Schedule { start: Instant::now(), sends: replay.sends.iter() },
            (None, Some(rate)) => match &plan.curve {
                Some(curve) => Self::Curve { start: Instant::now(), arrivals: CurveArrivals::new(curve.clone(), pattern, plan.seed) },
                None => Self::Rate { start: Instant::now(), at: 0.0, rate, pattern, rng: fastrand::Rng::with_seed(plan.seed) },
            },
            (None, None) => Self::ClosedLoop,
        }
    }

    /// Whether sends wait for nothing but a free slot.
    pub(super) fn is_closed_loop(&self) -> bool {
        matches!(self, Self::ClosedLoop)
    }

    /// The next send; none once a schedule is over (or a time would overflow the clock).
    pub(super) fn next(&mut self) -> Option<Arrival> {
        match self {
            Self::ClosedLoop => Some(Arrival { due: None, scheduled_entry: None }),
            Self::Rate { start, at, rate, pattern, rng } => {
                let due = Duration::try_from_secs_f64(*at).ok().and_then(|offset| start.checked_add(offset))?;
                *at += pattern.gap(*rate, &mut || rng.f64());
                Some(Arrival { due: Some(due), scheduled_entry: None })
            }
            Self::Curve { start, arrivals } => {
                let due = Duration::try_from_secs_f64(arrivals.next_offset()).ok().and_then(|offset| start.checked_add(offset))?;
                Some(Arrival { due: Some(due), scheduled_entry: None })
            }
            Self::Schedule { start, sends } => {
                let &(offset, entry) = sends.next()?;
                Some(Arrival { due: Some(start.checked_add(offset)?), scheduled_entry: Some(entry as usize) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::{ConstantArrivals, PoissonArrivals};

    fn plan(rate: Option<f64>) -> Plan {
        Plan {
            count: None,
            deadline: None,
            cutoff: None,
            concurrency: None,
            rate,
            seed: 7,
            concurrency_ramp: None,
            curve: None,
            prefill_concurrency: None,
            prefill_ramp: None,
            cancellation: None,
            users: None,
        }
    }

    fn offsets(arrivals: &mut Arrivals<'_>, start: Instant, n: usize) -> Vec<f64> {
        (0..n).map(|_| arrivals.next().unwrap().due.unwrap().duration_since(start).as_secs_f64()).collect()
    }

    #[test]
    fn a_constant_rate_spaces_sends_evenly_from_the_start() {
        let mut arrivals = Arrivals::new(&plan(Some(4.0)), &ConstantArrivals, None);
        let Arrivals::Rate { start, .. } = arrivals else { panic!("a rate") };
        assert_eq!(offsets(&mut arrivals, start, 4), [0.0, 0.25, 0.5, 0.75]);
    }

    #[test]
    fn poisson_gaps_average_the_rate_and_follow_the_seed() {
        let gaps = |seed| {
            let mut arrivals = Arrivals::new(&Plan { seed, ..plan(Some(100.0)) }, &PoissonArrivals, None);
            let Arrivals::Rate { start, .. } = arrivals else { panic!("a rate") };
            offsets(&mut arrivals, start, 10_001)
        };
        let (a, b, c) = (gaps(7), gaps(7), gaps(8));
        assert_eq!(a, b, "one seed, one series");
        assert_ne!(a, c, "another seed, another series");
        // 10,000 exponential gaps of mean 10 ms: within 5% (about five standard errors).
        assert!((a[10_000] / 10_000.0 - 0.01).abs() < 0.0005, "mean gap {}", a[10_000] / 10_000.0);
    }

    #[test]
    fn a_schedule_sends_its_entries_at_their_offsets_then_ends() {
        let replay = Replay { sends: vec![(Duration::ZERO, 2), (Duration::from_millis(5), 0)] };
        let mut arrivals = Arrivals::new(&plan(Some(1.0)), &PoissonArrivals, Some(&replay));
        let Arrivals::Schedule { start, .. } = arrivals else { panic!("the schedule wins over a rate") };
        let first = arrivals.next().unwrap();
        assert_eq!((first.due, first.scheduled_entry), (Some(start), Some(2)));
        assert_eq!(arrivals.next().unwrap().due, Some(start + Duration::from_millis(5)));
        assert_eq!(arrivals.next(), None);
    }

    #[test]
    fn a_closed_loop_never_waits() {
        let mut arrivals = Arrivals::new(&plan(None), &PoissonArrivals, None);
        assert!(arrivals.is_closed_loop());
        assert_eq!(arrivals.next(), Some(Arrival { due: None, scheduled_entry: None }));
    }
}
