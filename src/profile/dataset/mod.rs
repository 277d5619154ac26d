//! Dataset files users bring, in AIPerf 0.13's schemas (`--custom-dataset-type` with
//! `--input-file`): so far `single_turn`, a request per line. Each line is checked as it is read;
//! an error names the file, the line and the field. `--dataset-sampling-strategy` picks which
//! entry each request sends ([`sampling`]).

pub mod sampling;
mod single_turn;

use std::path::Path;

use clap::ValueEnum;

use super::ProfileError;
use super::inputs::Entry;
use super::tokenizer::Tokenizer;

/// `--custom-dataset-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum DatasetType {
    /// One request per line: `text` or `texts`, optional `role` and `output_length`.
    SingleTurn,
}

/// Loads `path` as a dataset of `kind`: its entries, with their input lengths measured by
/// `tokenizer`; lines without an `output_length` request `default_max_tokens`.
///
/// # Errors
/// [`ProfileError::InputFile`] naming the file, the line and the field at fault.
pub fn load(kind: DatasetType, path: &Path, tokenizer: &Tokenizer, default_max_tokens: Option<u32>) -> Result<Vec<Entry>, ProfileError> {
    let entries = match kind {
        DatasetType::SingleTurn => single_turn::load(path, tokenizer, default_max_tokens)?,
    };
    if entries.is_empty() {
        return Err(file_error(path, 0, "the file holds no requests".to_owned()));
    }
    Ok(entries)
}

/// An error about `path` at `line` (0: the file as a whole).
fn file_error(path: &Path, line: usize, reason: String) -> ProfileError {
    ProfileError::InputFile { path: path.display().to_string(), line, reason }
}
