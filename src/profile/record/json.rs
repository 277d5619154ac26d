//! A record as one line of `profile_export.jsonl` (AIPerf's layout), written straight from the
//! record into a byte buffer: no JSON tree and no serializer per request. Keys, units and phase
//! names are constants that need no escaping; numbers are formatted as `serde_json` formats them
//! (`itoa` for integers, `zmij` for floats, `null` for a float that is not finite); free text (an
//! error's type and message, the server's ids) goes through `serde_json`'s string escaping.

use std::sync::OnceLock;

use super::RequestRecord;
use crate::profile::metrics::Metric;

/// `{"metadata": {…}, "metrics": {…}, "error": {…}}` (`error` only when the request failed).
pub struct JsonLine<'a> {
    /// The record.
    pub record: &'a RequestRecord,
    /// Whether the run had a warmup phase (AIPerf numbers its phases in order: profiling is then
    /// the second).
    pub warmup_phase: bool,
}

impl JsonLine<'_> {
    /// Appends the line, without its newline, to `out`.
    ///
    /// # Errors
    /// Only if `serde_json` cannot write the error's text (it writes to memory, so in practice
    /// never); `out` then holds part of the line.
    pub fn write_to(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let r = self.record;
        out.extend_from_slice(b"{\"metadata\":");
        self.metadata(out)?;
        out.extend_from_slice(b",\"metrics\":{");
        metrics(r, out);
        out.push(b'}');
        if let Some(error) = &r.error {
            out.extend_from_slice(b",\"error\":");
            serde_json::to_writer(&mut *out, error)?;
        }
        out.push(b'}');
        Ok(())
    }

    /// AIPerf's metadata, in its order (a key it leaves out when it has no value is left out),
    /// then ours: the server's ids.
    fn metadata(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let r = self.record;
        let phase = r.phase.as_str().as_bytes();
        let request_id = |out: &mut Vec<u8>| {
            out.push(b'"');
            out.extend_from_slice(phase);
            out.push(b'-');
            integer(out, r.index);
            out.push(b'"');
        };
        out.extend_from_slice(b"{\"session_num\":");
        integer(out, r.index);
        out.extend_from_slice(b",\"x_request_id\":");
        request_id(out);
        // The session's requests share one correlation id; a request outside a session is its own.
        let correlation = |out: &mut Vec<u8>| match &r.session_id {
            Some(_) => {
                out.push(b'"');
                out.extend_from_slice(phase);
                out.extend_from_slice(b"-session-");
                integer(out, r.conversation_id as u64);
                out.push(b'"');
            }
            None => request_id(out),
        };
        out.extend_from_slice(b",\"x_correlation_id\":");
        correlation(out);
        out.extend_from_slice(b",\"conversation_id\":");
        match &r.session_id {
            // A session's id is the dataset's text: escaped by serde_json.
            Some(id) => text(out, id)?,
            None => {
                out.push(b'"');
                integer(out, r.conversation_id as u64);
                out.push(b'"');
            }
        }
        out.extend_from_slice(b",\"turn_index\":");
        integer(out, u64::from(r.turn_index));
        for (key, value) in [
            (&b",\"credit_issued_ns\":"[..], r.credit_ns),
            (b",\"request_start_ns\":", Some(r.start_ns)),
            (b",\"request_ack_ns\":", r.ack_ns),
            (b",\"request_end_ns\":", Some(r.end_ns)),
        ] {
            if let Some(ns) = value {
                out.extend_from_slice(key);
                integer(out, ns);
            }
        }
        out.extend_from_slice(b",\"worker_id\":\"worker_");
        integer(out, r.worker_id as u64);
        out.extend_from_slice(b"\",\"record_processor_id\":\"record_processor_0\",\"benchmark_phase\":\"");
        out.extend_from_slice(phase);
        let profiling = r.phase == super::Phase::Profiling;
        out.extend_from_slice(if profiling && self.warmup_phase {
            b"\",\"phase_index\":1,\"profiling_index\":0,\"phase_name\":\""
        } else if profiling {
            b"\",\"phase_index\":0,\"profiling_index\":0,\"phase_name\":\""
        } else {
            b"\",\"phase_index\":0,\"phase_name\":\""
        });
        out.extend_from_slice(phase);
        out.extend_from_slice(b"\",\"phase_kind\":\"");
        out.extend_from_slice(phase);
        if r.was_cancelled {
            out.extend_from_slice(b"\",\"was_cancelled\":true,\"cancellation_time_ns\":");
            integer(out, r.end_ns);
        } else {
            out.extend_from_slice(b"\",\"was_cancelled\":false");
        }
        out.extend_from_slice(b",\"context_overflow_skip\":false,\"agent_depth\":0,\"root_correlation_id\":");
        correlation(out);
        // The server's names for the request, to match the record with its logs (text it chose:
        // escaped by serde_json).
        for (key, id) in [(&b",\"response_id\":"[..], &r.response_id), (b",\"server_request_id\":", &r.server_request_id)] {
            if let Some(id) = id {
                out.extend_from_slice(key);
                text(out, id)?;
            }
        }
        out.push(b'}');
        Ok(())
    }
}

