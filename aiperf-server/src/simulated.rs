//! A deterministic simulated engine: real words, server-like delays, no model.

use tokio::time::{Instant, sleep_until};

use crate::{Embedded, Engine, EngineError, EngineFuture, GenerateOutput, GenerateRequest, InEngineSettings, Piece, Ranked, TokenCallback};

/// Words the simulated engine writes; one word is one token.
const VOCABULARY: [&str; 64] = [
    "the",
    "model",
    "returns",
    "a",
    "stream",
    "of",
    "tokens",
    "while",
    "latency",
    "is",
    "measured",
    "at",
    "each",
    "step",
    "and",
    "every",
    "request",
    "carries",
    "its",
    "own",
    "prompt",
    "to",
    "an",
    "inference",
    "server",
    "that",
    "batches",
    "work",
    "across",
    "many",
    "users",
    "so",
    "throughput",
    "grows",
    "with",
    "concurrency",
    "until",
    "memory",
    "or",
    "compute",
    "becomes",
    "the",
    "limit",
    "for",
    "decoding",
    "long",
    "outputs",
    "under",
    "load",
    "where",
    "queues",
    "form",
    "quickly",
    "then",
    "drain",
    "as",
    "capacity",
    "returns",
    "after",
    "peaks",
    "in",
    "traffic",
    "today",
    "again",
];

/// Dimensions of the vectors [`SimulatedEngine::embed`](Engine::embed) returns by default.
pub const DEFAULT_EMBEDDING_DIMENSIONS: usize = 64;

/// An [`Engine`] that behaves like a server with fixed delays: it waits the time to first token,
/// then writes one word per inter-token latency. Same seed and prompt, same words.
///
/// Tokens are counted as whitespace-separated words, for prompts and outputs alike, so usage
/// reports match the text. Generation without `max_tokens` writes `output_tokens` words.
#[derive(Clone, Debug, PartialEq)]
pub struct SimulatedEngine {
    settings: InEngineSettings,
    embedding_dimensions: usize,
    max_model_len: u64,
    precise_timer: bool,
}

/// The context length the simulated engine serves by default, as a typical vLLM deployment.
pub const DEFAULT_MAX_MODEL_LEN: u64 = 32_768;

impl SimulatedEngine {
    /// An engine with these delays, output length and seed.
    pub fn new(settings: InEngineSettings) -> Self {
        Self { settings, embedding_dimensions: DEFAULT_EMBEDDING_DIMENSIONS, max_model_len: DEFAULT_MAX_MODEL_LEN, precise_timer: false }
    }

    /// Times its delays with [`crate::precise_sleep`] (to within tens of µs, on a thread of its
    /// own) instead of Tokio's timer (whole milliseconds, so up to 1 ms late, but virtual under
    /// `tokio::time::pause`). The mock server uses it: its delays are what clients measure.
    #[must_use]
    pub fn with_precise_timer(mut self, precise: bool) -> Self {
        self.precise_timer = precise;
        self
    }

    /// Waits until `at` with the engine's timer. A time already due (zero delays, or an engine
    /// behind its schedule) is not handed to a timer: Tokio's rounds a deadline up to its next
    /// millisecond tick, so a run with zero delays would idle until each tick. The task yields
    /// then only once it has used its cooperative budget, so a long answer with zero delays
    /// still lets the other tasks run.
    async fn wait_until(&self, at: Instant) {
        if at <= Instant::now() {
            tokio::task::coop::consume_budget().await;
        } else if self.precise_timer {
            crate::precise_sleep::sleep_until(at.into_std()).await;
        } else {
            sleep_until(at).await;
        }
    }

    /// Sets the context length: a request whose prompt and `max_tokens` exceed it is refused
    /// with vLLM's 400, so a huge `max_tokens` cannot make the engine generate without end.
    #[must_use]
    pub fn with_max_model_len(mut self, tokens: u64) -> Self {
        self.max_model_len = tokens.max(1);
        self
    }

