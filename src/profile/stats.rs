//! Streaming statistics in bounded memory: exact count, sum, mean, std, min, max (Welford) and
//! percentiles from an HDR histogram (3 significant digits), whatever the number of samples.

use hdrhistogram::Histogram;
use serde::Serialize;

/// The largest value a histogram holds (2^44: almost 5 hours in nanoseconds); larger values count
/// as it in percentiles (the exact moments, minimum and maximum keep them as they are).
const MAX_RECORDED: u64 = 1 << 44;

/// One metric's running statistics.
#[derive(Clone, Debug)]
pub struct Stat {
    /// Counts of 32 bits (a bucket saturates past 4 billion values, days of requests at one
    /// value): half the memory of 64-bit counts, so the buckets a run touches stay in cache more.
    histogram: Histogram<u32>,
    scale: f64,
    /// The lowest value recorded; the histogram holds `value − floor`.
    floor: f64,
    count: u64,
    sum: f64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

/// What a record metric reports (AIPerf's keys).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Mean.
    pub avg: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Percentiles.
    pub p1: f64,
    /// The 5th percentile: the value at or below which that percentage of the values fall.
    pub p5: f64,
    /// The 10th percentile: the value at or below which that percentage of the values fall.
    pub p10: f64,
    /// The 25th percentile: the value at or below which that percentage of the values fall.
    pub p25: f64,
    /// The 50th percentile: the value at or below which that percentage of the values fall.
    pub p50: f64,
    /// The 75th percentile: the value at or below which that percentage of the values fall.
    pub p75: f64,
    /// The 90th percentile: the value at or below which that percentage of the values fall.
    pub p90: f64,
    /// The 95th percentile: the value at or below which that percentage of the values fall.
    pub p95: f64,
    /// The 99th percentile: the value at or below which that percentage of the values fall.
    pub p99: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Number of values.
    pub count: u64,
    /// Sum of values.
    pub sum: f64,
}

impl Stat {
    /// Statistics of values kept with `1 / scale` resolution in the histogram (e.g. scale 1e6 for
    /// milliseconds recorded to the nanosecond).
    pub fn new(scale: f64) -> Self {
        Self {
            // Sized once for every value a run can record (the pages it never touches cost no
            // memory), so a long run does not grow and copy it as rare large values arrive.
            histogram: Histogram::new_with_max(MAX_RECORDED, 3).expect("valid bounds"),
            scale,
            floor: 0.0,
            count: 0,
            sum: 0.0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds a value (negative values count as 0 in percentiles).
    pub fn record(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        self.count += 1;
        self.sum += value;
        let delta = value - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (value - self.mean);
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        let _ = self.histogram.record(round_capped((value - self.floor) * self.scale, MAX_RECORDED));
    }

    /// Like [`Stat::new`], for values from `floor` up (a signed percentage from −100).
    pub fn with_floor(scale: f64, floor: f64) -> Self {
        Self { floor, ..Self::new(scale) }
    }

    /// The summary, or `None` when nothing was recorded.
    pub fn summary(&self) -> Option<Summary> {
        if self.count == 0 {
            return None;
        }
        let q = |p: f64| (self.histogram.value_at_quantile(p) as f64 / self.scale + self.floor).clamp(self.min, self.max);
        Some(Summary {
            avg: self.mean,
            min: self.min,
            max: self.max,
            p1: q(0.01),
            p5: q(0.05),
            p10: q(0.10),
            p25: q(0.25),
            p50: q(0.50),
            p75: q(0.75),
            p90: q(0.90),
            p95: q(0.95),
            p99: q(0.99),
            std: (self.m2 / self.count as f64).sqrt(),
            count: self.count,
            sum: self.sum,
        })
    }
}

/// `value` rounded to the nearest integer, from 0 up to `cap` (below 2^63): `f64::round` without
/// its library call, and a conversion from a float already in range (a signed conversion: a few
/// instructions where the saturating unsigned one takes a dozen). This path runs about a hundred
/// times a request.
#[inline]
pub fn round_capped(value: f64, cap: u64) -> u64 {
    // `max` also turns NaN into 0.
    (value.max(0.0) + 0.5).min(cap as f64) as i64 as u64
}

#[cfg(test)]
mod tests {
    use super::Stat;

    #[test]
    fn rounding_without_the_library_call() {
        let cap = 1 << 44;
        for (value, rounded) in [
            (0.0, 0),
            (0.49, 0),
            (0.5, 1),
            (1.5, 2),
            (2.4999, 2),
            (1e6 + 0.6, 1_000_001),
            (-3.0, 0),
            (f64::NAN, 0),
            ((cap - 1) as f64 + 0.4, cap - 1),
            (cap as f64 + 0.6, cap),
            (f64::MAX, cap),
            (f64::INFINITY, cap),
        ] {
            assert_eq!(super::round_capped(value, cap), rounded, "{value}");
        }
    }

    #[test]
    fn exact_moments_and_close_percentiles() {
        let mut stat = Stat::new(1e6);
        for i in 1..=1000 {
            stat.record(f64::from(i) / 10.0);
        }
        let s = stat.summary().unwrap();
        assert_eq!((s.count, s.min, s.max), (1000, 0.1, 100.0));
        assert!((s.avg - 50.05).abs() < 1e-9);
        assert!((s.sum - 50050.0).abs() < 1e-6);
        assert!((s.std - 28.8675).abs() < 1e-3, "{}", s.std);
        assert!((s.p50 - 50.0).abs() / 50.0 < 0.002, "{}", s.p50);
        assert!((s.p99 - 99.0).abs() / 99.0 < 0.002, "{}", s.p99);
        assert!(Stat::new(1.0).summary().is_none());
    }

    #[test]
    fn a_floor_keeps_negative_values_in_the_percentiles() {
        let mut stat = Stat::with_floor(1e3, -100.0);
        for v in [-50.0, -10.0, 0.0, 20.0] {
            stat.record(v);
        }
        let s = stat.summary().unwrap();
        assert_eq!((s.min, s.max), (-50.0, 20.0));
        assert!((s.p50 + 10.0).abs() < 0.1 && (s.p1 + 50.0).abs() < 0.1 && (s.p75 - 0.0).abs() < 0.1, "{s:?}");
    }

    #[test]
    fn values_past_the_histogram_keep_their_moments_and_maximum() {
        let mut stat = Stat::new(1e6);
        stat.record(1e12);
        stat.record(f64::MAX);
        let s = stat.summary().unwrap();
        assert_eq!((s.count, s.max), (2, f64::MAX));
        assert!(s.p50 >= (super::MAX_RECORDED as f64 / 1e6) * 0.999, "counted as the largest value held: {}", s.p50);
    }

    #[test]
    fn memory_does_not_grow_with_samples() {
        let mut stat = Stat::new(1e6);
        for i in 0..1_000_000u32 {
            stat.record(f64::from(i % 5000) / 7.0);
        }
        // The counts array depends on the value range, not on how many values were recorded.
        let slots = stat.histogram.distinct_values();
        assert!(slots < 100_000, "{slots} slots");
        assert_eq!(stat.summary().unwrap().count, 1_000_000);
    }
}
