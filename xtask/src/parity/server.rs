//! Two `server_metrics_export.json` files (and their CSVs) side by side: each tool scraped its
//! own fresh mock server through the same load, so what the server counted (requests, tokens,
//! observations) must agree exactly, the server's timings within the latency tolerance, and the
//! CSV's sections must have the same columns. Rates and gauges depend on each tool's window and
//! timing: shown, not judged.

use std::collections::BTreeMap;

use serde_json::Value;

use super::table::Line;

/// The rule of a statistic of a series of `kind`: its family and relative tolerance (`None`:
/// shown, not judged).
fn rule(kind: &str, stat: &str) -> (&'static str, Option<f64>) {
    match (kind, stat) {
        ("counter", "total") | ("histogram", "count") => ("exact", Some(0.0)),
        ("histogram", "sum" | "avg") => ("latency", Some(0.1)),
        ("histogram", "p50_estimate" | "p90_estimate" | "p99_estimate") => ("tail", Some(0.3)),
        _ => ("shown", None),
    }
}

/// A series' labels as one key (the endpoints differ: each tool had a server of its own).
fn series_by_labels(family: &Value) -> BTreeMap<String, &Value> {
    let list = family["series"].as_array().map(Vec::as_slice).unwrap_or_default();
    list.iter().map(|series| (series.get("labels").map(Value::to_string).unwrap_or_default(), series)).collect()
}

fn line(name: String, theirs: Option<&Value>, ours: Option<&Value>, family: &'static str, ok: bool) -> Line {
    let text = |v: Option<&Value>| v.map_or_else(|| "(missing)".to_owned(), Value::to_string);
    let ratio = theirs.and_then(Value::as_f64).zip(ours.and_then(Value::as_f64)).and_then(|(x, y)| (x != 0.0).then(|| y / x));
    Line { name, theirs: text(theirs), ours: text(ours), ratio, family, ok }
}

/// The lines of one series' statistics.
fn series(name: &str, kind: &str, theirs: &Value, ours: &Value) -> Vec<Line> {
    let mut stats: Vec<&String> = theirs["stats"].as_object().into_iter().chain(ours["stats"].as_object()).flat_map(|s| s.keys()).collect();
    stats.sort();
    stats.dedup();
    let mut lines = Vec::new();
    for stat in stats {
        let (x, y) = (theirs["stats"].get(stat), ours["stats"].get(stat));
        let (family, tolerance) = rule(kind, stat);
        let numbers = x.and_then(Value::as_f64).zip(y.and_then(Value::as_f64));
        let ok = match tolerance {
            None => true,
            Some(relative) => numbers.is_some_and(|(x, y)| (y - x).abs() <= relative * x.abs() + 1e-9),
        };
        lines.push(line(format!("{name}.{stat}"), x, y, family, ok));
    }
    lines
}

/// Compares AIPerf's `server_metrics_export.json` with ours.
pub fn compare(theirs: &Value, ours: &Value) -> Vec<Line> {
    let empty = serde_json::Map::new();
    let (a, b) = (theirs["metrics"].as_object().unwrap_or(&empty), ours["metrics"].as_object().unwrap_or(&empty));
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    let mut lines = Vec::new();
    for name in names {
        let (Some(x), Some(y)) = (a.get(name), b.get(name)) else {
            let text = |v: Option<&Value>| v.map(|_| Value::from("(family)"));
            lines.push(line(name.clone(), text(a.get(name)).as_ref(), text(b.get(name)).as_ref(), "key", false));
            continue;
        };
        for key in ["type", "unit"] {
            lines.push(line(format!("{name}.{key}"), x.get(key), y.get(key), "exact", x.get(key) == y.get(key)));
        }
        let kind = x["type"].as_str().unwrap_or_default();
        let (xs, ys) = (series_by_labels(x), series_by_labels(y));
        let mut labels: Vec<&String> = xs.keys().chain(ys.keys()).collect();
        labels.sort();
        labels.dedup();
        for labels in labels {
            let shown = if labels.is_empty() { name.clone() } else { format!("{name}{labels}") };
            match (xs.get(labels), ys.get(labels)) {
                (Some(x), Some(y)) => lines.extend(series(&shown, kind, x, y)),
                (x, y) => lines.push(line(shown, x.map(|_| &Value::Null), y.map(|_| &Value::Null), "key", false)),
            }
        }
    }
    lines
}

