//! The request path: one request end to end. The issuer hands it a [`Ticket`] (which request,
//! when it was due) and the request made ready; it sends it through the transport, parses the
//! response with the endpoint, measures it into a [`RequestRecord`] and sends that to the
//! collector. Nothing else of a request's life is here: when it goes is the issuer's.

mod cut;
mod delivery;
mod in_flight;
mod tally;

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use aiperf_core::{Endpoint, EndpointError, Exchange, RequestForm, SessionTurn, Transport, exchange_turn, exchange_watched};
use tokio::sync::{OwnedSemaphorePermit, mpsc};

use delivery::Delivery;
pub use tally::Tally;

use super::clock::WallClock;
use super::record::{Cut, Measure, Outcome, Phase, RequestRecord};
use super::source::{Inputs, Prepared, Ready};
use super::tokenizer::Tokenizer;
pub use in_flight::InFlightStarts;

/// Where requests' records go: to the collector, through a bounded channel. Boxed: a record is
/// close to a kilobyte, and on its way (the request's task, the delivery, the channel's slot,
/// the collector) each move of it inline was a `memcpy`, ten a request; boxed it is copied once.
pub type RecordSender = mpsc::Sender<Box<RequestRecord>>;

/// Records the collector may be behind before requests wait for it, for `concurrency` requests
/// in flight (`None`: a request rate with no bound): four per request in flight, from 256 to 4096.
/// Bounded, so that a disk that stalls the JSONL file slows the load instead of filling memory
/// with records (about 2 KiB each with their allocations). Sized by the concurrency, because at
/// concurrency 256 a backlog of 256 made requests wait for the collector after bursts (10% more
/// CPU per request, 10% fewer requests/s than with 1024), while at concurrency 32 a backlog of
/// 1024, filled once in a long run, raised its peak memory by 2 MiB.
pub fn record_backlog(concurrency: Option<usize>) -> usize {
    concurrency.map_or(1024, |c| c.saturating_mul(4).clamp(256, 4096))
}

/// Everything a request needs, shared by all tasks. Generic over the build's endpoint and
/// transport types (the generated `AnyEndpoint` / `AnyTransport`), so calls are enum dispatch.
pub struct RequestPath<E, T> {
    endpoint: E,
    transport: T,
    /// Path on the server.
    path: String,
    /// The dataset: entries formatted before the run, or trace rows formatted as they are sent.
    inputs: Inputs,
    /// How records count tokens.
    measure: MeasureOptions,
    /// The start times of the profiled requests whose records are not sent yet (the
    /// time-weighted metrics wait for them).
    in_flight: Arc<InFlightStarts>,
    /// The current phase's ended requests, and the failure limit.
    tally: Arc<Tally>,
    /// The run's wall clock.
    clock: WallClock,
}

/// How a record counts tokens.
#[derive(Clone, Debug)]
pub struct MeasureOptions {
    /// Tokenizer for output lengths.
    pub tokenizer: Arc<Tokenizer>,
    /// Take token counts from usage.
    pub use_server_token_count: bool,
    /// Whether the endpoint produces tokens.
    pub produces_tokens: bool,
    /// Keep each request's HTTP trace (`--export-http-trace`).
    pub http_trace: bool,
}

impl<E: Endpoint, T: Transport> RequestPath<E, T> {
    /// The path of `inputs`, sent by `endpoint` over `transport` to `path` on the server.
    pub fn new(endpoint: E, transport: T, path: String, inputs: Inputs, measure: MeasureOptions, tally: Tally) -> Self {
        let (in_flight, tally, clock) = (Arc::new(InFlightStarts::default()), Arc::new(tally), WallClock::now());
        Self { endpoint, transport, path, inputs, measure, in_flight, tally, clock }
    }

    /// The inputs it sends.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// The starts of profiled requests whose records are not out yet.
    pub fn in_flight(&self) -> &Arc<InFlightStarts> {
        &self.in_flight
    }

    /// The current phase's count of ended requests.
    pub fn tally(&self) -> &Arc<Tally> {
        &self.tally
    }

    /// The run's wall clock: every record's wall-clock times come from it.
    pub fn clock(&self) -> WallClock {
        self.clock
    }

    /// The endpoint, which formats a session's turns.
    pub fn endpoint(&self) -> &E {
        &self.endpoint
    }

    /// The form the transport carries requests in.
    pub fn form(&self) -> RequestForm {
        self.transport.request_form()
    }

