//! A mock inference server for developing and testing against without a GPU.
//!
//! It answers the OpenAI-compatible API (`/v1/chat/completions`, `/v1/completions`,
//! `/v1/embeddings`), NIM's `/v1/ranking`, `/v1/models` and `/health` over HTTP/1.1 and h2c on one
//! port, with vLLM's exact bytes (from `aiperf_server::openai_server`), driven by the
//! deterministic [`aiperf_server::SimulatedEngine`]: configurable time to first
//! token, inter-token latency, output length, seed, and a rate of injected errors. On a second
//! port it serves KServe v2 gRPC (`inference.GRPCInferenceService`) as Triton's vLLM backend does.
//! `GET /mock/requests` returns the last generation request bodies it received (64 at most).
//! `GET /mock/timings` reports its own time to first token (arrival to first streamed token
//! handed to the connection), to set a client's measurements against.
//!
//! Dependency rule: depends on `aiperf-core` and `aiperf-transports` (for the engine and the
//! server-side wire format); nothing depends on it but tests and users.

#![warn(missing_docs)]

mod config;
mod errors;
mod faults;
mod grpc;
mod http;
mod metrics;
mod requests;
mod timings;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use aiperf_server::{Engine, SimulatedEngine};
pub use config::MockConfig;
use errors::ErrorInjector;
pub use faults::{Fault, FaultSpec};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running mock server; dropping it (or [`MockServer::shutdown`]) stops it.
pub struct MockServer {
    http_addr: SocketAddr,
    grpc_addr: Option<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    requests: Arc<requests::RequestLog>,
}

impl MockServer {
    /// Binds the listeners and starts serving in the background (on the current Tokio runtime).
    ///
    /// # Errors
    /// When a port cannot be bound.
    pub async fn start(config: MockConfig) -> io::Result<Self> {
        let (stop, stopped) = watch::channel(false);
        let engine: Arc<dyn Engine> =
            Arc::new(SimulatedEngine::new(config.engine.clone()).with_max_model_len(config.max_model_len).with_precise_timer(true));
        let errors = Arc::new(ErrorInjector::new(config.error_rate, config.engine.seed));
        let requests = Arc::new(requests::RequestLog::default());
        // One page for both listeners: it counts every generation, over HTTP or gRPC.
        let metrics = Arc::new(metrics::Metrics::new());
        let (http_addr, http_task) =
            http::start(&config, Arc::clone(&engine), Arc::clone(&errors), Arc::clone(&requests), Arc::clone(&metrics), stopped.clone())
                .await?;
        let mut tasks = vec![http_task];
        let mut grpc_addr = None;
        if let Some(port) = config.grpc_port {
            let (addr, task) = grpc::start(&config, port, grpc::Shared { engine, errors, metrics }, stopped).await?;
            grpc_addr = Some(addr);
            tasks.push(task);
        }
        Ok(Self { http_addr, grpc_addr, stop, tasks, requests })
    }

    /// Where KServe v2 gRPC is served, if it was asked for.
    pub fn grpc_addr(&self) -> Option<SocketAddr> {
        self.grpc_addr
    }

    /// The gRPC URL (`grpc://127.0.0.1:PORT`), if gRPC is served.
    pub fn grpc_url(&self) -> Option<String> {
        self.grpc_addr.map(|addr| format!("grpc://{addr}"))
    }

    /// The last HTTP generation request bodies received (at most 64, each at most 256 KiB),
    /// oldest first; also served at `GET /mock/requests`.
    pub fn received(&self) -> Vec<bytes::Bytes> {
        self.requests.bodies()
    }

    /// Where HTTP/1.1 and h2c are served.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The base URL of the HTTP API (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// Stops accepting and ends the serving tasks (streams a client keeps open are cut after 2 s).
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for mut task in self.tasks.drain(..) {
            if tokio::time::timeout(std::time::Duration::from_secs(2), &mut task).await.is_err() {
                task.abort();
            }
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
