//! Time-weighted statistics of a step function, and of its active part: the same function
//! without the time its phase was idle.

use hdrhistogram::Histogram;

use crate::profile::stats::round_capped;

/// The largest value the histograms keep apart (× 1000): larger ones count as it in percentiles;
/// the mean, minimum and maximum keep them.
const MAX_WEIGHTED: u64 = 1 << 44;

/// Time-weighted statistics of a step function.
pub(super) struct WeightedStat {
    weight: f64,
    sum: f64,
    sum_sq: f64,
    min: f64,
    max: f64,
    /// Values (× 1000) weighted by ns held.
    histogram: Histogram<u64>,
    /// The value held since the last change, and for how long: consecutive segments of one value
    /// (a concurrency between two chunks of a stream) are recorded once.
    held: (f64, u64),
}

/// When a series was active, for its `active_*` twin: a series that is 0 exactly while idle (a
/// phase's throughput with no request in that phase). Its active statistics are the series'
/// own without the idle time: the same sums (idle time adds zeros to them), the active weight,
/// the histogram less the idle nanoseconds at 0, and the active minimum and maximum.
pub(super) struct Activity {
    weight: f64,
    idle_ns: u64,
    min: f64,
    max: f64,
}

/// A time-weighted summary, AIPerf's fields for these metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct WeightedSummary {
    /// Time-weighted mean.
    pub avg: f64,
    /// Lowest value held for any time.
    pub min: f64,
    /// Highest value held for any time.
    pub max: f64,
    /// Value held at or below for half of the window.
    pub p50: f64,
    /// The 90th percentile: the value held at or below for that percentage of the time.
    pub p90: f64,
    /// The 95th percentile: the value held at or below for that percentage of the time.
    pub p95: f64,
    /// The 99th percentile: the value held at or below for that percentage of the time.
    pub p99: f64,
    /// Time-weighted standard deviation.
    pub std: f64,
}

impl WeightedStat {
    pub(super) fn new() -> Self {
        // Sized once for every value a run records (as the per-request statistics are): a
        // histogram that grows with the values would make a long run's memory drift.
        let histogram = Histogram::new_with_max(MAX_WEIGHTED, 3).expect("valid bounds");
        Self { weight: 0.0, sum: 0.0, sum_sq: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY, histogram, held: (0.0, 0) }
    }

    /// `value` held for `ns` nanoseconds (not counted unless finite).
    #[inline]
    pub(super) fn record(&mut self, value: f64, ns: u64) {
        if !value.is_finite() {
            return;
        }
        if value == self.held.0 {
            self.held.1 += ns;
            return;
        }
        self.flush();
        self.held = (value, ns);
    }

    /// Counts the value held so far (before a summary is read).
    pub(super) fn flush(&mut self) {
        let (value, ns) = std::mem::replace(&mut self.held, (0.0, 0));
        if ns == 0 {
            return;
        }
        let weight = ns as f64;
        self.weight += weight;
        self.sum += value * weight;
        self.sum_sq += value * value * weight;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        let _ = self.histogram.record_n(round_capped(value * 1e3, MAX_WEIGHTED), ns);
    }

    /// The summary over the whole window, if it has any time ([`WeightedStat::flush`] first).
    pub(super) fn summary(&self) -> Option<WeightedSummary> {
        self.summarize(self.weight, self.min, self.max, &self.histogram)
    }

    /// The summary over the time `activity` says the series was active, if any.
    pub(super) fn active_summary(&self, activity: &Activity) -> Option<WeightedSummary> {
        if activity.weight <= 0.0 {
            return None;
        }
        let mut histogram = self.histogram.clone();
        let mut idle = Histogram::new_from(&self.histogram);
        // Every idle segment was recorded at 0 in this histogram with the same nanoseconds, so
        // neither step can fail; were one to, the series would be left out, not misreported.
        let subtracted = idle.record_n(0, activity.idle_ns).is_ok() && histogram.subtract(&idle).is_ok();
        debug_assert!(subtracted, "the idle time is part of the histogram's count at 0");
        subtracted.then_some(())?;
        self.summarize(activity.weight, activity.min, activity.max, &histogram)
    }

    fn summarize(&self, weight: f64, min: f64, max: f64, histogram: &Histogram<u64>) -> Option<WeightedSummary> {
        debug_assert_eq!(self.held.1, 0, "flushed before a summary");
        if weight <= 0.0 {
            return None;
        }
        let avg = self.sum / weight;
        let q = |p: f64| (histogram.value_at_quantile(p) as f64 / 1e3).clamp(min, max);
        let std = (self.sum_sq / weight - avg * avg).max(0.0).sqrt();
        Some(WeightedSummary { avg, min, max, p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), std })
    }
}

impl Activity {
    pub(super) fn new() -> Self {
        Self { weight: 0.0, idle_ns: 0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }

    /// The series held `value` for `ns` nanoseconds, its phase `active` or not (when not, the
    /// value is 0). Not counted unless finite, as [`WeightedStat::record`] does.
    pub(super) fn record(&mut self, value: f64, ns: u64, active: bool) {
        if !value.is_finite() {
            return;
        }
        if active {
            self.weight += ns as f64;
            self.min = self.min.min(value);
            self.max = self.max.max(value);
        } else {
            debug_assert!(value == 0.0, "an idle series is 0");
            self.idle_ns += ns;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Activity, WeightedStat};

    #[test]
    fn the_active_part_is_the_series_without_its_idle_time() {
        // (value, ns, active): idle stretches at 0, active ones at various values (0 included,
        // as a phase with no input tokens has), segments not whole microseconds.
        let segments = [
            (0.0, 5_000, false),
            (120.5, 1_500, true),
            (0.0, 2_000, true),
            (80.25, 10_001, true),
            (0.0, 7_000_000, false),
            (3_000.0, 999, true),
            (0.0, 1, false),
            (120.5, 250_000, true),
        ];
        let (mut series, mut activity, mut alone) = (WeightedStat::new(), Activity::new(), WeightedStat::new());
        for (value, ns, active) in segments {
            series.record(value, ns);
            activity.record(value, ns, active);
            if active {
                alone.record(value, ns);
            }
        }
        series.flush();
        alone.flush();
        let derived = series.active_summary(&activity).expect("active for some time");
        assert_eq!(Some(derived), alone.summary(), "the same as a series kept apart");
        assert!(series.summary().expect("a window").avg < derived.avg, "the idle time lowers the whole window's mean");
    }

    #[test]
    fn never_active_has_no_active_summary() {
        let (mut series, mut activity) = (WeightedStat::new(), Activity::new());
        series.record(0.0, 1_000);
        activity.record(0.0, 1_000, false);
        series.flush();
        assert!(series.summary().is_some());
        assert_eq!(series.active_summary(&activity), None);
    }
}
