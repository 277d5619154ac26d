//! One request's record: its metrics, computed where the response was parsed, and its JSONL form.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aiperf_core::{EndpointError, ParsedResponse, TransportError, TransportTiming};
use serde::{Deserialize, Serialize};

use super::metrics::Metric;
use super::tokenizer::Tokenizer;

/// Which phase a request belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not measured.
    Warmup,
    /// Measured.
    Profiling,
}

impl Phase {
    /// AIPerf's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warmup => "warmup",
            Self::Profiling => "profiling",
        }
    }
}

/// Why a request failed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordError {
    /// HTTP status (or the status a transport mapped), if any (left out when none, as AIPerf does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// The error's type (`NotFoundError`, `Timeout`, `InvalidResponse`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// What it said.
    pub message: String,
}

/// One request, measured.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    /// Position in its phase.
    pub index: u64,
    /// Warmup or profiling.
    pub phase: Phase,
    /// Dataset entry (or session) it sent.
    pub conversation_id: usize,
    /// The session's id, for a session's request (`conversation_id` in the JSONL).
    pub session_id: Option<std::sync::Arc<str>>,
    /// Its turn in the session (0 outside sessions).
    pub turn_index: u32,
    /// Worker (concurrency slot) or dispatch task that ran it.
    pub worker_id: usize,
    /// Wall clock when the scheduler decided to issue it (AIPerf's credit), ns since the Unix
    /// epoch, when it went through a scheduler.
    pub credit_ns: Option<u64>,
    /// Wall clock when it was issued, ns since the Unix epoch.
    pub start_ns: u64,
    /// Wall clock when the response started, if it did.
    pub ack_ns: Option<u64>,
    /// Wall clock when it ended.
    pub end_ns: u64,
    /// Monotonic issue and end times (for concurrency and duration).
    pub started: Instant,
    /// When it ended.
    pub ended: Instant,
    /// Single-valued metrics, indexed by [`Metric::index`].
    pub values: [Option<f64>; Metric::ALL.len()],
    /// Inter-chunk gaps, ms.
    pub inter_chunk: Vec<f64>,
    /// The failure, if it failed.
    pub error: Option<RecordError>,
    /// Cut short by cancellation.
    pub was_cancelled: bool,
    /// Of those, cut by the client on purpose (`--request-cancellation-rate`), not by a signal or
    /// a phase's end.
    pub cut: bool,
    /// The id the server gave its response (`chatcmpl-…`), when it gave one.
    pub response_id: Option<String>,
    /// The server's `x-request-id` response header, when it sent one.
    pub server_request_id: Option<String>,
    /// Its output missed the `max_tokens` it asked for (AIPerf's `osl_mismatch_count` rule).
    pub osl_mismatch: bool,
    /// Its HTTP trace, with `--export-http-trace` (boxed: a record without one stays small).
    pub trace: Option<Box<HttpTrace>>,
}

/// What the runner knows when a request ends.
pub struct Outcome<'a> {
    /// The transport's timing, or its failure.
    pub timing: Result<TransportTiming, TransportError>,
    /// What the endpoint parsed.
    pub response: &'a ParsedResponse,
    /// A parse failure, if any.
    pub decode_error: Option<EndpointError>,
    /// Input tokens of the entry sent (tokenizer count).
    pub input_tokens: u64,
    /// When the request was issued.
    pub started: Instant,
    /// Wall clock at issue.
    pub started_wall: SystemTime,
    /// When a fixed schedule wanted it issued.
    pub scheduled: Option<Instant>,
    /// When the scheduler decided to issue it.
    pub credit: Instant,
    /// `max_tokens` it asked for.
    pub max_tokens: Option<u32>,
}

/// How to turn outcomes into metrics.
pub struct Measure<'t> {
    /// The run's tokenizer.
    pub tokenizer: &'t Tokenizer,
    /// Take token counts from the server's usage.
    pub use_server_token_count: bool,
    /// Whether the endpoint produces tokens (chat, completions).
    pub produces_tokens: bool,
    /// Whether the request was streamed.
    pub streaming: bool,
    /// Keep each request's HTTP trace (`--export-http-trace`).
    pub trace: bool,
}

