//! The shared prefixes of synthetic prompts (see `config::Prefixes`), made as AIPerf 0.13 makes
//! them: a pool of prefixes cut from the corpus, each re-read as token ids, one drawn at random
//! for each prompt and put before its text (the whole prompt fitted to the prefix's tokens plus
//! `--isl`); or one system prompt for all requests and a user context of each prompt's own. All of
//! them drawn from the benchmark's seed (not a worker's), so every worker shares them, and each
//! from a stream of its own, so they move no other choice.

use aiperf_core::Message;

use super::corpus::{self, Corpus};
use crate::config::Prefixes;
use crate::tokenizer::Tokenizer;

/// The prefixes of one dataset, being handed out.
pub struct PrefixTexts {
    /// The pool's prefixes, as token ids.
    pool: Vec<Vec<u32>>,
    /// Which pool prefix each prompt takes.
    picks: fastrand::Rng,
    /// The system message of every request.
    system: Option<String>,
    /// Each prompt's user context: its length and its stream.
    context: Option<(u32, fastrand::Rng)>,
}

/// Distinct streams of the benchmark's seed.
const POOL: u64 = 0x7072_6566_6978_706c; // "prefixpl"
const PICKS: u64 = 0x7072_6566_6978_7069; // "prefixpi"
const SYSTEM: u64 = 0x7368_6172_6564_7379; // "sharedsy"
const CONTEXT: u64 = 0x7573_6572_636f_6e74; // "usercont"

impl PrefixTexts {
    /// The prefixes `prefixes` asks for, cut from `corpus` to exact token counts of `tokenizer`.
    pub fn new(prefixes: &Prefixes, corpus: &Corpus, tokenizer: &Tokenizer) -> Self {
        let pool = prefixes.pool.map_or_else(Vec::new, |pool| {
            let mut rng = fastrand::Rng::with_seed(prefixes.seed ^ POOL);
            // Re-read as ids, as AIPerf keeps them: the prompt is fitted after exactly these.
            (0..pool.size).map(|_| tokenizer.encode(&text(corpus, tokenizer, &mut rng, pool.length))).collect()
        });
        let system =
            prefixes.shared_system.map(|length| text(corpus, tokenizer, &mut fastrand::Rng::with_seed(prefixes.seed ^ SYSTEM), length));
        let context = prefixes.user_context.map(|length| (length, fastrand::Rng::with_seed(prefixes.seed ^ CONTEXT)));
        Self { pool, picks: fastrand::Rng::with_seed(prefixes.seed ^ PICKS), system, context }
    }

    /// The next prompt's pool prefix (empty without a pool): a uniform draw.
    pub fn pick(&mut self) -> &[u32] {
        if self.pool.is_empty() {
            return &[];
        }
        let index = self.picks.usize(..self.pool.len());
        &self.pool[index]
    }

    /// The messages before the next prompt's text: the shared system prompt and its own user
    /// context, when asked for.
    pub fn leading(&mut self, corpus: &Corpus, tokenizer: &Tokenizer) -> Vec<Message> {
        let mut messages = Vec::new();
        if let Some(system) = &self.system {
            messages.push(Message { role: "system".to_owned(), content: system.clone() });
        }
        if let Some((length, rng)) = &mut self.context {
            messages.push(Message { role: "user".to_owned(), content: text(corpus, tokenizer, rng, *length) });
        }
        messages
    }
}

/// `length` tokens of the corpus from an offset drawn from `rng`, exact for `tokenizer`.
fn text(corpus: &Corpus, tokenizer: &Tokenizer, rng: &mut fastrand::Rng, length: u32) -> String {
    let start = rng.usize(..corpus.len());
    corpus::fit(tokenizer, &[], length as usize, |out, n| corpus.extend(out, start, n))
}

#[cfg(test)]
mod tests {
    use aiperf_core::{InputKind, Payload};

    use crate::config::{Lengths, PrefixPool, Prefixes};
    use crate::tokenizer::Tokenizer;

    fn lengths(isl: u32) -> Lengths {
        Lengths { isl, isl_stddev: 0.0, osl: None, osl_stddev: 0.0 }
    }

    #[test]
    fn a_pool_prefix_starts_each_prompt_and_the_whole_is_exact() {
        let tokenizer = Tokenizer::load("builtin").unwrap();
        let prefixes = Prefixes { pool: Some(PrefixPool { size: 3, length: 40 }), seed: 5, ..Prefixes::default() };
        let entries = super::super::synthetic(InputKind::Prompt, &tokenizer, lengths(60), (30, 9), &prefixes).unwrap();
        let mut starts = std::collections::HashSet::new();
        for entry in &entries {
            let Payload::Prompt(text) = &entry.payload else { panic!("{:?}", entry.payload) };
            assert_eq!((tokenizer.count(text), entry.input_tokens), (100, 100), "prefix and --isl: {text}");
            starts.insert(tokenizer.decode(&tokenizer.encode(text)[..40]));
        }
        assert_eq!(starts.len(), 3, "every prompt starts with one of the pool's 3 prefixes, each drawn");
        // Another worker's prompts (another seed for the bodies) share the same pool.
        let other = super::super::synthetic(InputKind::Prompt, &tokenizer, lengths(60), (30, 10), &prefixes).unwrap();
        let Payload::Prompt(text) = &other[0].payload else { panic!() };
        assert!(starts.contains(&tokenizer.decode(&tokenizer.encode(text)[..40])));
    }

    #[test]
    fn a_shared_system_prompt_and_each_prompt_s_own_context_come_first() {
        let tokenizer = Tokenizer::load("builtin").unwrap();
        let prefixes = Prefixes { shared_system: Some(30), user_context: Some(20), seed: 5, ..Prefixes::default() };
        let entries = super::super::synthetic(InputKind::Messages, &tokenizer, lengths(50), (4, 9), &prefixes).unwrap();
        let mut contexts = std::collections::HashSet::new();
        let mut systems = std::collections::HashSet::new();
        for entry in &entries {
            let Payload::Messages(messages) = &entry.payload else { panic!() };
            let roles: Vec<&str> = messages.iter().map(|m| m.role.as_str()).collect();
            assert_eq!(roles, ["system", "user", "user"]);
            let counts: Vec<u64> = messages.iter().map(|m| tokenizer.count(&m.content)).collect();
            assert_eq!((counts, entry.input_tokens), (vec![30, 20, 50], 100), "the prefixes come on top of --isl");
            systems.insert(messages[0].content.clone());
            contexts.insert(messages[1].content.clone());
        }
        assert_eq!((systems.len(), contexts.len()), (1, 4), "one system prompt; a context of each prompt's own");
    }
}
