//! The contracts of aiperf, and nothing that implements them.
//!
//! This crate defines what an endpoint (a wire format: how to format a request body and parse the
//! response) and a transport (how the bytes travel: HTTP, gRPC, in-process engine) are, the request
//! and response types they exchange, the metadata the implementation table describes, and the
//! generic [`Factory`] that the root crate's generated code instantiates.
//!
//! Dependency rule: `aiperf-core` depends on no other aiperf crate and knows no implementation.
//! Builtin endpoints, transports and plugins depend on it; the root crate ties them together.

#![warn(missing_docs)]

mod arrival;
mod dataset_loader;
mod declared;
mod decode_state;
mod dispatch;
mod endpoint;
mod error;
mod exporter;
pub mod factory;
mod metadata;
mod model_endpoint;
mod request;
mod response;
mod transport;
mod watched;
pub use watched::{ExchangeWatch, exchange_watched};

pub use arrival::ArrivalPattern;
pub use dataset_loader::{DatasetError, DatasetLoader, DatasetRequest};
pub use declared::Declared;
pub use decode_state::{DecodeState, ResponseExtension};
pub use endpoint::{Auth, Endpoint, EndpointError, MAX_RESPONSE_BYTES, ResponseCollector, decode_response};
pub use error::ConfigError;
pub use exporter::{ExportError, Exporter, Results, STAT_COLUMNS, StatRow, ValueRow};
pub use factory::{Category, Factories, Factory, FactoryError, FactoryErrorKind, ImplArg, ImplDescriptor, NameArg, NameEntry, Selection};
pub use metadata::{CrateInfo, EndpointMetadata, ImplementationInfo, InputKind, TransportMetadata};
pub use model_endpoint::{ConnectionReuse, FromModelEndpoint, ModelEndpointInfo, Settings, parse_server_url};
pub use request::{FormattedRequest, InferenceRequest, Message, Payload, PreparedRequest, TextInput, TextRequest};
pub use response::{ContentChunk, Embedding, ParsedResponse, Ranking, ResponseEvent, ServerError, ServerTimings, Usage};
pub use transport::{
    DynTransport, EndpointHeaders, Exchange, RequestBody, RequestForm, ResponseSink, SessionTurn, Transport, TransportError,
    TransportFuture, TransportRequest, TransportTiming, exchange, exchange_turn, transport_request,
};
/// The URL type of [`ModelEndpointInfo::url`] (the `url` crate's).
pub use url::Url;
