//! AIPerf's shared-prefix flags for KV-cache studies: a pool of prefixes each prompt starts with
//! (`--num-prefix-prompts` with `--prefix-prompt-length`), or a system prompt every request shares
//! with a user context of each conversation's own (`--shared-system-prompt-length`,
//! `--user-context-prompt-length`). Synthetic prompts only.

use aiperf_core::InputKind;

use super::BenchConfig;
use crate::error::{ProfileError, invalid};

/// How synthetic prompts share prefixes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Prefixes {
    /// A pool of prefixes, one of them drawn for each prompt, put before its text.
    pub pool: Option<PrefixPool>,
    /// Tokens of a system message every request carries, the same text in all.
    pub shared_system: Option<u32>,
    /// Tokens of a user message each prompt carries after the system message, its own.
    pub user_context: Option<u32>,
    /// The benchmark's seed (not a worker's): every worker shares the same prefixes.
    pub seed: u64,
}

/// `--num-prefix-prompts` prefixes of `--prefix-prompt-length` tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrefixPool {
    /// How many prefixes.
    pub size: usize,
    /// Tokens of each.
    pub length: u32,
}

impl Prefixes {
    /// Whether any prefix is asked for.
    pub fn any(&self) -> bool {
        self.pool.is_some() || self.shared_system.is_some() || self.user_context.is_some()
    }
}

/// The most prefixes in a pool, and the longest prefix: a million tokens, as the dataset's bound.
const MAX_POOL: usize = 100_000;
const MAX_LENGTH: u32 = 1_000_000;

/// The four flags, checked against each other, the dataset and the endpoint's input.
pub(super) fn prefixes(args: &BenchConfig, input: InputKind, seed: u64) -> Result<Prefixes, ProfileError> {
    let given = [
        ("--num-prefix-prompts", args.num_prefix_prompts.is_some()),
        ("--prefix-prompt-length", args.prefix_prompt_length.is_some()),
        ("--shared-system-prompt-length", args.shared_system_prompt_length.is_some()),
        ("--user-context-prompt-length", args.user_context_prompt_length.is_some()),
    ];
    let Some((first, _)) = given.into_iter().find(|(_, given)| *given) else { return Ok(Prefixes::default()) };
    if args.input_file.is_some() || args.public_dataset.is_some() {
        let reason = "shapes synthetic prompts: drop --input-file / --public-dataset, or the prefix flags".to_owned();
        return Err(ProfileError::Flags { flag: first, reason });
    }
    let pool = match (args.num_prefix_prompts, args.prefix_prompt_length) {
        (None, None) => None,
        (Some(size), Some(length)) => {
            if size == 0 || size > MAX_POOL {
                return Err(invalid("--num-prefix-prompts", size, format!("from 1 to {MAX_POOL} prefixes")));
            }
            if length == 0 || length > MAX_LENGTH {
                return Err(invalid("--prefix-prompt-length", length, format!("from 1 to {MAX_LENGTH} tokens")));
            }
            if size as u64 * u64::from(length) > super::MAX_DATASET_TOKENS {
                let expected = format!("at most {} pool tokens in all: fewer or shorter prefixes", super::MAX_DATASET_TOKENS);
                return Err(invalid("--num-prefix-prompts", size, expected));
            }
            Some(PrefixPool { size, length })
        }
        (Some(_), None) => {
            return Err(ProfileError::Flags { flag: "--num-prefix-prompts", reason: "needs --prefix-prompt-length TOKENS".to_owned() });
        }
        (None, Some(_)) => {
            return Err(ProfileError::Flags { flag: "--prefix-prompt-length", reason: "needs --num-prefix-prompts N".to_owned() });
        }
    };
    let (shared_system, user_context) = (args.shared_system_prompt_length, args.user_context_prompt_length);
    for (flag, length) in [("--shared-system-prompt-length", shared_system), ("--user-context-prompt-length", user_context)] {
        if let Some(length) = length.filter(|&n| n == 0 || n > MAX_LENGTH) {
            return Err(invalid(flag, length, format!("from 1 to {MAX_LENGTH} tokens")));
        }
    }
    let messages = shared_system.or(user_context).is_some();
    if pool.is_some() && messages {
        let reason = "and the shared system prompt or user context are two ways of sharing prefixes: choose one (as in AIPerf)".to_owned();
        return Err(ProfileError::Flags { flag: "--num-prefix-prompts", reason });
    }
    let takes = match input {
        InputKind::Messages => true,
        InputKind::Prompt => !messages,
        InputKind::Texts | InputKind::QueryPassages => false,
    };
    if !takes {
        let expected = if messages {
            "an endpoint that takes messages (chat): the prefix is a message"
        } else {
            "an endpoint that takes a prompt (chat, completions)"
        };
        return Err(ProfileError::Flags { flag: first, reason: format!("needs {expected}") });
    }
    Ok(Prefixes { pool, shared_system, user_context, seed })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pool: Option<usize>, length: Option<u32>, system: Option<u32>, context: Option<u32>) -> BenchConfig {
        BenchConfig {
            num_prefix_prompts: pool,
            prefix_prompt_length: length,
            shared_system_prompt_length: system,
            user_context_prompt_length: context,
            ..BenchConfig::default()
        }
    }

    #[test]
    fn the_two_ways_are_taken_alone_and_checked() {
        let pool = prefixes(&args(Some(4), Some(100), None, None), InputKind::Prompt, 1).unwrap();
        assert_eq!(pool.pool, Some(PrefixPool { size: 4, length: 100 }));
        let messages = prefixes(&args(None, None, Some(200), Some(50)), InputKind::Messages, 1).unwrap();
        assert_eq!((messages.shared_system, messages.user_context), (Some(200), Some(50)));
        assert!(!prefixes(&args(None, None, None, None), InputKind::Prompt, 1).unwrap().any());
        for (args, input, flag) in [
            (args(Some(4), None, None, None), InputKind::Messages, "--prefix-prompt-length"),
            (args(None, Some(4), None, None), InputKind::Messages, "--num-prefix-prompts"),
            (args(Some(0), Some(4), None, None), InputKind::Messages, "--num-prefix-prompts"),
            (args(Some(2), Some(4), Some(8), None), InputKind::Messages, "choose one"),
            (args(None, None, Some(8), None), InputKind::Prompt, "messages"),
            (args(Some(2), Some(4), None, None), InputKind::Texts, "--num-prefix-prompts"),
            (BenchConfig { input_file: Some("x.jsonl".into()), ..args(None, None, None, Some(3)) }, InputKind::Messages, "--input-file"),
        ] {
            let error = prefixes(&args, input, 1).unwrap_err().to_string();
            assert!(error.contains(flag), "{error}");
        }
    }
}