    /// Sets the embedding dimensions (at least 1).
    #[must_use]
    pub fn with_embedding_dimensions(mut self, dimensions: usize) -> Self {
        self.embedding_dimensions = dimensions.max(1);
        self
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &InEngineSettings {
        &self.settings
    }

    fn rng_for(&self, text: &str) -> fastrand::Rng {
        fastrand::Rng::with_seed(self.settings.seed ^ fnv1a(text.as_bytes()))
    }

    /// Waits the engine's time to first token (its processing time), counted from `start`.
    async fn first_token_delay(&self, start: Instant) -> Instant {
        let at = start + self.settings.time_to_first_token;
        self.wait_until(at).await;
        at
    }
}

/// Tokens of a text, as this engine counts them.
pub fn count_tokens(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// 64-bit FNV-1a: a stable hash, so outputs do not change across Rust releases.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

impl Engine for SimulatedEngine {
    fn generate<'a>(&'a self, request: &'a GenerateRequest, on_token: &'a mut TokenCallback<'a>) -> EngineFuture<'a, GenerateOutput> {
        Box::pin(async move {
            let start = Instant::now();
            let prompt: String = if request.messages.is_empty() {
                request.prompt.clone()
            } else {
                request.messages.iter().map(|m| m.content.as_str()).collect::<Vec<_>>().join("\n")
            };
            let prompt_tokens = count_tokens(&prompt);
            let wanted = match request.max_tokens {
                Some(max_tokens) if prompt_tokens + u64::from(max_tokens) > self.max_model_len => {
                    return Err(EngineError {
                        status: 400,
                        message: format!(
                            "This model's maximum context length is {} tokens. However, you requested {} tokens ({prompt_tokens} in the messages, {max_tokens} in the completion). Please reduce the length of the messages or completion.",
                            self.max_model_len,
                            prompt_tokens + u64::from(max_tokens)
                        ),
                    });
                }
                Some(max_tokens) => max_tokens,
                None => {
                    self.settings.output_tokens.min(u32::try_from(self.max_model_len.saturating_sub(prompt_tokens)).unwrap_or(u32::MAX))
                }
            };
            let mut rng = self.rng_for(&prompt);
            let mut output = GenerateOutput { prompt_tokens, completion_tokens: 0, finish_reason: "length" };
            if wanted == 0 {
                return Ok(output);
            }
            let first = self.first_token_delay(start).await;
            let mut piece = String::new();
            for k in 0..wanted {
                if k > 0 {
                    self.wait_until(first + self.settings.inter_token_latency * k).await;
                }
                piece.clear();
                if k > 0 {
                    piece.push(' ');
                }
                piece.push_str(VOCABULARY[rng.usize(..VOCABULARY.len())]);
                output.completion_tokens += 1;
                if on_token(Piece { text: &piece, last: k + 1 == wanted }).is_break() {
                    output.finish_reason = "abort";
                    break;
                }
            }
            Ok(output)
        })
    }

    fn embed<'a>(&'a self, _model: &'a str, inputs: &'a [String]) -> EngineFuture<'a, Embedded> {
        Box::pin(async move {
            self.first_token_delay(Instant::now()).await;
            let vectors = inputs
                .iter()
                .map(|text| {
                    let mut rng = self.rng_for(text);
                    let raw: Vec<f32> = (0..self.embedding_dimensions).map(|_| rng.f32() * 2.0 - 1.0).collect();
                    let norm = raw.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
                    raw.into_iter().map(|x| x / norm).collect()
                })
                .collect();
            Ok(Embedded { vectors, prompt_tokens: inputs.iter().map(|t| count_tokens(t)).sum() })
        })
    }

    fn rank<'a>(&'a self, _model: &'a str, query: &'a str, passages: &'a [String]) -> EngineFuture<'a, Ranked> {
        Box::pin(async move {
            self.first_token_delay(Instant::now()).await;
            let query_words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
            let scores = passages
                .iter()
                .map(|passage| {
                    let words: Vec<String> = passage.split_whitespace().map(str::to_lowercase).collect();
                    let overlap = query_words.iter().filter(|q| words.contains(q)).count() as f64;
                    let share = if query_words.is_empty() { 0.0 } else { overlap / query_words.len() as f64 };
                    // A logit-like score: overlap dominates, a deterministic jitter breaks ties.
                    share * 8.0 - 4.0 + f64::from(self.rng_for(passage).u8(..)) / 1024.0
                })
                .collect();
            let prompt_tokens = count_tokens(query) * passages.len() as u64 + passages.iter().map(|p| count_tokens(p)).sum::<u64>();
            Ok(Ranked { scores, prompt_tokens })
        })
    }
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;
    use std::time::Duration;

