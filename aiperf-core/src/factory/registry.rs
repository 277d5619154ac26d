//! Implementations registered at run time under names outside the table: held by a
//! [`Selection`](super::Selection), consulted only when the table's `match` misses.

use super::{Category, FactoryError, FactoryErrorKind};
use crate::{ConfigError, ImplementationInfo, ModelEndpointInfo};

/// Constructor of a runtime-registered implementation.
pub type RegisteredConstructor<C> = fn(&ModelEndpointInfo) -> Result<Box<<C as Category>::Registered>, ConfigError>;

/// One implementation registered at run time.
pub(crate) struct Registration<C: Category> {
    pub name: String,
    pub class_name: &'static str,
    pub description: &'static str,
    pub metadata: &'static C::Metadata,
    pub constructor: RegisteredConstructor<C>,
}

impl<C: Category> Clone for Registration<C> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            class_name: self.class_name,
            description: self.description,
            metadata: self.metadata,
            constructor: self.constructor,
        }
    }
}

impl<C: Category> Registration<C> {
    /// Builds it for `info`.
    #[cold]
    #[inline(never)]
    pub fn create(&self, info: &ModelEndpointInfo) -> Result<C::Instance, FactoryError> {
        (self.constructor)(info).map(C::from_registered).map_err(|source| {
            FactoryErrorKind::Create { category: C::CATEGORY, name: self.name.clone(), implementation: self.class_name, source }.into()
        })
    }

    /// Its listing: the one implementation of its name.
    pub fn info(&self) -> ImplementationInfo {
        ImplementationInfo {
            name: self.name.clone(),
            class_name: self.class_name,
            type_path: self.class_name,
            description: self.description,
            is_plugin: false,
            is_registered: true,
            plugin: None,
            crate_info: None,
            priority: 0,
            is_selected: true,
            is_default: true,
        }
    }
}

/// Checks that `name` may be registered beside `registered`.
pub(crate) fn check_new<C: Category>(registered: &[Registration<C>], name: &str) -> Result<(), FactoryError> {
    let by = if C::parse_name(name).is_some() {
        "the implementation table"
    } else if registered.iter().any(|r| r.name == name) {
        "an earlier registration"
    } else {
        return Ok(());
    };
    Err(FactoryErrorKind::AlreadyDefined { category: C::CATEGORY, name: name.to_owned(), by }.into())
}
