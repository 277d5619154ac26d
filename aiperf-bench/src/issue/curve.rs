//! A rate that changes through a phase, as AIPerf 0.13 changes it: `--request-rate-ramp-duration`
//! (from `R × u / D` up to `R`, linearly over `D`) and then `--request-rate-series` (its points
//! joined by straight lines, the last one held), set every `u` (0.1 s). When the rate changes, the
//! next arrival comes at the earlier of its time and one fresh gap at the new rate from now, and
//! the first arrival comes one gap after the phase starts. The arrival times are a pure function of
//! the curve, the pattern and the seed.

use aiperf_core::ArrivalPattern;

/// AIPerf's `AIPERF_TIMING_RATE_RAMP_UPDATE_INTERVAL` default: the rate is set every 0.1 s.
pub const UPDATE_INTERVAL: f64 = 0.1;

/// A rate over a phase's time.
#[derive(Clone, Debug, PartialEq)]
pub struct RateCurve {
    /// Seconds between two settings of the rate.
    pub tick: f64,
    /// `--request-rate-ramp-duration`, in seconds, and the rate it ramps to.
    pub ramp: Option<(f64, f64)>,
    /// `--request-rate-series`: `(seconds, requests per second)`, at least two, in time order;
    /// it starts when the ramp ends.
    pub series: Option<crate::config::RatePoints>,
}

impl RateCurve {
    /// The rate set at tick `k` (time `k × tick`), in force until the next.
    pub fn at_tick(&self, k: u64) -> f64 {
        let t = k as f64 * self.tick;
        let delay = match self.ramp {
            Some((duration, target)) if t < duration => {
                let start = target * self.tick / duration;
                return start + (target - start) * t / duration;
            }
            Some((_, target)) if self.series.is_none() => return target,
            Some((duration, _)) => duration,
            None => 0.0,
        };
        self.series.as_deref().map_or(0.0, |points| value_at(points, t - delay))
    }
}

/// A series' rate `s` seconds after it starts: the first point's before it, the last's after.
fn value_at(points: &[(f64, f64)], s: f64) -> f64 {
    let (first, last) = (points[0], points[points.len() - 1]);
    if s <= first.0 {
        return first.1;
    }
    if s >= last.0 {
        return last.1;
    }
    let after = points.iter().position(|p| p.0 > s).unwrap_or(points.len() - 1);
    let (a, b) = (points[after - 1], points[after]);
    a.1 + (b.1 - a.1) * (s - a.0) / (b.0 - a.0)
}

/// The arrivals of a curve: each one's offset from the phase's start, in seconds.
pub(super) struct CurveArrivals<'a> {
    curve: RateCurve,
    pattern: &'a dyn ArrivalPattern,
    rng: fastrand::Rng,
    /// The last tick applied, and the rate it set.
    tick: u64,
    rate: f64,
    /// The next arrival's offset.
    next: f64,
}

impl<'a> CurveArrivals<'a> {
    /// The arrivals of `curve`, gaps spread by `pattern` from `seed`.
    pub(super) fn new(curve: RateCurve, pattern: &'a dyn ArrivalPattern, seed: u64) -> Self {
        let rate = curve.at_tick(0);
        let mut arrivals = Self { curve, pattern, rng: fastrand::Rng::with_seed(seed), tick: 0, rate, next: 0.0 };
        arrivals.next = arrivals.after(0.0);
        arrivals
    }

    /// The next arrival's offset; the one after it is drawn.
    pub(super) fn next_offset(&mut self) -> f64 {
        let due = self.next;
        self.next = self.after(due);
        due
    }

    fn gap(&mut self, rate: f64) -> f64 {
        let rng = &mut self.rng;
        self.pattern.gap(rate, &mut || rng.f64())
    }

    /// The arrival after one at `from`: a gap at the rate in force, brought forward by each
    /// change of rate before it comes.
    fn after(&mut self, from: f64) -> f64 {
        let mut next = from + self.gap(self.rate);
        loop {
            let k = self.tick + 1;
            let at = k as f64 * self.curve.tick;
            if at >= next {
                return next;
            }
            self.tick = k;
            let rate = self.curve.at_tick(k);
            if rate != self.rate {
                self.rate = rate;
                next = next.min(at + self.gap(rate));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::builtins::ConstantArrivals;

    #[test]
    fn a_ramp_rises_linearly_from_its_first_tick_to_its_rate() {
        let curve = RateCurve { tick: 0.1, ramp: Some((2.0, 10.0)), series: None };
        assert_eq!(curve.at_tick(0), 0.5, "R × u / D");
        assert!((curve.at_tick(10) - 5.25).abs() < 1e-12, "halfway");
        assert_eq!((curve.at_tick(20), curve.at_tick(1000)), (10.0, 10.0));
    }

    #[test]
    fn a_series_joins_its_points_and_holds_the_last_after_its_ramp() {
        let series: Arc<[(f64, f64)]> = Arc::from(vec![(0.0, 2.0), (2.0, 10.0)]);
        let curve = RateCurve { tick: 0.1, ramp: None, series: Some(Arc::clone(&series)) };
        assert_eq!((curve.at_tick(0), curve.at_tick(10), curve.at_tick(50)), (2.0, 6.0, 10.0));
        let ramped = RateCurve { tick: 0.1, ramp: Some((1.0, 2.0)), series: Some(series) };
        assert_eq!((ramped.at_tick(0), ramped.at_tick(10), ramped.at_tick(20)), (0.2, 2.0, 6.0), "the series after the ramp");
    }

    #[test]
    fn arrivals_follow_aiperf_s_rule_for_a_changing_rate() {
        // AIPerf 0.13, constant pattern, R = 10 over a 2 s ramp: the first request at about
        // 0.82 s (the initial 0.5/s brought forward as the rate rises), then ever shorter gaps
        // down to 0.1 s.
        let curve = RateCurve { tick: 0.1, ramp: Some((2.0, 10.0)), series: None };
        let mut arrivals = CurveArrivals::new(curve, &ConstantArrivals, 1);
        let times: Vec<f64> = (0..30).map(|_| arrivals.next_offset()).collect();
        assert!((0.75..0.9).contains(&times[0]), "{times:?}");
        let gaps: Vec<f64> = times.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.windows(2).all(|g| g[1] <= g[0] + 1e-9), "gaps shrink as the rate rises: {gaps:?}");
        assert!((gaps[gaps.len() - 1] - 0.1).abs() < 1e-9, "10 per second once ramped: {gaps:?}");
    }
}
