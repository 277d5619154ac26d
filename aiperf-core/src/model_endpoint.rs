//! What an endpoint or transport is built from: the model, the server and the options a user gave.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use crate::ConfigError;

/// Everything an endpoint or a transport needs to know about the model and server it talks to.
///
/// Mirrors AIPerf's `ModelEndpointInfo`: one value is built from the command line and handed to
/// `create_instance` for both the endpoint and the transport.
#[derive(Clone, Debug)]
pub struct ModelEndpointInfo {
    /// Model names; requests use the first unless they name one themselves. Shared, so that an
    /// endpoint keeps its model without copying it.
    pub model_names: Vec<Arc<str>>,
    /// Base URL of the server (`http://127.0.0.1:8000`), parsed once ([`parse_server_url`]);
    /// `None` for in-process engines.
    pub url: Option<url::Url>,
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
    /// Chat requests name their output length `max_tokens` instead of `max_completion_tokens`
    /// (`--use-legacy-max-tokens`).
    pub legacy_max_tokens: bool,
    /// Upper bound on one request, from send to last byte.
    pub timeout: Duration,
    /// How connections are reused between requests (`--connection-reuse-strategy`).
    pub connection_reuse: ConnectionReuse,
    /// Settings of particular implementations (the in-process engine's, say), by type.
    pub settings: Settings,
}

/// Parses a server address as users type it (`--url`): with the `url` crate, and without a scheme
/// it is `http://` (`localhost:8000`, as AIPerf reads it). Transports read the parts they need
/// (scheme, host, port, path, query) from the result; nothing parses the text again.
///
/// A host is required only where the scheme has one: `http://` and `https://` without a host are
/// refused here, while a scheme of a plugin's own (`unix:///run/llm.sock`) may have none; each
/// transport checks the parts it needs.
///
/// # Errors
/// Why `text` is not a URL.
pub fn parse_server_url(text: &str) -> Result<url::Url, String> {
    let text = text.trim();
    let parsed = if text.contains("://") { url::Url::parse(text) } else { url::Url::parse(&format!("http://{text}")) };
    parsed.map_err(|e| match e {
        url::ParseError::EmptyHost => "no host: expected scheme://host:port".to_owned(),
        other => other.to_string(),
    })
}

impl Default for ModelEndpointInfo {
    fn default() -> Self {
        Self {
            model_names: vec!["mock".into()],
            url: None,
            custom_endpoint: None,
            streaming: false,
            api_key: None,
            headers: Vec::new(),
            extra_inputs: serde_json::Map::new(),
            legacy_max_tokens: false,
            timeout: Duration::from_secs(600),
            connection_reuse: ConnectionReuse::default(),
            settings: Settings::default(),
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
        self.model_names.first().map(|name| &**name).ok_or(ConfigError::MissingModel)
    }
}

/// How a connection-oriented transport reuses its connections between requests: AIPerf 0.13's
/// `--connection-reuse-strategy`, by its names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ConnectionReuse {
    /// Idle connections are kept and any request may reuse one (`pooled`, the default). A server
    /// found to close its connections after each response gets a new one per request.
    #[default]
    Pooled,
    /// Every request opens its own connection, closed after its response (`never`).
    Never,
    /// Each user session (a multi-turn conversation) keeps one connection of its own across its
    /// turns, closed after its last turn, an error or a cancellation; a request of no session
    /// opens its own (`sticky-user-sessions`: a sticky load balancer sends a whole session to
    /// one backend).
    StickyUserSessions,
}

impl ConnectionReuse {
    /// Every strategy, in the order of AIPerf's help.
    pub const ALL: [Self; 3] = [Self::Pooled, Self::Never, Self::StickyUserSessions];

    /// Its name on the command line and in exports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pooled => "pooled",
            Self::Never => "never",
            Self::StickyUserSessions => "sticky-user-sessions",
        }
    }
}

/// Settings of particular implementations, by type (OpenDAL's per-service configuration): the
/// command line puts each implementation's typed settings here (the in-process engine's delays,
/// say), and the implementation reads its own. This crate knows none of them.
#[derive(Clone, Default)]
pub struct Settings(Vec<Arc<dyn Any + Send + Sync>>);

impl Settings {
    /// Sets the settings of type `T`, replacing earlier ones of that type.
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) {
        self.0.retain(|v| !v.is::<T>());
        self.0.push(Arc::new(value));
    }

    /// [`Settings::insert`], by value.
    #[must_use]
    pub fn with<T: Any + Send + Sync>(mut self, value: T) -> Self {
        self.insert(value);
        self
    }

    /// The settings of type `T`, if any were given.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.iter().find_map(|v| v.downcast_ref::<T>())
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Settings({} typed)", self.0.len())
    }
}

/// Builds an implementation from a [`ModelEndpointInfo`]: the constructor the generated factory
/// calls for every entry of the implementation table.
pub trait FromModelEndpoint: Sized {
    /// The crate that declares it: `aiperf_core::declared!()`, which compiles only when that
    /// crate's build script calls `aiperf_build::declare()` (so no implementation is silently
    /// left out of the table).
    const DECLARED: crate::Declared;

    /// Creates the implementation, checking the options it depends on.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the option that is missing or wrong.
    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError>;
}

#[cfg(test)]
mod tests {
    use super::parse_server_url;

    #[test]
    fn server_urls_as_users_type_them() {
        let url = parse_server_url("localhost:8000").unwrap();
        assert_eq!((url.scheme(), url.host_str(), url.port()), ("http", Some("localhost"), Some(8000)));
        let url = parse_server_url("grpc://127.0.0.1:8001?backend=tensorrtllm").unwrap();
        assert_eq!(
            (url.scheme(), url.host_str(), url.port(), url.query()),
            ("grpc", Some("127.0.0.1"), Some(8001), Some("backend=tensorrtllm"))
        );
        assert_eq!(parse_server_url("HTTPS://[::1]:9/proxy/").unwrap().as_str(), "https://[::1]:9/proxy/");
        assert!(parse_server_url("http://").unwrap_err().contains("host"));
        assert!(parse_server_url("grpc://:8001").is_err());
        // A plugin's scheme without a host (a Unix socket's path).
        let url = parse_server_url("unix:///run/llm.sock").unwrap();
        assert_eq!((url.scheme(), url.host_str(), url.path()), ("unix", None, "/run/llm.sock"));
        assert!(parse_server_url("http://h:99999").unwrap_err().contains("port"));
    }
}
