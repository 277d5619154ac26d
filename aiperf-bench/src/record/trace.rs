//! A request's HTTP trace (`--export-http-trace`): when its sending, waiting and receiving began
//! and ended, in wall-clock nanoseconds, with its bytes and pieces, written into its line of
//! `profile_export.jsonl` as AIPerf 0.13's `trace_data` (its keys, in its order; what the
//! transport did not see is left out, and the chunk lists are empty, as AIPerf's are).

use std::time::{Instant, SystemTime};

use aiperf_core::TransportTiming;
use serde_json::{Map, Value, json};

use super::wall_ns;

/// What the transport timed of one request, kept for its trace.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpTrace {
    timing: TransportTiming,
    started: Instant,
    started_wall: SystemTime,
}

impl HttpTrace {
    /// The trace of a request issued at `started` (`started_wall` on the wall clock).
    pub fn of(timing: &TransportTiming, started: Instant, started_wall: SystemTime) -> Self {
        Self { timing: *timing, started, started_wall }
    }

    /// AIPerf's `trace_data` object.
    pub fn json(&self) -> Value {
        let t = &self.timing;
        let ns = |at: Instant| wall_ns(self.started_wall, self.started, at);
        let span = |from: Instant, to: Instant| to.saturating_duration_since(from).as_nanos() as u64;
        let mut out = Map::new();
        let mut put = |key: &str, value: Value| {
            if !value.is_null() {
                out.insert(key.to_owned(), value);
            }
        };
        put("trace_type", json!("aiperf"));
        put("request_send_start_ns", json!(ns(t.start)));
        put("request_chunks", json!([]));
        put("request_send_end_ns", json!(ns(t.sent)));
        put("request_chunks_count", json!(t.chunks_sent));
        put("request_bytes_total", json!(t.bytes_sent));
        put("response_status_code", json!(t.status));
        put("response_receive_start_ns", json!(t.first_byte.map(ns)));
        put("response_headers_received_ns", json!(t.response_start.map(ns)));
        put("response_chunks", json!([]));
        put("response_chunks_count", json!(t.chunks));
        put("response_bytes_total", json!(t.bytes_received));
        put("response_receive_end_ns", json!(ns(t.end)));
        put("connection_reused", json!(t.connection_reused));
        put("sending_ns", json!(span(t.start, t.sent)));
        put("waiting_ns", json!(t.first_byte.map(|first| span(t.sent, first))));
        // AIPerf's rule: no receiving without a piece, none to measure with one.
        let receiving = match t.chunks {
            0 => None,
            1 => Some(0),
            _ => t.first_byte.map(|first| span(first, t.end)),
        };
        put("receiving_ns", json!(receiving));
        put("duration_ns", json!(span(t.start, t.end)));
        for (key, value) in [("blocked_ns", t.blocked), ("dns_lookup_ns", t.dns_lookup), ("connecting_ns", t.connecting)] {
            if !value.is_zero() {
                put(key, json!(value.as_nanos() as u64));
            }
        }
        Value::Object(out)
    }
}
