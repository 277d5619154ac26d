//! What running a benchmark across workers can fail with, each naming what a user can act on:
//! the URL (credentials never shown), the object, the worker.

use aiperf_bench::ProfileError;

/// Why the workers of a benchmark, their store or their merge failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// A `--results` URL this build cannot use.
    #[error("invalid --results '{url}': {reason}")]
    Url {
        /// The URL, its credentials hidden.
        url: String,
        /// What is wrong, and what would do.
        reason: String,
    },
    /// The store failed an operation on an object.
    #[error("{operation} {object} in {url}: {source}")]
    Store {
        /// What was being done (`cannot write`, `cannot read`, `cannot list`).
        operation: &'static str,
        /// The object's key under the URL.
        object: String,
        /// The URL, its credentials hidden.
        url: String,
        /// What the store said (boxed: it is large, and rare).
        #[source]
        source: Box<object_store::Error>,
    },
    /// A local file could not be read or written.
    #[error("cannot {operation} {path}: {source}")]
    Io {
        /// `read` or `write`.
        operation: &'static str,
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An object is not what this build wrote there.
    #[error("{object} in {url} is not {expected}: {reason}")]
    Malformed {
        /// The object's key.
        object: String,
        /// The URL, its credentials hidden.
        url: String,
        /// What it should be.
        expected: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The results location holds this worker's results already (a finished run).
    #[error("{url} already holds worker {index}'s results: give each benchmark a --results location of its own")]
    AlreadyRan {
        /// The URL, its credentials hidden.
        url: String,
        /// The worker.
        index: u32,
    },
    /// No worker's run state is in the store.
    #[error("{url} holds no worker's run state (workers/<index>/run_state.jsonl): is it the --results of a benchmark?")]
    Empty {
        /// The URL, its credentials hidden.
        url: String,
    },
    /// A flag combination the workers cannot run.
    #[error("{flag}: {reason}")]
    Flags {
        /// The flag at fault.
        flag: &'static str,
        /// What it needs and what would do.
        reason: String,
    },
    /// Local worker processes could not run.
    #[error("worker {index}: {reason}")]
    Worker {
        /// The worker.
        index: u32,
        /// What went wrong, and where its log is.
        reason: String,
    },
    /// The engine failed (the benchmark itself, or the merge).
    #[error(transparent)]
    Profile(#[from] ProfileError),
}
