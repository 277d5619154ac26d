//! The one in-flight limit of every load: at most N requests (or sessions) in flight, each holding
//! a numbered slot while it runs. The slot's number is the record's `worker_id`, so a load at
//! concurrency 8 has workers 0 to 7 whatever the arrivals.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Slots for at most `limit` requests in flight.
#[derive(Debug)]
pub(super) struct Limiter {
    permits: Arc<Semaphore>,
    /// Slot numbers given back, and the next number never given (slots are numbered as first
    /// needed, so a large limit costs nothing until used).
    free: Arc<Mutex<Free>>,
}

#[derive(Debug, Default)]
struct Free {
    returned: Vec<usize>,
    fresh: usize,
}

impl Limiter {
    /// At most `limit` (at least 1) in flight.
    pub(super) fn new(limit: usize) -> Self {
        Self { permits: Arc::new(Semaphore::new(limit.clamp(1, Semaphore::MAX_PERMITS))), free: Arc::default() }
    }

    /// At most `limit` in flight, of which only one is open to begin with: the others open as
    /// [`ramp`](super::ramp) adds them to [`Limiter::permits`].
    pub(super) fn ramped() -> Self {
        Self { permits: Arc::new(Semaphore::new(1)), free: Arc::default() }
    }

    /// Its permits, one a slot open.
    pub(super) fn permits(&self) -> Arc<Semaphore> {
        Arc::clone(&self.permits)
    }

    /// Waits for a free slot.
    pub(super) async fn acquire(&self) -> Option<Slot> {
        let permit = Arc::clone(&self.permits).acquire_owned().await.ok()?;
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        let number = free.returned.pop().unwrap_or_else(|| {
            free.fresh += 1;
            free.fresh - 1
        });
        Some(Slot { number, free: Arc::clone(&self.free), _permit: permit })
    }
}

/// A slot held by one request (or session) in flight; given back when dropped.
#[derive(Debug)]
pub(super) struct Slot {
    number: usize,
    free: Arc<Mutex<Free>>,
    // Dropped after the number is back (fields drop after `Drop::drop`).
    _permit: OwnedSemaphorePermit,
}

impl Slot {
    /// Its number: the worker that sends.
    pub(super) fn number(&self) -> usize {
        self.number
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.free.lock().unwrap_or_else(PoisonError::into_inner).returned.push(self.number);
    }
}

#[cfg(test)]
mod tests {
    use super::Limiter;

    #[tokio::test]
    async fn slots_are_numbered_from_zero_and_reused_once_given_back() {
        let limiter = Limiter::new(2);
        let (a, b) = (limiter.acquire().await.unwrap(), limiter.acquire().await.unwrap());
        assert_eq!((a.number(), b.number()), (0, 1));
        let third = tokio::select! {
            biased;
            slot = limiter.acquire() => slot.map(|s| s.number()),
            () = std::future::ready(()) => None,
        };
        assert_eq!(third, None, "a third waits while two are held");
        drop(a);
        assert_eq!(limiter.acquire().await.unwrap().number(), 0, "the slot given back is taken again");
    }
}
