//! The start times of the profiled requests in flight: the request path adds a request's start
//! when it is sent and removes it once its record is on its way to the collector, which sweeps the
//! time-weighted metrics up to the earliest start left (no record of an earlier start can come).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

/// The start times of the profiled requests in flight, until their records are sent.
#[derive(Debug, Default)]
pub struct InFlightStarts(Mutex<BTreeMap<Instant, u32>>);

impl InFlightStarts {
    /// A request started at `at`.
    pub fn started(&self, at: Instant) {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(at).or_insert(0) += 1;
    }

    /// The record of the request started at `at` was sent.
    pub fn released(&self, at: Instant) {
        let mut starts = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = starts.get_mut(&at) {
            *count -= 1;
            if *count == 0 {
                starts.remove(&at);
            }
        }
    }

    /// The earliest start still in flight.
    pub fn earliest(&self) -> Option<Instant> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).keys().next().copied()
    }
}
