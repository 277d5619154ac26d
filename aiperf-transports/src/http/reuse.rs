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

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use aiperf_core::ConnectionReuse;
use http::Extensions;
use hyper_util::client::legacy::Error;

use super::ConnectTimes;

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

    /// Whether the next request gets a connection of its own.
    pub fn fresh(&self) -> bool {
        match self.strategy {
            ConnectionReuse::Never => true,
            ConnectionReuse::Pooled => self.server_closes.load(Ordering::Relaxed),
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
        let died = reused && !error.is_connect() && closed_before_response(error);
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
