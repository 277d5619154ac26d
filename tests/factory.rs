//! The generated factories in the build under test: default, or with `--features nvidia-optimized`.

use aiperf::core::{Category as _, Endpoint, EndpointMetadata, FactoryErrorKind, InputKind, ModelEndpointInfo, Selection};
use aiperf::{
    AnyEndpoint, EndpointCategory, EndpointFactory, EndpointImpl, EndpointName, TransportCategory, TransportFactory, TransportName,
};

const PLUGIN: bool = cfg!(feature = "nvidia-optimized");

/// What a selection of its own creates for `chat`: tests hold their own choices, so none needs a
/// lock; only `process_wide_pins_pin_and_reset` touches the process-wide pins.
fn chat_with(selection: &Selection<EndpointCategory>) -> AnyEndpoint {
    selection.create_instance("chat", &ModelEndpointInfo::default()).unwrap()
}

fn chat() -> AnyEndpoint {
    chat_with(&Selection::new())
}

#[test]
fn plugin_wins_only_when_its_feature_is_on() {
    let chat = chat();
    assert_eq!(chat.implementation().unwrap().descriptor().class_name, if PLUGIN { "OptimizedChatEndpoint" } else { "ChatEndpoint" });
    assert_eq!(chat.implementation() == Some(EndpointImpl::ChatEndpoint), !PLUGIN);
    let completions =
        Selection::<EndpointCategory>::new().create_instance(EndpointName::Completions, &ModelEndpointInfo::default()).unwrap();
    let origin = completions.implementation().unwrap().descriptor().origin;
    assert_eq!(origin.plugin, PLUGIN.then_some("nvidia-optimized"));
    assert_eq!(origin.name, if PLUGIN { "aiperf-nvidia-optimized" } else { "aiperf-endpoints" });
    // Names the plugin does not provide keep their builtin.
    let embeddings = EndpointFactory::create_instance("embeddings", &ModelEndpointInfo::default()).unwrap();
    assert_eq!(embeddings.implementation(), Some(EndpointImpl::EmbeddingsEndpoint));
    assert_eq!(aiperf::EndpointCategory::implementations().len(), if PLUGIN { 6 } else { 4 });
    assert_eq!(aiperf::CRATES.len(), if PLUGIN { 4 } else { 3 }, "the engine, the builtins, the plugin");
}

#[test]
fn the_builtin_stays_selectable_by_enum_type_name_and_path() {
    for implementation in ["ChatEndpoint", "aiperf_endpoints::ChatEndpoint"] {
        let mut selection = Selection::<EndpointCategory>::new();
        selection.use_implementation("chat", implementation).unwrap();
        assert_eq!(chat_with(&selection).implementation(), Some(EndpointImpl::ChatEndpoint), "{implementation}");
    }
    let mut selection = Selection::<EndpointCategory>::new();
    selection.use_implementation(EndpointName::Chat, EndpointImpl::ChatEndpoint).unwrap();
    assert_eq!(chat_with(&selection).implementation(), Some(EndpointImpl::ChatEndpoint));
    assert_eq!(chat().implementation() == Some(EndpointImpl::ChatEndpoint), !PLUGIN, "another selection is untouched");
}

#[test]
fn a_scoped_pin_is_a_pinned_copy_and_the_factory_keeps_the_table_choice() {
    let table = || EndpointFactory::create_instance("chat", &ModelEndpointInfo::default()).unwrap().implementation();
    let base = Selection::<EndpointCategory>::new();
    {
        let scoped = base.with_implementation("chat", "aiperf_endpoints::ChatEndpoint").unwrap();
        assert_eq!(chat_with(&scoped).implementation(), Some(EndpointImpl::ChatEndpoint), "the builtin stays selectable");
    }
    assert_eq!(chat_with(&base).implementation(), table(), "the base selection is untouched");
    assert_eq!(table() == Some(EndpointImpl::ChatEndpoint), !PLUGIN, "the factory gives the table's choice");
}

