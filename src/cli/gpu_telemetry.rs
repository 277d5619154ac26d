//! `--gpu-telemetry [ITEM...]` and `--no-gpu-telemetry`: AIPerf 0.13's flags for GPU telemetry.
//! An item is a DCGM exporter's URL (`http://…` or `host:port`; the usual `localhost:9400` and
//! `:9401` are probed too) or `pynvml` (the local GPUs through NVML). Off unless asked for.

use std::time::Duration;

use aiperf_bench::ProfileError;
use aiperf_telemetry::gpu::{DEFAULT_DCGM, GpuObserver, GpuOptions, GpuTelemetry};
use aiperf_telemetry::scrape::endpoint;
use clap::Args;

/// The GPU-telemetry flags.
#[derive(Clone, Debug, Args)]
pub struct GpuTelemetryArgs {
    /// Collect GPU telemetry: DCGM exporter URLs (localhost:9400 and :9401 are always probed), or
    /// `pynvml` for the local GPUs through NVML; comma-separated or repeated.
    #[arg(long, num_args = 0.., value_delimiter = ',', conflicts_with = "no_gpu_telemetry")]
    pub gpu_telemetry: Option<Vec<String>>,
    /// Collect no GPU telemetry.
    #[arg(long)]
    pub no_gpu_telemetry: bool,
}

impl GpuTelemetryArgs {
    /// The observer, when GPU telemetry was asked for.
    ///
    /// # Errors
    /// An item that is neither a URL nor `pynvml` (naming what is accepted), `pynvml` with URLs,
    /// or an `AIPERF_GPU_COLLECTION_INTERVAL` that is no duration.
    pub fn observer(&self) -> Result<Option<GpuObserver>, ProfileError> {
        let Some(items) = self.gpu_telemetry.as_ref().filter(|_| !self.no_gpu_telemetry) else { return Ok(None) };
        let mut local = false;
        let mut dcgm: Vec<String> = Vec::new();
        for item in items {
            let invalid = |expected: &str| ProfileError::InvalidArgument {
                flag: "--gpu-telemetry",
                value: aiperf_bench::redact::url(item).into_owned(),
                expected: expected.to_owned(),
            };
            match item.to_ascii_lowercase().as_str() {
                "pynvml" => local = true,
                "amdsmi" | "dashboard" => {
                    return Err(invalid("a DCGM exporter URL or `pynvml` (AMD GPUs and the live dashboard are not supported)"));
                }
                name if name.ends_with(".csv") => {
                    return Err(invalid("a DCGM exporter URL or `pynvml` (AIPerf 0.13 reads but never uses a custom metrics file)"));
                }
                _ if item.starts_with("http") || item.contains(':') => {
                    if item.contains('@') {
                        return Err(invalid("a URL without credentials (they would show in the exports)"));
                    }
                    dcgm.push(endpoint(item));
                }
                _ => return Err(invalid("a DCGM exporter URL (http://host:9400/metrics or host:9400), or `pynvml`")),
            }
        }
        if local && !dcgm.is_empty() {
            let reason = "reads either the local GPUs (`pynvml`) or DCGM exporters, not both: drop one".to_owned();
            return Err(ProfileError::Flags { flag: "--gpu-telemetry", reason });
        }
        let dcgm = if local {
            Vec::new()
        } else {
            let mut all: Vec<String> = DEFAULT_DCGM.iter().map(|url| (*url).to_owned()).collect();
            all.extend(dcgm.into_iter().filter(|url| !DEFAULT_DCGM.contains(&url.as_str())));
            all
        };
        let interval = match std::env::var("AIPERF_GPU_COLLECTION_INTERVAL") {
            Err(_) => Duration::from_millis(333),
            Ok(text) => text.trim().parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()).filter(|d| !d.is_zero()).ok_or(
                ProfileError::InvalidArgument {
                    flag: "AIPERF_GPU_COLLECTION_INTERVAL",
                    value: text,
                    expected: "a positive number of seconds".to_owned(),
                },
            )?,
        };
        let options = GpuOptions { dcgm, local, interval, timeout: Duration::from_secs(10) };
        let telemetry = GpuTelemetry::new(options).map_err(|reason| ProfileError::Flags { flag: "--gpu-telemetry", reason })?;
        Ok(Some(GpuObserver(std::sync::Arc::new(telemetry))))
    }
}
