//! `server_metrics_export.json`, AIPerf 0.13's layout: every endpoint's families summarised over
//! the profiling window, each series labelled by its endpoint's URL; and the rows and units the
//! CSV (`csv.rs`) shares.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::collect::Endpoint;
use crate::exposition::Kind;
use crate::stats;

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

/// Writes `text` to `dir/name`; returns the path written, or why not.
pub fn write(dir: &Path, name: &str, text: &str) -> Result<std::path::PathBuf, String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map(|()| path.clone()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
