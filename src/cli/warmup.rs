//! AIPerf 0.13's warmup flags: a phase sent before profiling, recorded as warmup in
//! `profile_export.jsonl` and left out of the results.

use aiperf_bench::BenchConfig;
use clap::Args;

/// The warmup flags.
#[derive(Clone, Debug, Args)]
pub struct WarmupArgs {
    /// Requests sent before profiling, not measured (with --warmup-duration: whichever comes
    /// first).
    #[arg(long, alias = "num-warmup-requests")]
    pub warmup_request_count: Option<u64>,
    /// Seconds of warmup.
    #[arg(long)]
    pub warmup_duration: Option<f64>,
    /// Requests in flight during warmup; with a rate, the most [default: --concurrency, else 1].
    #[arg(long)]
    pub warmup_concurrency: Option<usize>,
    /// Requests per second during warmup [default: --request-rate].
    #[arg(long)]
    pub warmup_request_rate: Option<f64>,
    /// Seconds requests in flight when --warmup-duration ends may take before they are cut off
    /// [default: inf, however long they take].
    #[arg(long)]
    pub warmup_grace_period: Option<f64>,
}

impl WarmupArgs {
    /// Sets the warmup fields of `config`.
    pub fn apply(&self, config: &mut BenchConfig) {
        config.warmup_request_count = self.warmup_request_count;
        config.warmup_duration = self.warmup_duration;
        config.warmup_concurrency = self.warmup_concurrency;
        config.warmup_request_rate = self.warmup_request_rate;
        config.warmup_grace_period = self.warmup_grace_period;
    }
}
