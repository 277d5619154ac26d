//! The last generation requests the server received, served at `GET /mock/requests`: what a
//! client really sent (a session's history, a trace's prompts) can be checked from outside.
//! Bounded: the last [`KEPT`] bodies of at most [`KEPT_BYTES`] each.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;

/// Bodies kept.
pub(crate) const KEPT: usize = 64;

/// Larger bodies are not kept (they are counted).
pub(crate) const KEPT_BYTES: usize = 256 << 10;

/// The last request bodies, oldest first.
#[derive(Default)]
pub(crate) struct RequestLog {
    bodies: Mutex<VecDeque<Bytes>>,
}

impl RequestLog {
    /// Keeps `body` (a reference count, not a copy), dropping the oldest beyond [`KEPT`].
    pub(crate) fn record(&self, body: &Bytes) {
        if body.len() > KEPT_BYTES {
            return;
        }
        let mut bodies = self.bodies.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if bodies.len() == KEPT {
            bodies.pop_front();
        }
        bodies.push_back(body.clone());
    }

    /// The kept bodies, oldest first.
    pub(crate) fn bodies(&self) -> Vec<Bytes> {
        self.bodies.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect()
    }

    /// `[body, …]`, oldest first: each body as the JSON it is, or as a string when it is not JSON.
    pub(crate) fn json(&self) -> Bytes {
        let bodies: Vec<serde_json::Value> = self
            .bodies()
            .iter()
            .map(|b| serde_json::from_slice(b).unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(b).into_owned())))
            .collect();
        Bytes::from(serde_json::Value::Array(bodies).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_bodies_are_kept_and_large_ones_are_not() {
        let log = RequestLog::default();
        for i in 0..KEPT + 3 {
            log.record(&Bytes::from(format!("{{\"n\":{i}}}")));
        }
        log.record(&Bytes::from(vec![b'x'; KEPT_BYTES + 1]));
        let bodies = log.bodies();
        assert_eq!((bodies.len(), &bodies[0][..]), (KEPT, &b"{\"n\":3}"[..]));
        log.record(&Bytes::from_static(b"not json"));
        let json: serde_json::Value = serde_json::from_slice(&log.json()).unwrap();
        assert_eq!((json[0]["n"].as_u64(), json[KEPT - 1].as_str()), (Some(4), Some("not json")));
    }
}
