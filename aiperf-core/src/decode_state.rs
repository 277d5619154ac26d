//! The state of one response's decoding ([`DecodeState`]): the framing's buffer, and what the
//! endpoint keeps between its reads ([`ResponseExtension`]), held without core knowing its type.

use std::time::Instant;

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

/// Per-response decoding state, owned by the caller and handed to every [`Endpoint::decode`](crate::Endpoint::decode).
#[derive(Debug, Default)]
pub struct DecodeState {
    /// HTTP status of the response (200 unless the transport said otherwise).
    pub status: u16,
    /// Whether the response is a stream of events (SSE) rather than one body.
    pub streaming: bool,
    /// Bytes received but not yet consumed (an unfinished event, or the whole body so far).
    pub buffer: Vec<u8>,
    /// How far into `buffer` an event scanner has already looked for a terminator.
    pub scanned: usize,
    /// Arrival time of the last bytes fed.
    pub last_at: Option<Instant>,
    /// Bytes fed so far (to recognise the start of a stream).
    pub received: u64,
    /// What the endpoint keeps for this response, of a type of its own
    /// ([`DecodeState::extension`]).
    extension: Option<Box<dyn ErasedExtension>>,
}

impl DecodeState {
    /// State for a new response with the given HTTP status.
    pub fn new(status: u16, streaming: bool) -> Self {
        Self { status, streaming, ..Self::default() }
    }

    /// Whether the status says the server refused or failed the request.
    pub fn is_error_status(&self) -> bool {
        !(200..300).contains(&self.status)
    }

    /// Empties the state for the next response, keeping the buffer's allocation.
    pub fn reset(&mut self, status: u16, streaming: bool) {
        self.status = status;
        self.streaming = streaming;
        self.buffer.clear();
        self.scanned = 0;
        self.last_at = None;
        self.received = 0;
        if let Some(extension) = &mut self.extension {
            extension.clear_erased();
        }
    }

    /// The endpoint's state of type `T` for this response: `T::default()` at the response's first
    /// read (and whenever another type was kept), what the previous reads left otherwise.
    pub fn extension<T: ResponseExtension>(&mut self) -> &mut T {
        let kept = self.extension.as_mut().is_some_and(|extension| extension.as_any_mut().is::<T>());
        if !kept {
            self.extension = Some(Box::new(T::default()));
        }
        let extension = self.extension.as_mut().map(|extension| extension.as_any_mut().downcast_mut::<T>());
        extension.flatten().expect("an extension of type T was just made")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plugin's state of one response.
    #[derive(Default)]
    struct Seen {
        events: Vec<u8>,
    }

    impl ResponseExtension for Seen {
        fn clear(&mut self) {
            self.events.clear();
        }
    }

    #[test]
    fn an_endpoint_keeps_its_own_state_for_one_response() {
        let mut state = DecodeState::new(200, true);
        state.extension::<Seen>().events.extend_from_slice(b"ab");
        state.extension::<Seen>().events.push(b'c');
        assert_eq!(state.extension::<Seen>().events, b"abc", "kept from one read to the next");
        state.reset(200, true);
        let seen = state.extension::<Seen>();
        assert!(seen.events.is_empty() && seen.events.capacity() >= 3, "cleared for the next response, its allocation kept");
        // Another type in the slot starts anew instead of failing.
        #[derive(Default)]
        struct Other(u64);
        impl ResponseExtension for Other {}
        assert_eq!(state.extension::<Other>().0, 0);
        assert!(state.extension::<Seen>().events.is_empty());
    }
}
