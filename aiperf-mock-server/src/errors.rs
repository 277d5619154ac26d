//! Injected errors (`--error-rate`): a deterministic draw per request from the seed.

use std::sync::atomic::{AtomicU64, Ordering};

/// Decides which requests fail, shared by the HTTP and gRPC sides.
#[derive(Debug)]
pub(crate) struct ErrorInjector {
    rate: f64,
    seed: u64,
    requests: AtomicU64,
}

impl ErrorInjector {
    pub(crate) fn new(rate: f64, seed: u64) -> Self {
        Self { rate, seed, requests: AtomicU64::new(0) }
    }

    /// Whether the next request gets an error: request `n` fails when a hash of (seed, n) falls
    /// below the rate, so a run's failures depend only on the seed and arrival order.
    pub(crate) fn inject(&self) -> bool {
        if self.rate <= 0.0 {
            return false;
        }
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let draw = splitmix64(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 11;
        (draw as f64 / (1u64 << 53) as f64) < self.rate
    }
}

pub(crate) fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::ErrorInjector;

    #[test]
    fn injected_errors_follow_the_rate_and_the_seed() {
        let count = |rate, seed| {
            let injector = ErrorInjector::new(rate, seed);
            (0..10_000).filter(|_| injector.inject()).count()
        };
        assert_eq!(count(0.0, 1), 0);
        assert_eq!(count(1.0, 1), 10_000);
        let quarter = count(0.25, 1);
        assert!((2_300..2_700).contains(&quarter), "{quarter}");
        assert_eq!(count(0.25, 7), count(0.25, 7), "same seed, same draws");
    }
}
