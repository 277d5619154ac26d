//! A record as one line of `profile_export.jsonl` (AIPerf's layout), serialized straight from the
//! record: no JSON tree is built per request.

use std::fmt::Arguments;

use serde::ser::{Serialize, SerializeMap, Serializer};

use super::RequestRecord;
use crate::profile::metrics::Metric;

/// `{"metadata": {…}, "metrics": {…}, "error": {…}}` (`error` only when the request failed).
pub struct JsonLine<'a>(pub &'a RequestRecord);

impl Serialize for JsonLine<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let record = self.0;
        let mut line = serializer.serialize_map(None)?;
        line.serialize_entry("metadata", &Metadata(record))?;
        line.serialize_entry("metrics", &Metrics(record))?;
        if let Some(error) = &record.error {
            line.serialize_entry("error", error)?;
        }
        line.end()
    }
}

struct Metadata<'a>(&'a RequestRecord);

impl Serialize for Metadata<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut map = serializer.serialize_map(Some(9))?;
        map.serialize_entry("x_request_id", &Text(format_args!("{}-{}", r.phase.as_str(), r.index)))?;
        map.serialize_entry("conversation_id", &Text(format_args!("{}", r.conversation_id)))?;
        map.serialize_entry("turn_index", &0)?;
        map.serialize_entry("request_start_ns", &r.start_ns)?;
        map.serialize_entry("request_ack_ns", &r.ack_ns)?;
        map.serialize_entry("request_end_ns", &r.end_ns)?;
        map.serialize_entry("benchmark_phase", r.phase.as_str())?;
        map.serialize_entry("was_cancelled", &r.was_cancelled)?;
        map.serialize_entry("worker_id", &Text(format_args!("worker_{}", r.worker_id)))?;
        map.end()
    }
}

/// Every measured metric as `{"value": …, "unit": …}`, in the console's order.
struct Metrics<'a>(&'a RequestRecord);

impl Serialize for Metrics<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut map = serializer.serialize_map(None)?;
        for metric in Metric::ALL {
            if metric == Metric::InterChunkLatency {
                if !r.inter_chunk.is_empty() {
                    map.serialize_entry(metric.key(), &Measured { value: &r.inter_chunk, unit: metric.unit() })?;
                }
            } else if let Some(value) = r.value(metric) {
                map.serialize_entry(metric.key(), &Measured { value, unit: metric.unit() })?;
            }
        }
        map.end()
    }
}

#[derive(serde::Serialize)]
struct Measured<T> {
    value: T,
    unit: &'static str,
}

/// Text written without being built as a `String` first.
struct Text<'a>(Arguments<'a>);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}
