//! `--concurrency-ramp-duration`: AIPerf 0.13's staircase. A phase starts with one slot and opens
//! the others one at a time, slot `v` (from 0) at `ramp × v / (target − 1)` after its start, so
//! that the last opens as the ramp ends. A closed loop's worker `v` starts then; an open loop's
//! cap grows then.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// When slot `slot` (from 0) of `target` opens, after the phase's start.
pub(super) fn opens_at(slot: usize, target: usize, ramp: Duration) -> Duration {
    if target <= 1 || slot == 0 {
        return Duration::ZERO;
    }
    ramp.mul_f64(slot.min(target - 1) as f64 / (target - 1) as f64)
}

/// Adds a permit to `permits` as each slot after the first opens; the task is the caller's to
/// abort once the phase stops issuing.
pub(super) fn open_gradually(permits: Arc<Semaphore>, target: usize, ramp: Duration, start: Instant) -> JoinHandle<()> {
    tokio::spawn(async move {
        for slot in 1..target {
            tokio::time::sleep_until((start + opens_at(slot, target, ramp)).into()).await;
            permits.add_permits(1);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_open_one_by_one_until_the_ramp_ends() {
        let ramp = Duration::from_secs(2);
        let opens: Vec<f64> = (0..5).map(|slot| opens_at(slot, 5, ramp).as_secs_f64()).collect();
        assert_eq!(opens, [0.0, 0.5, 1.0, 1.5, 2.0], "AIPerf's +1 every 0.5 s to 5 over 2 s");
        assert_eq!(opens_at(0, 1, ramp), Duration::ZERO, "a target of 1 has nothing to ramp");
    }

    #[tokio::test(start_paused = true)]
    async fn the_permits_follow_the_staircase() {
        let permits = Arc::new(Semaphore::new(1));
        let start = Instant::now();
        let task = open_gradually(Arc::clone(&permits), 3, Duration::from_secs(1), start);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(permits.available_permits(), 1);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(permits.available_permits(), 2);
        task.await.unwrap();
        assert_eq!(permits.available_permits(), 3);
    }
}
