//! A series' summary over the window, AIPerf 0.13's: a gauge's mean, extremes, sample standard
//! deviation and numpy's linear percentiles; a counter's increase and rate; a histogram's
//! count, sum, mean, rates, bucket increases and percentile estimates.
//!
//! The estimates interpolate linearly within the bucket holding the rank (Prometheus'
//! `histogram_quantile`); AIPerf estimates them from synthetic observations shaped by the
//! bucket means it learns between scrapes, so its estimates may differ within a bucket.

use serde_json::{Map, Value, json};

use crate::exposition::le;
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
        Series::Histogram { reference: Some(reference), last: Some(last) } => histogram(reference, last),
        _ => None,
    }
}

/// numpy's linear percentile of sorted `values` (rank `q/100·(n−1)`).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = q / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

fn gauge(values: &[f64]) -> Option<Map<String, Value>> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let std = if sorted.len() > 1 { (sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() } else { 0.0 };
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

fn histogram(reference: &Snapshot, last: &Snapshot) -> Option<Summary> {
    let count = (last.count - reference.count).max(0.0).round();
    let sum = (last.sum - reference.sum).max(0.0);
    let mut deltas = Vec::with_capacity(last.buckets.len());
    for (bound, cumulative) in &last.buckets {
        let before = reference.buckets.iter().find(|(b, _)| b == bound).map_or(0.0, |(_, c)| *c);
        deltas.push((bound.clone(), (cumulative - before).round()));
    }
    let mut stats = Map::new();
    stats.insert("count".into(), json!(count as u64));
    let buckets: Map<String, Value> = deltas.iter().map(|(bound, delta)| (bound.clone(), json!(delta.max(0.0) as u64))).collect();
    if count == 0.0 {
        return Some((stats, Some(buckets)));
    }
    let elapsed = seconds(reference.ns, last.ns);
    stats.insert("sum".into(), json!(sum));
    stats.insert("avg".into(), json!(sum / count));
    if elapsed > 0.0 {
        stats.insert("count_rate".into(), json!(count / elapsed));
        stats.insert("sum_rate".into(), json!(sum / elapsed));
    }
    // A bucket that went down (a server restart) leaves nothing to estimate from.
    if deltas.iter().all(|(_, delta)| *delta >= 0.0) {
        for (key, q) in PERCENTILES {
            stats.insert(format!("{key}_estimate"), json!(quantile(&deltas, count, q / 100.0)));
        }
        return Some((stats, Some(buckets)));
    }
    Some((stats, None))
}

/// Prometheus' `histogram_quantile` over cumulative bucket increases: linear within the
/// bucket holding the rank, from 0 for the first bucket; a rank in `+Inf` gives the largest
/// finite bound.
fn quantile(cumulative: &[(String, f64)], count: f64, q: f64) -> f64 {
    let rank = q * count;
    let mut lower = (0.0, 0.0);
    for (bound, seen) in cumulative {
        let upper = le(bound);
        if *seen >= rank {
            if upper.is_infinite() {
                return lower.0;
            }
            let in_bucket = seen - lower.1;
            return if in_bucket > 0.0 { lower.0 + (upper - lower.0) * (rank - lower.1) / in_bucket } else { upper };
        }
        lower = (if upper.is_finite() { upper } else { lower.0 }, *seen);
    }
    lower.0
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
    fn a_histogram_is_its_increase_and_its_quantiles_interpolate_within_buckets() {
        let before = snapshot(0, &[("0.1", 10.0), ("1.0", 10.0), ("+Inf", 10.0)], 0.5);
        let after = snapshot(1_000_000_000, &[("0.1", 60.0), ("1.0", 110.0), ("+Inf", 110.0)], 30.5);
        let (stats, buckets) = summarize(&Series::Histogram { reference: Some(before), last: Some(after) }).unwrap();
        assert_eq!(stats["count"], 100);
        assert_eq!(stats["sum"], 30.0);
        assert_eq!(stats["avg"], 0.3);
        assert_eq!(stats["count_rate"], 100.0);
        assert_eq!(buckets.unwrap()["1.0"], 100);
        // 50 in (0, 0.1], 50 in (0.1, 1.0]: the median at 0.1, p75 halfway up the second bucket.
        assert!((stats["p50_estimate"].as_f64().unwrap() - 0.1).abs() < 1e-12);
        assert!((stats["p75_estimate"].as_f64().unwrap() - 0.55).abs() < 1e-12);
        let idle = snapshot(5, &[("0.1", 10.0), ("+Inf", 10.0)], 0.5);
        let (stats, _) = summarize(&Series::Histogram { reference: Some(idle.clone()), last: Some(idle) }).unwrap();
        assert_eq!(Value::Object(stats), json!({ "count": 0 }));
    }
}
