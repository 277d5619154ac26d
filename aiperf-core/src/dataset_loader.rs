//! The dataset-loader contract: a file format read into requests (`--custom-dataset-type`), a
//! category of the implementation table like endpoints and transports. A loader reads; the
//! engine checks what it read, counts its tokens, groups sessions and sends it.

use std::path::Path;

use crate::Payload;

/// One request of a dataset, as AIPerf's `single_turn` lines describe one.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetRequest {
    /// What it sends.
    pub payload: Payload,
    /// The output length it asks for (none: `--osl`, else the server's choice).
    pub max_tokens: Option<u32>,
    /// When a fixed schedule sends it: milliseconds from the dataset's start.
    pub timestamp_ms: Option<f64>,
    /// The session it belongs to: a session's requests are sent in order, each after the
    /// previous one ended.
    pub session_id: Option<String>,
    /// Within a session: milliseconds after the previous request ended.
    pub delay_ms: Option<f64>,
    /// Where it is in the file (1-based line, or 0), for errors.
    pub line: u32,
}

/// Why a file could not be read: where, and what would be right.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct DatasetError {
    /// The 1-based line at fault (0: the file as a whole).
    pub line: usize,
    /// What is wrong, and what would do.
    pub reason: String,
}

/// Reads a file format into requests.
pub trait DatasetLoader: Send + Sync {
    /// The requests of `path`, in file order.
    ///
    /// # Errors
    /// [`DatasetError`] naming the line and what is wrong with it.
    fn load(&self, path: &Path) -> Result<Vec<DatasetRequest>, DatasetError>;
}
