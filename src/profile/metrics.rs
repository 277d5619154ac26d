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
    /// Body sent to the response headers.
    HttpReqWaiting,
    /// Response headers to last byte.
    HttpReqReceiving,
    /// Issue to last byte.
    HttpReqDuration,
    /// Body bytes sent, KB.
    HttpReqDataSent,
    /// Body bytes received, KB.
    HttpReqDataReceived,
    /// Body pieces received.
    HttpReqChunksReceived,
    /// Under a fixed schedule: when the request was sent, less when it was due.
    ScheduleLag,
}

impl Metric {
    /// Every record metric, in the console's order.
    pub const ALL: [Self; 21] = [
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
        Self::ScheduleLag,
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
            Self::ScheduleLag => "schedule_lag",
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
            | Self::ScheduleLag => "ms",
            Self::OutputTokenThroughputPerUser => "tokens/sec/user",
            Self::HttpReqDataSent | Self::HttpReqDataReceived => "KB",
            Self::HttpReqChunksReceived => "count",
            _ => "tokens",
        }
    }

    /// The console row title (`Time to First Token`).
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
            Self::HttpReqConnecting => "HTTP Request Connecting",
            Self::HttpReqSending => "HTTP Request Sending",
            Self::HttpReqWaiting => "HTTP Request Waiting",
            Self::HttpReqReceiving => "HTTP Request Receiving",
            Self::HttpReqDuration => "HTTP Request Duration",
            Self::HttpReqDataSent => "HTTP Request Data Sent",
            Self::HttpReqDataReceived => "HTTP Request Data Received",
            Self::HttpReqChunksReceived => "HTTP Request Chunks Received",
            Self::ScheduleLag => "Schedule Lag",
        }
    }

    /// Histogram resolution: values are kept as `value * scale` integers.
    pub fn scale(self) -> f64 {
        match self.unit() {
            "ms" => 1e6,
            "tokens/sec/user" | "KB" => 1e3,
            _ => 1.0,
        }
    }

    /// Whether the console table shows it (the http_req_* breakdown and usage are export-only).
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
