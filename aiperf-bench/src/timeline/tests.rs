use std::time::{Duration, SystemTime};

use super::*;
use crate::record::Phase;
use crate::request::InFlightStarts;

/// A completed request: times in ms after `zero`.
fn request(zero: Instant, start: u64, ttft: f64, end: u64, isl: f64, osl: f64) -> RequestRecord {
    let mut record = RequestRecord::cancelled(0, Phase::Profiling, 0, 0, zero, SystemTime::now());
    record.started = zero + Duration::from_millis(start);
    record.ended = zero + Duration::from_millis(end);
    for (metric, value) in [(Metric::TimeToFirstToken, ttft), (Metric::InputSequenceLength, isl), (Metric::OutputSequenceLength, osl)] {
        record.values[metric.index()] = Some(value);
    }
    // One token a chunk, evenly over the decode.
    let chunks = (osl as usize).saturating_sub(1);
    record.inter_chunk = vec![(end as f64 - start as f64 - ttft) / chunks.max(1) as f64; chunks];
    record.error = None;
    record
}

fn summary<'a>(all: &'a [Series], key: &str) -> &'a WeightedSummary {
    &all.iter().find(|s| s.key == key).unwrap_or_else(|| panic!("{key}")).summary
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6 * b.abs().max(1.0)
}

#[test]
fn time_weighted_levels_over_the_window() {
    let zero = Instant::now();
    let mut sweep = Timeline::new(zero);
    // A: prefill 0–100 ms at 1000 tokens/s, decode 100–1100 ms at 10 tokens/s.
    // B: prefill 500–600 ms at 500 tokens/s, decode 600–1100 ms at 10 tokens/s. Window: 1.1 s.
    sweep.add(&request(zero, 500, 100.0, 1100, 50.0, 6.0));
    sweep.add(&request(zero, 0, 100.0, 1100, 100.0, 11.0));
    let all = sweep.finish();
    let s = |key| summary(&all, key);
    assert!(close(s("effective_concurrency").avg, 1.7 / 1.1), "{:?}", s("effective_concurrency"));
    assert_eq!((s("effective_concurrency").min, s("effective_concurrency").max), (1.0, 2.0));
    assert!(close(s("effective_prefill_concurrency").avg, 0.2 / 1.1));
    assert!(close(s("effective_prefill_throughput").avg, 150.0 / 1.1));
    assert!(close(s("effective_decode_throughput").avg, 15.0 / 1.1));
    assert!(close(s("effective_total_throughput").avg, 165.0 / 1.1));
    assert!(close(s("active_decode_throughput").avg, 15.0), "decode runs 1.0 s of the window: {:?}", s("active_decode_throughput"));
    assert!(close(s("active_prefill_throughput").avg, 750.0), "prefill runs 0.2 s: {:?}", s("active_prefill_throughput"));
    assert!(close(s("effective_decode_throughput_per_user").max, 10.0));
    // ISL from the start; the output token by token as the chunks arrive (A: 1 at 100 ms, then one
    // every 100 ms: 5.5 token-seconds; B: 1.5), until the end.
    assert!(close(s("tokens_in_flight").avg, 147.0 / 1.1), "{:?}", s("tokens_in_flight"));
    // Concurrency is 1 for 0.5 s and 2 for 0.6 s of 1.1 s: the median is 2, a quarter of the time 1.
    assert_eq!((s("effective_concurrency").p50, s("effective_concurrency").p90), (2.0, 2.0));
    assert!(close(s("effective_concurrency").std, (0.5f64 * 0.6).sqrt() / 1.1), "{:?}", s("effective_concurrency"));
}

