//! When requests go out: count or duration, concurrency or rate, the fixed schedule of a
//! timestamped dataset, and the failure threshold, from the flags.

use std::time::Duration;

use super::{BenchConfig, DEFAULT_REQUEST_COUNT, DatasetType, FAILURE_FLOOR, List, MAX_CONCURRENCY, Named, Window, seconds};
use crate::error::{ProfileError, invalid};

/// How requests are issued.
#[derive(Clone, Debug)]
pub(crate) struct Schedule {
    /// The profiling phase's load (the plan of each phase is made from it when it starts).
    pub load: Load,
    /// `--benchmark-duration`.
    pub duration: Option<Duration>,
    /// `--benchmark-grace-period`: how long requests in flight may finish after `duration`.
    pub grace_period: Duration,
    /// The warmup phase, if any.
    pub warmup: Option<super::warmup::Warmup>,
    /// Whether the profiling phase follows the dataset's timestamps.
    pub fixed: FixedSchedule,
}

/// What the profiling phase sends, and how fast.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Load {
    /// `--request-count` (none: until the duration ends, or the fixed schedule's).
    pub count: Option<u64>,
    /// `--concurrency` (with a rate: the most in flight).
    pub concurrency: Option<usize>,
    /// `--request-rate` (its `--arrival-pattern` is the run's issuer's).
    pub rate: Option<f64>,
    /// `--random-seed`, for random gaps.
    pub seed: u64,
    /// `--concurrency-ramp-duration`.
    pub concurrency_ramp: Option<Duration>,
    /// `--request-rate-ramp-duration`.
    pub rate_ramp: Option<Duration>,
    /// `--prefill-concurrency`.
    pub prefill_concurrency: Option<usize>,
    /// `--prefill-concurrency-ramp-duration`.
    pub prefill_ramp: Option<Duration>,
    /// `--request-rate-series`: `(seconds, requests per second)`.
    pub rate_series: Option<super::RatePoints>,
    /// `--request-cancellation-rate` and `--request-cancellation-delay`.
    pub cancellation: Option<super::Cancellation>,
    /// `--user-centric-rate` with `--num-users`.
    pub users: Option<super::Users>,
}

/// AIPerf's `--failed-request-threshold`: once `floor` profiled requests have ended, a share of
/// failures above `ratio` stops the run; the requests in flight still finish.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FailureLimit {
    /// The largest acceptable share of failed requests (0–1).
    pub ratio: f64,
    /// Requests that must have ended before the limit applies.
    pub floor: u64,
}

/// Whether the profiling phase sends each entry at its timestamp (the issuer's arrival source).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum FixedSchedule {
    /// No: at `--concurrency` or `--request-rate`.
    Off,
    /// When the dataset's first entry has a timestamp (a trace type, AIPerf's auto promotion).
    Auto(Window),
    /// Yes: `--fixed-schedule`.
    On(Window),
}

