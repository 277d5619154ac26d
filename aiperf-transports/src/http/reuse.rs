//! Which connection a request goes out on: a pooled one, or one of its own.
//!
//! Some servers close every connection after a streamed response while their headers still
//! advertise keep-alive (llama.cpp's `llama-server`). A request checked out of the pool just before
//! the server's close arrives is written into a dead connection and fails with no response. Such
//! a request is almost always one the server never read (a server that read it and then died
//! would not answer the resend either): [`Reuse::died_unread`] recognises it, the request is sent
//! again once on a new connection, and the transport takes it that the server closes after each
//! response, so that later requests each get a new connection and never race the close again.
//! HTTP/1.1 only: an HTTP/2 connection going away is hyper's to retry.
//!
//! With `sticky-user-sessions`, a session's turns go out on its own connection (`sticky.rs`), and
//! a request of no session on one of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use aiperf_core::{ConnectionReuse, SessionTurn};
use http::Extensions;
use hyper_util::client::legacy::Error;

use super::ConnectTimes;

/// Where a request goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// On any idle connection of the shared pool, or a new one that joins it.
    Pooled,
    /// On a connection of its own, closed after the response.
    Fresh,
    /// On its session's connection (`sticky-user-sessions`).
    Session(SessionTurn),
}

/// The strategy of a transport, and what it learned about the server.
#[derive(Debug)]
pub struct Reuse {
    strategy: ConnectionReuse,
    /// The server closed a pooled connection that a request had just been written into.
    server_closes: AtomicBool,
}

impl Reuse {
    /// Reuse as `strategy` says, until the server is seen to close its connections.
    pub fn new(strategy: ConnectionReuse) -> Self {
        Self { strategy, server_closes: AtomicBool::new(false) }
    }

    /// Which connection a request (a turn of `session`, if any) goes out on. Once the server is
    /// known to close after each response, every request gets its own: a session's connection
    /// would not outlive its turn either.
    pub fn route(&self, session: Option<SessionTurn>) -> Route {
        if self.server_closes.load(Ordering::Relaxed) {
            return Route::Fresh;
        }
        match (self.strategy, session) {
            (ConnectionReuse::Pooled, _) => Route::Pooled,
            (ConnectionReuse::Never, _) | (ConnectionReuse::StickyUserSessions, None) => Route::Fresh,
            (ConnectionReuse::StickyUserSessions, Some(turn)) => Route::Session(turn),
        }
    }

    /// Whether `error` is the end of a pooled connection, reused by a request that started at
    /// `start`, which the server had closed before reading the request: the connection was ready
    /// before the request began, and it ended before any byte of a response came back. When it
    /// is, the server is taken to close its connections after each response.
    pub fn died_unread(&self, error: &Error, start: Instant) -> bool {
        let reused = error.connect_info().is_some_and(|connected| {
            let mut extensions = Extensions::new();
            connected.get_extras(&mut extensions);
            extensions.get::<ConnectTimes>().is_some_and(|times| times.ready <= start)
        });
        self.learn(reused && !error.is_connect() && closed_before_response(error))
    }

    /// [`Reuse::died_unread`] for a session's connection (`reused` when it was ready before the
    /// request began).
    pub fn session_died_unread(&self, error: &hyper::Error, reused: bool) -> bool {
        self.learn(reused && closed_before_response(error))
    }

    /// A reused connection `died` unread: the server closes after each response.
    fn learn(&self, died: bool) -> bool {
        if died {
            self.server_closes.store(true, Ordering::Relaxed);
        }
        died
    }
}

/// Whether the cause of `error` is the connection ending before a response head: hyper's
/// "connection closed before message completed", or a reset or broken pipe from the socket.
fn closed_before_response(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(cause) = source {
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>()
            && (hyper.is_incomplete_message() || hyper.is_canceled())
        {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
            return matches!(io.kind(), BrokenPipe | ConnectionAborted | ConnectionReset | UnexpectedEof);
        }
        source = cause.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_strategy_routes_as_aiperf_does_until_the_server_closes() {
        let turn = SessionTurn { key: 3, last: false };
        let routes = |strategy| {
            let reuse = Reuse::new(strategy);
            let before = [reuse.route(None), reuse.route(Some(turn))];
            reuse.server_closes.store(true, Ordering::Relaxed);
            (before, reuse.route(Some(turn)))
        };
        assert_eq!(routes(ConnectionReuse::Pooled), ([Route::Pooled, Route::Pooled], Route::Fresh));
        assert_eq!(routes(ConnectionReuse::Never), ([Route::Fresh, Route::Fresh], Route::Fresh));
        assert_eq!(routes(ConnectionReuse::StickyUserSessions), ([Route::Fresh, Route::Session(turn)], Route::Fresh));
    }
}
