//! `GET /metrics` in vLLM's names, from what this server actually did: requests running (those
//! whose generation is under way), requests waiting (none: every request is served at once),
//! prompt and generation tokens counted, requests finished by reason, and histograms of its own
//! time to first token and end-to-end latency on vLLM's bucket bounds. A client's server-metrics
//! path is exercised end to end on 127.0.0.1 with it.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// vLLM's bounds for time to first token, seconds.
const TTFT_BOUNDS: [f64; 22] =
    [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];

/// vLLM's bounds for end-to-end latency, seconds.
const E2E_BOUNDS: [f64; 22] = [
    0.3,
    0.5,
    0.8,
    1.0,
    1.5,
    2.0,
    2.5,
    5.0,
    10.0,
    15.0,
    20.0,
    30.0,
    40.0,
    50.0,
    60.0,
    120.0,
    240.0,
    480.0,
    960.0,
    1920.0,
    7680.0,
    f64::INFINITY,
];

/// A Prometheus histogram: counts per bound (not cumulative), sum, count.
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Self { bounds, counts: vec![0; bounds.len()], sum: 0.0, count: 0 }
    }

    fn observe(&mut self, seconds: f64) {
        if let Some(i) = self.bounds.iter().position(|bound| seconds <= *bound) {
            self.counts[i] += 1;
        }
        self.sum += seconds;
        self.count += 1;
    }

    fn write(&self, out: &mut String, name: &str, help: &str, labels: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count;
            if bound.is_finite() {
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound:?}\"}} {:.1}", cumulative as f64);
            }
        }
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {:.1}", self.count as f64);
        let _ = writeln!(out, "{name}_count{{{labels}}} {:.1}\n{name}_sum{{{labels}}} {:?}", self.count as f64, self.sum);
    }
}

/// The server's counters and histograms.
pub(crate) struct Metrics {
    running: AtomicI64,
    prompt_tokens: AtomicU64,
    generation_tokens: AtomicU64,
    /// Finished requests by reason: stop, length, abort.
    finished: [AtomicU64; 3],
    histograms: Mutex<(Histogram, Histogram)>,
    /// The simulated GPU's energy counter (mJ) and when it was last brought up to date.
    energy: Mutex<(std::time::Instant, f64)>,
}

/// The simulated GPU's power when idle and per request running, W.
const IDLE_WATTS: f64 = 80.0;
const WATTS_PER_REQUEST: f64 = 60.0;

impl Metrics {
    pub(crate) fn new() -> Self {
        Self {
            running: AtomicI64::new(0),
            prompt_tokens: AtomicU64::new(0),
            generation_tokens: AtomicU64::new(0),
            finished: Default::default(),
            histograms: Mutex::new((Histogram::new(&TTFT_BOUNDS), Histogram::new(&E2E_BOUNDS))),
            energy: Mutex::new((std::time::Instant::now(), 0.0)),
        }
    }

    /// A generation starts.
    pub(crate) fn started(&self) {
        self.running.fetch_add(1, Ordering::Relaxed);
    }

    /// A generation ended after `took`, its first token after `first_token`, having generated
    /// `output` (none when it failed before generating).
    pub(crate) fn ended(&self, took: Duration, first_token: Option<Duration>, output: Option<&aiperf_server::GenerateOutput>) {
        self.running.fetch_sub(1, Ordering::Relaxed);
        let Some(output) = output else { return };
        self.prompt_tokens.fetch_add(output.prompt_tokens, Ordering::Relaxed);
        self.generation_tokens.fetch_add(output.completion_tokens, Ordering::Relaxed);
        let reason = match output.finish_reason {
            "stop" => 0,
            "length" => 1,
            _ => 2,
        };
        self.finished[reason].fetch_add(1, Ordering::Relaxed);
        let mut histograms = self.histograms.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(first) = first_token {
            histograms.0.observe(first.as_secs_f64());
        }
        histograms.1.observe(took.as_secs_f64());
    }

