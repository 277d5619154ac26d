//! Enum dispatch for the generated `AnyEndpoint` / `AnyTransport`.
//!
//! The build script writes each enum in plain sight (one variant per compiled-in implementation,
//! plus `Registered` for runtime registrations), then one line invoking a macro below that
//! implements the trait by `match`. The expansion is defined here once instead of being repeated
//! in every generated file.

/// Implements [`Endpoint`](crate::Endpoint) for an enum whose variants each hold an endpoint and
/// whose last variant is `Registered(Box<dyn Endpoint>)`; also adds `implementation()` and `Debug`.
///
/// ```ignore
/// pub enum AnyEndpoint { ChatEndpoint(aiperf_endpoints::ChatEndpoint), Registered(Box<dyn Endpoint>) }
/// aiperf_core::impl_any_endpoint!(AnyEndpoint for EndpointImpl [ChatEndpoint]);
/// ```
#[macro_export]
macro_rules! impl_any_endpoint {
    ($Any:ident for $Impl:ident [$($Var:ident),* $(,)?]) => {
        $crate::__impl_any_common!($Any for $Impl [$($Var),*]);

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
            fn text_request(
                &self,
                request: &$crate::InferenceRequest,
            ) -> ::core::result::Result<$crate::TextRequest, $crate::EndpointError> {
                match self {
                    $( Self::$Var(inner) => inner.text_request(request), )*
                    Self::Registered(inner) => inner.text_request(request),
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

            #[inline]
            fn request_headers(&self) -> &[(::std::string::String, ::std::string::String)] {
                match self {
                    $( Self::$Var(inner) => inner.request_headers(), )*
                    Self::Registered(inner) => inner.request_headers(),
                }
            }

            #[inline]
            fn auth(&self) -> $crate::Auth {
                match self {
                    $( Self::$Var(inner) => inner.auth(), )*
                    Self::Registered(inner) => inner.auth(),
                }
            }
        }
    };
}

/// Implements [`Transport`](crate::Transport) for an enum whose variants each hold a transport
/// and whose last variant is `Registered(Box<dyn DynTransport>)`; see
/// [`impl_any_endpoint!`](crate::impl_any_endpoint).
#[macro_export]
macro_rules! impl_any_transport {
    ($Any:ident for $Impl:ident [$($Var:ident),* $(,)?]) => {
        $crate::__impl_any_common!($Any for $Impl [$($Var),*]);

        impl $crate::Transport for $Any {
            fn send<'a>(
                &'a self,
                request: $crate::TransportRequest<'a>,
                sink: &'a mut dyn $crate::ResponseSink,
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

            fn request_form(&self) -> $crate::RequestForm {
                match self {
                    $( Self::$Var(inner) => $crate::Transport::request_form(inner), )*
                    Self::Registered(inner) => inner.request_form_dyn(),
                }
            }

            fn check(&self, request: $crate::TransportRequest<'_>) -> ::core::result::Result<(), $crate::TransportError> {
                match self {
                    $( Self::$Var(inner) => $crate::Transport::check(inner, request), )*
                    Self::Registered(inner) => inner.check_dyn(request),
                }
            }
        }
    };
}

/// Implements [`ArrivalPattern`](crate::ArrivalPattern) for a generated `AnyArrivalPattern`
/// (one `match`, as [`impl_any_endpoint!`] does).
#[macro_export]
macro_rules! impl_any_arrival_pattern {
    ($Any:ident for $Impl:ident [$($Var:ident),* $(,)?]) => {
        $crate::__impl_any_common!($Any for $Impl [$($Var),*]);

        impl $crate::ArrivalPattern for $Any {
            #[inline]
            fn gap(&self, rate: f64, uniform: &mut dyn FnMut() -> f64) -> f64 {
                match self {
                    $( Self::$Var(inner) => inner.gap(rate, uniform), )*
                    Self::Registered(inner) => inner.gap(rate, uniform),
                }
            }
        }
    };
}

/// Implements [`DatasetLoader`](crate::DatasetLoader) for a generated `AnyDatasetLoader` (one
/// `match`).
#[macro_export]
macro_rules! impl_any_dataset_loader {
    ($Any:ident for $Impl:ident [$($Var:ident),* $(,)?]) => {
        $crate::__impl_any_common!($Any for $Impl [$($Var),*]);

        impl $crate::DatasetLoader for $Any {
            fn load(
                &self,
                path: &::std::path::Path,
            ) -> ::core::result::Result<::std::vec::Vec<$crate::DatasetRequest>, $crate::DatasetError> {
                match self {
                    $( Self::$Var(inner) => inner.load(path), )*
                    Self::Registered(inner) => inner.load(path),
                }
            }
        }
    };
}

/// Implements [`Exporter`](crate::Exporter) for a generated `AnyExporter` (one `match`).
#[macro_export]
macro_rules! impl_any_exporter {
    ($Any:ident for $Impl:ident [$($Var:ident),* $(,)?]) => {
        $crate::__impl_any_common!($Any for $Impl [$($Var),*]);

        impl $crate::Exporter for $Any {
            fn export(&self, results: &$crate::Results<'_>) -> ::core::result::Result<::std::string::String, $crate::ExportError> {
                match self {
                    $( Self::$Var(inner) => inner.export(results), )*
                    Self::Registered(inner) => inner.export(results),
                }
            }
        }
    };
}

/// What both dispatch enums share: `implementation()` and `Debug`.
#[doc(hidden)]
#[macro_export]
macro_rules! __impl_any_common {
    ($Any:ident for $Impl:ident [$($Var:ident),*]) => {
        impl $Any {
            /// The table implementation this instance is; `None` for a runtime registration.
            #[inline]
            pub fn implementation(&self) -> ::core::option::Option<$Impl> {
                match self {
                    $( Self::$Var(_) => ::core::option::Option::Some($Impl::$Var), )*
                    Self::Registered(_) => ::core::option::Option::None,
                }
            }
        }

        impl ::core::fmt::Debug for $Any {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    $( Self::$Var(_) => f.write_str(::core::stringify!($Var)), )*
                    Self::Registered(_) => f.write_str("Registered"),
                }
            }
        }
    };
}