/// `d` in milliseconds: the double nearest the exact value (one rounding, from whole
/// nanoseconds), so 1234567 ns is `1.234567`, not `1.2345670000000001`.
fn ms(d: Duration) -> f64 {
    match u64::try_from(d.as_nanos()) {
        // Exact below 2^53 ns (104 days); one rounding in the division.
        Ok(ns) if ns < 1 << 53 => ns as f64 / 1e6,
        _ => d.as_secs_f64() * 1e3,
    }
}

/// The wall clock of `credit`, the scheduler's decision, by the record's issue time.
fn credit_ns(record: &RequestRecord, credit: Instant) -> Option<u64> {
    Some(record.start_ns.saturating_sub(record.started.saturating_duration_since(credit).as_nanos() as u64))
}

fn wall_ns(start_wall: SystemTime, start: Instant, at: Instant) -> u64 {
    let base = start_wall.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    base + at.saturating_duration_since(start).as_nanos() as u64
}

impl Measure<'_> {
    /// The record of one request: its failure, or its timing and token metrics.
    pub fn record(&self, index: u64, phase: Phase, conversation_id: usize, worker_id: usize, outcome: Outcome<'_>) -> RequestRecord {
        let Outcome { timing, response, decode_error, input_tokens, started, started_wall, scheduled, credit, max_tokens } = outcome;
        let mut record = RequestRecord::issued(index, phase, conversation_id, worker_id, started, started_wall);
        record.credit_ns = credit_ns(&record, credit);
        // Late or not, failed or not: every scheduled send tells how faithful the replay was.
        record.values[Metric::ScheduleLag.index()] = scheduled.map(|due| ms(started.saturating_duration_since(due)));
        let timing = match timing {
            Ok(timing) => timing,
            Err(e) => {
                record.ended = Instant::now();
                record.end_ns = wall_ns(started_wall, started, record.ended);
                record.error = Some(transport_failure(&e));
                self.failed_metrics(&mut record, credit, input_tokens);
                return record;
            }
        };
        record.ended = timing.end;
        record.end_ns = wall_ns(started_wall, started, timing.end);
        if self.trace {
            record.trace = Some(Box::new(HttpTrace::of(&timing, started, started_wall)));
        }
        // Kept for failures too: they are what a record is matched with the server's logs for.
        record.response_id.clone_from(&response.response_id);
        record.server_request_id.clone_from(&response.server_request_id);
        record.ack_ns = timing.response_start.map(|at| wall_ns(started_wall, started, at));
        record.error = response_failure(&timing, response, decode_error.as_ref());
        if record.error.is_some() {
            self.failed_metrics(&mut record, credit, input_tokens);
        } else {
            timing_metrics(&mut record, &timing);
            self.token_metrics(&mut record, &timing, response, input_tokens);
            let asked = derived::Asked { credit, max_tokens };
            derived::derive(&mut record, response, &asked, self.streaming.then_some(timing.start));
            if self.use_server_token_count {
                // The server's counts checked against themselves say nothing (AIPerf leaves them out).
                for metric in [Metric::UsagePromptTokensDiffPct, Metric::UsageCompletionTokensDiffPct, Metric::UsageReasoningTokensDiffPct]
                {
                    record.values[metric.index()] = None;
                }
            }
        }
        record
    }

    /// What AIPerf measures of a failed request: its wait for a slot, its latency with that wait,
    /// and its input length (`error_isl`, the client's count: none with the server's counts).
    fn failed_metrics(&self, record: &mut RequestRecord, credit: Instant, input_tokens: u64) {
        derived::queue_metrics(record, credit);
        if !self.use_server_token_count {
            record.values[Metric::ErrorInputSequenceLength.index()] = Some(input_tokens as f64);
        }
    }

    /// Usage, input and output lengths, and (streamed) time to first token, inter-token and
    /// inter-chunk latencies.
    fn token_metrics(&self, record: &mut RequestRecord, timing: &TransportTiming, response: &ParsedResponse, input_tokens: u64) {
        let mut set = |metric: Metric, value: f64| record.values[metric.index()] = Some(value);
        if let Some(usage) = response.usage {
            for (metric, value) in [
                (Metric::UsagePromptTokens, usage.prompt_tokens),
                (Metric::UsageCompletionTokens, usage.completion_tokens),
                (Metric::UsageTotalTokens, usage.total_tokens),
                (Metric::UsageReasoningTokens, response.usage_reasoning_tokens),
            ] {
                if let Some(v) = value {
                    set(metric, v as f64);
                }
            }
        }
        let server = |v: Option<u64>| if self.use_server_token_count { v } else { None };
        let isl = server(response.usage.and_then(|u| u.prompt_tokens)).unwrap_or(input_tokens);
        set(Metric::InputSequenceLength, isl as f64);
        if !self.produces_tokens {
            return;
        }
        let text_tokens = self.tokenizer.count(&response.text);
        let reasoning_tokens = self.tokenizer.count(&response.reasoning);
        let osl = server(response.usage.and_then(|u| u.completion_tokens)).unwrap_or(text_tokens + reasoning_tokens);
        // The answer's tokens: the server's count less its reasoning, when its counts are taken.
        let usage_completion = server(response.usage.and_then(|u| u.completion_tokens));
        let text_count = usage_completion.map_or(text_tokens, |c| c.saturating_sub(response.usage_reasoning_tokens.unwrap_or(0)));
        set(Metric::OutputTokenCount, text_count as f64);
        if reasoning_tokens > 0 {
            set(Metric::ReasoningTokenCount, reasoning_tokens as f64);
        }
        set(Metric::OutputSequenceLength, osl as f64);
        if self.streaming
            && let Some(first) = response.first_content_at()
        {
            let ttft = ms(first.saturating_duration_since(timing.start));
            set(Metric::TimeToFirstToken, ttft);
            if let Some(second) = response.chunks.get(1) {
                set(Metric::TimeToSecondToken, ms(second.at.saturating_duration_since(first)));
            }
            if osl > 1 {
                let itl = (ms(timing.end - timing.start) - ttft) / (osl - 1) as f64;
                set(Metric::InterTokenLatency, itl);
                if itl > 0.0 {
                    set(Metric::OutputTokenThroughputPerUser, 1e3 / itl);
                }
            }
            // Gaps between content responses (role, usage and `[DONE]` events carry no content).
            record.inter_chunk = response.chunks.windows(2).map(|w| ms(w[1].at.saturating_duration_since(w[0].at))).collect();
        }
    }
}

