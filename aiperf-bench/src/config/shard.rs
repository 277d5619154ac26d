//! One worker's share of a benchmark run by several (a Kubernetes Indexed Job's pods, say): each
//! worker is an ordinary run of [`BenchConfig::shard`]'s configuration, and `aiperf merge` folds
//! their states into the benchmark's exports. Counts are split exactly (remainders to the first
//! workers), a Poisson rate into independent Poisson streams that sum to it, and each worker
//! draws from a seed of its own, derived from the run's.

use serde::{Deserialize, Serialize};

use super::{BenchConfig, List};
use crate::error::{ProfileError, invalid};

/// A worker's place among the workers of one benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 0-based (Kubernetes' `JOB_COMPLETION_INDEX`).
    pub index: u32,
    /// How many workers share the benchmark.
    pub count: u32,
}

impl Shard {
    /// Worker `index` of `count`.
    ///
    /// # Errors
    /// No workers, or an index past the last.
    pub fn new(index: u32, count: u32) -> Result<Self, ProfileError> {
        if count == 0 {
            return Err(invalid("--workers", 0, "at least 1 worker"));
        }
        if index >= count {
            return Err(invalid("--worker-index", index, format!("a worker index from 0 to {} (of {count} workers)", count - 1)));
        }
        Ok(Self { index, count })
    }

    /// This worker's part of `total`: `total / count`, one more for the first `total % count`.
    pub fn part(self, total: u64) -> u64 {
        total / u64::from(self.count) + u64::from(u64::from(self.index) < total % u64::from(self.count))
    }
}

/// Spreads each worker's seed over the 64 bits (the golden ratio's fraction, as SplitMix64 does).
const SEED_STEP: u64 = 0x9e37_79b9_7f4a_7c15;

impl BenchConfig {
    /// Worker `shard`'s configuration: its part of `--concurrency`, `--request-count` and
    /// `--num-warmup-requests`, a `1/count` share of `--request-rate`, and a seed of its own (from
    /// `--random-seed`, drawn first if none was given).
    ///
    /// # Errors
    /// A value that leaves a worker nothing to do (fewer requests in flight or to send than
    /// workers), or what cannot be shared yet: a `constant` rate (its workers would send in
    /// step) and a fixed schedule.
    pub fn shard(&self, shard: Shard) -> Result<Self, ProfileError> {
        let config = self.clone().with_seed();
        if shard.count == 1 {
            return Ok(config);
        }
        let workers = shard.count;
        let at_least_one = |flag: &'static str, total: u64| {
            if total < u64::from(workers) {
                return Err(invalid(flag, total, format!("at least one per worker: {workers} workers share it")));
            }
            Ok(shard.part(total))
        };
        let concurrency = config
            .concurrency
            .as_ref()
            .map(|list| list.0.iter().map(|&c| at_least_one("--concurrency", c as u64).map(|c| c as usize)).collect::<Result<Vec<_>, _>>())
            .transpose()?;
        if config.request_rate.is_some() && config.arrival_pattern != "poisson" {
            let reason = format!(
                "shares a rate across workers as independent Poisson streams; `{}` arrivals of {workers} workers would not add up to it: use --arrival-pattern poisson",
                config.arrival_pattern
            );
            return Err(ProfileError::Flags { flag: "--arrival-pattern", reason });
        }
        if config.fixed_schedule {
            let reason = "a fixed schedule's rows are not shared across workers yet: run it on one worker".to_owned();
            return Err(ProfileError::Flags { flag: "--fixed-schedule", reason });
        }
        let request_count = config.request_count.map(|n| at_least_one("--request-count", n)).transpose()?;
        let seed = config.random_seed.unwrap_or_default().wrapping_add(u64::from(shard.index).wrapping_mul(SEED_STEP));
        Ok(Self {
            concurrency: concurrency.map(List),
            request_rate: config.request_rate.as_ref().map(|list| List(list.0.iter().map(|r| r / f64::from(workers)).collect())),
            request_count,
            num_warmup_requests: shard.part(config.num_warmup_requests),
            random_seed: Some(seed),
            ..config
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(concurrency: usize, count: u64) -> BenchConfig {
        BenchConfig {
            concurrency: Some(List(vec![concurrency])),
            request_count: Some(count),
            random_seed: Some(7),
            ..BenchConfig::default()
        }
    }

    #[test]
    fn counts_are_split_exactly_with_the_remainders_first() {
        let shards: Vec<BenchConfig> = (0..3).map(|i| config(8, 100).shard(Shard::new(i, 3).unwrap()).unwrap()).collect();
        let concurrency: Vec<usize> = shards.iter().map(|s| s.concurrency.as_ref().unwrap().0[0]).collect();
        let counts: Vec<u64> = shards.iter().map(|s| s.request_count.unwrap()).collect();
        assert_eq!((concurrency, counts), (vec![3, 3, 2], vec![34, 33, 33]));
        let seeds: std::collections::HashSet<u64> = shards.iter().map(|s| s.random_seed.unwrap()).collect();
        assert_eq!(seeds.len(), 3, "each worker draws from its own seed");
        assert_eq!(config(8, 100).shard(Shard::new(0, 1).unwrap()).unwrap(), config(8, 100), "one worker is the whole run");
    }

    #[test]
    fn a_poisson_rate_is_shared_and_what_cannot_be_is_refused_by_its_flag() {
        let rated = BenchConfig { request_rate: Some(List(vec![30.0])), ..config(6, 60) };
        assert_eq!(rated.shard(Shard::new(1, 3).unwrap()).unwrap().request_rate, Some(List(vec![10.0])));
        let constant = BenchConfig { arrival_pattern: "constant".into(), ..rated };
        assert!(constant.shard(Shard::new(0, 3).unwrap()).unwrap_err().to_string().contains("--arrival-pattern"));
        let error = config(2, 100).shard(Shard::new(0, 4).unwrap()).unwrap_err().to_string();
        assert!(error.contains("--concurrency") && error.contains("4 workers"), "{error}");
        assert!(Shard::new(4, 4).unwrap_err().to_string().contains("--worker-index"));
        assert!(Shard::new(0, 0).unwrap_err().to_string().contains("--workers"));
    }
}
