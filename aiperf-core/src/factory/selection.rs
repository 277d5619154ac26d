//! A choice of implementations held and passed explicitly (the rustls pattern): the process-wide
//! pins of `use_implementation` stay the default, and code that wants its own choice (a run with
//! `--use`, a test, an embedder serving several configurations) carries a [`Selection`] instead,
//! with no global state and no lock.

use std::fmt;

use super::{Category, Factory, FactoryError, NameArg};
use crate::{ImplementationInfo, ModelEndpointInfo};

/// Which implementation each name of category `C` gets: the table's choice, unless pinned here.
pub struct Selection<C: Category> {
    /// Per name (by [`Category::name_index`]): the pinned implementation.
    pins: Vec<Option<C::Impl>>,
}

impl<C: Category> Clone for Selection<C> {
    fn clone(&self) -> Self {
        Self { pins: self.pins.clone() }
    }
}

impl<C: Category> fmt::Debug for Selection<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selection").field("pins", &self.pins).finish()
    }
}

impl<C: Category> Default for Selection<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Category> Selection<C> {
    /// No pins: every name gets the table's choice.
    pub fn new() -> Self {
        Self { pins: vec![None; C::names().len()] }
    }

    /// The process-wide pins as they are now.
    pub fn current() -> Self {
        Self {
            pins: C::names()
                .iter()
                .map(|entry| C::state().pinned_index(C::name_index(entry.name)).map(|i| C::implementations()[i].implementation))
                .collect(),
        }
    }

    /// Pins `name` to `implementation` (an enum value or a type name) in this selection only.
    ///
    /// # Errors
    /// As [`Factory::use_implementation`].
    pub fn use_implementation<'a, 'b>(
        &mut self,
        name: impl NameArg<'a, C>,
        implementation: impl super::ImplArg<'b, C>,
    ) -> Result<&mut Self, FactoryError> {
        let (name, index) = Factory::<C>::resolve_pin(name, implementation)?;
        self.pins[C::name_index(name)] = Some(C::implementations()[index].implementation);
        Ok(self)
    }

    /// The implementation this selection gives `name`.
    pub fn selected(&self, name: C::Name) -> C::Impl {
        self.pins[C::name_index(name)].unwrap_or_else(|| Factory::<C>::entry(name).default)
    }

    /// Creates the implementation this selection gives `name`; a name outside the table is looked
    /// up among runtime registrations, as [`Factory::create_instance`] does.
    ///
    /// # Errors
    /// As [`Factory::create_instance`].
    pub fn create_instance<'a>(&self, name: impl NameArg<'a, C>, info: &ModelEndpointInfo) -> Result<C::Instance, FactoryError> {
        Factory::<C>::create_with(name, info, |name, info| Factory::<C>::create_implementation(name, self.selected(name), info))
    }

    /// Every implementation of `name`, this selection's first.
    ///
    /// # Errors
    /// As [`Factory::list_implementations`].
    pub fn list_implementations<'a>(&self, name: impl NameArg<'a, C>) -> Result<Vec<ImplementationInfo>, FactoryError> {
        Factory::<C>::list_implementations_with(name, |name| self.selected(name))
    }
}