/// A request the transport could not carry.
fn transport_failure(e: &TransportError) -> RecordError {
    let kind = match e {
        TransportError::Connect { .. } => "ConnectionError",
        TransportError::Timeout(_) => "TimeoutError",
        TransportError::Io(_) => "IOError",
        TransportError::Protocol(_) => "ProtocolError",
        TransportError::Unsupported { .. } => "UnsupportedError",
    };
    RecordError { code: None, kind: kind.to_owned(), message: e.to_string() }
}

/// The server's error, or the endpoint's failure to read the response.
fn response_failure(timing: &TransportTiming, response: &ParsedResponse, decode_error: Option<&EndpointError>) -> Option<RecordError> {
    if let Some(error) = &response.error {
        let code = error.status.unwrap_or(timing.status);
        let kind = error.kind.clone().unwrap_or_else(|| format!("HTTP {code}"));
        return Some(RecordError { code: Some(code), kind, message: error.message.clone() });
    }
    decode_error.map(|e| {
        let kind = match e {
            EndpointError::Truncated { .. } => "TruncatedStreamError",
            EndpointError::NotAStream { .. } => "NotAStreamError",
            EndpointError::ResponseTooLarge { .. } => "ResponseTooLargeError",
            _ => "ResponseParseError",
        };
        RecordError { code: Some(timing.status), kind: kind.to_owned(), message: e.to_string() }
    })
}

