//! The summary of a sweep: one row per point with its throughput, goodput, errors and latency
//! percentiles (the mean over its runs), written as AIPerf 0.13 writes it
//! (`sweep_aggregate/profile_export_aiperf_sweep.{json,csv}`) and as `sweep_summary.{json,csv}` at
//! the sweep's root, and printed as one table.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::{Point, write_file};
use crate::ProfileError;
use crate::config::{Named, SweepType};

/// `(metric, statistics)` a row carries.
const COLUMNS: [(&str, &[&str]); 7] = [
    ("request_throughput", &["avg"]),
    ("output_token_throughput", &["avg"]),
    ("goodput", &["avg"]),
    ("error_request_count", &["avg"]),
    ("time_to_first_token", &["avg", "p50", "p90", "p99"]),
    ("inter_token_latency", &["avg", "p50", "p90", "p99"]),
    ("request_latency", &["avg", "p50", "p90", "p99"]),
];

/// The mean over `runs` of `metric`'s `stat`, when a run has it (a run without errors has no
/// `error_request_count`, as in AIPerf: it counts 0).
fn mean(runs: &[&Value], metric: &str, stat: &str) -> Option<f64> {
    let value = |run: &Value| match run.get(metric) {
        None if metric == "error_request_count" => Some(0.0),
        found => found?.get(stat)?.as_f64(),
    };
    let values: Vec<f64> = runs.iter().filter_map(|r| value(r)).filter(|v| v.is_finite()).collect();
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Writes the summary of `points` (each with its runs' exports) into `dir` and `base`; returns
/// the console table.
pub(super) fn write(dir: &Path, base: &Path, sweep_type: SweepType, points: &[(&Point, Vec<&Value>)]) -> Result<String, ProfileError> {
    write_with(dir, base, sweep_type, points, None)
}

/// [`write`], with a search's result (`search`, its probes and answer) in the JSON.
pub(super) fn write_with(
    dir: &Path,
    base: &Path,
    sweep_type: SweepType,
    points: &[(&Point, Vec<&Value>)],
    search: Option<Value>,
) -> Result<String, ProfileError> {
    let parameters: Vec<&str> = points.first().map(|(p, _)| p.values.iter().map(|(name, _)| *name).collect()).unwrap_or_default();
    let mut rows = Vec::new();
    let mut csv = parameters.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    csv.insert(0, "point".to_owned());
    csv.push("runs".to_owned());
    csv.extend(COLUMNS.iter().flat_map(|(metric, stats)| stats.iter().map(move |stat| format!("{metric}_{stat}"))));
    let mut csv = csv.join(",") + "\n";
    for (point, runs) in points {
        let mut metrics = Map::new();
        let mut line: Vec<String> = vec![point.label.clone()];
        line.extend(point.values.iter().map(|(_, v)| v.to_string()));
        line.push(runs.len().to_string());
        for (metric, stats) in COLUMNS {
            let mut values = Map::new();
            for stat in stats {
                let value = mean(runs, metric, stat);
                line.push(value.map(|v| v.to_string()).unwrap_or_default());
                if let Some(v) = value {
                    values.insert((*stat).to_owned(), json!(v));
                }
            }
            if let (false, Some(unit)) = (values.is_empty(), runs.first().and_then(|r| r.get(metric)?.get("unit"))) {
                values.insert("unit".to_owned(), unit.clone());
                metrics.insert(metric.to_owned(), Value::Object(values));
            }
        }
        csv.push_str(&(line.join(",") + "\n"));
        let mut row = json!({ "point": point.label, "runs": runs.len(), "metrics": metrics });
        for (name, value) in &point.values {
            row[*name] = json!(value);
        }
        rows.push(row);
    }
    let kind = sweep_type.name();
    let mut root = json!({ "sweep_type": kind, "parameters": parameters, "points": rows });
    if let Some(search) = search {
        root["search"] = search;
    }
    let pretty = serde_json::to_string_pretty(&root).unwrap_or_default();
    write_file(dir, "profile_export_aiperf_sweep.json", &pretty)?;
    write_file(dir, "profile_export_aiperf_sweep.csv", &csv)?;
    write_file(base, "sweep_summary.json", &pretty)?;
    write_file(base, "sweep_summary.csv", &csv)?;
    Ok(table(points, dir))
}

/// One line per point: throughput and the latencies users look for a knee in.
fn table(points: &[(&Point, Vec<&Value>)], dir: &Path) -> String {
    let mut out = format!("Sweep ({}):\n", dir.display());
    out.push_str(&format!(
        "{:<36} {:>10} {:>14} {:>10} {:>10} {:>10} {:>12} {:>7}\n",
        "point", "req/s", "out tok/s", "TTFT p50", "TTFT p99", "ITL p50", "latency p99", "errors"
    ));
    for (point, runs) in points {
        let cell = |metric: &str, stat: &str| mean(runs, metric, stat).map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
        out.push_str(&format!(
            "{:<36} {:>10} {:>14} {:>10} {:>10} {:>10} {:>12} {:>7}\n",
            point.label,
            cell("request_throughput", "avg"),
            cell("output_token_throughput", "avg"),
            cell("time_to_first_token", "p50"),
            cell("time_to_first_token", "p99"),
            cell("inter_token_latency", "p50"),
            cell("request_latency", "p99"),
            cell("error_request_count", "avg"),
        ));
    }
    out.push_str("(times in ms; means over each point's runs)\n");
    out
}
