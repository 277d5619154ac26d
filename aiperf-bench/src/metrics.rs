//! The metrics: AIPerf's names, units and console titles.

/// A per-request ("record") metric. Declared in the order of [`Metric::ALL`], so that a metric's
/// position is its discriminant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Issue to the first piece of content.
    TimeToFirstToken,
    /// First to second piece of content.
    TimeToSecondToken,
    /// Issue to last byte.
    RequestLatency,
    /// (latency − TTFT) / (output tokens − 1).
    InterTokenLatency,
    /// Gaps between consecutive responses (several values per request).
    InterChunkLatency,
    /// 1 / inter-token latency.
    OutputTokenThroughputPerUser,
    /// Output tokens, reasoning included.
    OutputSequenceLength,
    /// Input tokens.
    InputSequenceLength,
    /// Output tokens of the answer text.
    OutputTokenCount,
    /// Server-reported `usage.prompt_tokens`.
    UsagePromptTokens,
    /// Server-reported `usage.completion_tokens`.
    UsageCompletionTokens,
    /// Server-reported `usage.total_tokens`.
    UsageTotalTokens,
    /// Waiting for a new connection (TCP, and TLS for `https://`); 0 when one was reused.
    HttpReqConnecting,
    /// Issue to the body handed to the connection, less connecting.
    HttpReqSending,
    /// Body sent to the first byte of the response body (time to first byte).
    HttpReqWaiting,
    /// First to last byte of the response body.
    HttpReqReceiving,
    /// Issue to last byte.
    HttpReqDuration,
    /// Body bytes sent, KB of 1024 bytes.
    HttpReqDataSent,
    /// Body bytes received, KB of 1024 bytes.
    HttpReqDataReceived,
    /// Body pieces received.
    HttpReqChunksReceived,
    /// Waiting for a connection: before its own setup began, or for another request's.
    HttpReqBlocked,
    /// Resolving the server's name for a new connection (0 for an IP address or a reused one).
    HttpReqDnsLookup,
    /// Blocked, DNS lookup and connecting: what the connection cost the request.
    HttpReqConnectionOverhead,
    /// Blocked, DNS lookup, connecting, sending, waiting and receiving.
    HttpReqTotal,
    /// 1 when the request went over a connection already open (the average is the reuse rate).
    HttpReqConnectionReused,
    /// Body pieces written.
    HttpReqChunksSent,
    /// Under a fixed schedule: when the request was sent, less when it was due.
    ScheduleLag,
    /// Request latency less time to first token (streamed).
    DecodeDuration,
    /// Issue to the first piece of answer text, reasoning not counted (streamed).
    TimeToFirstOutputToken,
    /// Output tokens per second of the whole request, time to first token included.
    E2eOutputTokenThroughput,
    /// Input tokens per second of time to first token (streamed).
    PrefillThroughputPerUser,
    /// The scheduler's decision to issue the request to its start (waiting for a slot).
    CreditToStartLatency,
    /// The scheduler's decision to issue the request to its end: latency with the wait included.
    EffectiveLatency,
    /// (output tokens − `max_tokens` asked) / `max_tokens` × 100, signed.
    OslMismatchDiffPct,
    /// |usage.prompt_tokens − input tokens| / input tokens × 100.
    UsagePromptTokensDiffPct,
    /// |usage.completion_tokens − output tokens| / output tokens × 100.
    UsageCompletionTokensDiffPct,
    /// Tokens of the reasoning text (reasoning models).
    ReasoningTokenCount,
    /// Server-reported `usage.completion_tokens_details.reasoning_tokens`.
    UsageReasoningTokens,
    /// |usage reasoning tokens − reasoning tokens| / reasoning tokens × 100.
    UsageReasoningTokensDiffPct,
    /// Input tokens of a failed request (AIPerf's `error_isl`: failed requests' only metric).
    ErrorInputSequenceLength,
    /// The server's own time on the prompt, to its first token (llama.cpp's `timings.prompt_ms`).
    ServerPrefillTime,
    /// The server's own time generating the output (llama.cpp's `timings.predicted_ms`).
    ServerDecodeTime,
    /// Time to first token less the server's prefill time: what the client, the network and the
    /// server's queue and HTTP handling added before the first token (streamed).
    TtftMinusServerPrefill,
    /// Request latency less the server's prefill and decode times: the same overhead over the
    /// whole request (streamed or not).
    LatencyMinusServerTime,
}

