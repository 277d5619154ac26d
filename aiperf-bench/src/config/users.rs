//! `--user-centric-rate` with `--num-users`: AIPerf's load of users sharing a global rate, each
//! sending its session's turns a fixed gap apart, new users joining as others finish.

use super::{BenchConfig, MAX_CONCURRENCY};
use crate::error::{ProfileError, invalid};

/// A load of users sharing a global rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Users {
    /// `--num-users`: the users in flight.
    pub count: usize,
    /// `--user-centric-rate`: requests per second, all users together.
    pub rate: f64,
}

impl Users {
    /// The gap between two turns of one user (`num_users / rate` seconds, AIPerf's `turn_gap`).
    pub fn turn_gap(&self) -> f64 {
        self.count as f64 / self.rate
    }
}

/// The two flags, checked together and against the loads they replace.
pub(super) fn users(args: &BenchConfig) -> Result<Option<Users>, ProfileError> {
    let (rate, count) = match (args.user_centric_rate, super::single("--num-users", args.num_users.as_ref())?) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            let reason = "shares its rate among users: give --num-users N".to_owned();
            return Err(ProfileError::Flags { flag: "--user-centric-rate", reason });
        }
        (None, Some(_)) => {
            let reason = "is the user-centric load's: give --user-centric-rate QPS".to_owned();
            return Err(ProfileError::Flags { flag: "--num-users", reason });
        }
        (Some(rate), Some(count)) => (rate, count),
    };
    if !(rate.is_finite() && (1e-6..=1e9).contains(&rate)) {
        return Err(invalid("--user-centric-rate", rate, "requests per second between 0.000001 and 1e9"));
    }
    if count == 0 || count > MAX_CONCURRENCY {
        return Err(invalid("--num-users", count, format!("from 1 to {MAX_CONCURRENCY} users")));
    }
    let conflicts = [
        ("--request-rate", args.request_rate.is_some()),
        ("--concurrency", args.concurrency.is_some()),
        ("--request-rate-series", args.request_rate_series.is_some()),
        ("--request-rate-ramp-duration", args.request_rate_ramp_duration.is_some()),
        ("--concurrency-ramp-duration", args.concurrency_ramp_duration.is_some()),
        ("--fixed-schedule", args.fixed_schedule),
    ];
    if let Some((flag, _)) = conflicts.into_iter().find(|(_, given)| *given) {
        let reason = "is another load: --user-centric-rate paces its users by their turn gap alone".to_owned();
        return Err(ProfileError::Flags { flag, reason });
    }
    if let Some(requests) = args.request_count.filter(|&n| n < count as u64) {
        return Err(invalid("--request-count", requests, format!("at least --num-users ({count}): each user sends a request")));
    }
    Ok(Some(Users { count, rate }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(rate: Option<f64>, count: Option<usize>) -> BenchConfig {
        BenchConfig { user_centric_rate: rate, num_users: count.map(|c| super::super::List(vec![c])), ..BenchConfig::default() }
    }

    #[test]
    fn the_pair_is_needed_and_checked() {
        assert_eq!(users(&args(None, None)).unwrap(), None);
        let load = users(&args(Some(2.0), Some(8))).unwrap().unwrap();
        assert_eq!(load.turn_gap(), 4.0, "num_users / qps");
        for (args, flag) in [
            (args(Some(2.0), None), "--num-users"),
            (args(None, Some(3)), "--user-centric-rate"),
            (args(Some(0.0), Some(3)), "--user-centric-rate"),
            (args(Some(1.0), Some(0)), "--num-users"),
            (BenchConfig { request_rate: Some(super::super::List(vec![1.0])), ..args(Some(1.0), Some(2)) }, "--request-rate"),
            (BenchConfig { request_count: Some(2), ..args(Some(1.0), Some(3)) }, "--request-count"),
        ] {
            let error = users(&args).unwrap_err().to_string();
            assert!(error.contains(flag), "{error}");
        }
    }
}
