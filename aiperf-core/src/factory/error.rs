//! Errors of the factory, with what a user needs to fix the call.

use crate::ConfigError;

/// Why the factory could not resolve, pin, list or create an implementation.
///
/// Boxed, so that `Result<Instance, FactoryError>` stays small on the `create_instance` path;
/// [`FactoryError::kind`] tells which case it is.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct FactoryError(Box<FactoryErrorKind>);

impl FactoryError {
    /// Which failure this is, with its details.
    pub fn kind(&self) -> &FactoryErrorKind {
        &self.0
    }
}

impl From<FactoryErrorKind> for FactoryError {
    #[cold]
    fn from(kind: FactoryErrorKind) -> Self {
        Self(Box::new(kind))
    }
}

/// The cases of [`FactoryError`].
#[derive(Debug, thiserror::Error)]
pub enum FactoryErrorKind {
    /// The name is neither in the table nor registered.
    #[error("unknown {category} '{name}'; {}valid: {valid}", did_you_mean(.suggestion.as_deref()))]
    UnknownName {
        /// `endpoint` or `transport`.
        category: &'static str,
        /// The name as given.
        name: String,
        /// The closest valid name, if one is close.
        suggestion: Option<String>,
        /// Every valid name, comma-separated.
        valid: String,
    },
    /// No compiled-in implementation has that type name.
    #[error(
        "unknown implementation '{implementation}' of {category} '{name}'; compiled in: {valid} \
         (a plugin's implementations exist only in builds that compile its crate in: a dependency \
         of a custom build, or one of aiperf's features such as nvidia-optimized)"
    )]
    UnknownImplementation {
        /// `endpoint` or `transport`.
        category: &'static str,
        /// The implementation as given.
        implementation: String,
        /// The name it was wanted for.
        name: &'static str,
        /// The implementations of that name, comma-separated.
        valid: String,
    },
    /// The implementation exists but serves another name.
    #[error("{implementation} implements {category} '{provides}', not '{requested}'; implementations of '{requested}': {valid}")]
    WrongName {
        /// `endpoint` or `transport`.
        category: &'static str,
        /// The implementation given.
        implementation: &'static str,
        /// The name it implements.
        provides: &'static str,
        /// The name it was wanted for.
        requested: &'static str,
        /// The implementations of the requested name.
        valid: String,
    },
    /// The name was registered at run time, so it has no table entry to pin or reset.
    #[error("{category} '{name}' was registered at run time and has a single implementation; pins apply to names of the table")]
    NotInTable {
        /// `endpoint` or `transport`.
        category: &'static str,
        /// The name.
        name: String,
    },
    /// `register` was called for a name that exists.
    #[error("cannot register {category} '{name}': the name is already defined by {by}")]
    AlreadyDefined {
        /// `endpoint` or `transport`.
        category: &'static str,
        /// The name.
        name: String,
        /// Where it is defined.
        by: &'static str,
    },
    /// The implementation rejected the options.
    #[error("cannot create {category} '{name}' ({implementation}): {source}")]
    Create {
        /// `endpoint` or `transport`.
        category: &'static str,
        /// The name.
        name: String,
        /// The implementation.
        implementation: &'static str,
        /// What it rejected.
        #[source]
        source: ConfigError,
    },
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map(|s| format!("did you mean '{s}'? ")).unwrap_or_default()
}