/// Every measured metric as `"key":{"value":…,"unit":…}`, in the console's order.
fn metrics(r: &RequestRecord, out: &mut Vec<u8>) {
    let texts = texts();
    // The unit of the field written last: its end and the next field's start are one text.
    let mut last_unit: Option<usize> = None;
    for metric in Metric::ALL {
        // Inter-chunk latency is the one list: written when there are gaps, whatever its value.
        let listed = metric == Metric::InterChunkLatency;
        let value = if listed { None } else { r.value(metric) };
        if (listed && r.inter_chunk.is_empty()) || (!listed && value.is_none()) {
            continue;
        }
        let index = metric.index();
        out.extend_from_slice(match last_unit {
            None => &texts.first[index],
            Some(unit) => &texts.between[unit][index],
        });
        match value {
            Some(value) if metric.integral() => count(out, value),
            Some(value) => float(out, value),
            None => {
                out.push(b'[');
                for (i, &gap) in r.inter_chunk.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    float(out, gap);
                }
                out.push(b']');
            }
        }
        last_unit = Some(texts.unit[index]);
    }
    if let Some(unit) = last_unit {
        out.extend_from_slice(&texts.last[unit]);
    }
}

/// The text around the metrics' values, built once: one copy a field. There are few units, so
/// the text from one field's value to the next's is kept whole for every unit and metric.
struct Texts {
    /// `"key":{"value":` by metric: the first field's start.
    first: Vec<Box<[u8]>>,
    /// `,"unit":"…"},"key":{"value":` by the unit before and the metric after.
    between: Vec<Vec<Box<[u8]>>>,
    /// `,"unit":"…"}` by unit: the last field's end.
    last: Vec<Box<[u8]>>,
    /// Each metric's unit, by metric: an index of `last` and `between`.
    unit: Vec<usize>,
}

fn texts() -> &'static Texts {
    static TEXTS: OnceLock<Texts> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let mut units: Vec<&str> = Vec::new();
        let unit = Metric::ALL.map(|metric| match units.iter().position(|&u| u == metric.unit()) {
            Some(at) => at,
            None => {
                units.push(metric.unit());
                units.len() - 1
            }
        });
        let bytes = |text: String| text.into_bytes().into_boxed_slice();
        let start = |metric: Metric| format!("\"{}\":{{\"value\":", metric.key());
        let end = |unit: &str| format!(",\"unit\":\"{unit}\"}}");
        Texts {
            first: Metric::ALL.map(|metric| bytes(start(metric))).into(),
            between: units.iter().map(|&u| Metric::ALL.map(|metric| bytes(format!("{},{}", end(u), start(metric)))).into()).collect(),
            last: units.iter().map(|&u| bytes(end(u))).collect(),
            unit: unit.into(),
        }
    })
}

/// A JSON string: as it is between quotes when nothing in it needs an escape (ids mostly), else
/// escaped by `serde_json`.
fn text(out: &mut Vec<u8>, value: &str) -> Result<(), serde_json::Error> {
    if value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
        return Ok(());
    }
    serde_json::to_writer(&mut *out, value)
}