    use super::*;

    fn engine() -> SimulatedEngine {
        SimulatedEngine::new(InEngineSettings {
            time_to_first_token: Duration::from_millis(100),
            inter_token_latency: Duration::from_millis(10),
            output_tokens: 5,
            seed: 7,
        })
    }

    async fn generate(engine: &SimulatedEngine, prompt: &str, max_tokens: Option<u32>) -> (Vec<(String, Duration)>, GenerateOutput) {
        let request = GenerateRequest { model: "m".into(), prompt: prompt.into(), messages: vec![], max_tokens };
        let start = Instant::now();
        let mut pieces = Vec::new();
        let mut on_token = |t: Piece<'_>| {
            assert_eq!(t.last, pieces.len() + 1 == max_tokens.unwrap_or(5) as usize, "only the last piece is marked last");
            pieces.push((t.text.to_owned(), start.elapsed()));
            ControlFlow::Continue(())
        };
        let output = engine.generate(&request, &mut on_token).await.unwrap();
        (pieces, output)
    }

    #[tokio::test(start_paused = true)]
    async fn delays_counts_and_determinism() {
        let e = engine();
        let (pieces, output) = generate(&e, "one two three", None).await;
        assert_eq!(output, GenerateOutput { prompt_tokens: 3, completion_tokens: 5, finish_reason: "length" });
        let times: Vec<u128> = pieces.iter().map(|(_, t)| t.as_millis()).collect();
        assert_eq!(times, [100, 110, 120, 130, 140]);
        let text: String = pieces.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(count_tokens(&text), 5);
        assert!(!text.starts_with(' '));
        assert_eq!(generate(&e, "one two three", None).await.0, pieces, "same seed and prompt, same words");
        assert_ne!(generate(&e, "another prompt", None).await.0, pieces);
        assert_eq!(generate(&e, "x", Some(2)).await.1.completion_tokens, 2);
        assert_eq!(generate(&e, "x", Some(0)).await.1.completion_tokens, 0);
    }

    /// With zero delays every token is due at once: none is handed to Tokio's timer, which would
    /// round it up to its next millisecond tick (a paused clock between two ticks would move).
    #[tokio::test(start_paused = true)]
    async fn zero_delays_wait_for_no_timer_tick() {
        let settings =
            InEngineSettings { time_to_first_token: Duration::ZERO, inter_token_latency: Duration::ZERO, output_tokens: 300, seed: 7 };
        let e = SimulatedEngine::new(settings);
        // Between two ticks, where the timer would round a deadline up to the next one.
        tokio::time::advance(Duration::from_micros(500)).await;
        let start = Instant::now();
        let (pieces, output) = generate(&e, "one two three", Some(300)).await;
        assert_eq!((pieces.len(), output.completion_tokens), (300, 300));
        assert_eq!(Instant::now(), start, "the paused clock did not move");
    }

    #[tokio::test(start_paused = true)]
    async fn stopping_early_reports_abort() {
        let e = engine();
        let request = GenerateRequest { model: "m".into(), prompt: "p".into(), messages: vec![], max_tokens: Some(10) };
        let mut seen = 0;
        let mut on_token = |_: Piece<'_>| {
            seen += 1;
            if seen == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        };
        let output = e.generate(&request, &mut on_token).await.unwrap();
        assert_eq!((output.completion_tokens, output.finish_reason), (3, "abort"));
    }

    #[tokio::test(start_paused = true)]
    async fn embeddings_are_unit_vectors_and_rankings_favour_overlap() {
        let e = engine().with_embedding_dimensions(8);
        let inputs = vec!["a b".to_owned(), "c".to_owned()];
        let embedded = e.embed("m", &inputs).await.unwrap();
        assert_eq!((embedded.vectors.len(), embedded.vectors[0].len(), embedded.prompt_tokens), (2, 8, 3));
        let norm: f32 = embedded.vectors[0].iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        let passages = vec!["bananas are yellow".to_owned(), "the fastest GPU is the H100".to_owned()];
        let ranked = e.rank("m", "fastest GPU", &passages).await.unwrap();
        assert!(ranked.scores[1] > ranked.scores[0]);
    }
}
