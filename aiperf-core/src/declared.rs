//! Proof that an implementation's crate declares its entries: [`Declared`], which only
//! [`declared!`](crate::declared) makes, and only in a crate whose build script called
//! `aiperf_build::declare()`. Every [`FromModelEndpoint`](crate::FromModelEndpoint) implementation
//! holds one, so a crate that forgot `declare()` fails to build, with a message saying what to
//! add, instead of silently providing nothing to the builds that compile it.

/// The crate that declared an implementation (its package name), as its build script told the
/// compiler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Declared(&'static str);

impl Declared {
    /// Made by [`declared!`](crate::declared) only.
    #[doc(hidden)]
    pub const fn __by(package: &'static str) -> Self {
        Self(package)
    }

    /// The package whose `[package.metadata.aiperf]` declares the implementation.
    pub const fn package(self) -> &'static str {
        self.0
    }
}

/// The [`Declared`] of the crate being compiled: `const DECLARED: Declared =
/// aiperf_core::declared!();` in each `FromModelEndpoint` implementation. It compiles only when
/// the crate's build script called `aiperf_build::declare()`, which sends the entries of its
/// `[package.metadata.aiperf]` to the builds that compile it:
///
/// ```compile_fail
/// // A crate whose build.rs does not call aiperf_build::declare():
/// const DECLARED: aiperf_core::Declared = aiperf_core::declared!();
/// ```
#[macro_export]
macro_rules! declared {
    () => {
        $crate::Declared::__by(::core::env!(
            "AIPERF_DECLARED",
            "this crate implements an aiperf plugin (an endpoint, transport, arrival pattern or exporter), but its build script did not call \
             aiperf_build::declare(), so its [package.metadata.aiperf] entries would reach no build: add \
             `aiperf-build` to [build-dependencies] and `fn main() { aiperf_build::declare(); }` to build.rs"
        ))
    };
}
