//! Errors of reading the implementation table, each naming the `Cargo.toml` key at fault.

/// The implementation table cannot be used; `key` is the dotted `Cargo.toml` key at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Cargo.toml: `{key}`: {message}")]
pub struct TableError {
    /// The dotted key at fault (`workspace.metadata.aiperf.endpoint.chat.type`).
    pub key: String,
    /// What is wrong and what would be right.
    pub message: String,
}

impl TableError {
    pub(crate) fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self { key: key.into(), message: message.into() }
    }
}

/// Why [`Builder::compile`](crate::Builder::compile) failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The manifest could not be read, or the output could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A required environment variable of build scripts is missing.
    #[error("environment variable {0} is not set: run this from a build script")]
    Env(&'static str),
    /// The table is malformed.
    #[error(transparent)]
    Table(#[from] TableError),
}
