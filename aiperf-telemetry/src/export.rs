//! `server_metrics_export.json` and `.csv`, AIPerf 0.13's layouts: every endpoint's families
//! summarised over the profiling window, each series labelled by its endpoint's URL.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::collect::Endpoint;
use crate::exposition::Kind;
use crate::scrape::display;
use crate::stats::{self, PERCENTILES};

/// The JSON file's name.
pub const JSON_FILE: &str = "server_metrics_export.json";
/// The CSV file's name.
pub const CSV_FILE: &str = "server_metrics_export.csv";
/// The JSONL file's name.
pub const JSONL_FILE: &str = "server_metrics_export.jsonl";

/// One summarised series.
pub struct Row<'a> {
    /// Its endpoint's URL.
    pub endpoint: &'a str,
    /// Its family's name.
    pub metric: &'a str,
    /// Its family's kind.
    pub kind: Kind,
    /// Its family's help text.
    pub help: &'a str,
    /// Its labels.
    pub labels: &'a crate::exposition::Labels,
    /// Its `stats`.
    pub stats: Map<String, Value>,
    /// A histogram's bucket increases.
    pub buckets: Option<Map<String, Value>>,
}

/// Every series of every endpoint with something in the window, by family name, then endpoint,
/// then labels.
pub fn rows(endpoints: &[Endpoint]) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for endpoint in endpoints {
        for (name, family) in &endpoint.window.families {
            for (labels, series) in &family.series {
                if let Some((stats, buckets)) = stats::summarize(series) {
                    rows.push(Row { endpoint: &endpoint.url, metric: name, kind: family.kind, help: &family.help, labels, stats, buckets });
                }
            }
        }
    }
    rows.sort_by(|a, b| (a.metric, a.endpoint, a.labels).cmp(&(b.metric, b.endpoint, b.labels)));
    rows
}

/// AIPerf's unit of a family, from its help text or its name (`seconds`, `tokens`, `ratio`, …).
pub fn unit(name: &str, help: &str) -> Option<&'static str> {
    let help = help.to_ascii_lowercase();
    if help.contains("(0-1)") || help.contains("0.0-1.0") || help.contains("1 means 100 percent") {
        return Some("ratio");
    }
    if help.contains("(0-100)") || help.contains("0-100%") {
        return Some("percent");
    }
    for (tag, unit) in [
        ("(in mib)", "megabytes"),
        ("(in w)", "watt"),
        ("(in mhz)", "megahertz"),
        ("(in c)", "celsius"),
        ("(in %)", "percent"),
        ("(in mj)", "millijoules"),
        ("(in us)", "microseconds"),
    ] {
        if help.contains(tag) {
            return Some(unit);
        }
    }
    let suffixes = [
        ("_seconds_total", "seconds"),
        ("_tokens_total", "tokens"),
        ("_seconds", "seconds"),
        ("_ms", "milliseconds"),
        ("_bytes", "bytes"),
        ("_tokens", "tokens"),
        ("_requests", "requests"),
        ("request_success", "requests"),
        ("_reqs", "requests"),
        ("_percent", "percent"),
        ("_perc", "percent"),
        ("_ratio", "ratio"),
        ("_blocks", "blocks"),
        ("_errors", "errors"),
        ("_total", "count"),
        ("_count", "count"),
    ];
    suffixes
        .iter()
        .find(|(suffix, _)| name.ends_with(suffix))
        .map(|(_, unit)| *unit)
        .or_else(|| name.contains("num_requests_").then_some("requests"))
}

/// The JSON export's content.
pub fn json(endpoints: &[Endpoint], run: &aiperf_bench::observe::RunExports<'_>) -> Value {
    let mut metrics = Map::new();
    for row in rows(endpoints) {
        let entry = metrics.entry(row.metric.to_owned()).or_insert_with(|| {
            let mut family = json!({ "type": row.kind.name(), "description": row.help });
            if let Some(unit) = unit(row.metric, row.help) {
                family["unit"] = json!(unit);
            }
            family["series"] = json!([]);
            family
        });
        let mut series = json!({ "endpoint_url": row.endpoint });
        if !row.labels.is_empty() {
            series["labels"] = json!(row.labels);
        }
        series["stats"] = Value::Object(row.stats);
        if let Some(buckets) = row.buckets {
            series["buckets"] = Value::Object(buckets);
        }
        if let Some(list) = entry["series"].as_array_mut() {
            list.push(series);
        }
    }
    let urls: Vec<&str> = endpoints.iter().map(|endpoint| endpoint.url.as_str()).collect();
    let successful: Vec<&str> = endpoints.iter().filter(|e| e.fetches.total > 0).map(|e| e.url.as_str()).collect();
    let info: Map<String, Value> = endpoints.iter().filter(|e| e.fetches.total > 0).map(|e| (e.url.clone(), e.info())).collect();
    json!({
        "schema_version": "1.1",
        "aiperf_version": env!("CARGO_PKG_VERSION"),
        "benchmark_id": run.summary["benchmark_id"],
        "summary": {
            "endpoints_configured": urls,
            "endpoints_successful": successful,
            "start_time": run.summary["start_time"],
            "end_time": run.summary["end_time"],
            "endpoint_info": info,
            "phase_time_ranges": { "profiling": { "start_ns": run.start_ns, "end_ns": run.end_ns } },
        },
        "metrics_phase": "profiling",
        "metrics": metrics,
        "input_config": run.summary["input_config"],
    })
}

