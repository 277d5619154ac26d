//! A series' summary over the window, AIPerf 0.13's: a gauge's mean, extremes, sample standard
//! deviation and numpy's linear percentiles; a counter's increase and rate; a histogram's
//! count, sum, mean, rates, bucket increases and AIPerf's percentile estimates
//! ([`estimate`](mod@crate::estimate)). Sums are numpy's (pairwise, in time order) and counts are
//! truncated as Python's `int()` does, so the numbers are AIPerf's to the last digit.

use serde_json::{Map, Value, json};

use crate::estimate::{self, HistogramPoint, Learning, numpy_sum};
use crate::window::{Series, Snapshot};

/// The percentiles AIPerf reports, by their key suffix.
pub const PERCENTILES: [(&str, f64); 9] =
    [("p1", 1.0), ("p5", 5.0), ("p10", 10.0), ("p25", 25.0), ("p50", 50.0), ("p75", 75.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0)];

/// A series' `stats` object, and a histogram's `buckets`.
pub type Summary = (Map<String, Value>, Option<Map<String, Value>>);

/// A series' `stats` object (and a histogram's `buckets`), none when the window holds nothing
/// of it.
pub fn summarize(series: &Series) -> Option<Summary> {
    match series {
        Series::Gauge(values) => gauge(values).map(|stats| (stats, None)),
        Series::Counter { reference: Some(reference), last: Some(last) } => Some((counter(*reference, *last), None)),
        Series::Histogram { reference: Some(reference), last: Some(last), learning } => histogram(reference, last, learning.as_ref()),
        _ => None,
    }
}

/// numpy's linear percentile of sorted `values` (rank `q/100·(n−1)`).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    estimate::percentile(sorted, q)
}

/// A gauge's statistics over its samples, in the order they were scraped.
fn gauge(values: &[f64]) -> Option<Map<String, Value>> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = numpy_sum(values) / n;
    let squares: Vec<f64> = values.iter().map(|v| (v - mean) * (v - mean)).collect();
    let std = if values.len() > 1 { (numpy_sum(&squares) / (n - 1.0)).sqrt() } else { 0.0 };
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut stats = Map::new();
    stats.insert("avg".into(), json!(mean));
    stats.insert("min".into(), json!(sorted[0]));
    stats.insert("max".into(), json!(sorted[sorted.len() - 1]));
    stats.insert("std".into(), json!(std));
    for (key, q) in PERCENTILES {
        stats.insert(key.into(), json!(percentile(&sorted, q)));
    }
    Some(stats)
}

fn seconds(from: u64, to: u64) -> f64 {
    to.saturating_sub(from) as f64 / 1e9
}

fn counter((from, first): (u64, f64), (to, last): (u64, f64)) -> Map<String, Value> {
    let total = (last - first).max(0.0);
    let elapsed = seconds(from, to);
    let mut stats = Map::new();
    stats.insert("total".into(), json!(total));
    stats.insert("rate".into(), json!(if elapsed > 0.0 { total / elapsed } else { 0.0 }));
    stats
}

/// A snapshot as the estimator reads it.
fn point(snapshot: &Snapshot) -> HistogramPoint<'_> {
    HistogramPoint { buckets: &snapshot.buckets, sum: snapshot.sum, count: snapshot.count }
}

/// An increase as Python's `int()` takes it: truncated towards zero.
fn whole(delta: f64) -> i64 {
    if delta.is_finite() { delta.trunc() as i64 } else { 0 }
}

