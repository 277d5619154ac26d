//! Metadata of the implementation table, as typed constants, and listing entries.

/// The table's metadata of one endpoint name (AIPerf 0.13 `plugins.yaml` fields). The benchmark
/// reads everything it needs to know about an endpoint from here, so a plugin can add a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointMetadata {
    /// Default path on the server (`/v1/chat/completions`).
    pub endpoint_path: &'static str,
    /// Path for streamed requests, when the server streams elsewhere (TGI's `/generate_stream`).
    pub streaming_endpoint_path: Option<&'static str>,
    /// What the endpoint's requests carry; synthetic inputs are built in this shape.
    pub input: InputKind,
    /// Whether the endpoint can stream its response.
    pub supports_streaming: bool,
    /// Whether responses carry generated tokens (enables output-token metrics).
    pub produces_tokens: bool,
    /// Title of the console metrics table.
    pub metrics_title: &'static str,
}

impl EndpointMetadata {
    /// The path a request goes to: `streaming_endpoint_path` for streams when there is one, else
    /// `endpoint_path`.
    pub fn path(&self, streaming: bool) -> &'static str {
        match self.streaming_endpoint_path {
            Some(path) if streaming => path,
            _ => self.endpoint_path,
        }
    }
}

/// The shape of an endpoint's input: which [`Payload`](crate::Payload) synthetic inputs use. The
/// table spells it `prompt`, `messages`, `texts` or `query_passages` (`input = "…"`), and the
/// generated code names the variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// One text prompt (`completions`, TGI's `generate`).
    Prompt,
    /// A conversation: synthetic inputs are one user message (`chat`).
    Messages,
    /// A batch of texts (`embeddings`).
    Texts,
    /// A query and the passages to rank against it (`rankings`).
    QueryPassages,
}

/// The table's metadata of one transport name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportMetadata {
    /// URL schemes this transport serves by default (`http`, `https`).
    pub url_schemes: &'static [&'static str],
}

/// A crate that declared implementations in its `[package.metadata.aiperf]` and was compiled
/// into this build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CrateInfo {
    /// The package name (`aiperf-nvidia-optimized`).
    pub name: &'static str,
    /// The package version.
    pub version: &'static str,
    /// The plugin's name for a plugin crate (`nvidia-optimized`); `None` for a builtin crate.
    pub plugin: Option<&'static str>,
    /// One line about the crate's implementations.
    pub description: &'static str,
}

/// One implementation of a name, as `list_implementations` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImplementationInfo {
    /// The name it implements (`chat`).
    pub name: String,
    /// Its type's name (`ChatEndpoint`).
    pub class_name: &'static str,
    /// Its full Rust type path.
    pub type_path: &'static str,
    /// One line about it.
    pub description: &'static str,
    /// Whether a plugin crate provides it (rather than a builtin crate).
    pub is_plugin: bool,
    /// Whether it was registered at run time (`register`) rather than compiled in from a table.
    pub is_registered: bool,
    /// The plugin providing it, if any.
    pub plugin: Option<&'static str>,
    /// The crate that declared it (`None` for a runtime registration).
    pub crate_info: Option<&'static CrateInfo>,
    /// Its priority (higher wins).
    pub priority: i64,
    /// Whether `create_instance` currently returns it.
    pub is_selected: bool,
    /// Whether the table's rules choose it when nothing is pinned.
    pub is_default: bool,
}
