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
}

impl RampArgs {
    /// Sets the ramp fields of `config`.
    pub fn apply(&self, config: &mut BenchConfig) {
        config.concurrency_ramp_duration = self.concurrency_ramp_duration;
    }
}
