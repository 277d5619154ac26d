//! AIPerf 0.13's readiness flags: wait, before the benchmark, until the server answers.

use aiperf_bench::BenchConfig;
use aiperf_bench::config::ReadinessMode;
use clap::{Args, ValueEnum};

/// The readiness flags.
#[derive(Clone, Debug, Args)]
pub struct ReadinessArgs {
    /// Seconds to wait, before benchmarking, for the server to answer (each model, each mode);
    /// past it the run stops with exit status 1 [default: 0, no wait].
    #[arg(long)]
    pub wait_for_model_timeout: Option<f64>,
    /// Seconds between readiness attempts [default: 5].
    #[arg(long)]
    pub wait_for_model_interval: Option<f64>,
    /// What is probed: a one-token request through the run's endpoint and transport until it gets
    /// a status below 500 (inference, the default), the model in GET /v1/models (models), or both.
    #[arg(long, value_enum)]
    pub wait_for_model_mode: Option<Mode>,
}

/// `--wait-for-model-mode`'s values.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Mode {
    /// GET /v1/models until the model is listed.
    Models,
    /// A one-token request until the server answers it.
    Inference,
    /// The model list, then the request.
    Both,
}

impl ReadinessArgs {
    /// Sets the readiness fields of `config`.
    pub fn apply(&self, config: &mut BenchConfig) {
        config.wait_for_model_timeout = self.wait_for_model_timeout;
        config.wait_for_model_interval = self.wait_for_model_interval;
        config.wait_for_model_mode = self.wait_for_model_mode.map(|mode| match mode {
            Mode::Models => ReadinessMode::Models,
            Mode::Inference => ReadinessMode::Inference,
            Mode::Both => ReadinessMode::Both,
        });
    }
}
