//! `server_metrics_export.csv`, AIPerf 0.13's layout: header comments, then a section per kind
//! (gauges, counters, histograms, untyped) with its statistics and a column per label key, and
//! the `*_info` gauges last, one row per label. Label columns are ordered and rows grouped so
//! that series with the same labels sit together (AIPerf's order, so the files diff cleanly).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_json::Value;

use crate::collect::Endpoint;
use crate::export::{Row, rows, unit};
use crate::exposition::{Kind, Labels};
use crate::scrape::display;
use crate::stats::PERCENTILES;

/// The statistics columns of a section of `kind`.
fn stat_columns(kind: Kind) -> Vec<String> {
    let gauge = || ["avg", "min", "max", "std"].into_iter().map(str::to_owned).chain(PERCENTILES.iter().map(|p| p.0.to_owned())).collect();
    match kind {
        Kind::Gauge | Kind::Unknown => gauge(),
        Kind::Counter => ["total", "rate", "rate_avg", "rate_min", "rate_max", "rate_std"].map(str::to_owned).to_vec(),
        Kind::Histogram => ["count", "count_rate", "sum", "sum_rate", "avg"]
            .into_iter()
            .map(str::to_owned)
            .chain(PERCENTILES.iter().map(|p| format!("{}_estimate", p.0)))
            .collect(),
    }
}

/// A number as the CSV writes it: integers as they are, others with four decimals.
fn cell(value: Option<&Value>) -> String {
    match value {
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
        Some(Value::Number(n)) => format!("{:.4}", n.as_f64().unwrap_or_default()),
        _ => String::new(),
    }
}

/// A CSV field, quoted when it must be (a comma, a quote or a line break in it).
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

/// Whether a row is an `*_info` gauge: its labels are settings, shown one per row at the end.
fn is_info(row: &Row<'_>) -> bool {
    row.kind == Kind::Gauge && row.metric.ends_with("_info")
}

/// The label columns of a section: keys that appear together form a family (joined through
/// neighbours in each series' sorted keys); families in the order of their smallest key, each
/// with the keys of a single series first, then the keys several series share, each group sorted.
fn label_columns(label_sets: &[&Labels]) -> Vec<String> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    fn root<'a>(parent: &mut BTreeMap<&'a str, &'a str>, key: &'a str) -> &'a str {
        let mut at = *parent.entry(key).or_insert(key);
        while parent[at] != at {
            at = parent[at];
        }
        at
    }
    for labels in label_sets {
        let keys: Vec<&str> = labels.keys().map(String::as_str).collect();
        for key in &keys {
            root(&mut parent, key);
        }
        for pair in keys.windows(2) {
            let (a, b) = (root(&mut parent, pair[0]), root(&mut parent, pair[1]));
            parent.insert(b, a);
        }
    }
    let keys: Vec<&str> = parent.keys().copied().collect();
    let mut families: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &key in &keys {
        families.entry(root(&mut parent, key)).or_default().push(key);
    }
    let shared: BTreeSet<&str> =
        keys.iter().copied().filter(|key| label_sets.iter().filter(|labels| labels.contains_key(*key)).count() > 1).collect();
    let mut families: Vec<Vec<&str>> = families.into_values().collect();
    families.sort_by_key(|family| family.iter().min().copied());
    let mut columns = Vec::with_capacity(keys.len());
    for family in families {
        let (many, one): (Vec<&str>, Vec<&str>) = family.into_iter().partition(|key| shared.contains(key));
        columns.extend(one.into_iter().chain(many).map(str::to_owned));
    }
    columns
}

