//! The generic factory behind `EndpointFactory` and `TransportFactory`.
//!
//! The root crate's build script generates, per category, the name and implementation enums,
//! static tables and a [`Category`] impl whose `construct` is one `match`. Everything else is
//! written once here, over [`Category`]: [`Factory`], the table's compile-time choice and its
//! listing, with no mutable state; and [`Selection`], the one way to choose otherwise at run time
//! (pins, scoped pins, registrations), a value passed explicitly.

mod category;
mod error;
mod lookup;
mod names;
mod registry;
mod selection;
mod suggest;
mod url;

use std::marker::PhantomData;

pub use category::{Category, Factories, ImplDescriptor, NameEntry};
pub use error::{FactoryError, FactoryErrorKind};
pub use lookup::{ImplArg, NameArg, NameRef};
pub use registry::RegisteredConstructor;
pub use selection::Selection;

use crate::{ConfigError, ImplementationInfo, ModelEndpointInfo};

/// The factory of one category, over the table alone: `create_instance` builds the table's
/// choice for a name (the best-ranked implementation compiled in), `list_implementations` and
/// `metadata` read the static tables. Nothing here changes at run time; a different choice is a
/// [`Selection`].
pub struct Factory<C: Category>(PhantomData<C>);

impl<C: Category> Factory<C> {
    /// Creates the table's choice for `name` (typed name or `&str`).
    ///
    /// For a typed table name this is one `match`: no map, no box, no lock, no atomic.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] with the closest valid name, or [`FactoryErrorKind::Create`]
    /// when the implementation rejects `info`.
    #[inline]
    pub fn create_instance<'a>(name: impl NameArg<'a, C>, info: &ModelEndpointInfo) -> Result<C::Instance, FactoryError> {
        let name = Self::table_name(name)?;
        C::construct_default(name, info).map_err(|source| Self::create_error(name, Self::entry(name).default, source))
    }

    /// Builds `imp` for `name`, naming both in the error.
    #[inline(always)]
    pub(crate) fn create_implementation(name: C::Name, imp: C::Impl, info: &ModelEndpointInfo) -> Result<C::Instance, FactoryError> {
        C::construct(imp, info).map_err(|source| Self::create_error(name, imp, source))
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

    /// The table's entry of `name`: its text, default implementation and metadata.
    #[inline]
    pub fn entry(name: C::Name) -> &'static NameEntry<C> {
        &C::names()[C::name_index(name)]
    }

    /// The table entry of a compiled-in implementation.
    pub fn descriptor(imp: C::Impl) -> &'static ImplDescriptor<C::Name, C::Impl> {
        &C::implementations()[C::impl_index(imp)]
    }

    /// Every implementation of `name`, the table's choice first, then in the table's rank order.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] for a name outside the table.
    pub fn list_implementations<'a>(name: impl NameArg<'a, C>) -> Result<Vec<ImplementationInfo>, FactoryError> {
        let name = Self::table_name(name)?;
        Ok(Self::list_with(name, Self::entry(name).default))
    }

    /// The listing of `name` when `selected` is the implementation `create_instance` returns.
    pub(crate) fn list_with(name: C::Name, selected: C::Impl) -> Vec<ImplementationInfo> {
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

    /// Every name of the table.
    pub fn names() -> Vec<String> {
        C::names().iter().map(|entry| entry.text.to_owned()).collect()
    }

    /// The table metadata of `name`.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] for a name outside the table.
    pub fn metadata<'a>(name: impl NameArg<'a, C>) -> Result<&'static C::Metadata, FactoryError> {
        Ok(&Self::entry(Self::table_name(name)?).metadata)
    }

    /// Resolves a string to a table name, with the usual unknown-name error.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] with the closest valid name.
    pub fn table_name<'a>(name: impl NameArg<'a, C>) -> Result<C::Name, FactoryError> {
        match name.name_ref() {
            NameRef::Table(name) => Ok(name),
            NameRef::Text(text) => C::parse_name(text).ok_or_else(|| Self::unknown_name_among(text, &Self::names())),
        }
    }

    /// The error of an unknown name `text`, listing `valid` and suggesting the closest.
    #[cold]
    pub(crate) fn unknown_name_among(text: &str, valid: &[String]) -> FactoryError {
        FactoryErrorKind::UnknownName {
            category: C::CATEGORY,
            name: text.to_owned(),
            suggestion: suggest::closest(text, valid.iter().map(String::as_str)).map(str::to_owned),
            valid: valid.join(", "),
        }
        .into()
    }

    /// The implementation `implementation` names, checked to implement `name`.
    pub(crate) fn resolve_pin<'b>(name: C::Name, implementation: impl ImplArg<'b, C>) -> Result<(C::Name, usize), FactoryError> {
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
