//! AIPerf 0.13's histogram percentile estimator ("polynomial histogram"), reimplemented: the
//! `p1_estimate` … `p99_estimate` of a histogram series over the profiling window.
//!
//! Why: AIPerf does not interpolate within buckets as Prometheus' `histogram_quantile` does. It
//! learns where observations sit inside a bucket from the scrape intervals in which only that
//! bucket moved, works out the overflow (`+Inf`) bucket's values from the exact sum, builds up to
//! 100 000 synthetic observations shaped by what it learned, and reports numpy's linear
//! percentiles of them. Redoing each step as AIPerf does (numpy's pairwise summation, `linspace`,
//! `percentile` and `pow`, Python's truncating `int()`, the order of every sum) is what lets our
//! `pN_estimate` fields carry AIPerf's numbers under AIPerf's names. Python's own `sum` is taken
//! as 3.11 adds (left to right); 3.12's compensated `sum` moves AIPerf's results by an ulp or so.
//!
//! Written from a reading of AIPerf's `server_metrics/histogram_percentiles.py` and of its caller
//! `server_metrics/export_stats.py`; the tests check it against vectors computed by AIPerf's own
//! code (`tests/fixtures/estimator/make_vectors.py`).

use std::cmp::Ordering;
use std::hint::black_box;

/// The percentiles AIPerf reports, in percent: `p1_estimate` … `p99_estimate`.
pub const AIPERF_PERCENTS: [f64; 9] = [1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0];

/// The overflow bucket, known by this exact `le` (as AIPerf compares it).
const OVERFLOW: &str = "+Inf";
/// At most about this many synthetic observations; larger histograms are scaled down to it.
const MAX_OBSERVATIONS: f64 = 100_000.0;
/// A bucket's variance is trusted from this many single-bucket intervals on.
const MIN_VARIANCE_INTERVALS: usize = 3;

/// One scrape of a histogram series: its cumulative counts, sum and count as exposed.
#[derive(Clone, Copy, Debug)]
pub struct HistogramPoint<'a> {
    /// Cumulative count by `le`, the bound's text as exposed (`"0.01"`, `"+Inf"`), in any order.
    /// The first point's bounds are the series' buckets; a point without one of them counts 0 in
    /// it and its other bounds are ignored (AIPerf's storage). Bounds are expected to be unique.
    pub buckets: &'a [(String, f64)],
    /// Sum of the observations since the series began.
    pub sum: f64,
    /// Their count.
    pub count: f64,
}

