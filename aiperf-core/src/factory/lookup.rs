//! What the factory accepts as a name or an implementation: typed enums or strings.

use super::{Category, Factory, FactoryError, FactoryErrorKind};

/// A name handed to the factory: a typed table name, or text to look up.
pub enum NameRef<'a, C: Category> {
    /// A name of the table (`EndpointName::Chat`).
    Table(C::Name),
    /// Text: matched against the table, then against runtime registrations.
    Text(&'a str),
}

/// Anything the factory accepts as a name: the category's name enum, `&str`, `&String`.
pub trait NameArg<'a, C: Category> {
    /// The name as the factory resolves it.
    fn name_ref(self) -> NameRef<'a, C>;
}

impl<'a, C: Category> NameArg<'a, C> for NameRef<'a, C> {
    #[inline]
    fn name_ref(self) -> NameRef<'a, C> {
        self
    }
}

impl<'a, C: Category> NameArg<'a, C> for &'a str {
    #[inline]
    fn name_ref(self) -> NameRef<'a, C> {
        NameRef::Text(self)
    }
}

impl<'a, C: Category> NameArg<'a, C> for &'a String {
    #[inline]
    fn name_ref(self) -> NameRef<'a, C> {
        NameRef::Text(self.as_str())
    }
}

/// Anything the factory accepts as an implementation: the category's implementation enum, or a
/// type name (`"ChatEndpoint"`) or full type path (`"aiperf_endpoints::ChatEndpoint"`).
pub trait ImplArg<'a, C: Category> {
    /// Position of the implementation in [`Category::implementations`]; `name` is the name it is
    /// wanted for, used in error messages.
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownImplementation`] when no compiled-in implementation has this name.
    fn impl_index(self, name: C::Name) -> Result<usize, FactoryError>;
}

impl<'a, C: Category> ImplArg<'a, C> for &'a str {
    fn impl_index(self, name: C::Name) -> Result<usize, FactoryError> {
        C::implementations().iter().position(|d| d.class_name == self || d.type_path == self).ok_or_else(|| {
            FactoryErrorKind::UnknownImplementation {
                category: C::CATEGORY,
                implementation: self.to_owned(),
                name: Factory::<C>::entry(name).text,
                valid: Factory::<C>::class_names(name),
            }
            .into()
        })
    }
}

impl<'a, C: Category> ImplArg<'a, C> for &'a String {
    fn impl_index(self, name: C::Name) -> Result<usize, FactoryError> {
        <&str as ImplArg<'a, C>>::impl_index(self.as_str(), name)
    }
}
