//! What the telemetry files of a run give the pictures: the server's gauges over time
//! (`server_metrics_export.jsonl`: requests running and waiting, KV-cache use) and each GPU's
//! utilization and power (`gpu_telemetry_export.jsonl`), on the requests' timeline (seconds
//! after the run's first request).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use super::PlotError;

/// A named line: `(seconds, value)` points.
pub type Line = (String, Vec<(f64, f64)>);

/// Two panels' lines.
pub type Pair = (Vec<Line>, Vec<Line>);

/// Reads the JSON lines of `path`, if the file is there.
fn lines(path: &Path, mut each: impl FnMut(Value)) -> Result<bool, PlotError> {
    let Ok(file) = std::fs::File::open(path) else { return Ok(false) };
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let fail = |reason: String| PlotError::Read { path: format!("{}:{}", path.display(), index + 1), reason };
        let line = line.map_err(|e| fail(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        each(serde_json::from_str(&line).map_err(|e| fail(e.to_string()))?);
    }
    Ok(true)
}

/// Gauges whose time series the server picture shows, by the family name's ending, with the
/// factor to their unit (KV-cache use from a ratio to %).
const GAUGES: [(&str, &str, f64); 3] =
    [("num_requests_running", "running", 1.0), ("num_requests_waiting", "waiting", 1.0), ("kv_cache_usage_perc", "KV cache %", 100.0)];

/// The server's queue (running, waiting) and KV-cache lines of the first endpoint, none without
/// the JSONL file.
///
/// # Errors
/// A malformed line.
pub fn server(dir: &Path, zero_ns: u64) -> Result<Option<Pair>, PlotError> {
    let mut first_endpoint: Option<String> = None;
    let mut series: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    let found = lines(&dir.join("server_metrics_export.jsonl"), |line| {
        let endpoint = line["endpoint_url"].as_str().unwrap_or_default().to_owned();
        if first_endpoint.get_or_insert_with(|| endpoint.clone()) != &endpoint {
            return;
        }
        let t = line["timestamp_ns"].as_u64().unwrap_or(0) as f64 / 1e9 - zero_ns as f64 / 1e9;
        let Some(metrics) = line["metrics"].as_object() else { return };
        for (name, samples) in metrics {
            let Some((_, label, factor)) = GAUGES.iter().find(|(end, ..)| name.ends_with(end)) else { continue };
            let sum: f64 = samples.as_array().into_iter().flatten().filter_map(|s| s["value"].as_f64()).sum();
            if t >= 0.0 {
                series.entry(label).or_default().push((t, sum * factor));
            }
        }
    })?;
    if !found || series.is_empty() {
        return Ok(None);
    }
    let mut take = |label: &str| series.remove(label).map(|points| (label.to_owned(), points));
    let queue: Vec<Line> = ["running", "waiting"].iter().filter_map(|label| take(label)).collect();
    let cache: Vec<Line> = take("KV cache %").into_iter().collect();
    Ok(Some((queue, cache)))
}

/// Each GPU's utilization (%) and power (W) lines, none without the JSONL file.
///
/// # Errors
/// A malformed line.
pub fn gpus(dir: &Path, zero_ns: u64) -> Result<Option<Pair>, PlotError> {
    let mut utilization: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let mut power: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    let found = lines(&dir.join("gpu_telemetry_export.jsonl"), |line| {
        let t = line["timestamp_ns"].as_u64().unwrap_or(0) as f64 / 1e9 - zero_ns as f64 / 1e9;
        if t < 0.0 {
            return;
        }
        let name = format!("GPU {} {}", line["gpu_index"], line["gpu_model_name"].as_str().unwrap_or_default());
        let data = &line["telemetry_data"];
        if let Some(u) = data["nvidia_gpu_utilization"].as_f64() {
            utilization.entry(name.clone()).or_default().push((t, u));
        }
        if let Some(w) = data["nvidia_power_usage"].as_f64() {
            power.entry(name).or_default().push((t, w));
        }
    })?;
    if !found || (utilization.is_empty() && power.is_empty()) {
        return Ok(None);
    }
    Ok(Some((utilization.into_iter().collect(), power.into_iter().collect())))
}
