//! What the benchmark sends when no dataset file is given: synthetic prompts of measured token
//! lengths (files are read by [`super::dataset`]).

use aiperf_core::{InputKind, Message, Payload};

use super::ProfileError;
use super::tokenizer::Tokenizer;

/// One prepared input; requests cycle through the dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// What the request carries.
    pub payload: Payload,
    /// `max_tokens` to request, if any.
    pub max_tokens: Option<u32>,
    /// Its input length, measured with the run's tokenizer.
    pub input_tokens: u64,
    /// Its 1-based line in the dataset file (0: synthetic).
    pub line: u32,
    /// When to send it under `--fixed-schedule`, ms from the dataset's zero.
    pub timestamp_ms: Option<f64>,
}

/// Lengths of synthetic inputs and outputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lengths {
    /// Mean input tokens.
    pub isl: u32,
    /// Standard deviation of input tokens.
    pub isl_stddev: f64,
    /// Mean output tokens to request.
    pub osl: Option<u32>,
    /// Standard deviation of output tokens.
    pub osl_stddev: f64,
}

/// Text the synthetic prompts are cut from (tokenized once, sliced at seeded offsets).
const CORPUS: &str = "Serving large language models is a balancing act between latency and throughput. \
A single request wants its first token quickly and the rest at a steady pace, while the operator wants \
the accelerator busy with as many sequences as memory allows. Continuous batching admits new requests \
between decoding steps, so short answers leave early and long ones keep streaming. The prefill phase \
reads the whole prompt at once and is bound by compute; the decode phase emits one token per step and is \
bound by memory bandwidth, because every step reads the weights and the growing key value cache. \
Quantization shrinks the weights, paged attention keeps the cache from fragmenting, and speculative \
decoding lets a small draft model propose several tokens that the large model verifies in one pass. \
Benchmarks make these trade-offs visible. Time to first token measures how long a user waits before \
anything appears. Inter-token latency measures how smoothly the answer arrives. Request throughput and \
output token throughput measure what the whole system delivers under load. Percentiles matter more than \
averages: the ninety-ninth percentile is what the unluckiest users feel during a traffic spike. A fair \
comparison fixes the prompt and output lengths, the concurrency or the arrival rate, and the sampling \
settings, then runs long enough for queues to reach a steady state. It also warms the server up first, \
because the first requests may compile kernels, allocate caches or load adapters from disk. When the \
numbers differ between two servers, the cause is often visible in the shape of the distributions: a wide \
spread in time to first token points at queueing, a slow but steady decode points at memory bandwidth, \
and occasional stalls point at preemption or garbage collection somewhere in the stack.";

/// Synthetic inputs: `count` prompts whose lengths follow `lengths`, cut from a built-in corpus and
/// measured with `tokenizer`, in the shape the endpoint's metadata declares (`input`). The same
/// seed gives the same prompts.
///
/// # Errors
/// [`ProfileError::Tokenizer`] when the tokenizer turns the corpus into no tokens.
pub fn synthetic(input: InputKind, tokenizer: &Tokenizer, lengths: Lengths, count: usize, seed: u64) -> Result<Vec<Entry>, ProfileError> {
    let corpus = corpus_tokens(tokenizer)?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let text = |rng: &mut fastrand::Rng, tokens: u32| -> String {
        let start = rng.usize(..corpus.len());
        let ids: Vec<u32> = (0..tokens as usize).map(|i| corpus[(start + i) % corpus.len()]).collect();
        tokenizer.decode(&ids)
    };
    Ok((0..count.max(1))
        .map(|_| {
            let isl = sample_length(&mut rng, f64::from(lengths.isl), lengths.isl_stddev);
            let max_tokens = lengths.osl.map(|osl| sample_length(&mut rng, f64::from(osl), lengths.osl_stddev));
            let payload = match input {
                InputKind::QueryPassages => {
                    let query = text(&mut rng, isl.clamp(1, 32));
                    Payload::Ranking { query, passages: (0..4).map(|_| text(&mut rng, isl)).collect() }
                }
                other => shaped(other, text(&mut rng, isl)),
            };
            let input_tokens = payload_tokens(&payload, tokenizer);
            Entry { payload, max_tokens, input_tokens, line: 0, timestamp_ms: None }
        })
        .collect())
}

/// The built-in corpus in `tokenizer`'s ids: what synthetic prompts are cut from.
///
/// # Errors
/// [`ProfileError::Tokenizer`] when the tokenizer turns it into no tokens.
pub fn corpus_tokens(tokenizer: &Tokenizer) -> Result<Vec<u32>, ProfileError> {
    let corpus = tokenizer.encode(CORPUS);
    if corpus.is_empty() {
        return Err(ProfileError::Tokenizer { spec: tokenizer.name(), reason: "it encodes English text into no tokens".to_owned() });
    }
    Ok(corpus)
}

/// One prompt `text` in the shape an endpoint of `input` takes: a prompt, one user message, or
/// a batch of one text. A ranking gets the text as its query and its one passage.
pub fn shaped(input: InputKind, text: String) -> Payload {
    match input {
        InputKind::Prompt => Payload::Prompt(text),
        InputKind::Messages => Payload::Messages(vec![Message { role: "user".to_owned(), content: text }]),
        InputKind::Texts => Payload::Texts(vec![text]),
        InputKind::QueryPassages => Payload::Ranking { query: text.clone(), passages: vec![text] },
    }
}

/// A length drawn from a normal distribution (Box–Muller), at least 1.
fn sample_length(rng: &mut fastrand::Rng, mean: f64, stddev: f64) -> u32 {
    if stddev <= 0.0 {
        return mean.round().max(1.0) as u32;
    }
    let (u1, u2) = (rng.f64().max(f64::MIN_POSITIVE), rng.f64());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (mean + stddev * z).round().clamp(1.0, f64::from(u32::MAX)) as u32
}

/// Input tokens of a payload.
pub fn payload_tokens(payload: &Payload, tokenizer: &Tokenizer) -> u64 {
    match payload {
        Payload::Prompt(text) => tokenizer.count(text),
        Payload::Messages(messages) => messages.iter().map(|m| tokenizer.count(&m.content)).sum(),
        Payload::Texts(texts) => texts.iter().map(|t| tokenizer.count(t)).sum(),
        Payload::Ranking { query, passages } => tokenizer.count(query) + passages.iter().map(|p| tokenizer.count(p)).sum::<u64>(),
    }
}
