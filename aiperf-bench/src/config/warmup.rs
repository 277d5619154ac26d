//! The warmup phase, as AIPerf 0.13 has it: sent before profiling, recorded as warmup, left out
//! of the results. It runs when `--warmup-request-count` or `--warmup-duration` is given (both:
//! whichever is reached first), at its own `--warmup-concurrency` / `--warmup-request-rate` or
//! else the profiling phase's load; requests in flight when its duration ends may finish within
//! `--warmup-grace-period` (by default, however long they take).

use std::time::Duration;

use super::{BenchConfig, MAX_CONCURRENCY, seconds};
use crate::error::{ProfileError, invalid};

/// The warmup phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Warmup {
    /// `--warmup-request-count`: stop sending after this many.
    pub count: Option<u64>,
    /// `--warmup-duration`: stop sending after this long.
    pub duration: Option<Duration>,
    /// `--warmup-grace-period`: how long requests in flight at the duration's end may finish;
    /// none, however long they take.
    pub grace_period: Option<Duration>,
    /// Requests in flight (with a rate: the most; none, no limit but the engine's).
    pub concurrency: Option<usize>,
    /// Requests per second (none: each request as soon as a slot is free).
    pub rate: Option<f64>,
}

/// The warmup flags that only shape a warmup, for the error that names one given without it.
const SHAPING: [&str; 3] = ["--warmup-concurrency", "--warmup-request-rate", "--warmup-grace-period"];

/// The warmup of `args`, whose profiling phase runs at `concurrency` and `rate` (the values of
/// this run); none without `--warmup-request-count` or `--warmup-duration`.
pub(super) fn warmup(args: &BenchConfig, concurrency: Option<usize>, rate: Option<f64>) -> Result<Option<Warmup>, ProfileError> {
    if args.warmup_request_count == Some(0) {
        return Err(invalid("--warmup-request-count", 0, "at least 1 request (leave the flag out for no warmup)"));
    }
    let duration = args.warmup_duration.map(|s| seconds("--warmup-duration", s, false)).transpose()?;
    let shaping = [args.warmup_concurrency.is_some(), args.warmup_request_rate.is_some(), args.warmup_grace_period.is_some()];
    if args.warmup_request_count.is_none() && duration.is_none() {
        if let Some((flag, _)) = SHAPING.iter().zip(shaping).find(|(_, given)| *given) {
            let reason = "shapes a warmup, and there is none: add --warmup-request-count N or --warmup-duration SECONDS".to_owned();
            return Err(ProfileError::Flags { flag, reason });
        }
        return Ok(None);
    }
    let grace_period = match args.warmup_grace_period {
        Some(_) if duration.is_none() => {
            let reason = "applies to a warmup with --warmup-duration: the time requests in flight at its end may take".to_owned();
            return Err(ProfileError::Flags { flag: "--warmup-grace-period", reason });
        }
        Some(s) if s == f64::INFINITY => None,
        Some(s) => Some(seconds("--warmup-grace-period", s, true)?),
        None => None,
    };
    if let Some(n) = args.warmup_concurrency.filter(|&n| n == 0 || n > MAX_CONCURRENCY) {
        return Err(invalid("--warmup-concurrency", n, format!("from 1 to {MAX_CONCURRENCY} requests in flight")));
    }
    if let Some(r) = args.warmup_request_rate.filter(|r| !(r.is_finite() && (1e-6..=1e9).contains(r))) {
        return Err(invalid("--warmup-request-rate", r, "requests per second between 0.000001 and 1e9"));
    }
    if args.warmup_request_rate.is_some() && args.arrival_pattern == crate::builtins::CONCURRENCY_BURST {
        let reason = "sends at no rate: a warmup at a rate needs the arrivals of a rate (poisson, constant, gamma)".to_owned();
        return Err(ProfileError::Flags { flag: "--arrival-pattern concurrency_burst", reason });
    }
    let rate = args.warmup_request_rate.or(rate);
    let concurrency = args.warmup_concurrency.or(concurrency);
    // At a rate the concurrency is a cap (none: no cap); without one, a closed loop of 1 at least.
    let concurrency = if rate.is_some() { concurrency } else { Some(concurrency.unwrap_or(1)) };
    // The prefill limit applies to the warmup too (AIPerf's inheritance).
    super::schedule::check_prefill("the warmup's concurrency", args.prefill_concurrency, concurrency)?;
    Ok(Some(Warmup { count: args.warmup_request_count, duration, grace_period, concurrency, rate }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(f: impl FnOnce(&mut BenchConfig)) -> BenchConfig {
        let mut args = BenchConfig::default();
        f(&mut args);
        args
    }

    #[test]
    fn a_warmup_takes_its_own_load_or_the_profiling_one() {
        let count = config(|a| a.warmup_request_count = Some(5));
        let w = warmup(&count, Some(8), None).unwrap().unwrap();
        assert_eq!((w.count, w.duration, w.concurrency, w.rate, w.grace_period), (Some(5), None, Some(8), None, None));
        assert_eq!(warmup(&count, None, None).unwrap().unwrap().concurrency, Some(1), "a closed loop of 1 at least");
        let at_rate = config(|a| (a.warmup_duration, a.warmup_request_rate) = (Some(2.0), Some(10.0)));
        let w = warmup(&at_rate, None, Some(50.0)).unwrap().unwrap();
        assert_eq!((w.rate, w.concurrency, w.duration), (Some(10.0), None, Some(Duration::from_secs(2))), "at a rate, no cap unless given");
        let graced = config(|a| (a.warmup_duration, a.warmup_grace_period) = (Some(1.0), Some(0.5)));
        assert_eq!(warmup(&graced, None, None).unwrap().unwrap().grace_period, Some(Duration::from_millis(500)));
        let endless = config(|a| (a.warmup_duration, a.warmup_grace_period) = (Some(1.0), Some(f64::INFINITY)));
        assert_eq!(warmup(&endless, None, None).unwrap().unwrap().grace_period, None);
        assert_eq!(warmup(&BenchConfig::default(), Some(4), None).unwrap(), None);
    }

    #[test]
    fn flags_that_cannot_apply_are_refused_by_name() {
        let error = |f: fn(&mut BenchConfig)| warmup(&config(f), None, None).unwrap_err().to_string();
        assert!(error(|a| a.warmup_request_count = Some(0)).contains("--warmup-request-count"));
        assert!(error(|a| a.warmup_concurrency = Some(2)).contains("--warmup-concurrency"));
        assert!(error(|a| (a.warmup_request_count, a.warmup_grace_period) = (Some(3), Some(1.0))).contains("--warmup-grace-period"));
        assert!(error(|a| a.warmup_duration = Some(-1.0)).contains("--warmup-duration"));
        assert!(error(|a| (a.warmup_request_count, a.warmup_concurrency) = (Some(3), Some(0))).contains("--warmup-concurrency"));
    }
}
