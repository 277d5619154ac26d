//! The generated factories in the build under test: default, or with `--features nvidia-optimized`.

use std::sync::{Mutex, MutexGuard, PoisonError};

use aiperf::core::{Category as _, Endpoint, EndpointMetadata, FactoryErrorKind, InputKind, ModelEndpointInfo};
use aiperf::{AnyEndpoint, EndpointFactory, EndpointImpl, EndpointName, TransportFactory, TransportName};

const PLUGIN: bool = cfg!(feature = "nvidia-optimized");

/// Pins are process-wide: tests that set them run one at a time and start from none.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    EndpointFactory::reset_all();
    TransportFactory::reset_all();
    guard
}

fn chat() -> AnyEndpoint {
    EndpointFactory::create_instance("chat", &ModelEndpointInfo::default()).unwrap()
}

/// Whether `chat()` creates the builtin `ChatEndpoint`.
fn chat_is_builtin() -> bool {
    chat().implementation() == Some(EndpointImpl::ChatEndpoint)
}

#[test]
fn plugin_wins_only_when_its_feature_is_on() {
    let _g = serial();
    let chat = chat();
    assert_eq!(chat.implementation().unwrap().descriptor().class_name, if PLUGIN { "OptimizedChatEndpoint" } else { "ChatEndpoint" });
    assert_eq!(chat.implementation() == Some(EndpointImpl::ChatEndpoint), !PLUGIN);
    let completions = EndpointFactory::create_instance(EndpointName::Completions, &ModelEndpointInfo::default()).unwrap();
    let origin = completions.implementation().unwrap().descriptor().origin;
    assert_eq!(origin.plugin, PLUGIN.then_some("nvidia-optimized"));
    assert_eq!(origin.name, if PLUGIN { "aiperf-nvidia-optimized" } else { "aiperf-endpoints" });
    // Names the plugin does not provide keep their builtin.
    let embeddings = EndpointFactory::create_instance("embeddings", &ModelEndpointInfo::default()).unwrap();
    assert_eq!(embeddings.implementation(), Some(EndpointImpl::EmbeddingsEndpoint));
    assert_eq!(aiperf::EndpointCategory::implementations().len(), if PLUGIN { 6 } else { 4 });
    assert_eq!(aiperf::CRATES.len(), if PLUGIN { 3 } else { 2 });
}

#[test]
fn use_implementation_pins_and_resets() {
    let _g = serial();
    EndpointFactory::use_implementation("chat", "ChatEndpoint").unwrap();
    assert!(chat_is_builtin(), "the builtin stays selectable");
    EndpointFactory::use_implementation(EndpointName::Chat, EndpointImpl::ChatEndpoint).unwrap();
    assert!(chat_is_builtin());
    EndpointFactory::reset_implementation("chat").unwrap();
    assert_eq!(chat_is_builtin(), !PLUGIN);
    {
        let _pin = EndpointFactory::scoped_implementation("chat", "aiperf_endpoints::ChatEndpoint").unwrap();
        assert!(chat_is_builtin());
    }
    assert_eq!(chat_is_builtin(), !PLUGIN, "the guard restored the default");
}

#[cfg(feature = "nvidia-optimized")]
#[test]
fn the_plugin_can_be_pinned_back_after_a_builtin_pin() {
    let _g = serial();
    EndpointFactory::use_implementation("chat", "ChatEndpoint").unwrap();
    EndpointFactory::use_implementation("chat", EndpointImpl::OptimizedChatEndpoint).unwrap();
    assert!(chat().implementation() == Some(EndpointImpl::OptimizedChatEndpoint));
}

#[test]
fn listing_follows_the_reference_format() {
    let _g = serial();
    let list = EndpointFactory::list_implementations("chat").unwrap();
    let rows: Vec<(&str, bool, bool)> = list.iter().map(|i| (i.class_name, i.is_plugin, i.is_selected)).collect();
    if PLUGIN {
        assert_eq!(rows, [("OptimizedChatEndpoint", true, true), ("ChatEndpoint", false, false)]);
        let _pin = EndpointFactory::scoped_implementation("chat", "ChatEndpoint").unwrap();
        let list = EndpointFactory::list_implementations(EndpointName::Chat).unwrap();
        let rows: Vec<(&str, bool, bool)> = list.iter().map(|i| (i.class_name, i.is_selected, i.is_default)).collect();
        assert_eq!(rows, [("ChatEndpoint", true, false), ("OptimizedChatEndpoint", false, true)]);
    } else {
        assert_eq!(rows, [("ChatEndpoint", false, true)]);
    }
}

#[test]
fn unknown_names_and_implementations_explain_themselves() {
    let _g = serial();
    let err = EndpointFactory::create_instance("caht", &ModelEndpointInfo::default()).unwrap_err();
    assert!(
        err.to_string().starts_with("unknown endpoint 'caht'; did you mean 'chat'? valid: chat, completions, embeddings, rankings"),
        "{err}"
    );
    let err = "grcp".parse::<TransportName>().unwrap_err();
    assert!(matches!(err.kind(), FactoryErrorKind::UnknownName { .. }), "{err}");
    let err = EndpointFactory::use_implementation("chat", "EmbeddingsEndpoint").unwrap_err();
    assert!(err.to_string().starts_with("EmbeddingsEndpoint implements endpoint 'embeddings', not 'chat'"), "{err}");
    let err = EndpointFactory::use_implementation("chat", "TurboChat").unwrap_err();
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
    EndpointFactory::register("echo", "Echo", "test endpoint", &ECHO_METADATA, make).unwrap();
    let echo = EndpointFactory::create_instance("echo", &ModelEndpointInfo::default()).unwrap();
    assert!(matches!(echo, AnyEndpoint::Registered(_)) && echo.implementation().is_none());
    assert_eq!(EndpointFactory::metadata("echo").unwrap().endpoint_path, "/echo");
    let err = EndpointFactory::register("chat", "Echo", "d", &ECHO_METADATA, make).unwrap_err();
    assert!(matches!(err.kind(), FactoryErrorKind::AlreadyDefined { .. }), "{err}");
}

#[test]
fn url_schemes_pick_their_transport() {
    let pick = |url: Option<&str>| TransportFactory::for_url(url).map_err(|e| e.to_string());
    assert_eq!(pick(Some("http://127.0.0.1:8000")), Ok(TransportName::Http));
    assert_eq!(pick(Some("HTTPS://api.example.com")), Ok(TransportName::Http));
    assert_eq!(pick(Some("h2c://127.0.0.1:8000")), Ok(TransportName::Http2));
    assert_eq!(pick(Some("grpc://127.0.0.1:8001")), Ok(TransportName::Grpc));
    assert_eq!(pick(Some("localhost:8000")), Ok(TransportName::Http));
    assert_eq!(pick(None), Ok(TransportName::InEngine));
    let err = pick(Some("ftp://x")).unwrap_err();
    assert!(err.starts_with("unknown URL scheme 'ftp'; valid: http, https, h2c, h2, grpc, in-engine"), "{err}");
}
