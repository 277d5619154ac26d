//! One run of a benchmark (one point of a sweep, one of its runs), in steps: the `--use` pins for
//! the run, the configuration resolved, the inputs prepared, warmup, the profiling phase, the
//! report.

use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

use aiperf_core::{ArrivalPattern, Endpoint, Factories, Transport};
use tokio::sync::{mpsc, watch};

use crate::aggregate::Aggregate;
use crate::config::{Config, ExportLevel, Ui};
use crate::issue::Issuer;
use crate::observe::RunExports;
use crate::plan::Plan;
use crate::progress::Progress;
use crate::record::Phase;
use crate::report::Report;
use crate::request::{self, RequestPath};
use crate::state::{self, Footer, Header, StateWriter};
use crate::tokenizer::Tokenizer;
use crate::{BenchConfig, Context, MAX_CONCURRENCY, ProfileError, ProfileOutcome, STOP_GRACE};
use crate::{clock, collect, export, limits, setup, signals, start, timeline};

/// One run of `aiperf profile` (one point of a sweep, one of its runs).
pub(crate) async fn run_one<F: Factories>(benchmark: &BenchConfig, context: &Context<F>) -> Result<ProfileOutcome, ProfileError> {
    // A worker runs its share; its state records the whole benchmark, which a merge checks.
    let args = &benchmark.share()?;
    let selections = context.selections.with_pins(&args.pins)?;
    let config = Config::resolve::<F>(args, context.settings.clone(), &selections)?;
    let tokenizer = Tokenizer::shared(&config.dataset.tokenizer)?;
    let exporters = selections.exporters(&config.info)?;
    let (path, issuer) = setup::prepare::<F>(&config, &selections, &tokenizer)?;
    let path = Arc::new(path);
    write_resolved(&config, benchmark)?;
    warn_about_open_files(&config, issuer.schedule().map(|schedule| schedule.sends.len()));
    let header = args.export_run_state.then(|| Header {
        version: state::VERSION,
        config: benchmark.clone(),
        command_line: context.command_line.clone(),
        start_ns: 0,
        entries: path.inputs().len(),
        fixed_schedule: issuer.schedule().is_some(),
    });

    let (stop_tx, stop_rx) = watch::channel(false);
    let caught = Arc::new(OnceLock::new());
    let signals = signals::watch(stop_tx, Arc::clone(&caught), STOP_GRACE.as_secs());
    let (writer, warmed) = warmup(&config, &path, &issuer, &stop_rx, record_writer(&config)?).await?;
    for observer in &context.observers {
        observer.profiling_started(&config.artifact_dir).await;
    }
    if let Some(gate) = &context.start {
        let at = gate.ready().await.map_err(ProfileError::NotStarted)?;
        start::wait_until(at, &mut stop_rx.clone()).await;
    }
    let mut measured = profile(&config, &path, &issuer, header, &stop_rx, writer).await?;
    for observer in &context.observers {
        observer.profiling_ended().await;
    }
    let cancelled_by = caught.get().copied();
    signals.abort();

    let additions: Vec<(String, serde_json::Value)> = context.observers.iter().filter_map(|observer| observer.summary()).collect();
    let stopped_early = path.tally().halted();
    if let Some(state) = measured.state.take() {
        let end_ns = clock::unix_ns(measured.end_wall);
        state.finish(Footer { end_ns, was_cancelled: cancelled_by.is_some(), stopped_early })?;
    }
    let tokenizer_name = tokenizer.name();
    let report = Report {
        config: &config,
        tokenizer: &tokenizer_name,
        aggregate: &measured.aggregate,
        timeline: &measured.timeline,
        started: measured.started,
        ended: measured.ended,
        start_wall: measured.start_wall,
        end_wall: measured.end_wall,
        was_cancelled: cancelled_by.is_some(),
        stopped_early,
        cli_command: &context.command_line,
        entries: path.inputs().len(),
        fixed_schedule: issuer.schedule().is_some(),
        workers: None,
        additions: &additions,
        warmup: None,
    };
    let warmup_report = warmed.as_ref().map(|w| warmup_report(report, w));
    let report = Report { warmup: warmup_report.as_ref(), ..report };
    let written = report.write(&config.artifact_dir, &exporters)?;
    let mut console = written.console;
    let run = RunExports {
        dir: &config.artifact_dir,
        summary: &written.summary,
        start_ns: clock::unix_ns(measured.start_wall),
        end_ns: clock::unix_ns(measured.end_wall),
    };
    for observer in &context.observers {
        console.push_str(&observer.export(&run).await);
    }
    Ok(ProfileOutcome {
        console,
        artifact_dir: config.artifact_dir.clone(),
        cancelled_by,
        completed: measured.aggregate.completed,
        failed: measured.aggregate.failed,
        cancelled: measured.aggregate.cancelled,
        threshold_crossed: stopped_early,
    })
}

