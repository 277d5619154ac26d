//! A session as one send of the issuer: its turns one after another, each after the previous one
//! ended and its `delay`, carrying the replies before it. The session holds its slot throughout,
//! so `--concurrency` is the number of sessions in flight; `--request-count` counts turns, as in
//! AIPerf.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

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
    /// The slot it holds (a user's id, for a user-centric load).
    pub worker: usize,
    /// How its turns are paced: by the dataset's delays after each reply, or by a user's gap.
    pub pacing: Pacing,
}

/// How a session's turns are spaced.
#[derive(Clone, Copy, Debug)]
pub(super) enum Pacing {
    /// Each turn after the previous one ended, and after its `delay` when it has one.
    Delays,
    /// A user of a user-centric load: the first turn at `first`, each next one `gap` after the
    /// previous one was due, or at once when the reply came later than that (AIPerf's
    /// `max(now, previous + turn_gap)`); only the first `turns` turns (a user joining mid-session
    /// in the load's virtual history sends fewer).
    Gap {
        /// When the first turn is due.
        first: Instant,
        /// The turn gap.
        gap: Duration,
        /// The turns it sends.
        turns: usize,
    },
}

impl<E: Endpoint, T: Transport> Session<E, T> {
    /// Sends the turns, until the last or until no request may be issued any more (count,
    /// deadline, stop, failure limit).
    pub(super) async fn send(self, mut stop: watch::Receiver<bool>) {
        let Self { run, conversation, key, worker, pacing } = self;
        let path = &run.path;
        let Inputs::Sessions(sessions) = path.inputs() else { return };
        let session = &sessions.conversations.list[conversation];
        let turns = match pacing {
            Pacing::Delays => session.turns.len(),
            Pacing::Gap { turns, .. } => turns.min(session.turns.len()),
        };
        let mut replies = Vec::with_capacity(turns);
        let mut due = None;
        for (turn, spec) in session.turns.iter().enumerate().take(turns) {
            let wait = match pacing {
                Pacing::Delays => spec.delay.filter(|_| turn > 0).map(|delay| Instant::now() + delay),
                Pacing::Gap { first, gap, .. } => {
                    let next = due.map_or(first, |due: Instant| (due + gap).max(Instant::now()));
                    due = Some(next);
                    Some(next)
                }
            };
            if let Some(at) = wait {
                tokio::select! {
                    () = super::wait::wait_until(at) => {}
                    () = until_stopped(&mut stop) => return,
                }
            }
            let index = run.next_request.fetch_add(1, Ordering::Relaxed);
            if !run.plan.may_issue(index, &stop, path.tally().halted()) {
                return;
            }
            let prefill = run.prefill_place().await;
            let credit = Instant::now();
            let ready = sessions.build(conversation, turn, &replies, path.endpoint(), path.form()).map(Ready::Built);
            let tag = TurnTag {
                session: Arc::clone(&session.id),
                index: u32::try_from(turn).unwrap_or(u32::MAX),
                turn: SessionTurn { key, last: turn + 1 == turns },
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
