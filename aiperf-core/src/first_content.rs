//! [`exchange_notifying`]: one request, as [`exchange_turn`] sends it, with a call as soon as its
//! response's first piece of content has been parsed. A load that limits the requests still
//! waiting for their first token (AIPerf's `--prefill-concurrency`) frees a place then.

use std::ops::ControlFlow;
use std::time::Instant;

use crate::transport::{Exchange, ResponseSink, SessionTurn, Transport, transport_request};
use crate::{Endpoint, PreparedRequest, ResponseCollector, ResponseEvent};

/// A collector that calls `first` once, when content first appears.
struct Notifying<'c, 'e, E: Endpoint + ?Sized> {
    collector: &'c mut ResponseCollector<'e, E>,
    first: Option<&'c mut (dyn FnMut() + Send)>,
}

impl<E: Endpoint + ?Sized> Notifying<'_, '_, E> {
    fn check(&mut self, flow: ControlFlow<()>) -> ControlFlow<()> {
        if self.first.is_some()
            && self.collector.has_content()
            && let Some(first) = self.first.take()
        {
            first();
        }
        flow
    }
}

impl<E: Endpoint + ?Sized> ResponseSink for Notifying<'_, '_, E> {
    fn on_response(&mut self, status: u16, at: Instant) {
        self.collector.on_response(status, at);
    }

    fn on_chunk(&mut self, at: Instant, bytes: &[u8]) -> ControlFlow<()> {
        let flow = self.collector.on_chunk(at, bytes);
        self.check(flow)
    }

    fn on_event(&mut self, at: Instant, event: ResponseEvent<'_>) -> ControlFlow<()> {
        let flow = self.collector.on_event(at, event);
        self.check(flow)
    }

    fn on_server_request_id(&mut self, id: &str) {
        self.collector.on_server_request_id(id);
    }
}

/// [`exchange_turn`](crate::exchange_turn), calling `first_content` once, as soon as the first
/// piece of text or reasoning of the response has been parsed (never, when none comes).
pub async fn exchange_notifying<T: Transport, E: Endpoint + ?Sized>(
    transport: &T,
    endpoint: &E,
    path: &str,
    request: &PreparedRequest,
    request_id: Option<&str>,
    session: Option<SessionTurn>,
    first_content: &mut (dyn FnMut() + Send),
) -> Exchange {
    let mut collector = ResponseCollector::new(endpoint, request.streaming());
    let mut sink = Notifying { collector: &mut collector, first: Some(first_content) };
    let timing = transport.send(transport_request(endpoint, path, request, request_id, session), &mut sink).await;
    let (response, decode_error) = collector.finish();
    Exchange { timing, response, decode_error }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DecodeState, EndpointError, FormattedRequest, InferenceRequest, ParsedResponse};

    /// Every chunk is one piece of content.
    struct Echo;

    impl Endpoint for Echo {
        fn format_request(&self, _: &InferenceRequest) -> Result<FormattedRequest, EndpointError> {
            Ok(FormattedRequest { body: Vec::new(), content_type: "text/plain", streaming: true })
        }
        fn decode(&self, _: &mut DecodeState, at: Instant, bytes: &[u8], out: &mut ParsedResponse) -> Result<(), EndpointError> {
            out.push_content(at, &String::from_utf8_lossy(bytes), "");
            Ok(())
        }
        fn finish(&self, _: &mut DecodeState, _: &mut ParsedResponse) -> Result<(), EndpointError> {
            Ok(())
        }
    }

    #[test]
    fn the_call_comes_once_with_the_first_content() {
        let mut collector = ResponseCollector::new(&Echo, true);
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let mut count = || {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        };
        let mut sink = Notifying { collector: &mut collector, first: Some(&mut count) };
        sink.on_response(200, Instant::now());
        let _ = sink.on_chunk(Instant::now(), b"");
        assert!(sink.first.is_some(), "nothing parsed yet");
        let _ = sink.on_chunk(Instant::now(), b"a");
        let _ = sink.on_chunk(Instant::now(), b"b");
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 1);
    }
}
