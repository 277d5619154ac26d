//! A run's GPU samples summarised over its window, as AIPerf 0.13 shows them: per GPU, each
//! gauge's statistics and each counter's increase; its `telemetry_data` JSON, its console
//! tables, and the energy the run took per request and per token.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use super::fields::{FIELDS, Kind};
use super::observer::{Run, title};
use super::sample::Gpu;
use crate::scrape::display;

/// One GPU over a run.
pub struct Series {
    gpu: Gpu,
    /// Each gauge's values in the window.
    values: Vec<Vec<f64>>,
    /// Each counter's baseline (the last before the window, else the first in it) and last.
    counters: Vec<(Option<f64>, Option<f64>)>,
}

impl Series {
    /// A GPU with nothing sampled.
    pub fn new(gpu: Gpu) -> Self {
        Self { gpu, values: vec![Vec::new(); FIELDS.len()], counters: vec![(None, None); FIELDS.len()] }
    }

    /// Adds a sample's values.
    pub fn add(&mut self, values: &[Option<f64>], in_window: bool) {
        for (at, value) in values.iter().enumerate() {
            let Some(value) = *value else { continue };
            match (FIELDS[at].kind, in_window) {
                (Kind::Gauge, true) => self.values[at].push(value),
                (Kind::Gauge, false) => {}
                (Kind::Counter, false) => self.counters[at].0 = Some(value),
                (Kind::Counter, true) => {
                    self.counters[at].0.get_or_insert(value);
                    self.counters[at].1 = Some(value);
                }
            }
        }
    }

    /// Field `at`'s statistics (a counter's: its increase as `avg`), none without a value.
    fn stats(&self, at: usize) -> Option<Map<String, Value>> {
        let mut stats = Map::new();
        stats.insert("unit".into(), json!(FIELDS[at].unit));
        if FIELDS[at].kind == Kind::Counter {
            let (Some(first), Some(last)) = self.counters[at] else { return None };
            stats.insert("avg".into(), json!((last - first).max(0.0)));
            return Some(stats);
        }
        // The gauge statistics the server metrics use (numpy's), with AIPerf's count and sum.
        let values = &self.values[at];
        let (gauge, _) = crate::stats::summarize(&crate::window::Series::Gauge(values.clone()))?;
        stats.extend(gauge);
        stats.insert("count".into(), json!(values.len()));
        stats.insert("sum".into(), json!(values.iter().sum::<f64>()));
        Some(stats)
    }
}

/// The run's `telemetry_data` (AIPerf's shape: endpoints, then GPUs, then metrics).
pub(super) fn json(run: &Run, dcgm: &[String]) -> Value {
    let mut endpoints: Map<String, Value> = Map::new();
    for ((source, _), series) in &run.gpus {
        let metrics: Map<String, Value> =
            (0..FIELDS.len()).filter_map(|at| Some((FIELDS[at].key.to_owned(), Value::Object(series.stats(at)?)))).collect();
        let gpu = &series.gpu;
        let entry = endpoints.entry(display(source).to_owned()).or_insert_with(|| json!({ "gpus": {} }));
        entry["gpus"][format!("gpu_{}", gpu.index)] = json!({
            "gpu_index": gpu.index,
            "gpu_name": gpu.model,
            "gpu_uuid": gpu.uuid,
            "platform": "nvidia",
            "hostname": gpu.hostname,
            "metrics": metrics,
        });
    }
    let successful: Vec<&String> = run.sources.iter().filter(|(_, (ok, _, _))| *ok > 0).map(|(source, _)| source).collect();
    json!({
        "summary": { "endpoints_configured": dcgm, "endpoints_successful": successful },
        "endpoints": endpoints,
    })
}

/// A number as AIPerf's console shows it.
fn number(value: Option<&Value>) -> String {
    match value.and_then(Value::as_f64) {
        Some(v) if v.abs() >= 1e6 => format!("{v:.2e}"),
        Some(v) => format!("{v:.2}"),
        None => "N/A".to_owned(),
    }
}

