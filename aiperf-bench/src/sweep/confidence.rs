//! `--num-profile-runs`: every statistic of every metric across the runs of one point, with its
//! mean, sample standard deviation and a Student's t confidence interval, as AIPerf 0.13 writes
//! `aggregate/profile_export_aiperf_aggregate.{json,csv}`.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::write_file;
use crate::ProfileError;

/// The statistics aggregated, AIPerf's `STAT_KEYS`.
const STATS: [&str; 14] = ["avg", "min", "max", "sum", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "std"];

/// The metrics the console shows, with the statistic shown.
const SHOWN: [(&str, &str); 6] = [
    ("request_throughput", "avg"),
    ("output_token_throughput", "avg"),
    ("time_to_first_token", "p50"),
    ("time_to_first_token", "p99"),
    ("inter_token_latency", "avg"),
    ("request_latency", "p99"),
];

/// One statistic across runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Interval {
    /// Mean of the runs' values.
    pub mean: f64,
    /// Sample standard deviation (n − 1); 0 for one run.
    pub std: f64,
    /// Smallest and largest.
    pub min: f64,
    /// See `min`.
    pub max: f64,
    /// The interval's bounds.
    pub low: f64,
    /// See `low`.
    pub high: f64,
    /// Student's t quantile used (NaN for one run: no interval).
    pub t: f64,
    /// Runs.
    pub n: usize,
}

impl Interval {
    /// The interval of `values` (finite ones) at `level`; `None` when none is finite.
    pub fn of(values: &[f64], level: f64) -> Option<Self> {
        let values: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        if n == 1 {
            return Some(Self { mean, std: 0.0, min, max, low: mean, high: mean, t: f64::NAN, n });
        }
        let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let t = distrs::StudentsT::ppf(1.0 - (1.0 - level) / 2.0, (n - 1) as f64);
        let half = t * std / (n as f64).sqrt();
        Some(Self { mean, std, min, max, low: mean - half, high: mean + half, t, n })
    }

    /// Standard error, `std / √n`.
    pub fn se(&self) -> f64 {
        self.std / (self.n as f64).sqrt()
    }

    /// Coefficient of variation, `std / mean` (a ratio).
    pub fn cv(&self) -> f64 {
        if self.mean == 0.0 { 0.0 } else { self.std / self.mean }
    }
}

/// Every `(metric, statistic)` of the runs, keyed `<metric>_<stat>`, with the metric's unit.
fn aggregate(runs: &[&Value], level: f64) -> Vec<(String, String, Interval)> {
    let Some(first) = runs.first().and_then(|r| r.as_object()) else { return Vec::new() };
    let mut out = Vec::new();
    for (tag, metric) in first {
        let Some(unit) = metric.get("unit").and_then(Value::as_str) else { continue };
        for stat in STATS {
            let values: Vec<f64> = runs.iter().filter_map(|r| r.get(tag)?.get(stat)?.as_f64()).collect();
            if let Some(interval) = Interval::of(&values, level) {
                out.push((format!("{tag}_{stat}"), unit.to_owned(), interval));
            }
        }
    }
    out
}

/// Writes the aggregate of one point's `runs` into `dir`; returns its console table.
pub(super) fn write(dir: &Path, runs: &[&Value], level: f64, planned: u32) -> Result<String, ProfileError> {
    let aggregated = aggregate(runs, level);
    let mut metrics = Map::new();
    let mut csv = String::from("Metric,Unit,mean,std,min,max,cv,se,ci_low,ci_high,t_critical\n");
    for (key, unit, i) in &aggregated {
        metrics.insert(
            key.clone(),
            json!({ "mean": i.mean, "std": i.std, "min": i.min, "max": i.max, "cv": i.cv(), "se": i.se(), "ci_low": i.low, "ci_high": i.high, "t_critical": i.t, "unit": unit }),
        );
        let t = if i.t.is_finite() { i.t.to_string() } else { String::new() };
        csv.push_str(&format!("{key},{unit},{},{},{},{},{},{},{},{},{t}\n", i.mean, i.std, i.min, i.max, i.cv(), i.se(), i.low, i.high));
    }
    let labels: Vec<String> = (1..=runs.len()).map(|n| format!("run_{n:04}")).collect();
    let root = json!({
        "metadata": {
            "aggregation_type": "confidence",
            "num_profile_runs": planned,
            "num_successful_runs": runs.len(),
            "failed_runs": planned as usize - runs.len().min(planned as usize),
            "confidence_level": level,
            "single_run": runs.len() == 1,
            "run_labels": labels,
        },
        "metrics": metrics,
    });
    let pretty = serde_json::to_string_pretty(&root).unwrap_or_default();
    write_file(dir, "profile_export_aiperf_aggregate.json", &pretty)?;
    write_file(dir, "profile_export_aiperf_aggregate.csv", &csv)?;
    Ok(table(dir, &aggregated, level, runs.len()))
}

/// The console's view: the headline metrics' means and intervals.
fn table(dir: &Path, aggregated: &[(String, String, Interval)], level: f64, runs: usize) -> String {
    let mut out = format!("{runs} runs, mean and {:.0}% confidence interval ({}):\n", level * 100.0, dir.display());
    for (metric, stat) in SHOWN {
        let key = format!("{metric}_{stat}");
        if let Some((_, unit, i)) = aggregated.iter().find(|(k, ..)| *k == key) {
            out.push_str(&format!("  {key:<30} {:>12.2} [{:.2}, {:.2}] {unit} (cv {:.1}%)\n", i.mean, i.low, i.high, i.cv() * 100.0));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn students_t_intervals_as_scipy_gives_them() {
        // scipy.stats.t.interval(0.95, 4, loc=mean, scale=sem) for [10, 12, 11, 13, 9].
        let i = Interval::of(&[10.0, 12.0, 11.0, 13.0, 9.0], 0.95).unwrap();
        assert!((i.mean - 11.0).abs() < 1e-12 && (i.std - 2.5f64.sqrt()).abs() < 1e-12);
        assert!((i.t - 2.776_445).abs() < 1e-5, "{}", i.t);
        assert!((i.low - 9.036_757).abs() < 1e-5 && (i.high - 12.963_243).abs() < 1e-5, "{i:?}");
        let one = Interval::of(&[5.0, f64::NAN], 0.95).unwrap();
        assert_eq!((one.low, one.high, one.std, one.n), (5.0, 5.0, 0.0, 1));
        assert!(one.t.is_nan() && Interval::of(&[f64::NAN], 0.95).is_none());
    }

    #[test]
    fn every_statistic_of_every_metric_is_aggregated() {
        let run = |ttft: f64| json!({ "schema_version": "1.4", "time_to_first_token": { "unit": "ms", "avg": ttft, "p99": ttft * 2.0 } });
        let (a, b) = (run(10.0), run(20.0));
        let aggregated = aggregate(&[&a, &b], 0.9);
        let keys: Vec<&str> = aggregated.iter().map(|(k, ..)| k.as_str()).collect();
        assert_eq!(keys, ["time_to_first_token_avg", "time_to_first_token_p99"]);
        assert_eq!((aggregated[1].2.mean, aggregated[1].1.as_str()), (30.0, "ms"));
    }
}
