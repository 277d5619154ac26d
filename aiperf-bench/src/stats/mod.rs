//! Exact statistics of a run's own values, as AIPerf computes them (numpy: the mean, the
//! population standard deviation, percentiles by linear interpolation between the two nearest
//! ranks), in bounded memory whatever the number of requests: each metric's values go to a
//! column on disk as records arrive ([`mod@column`]), and at the end of the run each column is read
//! back alone: sorted in memory when it is small enough, else its percentiles are found by a few
//! passes that narrow down the ranks they need.

use serde::Serialize;

pub mod column;
pub mod numpy;

pub use column::{Adjusted, Column, Columns};

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
    /// The 5th percentile: numpy's linear interpolation between the two nearest ranks.
    pub p5: f64,
    /// The 10th percentile: numpy's linear interpolation between the two nearest ranks.
    pub p10: f64,
    /// The 25th percentile: numpy's linear interpolation between the two nearest ranks.
    pub p25: f64,
    /// The 50th percentile: numpy's linear interpolation between the two nearest ranks.
    pub p50: f64,
    /// The 75th percentile: numpy's linear interpolation between the two nearest ranks.
    pub p75: f64,
    /// The 90th percentile: numpy's linear interpolation between the two nearest ranks.
    pub p90: f64,
    /// The 95th percentile: numpy's linear interpolation between the two nearest ranks.
    pub p95: f64,
    /// The 99th percentile: numpy's linear interpolation between the two nearest ranks.
    pub p99: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Number of values.
    pub count: u64,
    /// Sum of values.
    pub sum: f64,
}

/// The percentiles a summary reports, in its field order.
pub const PERCENTILES: [f64; 9] = [1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0];

/// The ranks (0-based, in sorted order) that percentile `p` of `count` values lies between, and
/// the weight of the upper one: numpy's `linear` method (`(count − 1) × p / 100`).
pub fn ranks(p: f64, count: u64) -> (u64, u64, f64) {
    // numpy's own order of operations: the quantile first, then times `count − 1`.
    let position = (p / 100.0) * (count.saturating_sub(1)) as f64;
    let below = position.floor() as u64;
    (below, position.ceil() as u64, position - below as f64)
}

/// Interpolates between the values at the two ranks of [`ranks`] as numpy does.
pub fn interpolate(low: f64, high: f64, weight: f64) -> f64 {
    // numpy's form: exact at either end, and monotonic.
    if weight >= 0.5 { high - (high - low) * (1.0 - weight) } else { low + (high - low) * weight }
}

/// The moments of a column's values: count, sum, mean and the population variance's sum of
/// squares (Welford's, one pass, stable).
#[derive(Clone, Copy, Debug, Default)]
pub struct Moments {
    /// Values seen.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    mean: f64,
    m2: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Moments {
    /// Adds a value.
    pub fn add(&mut self, value: f64) {
        if self.count == 0 {
            (self.min, self.max) = (value, value);
        }
        self.count += 1;
        self.sum += value;
        let delta = value - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (value - self.mean);
        // In f64's total order, as the columns sort (−0 before +0).
        if value.total_cmp(&self.min).is_lt() {
            self.min = value;
        }
        if value.total_cmp(&self.max).is_gt() {
            self.max = value;
        }
    }

    /// The summary, given the values at the ranks each percentile needs (`at(rank)`).
    pub fn summary(&self, mut at: impl FnMut(u64) -> f64) -> Summary {
        let mut percentiles = PERCENTILES.map(|p| {
            let (low, high, weight) = ranks(p, self.count);
            interpolate(at(low), at(high), weight)
        });
        // Rounding in the interpolation never leaves the values' range.
        for value in &mut percentiles {
            *value = value.clamp(self.min, self.max);
        }
        let [p1, p5, p10, p25, p50, p75, p90, p95, p99] = percentiles;
        Summary {
            avg: self.sum / self.count as f64,
            min: self.min,
            max: self.max,
            p1,
            p5,
            p10,
            p25,
            p50,
            p75,
            p90,
            p95,
            p99,
            std: (self.m2 / self.count as f64).sqrt(),
            count: self.count,
            sum: self.sum,
        }
    }
}

/// `value` rounded to the nearest integer, from 0 up to `cap` (below 2^63): `f64::round` without
/// its library call, and a conversion from a float already in range (a signed conversion: a few
/// instructions where the saturating unsigned one takes a dozen).
#[inline]
pub fn round_capped(value: f64, cap: u64) -> u64 {
    // `max` also turns NaN into 0.
    (value.max(0.0) + 0.5).min(cap as f64) as i64 as u64
}

#[cfg(test)]
mod tests;