#[test]
fn decode_is_counted_chunk_by_chunk_and_requests_without_a_first_token_only_in_flight() {
    let zero = Instant::now();
    let mut sweep = Timeline::new(zero);
    // First token at 100 ms, 9 more tokens in two chunks: 400 ms, then 100 ms, then nothing
    // until the end at 1000 ms.
    let mut streamed = request(zero, 0, 100.0, 1000, 20.0, 10.0);
    streamed.inter_chunk = vec![400.0, 100.0];
    sweep.add(&streamed);
    // Not streamed (no first token): in flight, in no stage.
    let mut whole = request(zero, 0, 0.0, 1000, 500.0, 50.0);
    whole.values[Metric::TimeToFirstToken.index()] = None;
    sweep.add(&whole);
    let all = sweep.finish();
    let s = |key| summary(&all, key);
    assert!(close(s("effective_concurrency").avg, 2.0), "{:?}", s("effective_concurrency"));
    assert!(close(s("effective_prefill_concurrency").avg, 0.1), "only the streamed request: {:?}", s("effective_prefill_concurrency"));
    // 4.5 tokens over 400 ms, then 4.5 over 100 ms, then none: 11.25 and 45 tokens/s.
    assert!(close(s("effective_decode_throughput").max, 45.0), "{:?}", s("effective_decode_throughput"));
    assert!(close(s("effective_decode_throughput").avg, 9.0), "9 tokens in 1 s: {:?}", s("effective_decode_throughput"));
    assert!(close(s("effective_decode_throughput").min, 0.0));
    // The total stays request-level: 200 tokens/s of prefill for 100 ms, 10 tokens/s of decode for 900 ms.
    assert!(close(s("effective_total_throughput").avg, 29.0), "{:?}", s("effective_total_throughput"));
    // Tokens: 20 from 0, +1 at 100 ms, +4.5 at 500 and 600 ms; the whole body's ISL is not in flight.
    let tokens = 20.0 + 0.9 + 4.5 * 0.5 + 4.5 * 0.4;
    assert!(close(s("tokens_in_flight").avg, tokens), "{:?}", s("tokens_in_flight"));
}

#[test]
fn events_wait_for_the_oldest_request_in_flight() {
    let zero = Instant::now();
    let mut sweep = Timeline::new(zero);
    sweep.add(&request(zero, 300, 10.0, 400, 10.0, 2.0));
    // A request started at 100 ms is still in flight: nothing from 100 ms on is swept.
    sweep.advance(Some(zero + Duration::from_millis(100)));
    assert_eq!(sweep.clock, 0, "nothing swept");
    sweep.add(&request(zero, 100, 10.0, 500, 10.0, 2.0));
    let all = sweep.finish();
    // Both counted in order: 2 in flight from 300 to 400 ms, in the phase's 500 ms window (as
    // AIPerf's, it opens at the phase's start: idle until 100 ms).
    let concurrency = summary(&all, "effective_concurrency");
    assert!(close(concurrency.avg, 500.0 / 500.0), "{all:?}");
    assert_eq!((concurrency.min, concurrency.p50, concurrency.max), (0.0, 1.0, 2.0));
}

#[test]
fn in_flight_starts_keep_the_earliest_until_released() {
    let starts = InFlightStarts::default();
    let t0 = Instant::now();
    let (a, b) = (t0, t0 + Duration::from_millis(5));
    starts.started(b);
    starts.started(a);
    starts.started(a);
    assert_eq!(starts.earliest(), Some(a));
    starts.released(a);
    assert_eq!(starts.earliest(), Some(a), "two requests started at that instant");
    starts.released(a);
    assert_eq!(starts.earliest(), Some(b));
    starts.released(b);
    starts.released(b);
    assert_eq!(starts.earliest(), None);
}

#[test]
fn two_events_in_one_read_keep_their_order() {
    // Alone in flight: its first two content events came in one read (a gap of 0 ms, at the first
    // token's instant), the next ones 450 ms apart, the last at the end.
    let zero = Instant::now();
    let mut sweep = Timeline::new(zero);
    let mut record = request(zero, 0, 100.0, 1000, 10.0, 4.0);
    record.inter_chunk = vec![0.0, 450.0, 450.0];
    sweep.add(&record);
    let all = sweep.finish();
    let decode = summary(&all, "effective_decode_throughput");
    // 3 tokens after the first one, over the second and third gaps.
    assert!(close(decode.avg, 3.0) && decode.min >= 0.0, "{decode:?}");
    assert!(close(decode.max, 1.5 / 0.45), "{decode:?}");
}
