//! The generic factory behind `EndpointFactory` and `TransportFactory`.
//!
//! The root crate's build script generates, per category, the name and implementation enums,
//! static tables and a [`Category`] impl whose `construct` is one `match`. Everything else (runtime
//! pins, listing, runtime registration, error messages) is written once here, over [`Category`].

mod category;
mod error;
mod lookup;
mod names;
mod selection;
mod state;
mod suggest;
mod url;

use std::marker::PhantomData;

pub use category::{Category, Factories, ImplDescriptor, NameEntry};
pub use error::{FactoryError, FactoryErrorKind};
pub use lookup::{ImplArg, NameArg, NameRef};
pub use selection::Selection;
pub use state::{FactoryState, PinGuard, RegisteredConstructor};

use crate::{ConfigError, ImplementationInfo, ModelEndpointInfo};

/// The factory of one category: `create_instance`, `use_implementation`, `list_implementations`.
///
/// Process-wide, like AIPerf's class-level factories: a pin set by `use_implementation` applies
/// to every thread until reset.
pub struct Factory<C: Category>(PhantomData<C>);

impl<C: Category> Factory<C> {
    /// Creates the selected implementation of `name` (typed name or `&str`).
    ///
    /// For a typed table name this costs one atomic load and one `match`: no map, no box, no lock.
    /// A string is matched against the table first; only a miss looks at runtime registrations.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] with the closest valid name, or [`FactoryErrorKind::Create`]
    /// when the implementation rejects `info`.
    #[inline]
    pub fn create_instance<'a>(name: impl NameArg<'a, C>, info: &ModelEndpointInfo) -> Result<C::Instance, FactoryError> {
        Self::create_with(name, info, Self::create_selected)
    }

    /// The process-wide choice for a table name: the pin if one is set, else the table's choice
    /// through [`Category::construct_default`].
    #[inline(always)]
    fn create_selected(name: C::Name, info: &ModelEndpointInfo) -> Result<C::Instance, FactoryError> {
        match C::state().pinned_index(C::name_index(name)) {
            None => C::construct_default(name, info).map_err(|source| Self::create_error(name, Self::entry(name).default, source)),
            Some(index) => Self::create_implementation(name, C::implementations()[index].implementation, info),
        }
    }

    /// Builds `imp` for `name`, naming both in the error.
    #[inline(always)]
    pub(crate) fn create_implementation(name: C::Name, imp: C::Impl, info: &ModelEndpointInfo) -> Result<C::Instance, FactoryError> {
        C::construct(imp, info).map_err(|source| Self::create_error(name, imp, source))
    }

    /// Resolves `name` (a string through the table's `match`, then runtime registrations) and
    /// hands a table name to `create`.
    #[inline(always)]
    pub(crate) fn create_with<'a>(
        name: impl NameArg<'a, C>,
        info: &ModelEndpointInfo,
        create: impl FnOnce(C::Name, &ModelEndpointInfo) -> Result<C::Instance, FactoryError>,
    ) -> Result<C::Instance, FactoryError> {
        let name = match name.name_ref() {
            NameRef::Table(name) => name,
            NameRef::Text(text) => match C::parse_name(text) {
                Some(name) => name,
                None => return C::state().create_registered(text, info),
            },
        };
        create(name, info)
    }

    #[cold]
    pub(crate) fn create_error(name: C::Name, imp: C::Impl, source: ConfigError) -> FactoryError {
        FactoryErrorKind::Create {
            category: C::CATEGORY,
            name: Self::entry(name).text.to_owned(),
            implementation: Self::descriptor(imp).class_name,
            source,
        }
        .into()
    }

    /// The implementation `create_instance` currently returns for `name`: the pin if one is set,
    /// else the table's choice.
    #[inline]
    pub fn selected(name: C::Name) -> C::Impl {
        match C::state().pinned_index(C::name_index(name)) {
            Some(index) => C::implementations()[index].implementation,
            None => Self::entry(name).default,
        }
    }

    /// The table's entry of `name`: its text, default implementation and metadata.
    #[inline]
    pub fn entry(name: C::Name) -> &'static NameEntry<C> {
        &C::names()[C::name_index(name)]
    }

    /// The table entry of a compiled-in implementation.
    pub fn descriptor(imp: C::Impl) -> &'static ImplDescriptor<C::Name, C::Impl> {
        &C::implementations()[C::impl_index(imp)]
    }

    /// Pins `name` to `implementation` for the whole process, e.g. to test a builtin in a build
    /// where a plugin overrides it. `implementation` is an implementation enum value or a type name
    /// (`"ChatEndpoint"`, or the full path).
    ///
    /// # Errors
    /// Unknown names or implementations, an implementation of another name, or a name that was
    /// registered at run time.
    pub fn use_implementation<'a, 'b>(name: impl NameArg<'a, C>, implementation: impl ImplArg<'b, C>) -> Result<(), FactoryError> {
        let (name, index) = Self::resolve_pin(name, implementation)?;
        C::state().set_pin(C::name_index(name), Some(index));
        Ok(())
    }

    /// Like [`Factory::use_implementation`], undone when the returned guard drops (restoring the
    /// previous pin, if any).
    ///
    /// # Errors
    /// As [`Factory::use_implementation`].
    pub fn scoped_implementation<'a, 'b>(
        name: impl NameArg<'a, C>,
        implementation: impl ImplArg<'b, C>,
    ) -> Result<PinGuard<C>, FactoryError> {
        let (name, index) = Self::resolve_pin(name, implementation)?;
        Ok(PinGuard::new(C::name_index(name), Some(index)))
    }

    /// Removes the pin of `name`: the table's choice applies again.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] for a name outside the table.
    pub fn reset_implementation<'a>(name: impl NameArg<'a, C>) -> Result<(), FactoryError> {
        let name = Self::table_name(name)?;
        C::state().set_pin(C::name_index(name), None);
        Ok(())
    }

    /// Removes every pin of this category.
    pub fn reset_all() {
        for entry in C::names() {
            C::state().set_pin(C::name_index(entry.name), None);
        }
    }

    /// Every implementation of `name`, the selected one first, then in the table's rank order.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] for a name neither in the table nor registered.
    pub fn list_implementations<'a>(name: impl NameArg<'a, C>) -> Result<Vec<ImplementationInfo>, FactoryError> {
        Self::list_implementations_with(name, Self::selected)
    }

    /// `list_implementations` with `selected` choosing each table name's implementation.
    pub(crate) fn list_implementations_with<'a>(
        name: impl NameArg<'a, C>,
        selected: impl Fn(C::Name) -> C::Impl,
    ) -> Result<Vec<ImplementationInfo>, FactoryError> {
        let name = match name.name_ref() {
            NameRef::Table(name) => name,
            NameRef::Text(text) => match C::parse_name(text) {
                Some(name) => name,
                None => return C::state().list_registered(text),
            },
        };
        Ok(Self::list_with(name, selected(name)))
    }

    /// The listing of `name` when `selected` is the implementation `create_instance` returns.
    fn list_with(name: C::Name, selected: C::Impl) -> Vec<ImplementationInfo> {
        let default = Self::entry(name).default;
        let mut list: Vec<ImplementationInfo> = C::implementations()
            .iter()
            .filter(|d| d.name == name)
            .map(|d| ImplementationInfo {
                name: Self::entry(name).text.to_owned(),
                class_name: d.class_name,
                type_path: d.type_path,
                description: d.description,
                is_plugin: d.is_plugin(),
                is_registered: false,
                plugin: d.origin.plugin,
                crate_info: Some(d.origin),
                priority: d.priority,
                is_selected: d.implementation == selected,
                is_default: d.implementation == default,
            })
            .collect();
        // Stable: the rest keep the table's rank order.
        list.sort_by_key(|info| !info.is_selected);
        list
    }

    /// Every name: the table's, then those registered at run time.
    pub fn names() -> Vec<String> {
        let mut names: Vec<String> = C::names().iter().map(|entry| entry.text.to_owned()).collect();
        names.extend(C::state().registered_names());
        names
    }

    /// The table metadata of `name` (or of its runtime registration).
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] for an unknown name.
    pub fn metadata<'a>(name: impl NameArg<'a, C>) -> Result<&'static C::Metadata, FactoryError> {
        match name.name_ref() {
            NameRef::Table(name) => Ok(&Self::entry(name).metadata),
            NameRef::Text(text) => match C::parse_name(text) {
                Some(name) => Ok(&Self::entry(name).metadata),
                None => C::state().registered_metadata(text),
            },
        }
    }

    /// Registers an implementation under a name that is not in the table. It is consulted only
    /// when the table's `match` misses, so table names keep their zero-cost path.
    ///
    /// # Errors
    /// [`FactoryErrorKind::AlreadyDefined`] when the name is in the table or already registered.
    pub fn register(
        name: &str,
        class_name: &'static str,
        description: &'static str,
        metadata: &'static C::Metadata,
        constructor: RegisteredConstructor<C>,
    ) -> Result<(), FactoryError> {
        if C::parse_name(name).is_some() {
            return Err(
                FactoryErrorKind::AlreadyDefined { category: C::CATEGORY, name: name.to_owned(), by: "the implementation table" }.into()
            );
        }
        C::state().register(name, class_name, description, metadata, constructor)
    }

    /// Resolves a string to a table name, with the usual unknown-name error.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`], or [`FactoryErrorKind::NotInTable`] for a runtime registration.
    pub fn table_name<'a>(name: impl NameArg<'a, C>) -> Result<C::Name, FactoryError> {
        match name.name_ref() {
            NameRef::Table(name) => Ok(name),
            NameRef::Text(text) => C::parse_name(text).ok_or_else(|| {
                if C::state().is_registered(text) {
                    FactoryErrorKind::NotInTable { category: C::CATEGORY, name: text.to_owned() }.into()
                } else {
                    Self::unknown_name(text)
                }
            }),
        }
    }

    pub(crate) fn unknown_name(text: &str) -> FactoryError {
        let valid = Self::names();
        FactoryErrorKind::UnknownName {
            category: C::CATEGORY,
            name: text.to_owned(),
            suggestion: suggest::closest(text, valid.iter().map(String::as_str)).map(str::to_owned),
            valid: valid.join(", "),
        }
        .into()
    }

    pub(crate) fn resolve_pin<'a, 'b>(
        name: impl NameArg<'a, C>,
        implementation: impl ImplArg<'b, C>,
    ) -> Result<(C::Name, usize), FactoryError> {
        let name = Self::table_name(name)?;
        let index = implementation.impl_index(name)?;
        let found = &C::implementations()[index];
        if found.name != name {
            return Err(FactoryErrorKind::WrongName {
                category: C::CATEGORY,
                implementation: found.class_name,
                provides: Self::entry(found.name).text,
                requested: Self::entry(name).text,
                valid: Self::class_names(name),
            }
            .into());
        }
        Ok((name, index))
    }

    /// The class names of the implementations of `name`, comma-separated.
    pub(crate) fn class_names(name: C::Name) -> String {
        let names: Vec<&str> = C::implementations().iter().filter(|d| d.name == name).map(|d| d.class_name).collect();
        names.join(", ")
    }
}

#[cfg(test)]
mod tests;
