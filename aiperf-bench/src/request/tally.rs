//! The count of a phase's ended requests, kept by the request path as each ends: progress reads
//! it, and it halts the run once `--failed-request-threshold` is crossed (the issuer then issues
//! nothing more).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::config::FailureLimit;
use crate::record::{Phase, RequestRecord};

/// Ended and failed requests of the current phase, and whether the failure limit halted the run.
#[derive(Debug, Default)]
pub struct Tally {
    done: AtomicU64,
    failed: AtomicU64,
    halted: AtomicBool,
    limit: Option<FailureLimit>,
}

impl Tally {
    /// A tally that halts the run past `limit`, if given.
    pub fn new(limit: Option<FailureLimit>) -> Self {
        Self { limit, ..Self::default() }
    }

    /// Starts a phase's count (the halt stays: nothing is issued after it).
    pub fn reset(&self) {
        self.done.store(0, Ordering::Relaxed);
        self.failed.store(0, Ordering::Relaxed);
    }

    /// Counts an ended request, and halts the run once the failure limit is crossed.
    pub fn count(&self, record: &RequestRecord) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        // A request the client cut on purpose is no failure of the server's.
        let failed = if record.error.is_some() && !record.cut {
            self.failed.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            self.failed.load(Ordering::Relaxed)
        };
        if record.phase == Phase::Profiling
            && let Some(limit) = self.limit
            && done >= limit.floor
            && failed as f64 > limit.ratio * done as f64
        {
            self.halted.store(true, Ordering::Relaxed);
        }
    }

    /// Requests ended in the current phase.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Of them, those that failed.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// Whether the failure limit stopped the run.
    pub fn halted(&self) -> bool {
        self.halted.load(Ordering::Relaxed)
    }
}
