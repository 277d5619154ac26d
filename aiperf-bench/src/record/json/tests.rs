use std::time::{Instant, SystemTime};

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;
use crate::record::{Phase, RecordError};

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
        prop::sample::select(vec![0.0, 1.0, 9.0, 10.0, 16.0, 99.0, 100.0, 128.0, 999.0, 1000.0, 1e14, 1e15 - 1.0, 1e15, 1e16, -1.0, -16.0]),
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
        JsonLine { record: &r, warmup_phase, worker: None }.write_to(&mut line).unwrap();
        prop_assert_eq!(String::from_utf8(line).unwrap(), oracle(&r, warmup_phase));
    }
}
