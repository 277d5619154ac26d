//! Metrics derived from the ones a record measured, as AIPerf 0.13 defines them: the decode
//! phase, time to the first answer text, throughputs of one request, the scheduler's wait, and
//! the cross-checks of the server's `usage` and of the `max_tokens` asked; and ours: the server's
//! own clock (llama.cpp's `timings`) beside the client's.

use std::time::Instant;

use aiperf_core::ParsedResponse;

use super::{RequestRecord, ms};
use crate::metrics::Metric;

/// AIPerf's default `AIPERF_METRICS_OSL_MISMATCH_PCT_THRESHOLD`.
const OSL_MISMATCH_PCT: f64 = 5.0;

/// AIPerf's default `AIPERF_METRICS_OSL_MISMATCH_MAX_TOKEN_THRESHOLD`.
const OSL_MISMATCH_TOKENS: f64 = 50.0;

/// AIPerf's default `AIPERF_METRICS_USAGE_PCT_DIFF_THRESHOLD`.
const USAGE_DIFF_PCT: f64 = 10.0;

/// When the request was decided and sent, and what it asked for.
pub(super) struct Asked {
    /// The scheduler decided to issue it (a worker was free, a rate's send time came).
    pub credit: Instant,
    /// `max_tokens` it asked for.
    pub max_tokens: Option<u32>,
}

/// Sets the derived metrics of a successful `record` from its measured ones.
pub(super) fn derive(record: &mut RequestRecord, response: &ParsedResponse, asked: &Asked, streamed_start: Option<Instant>) {
    queue_metrics(record, asked.credit);
    let value = |record: &RequestRecord, metric: Metric| record.value(metric);
    let latency = value(record, Metric::RequestLatency);
    let ttft = value(record, Metric::TimeToFirstToken);
    let (isl, osl) = (value(record, Metric::InputSequenceLength), value(record, Metric::OutputSequenceLength));
    let diff = |usage: Option<f64>, ours: Option<f64>| match (usage, ours) {
        (Some(usage), Some(ours)) if ours > 0.0 => Some((usage - ours).abs() / ours * 100.0),
        _ => None,
    };
    let usage_prompt = diff(value(record, Metric::UsagePromptTokens), isl);
    let usage_completion = diff(value(record, Metric::UsageCompletionTokens), osl);
    let usage_reasoning = diff(value(record, Metric::UsageReasoningTokens), value(record, Metric::ReasoningTokenCount));
    // The first piece that carried answer text, not reasoning.
    let mut text_end = 0;
    let first_text = response.chunks.iter().find(|chunk| std::mem::replace(&mut text_end, chunk.text_end) < chunk.text_end);
    // Each metric is set where it is known: no list is built per request.
    let mut set = |metric: Metric, v: Option<f64>| {
        if v.is_some() {
            record.values[metric.index()] = v;
        }
    };
    set(Metric::DecodeDuration, latency.zip(ttft).map(|(latency, ttft)| (latency - ttft).max(0.0)));
    set(Metric::PrefillThroughputPerUser, ttft.filter(|&t| t > 0.0).zip(isl).map(|(ttft, isl)| isl / (ttft / 1e3)));
    set(Metric::E2eOutputTokenThroughput, latency.filter(|&l| l > 0.0).zip(osl).map(|(latency, osl)| osl / (latency / 1e3)));
    set(Metric::TimeToFirstOutputToken, streamed_start.zip(first_text).map(|(start, chunk)| ms(chunk.at.saturating_duration_since(start))));
    set(Metric::UsagePromptTokensDiffPct, usage_prompt);
    set(Metric::UsageCompletionTokensDiffPct, usage_completion);
    set(Metric::UsageReasoningTokensDiffPct, usage_reasoning);
    if let Some(server) = response.server_timings {
        let (prefill, decode) = (server.prompt_ms, server.predicted_ms);
        set(Metric::ServerPrefillTime, prefill);
        set(Metric::ServerDecodeTime, decode);
        set(Metric::TtftMinusServerPrefill, ttft.zip(prefill).map(|(ttft, prefill)| ttft - prefill));
        set(
            Metric::LatencyMinusServerTime,
            latency.zip(prefill.zip(decode)).map(|(latency, (prefill, decode))| latency - prefill - decode),
        );
    }
    if let (Some(asked), Some(osl)) = (asked.max_tokens.filter(|&m| m > 0), osl) {
        let asked = f64::from(asked);
        record.values[Metric::OslMismatchDiffPct.index()] = Some((osl - asked) / asked * 100.0);
        // AIPerf's `osl_mismatch_count` rule: off by more than the smaller of 5% and 50 tokens.
        record.osl_mismatch = (osl - asked).abs() > (asked * OSL_MISMATCH_PCT / 100.0).min(OSL_MISMATCH_TOKENS);
    }
}

