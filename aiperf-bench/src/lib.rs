//! aiperf-bench: the benchmark engine of `aiperf profile`, as a library. The CLI, a custom build
//! and a library user drive it alike: a [`BenchConfig`] (plain data, serde) and the build's
//! implementation table `F` go in; exports and a [`ProfileOutcome`] come out.
//!
//! Data flows one way, each module reading only what the modules before it made:
//! [`config`] (checked once) → [`plan`] (a phase's count, deadline, concurrency, rate) → the
//! issuer (`runner`: when each request goes, how many in flight) → the request path (one request
//! end to end) → [`record`]s → the collector (`collect.rs`) → summaries ([`aggregate`],
//! [`stats`], the time-weighted `timeline`) → the exporters (`report.rs`, `export/`). [`sweep`]
//! runs the whole of it once per point of a parameter sweep.
//!
//! Dependency rule: depends on `aiperf-core` (contracts) and `aiperf-o200k` (the builtin
//! tokenizer) among aiperf crates, never on an implementation: endpoints and transports come
//! from the table `F`, made by generated code in the crate that drives the engine.

#![warn(missing_docs)]

pub mod aggregate;
mod collect;
pub mod config;
pub mod dataset;
mod error;
mod export;
mod fixed_schedule;
mod inputs;
mod limits;
pub mod metrics;
mod phases;
pub mod plan;
mod progress;
pub mod record;
pub mod redact;
mod replay;
mod report;
mod runner;
mod session;
mod setup;
mod signals;
mod source;
pub mod stats;
pub mod stdio;
pub mod sweep;
pub mod tokenizer;
mod wait;

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use aiperf_core::{Endpoint, Factories, Transport};
use tokio::sync::{mpsc, watch};

use aggregate::Aggregate;
use aiperf_core::Settings;
pub use config::{BenchConfig, FAILURE_FLOOR, MAX_CONCURRENCY, MAX_DATASET_TOKENS, MAX_ISL};
use config::{Config, Selections, Ui};
pub use error::ProfileError;
use plan::Plan;
use record::Phase;
use report::Report;
use runner::Runner;
pub use signals::Signal;
use tokenizer::Tokenizer;

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
    /// Whether `--failed-request-threshold` stopped the run.
    pub threshold_crossed: bool,
}

/// What the program driving the engine adds to a configuration, never serialized with it.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The command line as the exports record it (already redacted).
    pub command_line: String,
    /// The implementations' own settings (the embedded engine's delays, say), handed to the
    /// endpoint and the transport as they are.
    pub settings: Settings,
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

/// How long requests in flight may finish after a signal.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Runs `aiperf profile` over the build's table `F`: prints progress to stderr, returns the
/// console table and where the exports are. Comma lists and `--num-profile-runs` make several
/// runs ([`sweep`]). SIGINT or SIGTERM stops sending, waits briefly for
/// requests in flight, and still writes valid exports of what completed (`was_cancelled: true`).
///
/// # Errors
/// [`ProfileError`] for flags that cannot work or artifacts that cannot be written; failed
/// requests are not errors, they are counted.
pub async fn run<F: Factories>(args: &BenchConfig, context: &Context) -> Result<ProfileOutcome, ProfileError> {
    if !(1..=sweep::MAX_PROFILE_RUNS).contains(&args.num_profile_runs) {
        return Err(error::invalid("--num-profile-runs", args.num_profile_runs, format!("from 1 to {}", sweep::MAX_PROFILE_RUNS)));
    }
    if !(args.confidence_level > 0.0 && args.confidence_level < 1.0) {
        return Err(error::invalid("--confidence-level", args.confidence_level, "a level between 0 and 1, e.g. 0.95"));
    }
    sweep::cooldown(args)?;
    let points = sweep::points(args)?;
    let args = &args.clone().with_seed();
    if points.len() == 1 && args.num_profile_runs == 1 {
        return run_one::<F>(args, context).await;
    }
    sweep::run::<F>(args, &points, context).await
}

