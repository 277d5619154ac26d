//! Sweeps and repeated runs, laid out as AIPerf 0.13 lays them out. Comma lists of
//! `--concurrency` and `--request-rate` make points (`--sweep-type grid|zip`), each run into a
//! directory of its own (`concurrency_8`, dimensions joined with `__`); `--num-profile-runs N`
//! repeats every point (`profile_runs/run_0001/`, or `profile_runs/trial_0001/<point>/` in a
//! sweep) and aggregates the runs with Student's t confidence intervals (`confidence.rs`). A sweep
//! ends with a summary of its points (`summary.rs`).

mod confidence;
pub(crate) mod search;
mod summary;

use std::path::{Path, PathBuf};
use std::time::Duration;

use aiperf_core::Factories;
use serde_json::Value;

use super::config::{BenchConfig, List, SweepType};
use super::error::invalid;
use super::{Context, ProfileError, ProfileOutcome};

/// The longest pause between runs.
const MAX_COOLDOWN: Duration = Duration::from_secs(24 * 3600);

/// The most runs of one point, as in AIPerf.
pub const MAX_PROFILE_RUNS: u32 = 10;

/// One point of a sweep: its directory name and the values it runs with.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// `concurrency_8__request_rate_10`; empty when nothing is swept.
    pub label: String,
    /// `(flag name, value)` per swept flag.
    pub values: Vec<(&'static str, f64)>,
    /// `--concurrency` of this point.
    pub concurrency: Option<usize>,
    /// `--request-rate` of this point.
    pub request_rate: Option<f64>,
    /// `--num-users` of this point.
    pub num_users: Option<usize>,
}

/// The points the lists of `args` make: one when nothing is swept.
///
/// # Errors
/// `zip` over lists of different lengths, and a sweep of a fixed schedule.
pub fn points(args: &BenchConfig) -> Result<Vec<Point>, ProfileError> {
    let users = args.num_users.as_ref().map_or_else(Vec::new, |l| l.0.clone());
    if users.len() > 1 {
        // A users' load has no concurrency or rate of its own: its sweep is of users alone.
        let point = |u: usize| Point {
            label: format!("num_users_{u}"),
            values: vec![("num_users", u as f64)],
            concurrency: None,
            request_rate: None,
            num_users: Some(u),
        };
        return Ok(users.into_iter().map(point).collect());
    }
    let concurrency = args.concurrency.as_ref().map_or_else(Vec::new, |l| l.0.clone());
    let rates = args.request_rate.as_ref().map_or_else(Vec::new, |l| l.0.clone());
    let swept = |len: usize| len > 1;
    if (swept(concurrency.len()) || swept(rates.len())) && args.fixed_schedule {
        let reason = "a fixed schedule sends at the trace's times: a sweep of --concurrency or --request-rate does not apply".to_owned();
        return Err(ProfileError::Flags { flag: "--fixed-schedule", reason });
    }
    let pairs: Vec<(Option<usize>, Option<f64>)> = match (args.sweep_type, concurrency.len(), rates.len()) {
        (_, 0, 0) => vec![(None, None)],
        (_, 0, _) => rates.iter().map(|&r| (None, Some(r))).collect(),
        (_, _, 0) => concurrency.iter().map(|&c| (Some(c), None)).collect(),
        (SweepType::Grid, _, _) => concurrency.iter().flat_map(|&c| rates.iter().map(move |&r| (Some(c), Some(r)))).collect(),
        (SweepType::Zip, c, r) if c == r || c == 1 || r == 1 => {
            (0..c.max(r)).map(|i| (Some(concurrency[i.min(c - 1)]), Some(rates[i.min(r - 1)]))).collect()
        }
        (SweepType::Zip, c, r) => {
            let reason = format!(
                "zips lists of one length: --concurrency has {c} values, --request-rate {r}; give them as many, or use --sweep-type grid"
            );
            return Err(ProfileError::Flags { flag: "--sweep-type zip", reason });
        }
    };
    Ok(pairs
        .into_iter()
        .map(|(concurrency, request_rate)| {
            let mut values = Vec::new();
            if let Some(c) = concurrency.filter(|_| swept(args.concurrency.as_ref().map_or(0, |l| l.0.len()))) {
                values.push(("concurrency", c as f64));
            }
            if let Some(r) = request_rate.filter(|_| swept(args.request_rate.as_ref().map_or(0, |l| l.0.len()))) {
                values.push(("request_rate", r));
            }
            let label = values.iter().map(|(name, value)| format!("{name}_{value}")).collect::<Vec<_>>().join("__");
            Point { label, values, concurrency, request_rate, num_users: users.first().copied() }
        })
        .collect())
}

/// `--profile-run-cooldown-seconds`, checked.
///
/// # Errors
/// A pause that is negative, not a number, or longer than a day.
pub fn cooldown(args: &BenchConfig) -> Result<Duration, ProfileError> {
    let seconds = args.profile_run_cooldown_seconds;
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| *d <= MAX_COOLDOWN)
        .ok_or_else(|| invalid("--profile-run-cooldown-seconds", seconds, "seconds from 0 to a day"))
}

