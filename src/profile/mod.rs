//! `aiperf profile`: the benchmark. Resolves the flags once (`config.rs`), prepares inputs, sends
//! them with the chosen endpoint and transport at a fixed concurrency or request rate, folds every
//! response into streaming statistics, and writes AIPerf-compatible exports (`report.rs`).

pub mod aggregate;
pub mod args;
mod collect;
mod config;
pub mod dataset;
mod error;
mod export;
mod fixed_schedule;
mod inputs;
mod limits;
pub mod metrics;
mod phases;
mod progress;
pub mod record;
mod replay;
mod report;
mod runner;
mod session;
mod setup;
mod signals;
mod source;
pub mod stats;
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
pub use args::ProfileArgs;
use args::Ui;
use config::{Config, Selections};
pub use config::{FAILURE_FLOOR, MAX_CONCURRENCY, MAX_DATASET_TOKENS, MAX_ISL};
pub use error::ProfileError;
use record::Phase;
use report::Report;
use runner::{Plan, Runner};
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
pub async fn run<F: Factories>(args: &ProfileArgs, cli_command: &str) -> Result<ProfileOutcome, ProfileError> {
    if !(1..=sweep::MAX_PROFILE_RUNS).contains(&args.num_profile_runs) {
        return Err(error::invalid("--num-profile-runs", args.num_profile_runs, format!("from 1 to {}", sweep::MAX_PROFILE_RUNS)));
    }
    if !(args.confidence_level > 0.0 && args.confidence_level < 1.0) {
        return Err(error::invalid("--confidence-level", args.confidence_level, "a level between 0 and 1, e.g. 0.95"));
    }
    sweep::cooldown(args)?;
    let points = sweep::points(args)?;
    let several = points.len() > 1 || args.num_profile_runs > 1;
    let args = &ProfileArgs { random_seed: Some(args.random_seed.unwrap_or_else(|| config::default_seed(several))), ..args.clone() };
    if !several {
        return run_one::<F>(args, cli_command).await;
    }
    sweep::run::<F>(args, &points, cli_command).await
}

/// One run of `aiperf profile` (one point of a sweep, one of its runs).
async fn run_one<F: Factories>(args: &ProfileArgs, cli_command: &str) -> Result<ProfileOutcome, ProfileError> {
    let config = Config::resolve::<F>(args)?;
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
        cli_command,
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
        let plan = &config.schedule.plan;
        // At a rate without a concurrency, at most rate × timeout requests can be in flight; a
        // fixed schedule has at most its sends in flight.
        let by_rate = match (plan.rate, scheduled) {
            (Some((rate, _)), _) => (rate * config.info.timeout.as_secs_f64()).ceil() as usize,
            (None, Some(sends)) => sends,
            (None, None) => MAX_CONCURRENCY,
        };
        limits::check_open_files(plan.concurrency.unwrap_or(by_rate.min(MAX_CONCURRENCY)));
    }
}

/// `--num-warmup-requests`: sent first, not measured.
async fn warmup<E: Endpoint + 'static, T: Transport + 'static>(config: &Config, runner: &Arc<Runner<E, T>>, stop: &watch::Receiver<bool>) {
    let count = config.schedule.warmup_requests;
    if count == 0 {
        return;
    }
    let plan = Plan { count: Some(count), deadline: None, cutoff: None, ..config.schedule.plan };
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
    let deadline = config.schedule.duration.and_then(|d| started.checked_add(d));
    let cutoff = deadline.and_then(|d| d.checked_add(config.schedule.grace_period));
    let mut plan = Plan { deadline, cutoff, ..config.schedule.plan };
    if let Some(replay) = runner.replay.as_ref().filter(|_| deadline.is_none()) {
        let scheduled = replay.sends.len() as u64;
        plan.count = Some(plan.count.map_or(scheduled, |count| count.min(scheduled)));
    }
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
