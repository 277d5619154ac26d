//! A connector that times connection setup (name resolution, then TCP, and TLS for `https://`) and
//! attaches the times to the connection, so every response says whether its request waited for a
//! new connection and for what.

use std::cell::Cell;
use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::dns::{GaiAddrs, GaiResolver, Name};
use hyper_util::client::legacy::connect::{Connected, Connection};
use tower_service::Service;

use super::read_clock::ReadClock;

/// When a connection's setup began and ended; found in the extensions of its responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectTimes {
    /// Setup began.
    pub started: Instant,
    /// The connection was ready (TLS handshake included).
    pub ready: Instant,
    /// How long resolving the server's name took (zero for an IP address).
    pub dns: Duration,
}

tokio::task_local! {
    /// The name resolution time of the connection being set up in this task.
    static DNS: Cell<Duration>;
}

/// Resolves names as hyper's default resolver does, and reports how long it took to the
/// connection being set up ([`TimedConnector`] reads it).
#[derive(Clone, Debug)]
pub struct TimedResolver {
    inner: GaiResolver,
}

impl TimedResolver {
    /// A resolver over the system's (`getaddrinfo`, on a blocking thread).
    pub fn new() -> Self {
        Self { inner: GaiResolver::new() }
    }
}

impl Default for TimedResolver {
    fn default() -> Self {
        Self::new()
    }
}

impl Service<Name> for TimedResolver {
    type Response = GaiAddrs;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<GaiAddrs, std::io::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let resolving = self.inner.call(name);
        Box::pin(async move {
            let started = Instant::now();
            let resolved = resolving.await;
            let _ = DNS.try_with(|dns| dns.set(started.elapsed()));
            resolved
        })
    }
}

/// What a [`HyperTransport`](super::HyperTransport) connects with: a `tower` service from a URI
/// to a connection hyper can drive (TCP with TLS by default; a Unix socket, say, for another
/// transport). Implemented for every such service.
pub trait HttpConnect:
    Service<
        Uri,
        Response: Read + Write + Connection + Unpin + Send + 'static,
        Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Future: Send + 'static,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<C> HttpConnect for C where
    C: Service<
            Uri,
            Response: Read + Write + Connection + Unpin + Send + 'static,
            Error: Into<Box<dyn std::error::Error + Send + Sync>>,
            Future: Send + 'static,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// Wraps a connector; its connections carry their [`ConnectTimes`].
#[derive(Clone, Debug)]
pub struct TimedConnector<C> {
    inner: C,
}

impl<C> TimedConnector<C> {
    /// Times the connections `inner` opens.
    pub fn new(inner: C) -> Self {
        Self { inner }
    }
}

impl<C> Service<Uri> for TimedConnector<C>
where
    C: Service<Uri>,
    C::Future: Send + 'static,
    C::Response: Send + 'static,
{
    type Response = TimedIo<C::Response>;
    type Error = C::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let started = Instant::now();
        let connecting = self.inner.call(uri);
        // The resolver runs inside this future: it reports its time through the task-local.
        Box::pin(DNS.scope(Cell::new(Duration::ZERO), async move {
            let io = connecting.await?;
            let dns = DNS.with(Cell::get);
            Ok(TimedIo { io, times: ConnectTimes { started, ready: Instant::now(), dns }, clock: ReadClock::new() })
        }))
    }
}

/// A connection that knows when it was set up, and when it last read ([`ReadClock`]); both are in
/// the extensions of its responses.
#[derive(Debug)]
pub struct TimedIo<T> {
    io: T,
    times: ConnectTimes,
    clock: ReadClock,
}

impl<T> TimedIo<T> {
    /// When the connection was set up.
    pub fn times(&self) -> ConnectTimes {
        self.times
    }

    /// When it last read.
    pub fn clock(&self) -> ReadClock {
        self.clock.clone()
    }
}

impl<T: Connection> Connection for TimedIo<T> {
    fn connected(&self) -> Connected {
        self.io.connected().extra(self.times).extra(self.clock.clone())
    }
}

impl<T: Read + Unpin> Read for TimedIo<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: ReadBufCursor<'_>) -> Poll<std::io::Result<()>> {
        let read = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) {
            self.clock.mark();
        }
        read
    }
}

impl<T: Write + Unpin> Write for TimedIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}