/// AIPerf's estimates for the window that ends at the last of `snapshots`, one per entry of
/// `percents` (0–100, e.g. [`AIPERF_PERCENTS`]), or none where AIPerf reports none.
///
/// `snapshots` are the series' scrapes in time order, starting with AIPerf's reference (the last
/// scrape before the window, else the first in it) and ending with the window's last scrape. The
/// estimate uses the change from the first to the last; what each bucket holds is learned from
/// every consecutive pair. None when the count did not rise, when a bucket went down, when there
/// is no finite bucket, when a bound is not a number, or when a percent is outside 0–100. A sum
/// that went down is taken as 0, which makes every estimate 0 (as in AIPerf). [`Learning`] does
/// the same one scrape at a time, keeping no scrape but the last.
pub fn estimated_percentiles(snapshots: &[HistogramPoint<'_>], percents: &[f64]) -> Option<Vec<f64>> {
    let (first, last) = (snapshots.first()?, snapshots.last()?);
    let mut learning = Learning::new(first)?;
    for point in &snapshots[1..] {
        learning.add(point);
    }
    learning.estimate(first, last, percents)
}

/// What a series' scrapes taught so far, fed one scrape at a time from its reference on: its
/// buckets (from the reference), the last scrape's counts, and each bucket's learned means.
#[derive(Clone, Debug, PartialEq)]
pub struct Learning {
    bounds: Vec<Bound>,
    /// The last scrape: its counts in bucket order, its sum and count.
    previous: (Vec<f64>, f64, f64),
    learned: Vec<Option<Learned>>,
}

impl Learning {
    /// Learning that starts at `reference`; none when a bound of it is not a number.
    pub fn new(reference: &HistogramPoint<'_>) -> Option<Self> {
        let bounds = schema(reference.buckets)?;
        let previous = (row(reference.buckets, &bounds), reference.sum, reference.count);
        let learned = vec![None; bounds.len()];
        Some(Self { bounds, previous, learned })
    }

    /// Learns from the interval between the last scrape and `point`: when exactly one bucket
    /// moved, its mean over the interval is the sum's change over the count's change.
    pub fn add(&mut self, point: &HistogramPoint<'_>) {
        let counts = row(point.buckets, &self.bounds);
        let (before, sum, count) = std::mem::replace(&mut self.previous, (counts, point.sum, point.count));
        let moved = astype_int64(point.count - count);
        if moved <= 0 {
            return;
        }
        let (mut below, mut changed, mut only) = (0.0, 0, 0);
        for (j, (after, before)) in self.previous.0.iter().zip(&before).enumerate() {
            let cumulative = non_negative(after - before);
            if non_negative(cumulative - below) > 0.0 {
                changed += 1;
                only = j;
            }
            below = cumulative;
        }
        if changed == 1 {
            let mean = (point.sum - sum) / moved as f64;
            let entry = self.learned[only].get_or_insert_with(Learned::default);
            entry.count = entry.count.saturating_add(moved);
            entry.weighted += mean * moved as f64;
            entry.means.push(mean);
        }
    }

    /// The estimates over the window from `first` (the reference this learning started at) to
    /// `last` (the last scrape it learned from), as [`estimated_percentiles`] gives them.
    pub fn estimate(&self, first: &HistogramPoint<'_>, last: &HistogramPoint<'_>, percents: &[f64]) -> Option<Vec<f64>> {
        if percents.iter().any(|q| !(0.0..=100.0).contains(q)) {
            return None;
        }
        let count = last.count - first.count;
        if !count.is_finite() || count.trunc() <= 0.0 {
            return None;
        }
        let (start, end) = (row(first.buckets, &self.bounds), row(last.buckets, &self.bounds));
        let deltas = end.iter().zip(&start).map(|(end, start)| end - start);
        let cumulative = deltas.map(|d| (d.is_finite() && d >= 0.0).then(|| d.trunc())).collect::<Option<Vec<_>>>();
        let cumulative = cumulative.filter(|c| !c.is_empty())?;
        let sum = match last.sum - first.sum {
            sum if sum < 0.0 => 0.0,
            sum if sum.is_finite() => sum,
            _ => return None,
        };
        if sum == 0.0 {
            return Some(vec![0.0; percents.len()]);
        }
        let mut observations = synthesise(&self.bounds, &cumulative, &self.learned, sum)?;
        observations.sort_by(f64::total_cmp);
        Some(percents.iter().map(|q| percentile(&observations, *q)).collect())
    }
}

/// A bucket's bound: its text as exposed and its value.
#[derive(Clone, Debug, PartialEq)]
struct Bound {
    text: String,
    value: f64,
}

/// The series' buckets from its first scrape, ordered by value (stably, as Python's `sorted`).
fn schema(buckets: &[(String, f64)]) -> Option<Vec<Bound>> {
    let mut bounds: Vec<Bound> = Vec::with_capacity(buckets.len());
    for (text, _) in buckets {
        let value = if text == OVERFLOW { f64::INFINITY } else { text.trim().parse().ok()? };
        if value.is_nan() {
            return None;
        }
        if !bounds.iter().any(|b| &b.text == text) {
            bounds.push(Bound { text: text.clone(), value });
        }
    }
    bounds.sort_by(|a, b| a.value.partial_cmp(&b.value).unwrap_or(Ordering::Equal));
    Some(bounds)
}

/// One scrape's cumulative counts in schema order: 0 for a missing bucket, the last value for
/// a repeated one (a dict's).
fn row(buckets: &[(String, f64)], bounds: &[Bound]) -> Vec<f64> {
    bounds.iter().map(|b| buckets.iter().rev().find(|(text, _)| *text == b.text).map_or(0.0, |(_, c)| *c)).collect()
}

/// What the single-bucket intervals taught about one bucket.
#[derive(Clone, Debug, Default, PartialEq)]
struct Learned {
    /// Observations in those intervals.
    count: i64,
    /// Σ interval mean × interval count.
    weighted: f64,
    /// Each interval's mean (one number an interval in which only this bucket moved).
    means: Vec<f64>,
}

impl Learned {
    /// The count-weighted mean of the interval means.
    fn mean(&self) -> Option<f64> {
        (self.count != 0).then(|| self.weighted / self.count as f64)
    }

    /// The sample variance (ddof 1) of the interval means, as numpy's `var` computes it.
    fn variance(&self) -> Option<f64> {
        if self.means.len() < MIN_VARIANCE_INTERVALS {
            return None;
        }
        let n = self.means.len() as f64;
        let mean = numpy_sum(&self.means) / n;
        let squares: Vec<f64> = self.means.iter().map(|m| (m - mean) * (m - mean)).collect();
        Some(numpy_sum(&squares) / (n - 1.0))
    }
}

/// A finite bucket, as the estimator sees it.
struct Bucket<'a> {
    lower: f64,
    upper: f64,
    /// Observations in it (not cumulative; scaled when the histogram is large).
    count: f64,
    learned: Option<&'a Learned>,
}

