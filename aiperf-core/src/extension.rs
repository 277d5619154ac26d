//! What an endpoint keeps for one response between its reads ([`ResponseExtension`]), held by
//! [`DecodeState`](crate::DecodeState) without core knowing its type.

/// What an endpoint keeps for one response between its reads, beside the framing's buffer (a
/// plugin keeps the template of the last event it read): a type of the endpoint's own, made
/// with `Default` for a response's first read and [`clear`](ResponseExtension::clear)ed for the
/// next response, its allocations kept.
pub trait ResponseExtension: std::any::Any + Send + Sync + Default {
    /// Empties it for the next response (by default, back to `Default`).
    fn clear(&mut self) {
        *self = Self::default();
    }
}

/// A [`ResponseExtension`] of any type.
pub(crate) trait ErasedExtension: std::any::Any + Send + Sync {
    fn clear_erased(&mut self);
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}

impl<T: ResponseExtension> ErasedExtension for T {
    fn clear_erased(&mut self) {
        self.clear();
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl std::fmt::Debug for dyn ErasedExtension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponseExtension")
    }
}
