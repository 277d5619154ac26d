//! The `Engine` contract: what an inference engine in this process offers the in-engine transport.

use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::time::Duration;

use aiperf_core::Message;

/// A boxed engine future (engines are used as `dyn Engine`).
pub type EngineFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, EngineError>> + Send + 'a>>;

/// Receives generated text pieces as they are produced; `Break` asks the engine to stop.
pub type TokenCallback<'a> = dyn FnMut(Piece<'_>) -> ControlFlow<()> + Send + 'a;

/// One generated piece of text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece<'p> {
    /// The text (a token, or a few).
    pub text: &'p str,
    /// Whether generation ends with this piece (a server marks its last event without waiting).
    pub last: bool,
}

/// A text generation request, already parsed out of the wire format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateRequest {
    /// The model asked for.
    pub model: String,
    /// The prompt (completions), empty for chat.
    pub prompt: String,
    /// The conversation (chat), empty for completions.
    pub messages: Vec<Message>,
    /// Upper bound on generated tokens; `None` lets the engine decide.
    pub max_tokens: Option<u32>,
}

/// What a finished generation reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerateOutput {
    /// Tokens in the prompt.
    pub prompt_tokens: u64,
    /// Tokens generated.
    pub completion_tokens: u64,
    /// `stop`, `length`, or `abort` when the consumer stopped it.
    pub finish_reason: &'static str,
}

/// Embedding vectors and the tokens they consumed.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedded {
    /// One vector per input, in input order.
    pub vectors: Vec<Vec<f32>>,
    /// Tokens in all inputs.
    pub prompt_tokens: u64,
}

/// Ranking scores and the tokens they consumed.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    /// One raw score (logit) per passage, in passage order.
    pub scores: Vec<f64>,
    /// Tokens in the query and passages.
    pub prompt_tokens: u64,
}

/// An engine refused or failed a request; becomes an error response with `status`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    /// HTTP status of the error response (400 for bad input, 500 for failures).
    pub status: u16,
    /// What went wrong.
    pub message: String,
}

/// An inference engine running in this process: text generation, embeddings, ranking.
///
/// Implement it to benchmark a Rust engine through aiperf's endpoints with the `in_engine`
/// transport; [`SimulatedEngine`](crate::SimulatedEngine) is the builtin one.
pub trait Engine: Send + Sync {
    /// Generates text for `request`, calling `on_token` with each piece as soon as it exists.
    fn generate<'a>(&'a self, request: &'a GenerateRequest, on_token: &'a mut TokenCallback<'a>) -> EngineFuture<'a, GenerateOutput>;
    /// Embeds every input.
    fn embed<'a>(&'a self, model: &'a str, inputs: &'a [String]) -> EngineFuture<'a, Embedded>;
    /// Scores every passage against the query.
    fn rank<'a>(&'a self, model: &'a str, query: &'a str, passages: &'a [String]) -> EngineFuture<'a, Ranked>;
}

/// How the simulated engine behaves (the server-side delays it reproduces): the `in_engine`
/// transport's own settings, found in `ModelEndpointInfo::settings` (default when absent).
#[derive(Clone, Debug, PartialEq)]
pub struct InEngineSettings {
    /// Delay before the first output token.
    pub time_to_first_token: Duration,
    /// Delay between two output tokens.
    pub inter_token_latency: Duration,
    /// Output tokens per response when the request does not bound them (`max_tokens`).
    pub output_tokens: u32,
    /// Seed of the engine's deterministic choices (which words it writes).
    pub seed: u64,
}

impl Default for InEngineSettings {
    fn default() -> Self {
        Self { time_to_first_token: Duration::from_millis(20), inter_token_latency: Duration::from_millis(5), output_tokens: 16, seed: 0 }
    }
}
