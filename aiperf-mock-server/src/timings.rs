//! What the server itself measured: the time from a request's arrival (its head read) to its
//! first streamed token handed to the connection. Served at `GET /mock/timings`, so a client's
//! time to first token can be set against the server's own, and the difference (client, network
//! and scheduling) told apart from the server's lateness (its timer, its share of the CPU).

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use hdrhistogram::Histogram;

/// The server's own times to first token, in µs (up to an hour, 3 significant digits).
pub(crate) struct Timings {
    first_token_us: Mutex<Histogram<u64>>,
}

impl Timings {
    pub(crate) fn new() -> Self {
        let histogram = Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds");
        Self { first_token_us: Mutex::new(histogram) }
    }

    /// Records one request's time from arrival to first token.
    pub(crate) fn record_first_token(&self, took: Duration) {
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        if let Ok(mut histogram) = self.first_token_us.lock() {
            histogram.saturating_record(us.max(1));
        }
    }

    /// `{"requests":N,"time_to_first_token_ms":{"avg":…,"p50":…,"p90":…,"p99":…,"max":…}}`.
    pub(crate) fn json(&self) -> Bytes {
        let histogram = match self.first_token_us.lock() {
            Ok(histogram) => histogram.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let ms = |us: f64| us / 1e3;
        let body = serde_json::json!({
            "requests": histogram.len(),
            "time_to_first_token_ms": {
                "avg": ms(histogram.mean()),
                "p50": ms(histogram.value_at_quantile(0.5) as f64),
                "p90": ms(histogram.value_at_quantile(0.9) as f64),
                "p99": ms(histogram.value_at_quantile(0.99) as f64),
                "max": ms(histogram.max() as f64),
            },
        });
        Bytes::from(body.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_recorded_is_reported_in_ms() {
        let timings = Timings::new();
        for ms in [20, 20, 21, 25] {
            timings.record_first_token(Duration::from_millis(ms));
        }
        let report: serde_json::Value = serde_json::from_slice(&timings.json()).unwrap();
        assert_eq!(report["requests"], 4);
        let p50 = report["time_to_first_token_ms"]["p50"].as_f64().unwrap();
        assert!((19.99..20.03).contains(&p50), "{p50}");
        let max = report["time_to_first_token_ms"]["max"].as_f64().unwrap();
        assert!((24.99..25.03).contains(&max), "{max}");
    }
}