/// The `http_req_*` breakdown and the request latency.
fn timing_metrics(record: &mut RequestRecord, timing: &TransportTiming) {
    let mut set = |metric: Metric, value: f64| record.values[metric.index()] = Some(value);
    let latency = ms(timing.end - timing.start);
    let overhead = timing.blocked + timing.dns_lookup + timing.connecting;
    let sending = timing.sent.saturating_duration_since(timing.start).saturating_sub(overhead);
    set(Metric::RequestLatency, latency);
    set(Metric::HttpReqConnecting, ms(timing.connecting));
    set(Metric::HttpReqSending, ms(sending));
    // Waiting ends with the first byte of the body (or, without a body, with the headers), as in
    // AIPerf and k6: receiving is the body's own time.
    if let Some(first) = timing.first_byte.or(timing.response_start) {
        set(Metric::HttpReqWaiting, ms(first.saturating_duration_since(timing.sent)));
        set(Metric::HttpReqReceiving, ms(timing.end.saturating_duration_since(first)));
    }
    // k6's and AIPerf's split: duration is sending to last byte, total adds the connection's cost.
    set(Metric::HttpReqDuration, ms(timing.end.saturating_duration_since(timing.start + overhead)));
    // KB of 1024 bytes, as AIPerf writes them.
    set(Metric::HttpReqDataSent, timing.bytes_sent as f64 / 1024.0);
    set(Metric::HttpReqDataReceived, timing.bytes_received as f64 / 1024.0);
    set(Metric::HttpReqChunksReceived, f64::from(timing.chunks));
    set(Metric::HttpReqBlocked, ms(timing.blocked));
    set(Metric::HttpReqDnsLookup, ms(timing.dns_lookup));
    set(Metric::HttpReqConnectionOverhead, ms(overhead));
    // The phases follow one another: together they span issue to last byte.
    set(Metric::HttpReqTotal, latency);
    // Connection-level facts only for transports with connections of their own.
    if let Some(reused) = timing.connection_reused {
        set(Metric::HttpReqConnectionReused, f64::from(u8::from(reused)));
        set(Metric::HttpReqChunksSent, f64::from(timing.chunks_sent));
    }
}

impl RequestRecord {
    /// The record of a request whose body could not be built (a trace row the endpoint cannot
    /// format): a failure at once, nothing sent.
    pub fn unbuilt(index: u64, phase: Phase, conversation_id: usize, worker_id: usize, error: &EndpointError) -> Self {
        let mut record = Self::issued(index, phase, conversation_id, worker_id, Instant::now(), SystemTime::now());
        record.error = Some(RecordError { code: None, kind: "RequestFormatError".to_owned(), message: error.to_string() });
        record
    }

    /// A record of a request issued at `started`, with nothing measured yet.
    fn issued(index: u64, phase: Phase, conversation_id: usize, worker_id: usize, started: Instant, started_wall: SystemTime) -> Self {
        Self {
            index,
            phase,
            conversation_id,
            session_id: None,
            turn_index: 0,
            worker_id,
            credit_ns: None,
            start_ns: wall_ns(started_wall, started, started),
            ack_ns: None,
            end_ns: wall_ns(started_wall, started, started),
            started,
            ended: started,
            values: [None; Metric::ALL.len()],
            inter_chunk: Vec::new(),
            error: None,
            was_cancelled: false,
            cut: false,
            response_id: None,
            server_request_id: None,
            osl_mismatch: false,
            trace: None,
        }
    }

    /// The value of `metric`, if measured.
    pub fn value(&self, metric: Metric) -> Option<f64> {
        self.values[metric.index()]
    }
}

mod cancelled;
mod derived;
mod json;
mod trace;

pub use cancelled::Cut;
pub use trace::HttpTrace;

pub use derived::usage_discrepant;
pub use json::JsonLine;

#[cfg(test)]
mod tests;
