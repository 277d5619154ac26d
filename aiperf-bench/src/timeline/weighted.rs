//! Time-weighted statistics of a step function, and of its active part: the same function
//! without the time its stage was idle.
//!
//! Percentiles are AIPerf's: the lowest value held at or below which the share `p` of the time
//! was spent (its weighted CDF, no interpolation). They are exact while a series took at most
//! [`MAX_EXACT`] distinct values (every concurrency series does, and throughputs over short
//! runs); past that, an HDR histogram of 3 significant digits gives them within 0.1%.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use hdrhistogram::Histogram;

use crate::stats::round_capped;

/// The largest value the histograms keep apart (× 1000): larger ones count as it in percentiles;
/// the mean, minimum and maximum keep them.
const MAX_WEIGHTED: u64 = 1 << 44;

/// Distinct values a series keeps exactly (16 bytes each, about 1 MiB at most per series).
const MAX_EXACT: usize = 1 << 16;

/// The percentiles of a summary.
const PERCENTILES: [f64; 4] = [0.5, 0.9, 0.95, 0.99];

/// Time-weighted statistics of a step function.
pub(super) struct WeightedStat {
    weight: f64,
    sum: f64,
    sum_sq: f64,
    min: f64,
    max: f64,
    /// Values (× 1000) weighted by ns held.
    histogram: Histogram<u64>,
    /// Each distinct value (its bits, `-0.0` as `0.0`) and the ns it was held, until there are
    /// more than [`MAX_EXACT`].
    exact: Option<HashMap<u64, u64, BuildHasherDefault<BitsHasher>>>,
    /// The value held since the last change, and for how long: consecutive segments of one value
    /// (a concurrency between two chunks of a stream) are recorded once.
    held: (f64, u64),
}

/// When a series was active, for its `active_*` twin: a series that is 0 exactly while idle (a
/// stage's throughput with no request in that stage). Its active statistics are the series'
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
        let exact = Some(HashMap::default());
        Self { weight: 0.0, sum: 0.0, sum_sq: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY, histogram, exact, held: (0.0, 0) }
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
        if let Some(exact) = &mut self.exact {
            *exact.entry((value + 0.0).to_bits()).or_insert(0) += ns;
            if exact.len() > MAX_EXACT {
                self.exact = None;
            }
        }
    }

    /// The summary over the whole window, if it has any time ([`WeightedStat::flush`] first).
    pub(super) fn summary(&self) -> Option<WeightedSummary> {
        self.summarize(self.weight, self.min, self.max, &self.histogram, 0)
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
        self.summarize(activity.weight, activity.min, activity.max, &histogram, activity.idle_ns)
    }

    /// The summary of `weight` ns between `min` and `max`: `histogram` holds them, and so does
    /// the exact map, less `idle_ns` at 0.
    fn summarize(&self, weight: f64, min: f64, max: f64, histogram: &Histogram<u64>, idle_ns: u64) -> Option<WeightedSummary> {
        debug_assert_eq!(self.held.1, 0, "flushed before a summary");
        if weight <= 0.0 {
            return None;
        }
        let avg = self.sum / weight;
        let [p50, p90, p95, p99] = match &self.exact {
            Some(exact) => exact_percentiles(exact, idle_ns)?,
            None => PERCENTILES.map(|p| (histogram.value_at_quantile(p) as f64 / 1e3).clamp(min, max)),
        };
        let std = (self.sum_sq / weight - avg * avg).max(0.0).sqrt();
        Some(WeightedSummary { avg, min, max, p50, p90, p95, p99, std })
    }
}

/// Hashes a value's bits with one multiplication, its high half folded into the low one (so that
/// the low bits, which pick a bucket, depend on every bit: integral values' low mantissa bits are
/// all 0). The keys are the run's own values, no adversary's: SipHash's cost bought nothing, on a
/// path taken at every change of a series.
#[derive(Clone, Copy, Debug, Default)]
struct BitsHasher(u64);

impl Hasher for BitsHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(self.0 ^ u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let h = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

/// AIPerf's weighted percentiles of the values in `exact` less `idle_ns` at 0: for each `p`, the
/// first value, in ascending order, at which the running share of the time reaches `p`.
fn exact_percentiles(exact: &HashMap<u64, u64, BuildHasherDefault<BitsHasher>>, idle_ns: u64) -> Option<[f64; 4]> {
    let zero = 0.0_f64.to_bits();
    let mut held: Vec<(f64, u64)> = exact
        .iter()
        .map(|(&bits, &ns)| (f64::from_bits(bits), if bits == zero { ns.saturating_sub(idle_ns) } else { ns }))
        .filter(|&(_, ns)| ns > 0)
        .collect();
    held.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let total = held.iter().map(|&(_, ns)| ns).sum::<u64>() as f64;
    let (&(last, _), mut cumulative, mut at) = (held.last()?, 0u64, 0);
    Some(PERCENTILES.map(|p| {
        while let Some(&(value, ns)) = held.get(at) {
            if (cumulative + ns) as f64 / total >= p {
                return value;
            }
            cumulative += ns;
            at += 1;
        }
        last
    }))
}

impl Activity {
    pub(super) fn new() -> Self {
        Self { weight: 0.0, idle_ns: 0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }

    /// The series held `value` for `ns` nanoseconds, its stage `active` or not (when not, the
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
    use super::{Activity, MAX_EXACT, WeightedStat};

    /// The summary of `segments` (value, ns).
    fn summary(segments: impl IntoIterator<Item = (f64, u64)>) -> super::WeightedSummary {
        let mut series = WeightedStat::new();
        segments.into_iter().for_each(|(value, ns)| series.record(value, ns));
        series.flush();
        series.summary().expect("some time")
    }

    #[test]
    fn percentiles_are_the_values_held_as_aiperf_reads_its_weighted_cdf() {
        // In order, 1.0001 is held 40% of the time, 2.5 45%, 7.25 5%, 1000.123 10%: p50 is
        // reached within 2.5, p90 exactly at the end of 7.25, p95 and p99 within 1000.123.
        let s = summary([(2.5, 450), (1.0001, 400), (1000.123, 100), (7.25, 50)]);
        assert_eq!((s.p50, s.p90, s.p95, s.p99), (2.5, 7.25, 1000.123, 1000.123));
        assert_eq!((s.min, s.max), (1.0001, 1000.123));
        let zeros = summary([(0.0, 10), (-0.0, 5)]);
        assert_eq!((zeros.p50, zeros.p99, zeros.avg), (0.0, 0.0, 0.0), "all zeros: zero, exactly");
    }

    #[test]
    fn past_the_exact_bound_percentiles_come_within_a_thousandth() {
        // MAX_EXACT + 1 distinct values, each 1 ns: the median is the middle one.
        let values = (0..=MAX_EXACT).map(|i| (1.0 + i as f64 * 0.001, 1));
        let s = summary(values);
        let middle = 1.0 + (MAX_EXACT / 2) as f64 * 0.001;
        assert!((s.p50 - middle).abs() <= middle * 1e-3, "{} against {middle}", s.p50);
    }

    #[test]
    fn the_active_part_is_the_series_without_its_idle_time() {
        // (value, ns, active): idle stretches at 0, active ones at various values (0 included,
        // as a stage with no input tokens has), segments not whole microseconds.
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