/// The phases: count or duration, concurrency or rate.
pub(super) fn schedule(args: &BenchConfig) -> Result<Schedule, ProfileError> {
    let duration = args.benchmark_duration.map(|s| seconds("--benchmark-duration", s, false)).transpose()?;
    let fixed = fixed_schedule(args)?;
    let (concurrency, request_rate) =
        (single("--concurrency", args.concurrency.as_ref())?, single("--request-rate", args.request_rate.as_ref())?);
    let rate_series = super::rate_curve::rate_series(args)?;
    // A series starts at its first point's rate: the phase is rate-controlled.
    let request_rate = request_rate.or(rate_series.as_deref().map(|points| points[0].1));
    let rate_ramp = super::rate_curve::rate_ramp(args, request_rate.is_some())?;
    if request_rate.is_some() && args.arrival_pattern == crate::builtins::CONCURRENCY_BURST {
        let reason = "sends each request as soon as a --concurrency slot is free, at no rate: drop --request-rate (or choose poisson, constant or gamma)".to_owned();
        return Err(ProfileError::Flags { flag: "--arrival-pattern concurrency_burst", reason });
    }
    if let Some(rate) = request_rate
        && !(rate.is_finite() && (1e-6..=1e9).contains(&rate))
    {
        return Err(invalid("--request-rate", rate, "requests per second between 0.000001 and 1e9"));
    }
    if let Some(n) = concurrency.filter(|&n| n == 0 || n > MAX_CONCURRENCY) {
        let expected = format!("from 1 to {MAX_CONCURRENCY} requests in flight (each holds a connection and its buffers)");
        return Err(invalid("--concurrency", n, expected));
    }
    if args.request_count == Some(0) {
        return Err(invalid("--request-count", 0, "at least 1 request (or --benchmark-duration to profile for a time)"));
    }
    let users = super::users::users(args)?;
    let load = Load {
        count: match (duration, fixed) {
            (Some(_), _) => None,
            // A fixed schedule sends every entry in its window unless told otherwise.
            (None, FixedSchedule::On(_) | FixedSchedule::Auto(_)) => args.request_count,
            (None, FixedSchedule::Off) => Some(args.request_count.unwrap_or(DEFAULT_REQUEST_COUNT)),
        },
        // A fixed schedule keeps as many requests in flight as its timestamps ask for, unless told.
        concurrency: concurrency.or(if request_rate.is_some() || users.is_some() || fixed != FixedSchedule::Off { None } else { Some(1) }),
        rate: request_rate,
        seed: super::worker_seed(args),
        concurrency_ramp: concurrency_ramp(args, concurrency)?,
        rate_ramp,
        rate_series,
        prefill_concurrency: args.prefill_concurrency,
        prefill_ramp: prefill_ramp(args)?,
        cancellation: super::cancellation::cancellation(args)?,
        users,
    };
    check_prefill("--concurrency", load.prefill_concurrency, load.concurrency)?;
    Ok(Schedule {
        load,
        duration,
        grace_period: seconds("--benchmark-grace-period", args.benchmark_grace_period, true)?,
        warmup: super::warmup::warmup(args, concurrency, request_rate)?,
        fixed,
    })
}

/// `--concurrency-ramp-duration`, which ramps a `--concurrency` given (a closed loop's, or a
/// rate's cap).
fn concurrency_ramp(args: &BenchConfig, concurrency: Option<usize>) -> Result<Option<Duration>, ProfileError> {
    let Some(seconds) = args.concurrency_ramp_duration else { return Ok(None) };
    let ramp = super::seconds("--concurrency-ramp-duration", seconds, false)?;
    if concurrency.is_none() {
        let reason = "ramps the concurrency from 1 to --concurrency N: give --concurrency".to_owned();
        return Err(ProfileError::Flags { flag: "--concurrency-ramp-duration", reason });
    }
    Ok(Some(ramp))
}

/// `--prefill-concurrency-ramp-duration`, which ramps a `--prefill-concurrency` given.
fn prefill_ramp(args: &BenchConfig) -> Result<Option<Duration>, ProfileError> {
    if let Some(n) = args.prefill_concurrency.filter(|&n| n == 0 || n > MAX_CONCURRENCY) {
        return Err(invalid("--prefill-concurrency", n, format!("from 1 to {MAX_CONCURRENCY} requests waiting for their first token")));
    }
    let Some(seconds) = args.prefill_concurrency_ramp_duration else { return Ok(None) };
    let ramp = super::seconds("--prefill-concurrency-ramp-duration", seconds, false)?;
    if args.prefill_concurrency.is_none() {
        let reason = "ramps the prefill limit from 1 to --prefill-concurrency N: give --prefill-concurrency".to_owned();
        return Err(ProfileError::Flags { flag: "--prefill-concurrency-ramp-duration", reason });
    }
    Ok(Some(ramp))
}