    /// Entry `conversation` made ready to send.
    pub fn ready(&self, conversation: usize) -> Result<Ready, EndpointError> {
        self.inputs.ready(conversation, &self.endpoint, self.transport.request_form())
    }

    /// Sends a request made ready before (an entry's body is formatted before the run, a trace
    /// row's or a session turn's when it is built), measures it and sends its record to
    /// `records`: nothing but the transport and parsing stands between issue and response.
    /// Returns how it ended: with the response's text when it succeeded (a session's next turn
    /// carries it). A request that could not be built is a failed record. One the ticket says to
    /// cancel is cut its delay after it was sent (dropped mid-flight: the transport closes its
    /// connection or resets its stream) unless it ended before. If the task is aborted
    /// mid-request (the Ctrl-C grace period ended), a cancelled record is sent instead: no
    /// request goes unaccounted.
    ///
    /// `prefill`: a place among the requests still waiting for their first token
    /// (`--prefill-concurrency`), given back as soon as the response's first content is parsed
    /// (or when the request ends without any).
    pub async fn send_ready(
        &self,
        ticket: Ticket,
        ready: Result<Ready, EndpointError>,
        records: &RecordSender,
        prefill: Option<OwnedSemaphorePermit>,
    ) -> Ended {
        let ready = match ready {
            Ok(ready) => ready,
            Err(error) => {
                let record = RequestRecord::unbuilt(ticket.index, ticket.phase, ticket.conversation, ticket.worker, &error);
                self.finished(ticket.tag(Box::new(record)), false, records).await;
                return Ended::Failed;
            }
        };
        let Prepared { input_tokens, request: formatted, max_tokens } = self.inputs.get(&ready);
        let (index, phase) = (ticket.index, ticket.phase);
        // `profiling-17`: the record's `x_request_id` (built without the formatting machinery).
        let request_id = [phase.as_str(), "-", itoa::Buffer::new().format(index)].concat();
        let started = Instant::now();
        let started_wall = self.clock.at(started);
        if phase == Phase::Profiling {
            self.in_flight.started(started);
        }
        let mut in_flight = InFlight { path: self, records: Some(records), ticket, started, started_wall };
        let session = in_flight.ticket.turn.as_ref().map(|tag| tag.turn);
        let cancel_after = in_flight.ticket.cancel_after;
        let exchanged = if prefill.is_none() && cancel_after.is_none() {
            Some(exchange_turn(&self.transport, &self.endpoint, &self.path, formatted, Some(&request_id), session).await)
        } else {
            let signal = cut::SentSignal::default();
            let mut watch = cut::Watch { prefill, sent: cancel_after.is_some().then_some(&signal) };
            let exchange = exchange_watched(&self.transport, &self.endpoint, &self.path, formatted, Some(&request_id), session, &mut watch);
            match cancel_after {
                None => Some(exchange.await),
                Some(delay) => tokio::select! {
                    biased;
                    exchange = exchange => Some(exchange),
                    () = signal.elapsed(delay) => None,
                },
            }
        };
        let ticket = in_flight.disarm();
        let measure = Measure {
            tokenizer: &self.measure.tokenizer,
            use_server_token_count: self.measure.use_server_token_count,
            produces_tokens: self.measure.produces_tokens,
            streaming: formatted.streaming(),
            trace: self.measure.http_trace,
        };
        let Some(Exchange { timing, mut response, decode_error }) = exchanged else {
            // Cut: the exchange was dropped mid-flight, closing its connection.
            let cut =
                Cut { started, started_wall, credit: ticket.credit, input_tokens: *input_tokens, delay: cancel_after.unwrap_or_default() };
            let record = ticket.tag(Box::new(measure.cut(index, phase, ticket.conversation, ticket.worker, cut)));
            self.finished(record, true, records).await;
            return Ended::Cancelled;
        };
        let (scheduled, credit, max_tokens) = (ticket.scheduled, ticket.credit, *max_tokens);
        let outcome = Outcome {
            timing,
            response: &response,
            decode_error,
            input_tokens: *input_tokens,
            started,
            started_wall,
            scheduled,
            credit,
            max_tokens,
        };
        let record = ticket.tag(Box::new(measure.record(index, phase, ticket.conversation, ticket.worker, outcome)));
        let ended = if record.error.is_none() { Ended::Replied(std::mem::take(&mut response.text)) } else { Ended::Failed };
        self.finished(record, true, records).await;
        ended
    }