#[cfg(feature = "nvidia-optimized")]
#[test]
fn the_plugin_can_be_pinned_back_after_a_builtin_pin() {
    let mut selection = Selection::<EndpointCategory>::new();
    selection.use_implementation("chat", "ChatEndpoint").unwrap();
    selection.use_implementation("chat", EndpointImpl::OptimizedChatEndpoint).unwrap();
    assert_eq!(chat_with(&selection).implementation(), Some(EndpointImpl::OptimizedChatEndpoint));
}

#[test]
fn listing_follows_the_reference_format() {
    let list = Selection::<EndpointCategory>::new().list_implementations("chat").unwrap();
    let rows: Vec<(&str, bool, bool)> = list.iter().map(|i| (i.class_name, i.is_plugin, i.is_selected)).collect();
    if PLUGIN {
        assert_eq!(rows, [("OptimizedChatEndpoint", true, true), ("ChatEndpoint", false, false)]);
        let mut selection = Selection::<EndpointCategory>::new();
        selection.use_implementation("chat", "ChatEndpoint").unwrap();
        let list = selection.list_implementations(EndpointName::Chat).unwrap();
        let rows: Vec<(&str, bool, bool)> = list.iter().map(|i| (i.class_name, i.is_selected, i.is_default)).collect();
        assert_eq!(rows, [("ChatEndpoint", true, false), ("OptimizedChatEndpoint", false, true)]);
    } else {
        assert_eq!(rows, [("ChatEndpoint", false, true)]);
    }
}

#[test]
fn unknown_names_and_implementations_explain_themselves() {
    let err = EndpointFactory::create_instance("caht", &ModelEndpointInfo::default()).unwrap_err();
    assert!(
        err.to_string().starts_with("unknown endpoint 'caht'; did you mean 'chat'? valid: chat, completions, embeddings, rankings"),
        "{err}"
    );
    let err = "grcp".parse::<TransportName>().unwrap_err();
    assert!(matches!(err.kind(), FactoryErrorKind::UnknownName { .. }), "{err}");
    let mut selection = Selection::<EndpointCategory>::new();
    let err = selection.use_implementation("chat", "EmbeddingsEndpoint").unwrap_err();
    assert!(err.to_string().starts_with("EmbeddingsEndpoint implements endpoint 'embeddings', not 'chat'"), "{err}");
    let err = selection.use_implementation("chat", "TurboChat").unwrap_err();
    assert!(matches!(err.kind(), FactoryErrorKind::UnknownImplementation { .. }), "{err}");
    let err =
        EndpointFactory::create_instance("chat", &ModelEndpointInfo { model_names: vec![], ..ModelEndpointInfo::default() }).unwrap_err();
    assert!(err.to_string().contains("no model name given"), "{err}");
}

#[test]
fn names_parse_display_and_carry_table_metadata() {
    assert_eq!("in_engine".parse::<TransportName>().unwrap(), TransportName::InEngine);
    assert_eq!(EndpointName::Rankings.to_string(), "rankings");
    let chat: &EndpointMetadata = EndpointFactory::metadata("chat").unwrap();
    assert_eq!((chat.endpoint_path, chat.supports_streaming, chat.produces_tokens), ("/v1/chat/completions", true, true));
    assert_eq!(EndpointName::Rankings.metadata().endpoint_path, "/v1/ranking");
    assert!(!EndpointName::Embeddings.metadata().supports_streaming);
    assert_eq!(TransportFactory::for_url_scheme("in-engine"), Some(TransportName::InEngine));
    assert_eq!(TransportFactory::for_url_scheme("gopher"), None);
    assert_eq!(EndpointName::Rankings.metadata().input, InputKind::QueryPassages);
}

struct Echo;