/// AIPerf's rule: no more requests waiting for their first token than requests in flight.
pub(super) fn check_prefill(flag: &'static str, prefill: Option<usize>, concurrency: Option<usize>) -> Result<(), ProfileError> {
    match (prefill, concurrency) {
        (Some(prefill), Some(concurrency)) if prefill > concurrency => Err(invalid(
            "--prefill-concurrency",
            prefill,
            format!("at most {flag} ({concurrency}): requests waiting for their first token are requests in flight"),
        )),
        _ => Ok(()),
    }
}

/// `--fixed-schedule` and its offsets; on by default for a trace file.
fn fixed_schedule(args: &BenchConfig) -> Result<FixedSchedule, ProfileError> {
    let window = Window { start_ms: args.fixed_schedule_start_offset, end_ms: args.fixed_schedule_end_offset };
    if let (Some(start), Some(end)) = (window.start_ms, window.end_ms)
        && start > end
    {
        return Err(invalid("--fixed-schedule-end-offset", end, format!("at least --fixed-schedule-start-offset ({start} ms)")));
    }
    let kind = args.custom_dataset_type.as_deref().and_then(|name| DatasetType::from_name(name).ok());
    let trace = args.input_file.is_some() && kind.is_some_and(DatasetType::is_trace);
    if args.fixed_schedule && args.input_file.is_none() {
        let reason = "needs --input-file: a fixed schedule sends each line of the file at its `timestamp` (ms)".to_owned();
        return Err(ProfileError::Flags { flag: "--fixed-schedule", reason });
    }
    let fixed = match (args.fixed_schedule, trace && !args.no_fixed_schedule) {
        (true, _) => FixedSchedule::On(window),
        (false, true) => FixedSchedule::Auto(window),
        (false, false) => FixedSchedule::Off,
    };
    let offsets = [
        ("--fixed-schedule-start-offset", window.start_ms.is_some()),
        ("--fixed-schedule-end-offset", window.end_ms.is_some()),
        ("--fixed-schedule-auto-offset", args.fixed_schedule_auto_offset),
    ];
    if let (FixedSchedule::Off, Some((flag, _))) = (fixed, offsets.iter().find(|(_, given)| *given)) {
        let reason = "applies to a fixed schedule: add --fixed-schedule, with an --input-file whose lines have a `timestamp`".to_owned();
        return Err(ProfileError::Flags { flag, reason });
    }
    Ok(fixed)
}

/// The value of a flag that may be a list, for one run (a sweep runs each value on its own).
pub(super) fn single<T: Copy>(flag: &'static str, list: Option<&List<T>>) -> Result<Option<T>, ProfileError> {
    match list {
        None => Ok(None),
        Some(list) => list.single().map(Some).ok_or_else(|| {
            let reason = "takes one value per run: a comma list is a sweep (aiperf profile runs it one value at a time)".to_owned();
            ProfileError::Flags { flag, reason }
        }),
    }
}

pub(super) fn failure_limit(threshold: Option<f64>, concurrency: Option<usize>) -> Result<Option<FailureLimit>, ProfileError> {
    let floor = FAILURE_FLOOR.max(concurrency.map_or(0, |c| c as u64));
    match threshold {
        None => Ok(None),
        Some(ratio) if ratio.is_finite() && ratio > 0.0 && ratio <= 1.0 => Ok(Some(FailureLimit { ratio, floor })),
        Some(ratio) => Err(invalid("--failed-request-threshold", ratio, "a share of failed requests above 0 and at most 1, e.g. 0.1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_threshold_is_armed_after_10_requests_or_the_concurrency() {
        let floor = |concurrency| failure_limit(Some(0.1), concurrency).unwrap().unwrap().floor;
        assert_eq!((floor(None), floor(Some(2)), floor(Some(40))), (10, 10, 40));
        assert!(failure_limit(None, Some(40)).unwrap().is_none());
        assert!(failure_limit(Some(1.5), None).is_err());
    }
}
