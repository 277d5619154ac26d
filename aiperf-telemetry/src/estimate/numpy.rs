//! The numpy and Python conventions AIPerf's estimator computes with, redone exactly: pairwise
//! `linspace`, `clip`, `maximum` and `astype(int64)`; its pairwise sums and linear `percentile`
//! are the engine's (`aiperf_bench::stats::numpy`).

pub(crate) use aiperf_bench::stats::numpy::{numpy_sum, percentile};

/// numpy's `clip` of one value: NaN stays NaN, then at least `lower`, then at most `upper`.
pub(super) fn clip(value: f64, lower: f64, upper: f64) -> f64 {
    let value = if value > lower || value.is_nan() { value } else { lower };
    if value < upper || value.is_nan() { value } else { upper }
}

/// numpy's `astype(int64)` of a float64 on x86-64: truncation, `i64::MIN` when out of range.
pub(super) fn astype_int64(value: f64) -> i64 {
    if value.is_finite() && value.abs() < i64::MAX as f64 { value as i64 } else { i64::MIN }
}

/// numpy's `maximum(value, 0)`: NaN stays NaN.
pub(super) fn non_negative(value: f64) -> f64 {
    if value < 0.0 { 0.0 } else { value }
}

/// numpy's `linspace(start, stop, n)` for n ≥ 2: `start + i·step`, the last exactly `stop`.
pub(super) fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    let (delta, div) = (stop - start, (n - 1) as f64);
    let step = delta / div;
    let mut values: Vec<f64> = (0..n).map(|i| if step == 0.0 { i as f64 / div * delta + start } else { i as f64 * step + start }).collect();
    values[n - 1] = stop;
    values
}
