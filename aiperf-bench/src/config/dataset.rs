//! The inputs of a run, resolved: a dataset file (or a public dataset's local copy) or synthetic
//! prompts, their lengths and shared prefixes, checked against the dataset's bounds.

use std::path::PathBuf;

use aiperf_core::Factories;

use super::{
    BenchConfig, DEFAULT_BLOCK_SIZE, DEFAULT_CONVERSATIONS, DEFAULT_DATASET_TOKENS, DEFAULT_ENTRIES, DEFAULT_LOADER, DatasetType, Lengths,
    MAX_CONVERSATIONS, MAX_DATASET_TOKENS, MAX_ISL, Named, Prefixes, PublicDataset, SHAREGPT_CACHE_PATH, Sampling, Selections, Shard,
    prefixes, seed, worker_seed,
};
use crate::error::{ProfileError, invalid};

/// The inputs: a file, or synthetic prompts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Dataset {
    /// `--input-file`, else synthetic prompts.
    pub input_file: Option<PathBuf>,
    /// `--custom-dataset-type`.
    pub kind: DatasetType,
    /// The dataset loader of a single-turn file (`single_turn`, or a plugin's name).
    pub loader: String,
    /// `--dataset-sampling-strategy`.
    pub sampling: Sampling,
    /// Synthetic prompts to prepare.
    pub entries: usize,
    /// Input and output lengths.
    pub lengths: Lengths,
    /// `--tokenizer`.
    pub tokenizer: String,
    /// `--random-seed`.
    pub seed: u64,
    /// `--isl-block-size`: tokens per `hash_ids` block.
    pub block_size: u32,
    /// Shared prefixes of synthetic prompts.
    pub prefixes: Prefixes,
    /// `--conversation-num`: requests a random pool draws.
    pub conversations: usize,
    /// This worker's place when several share the benchmark: it sends only its rows, sessions
    /// or scheduled sends of an input file ([`Shard::takes`]).
    pub shard: Option<Shard>,
}

impl Dataset {
    /// Its `--custom-dataset-type` as the exports name it: the loader's name for a single-turn
    /// file, none for a public dataset.
    pub fn custom_type(&self) -> Option<&str> {
        match self.kind {
            DatasetType::SingleTurn => Some(&self.loader),
            kind => kind.custom_name(),
        }
    }
}

/// The inputs, checked against the dataset bounds.
pub(super) fn dataset<F: Factories>(
    args: &BenchConfig,
    selections: &Selections<F>,
    input: aiperf_core::InputKind,
) -> Result<Dataset, ProfileError> {
    let (kind, loader) = match (args.public_dataset, args.custom_dataset_type.as_deref()) {
        (Some(PublicDataset::Sharegpt), _) => (DatasetType::ShareGpt, DEFAULT_LOADER),
        (None, None) => (DatasetType::SingleTurn, DEFAULT_LOADER),
        (None, Some(name)) => match DatasetType::from_name(name) {
            Ok(kind) if kind != DatasetType::SingleTurn => (kind, DEFAULT_LOADER),
            // `single_turn` and plugins' formats: a dataset loader of the table.
            _ => (DatasetType::SingleTurn, selections.dataset_loaders.metadata(name).map(|()| name)?),
        },
    };
    if args.num_dataset_entries == Some(0) {
        return Err(invalid("--num-dataset-entries", 0, "at least 1"));
    }
    if args.isl == 0 && args.input_file.is_none() && args.public_dataset.is_none() {
        return Err(invalid("--isl", 0, "at least 1 token per synthetic prompt (as in AIPerf, a prompt of 0 tokens sends nothing)"));
    }
    if args.isl > MAX_ISL {
        return Err(invalid("--isl", args.isl, format!("at most {MAX_ISL} tokens per synthetic prompt")));
    }
    for (flag, stddev) in [("--isl-stddev", args.isl_stddev), ("--osl-stddev", args.osl_stddev)] {
        if !(stddev.is_finite() && stddev >= 0.0) {
            return Err(invalid(flag, stddev, "a standard deviation of 0 or more tokens"));
        }
    }
    let prefixes = prefixes::prefixes(args, input, seed(args))?;
    // A prompt's prefixes are part of it, each entry's body carrying its own copy.
    let prefix_tokens = prefixes.pool.map_or(0, |p| p.length) + prefixes.user_context.unwrap_or(0) + prefixes.shared_system.unwrap_or(0);
    let prompt_tokens = f64::from(args.isl) + 3.0 * args.isl_stddev + f64::from(prefix_tokens);
    let entries = match args.num_dataset_entries {
        Some(entries) => entries,
        // As many prompts as requests, as AIPerf decides it, up to a million prompt tokens (a
        // long run's memory stays that of a short one; requests then cycle through them).
        None => args
            .conversation_num
            .or(args.request_count.and_then(|n| usize::try_from(n).ok()))
            .unwrap_or(DEFAULT_ENTRIES)
            .min((DEFAULT_DATASET_TOKENS as f64 / prompt_tokens.max(1.0)) as usize)
            .max(1),
    };
    let dataset_tokens = prompt_tokens * entries as f64;
    if args.input_file.is_none() && dataset_tokens > MAX_DATASET_TOKENS as f64 {
        return Err(invalid(
            "--num-dataset-entries",
            entries,
            format!(
                "at most {MAX_DATASET_TOKENS} synthetic prompt tokens in all: --isl {} × {entries} entries is {dataset_tokens:.0}; lower either (requests cycle through the entries)",
                args.isl
            ),
        ));
    }
    Ok(Dataset {
        // A public dataset is read from AIPerf's cache path unless a file is given.
        input_file: match (&args.input_file, args.public_dataset) {
            (Some(file), _) => Some(file.clone()),
            (None, Some(PublicDataset::Sharegpt)) => Some(PathBuf::from(SHAREGPT_CACHE_PATH)),
            (None, None) => None,
        },
        kind,
        loader: loader.to_owned(),
        sampling: args.dataset_sampling_strategy.unwrap_or_else(|| kind.default_sampling()),
        conversations: match args.conversation_num {
            Some(0) => return Err(invalid("--conversation-num", 0, "at least 1")),
            Some(n) if n > MAX_CONVERSATIONS => return Err(invalid("--conversation-num", n, format!("at most {MAX_CONVERSATIONS}"))),
            n => n.unwrap_or(DEFAULT_CONVERSATIONS),
        },
        entries,
        // `--osl 0` asks for no length, as in AIPerf.
        lengths: Lengths { isl: args.isl, isl_stddev: args.isl_stddev, osl: args.osl.filter(|&osl| osl > 0), osl_stddev: args.osl_stddev },
        tokenizer: args.tokenizer.clone(),
        // A file's randomness (a trace's block text, say) is the benchmark's: every worker's
        // must agree. Synthetic prompts differ by worker.
        seed: if args.input_file.is_some() || args.public_dataset.is_some() { seed(args) } else { worker_seed(args) },
        shard: args.shard.filter(|shard| shard.count > 1),
        prefixes,
        block_size: match args.isl_block_size {
            Some(0) => return Err(invalid("--isl-block-size", 0, "at least 1 token per block")),
            size => size.unwrap_or(DEFAULT_BLOCK_SIZE),
        },
    })
}
