//! numpy's conventions where an AIPerf statistic is computed with them and the figures must agree
//! to the bit: its pairwise `sum`, and its `linear` `percentile` of sorted values.

/// numpy's `sum` of a float64 array: 0 plus its pairwise sum.
pub fn numpy_sum(values: &[f64]) -> f64 {
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

/// numpy's `percentile(sorted, q)` (method "linear"): the rank `(n − 1)·q/100` interpolated
/// between its neighbours, from the upper one when the fraction is at least a half.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
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