/// Writes what the run resolved, flags and file together, so that `--config` repeats it.
fn write_resolved(config: &Config, benchmark: &BenchConfig) -> Result<(), ProfileError> {
    let resolved = config.artifact_dir.join(crate::config::file::RESOLVED_FILE);
    std::fs::write(&resolved, crate::config::file::resolved(benchmark))
        .map_err(|source| ProfileError::Io { path: resolved.display().to_string(), source })
}

/// Where the run's records go: `profile_export.jsonl`, or nowhere at `--export-level summary`.
fn record_writer(config: &Config) -> Result<export::RecordWriter, ProfileError> {
    Ok(match config.export_level {
        ExportLevel::Records => export::RecordWriter::create(
            &config.artifact_dir,
            config.secrets.clone(),
            config.schedule.warmup.is_some(),
            config.dataset.shard.map(|shard| shard.index),
        )?,
        ExportLevel::Summary => export::RecordWriter::none(&config.artifact_dir),
    })
}

/// The warmup's own report, `w`'s statistics in the layout of the run's `report` (a phase of no
/// schedule, never stopped early; a signal during profiling is not the warmup's).
fn warmup_report<'a>(report: Report<'a>, w: &'a Measured) -> Report<'a> {
    Report {
        aggregate: &w.aggregate,
        timeline: &w.timeline,
        started: w.started,
        ended: w.ended,
        start_wall: w.start_wall,
        end_wall: w.end_wall,
        was_cancelled: false,
        stopped_early: false,
        fixed_schedule: false,
        additions: &[],
        warmup: None,
        ..report
    }
}

/// Network runs need a file per connection: say so before starting when they may not fit.
/// `scheduled`: the sends of a fixed schedule, if the run has one.
fn warn_about_open_files(config: &Config, scheduled: Option<usize>) {
    if config.info.url.is_some() {
        let load = &config.schedule.load;
        // At a rate without a concurrency, at most rate × timeout requests can be in flight; a
        // fixed schedule has at most its sends in flight.
        let by_rate = match (load.rate, scheduled) {
            (Some(rate), _) => (rate * config.info.timeout.as_secs_f64()).ceil() as usize,
            (None, Some(sends)) => sends,
            (None, None) => MAX_CONCURRENCY,
        };
        limits::check_open_files(load.concurrency.unwrap_or(by_rate.min(MAX_CONCURRENCY)));
    }
}

