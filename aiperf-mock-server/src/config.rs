//! What the mock server is configured with (from its flags, or by tests).

use std::net::IpAddr;
use std::time::Duration;

use aiperf_server::InEngineSettings;

/// Mock server settings.
#[derive(Clone, Debug, PartialEq)]
pub struct MockConfig {
    /// Address to bind (default 127.0.0.1).
    pub host: IpAddr,
    /// HTTP port; 0 picks a free one.
    pub port: u16,
    /// KServe v2 gRPC port (0 picks a free one); `None` serves no gRPC.
    pub grpc_port: Option<u16>,
    /// Model name answered by `/v1/models` and used when a request names none.
    pub model: String,
    /// The simulated engine: time to first token, inter-token latency, output tokens, seed.
    pub engine: InEngineSettings,
    /// Fraction of generation requests (0.0–1.0) answered with an OpenAI-style JSON error.
    pub error_rate: f64,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
    /// Require `Authorization: Bearer <key>` on `/v1/*`, answering 401 `{"error":"Unauthorized"}` as vLLM does.
    pub api_key: Option<String>,
    /// Context length of the simulated model: prompt plus `max_tokens` beyond it is a 400.
    pub max_model_len: u64,
    /// How long a client may take to send a request's headers before the connection is closed.
    pub header_read_timeout: Duration,
    /// Response bytes a client may leave unread before the server stops generating for it.
    pub max_unread_bytes: usize,
    /// Faults injected into a share of HTTP generation requests (`--fault`).
    pub faults: Vec<crate::FaultSpec>,
    /// The most HTTP generations under way at once (vLLM's `--max-num-seqs`); the others wait
    /// for one to end, so time to first token grows with the load, as a real server's does.
    /// `None`: no bound.
    pub max_num_seqs: Option<usize>,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            grpc_port: None,
            model: "mock".to_owned(),
            engine: InEngineSettings {
                time_to_first_token: Duration::from_millis(20),
                inter_token_latency: Duration::from_millis(5),
                output_tokens: 16,
                seed: 0,
            },
            error_rate: 0.0,
            max_body_bytes: 16 << 20,
            api_key: None,
            max_model_len: aiperf_server::DEFAULT_MAX_MODEL_LEN,
            header_read_timeout: Duration::from_secs(30),
            max_unread_bytes: 4 << 20,
            faults: Vec::new(),
            max_num_seqs: None,
        }
    }
}
