//! The collector of a run: folds each profiled record into the run's [`Aggregate`], writes it to
//! the JSONL export, and moves the time-weighted sweep forward as far as the requests still in
//! flight allow.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::aggregate::Aggregate;
use super::error::ProfileError;
use super::export::RecordWriter;
use super::record::RequestRecord;
use super::request::InFlightStarts;
use super::state::StateWriter;

/// How long a record may wait in the JSONL writer's buffer before it is flushed to the file.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// Records folded at most before the sweep moves on. Requests may end as fast as records are
/// folded: without a bound, a collector that keeps up would drain the channel for as long as the
/// run lasts without moving the sweep, whose waiting events (and memory) would then grow with the
/// run instead of with the requests in flight.
const BATCH: usize = 1024;

/// Folds records into `aggregate` and writes them as they come, in batches of at most [`BATCH`]:
/// a record reaches the file at most [`FLUSH_EVERY`] after it was written (one write system call
/// per batch, not per record), and all of them when the run ends. After each batch the
/// time-weighted metrics sweep up to the earliest start still `in_flight`. With a `state`
/// writer, each record and each batch's watermark go to the run's state too (returned for its
/// footer).
pub(super) async fn collect(
    mut rx: mpsc::Receiver<Box<RequestRecord>>,
    writer: RecordWriter,
    aggregate: Aggregate,
    in_flight: Arc<InFlightStarts>,
    state: Option<StateWriter>,
) -> Result<(Aggregate, Option<StateWriter>), ProfileError> {
    let mut sink = Sink { writer, aggregate, state, result: Ok(()) };
    let mut unflushed_since: Option<Instant> = None;
    loop {
        // Records written since the last flush reach the file within FLUSH_EVERY, even when no
        // other record follows them; a run that ends (or is stopped by a signal) flushes at once.
        let record = match unflushed_since {
            Some(at) => match tokio::time::timeout_at((at + FLUSH_EVERY).into(), rx.recv()).await {
                Ok(record) => record,
                Err(_) => {
                    sink.flush();
                    unflushed_since = None;
                    continue;
                }
            },
            None => rx.recv().await,
        };
        let Some(record) = record else { break };
        sink.take(&record);
        take_ready(&mut rx, BATCH - 1, &mut sink);
        // A request's start leaves `in_flight` only once its record is in the channel: every
        // record of a request that started before the earliest start still in flight is folded
        // already or among those in the channel now.
        let watermark = in_flight.earliest().unwrap_or_else(Instant::now);
        let in_channel = rx.len();
        take_ready(&mut rx, in_channel, &mut sink);
        sink.aggregate.timeline.advance(Some(watermark));
        sink.watermark(watermark);
        let since = *unflushed_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= FLUSH_EVERY {
            sink.flush();
            unflushed_since = None;
        }
    }
    let Sink { writer, aggregate, state, result } = sink;
    result.and(writer.finish()).map(|()| (aggregate, state))
}

/// Folds up to `count` records already in the channel, without waiting for more.
fn take_ready(rx: &mut mpsc::Receiver<Box<RequestRecord>>, count: usize, sink: &mut Sink) {
    for _ in 0..count {
        let Ok(record) = rx.try_recv() else { return };
        sink.take(&record);
    }
}

/// Where records go: the aggregate, and the JSONL file (and the state, if kept) until the first
/// error.
struct Sink {
    writer: RecordWriter,
    aggregate: Aggregate,
    state: Option<StateWriter>,
    /// The first write error, reported when the run ends (the aggregate still gets every record).
    result: Result<(), ProfileError>,
}

impl Sink {
    fn take(&mut self, record: &RequestRecord) {
        self.aggregate.add(record);
        if self.result.is_ok() {
            self.result = self.writer.write(record);
        }
        if let Some(state) = self.state.as_mut().filter(|_| self.result.is_ok()) {
            self.result = state.record(record);
        }
    }

    fn watermark(&mut self, watermark: Instant) {
        if let Some(state) = self.state.as_mut().filter(|_| self.result.is_ok()) {
            self.result = state.watermark(watermark);
        }
    }

    fn flush(&mut self) {
        if self.result.is_ok() {
            self.result = self.writer.flush();
        }
    }
}