impl Bucket<'_> {
    fn midpoint(&self) -> f64 {
        (self.lower + self.upper) / 2.0
    }

    /// The `i`th of `count` observations spread evenly over the bucket, shifted by `shift`.
    fn even(&self, i: usize, count: usize, shift: f64) -> f64 {
        clip(self.lower + (self.upper - self.lower) * fraction(i, count) + shift, self.lower, self.upper)
    }

    /// The learned mean, if it lies strictly inside the bucket.
    fn inside_mean(&self) -> Option<f64> {
        self.learned.and_then(Learned::mean).filter(|m| self.lower < *m && *m < self.upper)
    }
}

/// The synthetic observations: the finite buckets' and then the overflow bucket's.
fn synthesise(bounds: &[Bound], cumulative: &[f64], learned: &[Option<Learned>], sum: f64) -> Option<Vec<f64>> {
    let finite: Vec<usize> = (0..bounds.len()).filter(|i| bounds[*i].text != OVERFLOW).collect();
    let largest = finite.iter().map(|i| bounds[*i].value).reduce(|a, b| if b > a { b } else { a })?;
    let (mut buckets, mut below) = (Vec::with_capacity(finite.len()), 0.0);
    for (k, &i) in finite.iter().enumerate() {
        let lower = if k == 0 { 0.0 } else { bounds[finite[k - 1]].value };
        buckets.push(Bucket { lower, upper: bounds[i].value, count: cumulative[i] - below, learned: learned[i].as_ref() });
        below = cumulative[i];
    }
    let mut overflow = bounds.iter().position(|b| b.text == OVERFLOW).map(|i| cumulative[i] - below);
    let mut sum = sum;
    let total = buckets.iter().map(|b| b.count).chain(overflow).fold(0.0, |acc, c| acc + c);
    if total > MAX_OBSERVATIONS {
        let ratio = MAX_OBSERVATIONS / total;
        buckets.iter_mut().for_each(|b| b.count *= ratio);
        overflow = overflow.map(|c| c * ratio);
        sum *= ratio;
    }
    let overflow_count = overflow.filter(|c| *c > 0.0).map_or(0, |c| c.ceil() as usize);
    let finite_sum = buckets
        .iter()
        .filter(|b| b.count > 0.0)
        .map(|b| b.count * b.inside_mean().unwrap_or_else(|| b.midpoint()))
        .fold(0.0, |acc, s| acc + s);
    let tail = overflow_observations(sum - finite_sum, overflow_count, largest);
    let mut observations = finite_observations(&mut buckets, sum - numpy_sum(&tail));
    observations.extend(tail);
    (!observations.is_empty()).then_some(observations)
}

/// The overflow bucket's `n` observations, from what the finite buckets leave of the sum: spread
/// evenly from the largest finite bound so that their mean is that remainder over `n`.
fn overflow_observations(remainder: f64, n: usize, largest: f64) -> Vec<f64> {
    if n == 0 {
        return Vec::new();
    }
    let mean = remainder / n as f64;
    let mean = if remainder <= 0.0 || mean <= largest { largest * 1.5 } else { mean };
    let top = 2.0 * mean - largest;
    let top = if top <= largest { largest * 2.0 } else { top };
    if n == 1 { vec![mean] } else { linspace(largest, top, n) }
}

