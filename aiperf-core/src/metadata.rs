//! Metadata of the implementation table, as typed constants, and listing entries.

/// The table's metadata of one endpoint name (AIPerf 0.13 `plugins.yaml` fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointMetadata {
    /// Default path on the server (`/v1/chat/completions`).
    pub endpoint_path: &'static str,
    /// Whether the endpoint can stream its response.
    pub supports_streaming: bool,
    /// Whether responses carry generated tokens (enables token metrics).
    pub produces_tokens: bool,
    /// Whether input length is measured by tokenizing the request.
    pub tokenizes_input: bool,
    /// Title of the console metrics table.
    pub metrics_title: &'static str,
}

/// The table's metadata of one transport name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportMetadata {
    /// URL schemes this transport serves by default (`http`, `https`).
    pub url_schemes: &'static [&'static str],
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
    /// Whether a plugin provides it (rather than the builtin table).
    pub is_plugin: bool,
    /// The plugin providing it, if any.
    pub plugin: Option<&'static str>,
    /// The Cargo feature that compiled it in, if any.
    pub feature: Option<&'static str>,
    /// Its priority (higher wins).
    pub priority: i64,
    /// Whether `create_instance` currently returns it.
    pub is_selected: bool,
    /// Whether the table's rules choose it when nothing is pinned.
    pub is_default: bool,
}
