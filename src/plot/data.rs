//! What the plots are drawn from: a run's `profile_export.jsonl` (one record per request), read
//! line by line, or a sweep's `sweep_summary.json`.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::PlotError;

/// One request, as the plots need it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Request {
    /// Issued, seconds after the run's first request.
    pub start: f64,
    /// Ended, seconds after the run's first request.
    pub end: f64,
    /// Time to first token, ms (streamed requests).
    pub ttft: Option<f64>,
    /// Inter-token latency, ms.
    pub itl: Option<f64>,
    /// Request latency, ms.
    pub latency: Option<f64>,
    /// Output tokens.
    pub output_tokens: f64,
    /// Whether it failed.
    pub failed: bool,
}

#[derive(Deserialize)]
struct Line {
    metadata: Metadata,
    #[serde(default)]
    metrics: serde_json::Map<String, Value>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Metadata {
    request_start_ns: u64,
    request_end_ns: u64,
    benchmark_phase: Option<String>,
}

/// The profiled requests of the run in `dir`, their times relative to the first start, and
/// that start (ns since the Unix epoch: the zero of every timeline of the run).
///
/// # Errors
/// A missing or malformed `profile_export.jsonl`, naming the line.
pub fn requests(dir: &Path) -> Result<(u64, Vec<Request>), PlotError> {
    let path = dir.join("profile_export.jsonl");
    let file = std::fs::File::open(&path).map_err(|e| PlotError::Read { path: path.display().to_string(), reason: e.to_string() })?;
    let mut raw = Vec::new();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let fail = |reason: String| PlotError::Read { path: format!("{}:{}", path.display(), index + 1), reason };
        let line = line.map_err(|e| fail(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line).map_err(|e| fail(format!("{e}; expected an aiperf profile_export.jsonl record")))?;
        if parsed.metadata.benchmark_phase.as_deref().is_some_and(|p| p != "profiling") {
            continue;
        }
        let value = |key: &str| parsed.metrics.get(key).and_then(|m| m.get("value")).and_then(Value::as_f64);
        let request = Request {
            ttft: value("time_to_first_token"),
            itl: value("inter_token_latency"),
            latency: value("request_latency"),
            output_tokens: value("output_sequence_length").unwrap_or(0.0),
            failed: parsed.error.is_some(),
            ..Request::default()
        };
        raw.push((parsed.metadata.request_start_ns, parsed.metadata.request_end_ns, request));
    }
    let zero = raw.iter().map(|(start, ..)| *start).min().unwrap_or(0);
    let seconds = |ns: u64| ns.saturating_sub(zero) as f64 / 1e9;
    Ok((zero, raw.into_iter().map(|(start, end, r)| Request { start: seconds(start), end: seconds(end.max(start)), ..r }).collect()))
}

/// One point of a sweep, as the plots need it.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// Its directory name (`concurrency_8`).
    pub label: String,
    /// Request latency, ms (avg).
    pub latency: Option<f64>,
    /// Time to first token, ms (avg).
    pub ttft: Option<f64>,
    /// Output tokens per second.
    pub output_throughput: Option<f64>,
    /// Requests per second.
    pub request_throughput: Option<f64>,
}

/// The points of the sweep in `dir` (`sweep_summary.json`), if it is one.
///
/// # Errors
/// A malformed summary.
pub fn sweep(dir: &Path) -> Result<Option<Vec<SweepPoint>>, PlotError> {
    let path = dir.join("sweep_summary.json");
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(None) };
    let fail = |reason: String| PlotError::Read { path: path.display().to_string(), reason };
    let summary: Value = serde_json::from_str(&text).map_err(|e| fail(e.to_string()))?;
    let points = summary["points"].as_array().ok_or_else(|| fail("no `points`: expected an aiperf sweep_summary.json".to_owned()))?;
    Ok(Some(
        points
            .iter()
            .map(|p| {
                let metric = |key: &str| p["metrics"][key]["avg"].as_f64();
                SweepPoint {
                    label: p["point"].as_str().unwrap_or_default().to_owned(),
                    latency: metric("request_latency"),
                    ttft: metric("time_to_first_token"),
                    output_throughput: metric("output_token_throughput"),
                    request_throughput: metric("request_throughput"),
                }
            })
            .collect(),
    ))
}
