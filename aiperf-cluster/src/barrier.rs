//! The start barrier: each worker, once ready, writes `barrier/<index>-<ready ns>` to the store
//! and lists the barrier until every worker's is there. The instant to start is then a function
//! of what all of them list (the latest ready time plus [`MARGIN`]), so they agree on it without
//! a coordinator. If some are still missing when the timeout has passed since the first was
//! ready, those present start at that deadline (plus the margin) without them, naming them; a
//! worker ready after its deadline does not start (its place in the benchmark has passed).
//! Clocks are the nodes' wall clocks, which NTP keeps within milliseconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aiperf_bench::config::Shard;
use aiperf_bench::start::{Ready, StartGate};
use aiperf_bench::stdio::note;

use crate::store::Store;

/// The barrier's directory in the store.
pub const DIR: &str = "barrier";

/// How often a waiting worker lists the barrier.
pub const POLL: Duration = Duration::from_millis(200);

/// Between the last worker's arrival and the start: time for every worker to list the barrier
/// once more and see it complete.
pub const MARGIN: Duration = Duration::from_millis(1000);

/// A worker's place at the barrier of its benchmark's store.
pub struct Barrier {
    /// The benchmark's store.
    pub store: Store,
    /// This worker's place.
    pub shard: Shard,
    /// How long after the first worker is ready the others may still join.
    pub timeout: Duration,
}

/// What a worker makes of one listing of the barrier.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Start at this instant (ns since the Unix epoch), without the workers listed.
    Start {
        /// The agreed instant.
        at_ns: u64,
        /// Workers not ready by the deadline.
        without: Vec<u32>,
    },
    /// Keep waiting for these workers.
    Wait(Vec<u32>),
    /// This worker came after the others' deadline.
    Late {
        /// When the others started, ns since the Unix epoch.
        started_ns: u64,
    },
}

/// Decides from the ready times listed (`(worker, ns)`, this worker's among them), the time now,
/// and the timeout: a pure function of what every worker lists, so that they agree.
pub fn verdict(shard: Shard, listed: &[(u32, u64)], now_ns: u64, timeout: Duration) -> Verdict {
    let ready = |index: u32| listed.iter().filter(|(worker, _)| *worker == index).map(|(_, ns)| *ns).min();
    let first = listed.iter().map(|(_, ns)| *ns).min().unwrap_or(now_ns);
    let deadline = first.saturating_add(nanos(timeout));
    let margin = nanos(MARGIN);
    if ready(shard.index).is_some_and(|own| own > deadline) {
        return Verdict::Late { started_ns: deadline.saturating_add(margin) };
    }
    // Only workers ready by the deadline count: one that came later is missing from every
    // worker's view alike, whenever each lists the barrier.
    let present: Vec<(u32, u64)> = (0..shard.count).filter_map(|index| Some((index, ready(index).filter(|&ns| ns <= deadline)?))).collect();
    let missing = Shard::missing(shard.count, &present.iter().map(|(index, _)| *index).collect::<Vec<_>>());
    if missing.is_empty() {
        let last = present.iter().map(|(_, ns)| *ns).max().unwrap_or(now_ns);
        return Verdict::Start { at_ns: last.saturating_add(margin), without: missing };
    }
    if now_ns > deadline {
        return Verdict::Start { at_ns: deadline.saturating_add(margin), without: missing };
    }
    Verdict::Wait(missing)
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

fn now_ns() -> u64 {
    aiperf_bench::clock::unix_ns(SystemTime::now())
}

/// A barrier entry's name as `(worker, ready ns)`.
fn parse(name: &str) -> Option<(u32, u64)> {
    let (index, ns) = name.strip_prefix(DIR)?.strip_prefix('/')?.split_once('-')?;
    Some((index.parse().ok()?, ns.parse().ok()?))
}

impl Barrier {
    async fn wait(&self) -> Result<SystemTime, String> {
        let Shard { index, count } = self.shard;
        self.store.put(&format!("{DIR}/{index}-{}", now_ns()), Vec::new()).await.map_err(|e| e.to_string())?;
        let mut waiting_for = Vec::new();
        loop {
            let names = self.store.list(DIR).await.map_err(|e| e.to_string())?;
            let listed: Vec<(u32, u64)> = names.iter().filter_map(|name| parse(name)).collect();
            match verdict(self.shard, &listed, now_ns(), self.timeout) {
                Verdict::Start { at_ns, without } => {
                    if !without.is_empty() {
                        note(&format!(
                            "[aiperf] worker {index} of {count}: starting without {}: not ready within {} s of the first",
                            workers(&without),
                            self.timeout.as_secs_f64()
                        ));
                    }
                    return Ok(UNIX_EPOCH + Duration::from_nanos(at_ns));
                }
                Verdict::Late { started_ns } => {
                    return Err(format!(
                        "worker {index} was ready more than {} s (--barrier-timeout) after the first worker; the others started without it at {} ns since the Unix epoch",
                        self.timeout.as_secs_f64(),
                        started_ns
                    ));
                }
                Verdict::Wait(missing) => {
                    if missing != waiting_for {
                        note(&format!("[aiperf] worker {index} of {count} ready; waiting for {}", workers(&missing)));
                        waiting_for = missing;
                    }
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }
}

/// `worker 2` or `workers 0, 3`.
pub fn workers(indexes: &[u32]) -> String {
    let list: Vec<String> = indexes.iter().map(u32::to_string).collect();
    format!("worker{} {}", if list.len() == 1 { "" } else { "s" }, list.join(", "))
}

impl StartGate for Barrier {
    fn ready(&self) -> Ready<'_> {
        Box::pin(self.wait())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    fn shard(index: u32) -> Shard {
        Shard::new(index, 3).unwrap()
    }

    #[test]
    fn every_worker_listing_the_same_barrier_starts_at_the_same_instant() {
        let listed = [(0, 10 * S), (2, 12 * S), (1, 11 * S)];
        let timeout = Duration::from_secs(60);
        let all: Vec<Verdict> = (0..3).map(|i| verdict(shard(i), &listed, 13 * S + u64::from(i), timeout)).collect();
        assert!(all.iter().all(|v| *v == Verdict::Start { at_ns: 12 * S + nanos(MARGIN), without: vec![] }), "{all:?}");
    }

    #[test]
    fn missing_workers_are_waited_for_until_the_deadline_then_left_out() {
        let listed = [(0, 10 * S), (2, 12 * S)];
        let timeout = Duration::from_secs(5);
        assert_eq!(verdict(shard(0), &listed, 14 * S, timeout), Verdict::Wait(vec![1]));
        let start = Verdict::Start { at_ns: 15 * S + nanos(MARGIN), without: vec![1] };
        assert_eq!(verdict(shard(0), &listed, 16 * S, timeout), start);
        assert_eq!(verdict(shard(2), &listed, 17 * S, timeout), start, "the same deadline from any worker");
        let late = [(0, 10 * S), (2, 12 * S), (1, 20 * S)];
        assert_eq!(verdict(shard(1), &late, 20 * S, timeout), Verdict::Late { started_ns: 15 * S + nanos(MARGIN) });
        assert_eq!(verdict(shard(0), &late, 20 * S, timeout), start, "a late worker changes no one's start");
    }

    #[test]
    fn barrier_names_parse_and_others_are_ignored() {
        assert_eq!(parse("barrier/2-123"), Some((2, 123)));
        assert_eq!(parse("barrier/x-1"), None);
        assert_eq!(parse("workers/2-123"), None);
        assert_eq!(workers(&[1]), "worker 1");
        assert_eq!(workers(&[0, 3]), "workers 0, 3");
    }
}