/// A number as the CSV writes it: integers as they are, others with four decimals.
fn cell(value: Option<&Value>) -> String {
    match value {
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
        Some(Value::Number(n)) => format!("{:.4}", n.as_f64().unwrap_or_default()),
        _ => String::new(),
    }
}

/// A CSV field, quoted when it must be.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// The CSV export: AIPerf's header lines, then a section per kind (gauges, counters,
/// histograms, untyped), each with its statistics and a column per label key.
pub fn csv(endpoints: &[Endpoint], benchmark_id: &str) -> String {
    let mut out = format!(
        "# AIPerf Server Metrics Export (CSV)\n# aiperf_version: {}\n# schema_version: 1.0\n# benchmark_id: {benchmark_id}\n# Note: Same benchmark_id and version appear in JSON and Parquet exports\n#\n",
        env!("CARGO_PKG_VERSION")
    );
    let rows = rows(endpoints);
    let gauge_stats: Vec<&str> = ["avg", "min", "max", "std"].into_iter().chain(PERCENTILES.iter().map(|p| p.0)).collect();
    let histogram_stats: Vec<String> = ["count", "count_rate", "sum", "sum_rate", "avg"]
        .into_iter()
        .map(str::to_owned)
        .chain(PERCENTILES.iter().map(|p| format!("{}_estimate", p.0)))
        .collect();
    let sections: [(Kind, Vec<String>); 4] = [
        (Kind::Gauge, gauge_stats.iter().map(|s| (*s).to_owned()).collect()),
        (Kind::Counter, ["total", "rate"].map(str::to_owned).to_vec()),
        (Kind::Histogram, histogram_stats),
        (Kind::Unknown, gauge_stats.iter().map(|s| (*s).to_owned()).collect()),
    ];
    let mut first = true;
    for (kind, stat_keys) in sections {
        let section: Vec<&Row<'_>> = rows.iter().filter(|row| row.kind == kind).collect();
        if section.is_empty() {
            continue;
        }
        if !first {
            out.push_str("\r\n");
        }
        first = false;
        let mut label_keys: Vec<&String> = section.iter().flat_map(|row| row.labels.keys()).collect();
        label_keys.sort();
        label_keys.dedup();
        let mut header: Vec<String> = ["Endpoint", "Type", "Metric", "Unit"].map(str::to_owned).to_vec();
        header.extend(stat_keys.iter().cloned());
        header.extend(label_keys.iter().map(|key| field(key)));
        header.push("Description".to_owned());
        if kind == Kind::Histogram {
            header.push("buckets".to_owned());
        }
        let _ = write!(out, "{}\r\n", header.join(","));
        for row in section {
            let mut cells = vec![
                field(display(row.endpoint)),
                kind.name().to_owned(),
                field(row.metric),
                unit(row.metric, row.help).unwrap_or_default().to_owned(),
            ];
            cells.extend(stat_keys.iter().map(|key| cell(row.stats.get(key))));
            cells.extend(label_keys.iter().map(|key| row.labels.get(*key).map(|v| field(v)).unwrap_or_default()));
            cells.push(field(row.help));
            if let Some(buckets) = &row.buckets {
                let text: Vec<String> = buckets.iter().map(|(le, count)| format!("{le}={count}")).collect();
                cells.push(field(&text.join(";")));
            }
            let _ = write!(out, "{}\r\n", cells.join(","));
        }
    }
    out
}

/// Writes `text` to `dir/name`; returns the path written, or why not.
pub fn write(dir: &Path, name: &str, text: &str) -> Result<std::path::PathBuf, String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map(|()| path.clone()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
