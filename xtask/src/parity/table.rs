//! Two `profile_export_aiperf.json` files side by side: every key of either, every statistic of
//! each metric, the ratio, the rule that judged it and the verdict.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::rules::{Setting, rule};

/// Top-level keys that name the run, not what it measured.
const RUN_KEYS: [&str; 8] =
    ["schema_version", "aiperf_version", "benchmark_id", "input_config", "run_info", "start_time", "end_time", "error_summary"];

/// Keys only aiperf writes, each a difference `docs/parity.md` explains.
const OURS_ONLY: [&str; 1] = ["failed_request_threshold_exceeded"];

/// The statistics a metric object may carry, in AIPerf's order.
const STATS: [&str; 16] = ["avg", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "min", "max", "std", "count", "sum", "unit"];

/// The statistics judged; the others are printed.
const JUDGED: [&str; 3] = ["avg", "p50", "p99"];

/// One line of the comparison.
#[derive(Debug)]
pub struct Line {
    /// `key` or `key.stat`.
    pub name: String,
    /// AIPerf's value, as written.
    pub theirs: String,
    /// aiperf's value, as written.
    pub ours: String,
    /// ours ÷ theirs, for two numbers.
    pub ratio: Option<f64>,
    /// The rule's family (`shown`: not judged).
    pub family: &'static str,
    /// Whether it passed (always for a value only shown).
    pub ok: bool,
}

/// Compares `theirs` (AIPerf's file) with `ours` in `setting`.
pub fn compare(theirs: &Value, ours: &Value, setting: Setting) -> Vec<Line> {
    let empty = Map::new();
    let (a, b) = (theirs.as_object().unwrap_or(&empty), ours.as_object().unwrap_or(&empty));
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).filter(|k| !RUN_KEYS.contains(&k.as_str())).collect();
    keys.sort();
    keys.dedup();
    let mut lines = Vec::new();
    for key in keys {
        match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) if is_metric(x) && is_metric(y) => lines.extend(metric(key, x, y, setting)),
            (Some(x), Some(y)) => {
                lines.push(Line { name: key.clone(), theirs: x.to_string(), ours: y.to_string(), ratio: None, family: "value", ok: x == y })
            }
            (x, y) => {
                let ok = x.is_none() && OURS_ONLY.contains(&key.as_str());
                let text = |v: Option<&Value>| {
                    v.map_or_else(|| "(missing)".to_owned(), |v| if is_metric(v) { "(metric)".to_owned() } else { v.to_string() })
                };
                lines.push(Line { name: key.clone(), theirs: text(x), ours: text(y), ratio: None, family: "key", ok });
            }
        }
    }
    lines
}

fn is_metric(value: &Value) -> bool {
    value.get("unit").is_some()
}

/// The lines of one metric: every statistic either file has.
fn metric(key: &str, theirs: &Value, ours: &Value, setting: Setting) -> Vec<Line> {
    let mut lines = Vec::new();
    for stat in STATS {
        let (x, y) = (theirs.get(stat), ours.get(stat));
        if x.is_none() && y.is_none() {
            continue;
        }
        let name = format!("{key}.{stat}");
        let text = |v: Option<&Value>| v.map_or_else(|| "(missing)".to_owned(), Value::to_string);
        let (tx, ty) = (text(x), text(y));
        let numbers = x.and_then(Value::as_f64).zip(y.and_then(Value::as_f64));
        let ratio = numbers.and_then(|(x, y)| (x != 0.0).then(|| y / x));
        let line = if stat == "unit" {
            Line { name, theirs: tx, ours: ty, ratio, family: "exact", ok: x == y }
        } else if JUDGED.contains(&stat) {
            let rule = rule(key, stat, setting);
            let ok = rule.tolerance.is_none() || numbers.is_some_and(|(x, y)| rule.passes(x, y));
            Line { name, theirs: tx, ours: ty, ratio, family: rule.family, ok }
        } else {
            Line { name, theirs: tx, ours: ty, ratio, family: "shown", ok: true }
        };
        lines.push(line);
    }
    lines
}

/// The lines as a markdown table.
pub fn markdown(lines: &[Line]) -> String {
    let mut out = String::from("| key | AIPerf 0.13 | aiperf | ratio | rule | |\n|---|---|---|---|---|---|\n");
    for line in lines {
        let ratio = line.ratio.map_or_else(String::new, |r| format!("{r:.4}"));
        let verdict = if line.ok { "" } else { "**FAIL**" };
        let _ = writeln!(out, "| {} | {} | {} | {ratio} | {} | {verdict} |", line.name, line.theirs, line.ours, line.family);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::rules::Pacing;
    use super::*;

    #[test]
    fn every_key_of_either_side_is_a_line_and_misses_fail() {
        let theirs = json!({ "benchmark_id": "a", "request_count": { "unit": "requests", "avg": 100.0 }, "goodput": { "unit": "requests/sec", "avg": 1.0 } });
        let ours = json!({ "benchmark_id": "b", "request_count": { "unit": "requests", "avg": 99.0 }, "failed_request_threshold_exceeded": false });
        let setting = Setting { streaming: true, same_prompts: true, pacing: Pacing::Concurrency };
        let lines = compare(&theirs, &ours, setting);
        let verdict = |name: &str| lines.iter().find(|l| l.name == name).map(|l| l.ok);
        assert_eq!(verdict("request_count.avg"), Some(false));
        assert_eq!(verdict("request_count.unit"), Some(true));
        assert_eq!(verdict("goodput"), Some(false), "a metric missing on our side");
        assert_eq!(verdict("failed_request_threshold_exceeded"), Some(true), "a key of ours that parity.md explains");
        assert_eq!(verdict("benchmark_id"), None, "names of runs are not compared");
        assert!(markdown(&lines).contains("| request_count.avg | 100.0 | 99.0 | 0.9900 | exact | **FAIL** |"));
    }
}
