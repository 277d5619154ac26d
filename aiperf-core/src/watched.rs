//! [`exchange_watched`]: one request, as [`exchange_turn`] sends it, with an [`ExchangeWatch`]
//! told when its body was fully sent and when its response's first piece of content was parsed.
//! A load that limits the requests still waiting for their first token (AIPerf's
//! `--prefill-concurrency`) frees a place at the second; one that cancels requests mid-flight
//! (`--request-cancellation-delay`) starts its timer at the first.

use std::ops::ControlFlow;
use std::time::Instant;

use crate::transport::{Exchange, ResponseSink, SessionTurn, Transport, transport_request};
use crate::{Endpoint, PreparedRequest, ResponseCollector, ResponseEvent};

/// What a caller of [`exchange_watched`] is told of its request's progress. Both calls come from
/// within the exchange's future, at most once each.
pub trait ExchangeWatch: Send {
    /// The request was fully written at `at` (the transport's [`ResponseSink::on_sent`]), or,
    /// from a transport that does not say so, its response began at `at`.
    fn sent(&mut self, at: Instant) {
        let _ = at;
    }

    /// The first piece of text or reasoning of the response was parsed (never, when none comes).
    fn first_content(&mut self) {}
}

/// A collector that tells `watch` of the send and the first content.
struct Watched<'c, 'e, E: Endpoint + ?Sized> {
    collector: &'c mut ResponseCollector<'e, E>,
    watch: &'c mut dyn ExchangeWatch,
    sent: bool,
    content: bool,
}

impl<E: Endpoint + ?Sized> Watched<'_, '_, E> {
    fn check(&mut self, flow: ControlFlow<()>) -> ControlFlow<()> {
        if !self.content && self.collector.has_content() {
            self.content = true;
            self.watch.first_content();
        }
        flow
    }

    fn sent(&mut self, at: Instant) {
        if !self.sent {
            self.sent = true;
            self.watch.sent(at);
        }
    }
}

impl<E: Endpoint + ?Sized> ResponseSink for Watched<'_, '_, E> {
    fn on_sent(&mut self, at: Instant) {
        self.sent(at);
    }

    fn on_response(&mut self, status: u16, at: Instant) {
        // A response implies a request sent, for a transport that does not report it.
        self.sent(at);
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

/// [`exchange_turn`](crate::exchange_turn), telling `watch` when the request was sent and when
/// the first piece of text or reasoning of the response was parsed.
pub async fn exchange_watched<T: Transport, E: Endpoint + ?Sized>(
    transport: &T,
    endpoint: &E,
    path: &str,
    request: &PreparedRequest,
    request_id: Option<&str>,
    session: Option<SessionTurn>,
    watch: &mut dyn ExchangeWatch,
) -> Exchange {
    let mut collector = ResponseCollector::new(endpoint, request.streaming());
    let mut sink = Watched { collector: &mut collector, watch, sent: false, content: false };
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

    /// Counts the calls.
    #[derive(Default)]
    struct Count {
        sent: Vec<Instant>,
        content: usize,
    }

    impl ExchangeWatch for Count {
        fn sent(&mut self, at: Instant) {
            self.sent.push(at);
        }
        fn first_content(&mut self) {
            self.content += 1;
        }
    }

    #[test]
    fn each_call_comes_once_at_its_moment() {
        let mut collector = ResponseCollector::new(&Echo, true);
        let mut count = Count::default();
        let mut sink = Watched { collector: &mut collector, watch: &mut count, sent: false, content: false };
        let (sent, response) = (Instant::now(), Instant::now() + std::time::Duration::from_millis(1));
        sink.on_sent(sent);
        sink.on_response(200, response);
        let _ = sink.on_chunk(Instant::now(), b"");
        assert!(!sink.content, "nothing parsed yet");
        let _ = sink.on_chunk(Instant::now(), b"a");
        let _ = sink.on_chunk(Instant::now(), b"b");
        assert_eq!((count.sent, count.content), (vec![sent], 1), "the send reported, not the response");
    }

    #[test]
    fn a_transport_that_says_nothing_of_the_send_has_it_at_the_response() {
        let mut collector = ResponseCollector::new(&Echo, true);
        let mut count = Count::default();
        let mut sink = Watched { collector: &mut collector, watch: &mut count, sent: false, content: false };
        let at = Instant::now();
        sink.on_response(200, at);
        assert_eq!(count.sent, vec![at]);
    }
}
