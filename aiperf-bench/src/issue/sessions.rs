//! A session as one send of the issuer: its turns one after another, each after the previous one
//! ended and its `delay`, carrying the replies before it. The session holds its slot throughout,
//! so `--concurrency` is the number of sessions in flight; `--request-count` counts turns, as in
//! AIPerf.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use aiperf_core::{Endpoint, SessionTurn, Transport};
use tokio::sync::watch;

use super::{PhaseRun, until_stopped};
use crate::request::{Ended, Ticket, TurnTag};
use crate::source::{Inputs, Ready};

/// One session to send.
pub(super) struct Session<E, T> {
    /// The phase it belongs to.
    pub run: Arc<PhaseRun<E, T>>,
    /// Which of the dataset's sessions.
    pub conversation: usize,
    /// Which session it is to the transport (a session sent twice is two).
    pub key: u64,
    /// The slot it holds.
    pub worker: usize,
}

impl<E: Endpoint, T: Transport> Session<E, T> {
    /// Sends the turns, until the last or until no request may be issued any more (count,
    /// deadline, stop, failure limit).
    pub(super) async fn send(self, mut stop: watch::Receiver<bool>) {
        let Self { run, conversation, key, worker } = self;
        let path = &run.path;
        let Inputs::Sessions(sessions) = path.inputs() else { return };
        let session = &sessions.conversations.list[conversation];
        let mut replies = Vec::with_capacity(session.turns.len());
        for (turn, spec) in session.turns.iter().enumerate() {
            if turn > 0
                && let Some(delay) = spec.delay
            {
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = until_stopped(&mut stop) => return,
                }
            }
            let index = run.next_request.fetch_add(1, Ordering::Relaxed);
            if !run.plan.may_issue(index, &stop, path.tally().halted()) {
                return;
            }
            let prefill = run.prefill_place().await;
            let credit = std::time::Instant::now();
            let ready = sessions.build(conversation, turn, &replies, path.endpoint(), path.form()).map(Ready::Built);
            let tag = TurnTag {
                session: Arc::clone(&session.id),
                index: u32::try_from(turn).unwrap_or(u32::MAX),
                turn: SessionTurn { key, last: turn + 1 == session.turns.len() },
            };
            let cancel_after = run.plan.cancel_after(index);
            let ticket = Ticket { index, phase: run.phase, worker, conversation, scheduled: None, credit, turn: Some(tag), cancel_after };
            match path.send_ready(ticket, ready, &run.records, prefill).await {
                // A user who closed the tab sends no further turn (AIPerf ends the session).
                Ended::Cancelled => return,
                ended => replies.push(ended.reply()),
            }
        }
    }
}
