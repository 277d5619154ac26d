//! When a connection last read bytes from its socket: the arrival time of what that read brought.
//!
//! hyper reads a socket into its buffer and then hands out the HTTP chunks in it one by one; two
//! server events that came in one read are two chunks, handed out microseconds apart only because
//! one is decoded after the other. Timing each chunk by the read that brought it, as AIPerf times
//! each by its socket read, gives them the one arrival time they had: a chunk's time is never
//! before its bytes arrived, nor after it was handed out.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// The instant the clocks count from (the first one made).
fn base() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// A connection's last read, shared by the connection and its responses' extensions.
#[derive(Clone, Debug)]
pub struct ReadClock(Arc<AtomicU64>);

impl ReadClock {
    /// A clock of a connection that has read nothing yet.
    pub fn new() -> Self {
        let _ = base();
        Self(Arc::new(AtomicU64::new(0)))
    }

    /// The connection read bytes (or the end) now.
    pub fn mark(&self) {
        let ns = u64::try_from(base().elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
        // 0 means "never": a read at the base instant counts as 1 ns after it.
        self.0.store(ns.max(1), Ordering::Relaxed);
    }

    /// When the connection last read, if it has.
    pub fn last(&self) -> Option<Instant> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            ns => Some(base() + std::time::Duration::from_nanos(ns)),
        }
    }

    /// The arrival time of bytes handed out now: the last read's, or now without one.
    pub fn arrival(clock: Option<&Self>) -> Instant {
        clock.and_then(Self::last).unwrap_or_else(Instant::now)
    }
}

impl Default for ReadClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_read_is_between_the_read_and_now() {
        let clock = ReadClock::new();
        assert_eq!(clock.last(), None);
        let before = Instant::now();
        clock.mark();
        let after = Instant::now();
        let read = clock.last().expect("a read");
        assert!(before <= read + std::time::Duration::from_nanos(1) && read <= after, "{before:?} {read:?} {after:?}");
        assert_eq!(ReadClock::arrival(Some(&clock)), read, "bytes handed out later arrived with that read");
    }
}
