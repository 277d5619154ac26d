//! `sticky-user-sessions`: each user session's own connection, which its turns reuse from the
//! first to the last (hyper's connection-level client: exactly one connection, as AIPerf 0.13's
//! connector of limit 1 per session). A turn takes its session's connection out of [`Leases`]
//! and puts it back only when it ended well and is not the session's last; otherwise (an error,
//! an unread end, a cancellation that drops the turn) the connection is dropped, which closes it.
//!
//! Leases live as long as their sessions are in flight: as many as the run's concurrency, plus
//! the sessions a stopped phase cut short (at most one per worker).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use http::header::HOST;
use http::uri::{Authority, PathAndQuery};
use http::{HeaderValue, Request, Response, Uri};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::TokioExecutor;
use tower_service::Service;

use super::body::SentBody;
use super::read_clock::ReadClock;
use super::{ConnectTimes, HttpConnect, TimedConnector};

/// The sessions' connections waiting for their next turns, by
/// [`SessionTurn::key`](aiperf_core::SessionTurn::key).
#[derive(Debug)]
pub struct Leases<C> {
    waiting: Mutex<HashMap<u64, C>>,
}

impl<C> Leases<C> {
    /// No session has a connection yet.
    pub fn new() -> Self {
        Self { waiting: Mutex::new(HashMap::new()) }
    }

    /// Session `key`'s connection, if an earlier turn kept one.
    pub fn take(&self, key: u64) -> Option<C> {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner).remove(&key)
    }

    /// Keeps `connection` for session `key`'s next turn.
    pub fn put(&self, key: u64, connection: C) {
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner).insert(key, connection);
    }
}

/// One connection of a session.
pub enum SessionConnection {
    /// HTTP/1.1: one request at a time.
    Http1(http1::SendRequest<SentBody>),
    /// HTTP/2 (prior knowledge or ALPN `h2`).
    Http2(http2::SendRequest<SentBody>),
}

/// A session's connection, and when it was set up.
pub struct Leased {
    /// The connection.
    pub connection: SessionConnection,
    /// Its setup.
    pub times: ConnectTimes,
    /// When it last read.
    pub clock: ReadClock,
}

impl std::fmt::Debug for Leased {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leased").field("times", &self.times).finish_non_exhaustive()
    }
}

/// Why a session's connection could not be opened: the connector's error, or the handshake's.
pub type OpenError = Box<dyn std::error::Error + Send + Sync>;

impl Leased {
    /// Opens a connection to `uri`'s server (HTTP/2 when `http2`); its driver runs on its own task
    /// until the connection is dropped or closed.
    pub async fn open<C: HttpConnect>(connector: &TimedConnector<C>, uri: &Uri, http2: bool) -> Result<Self, OpenError> {
        let mut connector = connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx)).await.map_err(Into::into)?;
        let io = connector.call(uri.clone()).await.map_err(Into::into)?;
        let (times, clock) = (io.times(), io.clock());
        let connection = if http2 {
            let (sender, driver) = http2::handshake(TokioExecutor::new(), io).await?;
            tokio::spawn(driver);
            SessionConnection::Http2(sender)
        } else {
            let (sender, driver) = http1::handshake(io).await?;
            tokio::spawn(driver);
            SessionConnection::Http1(sender)
        };
        Ok(Self { connection, times, clock })
    }

    /// The server or the network closed the connection.
    pub fn is_closed(&self) -> bool {
        match &self.connection {
            SessionConnection::Http1(sender) => sender.is_closed(),
            SessionConnection::Http2(sender) => sender.is_closed(),
        }
    }

    /// Sends `request` (its URI absolute, as the pooled client takes it) once the connection is
    /// ready for it.
    pub async fn send(&mut self, mut request: Request<SentBody>) -> Result<Response<Incoming>, hyper::Error> {
        match &mut self.connection {
            SessionConnection::Http1(sender) => {
                // HTTP/1.1 names the server in `Host` and the resource in origin form.
                let uri = request.uri();
                let host = uri.authority().map(Authority::as_str).and_then(|a| HeaderValue::from_str(a).ok());
                let origin =
                    Uri::try_from(uri.path_and_query().map_or("/", PathAndQuery::as_str)).unwrap_or_else(|_| Uri::from_static("/"));
                if let Some(host) = host {
                    request.headers_mut().entry(HOST).or_insert(host);
                }
                *request.uri_mut() = origin;
                sender.ready().await?;
                sender.send_request(request).await
            }
            SessionConnection::Http2(sender) => {
                sender.ready().await?;
                sender.send_request(request).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_keeps_what_its_turns_put_back() {
        let leases = Leases::new();
        assert_eq!(leases.take(7), None, "a first turn finds nothing");
        leases.put(7, "seven");
        leases.put(8, "eight");
        assert_eq!((leases.take(7), leases.take(7)), (Some("seven"), None), "a turn takes it out");
        assert_eq!(leases.take(8), Some("eight"), "sessions have their own");
    }
}