/// The finite buckets' observations, placed by what each bucket learned and then nudged so that
/// they add up to `target`.
fn finite_observations(buckets: &mut [Bucket<'_>], target: f64) -> Vec<f64> {
    let mut target = target;
    let mut total = buckets.iter().fold(0.0, |acc, b| acc + b.count);
    if total > MAX_OBSERVATIONS {
        let ratio = MAX_OBSERVATIONS / total;
        buckets.iter_mut().for_each(|b| b.count *= ratio);
        target *= ratio;
        total = buckets.iter().fold(0.0, |acc, b| acc + b.count);
    }
    // When one bucket holds at least 95% of them, it is centred on the overall mean.
    let most = buckets.iter().map(|b| b.count).reduce(|a, b| if b > a { b } else { a }).filter(|_| total > 0.0);
    let dominant = most.filter(|most| most / total >= 0.95).and_then(|most| buckets.iter().position(|b| b.count == most));
    let counts: Vec<i64> = buckets.iter().map(|b| b.count as i64).collect();
    let Ok(capacity) = usize::try_from(counts.iter().map(|c| i128::from(*c)).sum::<i128>()) else {
        return Vec::new();
    };
    let mut observations = Vec::with_capacity(capacity);
    let mut ranges = Vec::new();
    for (i, (bucket, &count)) in buckets.iter().zip(&counts).enumerate() {
        let room = capacity - observations.len();
        if count <= 0 {
            continue;
        }
        if room == 0 {
            break;
        }
        let count = usize::try_from(count).map_or(room, |c| c.min(room));
        let start = observations.len();
        place(&mut observations, bucket, count, (dominant == Some(i)).then(|| target / total));
        ranges.push((start, count, bucket.lower, bucket.upper));
    }
    fit_sum(&mut observations, &ranges, target);
    observations
}

/// Appends a bucket's `count` observations. A learned mean with a learned variance shapes them
/// (a two-point mass when the spread is tiny, a blend when it is narrow and centred, else a
/// spread around the mean); otherwise they are even, shifted to centre on the learned mean (or
/// on `dominant_mean`, the overall mean, when this bucket dominates and holds it).
fn place(out: &mut Vec<f64>, bucket: &Bucket<'_>, count: usize, dominant_mean: Option<f64>) {
    let (lower, upper, width, midpoint) = (bucket.lower, bucket.upper, bucket.upper - bucket.lower, bucket.midpoint());
    let mean = bucket.inside_mean();
    let variance = bucket.learned.and_then(Learned::variance);
    if let (Some(mean), Some(variance)) = (mean, variance)
        && variance > 0.0
    {
        let std = variance.sqrt();
        let spread = 4.0 * std / width;
        let offset = (mean - midpoint).abs() / width;
        if spread < 0.01 {
            two_point(out, count, lower, upper, mean, variance);
        } else if spread < 0.2 && offset < 0.3 {
            out.extend((0..count).map(|i| {
                let shaped = spread_around(i, count, lower, upper, mean, std);
                clip(0.5 * bucket.even(i, count, mean - midpoint) + 0.5 * shaped, lower, upper)
            }));
        } else {
            out.extend((0..count).map(|i| spread_around(i, count, lower, upper, mean, std)));
        }
        return;
    }
    let centre = match dominant_mean {
        Some(avg) if lower < avg && avg < upper => avg,
        _ => mean.unwrap_or(midpoint),
    };
    out.extend((0..count).map(|i| bucket.even(i, count, centre - midpoint)));
}

/// The `i`th of `count` even fractions of a bucket, `(i + 0.5) / count`.
fn fraction(i: usize, count: usize) -> f64 {
    (i as f64 + 0.5) / count as f64
}

/// The `i`th of `count` observations spread around `mean`: from up to three `std` below it to up
/// to three above, linearly in the even fraction, within the bucket.
fn spread_around(i: usize, count: usize, lower: f64, upper: f64, mean: f64, std: f64) -> f64 {
    let at_most_3 = |stds: f64| if 3.0 < stds { 3.0 } else { stds };
    let below = at_most_3(if std > 0.0 { (mean - lower) / std } else { 3.0 });
    let above = at_most_3(if std > 0.0 { (upper - mean) / std } else { 3.0 });
    let f = fraction(i, count);
    let position = if f < 0.5 { mean - below * std * (1.0 - 2.0 * f) } else { mean + above * std * (2.0 * f - 1.0) };
    clip(position, lower, upper)
}

/// The two-point mass matching a mean and variance: some observations at the lower bound, the
/// rest at one point above the mean.
fn two_point(out: &mut Vec<f64>, count: usize, lower: f64, upper: f64, mean: f64, variance: f64) {
    let distance = mean - lower;
    let high = clip(if distance > 0.0 { mean + variance / distance } else { upper }, lower, upper);
    // numpy's `**` on a float64 is C's `pow`, which can differ from `distance * distance` by an
    // ulp; `black_box` keeps the compiler from turning it into that product.
    let denominator = variance + distance.powf(black_box(2.0));
    let at_lower = clip(if denominator > 0.0 { variance / denominator } else { 0.5 }, 0.0, 1.0);
    let low = (count as f64 * at_lower) as usize;
    out.extend((0..count).map(|i| if i < low { lower } else { high }));
}

/// Shifts each bucket's observations so that all of them add up to `target` (unless they already
/// do within 0.1%): each bucket takes a share of the gap in proportion to its own sum, by at most
/// 40% of its width, within its bounds.
fn fit_sum(observations: &mut [f64], ranges: &[(usize, usize, f64, f64)], target: f64) {
    let generated = numpy_sum(observations);
    let gap = target - generated;
    if generated <= 0.0 || target <= 0.0 || gap.abs() / target < 0.001 {
        return;
    }
    for &(start, count, lower, upper) in ranges {
        let values = &mut observations[start..start + count];
        let weight = numpy_sum(values) / generated;
        let limit = (upper - lower) * 0.4;
        let shift = clip(gap * weight / count as f64, -limit, limit);
        values.iter_mut().for_each(|v| *v = clip(*v + shift, lower, upper));
    }
}

mod numpy;
use numpy::{astype_int64, clip, linspace, non_negative};
pub(crate) use numpy::{numpy_sum, percentile};

#[cfg(test)]
mod tests;
