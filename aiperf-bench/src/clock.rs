//! The run's one pairing of the wall clock with the monotonic one: every wall-clock time a run
//! writes (records, the phase's start, a run state's watermarks) derives from a monotonic instant
//! through it, so wall-clock times keep the exact distances the monotonic clock measured, and a
//! run state read back (the `state` module) gives back those distances to the nanosecond.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The wall clock of a run, read once beside the monotonic one (a pairing read per request would
/// differ by a preemption between the two reads, or by the wall clock's corrections).
#[derive(Clone, Copy, Debug)]
pub struct WallClock {
    instant: Instant,
    wall: SystemTime,
}

impl WallClock {
    /// Reads both clocks now.
    pub fn now() -> Self {
        Self { instant: Instant::now(), wall: SystemTime::now() }
    }

    /// The wall-clock time of `at` (not before the pairing).
    pub fn at(&self, at: Instant) -> SystemTime {
        self.wall + at.saturating_duration_since(self.instant)
    }

    /// [`WallClock::at`], in nanoseconds since the Unix epoch.
    pub fn ns(&self, at: Instant) -> u64 {
        unix_ns(self.at(at))
    }
}

/// Nanoseconds since the Unix epoch (0 before it).
pub fn unix_ns(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
