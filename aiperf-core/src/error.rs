//! Errors of building an implementation from user options.

/// An option in [`ModelEndpointInfo`](crate::ModelEndpointInfo) cannot be used by the implementation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No model name was given.
    #[error("no model name given: pass at least one (e.g. `--model llama-3-8b`)")]
    MissingModel,
    /// The implementation needs a server URL and none was given.
    #[error("{implementation} needs a server URL (e.g. `--url http://127.0.0.1:8000`)")]
    MissingUrl {
        /// The implementation that needs it.
        implementation: &'static str,
    },
    /// The URL cannot be used.
    #[error("invalid URL '{url}': {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong and what would be right.
        reason: String,
    },
    /// Any other option with a wrong value.
    #[error("invalid {option} '{value}': expected {expected}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// The value as given.
        value: String,
        /// What would be accepted.
        expected: &'static str,
    },
}
