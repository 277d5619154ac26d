//! What an endpoint or transport is built from: the model, the server and the options a user gave.

use std::time::Duration;

use crate::ConfigError;

/// Everything an endpoint or a transport needs to know about the model and server it talks to.
///
/// Mirrors AIPerf's `ModelEndpointInfo`: one value is built from the command line and handed to
/// `create_instance` for both the endpoint and the transport.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelEndpointInfo {
    /// Model names; requests use the first unless they name one themselves.
    pub model_names: Vec<String>,
    /// Base URL of the server (`http://127.0.0.1:8000`); `None` for in-process engines.
    pub url: Option<String>,
    /// Path appended to `url` instead of the endpoint's default `endpoint_path`.
    pub custom_endpoint: Option<String>,
    /// Ask the server to stream the response (SSE for the OpenAI endpoints).
    pub streaming: bool,
    /// Sent as `Authorization: Bearer <key>`.
    pub api_key: Option<String>,
    /// Extra request headers, in order.
    pub headers: Vec<(String, String)>,
    /// Extra keys merged into every request body (`--extra-inputs key:value`).
    pub extra_inputs: serde_json::Map<String, serde_json::Value>,
    /// Upper bound on one request, from send to last byte.
    pub timeout: Duration,
    /// Settings of the in-process engine, used by the `in_engine` transport.
    pub engine: InEngineSettings,
}

impl Default for ModelEndpointInfo {
    fn default() -> Self {
        Self {
            model_names: vec!["mock".to_owned()],
            url: None,
            custom_endpoint: None,
            streaming: false,
            api_key: None,
            headers: Vec::new(),
            extra_inputs: serde_json::Map::new(),
            timeout: Duration::from_secs(600),
            engine: InEngineSettings::default(),
        }
    }
}

impl ModelEndpointInfo {
    /// The model name requests use by default.
    ///
    /// # Errors
    /// [`ConfigError::MissingModel`] when no model name was given.
    #[inline]
    pub fn primary_model(&self) -> Result<&str, ConfigError> {
        self.model_names.first().map(String::as_str).ok_or(ConfigError::MissingModel)
    }
}

/// How an in-process (simulated) engine behaves: the server-side delays it reproduces.
#[derive(Clone, Debug, PartialEq)]
pub struct InEngineSettings {
    /// Delay before the first output token.
    pub time_to_first_token: Duration,
    /// Delay between two output tokens.
    pub inter_token_latency: Duration,
    /// Output tokens per response when the request does not bound them (`max_tokens`).
    pub output_tokens: u32,
    /// Seed of the engine's deterministic choices (which words it writes).
    pub seed: u64,
}

impl Default for InEngineSettings {
    fn default() -> Self {
        Self { time_to_first_token: Duration::from_millis(20), inter_token_latency: Duration::from_millis(5), output_tokens: 16, seed: 0 }
    }
}

/// Builds an implementation from a [`ModelEndpointInfo`]: the constructor the generated factory
/// calls for every entry of the implementation table.
pub trait FromModelEndpoint: Sized {
    /// Creates the implementation, checking the options it depends on.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the option that is missing or wrong.
    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError>;
}
