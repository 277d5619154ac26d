//! Records of one request: failures by type, the metric formulas.

use std::time::{Duration, Instant, SystemTime};

use aiperf_core::{ParsedResponse, ServerError, TransportError, TransportTiming, Usage};

use super::*;

fn tokenizer() -> Tokenizer {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/wordlevel-tokenizer.json");
    Tokenizer::load(path).unwrap()
}

fn measure(tokenizer: &Tokenizer, streaming: bool) -> Measure<'_> {
    Measure { tokenizer, use_server_token_count: false, produces_tokens: true, streaming, trace: false }
}

/// A streamed answer "the model serves tokens fast" (5 words): first piece at 100 ms, one more every 10 ms.
fn streamed(t0: Instant) -> (ParsedResponse, TransportTiming) {
    let mut response = ParsedResponse::default();
    for (i, piece) in ["the", " model", " serves", " tokens", " fast"].iter().enumerate() {
        response.push_content(t0 + Duration::from_millis(100 + 10 * i as u64), piece, "");
    }
    response.usage = Some(Usage { prompt_tokens: Some(3), completion_tokens: Some(5), total_tokens: Some(8) });
    response.done = true;
    let mut timing = TransportTiming::begin(t0, 2000);
    timing.sent = t0 + Duration::from_millis(2);
    timing.connecting = Duration::from_millis(1);
    timing.response_start = Some(t0 + Duration::from_millis(5));
    timing.first_byte = Some(t0 + Duration::from_millis(8));
    timing.end = t0 + Duration::from_millis(150);
    timing.status = 200;
    timing.bytes_received = 3072;
    timing.chunks = 7;
    (response, timing)
}

