//! What generated code implements: a category of the table ([`Category`]: its enums, tables and
//! `match`es) and a build's whole table ([`Factories`]), with the entries the tables are made of.

use std::fmt::Debug;

use super::{Factory, ImplArg, NameArg};
use crate::{
    ArrivalPattern, ConfigError, CrateInfo, DatasetLoader, DynTransport, Endpoint, EndpointMetadata, Exporter, ModelEndpointInfo,
    Transport, TransportMetadata,
};

/// One category of the implementation table (`endpoint`, `transport`), implemented by generated code.
pub trait Category: Sized + 'static {
    /// The category's name in the table and in messages (`endpoint`).
    const CATEGORY: &'static str;
    /// The enum of names (`EndpointName`).
    type Name: Copy + Eq + Debug + Send + Sync + 'static + for<'a> NameArg<'a, Self>;
    /// The enum of compiled-in implementations (`EndpointImpl`).
    type Impl: Copy + Eq + Debug + Send + Sync + 'static + for<'a> ImplArg<'a, Self>;
    /// The table metadata of a name (`EndpointMetadata`).
    type Metadata: Debug + Send + Sync + 'static;
    /// What `create_instance` returns (`AnyEndpoint`).
    type Instance;
    /// The boxed form of runtime-registered implementations (`dyn Endpoint`).
    type Registered: ?Sized + 'static;

    /// Every name of the table, in table order; position `i` describes the name whose
    /// [`Category::name_index`] is `i`.
    fn names() -> &'static [NameEntry<Self>];
    /// Parses a table name; a `match` on the string.
    fn parse_name(name: &str) -> Option<Self::Name>;
    /// Position of `name` in [`Category::names`] (the enum's discriminant).
    fn name_index(name: Self::Name) -> usize;
    /// Every compiled-in implementation, grouped by name, best-ranked first.
    fn implementations() -> &'static [ImplDescriptor<Self::Name, Self::Impl>];
    /// Position of `imp` in [`Category::implementations`] (the enum's discriminant).
    fn impl_index(imp: Self::Impl) -> usize;
    /// Builds `imp`: one `match` arm per implementation.
    ///
    /// # Errors
    /// The implementation's own [`ConfigError`].
    fn construct(imp: Self::Impl, info: &ModelEndpointInfo) -> Result<Self::Instance, ConfigError>;
    /// Builds the table's choice for `name` ([`NameEntry::default`]). Generated code fuses the
    /// choice into one `match` on the name, so it loads no table entry.
    ///
    /// # Errors
    /// The implementation's own [`ConfigError`].
    #[inline(always)]
    fn construct_default(name: Self::Name, info: &ModelEndpointInfo) -> Result<Self::Instance, ConfigError> {
        Self::construct(Factory::<Self>::entry(name).default, info)
    }
    /// Wraps a runtime-registered implementation.
    fn from_registered(instance: Box<Self::Registered>) -> Self::Instance;
}

/// One name of a category, as the table describes it.
pub struct NameEntry<C: Category> {
    /// The name's enum value.
    pub name: C::Name,
    /// The name as written in the table (`chat`).
    pub text: &'static str,
    /// The implementation the table's rules choose (unless a [`Selection`](super::Selection) pins another).
    pub default: C::Impl,
    /// The name's metadata.
    pub metadata: C::Metadata,
}

impl<C: Category> Debug for NameEntry<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NameEntry").field("text", &self.text).field("default", &self.default).field("metadata", &self.metadata).finish()
    }
}

/// A compiled-in implementation, as the table describes it.
#[derive(Debug)]
pub struct ImplDescriptor<N: 'static, I: 'static> {
    /// The implementation enum value.
    pub implementation: I,
    /// The name it implements.
    pub name: N,
    /// The type's name (`ChatEndpoint`).
    pub class_name: &'static str,
    /// The full type path (`aiperf_endpoints::ChatEndpoint`).
    pub type_path: &'static str,
    /// One line about it.
    pub description: &'static str,
    /// Its priority (higher wins).
    pub priority: i64,
    /// The crate whose `[package.metadata.aiperf]` declared it.
    pub origin: &'static CrateInfo,
}

impl<N, I> ImplDescriptor<N, I> {
    /// Whether a plugin crate declared it.
    pub fn is_plugin(&self) -> bool {
        self.origin.plugin.is_some()
    }
}

/// A build's implementation table: its generated categories and the crates they came from.
/// Generated as `Factories` by `aiperf-build`; the benchmark and the command line are generic over
/// it, so a custom build with other plugin crates is a complete `aiperf`.
pub trait Factories: 'static {
    /// The endpoint category (`EndpointCategory`).
    type Endpoints: Category<Metadata = EndpointMetadata, Registered = dyn Endpoint, Instance: Endpoint + Send + Sync + 'static>;
    /// The transport category (`TransportCategory`).
    type Transports: Category<Metadata = TransportMetadata, Registered = dyn DynTransport, Instance: Transport + Send + Sync + 'static>;
    /// The arrival-pattern category (`ArrivalPatternCategory`); empty in a build without the engine.
    type ArrivalPatterns: Category<Metadata = (), Registered = dyn ArrivalPattern, Instance: ArrivalPattern + Send + Sync + 'static>;
    /// The dataset-loader category (`DatasetLoaderCategory`); empty in a build without the engine.
    type DatasetLoaders: Category<Metadata = (), Registered = dyn DatasetLoader, Instance: DatasetLoader + Send + Sync + 'static>;
    /// The exporter category (`ExporterCategory`); empty in a build without the engine.
    type Exporters: Category<Metadata = (), Registered = dyn Exporter, Instance: Exporter + Send + Sync + 'static>;

    /// The crates that declared implementations in this build, builtins first.
    fn crates() -> &'static [CrateInfo];
}
