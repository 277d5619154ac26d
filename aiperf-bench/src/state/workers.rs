//! Which workers of a benchmark a merge covers: those whose states it folded, and those it could
//! not (a worker that failed, was killed, or never started), each with why. The merged exports
//! name them, and keep what the others measured.

use serde::{Deserialize, Serialize};

use crate::ProfileError;
use crate::config::Shard;

/// The workers of a merged benchmark.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workers {
    /// How many shared the benchmark.
    pub count: u32,
    /// The workers whose records the exports hold, in order.
    pub merged: Vec<u32>,
    /// The workers whose records are missing, in order, with why.
    pub absent: Vec<Absent>,
}

/// A worker whose records a merge lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absent {
    /// Its index (`JOB_COMPLETION_INDEX`).
    pub index: u32,
    /// Why its records are missing.
    pub reason: String,
}

impl Workers {
    /// The workers of the shards `found` (a state's `(file, shard)`), with `known` absences (a
    /// failed worker's own report) added to those that left no state at all. None when no state
    /// came from a worker of several (states merged by hand).
    ///
    /// # Errors
    /// States from different numbers of workers, or two of one worker.
    pub fn of(found: &[(String, Option<Shard>)], known: &[Absent]) -> Result<Option<Self>, ProfileError> {
        let shards: Vec<(&String, Shard)> = found.iter().filter_map(|(file, shard)| Some((file, (*shard)?))).collect();
        let Some(&(first_file, first)) = shards.first() else { return Ok(None) };
        let mut merged = Vec::with_capacity(shards.len());
        for &(file, shard) in &shards {
            if shard.count != first.count {
                let reason = format!("{file} is worker {} of {}, but {first_file} of {}", shard.index, shard.count, first.count);
                return Err(ProfileError::Flags { flag: "merge", reason });
            }
            if merged.contains(&shard.index) {
                let reason = format!("two run states of worker {} ({file} is one): give each worker's once", shard.index);
                return Err(ProfileError::Flags { flag: "merge", reason });
            }
            merged.push(shard.index);
        }
        merged.sort_unstable();
        let absent = Shard::missing(first.count, &merged)
            .into_iter()
            .map(|index| match known.iter().find(|absent| absent.index == index) {
                Some(absent) => absent.clone(),
                None => Absent { index, reason: "no run state: the worker never started, or did not finish".to_owned() },
            })
            .collect();
        Ok(Some(Self { count: first.count, merged, absent }))
    }

    /// The console's line about them: how many were merged, and each absent one with why.
    pub fn note(&self) -> String {
        let mut note = format!("Workers: {} of {} merged", self.merged.len(), self.count);
        for absent in &self.absent {
            note.push_str(&format!("; worker {} missing: {}", absent.index, absent.reason));
        }
        note.push('\n');
        note
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(shards: &[(u32, u32)]) -> Vec<(String, Option<Shard>)> {
        shards.iter().map(|&(index, count)| (format!("w{index}"), Some(Shard::new(index, count).unwrap()))).collect()
    }

    #[test]
    fn absent_workers_are_named_with_why() {
        let failed = Absent { index: 3, reason: "late at the barrier".to_owned() };
        let workers = Workers::of(&found(&[(2, 4), (0, 4)]), std::slice::from_ref(&failed)).unwrap().unwrap();
        assert_eq!(workers.merged, vec![0, 2]);
        assert_eq!(workers.absent.len(), 2);
        assert_eq!(workers.absent[0].index, 1);
        assert!(workers.absent[0].reason.contains("no run state"));
        assert_eq!(workers.absent[1], failed);
        assert!(workers.note().contains("2 of 4 merged; worker 1 missing"), "{}", workers.note());
        assert_eq!(Workers::of(&[("by hand".to_owned(), None)], &[]).unwrap(), None);
    }

    #[test]
    fn states_of_other_runs_or_twice_one_worker_are_refused() {
        assert!(Workers::of(&found(&[(0, 2), (1, 3)]), &[]).unwrap_err().to_string().contains("worker 1 of 3"));
        assert!(Workers::of(&found(&[(1, 2), (1, 2)]), &[]).unwrap_err().to_string().contains("two run states of worker 1"));
    }
}
