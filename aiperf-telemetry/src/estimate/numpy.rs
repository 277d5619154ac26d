//! The numpy and Python conventions AIPerf's estimator computes with, redone exactly: pairwise
//! sums, `linspace`, linear `percentile`, `clip`, `maximum` and `astype(int64)`.

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

/// numpy's `sum` of a float64 array: 0 plus its pairwise sum.
pub(crate) fn numpy_sum(values: &[f64]) -> f64 {
    0.0 + pairwise_sum(values)
}

/// numpy's pairwise summation: below 8 values one by one, up to 128 in eight interleaved
/// partial sums, above that the two halves (split at a multiple of 8) separately.
fn pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        return values.iter().fold(0.0, |acc, v| acc + v);
    }
    if n <= 128 {
        let mut partial = [0.0; 8];
        partial.copy_from_slice(&values[..8]);
        let whole = n - n % 8;
        for block in values[8..whole].chunks_exact(8) {
            partial.iter_mut().zip(block).for_each(|(p, v)| *p += v);
        }
        let [a, b, c, d, e, f, g, h] = partial;
        let total = ((a + b) + (c + d)) + ((e + f) + (g + h));
        return values[whole..].iter().fold(total, |acc, v| acc + v);
    }
    let half = n / 2 - n / 2 % 8;
    pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
}

/// numpy's `linspace(start, stop, n)` for n ≥ 2: `start + i·step`, the last exactly `stop`.
pub(super) fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    let (delta, div) = (stop - start, (n - 1) as f64);
    let step = delta / div;
    let mut values: Vec<f64> = (0..n).map(|i| if step == 0.0 { i as f64 / div * delta + start } else { i as f64 * step + start }).collect();
    values[n - 1] = stop;
    values
}

/// numpy's `percentile(sorted, q)` (method "linear"): the rank `(n − 1)·q/100` interpolated
/// between its neighbours, from the upper one when the fraction is at least a half.
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    let last = sorted.len() - 1;
    let rank = last as f64 * (q / 100.0);
    if rank >= last as f64 {
        return sorted[last];
    }
    let below = rank.floor();
    let (a, b) = (sorted[below as usize], sorted[below as usize + 1]);
    let (gap, t) = (b - a, rank - below);
    if t >= 0.5 { b - gap * (1.0 - t) } else { a + gap * t }
}