/// Labels as Python shows a dict (`{'engine': '0'}`): AIPerf's last sorting key.
fn python_repr(labels: &Labels) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("'{k}': '{v}'")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// One section: its header and its rows, grouped by which label columns they fill.
fn section(out: &mut String, kind: Kind, rows: &[&Row<'_>]) {
    let stats = stat_columns(kind);
    let label_sets: Vec<&Labels> = rows.iter().map(|row| row.labels).filter(|labels| !labels.is_empty()).collect();
    let labels = label_columns(&label_sets);
    let mut header: Vec<String> = ["Endpoint", "Type", "Metric", "Unit"].map(str::to_owned).to_vec();
    header.extend(stats.iter().cloned());
    header.extend(labels.iter().map(|key| field(key)));
    header.push("Description".to_owned());
    if kind == Kind::Histogram {
        header.push("buckets".to_owned());
    }
    let _ = write!(out, "{}\r\n", header.join(","));
    let fill = |row: &Row<'_>| labels.iter().map(|key| if row.labels.contains_key(key) { '1' } else { '0' }).collect::<String>();
    let mut sorted: Vec<(String, &str, &str, String, &Row<'_>)> =
        rows.iter().map(|row| (fill(row), row.metric, display(row.endpoint), python_repr(row.labels), *row)).collect();
    sorted.sort_by(|a, b| (&a.0, a.1, a.2, &a.3).cmp(&(&b.0, b.1, b.2, &b.3)));
    for (_, metric, endpoint, _, row) in sorted {
        let mut cells = vec![field(endpoint), kind.name().to_owned(), field(metric), unit(metric, row.help).unwrap_or_default().to_owned()];
        cells.extend(stats.iter().map(|key| cell(row.stats.get(key))));
        cells.extend(labels.iter().map(|key| row.labels.get(key).map(|v| field(v)).unwrap_or_default()));
        cells.push(field(row.help));
        if let Some(buckets) = &row.buckets {
            let text: Vec<String> = buckets.iter().map(|(le, count)| format!("{le}={}", cell(Some(count)))).collect();
            cells.push(field(&text.join(";")));
        }
        let _ = write!(out, "{}\r\n", cells.join(","));
    }
}

/// The `*_info` gauges: `Endpoint,Metric,Key,Value,Description`, a row per label.
fn info_section(out: &mut String, mut rows: Vec<&Row<'_>>) {
    out.push_str("Endpoint,Metric,Key,Value,Description\r\n");
    rows.sort_by(|a, b| (a.metric, display(a.endpoint)).cmp(&(b.metric, display(b.endpoint))));
    for row in rows {
        for (key, value) in row.labels {
            let cells = [field(display(row.endpoint)), field(row.metric), field(key), field(value), field(row.help)];
            let _ = write!(out, "{}\r\n", cells.join(","));
        }
    }
}

/// The CSV export's content.
pub fn csv(endpoints: &[Endpoint], benchmark_id: &str) -> String {
    let mut out = format!(
        "# AIPerf Server Metrics Export (CSV)\n# aiperf_version: {}\n# schema_version: 1.0\n# benchmark_id: {benchmark_id}\n# Note: Same benchmark_id and version appear in JSON and Parquet exports\n#\n",
        env!("CARGO_PKG_VERSION")
    );
    let rows = rows(endpoints);
    let (info, rows): (Vec<&Row<'_>>, Vec<&Row<'_>>) = rows.iter().partition(|row| is_info(row));
    let mut first = true;
    for kind in [Kind::Gauge, Kind::Counter, Kind::Histogram, Kind::Unknown] {
        let of_kind: Vec<&Row<'_>> = rows.iter().copied().filter(|row| row.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        if !std::mem::replace(&mut first, false) {
            out.push_str("\r\n");
        }
        section(&mut out, kind, &of_kind);
    }
    if !info.is_empty() {
        if !first {
            out.push_str("\r\n");
        }
        info_section(&mut out, info);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn label_columns_keep_families_together_and_shared_keys_last() {
        // vLLM: every series has engine and model_name; one family has a key of its own.
        let a = labels(&[("engine", "0"), ("model_name", "m")]);
        let b = labels(&[("engine", "0"), ("finished_reason", "stop"), ("model_name", "m")]);
        let c = labels(&[("gpu", "0")]);
        assert_eq!(label_columns(&[&a, &b, &c]), ["finished_reason", "engine", "model_name", "gpu"].map(str::to_owned));
        let d = labels(&[("zone", "x"), ("gpu", "1")]);
        assert_eq!(label_columns(&[&a, &c, &d]), ["engine", "model_name", "zone", "gpu"].map(str::to_owned));
        assert!(label_columns(&[]).is_empty());
    }

    #[test]
    fn info_gauges_are_shown_one_label_a_row_at_the_end() {
        // vLLM's real page (tests/fixtures/vllm.prom), scraped twice into the window.
        let text = include_str!("../tests/fixtures/vllm.prom");
        let families = crate::exposition::parse(text).unwrap();
        let mut endpoint = Endpoint::new("http://127.0.0.1:8000/metrics".to_owned());
        for ns in [1_000_000_000, 2_000_000_000] {
            let scraped =
                crate::scrape::Scraped { sent_ns: ns, first_byte_ns: ns, latency_ns: 1, text: text.to_owned(), families: families.clone() };
            endpoint.add(&scraped, true);
        }
        let csv = csv(&[endpoint], "id");
        let info = csv.split("\r\n\r\n").last().unwrap();
        assert!(info.starts_with("Endpoint,Metric,Key,Value,Description\r\n"), "{csv}");
        assert!(info.contains("\r\n127.0.0.1:8000,vllm:cache_config_info,block_size,16,"), "{info}");
        let gauges = csv.split("\r\n\r\n").next().unwrap();
        assert!(!gauges.contains("cache_config_info"), "not among the gauges");
        assert!(csv.contains("\r\nEndpoint,Type,Metric,Unit,total,rate,rate_avg,rate_min,rate_max,rate_std,"), "{csv}");
    }

    #[test]
    fn labels_sort_as_python_shows_them() {
        assert_eq!(python_repr(&labels(&[("engine", "0"), ("model_name", "m")])), "{'engine': '0', 'model_name': 'm'}");
        assert_eq!(python_repr(&Labels::new()), "");
    }
}
