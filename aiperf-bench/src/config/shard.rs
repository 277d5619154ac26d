//! One worker's share of a benchmark run by several (a Kubernetes Indexed Job's pods, say): each
//! worker is an ordinary run of [`BenchConfig::share`]'s configuration, and `aiperf merge` folds
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

    /// This worker's seed for what must differ between workers (its arrivals, its synthetic
    /// prompts), derived from the benchmark's `seed`; what must agree (a trace's block text)
    /// keeps the benchmark's.
    pub fn seed(self, seed: u64) -> u64 {
        seed.wrapping_add(u64::from(self.index).wrapping_mul(SEED_STEP))
    }

    /// Whether this worker sends row (or session, or scheduled send) `position` of the inputs:
    /// positions are dealt in turn, so every one goes to exactly one worker.
    pub fn takes(self, position: usize) -> bool {
        position % self.count as usize == self.index as usize
    }

    /// The workers of `count` that are not in `present`, in order.
    pub fn missing(count: u32, present: &[u32]) -> Vec<u32> {
        (0..count).filter(|index| !present.contains(index)).collect()
    }
}

/// Spreads each worker's seed over the 64 bits (the golden ratio's fraction, as SplitMix64 does).
const SEED_STEP: u64 = 0x9e37_79b9_7f4a_7c15;

impl BenchConfig {
    /// This configuration as worker `shard` of `count` runs it: the whole benchmark's, marked
    /// with the worker's place (what its run state records, so that a merge checks the workers
    /// ran one benchmark), its seed drawn now if none was given (every worker must derive its
    /// own from the same one).
    ///
    /// # Errors
    /// What [`share`](Self::share) refuses.
    pub fn for_worker(self, shard: Shard) -> Result<Self, ProfileError> {
        let config = Self { shard: Some(shard), ..self.with_seed() };
        config.share()?;
        Ok(config)
    }

    /// What this process runs: the whole configuration, or with [`shard`](Self::shard) set, the
    /// worker's share of it: its part of `--concurrency` and `--request-count`, a `1/count` share
    /// of `--request-rate`, and all of
    /// `--warmup-request-count` (every worker warms its own connections). The rows or sessions of
    /// an input file, and the sends of a fixed schedule, are partitioned when the inputs are
    /// prepared: row `i` goes to worker `i % count`.
    ///
    /// # Errors
    /// A value that leaves a worker nothing to do (fewer requests in flight or to send than
    /// workers), or a rate whose arrivals would not add up across workers (`constant`: its
    /// workers would send in step).
    pub fn share(&self) -> Result<Self, ProfileError> {
        let Some(shard) = self.shard.filter(|shard| shard.count > 1) else { return Ok(self.clone()) };
        let workers = shard.count;
        let at_least_one = |flag: &'static str, total: u64| {
            if total < u64::from(workers) {
                return Err(invalid(flag, total, format!("at least one per worker: {workers} workers share it")));
            }
            Ok(shard.part(total))
        };
        let concurrency = self
            .concurrency
            .as_ref()
            .map(|list| list.0.iter().map(|&c| at_least_one("--concurrency", c as u64).map(|c| c as usize)).collect::<Result<Vec<_>, _>>())
            .transpose()?;
        if self.request_rate.is_some() && self.arrival_pattern != "poisson" {
            let reason = format!(
                "shares a rate across workers as independent Poisson streams; `{}` arrivals of {workers} workers would not add up to it: use --arrival-pattern poisson",
                self.arrival_pattern
            );
            return Err(ProfileError::Flags { flag: "--arrival-pattern", reason });
        }
        if self.request_rate_series.is_some() {
            let reason = "is not shared across workers yet: run it in one process".to_owned();
            return Err(ProfileError::Flags { flag: "--request-rate-series", reason });
        }
        let request_count = self.request_count.map(|n| at_least_one("--request-count", n)).transpose()?;
        Ok(Self {
            concurrency: concurrency.map(List),
            request_rate: self.request_rate.as_ref().map(|list| List(list.0.iter().map(|r| r / f64::from(workers)).collect())),
            request_count,
            warmup_request_rate: self.warmup_request_rate.map(|r| r / f64::from(workers)),
            ..self.clone()
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

    fn share(config: BenchConfig, index: u32, count: u32) -> Result<BenchConfig, ProfileError> {
        config.for_worker(Shard::new(index, count).unwrap())?.share()
    }

    #[test]
    fn counts_are_split_exactly_with_the_remainders_first() {
        let shards: Vec<BenchConfig> = (0..3).map(|i| share(config(8, 100), i, 3).unwrap()).collect();
        let concurrency: Vec<usize> = shards.iter().map(|s| s.concurrency.as_ref().unwrap().0[0]).collect();
        let counts: Vec<u64> = shards.iter().map(|s| s.request_count.unwrap()).collect();
        assert_eq!((concurrency, counts), (vec![3, 3, 2], vec![34, 33, 33]));
        let seeds: std::collections::HashSet<u64> = shards.iter().map(|s| s.shard.unwrap().seed(s.random_seed.unwrap())).collect();
        assert_eq!(seeds.len(), 3, "each worker draws from its own seed");
        assert!(shards.iter().all(|s| s.random_seed == Some(7)), "derived from the benchmark's");
        let dealt: Vec<Vec<usize>> = shards.iter().map(|s| (0..7).filter(|&i| s.shard.unwrap().takes(i)).collect()).collect();
        assert_eq!(dealt, vec![vec![0, 3, 6], vec![1, 4], vec![2, 5]], "every row to one worker");
        let one = share(config(8, 100), 0, 1).unwrap();
        assert_eq!(BenchConfig { shard: None, ..one }, config(8, 100), "one worker is the whole run");
        let warmed = BenchConfig { warmup_request_count: Some(5), ..config(8, 100) };
        assert_eq!(share(warmed, 2, 3).unwrap().warmup_request_count, Some(5), "every worker warms its own connections");
    }

    #[test]
    fn a_poisson_rate_is_shared_and_what_cannot_be_is_refused_by_its_flag() {
        let rated = BenchConfig { request_rate: Some(List(vec![30.0])), ..config(6, 60) };
        assert_eq!(share(rated.clone(), 1, 3).unwrap().request_rate, Some(List(vec![10.0])));
        let constant = BenchConfig { arrival_pattern: "constant".into(), ..rated };
        assert!(share(constant, 0, 3).unwrap_err().to_string().contains("--arrival-pattern"));
        let error = share(config(2, 100), 0, 4).unwrap_err().to_string();
        assert!(error.contains("--concurrency") && error.contains("4 workers"), "{error}");
        assert!(Shard::new(4, 4).unwrap_err().to_string().contains("--worker-index"));
        assert!(Shard::new(0, 0).unwrap_err().to_string().contains("--workers"));
    }
}