/// The CSVs' section headers (`Endpoint,…` lines): the same columns in the same order.
pub fn compare_csv(theirs: &str, ours: &str) -> Line {
    let headers = |text: &str| -> Vec<String> { text.lines().filter(|l| l.starts_with("Endpoint,")).map(str::to_owned).collect() };
    let (x, y) = (headers(theirs), headers(ours));
    let ok = x == y;
    Line {
        name: "server_metrics_export.csv: section headers".to_owned(),
        theirs: x.join(" / "),
        ours: y.join(" / "),
        ratio: None,
        family: "exact",
        ok,
    }
}

/// Reads Parquet files with pyarrow: for each path, its columns and their Arrow types, its row
/// count, its metadata keys and the metric types of its rows.
pub const PARQUET_SUMMARY: &str = r#"
import json, sys
import pyarrow.parquet as pq
out = []
for path in sys.argv[1:]:
    f = pq.ParquetFile(path)
    table = f.read()
    keys = sorted(k.decode() for k in (f.metadata.metadata or {}) if k != b"ARROW:schema")
    out.append({
        "columns": [[field.name, str(field.type)] for field in f.schema_arrow],
        "rows": table.num_rows,
        "metadata": keys,
        "metric_types": sorted(set(table.column("metric_type").to_pylist())),
    })
print(json.dumps(out))
"#;

/// The lines comparing two files as [`PARQUET_SUMMARY`] read them.
pub fn compare_parquet(theirs: &Value, ours: &Value) -> Vec<Line> {
    let name = |what: &str| format!("server_metrics_export.parquet: {what}");
    let mut lines = Vec::new();
    for key in ["columns", "metric_types"] {
        lines.push(line(name(key), theirs.get(key), ours.get(key), "exact", theirs.get(key) == ours.get(key)));
    }
    lines.push(line(name("rows"), theirs.get("rows"), ours.get("rows"), "shown", true));
    let keys = |v: &Value| -> Vec<String> {
        v["metadata"].as_array().into_iter().flatten().filter_map(|k| k.as_str().map(str::to_owned)).collect()
    };
    let (their_keys, our_keys) = (keys(theirs), keys(ours));
    let invented: Vec<&String> = our_keys.iter().filter(|k| !their_keys.contains(k)).collect();
    let theirs_only: Vec<&String> = their_keys.iter().filter(|k| !our_keys.contains(k)).collect();
    lines.push(line(
        name("metadata keys not AIPerf's"),
        Some(&Value::from("[]")),
        Some(&serde_json::json!(invented)),
        "keys",
        invented.is_empty(),
    ));
    lines.push(line(name("metadata keys only AIPerf writes"), Some(&serde_json::json!(theirs_only)), None, "shown", true));
    lines
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn what_the_server_counted_must_agree_and_rates_are_shown() {
        let family = |total: f64, rate: f64| {
            json!({ "metrics": { "vllm:request_success": { "type": "counter", "series": [
                { "endpoint_url": "http://a/metrics", "labels": { "finished_reason": "length" }, "stats": { "total": total, "rate": rate } }
            ] } } })
        };
        let lines = compare(&family(100.0, 30.0), &family(100.0, 45.0));
        assert!(lines.iter().all(|l| l.ok), "{lines:?}");
        let lines = compare(&family(100.0, 30.0), &family(99.0, 30.0));
        let failed: Vec<&str> = lines.iter().filter(|l| !l.ok).map(|l| l.name.as_str()).collect();
        assert_eq!(failed, [r#"vllm:request_success{"finished_reason":"length"}.total"#]);
        let lines = compare(&family(1.0, 1.0), &json!({ "metrics": {} }));
        assert!(lines.iter().any(|l| !l.ok && l.name == "vllm:request_success"), "a family on one side only");
    }
}