impl Metric {
    /// Every record metric, in the console's order.
    pub const ALL: [Self; 44] = [
        Self::TimeToFirstToken,
        Self::TimeToSecondToken,
        Self::RequestLatency,
        Self::InterTokenLatency,
        Self::InterChunkLatency,
        Self::OutputTokenThroughputPerUser,
        Self::OutputSequenceLength,
        Self::InputSequenceLength,
        Self::OutputTokenCount,
        Self::UsagePromptTokens,
        Self::UsageCompletionTokens,
        Self::UsageTotalTokens,
        Self::HttpReqConnecting,
        Self::HttpReqSending,
        Self::HttpReqWaiting,
        Self::HttpReqReceiving,
        Self::HttpReqDuration,
        Self::HttpReqDataSent,
        Self::HttpReqDataReceived,
        Self::HttpReqChunksReceived,
        Self::HttpReqBlocked,
        Self::HttpReqDnsLookup,
        Self::HttpReqConnectionOverhead,
        Self::HttpReqTotal,
        Self::HttpReqConnectionReused,
        Self::HttpReqChunksSent,
        Self::ScheduleLag,
        Self::DecodeDuration,
        Self::TimeToFirstOutputToken,
        Self::E2eOutputTokenThroughput,
        Self::PrefillThroughputPerUser,
        Self::CreditToStartLatency,
        Self::EffectiveLatency,
        Self::OslMismatchDiffPct,
        Self::UsagePromptTokensDiffPct,
        Self::UsageCompletionTokensDiffPct,
        Self::ReasoningTokenCount,
        Self::UsageReasoningTokens,
        Self::UsageReasoningTokensDiffPct,
        Self::ErrorInputSequenceLength,
        Self::ServerPrefillTime,
        Self::ServerDecodeTime,
        Self::TtftMinusServerPrefill,
        Self::LatencyMinusServerTime,
    ];

