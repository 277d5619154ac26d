//! The one way to choose implementations at run time: a [`Selection`] value, held and passed
//! explicitly (the rustls pattern). It pins names to implementations (`--use`), registers
//! implementations under new names, and is scoped by its own lifetime: a copy with one more pin
//! ([`Selection::with_implementation`]) is a scoped pin. There is no process-wide mutable state:
//! [`Factory`] alone gives the table's compile-time choice, a `match` and nothing else.

use std::fmt;

use super::registry::{RegisteredConstructor, Registration, check_new};
use super::{Category, Factory, FactoryError, FactoryErrorKind, ImplArg, NameArg, NameRef};
use crate::{ImplementationInfo, ModelEndpointInfo};

/// Which implementation each name of category `C` gets (the table's choice unless pinned here),
/// and the implementations registered here under names outside the table.
pub struct Selection<C: Category> {
    /// Per name (by [`Category::name_index`]): the pinned implementation.
    pins: Vec<Option<C::Impl>>,
    registered: Vec<Registration<C>>,
}

impl<C: Category> Clone for Selection<C> {
    fn clone(&self) -> Self {
        Self { pins: self.pins.clone(), registered: self.registered.clone() }
    }
}

impl<C: Category> fmt::Debug for Selection<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let registered: Vec<&str> = self.registered.iter().map(|r| r.name.as_str()).collect();
        f.debug_struct("Selection").field("pins", &self.pins).field("registered", &registered).finish()
    }
}

impl<C: Category> Default for Selection<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Category> Selection<C> {
    /// No pins, no registrations: every name gets the table's choice.
    pub fn new() -> Self {
        Self { pins: vec![None; C::names().len()], registered: Vec::new() }
    }

    /// Pins `name` to `implementation` (an enum value, a type name or a full type path).
    ///
    /// # Errors
    /// Unknown names or implementations, an implementation of another name, or a name registered
    /// at run time (it has only one implementation).
    pub fn use_implementation<'a, 'b>(
        &mut self,
        name: impl NameArg<'a, C>,
        implementation: impl ImplArg<'b, C>,
    ) -> Result<&mut Self, FactoryError> {
        let (name, index) = self.resolve_pin(name, implementation)?;
        self.pins[C::name_index(name)] = Some(C::implementations()[index].implementation);
        Ok(self)
    }

    /// A copy of this selection with `name` pinned to `implementation`: a scoped pin, undone when
    /// the copy is dropped (this selection is untouched).
    ///
    /// # Errors
    /// As [`Selection::use_implementation`].
    pub fn with_implementation<'a, 'b>(
        &self,
        name: impl NameArg<'a, C>,
        implementation: impl ImplArg<'b, C>,
    ) -> Result<Self, FactoryError> {
        let mut scoped = self.clone();
        scoped.use_implementation(name, implementation)?;
        Ok(scoped)
    }

    /// Removes the pin of `name`: the table's choice applies again.
    ///
    /// # Errors
    /// An unknown name, or one registered at run time.
    pub fn reset_implementation<'a>(&mut self, name: impl NameArg<'a, C>) -> Result<&mut Self, FactoryError> {
        let name = self.table_name(name)?;
        self.pins[C::name_index(name)] = None;
        Ok(self)
    }

    /// Registers an implementation under a name that is not in the table. It is consulted only
    /// when the table's `match` misses, so table names keep their zero-cost path.
    ///
    /// # Errors
    /// [`FactoryErrorKind::AlreadyDefined`] when the name is in the table or already registered.
    pub fn register(
        &mut self,
        name: &str,
        class_name: &'static str,
        description: &'static str,
        metadata: &'static C::Metadata,
        constructor: RegisteredConstructor<C>,
    ) -> Result<&mut Self, FactoryError> {
        check_new(&self.registered, name)?;
        self.registered.push(Registration { name: name.to_owned(), class_name, description, metadata, constructor });
        Ok(self)
    }

    /// The implementation this selection gives a table name.
    #[inline]
    pub fn selected(&self, name: C::Name) -> C::Impl {
        self.pins[C::name_index(name)].unwrap_or_else(|| Factory::<C>::entry(name).default)
    }

    /// Creates the implementation this selection gives `name`: a table name's (pinned, else the
    /// table's choice), else a registration's.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] with the closest valid name, or [`FactoryErrorKind::Create`]
    /// when the implementation rejects `info`.
    #[inline]
    pub fn create_instance<'a>(&self, name: impl NameArg<'a, C>, info: &ModelEndpointInfo) -> Result<C::Instance, FactoryError> {
        match self.lookup(name)? {
            Found::Table(name) => Factory::<C>::create_implementation(name, self.selected(name), info),
            Found::Registered(registration) => registration.create(info),
        }
    }

    /// Every implementation of `name`, this selection's first, then in the table's rank order.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] for a name neither in the table nor registered.
    pub fn list_implementations<'a>(&self, name: impl NameArg<'a, C>) -> Result<Vec<ImplementationInfo>, FactoryError> {
        Ok(match self.lookup(name)? {
            Found::Table(name) => Factory::<C>::list_with(name, self.selected(name)),
            Found::Registered(registration) => vec![registration.info()],
        })
    }

    /// Every name: the table's, then those registered here.
    pub fn names(&self) -> Vec<String> {
        let mut names = Factory::<C>::names();
        names.extend(self.registered.iter().map(|r| r.name.clone()));
        names
    }

    /// The metadata of `name`: the table's, or its registration's.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] for an unknown name.
    pub fn metadata<'a>(&self, name: impl NameArg<'a, C>) -> Result<&'static C::Metadata, FactoryError> {
        Ok(match self.lookup(name)? {
            Found::Table(name) => &Factory::<C>::entry(name).metadata,
            Found::Registered(registration) => registration.metadata,
        })
    }

    /// Whether `name` is registered here (not in the table).
    pub fn is_registered(&self, name: &str) -> bool {
        self.registered.iter().any(|r| r.name == name)
    }

    /// `name` in the table or among the registrations.
    fn lookup<'a>(&self, name: impl NameArg<'a, C>) -> Result<Found<'_, C>, FactoryError> {
        match name.name_ref() {
            NameRef::Table(name) => Ok(Found::Table(name)),
            NameRef::Text(text) => match C::parse_name(text) {
                Some(name) => Ok(Found::Table(name)),
                None => self
                    .registered
                    .iter()
                    .find(|r| r.name == text)
                    .map(Found::Registered)
                    .ok_or_else(|| Factory::<C>::unknown_name_among(text, &self.names())),
            },
        }
    }

    /// A table name, with the errors of a registered or unknown one.
    fn table_name<'a>(&self, name: impl NameArg<'a, C>) -> Result<C::Name, FactoryError> {
        match self.lookup(name)? {
            Found::Table(name) => Ok(name),
            Found::Registered(r) => Err(FactoryErrorKind::NotInTable { category: C::CATEGORY, name: r.name.clone() }.into()),
        }
    }

    fn resolve_pin<'a, 'b>(
        &self,
        name: impl NameArg<'a, C>,
        implementation: impl ImplArg<'b, C>,
    ) -> Result<(C::Name, usize), FactoryError> {
        let name = self.table_name(name)?;
        Factory::<C>::resolve_pin(name, implementation)
    }
}

/// Where a name was found.
enum Found<'s, C: Category> {
    Table(C::Name),
    Registered(&'s Registration<C>),
}