/// Where run `trial` (1-based) of `point` writes, AIPerf's layout.
fn run_dir(base: &Path, point: &Point, trial: u32, trials: u32) -> PathBuf {
    match (point.label.is_empty(), trials > 1) {
        (_, false) => base.join(&point.label),
        (true, true) => base.join("profile_runs").join(format!("run_{trial:04}")),
        (false, true) => base.join("profile_runs").join(format!("trial_{trial:04}")).join(&point.label),
    }
}

/// One finished run, for the aggregates: its point, its exports and how it ended.
struct Ran {
    point: usize,
    export: Value,
    outcome: ProfileOutcome,
}

/// Runs every point `--num-profile-runs` times, then writes the aggregates and the sweep
/// summary; returns the last table printed. A signal stops the remaining runs (what ran is
/// still aggregated).
///
/// # Errors
/// As a single run: flags that cannot work stop the sweep at its first run.
pub async fn run<F: Factories>(args: &BenchConfig, points: &[Point], context: &Context<F>) -> Result<ProfileOutcome, ProfileError> {
    let trials = args.num_profile_runs;
    let base = args.output_artifact_dir.clone();
    let cooldown = cooldown(args)?;
    let mut ran = Vec::new();
    'runs: for trial in 1..=trials {
        for (index, point) in points.iter().enumerate() {
            if !ran.is_empty() && !cooldown.is_zero() {
                tokio::time::sleep(cooldown).await;
            }
            let mut run_args = args.clone();
            run_args.concurrency = point.concurrency.map(|c| List(vec![c]));
            run_args.request_rate = point.request_rate.map(|r| List(vec![r]));
            run_args.num_users = point.num_users.map(|u| List(vec![u]));
            run_args.output_artifact_dir = run_dir(&base, point, trial, trials);
            // Only the first run warms the server up, as in AIPerf.
            if trial > 1 {
                (run_args.warmup_request_count, run_args.warmup_duration) = (None, None);
                (run_args.warmup_concurrency, run_args.warmup_request_rate, run_args.warmup_grace_period) = (None, None, None);
            }
            let outcome = super::job::run_one::<F>(&run_args, context).await?;
            let label = if point.label.is_empty() { format!("run {trial}") } else { format!("{} (run {trial})", point.label) };
            crate::stdio::note(&format!("[aiperf] {label}: {} requests succeeded, {} failed", outcome.completed, outcome.failed));
            let export = read_export(&outcome.artifact_dir)?;
            let stop = outcome.cancelled_by.is_some();
            ran.push(Ran { point: index, export, outcome });
            if stop {
                break 'runs;
            }
        }
    }
    let mut console = String::new();
    if trials > 1 {
        for (index, point) in points.iter().enumerate() {
            let runs: Vec<&Value> = ran.iter().filter(|r| r.point == index).map(|r| &r.export).collect();
            let dir = if point.label.is_empty() { base.join("aggregate") } else { base.join("aggregate").join(&point.label) };
            console.push_str(&confidence::write(&dir, &runs, args.confidence_level, trials)?);
        }
    }
    if points.len() > 1 {
        let exports: Vec<(&Point, Vec<&Value>)> =
            points.iter().enumerate().map(|(i, p)| (p, ran.iter().filter(|r| r.point == i).map(|r| &r.export).collect())).collect();
        let dir = if trials > 1 { base.join("aggregate").join("sweep_aggregate") } else { base.join("sweep_aggregate") };
        console.push_str(&summary::write(&dir, &base, args.sweep_type, &exports)?);
    }
    Ok(combined(ran, console, base))
}

/// The outcome of the whole sweep: the last signal, the counts summed, any run stopped early.
fn combined(ran: Vec<Ran>, console: String, artifact_dir: PathBuf) -> ProfileOutcome {
    let outcomes = ran.into_iter().map(|r| r.outcome);
    outcomes.fold(
        ProfileOutcome { console, artifact_dir, cancelled_by: None, completed: 0, failed: 0, cancelled: 0, threshold_crossed: false },
        |mut all, one| {
            all.cancelled_by = all.cancelled_by.or(one.cancelled_by);
            all.completed += one.completed;
            all.failed += one.failed;
            all.cancelled += one.cancelled;
            all.threshold_crossed |= one.threshold_crossed;
            all
        },
    )
}

/// A run's `profile_export_aiperf.json`.
fn read_export(dir: &Path) -> Result<Value, ProfileError> {
    let path = dir.join(super::export::JSON_FILE);
    let io = |source| ProfileError::Io { path: path.display().to_string(), source };
    let text = std::fs::read_to_string(&path).map_err(io)?;
    serde_json::from_str(&text).map_err(|e| io(std::io::Error::other(e)))
}

/// Writes `text` to `dir/name`, creating `dir`.
fn write_file(dir: &Path, name: &str, text: &str) -> Result<(), ProfileError> {
    let io = |source| ProfileError::Io { path: dir.join(name).display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(dir.join(name), text).map_err(io)
}

#[cfg(test)]
mod tests;