/// The warmup phase: sent first, left out of the results. Its records go to
/// `profile_export.jsonl` marked as warmup, as AIPerf writes them, except requests cut off when
/// its grace period ended (AIPerf keeps no record of those), and are folded into statistics of
/// their own (AIPerf's `warmup_metrics` and `phases/warmup/`). Returns the writer for the
/// profiling phase, and what the warmup measured, if there was one.
async fn warmup<E: Endpoint + 'static, T: Transport + 'static, A: ArrivalPattern>(
    config: &Config,
    path: &Arc<RequestPath<E, T>>,
    issuer: &Issuer<A>,
    stop: &watch::Receiver<bool>,
    mut writer: export::RecordWriter,
) -> Result<(export::RecordWriter, Option<Measured>), ProfileError> {
    let started = Instant::now();
    let Some(plan) = Plan::warmup(config, started) else { return Ok((writer, None)) };
    let columns_error = |source| ProfileError::Io { path: std::env::temp_dir().display().to_string(), source };
    let mut aggregate = Aggregate::new(config.slos.clone(), started).map_err(columns_error)?;
    let (tx, mut rx) = mpsc::channel::<Box<crate::record::RequestRecord>>(request::record_backlog(plan.concurrency));
    let keep = tokio::spawn(async move {
        let mut written = Ok(());
        while let Some(record) = rx.recv().await {
            if !record.was_cancelled {
                aggregate.add(&record);
                if written.is_ok() {
                    written = writer.write(&record);
                }
            }
        }
        written.map(|()| (writer, aggregate))
    });
    let progress = Progress::start(
        config.ui == Ui::Simple,
        "warmup",
        Arc::clone(path.tally()),
        plan.count,
        config.schedule.warmup.and_then(|w| w.duration),
    );
    issuer.run_phase(path, Phase::Warmup, plan, tx, stop.clone(), STOP_GRACE).await;
    progress.finish();
    let dir = config.artifact_dir.display().to_string();
    let (writer, mut aggregate) = keep.await.map_err(|e| ProfileError::Io { path: dir, source: std::io::Error::other(e) })??;
    let timeline = aggregate.timeline.finish();
    aggregate.finish().map_err(columns_error)?;
    let (ended, clock) = (Instant::now(), path.clock());
    let (start_wall, end_wall) = (clock.at(started), clock.at(ended));
    Ok((writer, Some(Measured { aggregate, timeline, started, ended, start_wall, end_wall, state: None })))
}

/// What the profiling phase measured, and when.
struct Measured {
    aggregate: Aggregate,
    /// The time-weighted metrics: key, unit, summary.
    timeline: Vec<timeline::Series>,
    started: Instant,
    ended: Instant,
    start_wall: SystemTime,
    end_wall: SystemTime,
    /// The run's state, when kept, waiting for its footer.
    state: Option<StateWriter>,
}

/// The profiling phase: every record is folded into the statistics and streamed to the JSONL.
async fn profile<E: Endpoint + 'static, T: Transport + 'static, A: ArrivalPattern>(
    config: &Config,
    path: &Arc<RequestPath<E, T>>,
    issuer: &Issuer<A>,
    header: Option<Header>,
    stop: &watch::Receiver<bool>,
    writer: export::RecordWriter,
) -> Result<Measured, ProfileError> {
    let clock = path.clock();
    let started = Instant::now();
    let start_wall = clock.at(started);
    let state = header
        .map(|header| {
            StateWriter::create(&config.artifact_dir, Header { start_ns: clock.ns(started), ..header }, config.secrets.clone(), clock)
        })
        .transpose()?;
    let plan = Plan::profiling(config, started, issuer.schedule().map(|schedule| schedule.sends.len()));
    let (tx, rx) = mpsc::channel(request::record_backlog(plan.concurrency));
    let columns_error = |source| ProfileError::Io { path: std::env::temp_dir().display().to_string(), source };
    let aggregate = Aggregate::new(config.slos.clone(), started).map_err(columns_error)?;
    let collect = tokio::spawn(collect::collect(rx, writer, aggregate, Arc::clone(path.in_flight()), state));
    let tally = Arc::clone(path.tally());
    let progress = Progress::start(config.ui == Ui::Simple, "profiling", tally, plan.count, config.schedule.duration);
    issuer.run_phase(path, Phase::Profiling, plan, tx, stop.clone(), STOP_GRACE).await;
    progress.finish();
    let dir = config.artifact_dir.display().to_string();
    let (mut aggregate, state) = collect.await.map_err(|e| ProfileError::Io { path: dir, source: std::io::Error::other(e) })??;
    let timeline = aggregate.timeline.finish();
    aggregate.finish().map_err(columns_error)?;
    let ended = Instant::now();
    Ok(Measured { aggregate, timeline, started, ended, start_wall, end_wall: clock.at(ended), state })
}
