//! Errors of reading and assembling the implementation table, each naming the crate and the
//! `Cargo.toml` key at fault.

/// A declaration cannot be used: which crate's manifest, which dotted key, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{crate_name} ({manifest}): `{key}`: {message}")]
pub struct TableError {
    /// The package at fault (`aiperf-nvidia-optimized`).
    pub crate_name: String,
    /// Its manifest's path (`plugins/nvidia-optimized/Cargo.toml`).
    pub manifest: String,
    /// The dotted key at fault (`package.metadata.aiperf.endpoint.chat.type`).
    pub key: String,
    /// What is wrong and what would be right.
    pub message: String,
}

/// Where a declaration comes from: the package and its manifest, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The package name.
    pub crate_name: String,
    /// The manifest's path.
    pub manifest: String,
}

impl Source {
    /// An error at `key` of this source's manifest.
    pub(crate) fn error(&self, key: impl Into<String>, message: impl Into<String>) -> TableError {
        TableError { crate_name: self.crate_name.clone(), manifest: self.manifest.clone(), key: key.into(), message: message.into() }
    }
}

/// Why [`declare`](crate::declare) or [`Builder::compile`](crate::Builder::compile) failed.
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
    /// A declaration is malformed, or the declarations conflict.
    #[error(transparent)]
    Table(#[from] TableError),
    /// What a dependency sent through Cargo's `links` metadata channel is not a declaration.
    #[error("{var}: not an aiperf declaration ({reason}); is `{var}` set by a crate built with another aiperf-build version?")]
    Channel {
        /// The environment variable (`DEP_AIPERF_ENDPOINTS_AIPERF_TABLE`).
        var: String,
        /// What could not be read.
        reason: String,
    },
}