/// The console's GPU section: which sources answered, then a table per GPU.
pub(super) fn console(run: &Run, dcgm: &[String], local: bool) -> String {
    let mut out = String::from("\nAIPerf | GPU Telemetry Summary\n");
    let answered = run.sources.values().filter(|(ok, _, _)| *ok > 0).count();
    let _ = writeln!(out, "{answered}/{} telemetry sources reachable", dcgm.len() + usize::from(local));
    for (source, (ok, _, reason)) in &run.sources {
        match (ok, reason) {
            (0, Some(reason)) => {
                let _ = writeln!(out, "  • {} ✘ (unreachable: {reason})", display(source));
            }
            _ => {
                let _ = writeln!(out, "  • {} ✔", display(source));
            }
        }
    }
    if run.gpus.is_empty() {
        out.push_str("No GPU telemetry data collected during the benchmarking run.\n");
        return out;
    }
    for ((source, _), series) in &run.gpus {
        let _ = writeln!(out, "\n{}", title(source, &series.gpu));
        let _ = writeln!(
            out,
            "| {:<36} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} |",
            "Metric", "avg", "min", "max", "p99", "p90", "p50", "std"
        );
        for (at, field) in FIELDS.iter().enumerate() {
            let Some(stats) = series.stats(at) else { continue };
            let label = format!("{} ({})", field.display, field.unit);
            let cells: Vec<String> = ["avg", "min", "max", "p99", "p90", "p50", "std"].iter().map(|key| number(stats.get(*key))).collect();
            let _ = writeln!(out, "| {label:<36} | {} |", cells.iter().map(|c| format!("{c:>9}")).collect::<Vec<_>>().join(" | "));
        }
    }
    out
}

/// AIPerf's power efficiency: the energy the GPUs took over the window (their energy counters,
/// else their average power times the duration), per request and per token.
pub(super) fn efficiency(run: &Run, exports: &aiperf_bench::observe::RunExports<'_>) -> String {
    let at = |key: &str| FIELDS.iter().position(|field| field.key == key).unwrap_or_default();
    let (power, energy) = (at("nvidia_power_usage"), at("nvidia_energy_consumption"));
    let seconds = exports.end_ns.saturating_sub(exports.start_ns) as f64 / 1e9;
    let total_power: f64 = run.gpus.values().filter_map(|s| s.stats(power)).filter_map(|s| s["avg"].as_f64()).sum();
    let counted: f64 = run.gpus.values().filter_map(|s| s.stats(energy)).filter_map(|s| s["avg"].as_f64()).sum::<f64>() * 1e6;
    let (joules, average_power) = match (counted > 0.0, total_power > 0.0 && seconds > 0.0) {
        (true, _) if seconds > 0.0 => (counted, counted / seconds),
        (_, true) => (total_power * seconds, total_power),
        _ => return String::new(),
    };
    let summary = exports.summary;
    let avg = |key: &str| summary[key]["avg"].as_f64().filter(|v| *v > 0.0);
    let mut out = String::from("\nGPU Power Efficiency (NVIDIA)\n");
    let mut row = |label: &str, value: Option<f64>| {
        if let Some(value) = value {
            let _ = writeln!(out, "  {label}: {value:.2}");
        }
    };
    row("Total GPU Energy (J)", Some(joules));
    row("Average GPU Power (W)", Some(average_power));
    row("Energy per Request (joules/request)", avg("request_count").map(|n| joules / n));
    row("Energy per Output Token (mJ/token)", avg("total_osl").map(|osl| joules * 1000.0 / osl));
    row("Output Tokens per Joule (tokens/J)", avg("total_osl").map(|osl| osl / joules));
    row("Output Tokens per Second per Watt (tokens/sec/W)", avg("output_token_throughput").map(|t| t / average_power));
    row("Performance per Watt (requests/sec/W)", avg("request_throughput").map(|t| t / average_power));
    out
}