fn outcome_of(response: &ParsedResponse, timing: Result<TransportTiming, TransportError>, t0: Instant) -> Outcome<'_> {
    Outcome {
        timing,
        response,
        decode_error: None,
        input_tokens: 12,
        started: t0,
        started_wall: SystemTime::now(),
        scheduled: None,
        credit: t0,
        max_tokens: None,
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

#[test]
fn streamed_metrics_follow_aiperf_definitions() {
    let (tok, t0) = (tokenizer(), Instant::now());
    let (response, timing) = streamed(t0);
    let outcome = outcome_of(&response, Ok(timing), t0);
    let r = measure(&tok, true).record(0, Phase::Profiling, 0, 0, outcome);
    assert!(r.error.is_none());
    assert!(close(r.value(Metric::RequestLatency), 150.0));
    assert!(close(r.value(Metric::TimeToFirstToken), 100.0));
    assert!(close(r.value(Metric::TimeToSecondToken), 10.0));
    assert!(close(r.value(Metric::OutputSequenceLength), 5.0));
    assert!(close(r.value(Metric::InputSequenceLength), 12.0));
    // (150 − 100) / (5 − 1) = 12.5 ms; per user 1000 / 12.5 = 80 tokens/s.
    assert!(close(r.value(Metric::InterTokenLatency), 12.5));
    assert!(close(r.value(Metric::OutputTokenThroughputPerUser), 80.0));
    assert_eq!(r.inter_chunk, [10.0, 10.0, 10.0, 10.0]);
    assert!(close(r.value(Metric::HttpReqConnecting), 1.0));
    assert!(close(r.value(Metric::HttpReqSending), 1.0), "sending excludes connecting");
    // Waiting ends at the body's first byte, not at the headers (AIPerf's and k6's TTFB).
    assert!(close(r.value(Metric::HttpReqWaiting), 6.0));
    assert!(close(r.value(Metric::HttpReqReceiving), 142.0));
    assert!(close(r.value(Metric::HttpReqDataReceived), 3.0), "3072 bytes: KB of 1024, as AIPerf");
    assert!(close(r.value(Metric::UsageCompletionTokens), 5.0));
}

#[test]
fn server_token_counts_replace_the_tokenizer_when_asked() {
    let (tok, t0) = (tokenizer(), Instant::now());
    let (mut response, timing) = streamed(t0);
    response.usage = Some(Usage { prompt_tokens: Some(30), completion_tokens: Some(9), total_tokens: Some(39) });
    let outcome = outcome_of(&response, Ok(timing), t0);
    let m = Measure { use_server_token_count: true, ..measure(&tok, true) };
    let r = m.record(0, Phase::Profiling, 0, 0, outcome);
    assert!(close(r.value(Metric::InputSequenceLength), 30.0));
    assert!(close(r.value(Metric::OutputSequenceLength), 9.0));
    assert!(close(r.value(Metric::OutputTokenCount), 9.0), "the server's count, as AIPerf takes it");
    for diff in [Metric::UsagePromptTokensDiffPct, Metric::UsageCompletionTokensDiffPct] {
        assert!(r.value(diff).is_none(), "{diff:?}: the server's counts are not checked against themselves");
    }
}

#[test]
fn non_streamed_requests_have_no_streaming_metrics() {
    let (tok, t0) = (tokenizer(), Instant::now());
    let (response, timing) = streamed(t0);
    let outcome = outcome_of(&response, Ok(timing), t0);
    let r = measure(&tok, false).record(0, Phase::Profiling, 0, 0, outcome);
    assert!(r.value(Metric::TimeToFirstToken).is_none() && r.value(Metric::InterTokenLatency).is_none());
    assert!(r.inter_chunk.is_empty());
    assert!(close(r.value(Metric::RequestLatency), 150.0));
}

#[test]
fn failures_become_errors_with_their_type() {
    let (tok, t0) = (tokenizer(), Instant::now());
    let (mut response, timing) = streamed(t0);
    let outcome = outcome_of(&response, Err(TransportError::Timeout(Duration::from_secs(1))), t0);
    let r = measure(&tok, true).record(0, Phase::Profiling, 0, 0, outcome);
    assert_eq!(r.error.as_ref().map(|e| e.kind.as_str()), Some("TimeoutError"));
    response.error = Some(ServerError { status: Some(503), message: "overloaded".into(), kind: None, code: None });
    let outcome = outcome_of(&response, Ok(timing), t0);
    let r = measure(&tok, true).record(1, Phase::Profiling, 0, 0, outcome);
    let error = r.error.clone().unwrap();
    assert_eq!((error.code, error.kind.as_str(), error.message.as_str()), (Some(503), "HTTP 503", "overloaded"));
    // What AIPerf measures of a failed request: its wait, its latency with it, its input; no more.
    let measured: Vec<Metric> = Metric::ALL.into_iter().filter(|&m| r.value(m).is_some()).collect();
    assert_eq!(measured, [Metric::CreditToStartLatency, Metric::EffectiveLatency, Metric::ErrorInputSequenceLength]);
    let isl_counted = r.value(Metric::ErrorInputSequenceLength);
    assert!(isl_counted.is_some_and(|isl| isl > 0.0), "{isl_counted:?}");
}

#[test]
fn a_jsonl_line_has_aiperf_s_layout_in_order() {
    let t0 = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1);
    let mut record = RequestRecord::cancelled(7, Phase::Profiling, 3, 2, t0, wall);
    record.end_ns = 1_000_000_500;
    record.values[Metric::TimeToFirstToken.index()] = Some(12.5);
    record.values[Metric::HttpReqChunksReceived.index()] = Some(3.0);
    record.inter_chunk = vec![1.0, 2.25];
    let mut line = Vec::new();
    JsonLine { record: &record, warmup_phase: false, worker: None }.write_to(&mut line).unwrap();
    assert_eq!(
        String::from_utf8(line).unwrap(),
        concat!(
            r#"{"metadata":{"session_num":7,"x_request_id":"profiling-7","x_correlation_id":"profiling-7","conversation_id":"3","#,
            r#""turn_index":0,"request_start_ns":1000000000,"request_end_ns":1000000500,"worker_id":"worker_2","#,
            r#""record_processor_id":"record_processor_0","benchmark_phase":"profiling","phase_index":0,"profiling_index":0,"#,
            r#""phase_name":"profiling","phase_kind":"profiling","was_cancelled":true,"cancellation_time_ns":1000000500,"#,
            r#""context_overflow_skip":false,"agent_depth":0,"root_correlation_id":"profiling-7"},"#,
            r#""metrics":{"time_to_first_token":{"value":12.5,"unit":"ms"},"inter_chunk_latency":{"value":[1.0,2.25],"unit":"ms"},"#,
            r#""http_req_chunks_received":{"value":3,"unit":"count"}},"#,
            r#""error":{"code":499,"type":"RequestCancellationError","message":"cancelled: still running when the grace period after Ctrl-C ended"}}"#
        )
    );
}

#[test]
fn milliseconds_are_the_doubles_nearest_the_exact_values() {
    for (ns, exact) in [(1_234_567, 1.234567), (134_220_931, 134.220931), (1, 1e-6), (0, 0.0), (27_745_635, 27.745635)] {
        assert_eq!(super::ms(Duration::from_nanos(ns)), exact, "{ns} ns");
    }
    assert_eq!(super::ms(Duration::from_secs(1 << 40)), (1u64 << 40) as f64 * 1e3);
}
