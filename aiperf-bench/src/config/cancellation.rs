//! `--request-cancellation-rate` and `--request-cancellation-delay`: a share of the profiling
//! phase's requests that the client abandons mid-flight, as a user closing a tab would.

use std::time::Duration;

use super::BenchConfig;
use crate::error::{ProfileError, invalid};

/// Which requests are cancelled, and when.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cancellation {
    /// The share of profiled requests cancelled, 0 to 1 (the flag's percent over 100).
    pub share: f64,
    /// How long after its body was fully sent a cancelled request is cut.
    pub delay: Duration,
    /// The flag's percent, as given (the exports' `cancellation.rate`).
    pub percent: f64,
    /// Whether the delay was given (the exports name it only then, as AIPerf's).
    pub delay_given: bool,
}

impl Cancellation {
    /// When profiled request `index` of a run seeded `seed` is cut, after its send: a draw of its
    /// own below the share, so the same requests are cancelled in every run of one seed, in
    /// whatever order their tasks start. None: it runs to its end.
    pub fn after(&self, seed: u64, index: u64) -> Option<Duration> {
        // Its own stream of the seed: the cancellation draws move no other random choice.
        const STREAM: u64 = 0x6361_6e63_656c_6c65; // "cancelle"
        let draw = fastrand::Rng::with_seed(seed ^ STREAM ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15)).f64();
        (draw < self.share).then_some(self.delay)
    }
}

/// The two flags, checked: a percent in (0, 100], a delay of 0 seconds or more given only with it.
pub(super) fn cancellation(args: &BenchConfig) -> Result<Option<Cancellation>, ProfileError> {
    let Some(percent) = args.request_cancellation_rate else {
        if args.request_cancellation_delay.is_some() {
            let reason = "is how long after sending a cancelled request is cut: give --request-cancellation-rate PERCENT".to_owned();
            return Err(ProfileError::Flags { flag: "--request-cancellation-delay", reason });
        }
        return Ok(None);
    };
    if !(percent > 0.0 && percent <= 100.0) {
        return Err(invalid("--request-cancellation-rate", percent, "a percent of requests above 0 and at most 100"));
    }
    let delay = super::seconds("--request-cancellation-delay", args.request_cancellation_delay.unwrap_or(0.0), true)?;
    Ok(Some(Cancellation { share: percent / 100.0, delay, percent, delay_given: args.request_cancellation_delay.is_some() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(rate: Option<f64>, delay: Option<f64>) -> BenchConfig {
        BenchConfig { request_cancellation_rate: rate, request_cancellation_delay: delay, ..BenchConfig::default() }
    }

    #[test]
    fn the_share_of_requests_cancelled_follows_the_rate_and_the_seed() {
        let c = cancellation(&args(Some(25.0), Some(0.5))).unwrap().unwrap();
        assert_eq!(c.delay, Duration::from_millis(500));
        let cut = |seed| (0..20_000).filter(|&i| c.after(seed, i).is_some()).collect::<Vec<_>>();
        let (a, b, other) = (cut(7), cut(7), cut(8));
        assert_eq!(a, b, "one seed, the same requests");
        assert_ne!(a, other, "another seed, others");
        let share = a.len() as f64 / 20_000.0;
        assert!((share - 0.25).abs() < 0.015, "{share}");
        let all = cancellation(&args(Some(100.0), None)).unwrap().unwrap();
        assert!((0..1000).all(|i| all.after(1, i) == Some(Duration::ZERO)), "100%: every one, at once");
    }

    #[test]
    fn wrong_values_are_refused_by_flag() {
        for (rate, delay, flag) in [
            (Some(0.0), None, "--request-cancellation-rate"),
            (Some(100.5), None, "--request-cancellation-rate"),
            (Some(f64::NAN), None, "--request-cancellation-rate"),
            (Some(10.0), Some(-1.0), "--request-cancellation-delay"),
            (None, Some(1.0), "--request-cancellation-delay"),
        ] {
            let error = cancellation(&args(rate, delay)).unwrap_err().to_string();
            assert!(error.contains(flag), "{rate:?} {delay:?}: {error}");
        }
        assert_eq!(cancellation(&args(None, None)).unwrap(), None);
    }
}
