//! aiperf-bench: the benchmark engine of `aiperf profile`, as a library. The CLI, a custom build
//! and a library user drive it alike: a [`BenchConfig`] (plain data, serde) and the build's
//! implementation table `F` go in; exports and a [`ProfileOutcome`] come out.
//!
//! Data flows one way, each module reading only what the modules before it made:
//! [`config`] (checked once) → [`plan`] (a phase's count, deadline, concurrency, rate) → the
//! issuer (`issue/`: when each request goes, how many in flight) → the request path
//! (`request/`: one request end to end) → [`record`]s → the collector (`collect.rs`) → summaries ([`aggregate`],
//! [`stats`], the time-weighted `timeline`) → the exporters (`report.rs`, `export/`). [`sweep`]
//! runs the whole of it once per point of a parameter sweep.
//!
//! Dependency rule: depends on `aiperf-core` (contracts) and `aiperf-o200k` (the builtin
//! tokenizer) among aiperf crates, never on an implementation: endpoints and transports come
//! from the table `F`, made by generated code in the crate that drives the engine.

#![warn(missing_docs)]

pub mod aggregate;
pub mod builtins;
pub mod chat;
pub mod clock;
mod collect;
pub mod config;
pub mod dataset;
mod error;
mod export;
mod fixed_schedule;
mod inputs;
mod issue;
mod job;
mod limits;
pub mod metrics;
pub mod observe;
pub mod plan;
mod progress;
pub mod readiness;
pub mod record;
pub mod redact;
mod report;
mod request;
mod setup;
mod signals;
mod source;
pub mod start;
pub mod state;
pub mod stats;
pub mod stdio;
pub mod sweep;
mod timeline;
pub mod tokenizer;

use std::path::PathBuf;
use std::time::Duration;

use aiperf_core::{Factories, Settings};

pub use config::{BenchConfig, FAILURE_FLOOR, MAX_CONCURRENCY, MAX_DATASET_TOKENS, MAX_ISL, Selections};
pub use error::ProfileError;
pub use signals::Signal;

/// What a finished (or cancelled) run reports.
#[derive(Debug)]
pub struct ProfileOutcome {
    /// The console table, as printed.
    pub console: String,
    /// Where the exports are.
    pub artifact_dir: PathBuf,
    /// The signal that cut the run short, if one did (the exports are written all the same).
    pub cancelled_by: Option<Signal>,
    /// Profiled requests that succeeded.
    pub completed: u64,
    /// Profiled requests that failed (cancelled ones included).
    pub failed: u64,
    /// Of those, the ones the client cut on purpose (`--request-cancellation-rate`).
    pub cancelled: u64,
    /// Whether `--failed-request-threshold` stopped the run.
    pub threshold_crossed: bool,
}

/// What the program driving the engine adds to a configuration, never serialized with it.
pub struct Context<F: Factories> {
    /// The command line as the exports record it (already redacted).
    pub command_line: String,
    /// The implementations' own settings (the embedded engine's delays, say), handed to the
    /// endpoint and the transport as they are.
    pub settings: Settings,
    /// How names are resolved in the build's table `F`: its choices, pins and names registered
    /// at run time (a run's `--use` pins go on top of a copy).
    pub selections: Selections<F>,
    /// Where the run waits, ready, for the instant its profiling starts: the workers sharing a
    /// benchmark agree on one. None starts at once.
    pub start: Option<std::sync::Arc<dyn start::StartGate>>,
    /// What watches each run besides the engine (the server's `/metrics`, GPUs): told when
    /// profiling starts and ends, and given the run's summary to export beside it.
    pub observers: Vec<std::sync::Arc<dyn observe::RunObserver>>,
    /// Reads a server's model list, for `--wait-for-model-mode models` (or `both`); none refuses
    /// those modes.
    pub model_list: Option<std::sync::Arc<dyn readiness::ModelList>>,
}

impl<F: Factories> Default for Context<F> {
    fn default() -> Self {
        Self {
            command_line: String::new(),
            settings: Settings::default(),
            selections: Selections::default(),
            start: None,
            observers: Vec::new(),
            model_list: None,
        }
    }
}

impl BenchConfig {
    /// This configuration with its seed drawn when none was given: AIPerf's consistent seed for a
    /// sweep or repeated runs (every run sends the same prompts), else one from the system's
    /// entropy (recorded in the exports).
    #[must_use]
    pub fn with_seed(self) -> Self {
        let several = sweep::points(&self).is_ok_and(|points| points.len() > 1) || self.num_profile_runs > 1;
        Self { random_seed: Some(self.random_seed.unwrap_or_else(|| config::default_seed(several))), ..self }
    }
}

impl BenchConfig {
    /// Checks that `count` workers can share this benchmark before any starts: one benchmark
    /// (no sweep, no repeated runs), and a share for each ([`BenchConfig::share`]).
    ///
    /// # Errors
    /// The flag that cannot be shared, and why.
    pub fn check_workers(&self, count: u32) -> Result<(), ProfileError> {
        if sweep::points(self)?.len() > 1 || self.num_profile_runs > 1 {
            let reason =
                "workers share one benchmark; run each point of a sweep, and each repeated run, as a benchmark of its own".to_owned();
            return Err(ProfileError::Flags { flag: "--workers", reason });
        }
        for (flag, given) in [("--search-recipe", self.search_recipe.is_some()), ("--user-centric-rate", self.user_centric_rate.is_some())]
        {
            if given {
                let reason = "cannot be shared by workers yet: a search's runs and a load of users run on one host".to_owned();
                return Err(ProfileError::Flags { flag, reason });
            }
        }
        for index in 0..count {
            self.clone().for_worker(config::Shard::new(index, count)?)?;
        }
        Ok(())
    }
}

/// How long requests in flight may finish after a signal.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(5);

/// Runs `aiperf profile` over the build's table `F`: prints progress to stderr, returns the
/// console table and where the exports are. Comma lists and `--num-profile-runs` make several
/// runs ([`sweep`]). SIGINT or SIGTERM stops sending, waits briefly for
/// requests in flight, and still writes valid exports of what completed (`was_cancelled: true`).
///
/// # Errors
/// [`ProfileError`] for flags that cannot work or artifacts that cannot be written; failed
/// requests are not errors, they are counted.
pub async fn run<F: Factories>(args: &BenchConfig, context: &Context<F>) -> Result<ProfileOutcome, ProfileError> {
    if !(1..=sweep::MAX_PROFILE_RUNS).contains(&args.num_profile_runs) {
        return Err(error::invalid("--num-profile-runs", args.num_profile_runs, format!("from 1 to {}", sweep::MAX_PROFILE_RUNS)));
    }
    if !(args.confidence_level > 0.0 && args.confidence_level < 1.0) {
        return Err(error::invalid("--confidence-level", args.confidence_level, "a level between 0 and 1, e.g. 0.95"));
    }
    sweep::cooldown(args)?;
    let points = sweep::points(args)?;
    let args = &args.clone().with_seed();
    if let Some(shard) = args.shard {
        args.check_workers(shard.count)?;
    }
    readiness::wait::<F>(args, context).await?;
    if let Some(search) = config::search(args)? {
        return sweep::search::run::<F>(args, &search, context).await;
    }
    if points.len() == 1 && args.num_profile_runs == 1 {
        return job::run_one::<F>(args, context).await;
    }
    sweep::run::<F>(args, &points, context).await
}
