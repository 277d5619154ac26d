//! The `in_engine` transport: requests go to an [`Engine`] in this process.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aiperf_core::{
    ConfigError, FromModelEndpoint, ModelEndpointInfo, ResponseSink, Transport, TransportError, TransportRequest, TransportTiming,
};

use crate::{Engine, InEngineSettings, SimulatedEngine};
use aiperf_server::openai_server::{SinkWriter, serve};

/// Sends requests to an inference engine in this process, which answers in the wire format of
/// the request's path (OpenAI/vLLM), byte for byte, with the engine's own timing.
///
/// Built from a [`ModelEndpointInfo`] it runs a [`SimulatedEngine`] with `info.engine`'s settings;
/// [`InEngineTransport::with_engine`] plugs in any other [`Engine`].
#[derive(Clone)]
pub struct InEngineTransport {
    engine: Arc<dyn Engine>,
    default_model: String,
    timeout: Duration,
}

impl std::fmt::Debug for InEngineTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InEngineTransport")
            .field("default_model", &self.default_model)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl InEngineTransport {
    /// A transport over `engine`; `default_model` answers requests that name none.
    pub fn with_engine(engine: Arc<dyn Engine>, default_model: impl Into<String>, timeout: Duration) -> Self {
        Self { engine, default_model: default_model.into(), timeout }
    }
}

impl FromModelEndpoint for InEngineTransport {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    #[inline]
    fn from_model_endpoint(info: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        let settings = info.settings.get::<InEngineSettings>().cloned().unwrap_or_default();
        let engine = Arc::new(SimulatedEngine::new(settings));
        Ok(Self::with_engine(engine, info.primary_model()?, info.timeout))
    }
}

/// Notes when the response started and its first piece came, passing everything on.
struct Timed<'a> {
    inner: &'a mut dyn ResponseSink,
    response_start: Option<Instant>,
    first_byte: Option<Instant>,
}

impl ResponseSink for Timed<'_> {
    fn on_response(&mut self, status: u16, at: Instant) {
        self.response_start = Some(at);
        self.inner.on_response(status, at);
    }

    fn on_chunk(&mut self, at: Instant, bytes: &[u8]) -> std::ops::ControlFlow<()> {
        self.first_byte.get_or_insert(at);
        self.inner.on_chunk(at, bytes)
    }

    fn on_event(&mut self, at: Instant, event: aiperf_core::ResponseEvent<'_>) -> std::ops::ControlFlow<()> {
        self.first_byte.get_or_insert(at);
        self.inner.on_event(at, event)
    }
}

impl Transport for InEngineTransport {
    async fn send<'a>(&'a self, request: TransportRequest<'a>, sink: &'a mut dyn ResponseSink) -> Result<TransportTiming, TransportError> {
        let (body, _) = request.body.encoded("in_engine")?;
        let mut timing = TransportTiming::begin(Instant::now(), body.len());
        // In process, the request is with the engine as soon as it is given.
        sink.on_sent(timing.start);
        let mut timed = Timed { inner: sink, response_start: None, first_byte: None };
        let mut writer = SinkWriter(&mut timed);
        // The engine's future is large: boxed, so that the dispatch over every transport (whose
        // future is as large as its largest) keeps an HTTP request's state small.
        let serving = Box::pin(serve(&*self.engine, request.path, body, &self.default_model, &mut writer));
        let served = crate::deadline::within(self.timeout, async { Ok(serving.await) }).await?;
        (timing.response_start, timing.first_byte) = (timed.response_start, timed.first_byte);
        timing.end = Instant::now();
        timing.status = served.status;
        timing.bytes_received = served.bytes;
        timing.chunks = served.chunks;
        Ok(timing)
    }
}

#[cfg(test)]
mod tests;
