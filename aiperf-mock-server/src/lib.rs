//! A mock inference server for developing and testing against without a GPU.
//!
//! It answers the OpenAI-compatible API (`/v1/chat/completions`, `/v1/completions`,
//! `/v1/embeddings`), NIM's `/v1/ranking`, `/v1/models` and `/health` over HTTP/1.1 and h2c on one
//! port, with vLLM's exact bytes (from `aiperf_transports::openai_server`), driven by the
//! deterministic [`SimulatedEngine`](aiperf_transports::SimulatedEngine): configurable time to first
//! token, inter-token latency, output length, seed, and a rate of injected errors.
//!
//! Dependency rule: depends on `aiperf-core` and `aiperf-transports` (for the engine and the
//! server-side wire format); nothing depends on it but tests and users.

#![warn(missing_docs)]

mod config;
mod http;

use std::io;
use std::net::SocketAddr;

pub use config::MockConfig;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running mock server; dropping it (or [`MockServer::shutdown`]) stops it.
pub struct MockServer {
    http_addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl MockServer {
    /// Binds the listeners and starts serving in the background (on the current Tokio runtime).
    ///
    /// # Errors
    /// When a port cannot be bound.
    pub async fn start(config: MockConfig) -> io::Result<Self> {
        let (stop, stopped) = watch::channel(false);
        let (http_addr, http_task) = http::start(&config, stopped.clone()).await?;
        Ok(Self { http_addr, stop, tasks: vec![http_task] })
    }

    /// Where HTTP/1.1 and h2c are served.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The base URL of the HTTP API (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// Stops accepting and ends the serving tasks.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}