fn histogram(reference: &Snapshot, last: &Snapshot, learning: Option<&Learning>) -> Option<Summary> {
    let count = whole(last.count - reference.count).max(0);
    let sum = (last.sum - reference.sum).max(0.0);
    let deltas: Vec<(&String, i64)> = last
        .buckets
        .iter()
        .map(|(bound, cumulative)| {
            let before = reference.buckets.iter().find(|(b, _)| b == bound).map_or(0.0, |(_, c)| *c);
            (bound, whole(cumulative - before))
        })
        .collect();
    let mut stats = Map::new();
    stats.insert("count".into(), json!(count));
    let buckets: Map<String, Value> = deltas.iter().map(|(bound, delta)| ((*bound).clone(), json!((*delta).max(0)))).collect();
    if count == 0 {
        return Some((stats, Some(buckets)));
    }
    let elapsed = seconds(reference.ns, last.ns);
    stats.insert("sum".into(), json!(sum));
    stats.insert("avg".into(), json!(sum / count as f64));
    if elapsed > 0.0 {
        stats.insert("count_rate".into(), json!(count as f64 / elapsed));
        stats.insert("sum_rate".into(), json!(sum / elapsed));
    }
    // A bucket that went down (a server restart) leaves nothing to estimate from.
    if deltas.iter().any(|(_, delta)| *delta < 0) {
        return Some((stats, None));
    }
    let percents = PERCENTILES.map(|(_, q)| q);
    if let Some(estimates) = learning.and_then(|learning| learning.estimate(&point(reference), &point(last), &percents)) {
        for ((key, _), value) in PERCENTILES.iter().zip(estimates) {
            stats.insert(format!("{key}_estimate"), json!(value));
        }
    }
    Some((stats, Some(buckets)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(ns: u64, buckets: &[(&str, f64)], sum: f64) -> Snapshot {
        let count = buckets.last().map_or(0.0, |b| b.1);
        Snapshot { ns, buckets: buckets.iter().map(|(b, c)| ((*b).to_owned(), *c)).collect(), sum, count }
    }

    #[test]
    fn a_gauge_has_numpys_statistics() {
        let (stats, _) = summarize(&Series::Gauge(vec![4.0, 1.0, 3.0, 2.0])).unwrap();
        assert_eq!(stats["avg"], 2.5);
        assert_eq!(stats["min"], 1.0);
        assert_eq!(stats["max"], 4.0);
        assert!((stats["std"].as_f64().unwrap() - 1.2909944487358056).abs() < 1e-12, "ddof = 1");
        assert_eq!(stats["p50"], 2.5);
        assert_eq!(stats["p90"], 3.7);
        assert_eq!(summarize(&Series::Gauge(Vec::new())), None);
    }

    #[test]
    fn a_counter_is_its_increase_over_the_window_and_never_negative() {
        let (stats, _) = summarize(&Series::Counter { reference: Some((0, 100.0)), last: Some((2_000_000_000, 500.0)) }).unwrap();
        assert_eq!((stats["total"].as_f64(), stats["rate"].as_f64()), (Some(400.0), Some(200.0)));
        let (reset, _) = summarize(&Series::Counter { reference: Some((0, 100.0)), last: Some((1, 5.0)) }).unwrap();
        assert_eq!(reset["total"], 0.0);
    }

    #[test]
    fn a_histogram_is_its_increase_and_aiperf_s_estimates_over_the_window() {
        let before = snapshot(0, &[("0.1", 10.0), ("1.0", 10.0), ("+Inf", 10.0)], 0.5);
        let after = snapshot(1_000_000_000, &[("0.1", 60.0), ("1.0", 110.0), ("+Inf", 110.0)], 30.5);
        let mut learning = Learning::new(&point(&before)).unwrap();
        learning.add(&point(&after));
        let series = Series::Histogram { reference: Some(before.clone()), last: Some(after.clone()), learning: Some(learning) };
        let (stats, buckets) = summarize(&series).unwrap();
        assert_eq!(stats["count"], 100);
        assert_eq!(stats["sum"], 30.0);
        assert_eq!(stats["avg"], 0.3);
        assert_eq!(stats["count_rate"], 100.0);
        assert_eq!(buckets.unwrap()["1.0"], 100);
        let expected = estimate::estimated_percentiles(&[point(&before), point(&after)], &PERCENTILES.map(|p| p.1)).unwrap();
        let got: Vec<f64> = PERCENTILES.iter().map(|(key, _)| stats[&format!("{key}_estimate")].as_f64().unwrap()).collect();
        assert_eq!(got, expected, "AIPerf's estimator over the window");
        assert!(got[4] > 0.0 && got[4] <= 1.0, "the median within the finite buckets: {got:?}");
        let idle = snapshot(5, &[("0.1", 10.0), ("+Inf", 10.0)], 0.5);
        let (stats, _) = summarize(&Series::Histogram { reference: Some(idle.clone()), last: Some(idle), learning: None }).unwrap();
        assert_eq!(Value::Object(stats), json!({ "count": 0 }));
    }

    #[test]
    fn counts_are_truncated_as_python_s_int_truncates() {
        assert_eq!((whole(2.9), whole(-0.5), whole(f64::NAN)), (2, 0, 0));
    }
}
