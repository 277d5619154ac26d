//! Choosing a transport from a URL: the `url_schemes` each transport declares.

use super::{Category, Factory, FactoryError, FactoryErrorKind};
use crate::TransportMetadata;

impl<C: Category<Metadata = TransportMetadata>> Factory<C> {
    /// The transport name whose `url_schemes` include `scheme` (compared without case).
    pub fn for_url_scheme(scheme: &str) -> Option<C::Name> {
        C::names().iter().find(|entry| entry.metadata.url_schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme))).map(|entry| entry.name)
    }

    /// The transport a `--url` selects by its scheme (a URL typed without one was given `http` by
    /// [`parse_server_url`](crate::parse_server_url)); no URL at all is the in-process engine
    /// (`in-engine`).
    ///
    /// # Errors
    /// [`FactoryErrorKind::UnknownName`] (category "URL scheme") listing the schemes of this build.
    pub fn for_url(url: Option<&url::Url>) -> Result<C::Name, FactoryError> {
        let scheme = url.map_or("in-engine", url::Url::scheme);
        Self::for_url_scheme(scheme).ok_or_else(|| {
            let valid: Vec<&str> = C::names().iter().flat_map(|entry| entry.metadata.url_schemes.iter().copied()).collect();
            FactoryErrorKind::UnknownName {
                category: "URL scheme",
                suggestion: None,
                valid: format!("{} (or name a {} with --transport)", valid.join(", "), C::CATEGORY),
                name: scheme.to_ascii_lowercase(),
            }
            .into()
        })
    }
}
