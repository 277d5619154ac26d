//! A record as one line of `profile_export.jsonl` (AIPerf's layout), written straight from the
//! record into a byte buffer: no JSON tree and no serializer per request. Keys, units and phase
//! names are constants that need no escaping; numbers are formatted as `serde_json` formats them
//! (`itoa` for integers, `zmij` for floats, `null` for a float that is not finite); free text (an
//! error's type and message, the server's ids) goes through `serde_json`'s string escaping.

use std::sync::OnceLock;

use super::RequestRecord;
use crate::metrics::Metric;

/// `{"metadata": {…}, "metrics": {…}, "error": {…}}` (`error` only when the request failed).
pub struct JsonLine<'a> {
    /// The record.
    pub record: &'a RequestRecord,
    /// Whether the run had a warmup phase (AIPerf numbers its phases in order: profiling is then
    /// the second).
    pub warmup_phase: bool,
    /// The worker (of several sharing the benchmark) that sent it: its slots are then named
    /// `worker_<worker>_<slot>` and its collector `record_processor_<worker>`, so that merged
    /// records stay apart. None for a run of its own.
    pub worker: Option<u32>,
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
        if let Some(trace) = &r.trace {
            out.extend_from_slice(b",\"trace_data\":");
            serde_json::to_writer(&mut *out, &trace.json())?;
        }
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
        if let Some(worker) = self.worker {
            integer(out, u64::from(worker));
            out.push(b'_');
        }
        integer(out, r.worker_id as u64);
        out.extend_from_slice(b"\",\"record_processor_id\":\"record_processor_");
        integer(out, u64::from(self.worker.unwrap_or(0)));
        out.extend_from_slice(b"\",\"benchmark_phase\":\"");
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
    // Whole numbers (counts are written by `count`) below 10^15: their shortest form is the
    // integer and `.0` (zmij and ryu switch to an exponent from 10^16).
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
mod tests;