    /// Position in [`Metric::ALL`] (its discriminant: the declaration follows that order).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The export key (`time_to_first_token`).
    pub fn key(self) -> &'static str {
        match self {
            Self::RequestLatency => "request_latency",
            Self::TimeToFirstToken => "time_to_first_token",
            Self::TimeToSecondToken => "time_to_second_token",
            Self::InterTokenLatency => "inter_token_latency",
            Self::InterChunkLatency => "inter_chunk_latency",
            Self::OutputTokenThroughputPerUser => "output_token_throughput_per_user",
            Self::InputSequenceLength => "input_sequence_length",
            Self::OutputSequenceLength => "output_sequence_length",
            Self::OutputTokenCount => "output_token_count",
            Self::UsagePromptTokens => "usage_prompt_tokens",
            Self::UsageCompletionTokens => "usage_completion_tokens",
            Self::UsageTotalTokens => "usage_total_tokens",
            Self::HttpReqConnecting => "http_req_connecting",
            Self::HttpReqSending => "http_req_sending",
            Self::HttpReqWaiting => "http_req_waiting",
            Self::HttpReqReceiving => "http_req_receiving",
            Self::HttpReqDuration => "http_req_duration",
            Self::HttpReqDataSent => "http_req_data_sent",
            Self::HttpReqDataReceived => "http_req_data_received",
            Self::HttpReqChunksReceived => "http_req_chunks_received",
            Self::HttpReqBlocked => "http_req_blocked",
            Self::HttpReqDnsLookup => "http_req_dns_lookup",
            Self::HttpReqConnectionOverhead => "http_req_connection_overhead",
            Self::HttpReqTotal => "http_req_total",
            Self::HttpReqConnectionReused => "http_req_connection_reused",
            Self::HttpReqChunksSent => "http_req_chunks_sent",
            Self::ScheduleLag => "schedule_lag",
            Self::DecodeDuration => "decode_duration",
            Self::TimeToFirstOutputToken => "time_to_first_output_token",
            Self::ErrorInputSequenceLength => "error_isl",
            Self::E2eOutputTokenThroughput => "e2e_output_token_throughput",
            Self::PrefillThroughputPerUser => "prefill_throughput_per_user",
            Self::CreditToStartLatency => "credit_to_start_latency",
            Self::EffectiveLatency => "effective_latency",
            Self::OslMismatchDiffPct => "osl_mismatch_diff_pct",
            Self::UsagePromptTokensDiffPct => "usage_prompt_tokens_diff_pct",
            Self::UsageCompletionTokensDiffPct => "usage_completion_tokens_diff_pct",
            Self::ReasoningTokenCount => "reasoning_token_count",
            Self::UsageReasoningTokens => "usage_reasoning_tokens",
            Self::UsageReasoningTokensDiffPct => "usage_reasoning_tokens_diff_pct",
            Self::ServerPrefillTime => "server_prefill_time",
            Self::ServerDecodeTime => "server_decode_time",
            Self::TtftMinusServerPrefill => "ttft_minus_server_prefill",
            Self::LatencyMinusServerTime => "request_latency_minus_server_time",
        }
    }

    /// The unit (`ms`, `tokens`, ...).
    pub fn unit(self) -> &'static str {
        match self {
            Self::RequestLatency
            | Self::TimeToFirstToken
            | Self::TimeToSecondToken
            | Self::InterTokenLatency
            | Self::InterChunkLatency
            | Self::HttpReqConnecting
            | Self::HttpReqSending
            | Self::HttpReqWaiting
            | Self::HttpReqReceiving
            | Self::HttpReqDuration
            | Self::HttpReqBlocked
            | Self::HttpReqDnsLookup
            | Self::HttpReqConnectionOverhead
            | Self::HttpReqTotal
            | Self::ScheduleLag
            | Self::DecodeDuration
            | Self::TimeToFirstOutputToken
            | Self::CreditToStartLatency
            | Self::EffectiveLatency
            | Self::ServerPrefillTime
            | Self::ServerDecodeTime
            | Self::TtftMinusServerPrefill
            | Self::LatencyMinusServerTime => "ms",
            Self::OutputTokenThroughputPerUser | Self::E2eOutputTokenThroughput | Self::PrefillThroughputPerUser => "tokens/sec/user",
            Self::OslMismatchDiffPct
            | Self::UsagePromptTokensDiffPct
            | Self::UsageCompletionTokensDiffPct
            | Self::UsageReasoningTokensDiffPct => "%",
            Self::HttpReqDataSent | Self::HttpReqDataReceived => "KB",
            Self::HttpReqChunksReceived | Self::HttpReqChunksSent => "count",
            Self::HttpReqConnectionReused => "ratio",
            _ => "tokens",
        }
    }

    /// The console and CSV row title, AIPerf 0.13's (`Time to First Token`).
    pub fn title(self) -> &'static str {
        match self {
            Self::RequestLatency => "Request Latency",
            Self::TimeToFirstToken => "Time to First Token",
            Self::TimeToSecondToken => "Time to Second Token",
            Self::InterTokenLatency => "Inter Token Latency",
            Self::InterChunkLatency => "Inter Chunk Latency",
            Self::OutputTokenThroughputPerUser => "Output Token Throughput Per User",
            Self::InputSequenceLength => "Input Sequence Length",
            Self::OutputSequenceLength => "Output Sequence Length",
            Self::OutputTokenCount => "Output Token Count",
            Self::UsagePromptTokens => "Usage Prompt Tokens",
            Self::UsageCompletionTokens => "Usage Completion Tokens",
            Self::UsageTotalTokens => "Usage Total Tokens",
            Self::HttpReqConnecting => "HTTP Connecting",
            Self::HttpReqSending => "HTTP Sending",
            Self::HttpReqWaiting => "HTTP Waiting (TTFB)",
            Self::HttpReqReceiving => "HTTP Receiving",
            Self::HttpReqDuration => "HTTP Duration (excl. conn)",
            Self::HttpReqDataSent => "HTTP Data Sent",
            Self::HttpReqDataReceived => "HTTP Data Received",
            Self::HttpReqChunksReceived => "HTTP Chunks Received",
            Self::HttpReqBlocked => "HTTP Blocked",
            Self::HttpReqDnsLookup => "HTTP DNS Lookup",
            Self::HttpReqConnectionOverhead => "HTTP Connection Overhead",
            Self::HttpReqTotal => "HTTP Total Time",
            Self::HttpReqConnectionReused => "HTTP Connection Reused",
            Self::HttpReqChunksSent => "HTTP Chunks Sent",
            Self::ScheduleLag => "Schedule Lag",
            Self::DecodeDuration => "Decode Duration",
            Self::TimeToFirstOutputToken => "Time to First Output Token",
            Self::ErrorInputSequenceLength => "Error Input Sequence Length",
            Self::E2eOutputTokenThroughput => "E2E Output Token Throughput",
            Self::PrefillThroughputPerUser => "Prefill Throughput Per User",
            Self::CreditToStartLatency => "Credit-to-Start Latency",
            Self::EffectiveLatency => "Effective Latency (CO-aware)",
            Self::OslMismatchDiffPct => "OSL Mismatch Diff %",
            Self::UsagePromptTokensDiffPct => "Usage Prompt Diff %",
            Self::UsageCompletionTokensDiffPct => "Usage Completion Diff %",
            Self::ReasoningTokenCount => "Reasoning Token Count",
            Self::UsageReasoningTokens => "Usage Reasoning Tokens",
            Self::UsageReasoningTokensDiffPct => "Usage Reasoning Diff %",
            Self::ServerPrefillTime => "Server Prefill Time",
            Self::ServerDecodeTime => "Server Decode Time",
            Self::TtftMinusServerPrefill => "TTFT Minus Server Prefill",
            Self::LatencyMinusServerTime => "Request Latency Minus Server Time",
        }
    }

    /// Whether its values are whole counts (tokens, chunks, the reuse flag): the JSONL writes them
    /// as integers, as AIPerf does.
    pub fn integral(self) -> bool {
        matches!(self.unit(), "tokens" | "count" | "ratio")
    }

    /// Whether the console table shows it (the http_req_* breakdown, usage and the cross-checks are
    /// export-only).
    pub fn on_console(self) -> bool {
        !matches!(
            self,
            Self::OutputTokenCount
                | Self::UsagePromptTokens
                | Self::UsageCompletionTokens
                | Self::UsageTotalTokens
                | Self::HttpReqConnecting
                | Self::HttpReqSending
                | Self::HttpReqWaiting
                | Self::HttpReqReceiving
                | Self::HttpReqDuration
                | Self::HttpReqDataSent
                | Self::HttpReqDataReceived
                | Self::HttpReqChunksReceived
                | Self::HttpReqBlocked
                | Self::HttpReqDnsLookup
                | Self::HttpReqConnectionOverhead
                | Self::HttpReqTotal
                | Self::HttpReqConnectionReused
                | Self::HttpReqChunksSent
                | Self::DecodeDuration
                | Self::TimeToFirstOutputToken
                | Self::E2eOutputTokenThroughput
                | Self::PrefillThroughputPerUser
                | Self::CreditToStartLatency
                | Self::EffectiveLatency
                | Self::ErrorInputSequenceLength
                | Self::OslMismatchDiffPct
                | Self::UsagePromptTokensDiffPct
                | Self::UsageCompletionTokensDiffPct
                | Self::UsageReasoningTokens
                | Self::UsageReasoningTokensDiffPct
                | Self::ServerDecodeTime
                | Self::LatencyMinusServerTime
        )
    }

    /// A metric by its export key (for `--goodput`).
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::Metric;

    #[test]
    fn a_metric_s_index_is_its_position_in_all() {
        for (position, metric) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(metric.index(), position, "{metric:?}");
        }
    }
}
