//! What can stop a benchmark before or after it runs (failed requests are not errors: they are
//! counted).

use aiperf_core::FactoryError;

/// Why a benchmark could not run (or its results could not be written).
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A flag has a value that cannot work.
    #[error("invalid {flag} '{value}': {expected}")]
    InvalidArgument {
        /// The flag.
        flag: &'static str,
        /// The value given.
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// A flag that does not go with the others.
    #[error("{flag}: {reason}")]
    Flags {
        /// The flag.
        flag: &'static str,
        /// What it needs, or what it conflicts with, and what would do.
        reason: String,
    },
    /// An unknown endpoint, transport or implementation.
    #[error(transparent)]
    Factory(#[from] FactoryError),
    /// The tokenizer cannot be loaded.
    #[error("cannot load tokenizer '{spec}': {reason}")]
    Tokenizer {
        /// What was asked for.
        spec: String,
        /// Why not.
        reason: String,
    },
    /// The input file cannot be used.
    #[error("{path}:{line}: {reason}")]
    InputFile {
        /// The file.
        path: String,
        /// The line (0 for the file as a whole).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The transport cannot carry the endpoint's requests (checked before the run).
    #[error("endpoint '{endpoint}' over transport '{transport}': {source}")]
    Unsupported {
        /// The endpoint name.
        endpoint: String,
        /// The transport name.
        transport: String,
        /// What the transport said.
        #[source]
        source: aiperf_core::TransportError,
    },
    /// The endpoint has no form of request the transport carries (an embeddings endpoint over a
    /// transport that carries text generation only).
    #[error("endpoint '{endpoint}' over transport '{transport}': {}", aiperf_core::EndpointError::NoTextForm)]
    NoRequestForm {
        /// The endpoint name.
        endpoint: String,
        /// The transport name.
        transport: String,
    },
    /// A request body cannot be formatted (the input does not fit the endpoint).
    #[error("cannot format a request: {0}")]
    Format(#[from] aiperf_core::EndpointError),
    /// An artifact cannot be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The workers sharing the benchmark could not agree when to start (a [`StartGate`]'s
    /// answer: workers missing at the barrier's deadline, a store that cannot be reached).
    ///
    /// [`StartGate`]: crate::start::StartGate
    #[error("cannot start together with the other workers: {0}")]
    NotStarted(String),
    /// A configuration file (`--config`) cannot be read, or asks what cannot apply.
    #[error("{path}: {}{reason}", if at.is_empty() { String::new() } else { format!("{at}: ") })]
    ConfigFile {
        /// The file.
        path: String,
        /// The key at fault, as a dotted path (`benchmark.endpoint.urls`); empty for the file.
        at: String,
        /// What is wrong, and what would be right.
        reason: String,
    },
    /// The server was not ready within `--wait-for-model-timeout`.
    #[error("timed out after {:.1} s {what} (checked {attempts} time(s); last: {last})", timeout.as_secs_f64())]
    NotReady {
        /// What was probed (`probing http://…/v1/chat/completions with model 'm'`).
        what: String,
        /// `--wait-for-model-timeout`.
        timeout: std::time::Duration,
        /// Attempts made.
        attempts: u32,
        /// What the last attempt found.
        last: String,
    },
}

/// A [`ProfileError::InvalidArgument`].
pub(crate) fn invalid(flag: &'static str, value: impl ToString, expected: impl ToString) -> ProfileError {
    ProfileError::InvalidArgument { flag, value: value.to_string(), expected: expected.to_string() }
}
