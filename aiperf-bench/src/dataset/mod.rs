//! Dataset files users bring, in AIPerf 0.13's schemas (`--custom-dataset-type` with
//! `--input-file`): `single_turn` (a request per line, prepared before the run) and
//! `mooncake_trace` (a request per row, its prompt built when it is sent, [`blocks`]). Each line is
//! checked as it is read; an error names the file, the line and the field.
//! `--dataset-sampling-strategy` picks which entry each request sends ([`sampling`]).

pub mod blocks;
pub mod conversation;
pub mod mooncake;
mod multi_turn;
mod random_pool;
pub mod sampling;
pub mod sharegpt;
mod single_turn;
pub mod trace_analysis;

pub use single_turn::SingleTurnLoader;

use std::path::Path;

use aiperf_core::InputKind;

pub use crate::config::DatasetType;

use super::ProfileError;
use super::inputs::Entry;
use super::tokenizer::Tokenizer;

/// A dataset file, read.
#[derive(Debug)]
pub enum Loaded {
    /// Entries to prepare before the run.
    Entries(Vec<Entry>),
    /// Trace rows, prepared as each is sent.
    Trace(mooncake::Trace),
    /// Sessions, their turns prepared as each is sent.
    Sessions(conversation::Conversations),
}

impl Loaded {
    /// Entries or rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Entries(entries) => entries.len(),
            Self::Trace(trace) => trace.rows.len(),
            Self::Sessions(sessions) => sessions.list.len(),
        }
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries, rows or sessions worker `shard` sends: those at the positions it
    /// [takes](crate::config::Shard::takes), so that the workers together send each once.
    #[must_use]
    pub fn share(self, shard: crate::config::Shard) -> Self {
        fn keep<T>(list: Vec<T>, shard: crate::config::Shard) -> Vec<T> {
            list.into_iter().enumerate().filter(|(i, _)| shard.takes(*i)).map(|(_, item)| item).collect()
        }
        match self {
            Self::Entries(entries) => Self::Entries(keep(entries, shard)),
            Self::Trace(mut trace) => {
                trace.rows = keep(std::mem::take(&mut trace.rows), shard);
                Self::Trace(trace)
            }
            Self::Sessions(sessions) => Self::Sessions(conversation::Conversations { list: keep(sessions.list, shard), ..sessions }),
        }
    }

    /// Every entry's 1-based line and timestamp (ms), in entry order.
    pub fn timestamps(&self) -> Vec<(u32, Option<f64>)> {
        match self {
            Self::Entries(entries) => entries.iter().map(|e| (e.line, e.timestamp_ms)).collect(),
            Self::Trace(trace) => trace.rows.iter().map(|r| (r.line, r.timestamp_ms)).collect(),
            Self::Sessions(sessions) => sessions.list.iter().map(|c| (c.turns[0].line, c.turns[0].timestamp_ms)).collect(),
        }
    }
}

/// What loading a dataset needs besides the file.
pub struct LoadOptions<'a> {
    /// The run's tokenizer: entries' input lengths.
    pub tokenizer: &'a Tokenizer,
    /// `--osl`: for lines without an `output_length`.
    pub default_max_tokens: Option<u32>,
    /// `--isl-block-size`: tokens per `hash_ids` block.
    pub block_size: u32,
    /// What the endpoint takes (a random pool's requests are shaped for it).
    pub input: InputKind,
    /// `--conversation-num`: requests a random pool draws, ShareGPT conversations kept.
    pub conversations: usize,
    /// `--random-seed`.
    pub seed: u64,
    /// The dataset loader a single-turn file is read with (`single_turn`, or a plugin's).
    pub loader: &'a dyn aiperf_core::DatasetLoader,
}

/// Loads `path` as a dataset of `kind`: entries with their input lengths measured, trace rows
/// whose `hash_ids` fit the block size, or sessions.
///
/// # Errors
/// [`ProfileError::InputFile`] naming the file, the line and the field at fault.
pub fn load(kind: DatasetType, path: &Path, options: &LoadOptions<'_>) -> Result<Loaded, ProfileError> {
    let loaded = match kind {
        DatasetType::SingleTurn => {
            let requests = options.loader.load(path).map_err(|e| file_error(path, e.line, e.reason))?;
            single_turn::from_requests(path, requests, options.tokenizer, options.default_max_tokens)?
        }
        DatasetType::MultiTurn => multi_turn::load(path, options.tokenizer, options.default_max_tokens)?,
        DatasetType::RandomPool => Loaded::Entries(random_pool::load(path, options)?),
        DatasetType::MooncakeTrace => Loaded::Trace(mooncake::load(path, options.block_size)?),
        DatasetType::ShareGpt => {
            Loaded::Sessions(sharegpt::load(path, options.tokenizer, options.default_max_tokens, options.conversations)?)
        }
    };
    if loaded.is_empty() {
        return Err(file_error(path, 0, "the file holds no requests".to_owned()));
    }
    Ok(loaded)
}

/// The lines of the JSONL file `path`, numbered from 1, with a leading UTF-8 byte-order mark
/// dropped (Windows editors and PowerShell write one).
///
/// # Errors
/// The file cannot be opened; each line, that it cannot be read (naming the line).
fn jsonl_lines(path: &Path) -> Result<impl Iterator<Item = Result<(usize, String), ProfileError>> + '_, ProfileError> {
    let file = std::fs::File::open(path).map_err(|e| file_error(path, 0, e.to_string()))?;
    Ok(std::io::BufRead::lines(std::io::BufReader::new(file)).enumerate().map(move |(index, line)| {
        let number = index + 1;
        let mut line = line.map_err(|e| file_error(path, number, e.to_string()))?;
        if index == 0 && line.starts_with(BOM) {
            line.drain(..BOM.len_utf8());
        }
        Ok((number, line))
    }))
}

/// The UTF-8 byte-order mark.
const BOM: char = '\u{feff}';

/// An error about `path` at `line` (0: the file as a whole).
fn file_error(path: &Path, line: usize, reason: String) -> ProfileError {
    ProfileError::InputFile { path: path.display().to_string(), line, reason }
}
