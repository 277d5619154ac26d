//! AIPerf 0.13's request cancellation flags: a share of the profiled requests abandoned
//! mid-flight, as users closing a tab abandon theirs.

use aiperf_bench::BenchConfig;
use clap::Args;

/// The cancellation flags.
#[derive(Clone, Debug, Args)]
pub struct CancellationArgs {
    /// Percent (0-100] of profiled requests the client cancels: each is sent whole, then cut
    /// --request-cancellation-delay seconds later (its connection closed, its gRPC stream
    /// reset) and recorded as a cancelled failure. Which ones follows --random-seed.
    #[arg(long)]
    pub request_cancellation_rate: Option<f64>,
    /// Seconds after a cancelled request was fully sent that it is cut [default: 0, at once].
    #[arg(long)]
    pub request_cancellation_delay: Option<f64>,
}

impl CancellationArgs {
    /// Sets the cancellation fields of `config`.
    pub fn apply(&self, config: &mut BenchConfig) {
        config.request_cancellation_rate = self.request_cancellation_rate;
        config.request_cancellation_delay = self.request_cancellation_delay;
    }
}
