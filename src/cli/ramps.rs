//! AIPerf 0.13's ramp flags: a load that grows to its target over a time instead of starting
//! at it.

use aiperf_bench::BenchConfig;
use clap::Args;

/// The ramp flags.
#[derive(Clone, Debug, Args)]
pub struct RampArgs {
    /// Seconds over which the concurrency grows from 1 to --concurrency, a slot at a time (a
    /// rate's cap the same way); a warmup ramps again.
    #[arg(long)]
    pub concurrency_ramp_duration: Option<f64>,
    /// Seconds over which the rate grows linearly to --request-rate (or a series' first rate),
    /// set every 0.1 s; a warmup at a rate ramps again.
    #[arg(long)]
    pub request_rate_ramp_duration: Option<f64>,
    /// A JSON file of rates to follow through profiling, joined by straight lines, the last held:
    /// {"points": [{"time_s": 0, "qps": 2}, {"time_s": 60, "qps": 20}]}.
    #[arg(long, conflicts_with = "request_rate")]
    pub request_rate_series: Option<std::path::PathBuf>,
    /// The most requests still waiting for their first token (in flight, no token yet): the
    /// server's prefill load; at most --concurrency.
    #[arg(long)]
    pub prefill_concurrency: Option<usize>,
    /// Seconds over which that limit grows from 1, a place at a time.
    #[arg(long)]
    pub prefill_concurrency_ramp_duration: Option<f64>,
}

impl RampArgs {
    /// Sets the ramp fields of `config`.
    pub fn apply(&self, config: &mut BenchConfig) {
        config.concurrency_ramp_duration = self.concurrency_ramp_duration;
        config.request_rate_ramp_duration = self.request_rate_ramp_duration;
        config.request_rate_series.clone_from(&self.request_rate_series);
        config.prefill_concurrency = self.prefill_concurrency;
        config.prefill_concurrency_ramp_duration = self.prefill_concurrency_ramp_duration;
    }
}