/// One run of `aiperf profile` (one point of a sweep, one of its runs).
async fn run_one<F: Factories>(args: &BenchConfig, context: &Context) -> Result<ProfileOutcome, ProfileError> {
    let config = Config::resolve::<F>(args, context.settings.clone())?;
    let selections = Selections::<F>::with(&config.pins)?;
    let tokenizer = Tokenizer::shared(&config.dataset.tokenizer)?;
    let runner = Arc::new(setup::prepare::<F>(&config, &selections, &tokenizer)?);
    warn_about_open_files(&config, runner.replay.as_ref().map(|r| r.sends.len()));

    let (stop_tx, stop_rx) = watch::channel(false);
    let caught = Arc::new(OnceLock::new());
    let signals = signals::watch(stop_tx, Arc::clone(&caught), STOP_GRACE.as_secs());
    warmup(&config, &runner, &stop_rx).await;
    let measured = profile(&config, &runner, &stop_rx).await?;
    let cancelled_by = caught.get().copied();
    signals.abort();

    let stopped_early = runner.halted.load(Ordering::Relaxed);
    let report = Report {
        config: &config,
        tokenizer: &tokenizer,
        aggregate: &measured.aggregate,
        phases: &measured.phases,
        started: measured.started,
        ended: measured.ended,
        start_wall: measured.start_wall,
        end_wall: measured.end_wall,
        was_cancelled: cancelled_by.is_some(),
        stopped_early,
        cli_command: &context.command_line,
        entries: runner.inputs.len(),
        fixed_schedule: runner.replay.is_some(),
    };
    let console = report.write(&config.artifact_dir)?;
    Ok(ProfileOutcome {
        console,
        artifact_dir: config.artifact_dir.clone(),
        cancelled_by,
        completed: measured.aggregate.completed,
        failed: measured.aggregate.failed,
        threshold_crossed: stopped_early,
    })
}

/// Network runs need a file per connection: say so before starting when they may not fit.
/// `scheduled`: the sends of a fixed schedule, if the run has one.
fn warn_about_open_files(config: &Config, scheduled: Option<usize>) {
    if config.info.url.is_some() {
        let load = &config.schedule.load;
        // At a rate without a concurrency, at most rate × timeout requests can be in flight; a
        // fixed schedule has at most its sends in flight.
        let by_rate = match (load.rate, scheduled) {
            (Some((rate, _)), _) => (rate * config.info.timeout.as_secs_f64()).ceil() as usize,
            (None, Some(sends)) => sends,
            (None, None) => MAX_CONCURRENCY,
        };
        limits::check_open_files(load.concurrency.unwrap_or(by_rate.min(MAX_CONCURRENCY)));
    }
}

/// `--num-warmup-requests`: sent first, not measured.
async fn warmup<E: Endpoint + 'static, T: Transport + 'static>(config: &Config, runner: &Arc<Runner<E, T>>, stop: &watch::Receiver<bool>) {
    let Some(plan) = Plan::warmup(config) else { return };
    let (tx, mut rx) = mpsc::channel(runner::record_backlog(plan.concurrency));
    // Warmup records are not kept: taken as they come.
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let progress = progress::Progress::start(config.ui == Ui::Simple, "warmup", Arc::clone(runner), plan.count, None);
    runner::run_phase(Arc::clone(runner), Phase::Warmup, plan, tx, stop.clone(), STOP_GRACE).await;
    progress.finish();
    let _ = drain.await;
}

/// What the profiling phase measured, and when.
struct Measured {
    aggregate: Aggregate,
    /// The time-weighted metrics: key, unit, summary.
    phases: Vec<phases::Series>,
    started: Instant,
    ended: Instant,
    start_wall: SystemTime,
    end_wall: SystemTime,
}

/// The profiling phase: every record is folded into the statistics and streamed to the JSONL.
async fn profile<E: Endpoint + 'static, T: Transport + 'static>(
    config: &Config,
    runner: &Arc<Runner<E, T>>,
    stop: &watch::Receiver<bool>,
) -> Result<Measured, ProfileError> {
    let (start_wall, started) = (SystemTime::now(), Instant::now());
    let plan = Plan::profiling(config, started, runner.replay.as_ref().map(|replay| replay.sends.len()));
    let (tx, rx) = mpsc::channel(runner::record_backlog(plan.concurrency));
    let writer = export::RecordWriter::create(&config.artifact_dir, config.secrets.clone(), config.schedule.warmup_requests > 0)?;
    let columns_error = |source| ProfileError::Io { path: std::env::temp_dir().display().to_string(), source };
    let aggregate = Aggregate::new(config.slos.clone(), started).map_err(columns_error)?;
    let collect = tokio::spawn(collect::collect(rx, writer, aggregate, Arc::clone(&runner.in_flight)));
    let progress =
        progress::Progress::start(config.ui == Ui::Simple, "profiling", Arc::clone(runner), plan.count, config.schedule.duration);
    runner::run_phase(Arc::clone(runner), Phase::Profiling, plan, tx, stop.clone(), STOP_GRACE).await;
    progress.finish();
    let dir = config.artifact_dir.display().to_string();
    let mut aggregate = collect.await.map_err(|e| ProfileError::Io { path: dir, source: std::io::Error::other(e) })??;
    let phases = aggregate.phases.finish();
    aggregate.finish().map_err(columns_error)?;
    Ok(Measured { aggregate, phases, started, ended: Instant::now(), start_wall, end_wall: SystemTime::now() })
}
