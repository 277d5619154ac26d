//! Enum dispatch for the generated `AnyEndpoint` / `AnyTransport`: one variant per compiled-in
//! implementation plus `Registered` for runtime registrations, and trait impls that `match`.
//!
//! The build script writes one invocation per category; the expansion is defined here once, in
//! plain sight, instead of being repeated in every generated file.

/// Declares an enum over endpoint implementations that implements [`Endpoint`](crate::Endpoint)
/// by `match`, plus `implementation()` (the `Impl` enum value) and `as_<variant>()` accessors.
///
/// ```ignore
/// aiperf_core::any_endpoint! {
///     pub enum AnyEndpoint for EndpointImpl {
///         ChatEndpoint(aiperf_endpoints::ChatEndpoint),
///     }
/// }
/// ```
#[macro_export]
macro_rules! any_endpoint {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Any:ident for $Impl:ident {
            $( $(#[$vmeta:meta])* $Var:ident($Ty:ty) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $Any {
            $( $(#[$vmeta])* $Var($Ty), )*
            /// An endpoint registered at run time (boxed; only names outside the table).
            Registered(::std::boxed::Box<dyn $crate::Endpoint>),
        }

        $crate::__any_common!($Any, $Impl, $($Var($Ty)),*);

        impl $crate::Endpoint for $Any {
            #[inline]
            fn format_request(
                &self,
                request: &$crate::InferenceRequest,
            ) -> ::core::result::Result<$crate::FormattedRequest, $crate::EndpointError> {
                match self {
                    $( Self::$Var(inner) => inner.format_request(request), )*
                    Self::Registered(inner) => inner.format_request(request),
                }
            }

            #[inline]
            fn decode(
                &self,
                state: &mut $crate::DecodeState,
                at: ::std::time::Instant,
                bytes: &[u8],
                out: &mut $crate::ParsedResponse,
            ) -> ::core::result::Result<(), $crate::EndpointError> {
                match self {
                    $( Self::$Var(inner) => inner.decode(state, at, bytes, out), )*
                    Self::Registered(inner) => inner.decode(state, at, bytes, out),
                }
            }

            #[inline]
            fn finish(
                &self,
                state: &mut $crate::DecodeState,
                out: &mut $crate::ParsedResponse,
            ) -> ::core::result::Result<(), $crate::EndpointError> {
                match self {
                    $( Self::$Var(inner) => inner.finish(state, out), )*
                    Self::Registered(inner) => inner.finish(state, out),
                }
            }
        }
    };
}

/// Declares an enum over transport implementations that implements
/// [`Transport`](crate::Transport) by `match`; see [`any_endpoint!`](crate::any_endpoint).
#[macro_export]
macro_rules! any_transport {
    (
        $(#[$meta:meta])*
        $vis:vis enum $Any:ident for $Impl:ident {
            $( $(#[$vmeta:meta])* $Var:ident($Ty:ty) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $Any {
            $( $(#[$vmeta])* $Var($Ty), )*
            /// A transport registered at run time (boxed; only names outside the table).
            Registered(::std::boxed::Box<dyn $crate::DynTransport>),
        }

        $crate::__any_common!($Any, $Impl, $($Var($Ty)),*);

        impl $crate::Transport for $Any {
            fn send<'a>(
                &'a self,
                request: $crate::TransportRequest<'a>,
                sink: &'a mut dyn $crate::ChunkSink,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<$crate::TransportTiming, $crate::TransportError>,
            > + ::core::marker::Send + 'a {
                async move {
                    match self {
                        $( Self::$Var(inner) => $crate::Transport::send(inner, request, sink).await, )*
                        Self::Registered(inner) => inner.send_boxed(request, sink).await,
                    }
                }
            }
        }
    };
}

/// The parts both dispatch enums share: `implementation()`, `as_*()` accessors and `Debug`.
#[doc(hidden)]
#[macro_export]
macro_rules! __any_common {
    ($Any:ident, $Impl:ident, $($Var:ident($Ty:ty)),*) => {
        impl $Any {
            /// The table implementation this instance is; `None` for a runtime registration.
            #[inline]
            pub fn implementation(&self) -> ::core::option::Option<$Impl> {
                match self {
                    $( Self::$Var(_) => ::core::option::Option::Some($Impl::$Var), )*
                    Self::Registered(_) => ::core::option::Option::None,
                }
            }

            $crate::__private::paste! {
                $(
                    #[doc = concat!("The inner `", stringify!($Var), "`, if this instance is one.")]
                    #[allow(unreachable_patterns)]
                    pub fn [<as_ $Var:snake>](&self) -> ::core::option::Option<&$Ty> {
                        match self {
                            Self::$Var(inner) => ::core::option::Option::Some(inner),
                            _ => ::core::option::Option::None,
                        }
                    }
                )*
            }
        }

        impl ::core::fmt::Debug for $Any {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    $( Self::$Var(_) => f.write_str(stringify!($Var)), )*
                    Self::Registered(_) => f.write_str("Registered"),
                }
            }
        }
    };
}
