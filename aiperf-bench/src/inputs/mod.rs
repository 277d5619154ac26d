//! What the benchmark sends when no dataset file is given: synthetic prompts of measured token
//! lengths (files are read by [`super::dataset`]).

use std::collections::HashSet;

use aiperf_core::{InputKind, Message, Payload};

use super::ProfileError;
use super::tokenizer::Tokenizer;
pub use crate::config::Lengths;

pub mod corpus;
mod prefixes;

pub use corpus::Corpus;
use prefixes::PrefixTexts;

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

/// Draws of a prompt's offset before a prompt that repeats an earlier one is kept (never seen in
/// practice: the corpus has a quarter of a million offsets).
const DRAWS: usize = 64;

/// Synthetic inputs: `count` prompts whose lengths follow `lengths`, cut from the corpus at
/// seeded offsets ([`corpus`]) to the exact token count of `tokenizer`, all of them distinct, in
/// the shape the endpoint's metadata declares (`input`). The same seed gives the same prompts.
/// With a tokenizer that adds tokens of its own to a prompt (Llama's BOS), each prompt is that
/// many tokens shorter, as in AIPerf, so that the server sees `--isl` tokens. Shared prefixes
/// (`prefixes`) come on top of `--isl`, as in AIPerf: a pool prefix before the prompt's text (the
/// whole exactly its tokens and the prompt's), a system prompt and a user context as messages
/// before it.
///
/// # Errors
/// [`ProfileError::Tokenizer`] when the tokenizer turns the corpus into no tokens.
pub fn synthetic(
    input: InputKind,
    tokenizer: &Tokenizer,
    lengths: Lengths,
    (count, seed): (usize, u64),
    prefixes: &crate::config::Prefixes,
) -> Result<Vec<Entry>, ProfileError> {
    let corpus = Corpus::new(tokenizer)?;
    let added = tokenizer.added_tokens();
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut seen = HashSet::with_capacity(count);
    let mut shared = PrefixTexts::new(prefixes, &corpus, tokenizer);
    let mut text = |rng: &mut fastrand::Rng, tokens: u32, prefix: &[u32]| -> String {
        let length = prefix.len() + (tokens as usize).saturating_sub(added).max(1);
        let mut draw = || {
            let start = rng.usize(..corpus.len());
            corpus::fit(tokenizer, prefix, length, |out, n| corpus.extend(out, start, n))
        };
        let mut text = draw();
        for _ in 1..DRAWS {
            if seen.insert(hash(&text)) {
                break;
            }
            text = draw();
        }
        text
    };
    Ok((0..count.max(1))
        .map(|_| {
            let isl = sample_length(&mut rng, f64::from(lengths.isl), lengths.isl_stddev);
            let max_tokens = lengths.osl.map(|osl| sample_length(&mut rng, f64::from(osl), lengths.osl_stddev));
            let payload = match input {
                InputKind::QueryPassages => {
                    let query = text(&mut rng, isl.clamp(1, 32), &[]);
                    Payload::Ranking { query, passages: (0..4).map(|_| text(&mut rng, isl, &[])).collect() }
                }
                other => {
                    let body = text(&mut rng, isl, shared.pick());
                    let mut leading = shared.leading(&corpus, tokenizer);
                    if leading.is_empty() {
                        shaped(other, body)
                    } else {
                        leading.push(Message { role: "user".to_owned(), content: body });
                        Payload::Messages(leading)
                    }
                }
            };
            let input_tokens = payload_tokens(&payload, tokenizer);
            Entry { payload, max_tokens, input_tokens, line: 0, timestamp_ms: None }
        })
        .collect())
}

/// A hash of a prompt's text, to tell prompts apart.
fn hash(text: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(text)
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

/// A length drawn as AIPerf 0.13 draws one: the standard deviation's whole part; none gives the
/// mean, rounded; else a normal draw (Box–Muller) below zero is drawn again, and the value is
/// rounded up. At least 1.
fn sample_length(rng: &mut fastrand::Rng, mean: f64, stddev: f64) -> u32 {
    let stddev = stddev.trunc();
    if stddev <= 0.0 {
        return mean.round().max(1.0) as u32;
    }
    // At least every other draw is not below zero (the mean is not): the bound is never reached.
    let mut value = mean;
    for _ in 0..1000 {
        let (u1, u2) = (rng.f64().max(f64::MIN_POSITIVE), rng.f64());
        value = mean + stddev * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        if value >= 0.0 {
            break;
        }
    }
    value.ceil().clamp(1.0, f64::from(u32::MAX)) as u32
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

#[cfg(test)]
mod tests {
    use super::*;

    fn prompts(count: usize, isl: u32, isl_stddev: f64, seed: u64) -> Vec<Entry> {
        let tokenizer = Tokenizer::load("builtin").unwrap();
        let lengths = Lengths { isl, isl_stddev, osl: None, osl_stddev: 0.0 };
        synthetic(InputKind::Prompt, &tokenizer, lengths, (count, seed), &crate::config::Prefixes::default()).unwrap()
    }

    #[test]
    fn every_prompt_of_a_run_is_distinct_and_of_its_length() {
        // Short prompts are where two draws could meet.
        let entries = prompts(3000, 2, 0.0, 1);
        let texts: HashSet<_> = entries.iter().map(|e| format!("{:?}", e.payload)).collect();
        assert_eq!(texts.len(), 3000);
        assert!(entries.iter().all(|e| e.input_tokens == 2), "every prompt is 2 tokens");
        let entries = prompts(200, 128, 0.0, 2);
        assert!(entries.iter().all(|e| e.input_tokens == 128));
        // About AIPerf's characters per prompt at --isl 128 (546 there, for one seed).
        let chars: usize = entries.iter().map(|e| if let Payload::Prompt(p) = &e.payload { p.len() } else { 0 }).sum();
        assert!((500..650).contains(&(chars / 200)), "{} characters a prompt", chars / 200);
        assert_eq!(prompts(5, 128, 0.0, 2), entries[..5], "the seed decides the prompts");
    }

    #[test]
    fn lengths_are_drawn_as_aiperf_draws_them() {
        let mut rng = fastrand::Rng::with_seed(4);
        assert_eq!(sample_length(&mut rng, 127.6, 0.0), 128, "no deviation: the mean, rounded");
        assert_eq!(sample_length(&mut rng, 10.0, 0.9), 10, "the deviation's whole part: 0");
        let draws: Vec<u32> = (0..20_000).map(|_| sample_length(&mut rng, 128.0, 20.0)).collect();
        let mean = draws.iter().map(|&d| f64::from(d)).sum::<f64>() / draws.len() as f64;
        assert!((128.2..128.8).contains(&mean), "rounded up: the mean is about half a token high ({mean})");
        assert!(draws.iter().all(|&d| d >= 1));
    }
}
