//! AIPerf 0.13's search flags: the highest concurrency whose latency holds an objective, found by
//! a monotone search of runs.

use aiperf_bench::BenchConfig;
use clap::Args;

/// The search flags.
#[derive(Clone, Debug, Args)]
pub struct SearchArgs {
    /// Search for the highest concurrency that holds the objectives: max-throughput-ttft-sla
    /// (TTFT p95 under --ttft-sla-ms), max-throughput-itl-sla (ITL p95 under --itl-sla-ms) or
    /// max-concurrency-under-sla (each given of TTFT p95, ITL p95 and latency p99 --e2e-sla-ms).
    /// The concurrency doubles while they hold, then is bisected; each run is a sweep point.
    #[arg(long, value_parser = ["max-throughput-ttft-sla", "max-throughput-itl-sla", "max-concurrency-under-sla"])]
    pub search_recipe: Option<String>,
    /// The bound on time to first token's p95, in ms.
    #[arg(long)]
    pub ttft_sla_ms: Option<f64>,
    /// The bound on inter-token latency's p95, in ms.
    #[arg(long, visible_alias = "tpot-sla-ms")]
    pub itl_sla_ms: Option<f64>,
    /// The bound on request latency's p99, in ms.
    #[arg(long)]
    pub e2e_sla_ms: Option<f64>,
    /// The concurrency a search starts from [default: 1].
    #[arg(long)]
    pub concurrency_min: Option<u64>,
    /// The highest it tries [default: 1000].
    #[arg(long)]
    pub concurrency_max: Option<u64>,
    /// The most runs a search makes [default: 30].
    #[arg(long)]
    pub search_max_iterations: Option<u64>,
}

impl SearchArgs {
    /// Sets the search fields of `config`.
    pub fn apply(&self, config: &mut BenchConfig) {
        config.search_recipe.clone_from(&self.search_recipe);
        config.ttft_sla_ms = self.ttft_sla_ms;
        config.itl_sla_ms = self.itl_sla_ms;
        config.e2e_sla_ms = self.e2e_sla_ms;
        config.concurrency_min = self.concurrency_min;
        config.concurrency_max = self.concurrency_max;
        config.search_max_iterations = self.search_max_iterations;
    }
}
