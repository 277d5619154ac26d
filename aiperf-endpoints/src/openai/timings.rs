//! llama.cpp's `timings`: what `llama-server` measured of a request on its own clock, sent with
//! every response (on a stream, with its last chunks; with `timings_per_token`, with each).

use aiperf_core::{ParsedResponse, ServerTimings};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A response object's `timings`, read leniently: a field that is missing, `null` or not a
/// number of its kind is left out, never failing the response it came with.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WireTimings(pub ServerTimings);

impl<'de> Deserialize<'de> for WireTimings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::from_value(&Value::deserialize(deserializer)?))
    }
}

impl WireTimings {
    /// The timings `value` gives (none of them when it is not an object).
    pub fn from_value(value: &Value) -> Self {
        let count = |key: &str| value.get(key).and_then(Value::as_u64);
        let millis = |key: &str| value.get(key).and_then(Value::as_f64).filter(|ms| ms.is_finite() && *ms >= 0.0);
        Self(ServerTimings {
            prompt_tokens: count("prompt_n"),
            cached_tokens: count("cache_n"),
            prompt_ms: millis("prompt_ms"),
            predicted_tokens: count("predicted_n"),
            predicted_ms: millis("predicted_ms"),
        })
    }

    /// Records this report in `out` when it says anything: the last report wins.
    pub fn apply(self, out: &mut ParsedResponse) {
        if self.0 != ServerTimings::default() {
            out.server_timings = Some(self.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Option<ServerTimings> {
        let mut out = ParsedResponse::default();
        serde_json::from_str::<WireTimings>(json).unwrap().apply(&mut out);
        out.server_timings
    }

    #[test]
    fn llama_server_s_timings_are_read() {
        // From aiperf-endpoints/fixtures/llama-server/chat_stream.body (llama.cpp b11434).
        let timings = read(
            r#"{"cache_n":0,"prompt_n":22,"prompt_ms":284.417,"prompt_per_token_ms":12.928045454545453,"prompt_per_second":77.3512131834595,"predicted_n":8,"predicted_ms":1256.855,"predicted_per_token_ms":179.5507142857143,"predicted_per_second":5.569457097278524}"#,
        )
        .unwrap();
        assert_eq!(
            timings,
            ServerTimings {
                prompt_tokens: Some(22),
                cached_tokens: Some(0),
                prompt_ms: Some(284.417),
                predicted_tokens: Some(8),
                predicted_ms: Some(1256.855)
            }
        );
    }

    #[test]
    fn what_is_not_a_timing_is_left_out_and_fails_nothing() {
        assert_eq!(read(r#"{"prompt_ms":"fast","prompt_n":-1,"predicted_ms":-2.0}"#), None);
        assert_eq!(read(r#"[1,2]"#), None);
        assert_eq!(read(r#"{"prompt_ms":1.5,"other":{}}"#).unwrap().prompt_ms, Some(1.5));
    }
}