    /// The page, in Prometheus text format 0.0.4.
    pub(crate) fn page(&self, model: &str) -> String {
        let labels = format!("engine=\"0\",model_name=\"{}\"", model.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out = String::with_capacity(8 << 10);
        let gauge = |out: &mut String, name: &str, help: &str, value: f64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name}{{{labels}}} {value:?}");
        };
        gauge(
            &mut out,
            "vllm:num_requests_running",
            "Number of requests in model execution batches.",
            self.running.load(Ordering::Relaxed).max(0) as f64,
        );
        gauge(&mut out, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", 0.0);
        for (name, help, value) in [
            ("vllm:prompt_tokens_total", "Number of prefill tokens processed.", &self.prompt_tokens),
            ("vllm:generation_tokens_total", "Number of generation tokens processed.", &self.generation_tokens),
        ] {
            let _ =
                writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name}{{{labels}}} {:?}", value.load(Ordering::Relaxed) as f64);
        }
        let _ = writeln!(
            out,
            "# HELP vllm:request_success_total Count of successfully processed requests.\n# TYPE vllm:request_success_total counter"
        );
        for (reason, count) in ["stop", "length", "abort"].iter().zip(&self.finished) {
            let _ = writeln!(
                out,
                "vllm:request_success_total{{engine=\"0\",finished_reason=\"{reason}\",model_name=\"{model}\"}} {:?}",
                count.load(Ordering::Relaxed) as f64
            );
        }
        let histograms = self.histograms.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        histograms.0.write(&mut out, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", &labels);
        histograms.1.write(&mut out, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", &labels);
        out
    }
}

impl Metrics {
    /// A DCGM exporter's page (`GET /dcgm/metrics`) of one simulated GPU whose load follows
    /// the requests running: utilization 25 % a request (at most 100), power from idle up by
    /// 60 W a request, its energy counter the integral of that power, memory and temperature
    /// steady. Labels as dcgm-exporter 3.x writes them.
    pub(crate) fn dcgm_page(&self) -> String {
        let running = self.running.load(Ordering::Relaxed).max(0) as f64;
        let watts = IDLE_WATTS + WATTS_PER_REQUEST * running;
        let energy_mj = {
            let mut energy = self.energy.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = std::time::Instant::now();
            energy.1 += watts * 1e3 * now.duration_since(energy.0).as_secs_f64();
            energy.0 = now;
            energy.1
        };
        let labels = r#"gpu="0",UUID="GPU-00000000-0000-0000-0000-00000000mock",pci_bus_id="00000000:00:00.0",device="nvidia0",modelName="Mock GPU",Hostname="mock""#;
        let mut out = String::with_capacity(2 << 10);
        for (name, kind, help, value) in [
            ("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilization (in %).", (running * 25.0).min(100.0)),
            ("DCGM_FI_DEV_MEM_COPY_UTIL", "gauge", "Memory utilization (in %).", (running * 10.0).min(100.0)),
            ("DCGM_FI_DEV_FB_USED", "gauge", "Framebuffer memory used (in MiB).", 40_000.0),
            ("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (in C).", 45.0),
            ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (in W).", watts),
            ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Total energy consumption since boot (in mJ).", energy_mj.floor()),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name}{{{labels}}} {value}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_counts_what_the_server_did() {
        let metrics = Metrics::new();
        metrics.started();
        metrics.started();
        let output = aiperf_server::GenerateOutput { prompt_tokens: 10, completion_tokens: 4, finish_reason: "length" };
        metrics.ended(Duration::from_millis(400), Some(Duration::from_millis(30)), Some(&output));
        let page = metrics.page("m");
        assert!(page.contains("vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 1.0"), "{page}");
        assert!(page.contains("vllm:prompt_tokens_total{engine=\"0\",model_name=\"m\"} 10.0"), "{page}");
        assert!(page.contains("finished_reason=\"length\",model_name=\"m\"} 1.0"), "{page}");
        assert!(page.contains("vllm:time_to_first_token_seconds_bucket{engine=\"0\",model_name=\"m\",le=\"0.04\"} 1.0"), "{page}");
        assert!(page.contains("vllm:time_to_first_token_seconds_bucket{engine=\"0\",model_name=\"m\",le=\"0.02\"} 0.0"), "{page}");
        assert!(page.contains("vllm:e2e_request_latency_seconds_bucket{engine=\"0\",model_name=\"m\",le=\"+Inf\"} 1.0"), "{page}");
    }
}