impl Endpoint for Echo {
    fn format_request(
        &self,
        request: &aiperf::core::InferenceRequest,
    ) -> Result<aiperf::core::FormattedRequest, aiperf::core::EndpointError> {
        Ok(aiperf::core::FormattedRequest {
            body: format!("{:?}", request.payload).into_bytes(),
            content_type: "text/plain",
            streaming: false,
        })
    }
    fn decode(
        &self,
        state: &mut aiperf::core::DecodeState,
        _at: std::time::Instant,
        bytes: &[u8],
        _out: &mut aiperf::core::ParsedResponse,
    ) -> Result<(), aiperf::core::EndpointError> {
        state.buffer.extend_from_slice(bytes);
        Ok(())
    }
    fn finish(&self, _: &mut aiperf::core::DecodeState, _: &mut aiperf::core::ParsedResponse) -> Result<(), aiperf::core::EndpointError> {
        Ok(())
    }
}

static ECHO_METADATA: EndpointMetadata = EndpointMetadata {
    endpoint_path: "/echo",
    streaming_endpoint_path: None,
    input: InputKind::Prompt,
    supports_streaming: false,
    produces_tokens: false,
    metrics_title: "Echo",
};

#[test]
fn runtime_registration_extends_the_table_without_touching_it() {
    fn make(_: &ModelEndpointInfo) -> Result<Box<dyn Endpoint>, aiperf::core::ConfigError> {
        Ok(Box::new(Echo))
    }
    let mut selection = Selection::<EndpointCategory>::new();
    selection.register("echo", "Echo", "test endpoint", &ECHO_METADATA, make).unwrap();
    let echo = selection.create_instance("echo", &ModelEndpointInfo::default()).unwrap();
    assert!(matches!(echo, AnyEndpoint::Registered(_)) && echo.implementation().is_none());
    assert_eq!(selection.metadata("echo").unwrap().endpoint_path, "/echo");
    let err = selection.register("chat", "Echo", "d", &ECHO_METADATA, make).unwrap_err();
    assert!(matches!(err.kind(), FactoryErrorKind::AlreadyDefined { .. }), "{err}");
    assert!(EndpointFactory::create_instance("echo", &ModelEndpointInfo::default()).is_err(), "the table has no echo");
}

#[test]
fn url_schemes_pick_their_transport() {
    let pick = |url: Option<&str>| {
        let url = url.map(|text| aiperf::core::parse_server_url(text).unwrap());
        TransportFactory::for_url(url.as_ref()).map_err(|e| e.to_string())
    };
    assert_eq!(pick(Some("http://127.0.0.1:8000")), Ok(TransportName::Http));
    assert_eq!(pick(Some("HTTPS://api.example.com")), Ok(TransportName::Http));
    assert_eq!(pick(Some("h2c://127.0.0.1:8000")), Ok(TransportName::Http2));
    assert_eq!(pick(Some("grpc://127.0.0.1:8001")), Ok(TransportName::Grpc));
    assert_eq!(pick(Some("localhost:8000")), Ok(TransportName::Http));
    assert_eq!(pick(None), Ok(TransportName::InEngine));
    let err = pick(Some("ftp://x")).unwrap_err();
    assert!(err.starts_with("unknown URL scheme 'ftp'; valid: http, https, h2c, h2, grpc, in-engine"), "{err}");
}

/// `create_instance` builds an unpinned name through the generated `construct_default`, a `match`
/// on the name with the table's choice fused in; it must build what the table names as default.
#[test]
fn the_fused_default_builds_the_tables_choice() {
    let info = ModelEndpointInfo::default();
    for entry in EndpointCategory::names() {
        let built = EndpointCategory::construct_default(entry.name, &info).unwrap();
        assert_eq!(built.implementation(), Some(entry.default), "endpoint {}", entry.text);
    }
    // Transports get a server URL, which the network ones need.
    for entry in TransportCategory::names() {
        let url = aiperf::core::parse_server_url("http://127.0.0.1:1").unwrap();
        let info = ModelEndpointInfo { url: Some(url), ..ModelEndpointInfo::default() };
        let built = TransportCategory::construct_default(entry.name, &info).unwrap();
        assert_eq!(built.implementation(), Some(entry.default), "transport {}", entry.text);
    }
}
