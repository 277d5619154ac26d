//! Recording one request: its metrics from the parsed response (the output counted with the
//! builtin tokenizer), folded into the run's statistics, and written as its `profile_export.jsonl`
//! line. For a 16-token answer (the loads') and a 256-token one.
//!
//! Each request starts a little after the one before, as at 32 requests in flight, and the phase
//! sweep advances to the oldest start still in flight, as the collector's does: the sweep's
//! queue then holds what a run's does, not every event of the bench.
//!
//! `cargo bench --bench record`.

mod payloads;

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use aiperf::bench::aggregate::Aggregate;
use aiperf::bench::record::{JsonLine, Measure, Outcome, Phase};
use aiperf::bench::tokenizer::Tokenizer;
use aiperf::core::{FromModelEndpoint, ParsedResponse, TransportTiming, decode_response};
use aiperf::endpoints::ChatEndpoint;
use criterion::{Criterion, criterion_group, criterion_main};

/// A streamed chat response of `tokens` tokens, one every 5 ms after a 20 ms first token.
fn response(tokens: usize, start: Instant) -> (ParsedResponse, TransportTiming) {
    let endpoint = ChatEndpoint::from_model_endpoint(&payloads::info()).expect("valid settings");
    let bytes = payloads::chat_stream(tokens);
    let events: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    let at = |i: usize| start + Duration::from_millis(20 + 5 * i as u64 / 2);
    let parsed = decode_response(&endpoint, 200, true, events.iter().enumerate().map(|(i, e)| (at(i), *e))).expect("a valid stream");
    let end = at(events.len());
    let timing = TransportTiming {
        start,
        sent: start + Duration::from_micros(40),
        response_start: Some(start + Duration::from_millis(1)),
        first_byte: Some(start + Duration::from_millis(20)),
        end,
        connecting: Duration::ZERO,
        dns_lookup: Duration::ZERO,
        blocked: Duration::ZERO,
        connection_reused: Some(true),
        chunks_sent: 1,
        status: 200,
        bytes_sent: 900,
        bytes_received: bytes.len() as u64,
        chunks: events.len() as u32,
    };
    (parsed, timing)
}

/// Requests in flight at once.
const IN_FLIGHT: u32 = 32;

/// Moves a request `by` later: every time it holds.
fn shift(response: &mut ParsedResponse, timing: &mut TransportTiming, by: Duration) {
    response.chunks.iter_mut().for_each(|chunk| chunk.at += by);
    response.event_times.iter_mut().for_each(|at| *at += by);
    let t = timing;
    (t.start, t.sent, t.end) = (t.start + by, t.sent + by, t.end + by);
    (t.response_start, t.first_byte) = (t.response_start.map(|at| at + by), t.first_byte.map(|at| at + by));
}

fn record_request(c: &mut Criterion) {
    let tokenizer = Tokenizer::shared("builtin").expect("the builtin tokenizer");
    let measure = Measure { tokenizer: &tokenizer, use_server_token_count: false, produces_tokens: true, streaming: true, trace: false };
    let mut aggregate = Aggregate::new(Vec::new(), Instant::now()).expect("a directory for the columns");
    let mut line = Vec::with_capacity(4096);
    let mut group = c.benchmark_group("record_request");
    for tokens in [16, 256] {
        let (start, wall) = (Instant::now(), SystemTime::now());
        let (mut response, mut timing) = response(tokens, start);
        // The next request starts this much later: 32 in flight at once.
        let step = (timing.end - timing.start) / IN_FLIGHT;
        group.bench_function(format!("osl_{tokens}"), |b| {
            b.iter(|| {
                shift(&mut response, &mut timing, step);
                let outcome = Outcome {
                    timing: Ok(timing),
                    response: black_box(&response),
                    decode_error: None,
                    input_tokens: 128,
                    started: timing.start,
                    started_wall: wall,
                    scheduled: None,
                    credit: timing.start,
                    max_tokens: Some(tokens as u32),
                };
                let record = measure.record(0, Phase::Profiling, 0, 0, outcome);
                aggregate.add(&record);
                // The oldest request still in flight started just after this one.
                aggregate.timeline.advance(Some(timing.start + step));
                line.clear();
                JsonLine { record: &record, warmup_phase: false, worker: None }.write_to(&mut line).expect("serializable");
                line.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, record_request);
criterion_main!(benches);
