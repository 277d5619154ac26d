//! What the console says of the server's metrics after the run's table: each endpoint's
//! scrapes, the server's own time to first token and latency beside ours, its queue and
//! KV-cache use. (AIPerf prints only where the files went; these lines are ours.)

use std::fmt::Write as _;

use serde_json::Value;

use crate::collect::Endpoint;
use crate::window::Series;

/// Histograms in seconds whose percentiles stand beside one of ours: the family name's ending,
/// and our metric's key.
const BESIDE_OURS: [(&str, &str); 3] = [
    ("time_to_first_token_seconds", "time_to_first_token"),
    ("e2e_request_latency_seconds", "request_latency"),
    ("inter_token_latency_seconds", "inter_token_latency"),
];

/// Gauges whose time statistics say how loaded the server was, by the family name's ending.
const LOAD: [&str; 5] = ["num_requests_running", "num_requests_waiting", "kv_cache_usage_perc", "requests_processing", "queue_size"];

/// The lines for every endpoint; `ours` is the run's `profile_export_aiperf.json` content.
pub fn lines(endpoints: &[Endpoint], ours: &Value) -> String {
    let mut out = String::new();
    for endpoint in endpoints {
        let (failed, reason) = &endpoint.failures;
        let total = endpoint.fetches.total + failed;
        if let Some(reason) = &endpoint.dropped {
            let _ = writeln!(out, "Server metrics: {} not reachable when profiling started ({reason}); not collected", endpoint.url);
            continue;
        }
        if endpoint.fetches.total == 0 {
            let reason = reason.as_deref().unwrap_or("no scrape");
            let _ =
                writeln!(out, "Server metrics: {} never answered ({total} scrapes; last: {reason}); nothing exported for it", endpoint.url);
            continue;
        }
        let _ = write!(out, "Server metrics: {} ({} scrapes", endpoint.url, total);
        if *failed > 0 {
            let _ = write!(out, ", {failed} failed; last: {}", reason.as_deref().unwrap_or_default());
        }
        out.push_str(")\n");
        for (name, family) in &endpoint.window.families {
            for (labels, series) in &family.series {
                let Some((stats, _)) = crate::stats::summarize(series) else { continue };
                let tag = labels.get("model_name").map(|model| format!(" {{{model}}}")).unwrap_or_default();
                if let (Series::Histogram { .. }, Some((_, key))) = (series, BESIDE_OURS.iter().find(|(end, _)| name.ends_with(end))) {
                    let ms = |key: &str| stats.get(key).and_then(Value::as_f64).map(|s| s * 1e3);
                    let (Some(p50), Some(p99)) = (ms("p50_estimate"), ms("p99_estimate")) else { continue };
                    let _ = write!(out, "  {name}{tag}: p50 {p50:.2} ms, p99 {p99:.2} ms over {} requests", stats["count"]);
                    if let (Some(c50), Some(c99)) = (ours[key]["p50"].as_f64(), ours[key]["p99"].as_f64()) {
                        let _ = write!(out, " (ours: p50 {c50:.2} ms, p99 {c99:.2} ms)");
                    }
                    out.push('\n');
                } else if let (Series::Gauge(_), true) = (series, LOAD.iter().any(|end| name.ends_with(end))) {
                    let (avg, max) = (stats["avg"].as_f64().unwrap_or_default(), stats["max"].as_f64().unwrap_or_default());
                    let _ = writeln!(out, "  {name}{tag}: avg {avg:.2}, max {max:.2}");
                }
            }
        }
    }
    out
}