fn integer(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// A count: as an integer when it is whole (AIPerf writes token and chunk counts as integers),
/// else as [`float`] writes it.
fn count(out: &mut Vec<u8>, value: f64) {
    if (0.0..1e15).contains(&value) && (value as i64) as f64 == value {
        integer(out, value as i64 as u64);
    } else {
        float(out, value);
    }
}

/// As `serde_json` writes an `f64`: the shortest form that reads back the same, or `null`.
fn float(out: &mut Vec<u8>, value: f64) {
    // Counts (tokens, chunks, 0 and 1 flags) are whole numbers: below 10^15 their shortest form
    // is the integer and `.0` (zmij and ryu switch to an exponent from 10^16).
    // (Conversions through `i64`, in range here: shorter code than the saturating `as u64`.)
    if (0.0..1e15).contains(&value) && (value as i64) as f64 == value && value.is_sign_positive() {
        match value as i64 as u64 {
            // Token counts and flags (below 1000 mostly): one copy of known length.
            whole @ 0..10 => out.extend_from_slice(&[b'0' + whole as u8, b'.', b'0']),
            whole @ 10..100 => {
                let [t, u] = PAIRS[whole as usize];
                out.extend_from_slice(&[t, u, b'.', b'0']);
            }
            whole @ 100..1000 => {
                let [t, u] = PAIRS[whole as usize % 100];
                out.extend_from_slice(&[b'0' + (whole / 100) as u8, t, u, b'.', b'0']);
            }
            whole => {
                integer(out, whole);
                out.extend_from_slice(b".0");
            }
        }
    } else if let Some(n) = millionths(value) {
        decimal(out, n);
    } else if value.is_finite() {
        out.extend_from_slice(zmij::Buffer::new().format_finite(value).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

/// `value` as `n` millionths, when it is the double nearest `n / 10^6` for some `n` from 10^3 to
/// 10^15: what a duration measured in nanoseconds gives in milliseconds. The shortest form of
/// such a double is that decimal itself (it has at most 15 significant digits, and every decimal
/// that short reads back as itself), so it is written from `n` with no float formatting.
fn millionths(value: f64) -> Option<u64> {
    if !(1e-3..1e9).contains(&value) {
        return None;
    }
    let n = (value * 1e6 + 0.5) as i64 as u64;
    (n as f64 / 1e6 == value).then_some(n)
}

/// `n / 10^6` in decimal, its fraction's trailing zeros dropped (`n` is not a multiple of 10^6:
/// whole numbers are written before).
fn decimal(out: &mut Vec<u8>, n: u64) {
    let whole = n / 1_000_000;
    // The point and six digits, then the trailing zeros cut (at least one digit stays).
    let fraction = (n % 1_000_000) as usize;
    let [a, b] = PAIRS[fraction / 10_000];
    let [c, d] = PAIRS[fraction / 100 % 100];
    let [e, f] = PAIRS[fraction % 100];
    let zeros = [b, c, d, e, f].iter().rev().take_while(|&&digit| digit == b'0').count();
    // Milliseconds below 100 (most of a record's values) are one copy of known length: no call
    // into `itoa` or `memcpy`.
    match whole {
        0..10 => out.extend_from_slice(&[b'0' + whole as u8, b'.', a, b, c, d, e, f]),
        10..100 => {
            let [t, u] = PAIRS[whole as usize];
            out.extend_from_slice(&[t, u, b'.', a, b, c, d, e, f]);
        }
        _ => {
            integer(out, whole);
            out.extend_from_slice(&[b'.', a, b, c, d, e, f]);
        }
    }
    out.truncate(out.len() - zeros);
}

/// The two decimal digits of each number below 100.
const PAIRS: [[u8; 2]; 100] = {
    let mut pairs = [[0; 2]; 100];
    let mut n = 0;
    while n < 100 {
        pairs[n] = [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
        n += 1;
    }
    pairs
};

#[cfg(test)]
mod tests {
    use std::time::{Instant, SystemTime};

    use proptest::prelude::*;
    use serde_json::{Map, Value, json};

    use super::*;
    use crate::profile::record::{Phase, RecordError};

    /// The same line built as a `serde_json` tree (keys in order): what the writer must equal.
    fn oracle(r: &RequestRecord, warmup_phase: bool) -> String {
        let mut metrics = Map::new();
        for metric in Metric::ALL {
            let value = match metric {
                Metric::InterChunkLatency if !r.inter_chunk.is_empty() => json!(r.inter_chunk),
                Metric::InterChunkLatency => continue,
                _ => match r.value(metric) {
                    Some(value) if metric.integral() && (0.0..1e15).contains(&value) && value.fract() == 0.0 => json!(value as u64),
                    Some(value) => json!(value),
                    None => continue,
                },
            };
            metrics.insert(metric.key().to_owned(), json!({ "value": value, "unit": metric.unit() }));
        }
        let phase = r.phase.as_str();
        let request_id = format!("{phase}-{}", r.index);
        let correlation = if r.session_id.is_some() { format!("{phase}-session-{}", r.conversation_id) } else { request_id.clone() };
        let mut metadata = Map::new();
        let mut put = |key: &str, value: Value| {
            metadata.insert(key.to_owned(), value);
        };
        put("session_num", json!(r.index));
        put("x_request_id", json!(request_id));
        put("x_correlation_id", json!(correlation));
        put("conversation_id", json!(r.session_id.as_deref().map_or_else(|| r.conversation_id.to_string(), str::to_owned)));
        put("turn_index", json!(r.turn_index));
        if let Some(ns) = r.credit_ns {
            put("credit_issued_ns", json!(ns));
        }
        put("request_start_ns", json!(r.start_ns));
        if let Some(ns) = r.ack_ns {
            put("request_ack_ns", json!(ns));
        }
        put("request_end_ns", json!(r.end_ns));
        put("worker_id", json!(format!("worker_{}", r.worker_id)));
        put("record_processor_id", json!("record_processor_0"));
        put("benchmark_phase", json!(phase));
        let profiling = r.phase == Phase::Profiling;
        put("phase_index", json!(u8::from(profiling && warmup_phase)));
        if profiling {
            put("profiling_index", json!(0));
        }
        put("phase_name", json!(phase));
        put("phase_kind", json!(phase));
        put("was_cancelled", json!(r.was_cancelled));
        if r.was_cancelled {
            put("cancellation_time_ns", json!(r.end_ns));
        }
        put("context_overflow_skip", json!(false));
        put("agent_depth", json!(0));
        put("root_correlation_id", json!(correlation));
        for (key, id) in [("response_id", &r.response_id), ("server_request_id", &r.server_request_id)] {
            if let Some(id) = id {
                put(key, json!(id));
            }
        }
        let mut line = json!({ "metadata": Value::Object(metadata), "metrics": Value::Object(metrics) });
        if let Some(error) = &r.error {
            line["error"] = json!(error);
        }
        line.to_string()
    }

    fn float() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(0.1 + 0.2),
            Just(-0.0),
            0.0..1e6_f64,
            (0..2_000_000_000_000_000u64).prop_map(|n| n as f64),
            prop::sample::select(vec![
                0.0,
                1.0,
                9.0,
                10.0,
                16.0,
                99.0,
                100.0,
                128.0,
                999.0,
                1000.0,
                1e14,
                1e15 - 1.0,
                1e15,
                1e16,
                -1.0,
                -16.0
            ]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn milliseconds_from_nanoseconds_are_written_as_serde_json_writes_them(
            ns in (1u64..1_000_000_000, 0..9u32).prop_map(|(n, k)| n * 10u64.pow(k)),
            scale in 0..3u32,
        ) {
            // Durations, and values near them that are not whole millionths.
            let value = ns as f64 / 1e6 * [1.0, 1.0 + f64::EPSILON, 0.1][scale as usize];
            let mut ours = Vec::new();
            super::float(&mut ours, value);
            prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&value).unwrap());
        }

        #[test]
        fn lines_are_what_serde_json_writes(
            (index, conversation_id, worker_id) in (any::<u64>(), any::<usize>(), any::<usize>()),
            (start_ns, ack_ns, end_ns) in (any::<u64>(), any::<Option<u64>>(), any::<u64>()),
            credit_ns in any::<Option<u64>>(),
            (warmup, warmup_phase) in (any::<bool>(), any::<bool>()),
            was_cancelled: bool,
            values in prop::collection::vec(prop::option::of(float()), Metric::ALL.len()),
            inter_chunk in prop::collection::vec(float(), 0..5),
            error in prop::option::of((any::<Option<u16>>(), ".*", ".*")),
            (response_id, server_request_id) in (prop::option::of(".*"), prop::option::of(".*")),
            (session_id, turn_index) in (prop::option::of(".*"), any::<u32>()),
        ) {
            let phase = if warmup { Phase::Warmup } else { Phase::Profiling };
            let mut r = RequestRecord::cancelled(index, phase, conversation_id, worker_id, Instant::now(), SystemTime::now());
            (r.start_ns, r.ack_ns, r.end_ns, r.was_cancelled, r.credit_ns) = (start_ns, ack_ns, end_ns, was_cancelled, credit_ns);
            r.values.copy_from_slice(&values);
            r.inter_chunk = inter_chunk;
            r.error = error.map(|(code, kind, message)| RecordError { code, kind, message });
            (r.response_id, r.server_request_id) = (response_id, server_request_id);
            (r.session_id, r.turn_index) = (session_id.map(Into::into), turn_index);
            let mut line = Vec::new();
            JsonLine { record: &r, warmup_phase }.write_to(&mut line).unwrap();
            prop_assert_eq!(String::from_utf8(line).unwrap(), oracle(&r, warmup_phase));
        }
    }
}
