//! The records of requests cancelled before they completed: by the client on purpose
//! (`--request-cancellation-rate`), or because a run stopped while they were in flight.

use std::time::{Duration, Instant, SystemTime};

use super::{Measure, Phase, RecordError, RequestRecord, wall_ns};

/// AIPerf's error type for a cancelled request.
const CANCELLED: &str = "RequestCancellationError";

/// The status AIPerf records for it: nginx's 499, "client closed request".
const CLIENT_CLOSED: u16 = 499;

/// A request the client cut on purpose, `delay` after its body was sent.
#[derive(Clone, Copy, Debug)]
pub struct Cut {
    /// When the request was issued.
    pub started: Instant,
    /// Wall clock at issue.
    pub started_wall: SystemTime,
    /// When the scheduler decided to issue it.
    pub credit: Instant,
    /// Input tokens of the entry sent (tokenizer count).
    pub input_tokens: u64,
    /// How long after its send it was cut.
    pub delay: Duration,
}

impl Measure<'_> {
    /// The record of a request the client cancelled (`--request-cancellation-rate`): a failure
    /// cancelled now, with AIPerf's type, code and message, and what AIPerf measures of a failure
    /// (its input length, its wait for a slot). What it received before the cut is not measured.
    pub fn cut(&self, index: u64, phase: Phase, conversation_id: usize, worker_id: usize, cut: Cut) -> RequestRecord {
        let Cut { started, started_wall, credit, input_tokens, delay } = cut;
        let message = format!("Request cancelled {:.3}s after being sent", delay.as_secs_f64());
        let mut record = RequestRecord::cancelled_now(index, phase, conversation_id, worker_id, (started, started_wall), message);
        record.credit_ns = super::credit_ns(&record, credit);
        self.failed_metrics(&mut record, credit, input_tokens);
        record.cut = true;
        record
    }
}

impl RequestRecord {
    /// The record of a request abandoned before it completed (Ctrl-C's grace period ended).
    pub fn cancelled(
        index: u64,
        phase: Phase,
        conversation_id: usize,
        worker_id: usize,
        started: Instant,
        started_wall: SystemTime,
    ) -> Self {
        let message = "cancelled: still running when the grace period after Ctrl-C ended".to_owned();
        Self::cancelled_now(index, phase, conversation_id, worker_id, (started, started_wall), message)
    }

    /// A request issued at `started` cancelled now, saying `message`.
    fn cancelled_now(
        index: u64,
        phase: Phase,
        conversation_id: usize,
        worker_id: usize,
        (started, started_wall): (Instant, SystemTime),
        message: String,
    ) -> Self {
        let mut record = Self::issued(index, phase, conversation_id, worker_id, started, started_wall);
        record.ended = Instant::now();
        record.end_ns = wall_ns(started_wall, started, record.ended);
        record.error = Some(RecordError { code: Some(CLIENT_CLOSED), kind: CANCELLED.to_owned(), message });
        record.was_cancelled = true;
        record
    }
}