/// The scheduler's side of `record`, decided at `credit`, failed or not (AIPerf counts both):
/// its wait for a slot, and its latency with that wait.
pub(super) fn queue_metrics(record: &mut RequestRecord, credit: Instant) {
    record.values[Metric::CreditToStartLatency.index()] = Some(ms(record.started.saturating_duration_since(credit)));
    record.values[Metric::EffectiveLatency.index()] = Some(ms(record.ended.saturating_duration_since(credit)));
}

/// AIPerf's `usage_discrepancy_count` rule: the server's prompt, completion or reasoning count
/// differs from ours by more than 10%.
pub fn usage_discrepant(record: &RequestRecord) -> bool {
    [Metric::UsagePromptTokensDiffPct, Metric::UsageCompletionTokensDiffPct]
        .into_iter()
        .any(|m| record.value(m).is_some_and(|d| d > USAGE_DIFF_PCT))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use aiperf_core::{ContentChunk, ServerTimings};

    use super::*;
    use crate::record::Phase;

    #[test]
    fn derived_metrics_follow_aiperfs_definitions() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut record = RequestRecord::cancelled(0, Phase::Profiling, 0, 0, at(10), SystemTime::now());
        for (metric, value) in [
            (Metric::RequestLatency, 1000.0),
            (Metric::TimeToFirstToken, 200.0),
            (Metric::InputSequenceLength, 100.0),
            (Metric::OutputSequenceLength, 120.0),
            (Metric::UsagePromptTokens, 112.0),
            (Metric::UsageCompletionTokens, 120.0),
            (Metric::ReasoningTokenCount, 5.0),
            (Metric::UsageReasoningTokens, 6.0),
        ] {
            record.values[metric.index()] = Some(value);
        }
        // Reasoning first (at 210 ms), answer text from 400 ms.
        let chunks =
            vec![ContentChunk { at: at(210), text_end: 0, reasoning_end: 5 }, ContentChunk { at: at(410), text_end: 3, reasoning_end: 5 }];
        let response = ParsedResponse { chunks, ..ParsedResponse::default() };
        record.ended = at(1010);
        let asked = Asked { credit: at(0), max_tokens: Some(100) };
        derive(&mut record, &response, &asked, Some(at(10)));
        let value = |m: Metric| record.value(m).unwrap();
        assert_eq!((value(Metric::CreditToStartLatency), value(Metric::EffectiveLatency)), (10.0, 1010.0));
        assert_eq!((value(Metric::DecodeDuration), value(Metric::TimeToFirstOutputToken)), (800.0, 400.0));
        assert_eq!((value(Metric::PrefillThroughputPerUser), value(Metric::E2eOutputTokenThroughput)), (500.0, 120.0));
        assert_eq!(value(Metric::OslMismatchDiffPct), 20.0);
        assert!(record.osl_mismatch, "20 tokens over is more than min(5% of 100, 50)");
        assert_eq!((value(Metric::UsagePromptTokensDiffPct), value(Metric::UsageCompletionTokensDiffPct)), (12.0, 0.0));
        assert_eq!(value(Metric::UsageReasoningTokensDiffPct), 20.0);
        assert!(usage_discrepant(&record));
        let server_metrics = [Metric::ServerPrefillTime, Metric::TtftMinusServerPrefill, Metric::LatencyMinusServerTime];
        assert!(server_metrics.iter().all(|&m| record.value(m).is_none()), "no server clock, no server metrics");
    }

    #[test]
    fn the_server_s_own_clock_stands_beside_the_client_s() {
        let t0 = Instant::now();
        let mut record = RequestRecord::cancelled(0, Phase::Profiling, 0, 0, t0, SystemTime::now());
        record.values[Metric::RequestLatency.index()] = Some(1000.0);
        record.values[Metric::TimeToFirstToken.index()] = Some(200.0);
        let server_timings = Some(ServerTimings { prompt_ms: Some(150.5), predicted_ms: Some(700.0), ..ServerTimings::default() });
        let response = ParsedResponse { server_timings, ..ParsedResponse::default() };
        derive(&mut record, &response, &Asked { credit: t0, max_tokens: None }, Some(t0));
        let value = |m: Metric| record.value(m).unwrap();
        assert_eq!((value(Metric::ServerPrefillTime), value(Metric::ServerDecodeTime)), (150.5, 700.0));
        assert_eq!((value(Metric::TtftMinusServerPrefill), value(Metric::LatencyMinusServerTime)), (49.5, 149.5));
    }
}