    /// Counts `record`, checks the failure limit and sends it (waiting while the collector is
    /// [`record_backlog`] records behind); then, for a request that was `registered` in flight,
    /// says its record is out (only then may the sweep pass its start).
    async fn finished(&self, record: Box<RequestRecord>, registered: bool, records: &RecordSender) {
        self.delivery(record, registered, records).send().await;
    }

    /// `record`, counted, ready to go to the collector (see [`Delivery`]).
    fn delivery<'r>(&self, record: Box<RequestRecord>, registered: bool, records: &'r RecordSender) -> Delivery<'r> {
        self.tally.count(&record);
        let release = (registered && record.phase == Phase::Profiling).then(|| (Arc::clone(&self.in_flight), record.started));
        Delivery { record: Some(record), records, release }
    }
}

/// How a request ended, for what follows it (a session's next turn).
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    /// It succeeded, with the response's text.
    Replied(String),
    /// It failed.
    Failed,
    /// The client cancelled it mid-flight (`--request-cancellation-rate`): a user who closed the
    /// tab, whose session goes no further.
    Cancelled,
}

impl Ended {
    /// The response's text, when it succeeded.
    pub fn reply(self) -> Option<String> {
        match self {
            Self::Replied(text) => Some(text),
            Self::Failed | Self::Cancelled => None,
        }
    }
}

/// Which request is sent, by whom, and when it was due.
#[derive(Clone, Debug)]
pub struct Ticket {
    /// Position in its phase.
    pub index: u64,
    /// Warmup or profiling.
    pub phase: Phase,
    /// Worker (concurrency slot) or dispatch task.
    pub worker: usize,
    /// The entry (or session) it sends.
    pub conversation: usize,
    /// When a fixed schedule wanted it sent.
    pub scheduled: Option<Instant>,
    /// When the scheduler decided to send it: a worker was free, a rate's or a schedule's time came.
    pub credit: Instant,
    /// The session and turn, for a session's request.
    pub turn: Option<TurnTag>,
    /// How long after its send the client cancels it, if it is one it cancels.
    pub cancel_after: Option<std::time::Duration>,
}

/// A session's request: which session, which turn.
#[derive(Clone, Debug)]
pub struct TurnTag {
    /// The session's id.
    pub session: Arc<str>,
    /// 0-based turn.
    pub index: u32,
    /// Which session it is to the transport (a session sent twice is two), and whether this is
    /// its last turn.
    pub turn: SessionTurn,
}

impl Ticket {
    /// `record` with this ticket's session and turn.
    fn tag(&self, mut record: Box<RequestRecord>) -> Box<RequestRecord> {
        if let Some(turn) = &self.turn {
            record.session_id = Some(Arc::clone(&turn.session));
            record.turn_index = turn.index;
        }
        record
    }
}

/// A request on its way; dropped before it completes, it reports a cancelled record.
struct InFlight<'a, E: Endpoint, T: Transport> {
    path: &'a RequestPath<E, T>,
    records: Option<&'a RecordSender>,
    ticket: Ticket,
    started: Instant,
    started_wall: SystemTime,
}

impl<E: Endpoint, T: Transport> InFlight<'_, E, T> {
    /// The request completed: nothing to report on drop; its ticket back.
    fn disarm(&mut self) -> Ticket {
        self.records = None;
        self.ticket.clone()
    }
}

impl<E: Endpoint, T: Transport> Drop for InFlight<'_, E, T> {
    fn drop(&mut self) {
        if let Some(records) = self.records.take() {
            let Ticket { index, phase, conversation, worker, .. } = self.ticket;
            let record = RequestRecord::cancelled(index, phase, conversation, worker, self.started, self.started_wall);
            let record = self.ticket.tag(Box::new(record));
            // Dropping cannot wait: a collector that is behind gets the record from a task.
            drop(self.path.delivery(record, true, records));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_record_backlog_follows_the_concurrency_within_bounds() {
        for (concurrency, backlog) in
            [(Some(1), 256), (Some(32), 256), (Some(64), 256), (Some(256), 1024), (Some(100_000), 4096), (None, 1024)]
        {
            assert_eq!(super::record_backlog(concurrency), backlog, "{concurrency:?}");
        }
        assert_eq!(super::record_backlog(Some(usize::MAX)), 4096, "no overflow");
    }
}
