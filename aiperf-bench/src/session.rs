//! Sessions at a fixed concurrency: each worker takes a session (the sampler picks which), sends
//! its turns one after another (each after the previous one ended and its `delay`), then takes
//! the next. `--concurrency` is the number of sessions in flight, `--request-count` counts turns,
//! as in AIPerf.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aiperf_core::{Endpoint, SessionTurn, Transport};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::plan::Plan;
use super::record::Phase;
use super::runner::{RecordSender, Runner, Ticket, TurnTag, until_stopped};
use super::source::{Inputs, Ready, SessionInputs};

/// What the workers of one phase share.
struct Shared<E, T> {
    runner: Arc<Runner<E, T>>,
    phase: Phase,
    plan: Plan,
    records: RecordSender,
    /// The next request's index (turns, across sessions).
    next_request: AtomicU64,
    /// The next session's number (the sampler's input).
    next_session: AtomicU64,
}

/// Starts the phase's workers: at most `plan.concurrency` sessions in flight.
pub(super) fn issue<E: Endpoint + 'static, T: Transport + 'static>(
    runner: Arc<Runner<E, T>>,
    phase: Phase,
    plan: Plan,
    records: RecordSender,
    tasks: &mut JoinSet<()>,
    stop: &watch::Receiver<bool>,
) {
    let workers =
        plan.concurrency.unwrap_or(1).max(1).min(plan.count.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)).max(1));
    let shared = Arc::new(Shared { runner, phase, plan, records, next_request: AtomicU64::new(0), next_session: AtomicU64::new(0) });
    for worker in 0..workers {
        let (shared, mut stop) = (Arc::clone(&shared), stop.clone());
        tasks.spawn(async move {
            let Inputs::Sessions(sessions) = &shared.runner.inputs else { return };
            loop {
                let conversation = shared.runner.sampler.pick(shared.next_session.fetch_add(1, Ordering::Relaxed));
                if !shared.session(sessions, conversation, worker, &mut stop).await {
                    break;
                }
            }
        });
    }
}

impl<E: Endpoint, T: Transport> Shared<E, T> {
    /// Sends the turns of session `conversation`, each with the replies before it; false once no
    /// request may be issued any more (count, deadline, stop, failure limit).
    async fn session(&self, sessions: &SessionInputs, conversation: usize, worker: usize, stop: &mut watch::Receiver<bool>) -> bool {
        let runner = &self.runner;
        let session = &sessions.conversations.list[conversation];
        let mut replies = Vec::with_capacity(session.turns.len());
        let key = runner.sessions_begun.fetch_add(1, Ordering::Relaxed);
        for (turn, spec) in session.turns.iter().enumerate() {
            if turn > 0
                && let Some(delay) = spec.delay
            {
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = until_stopped(stop) => return false,
                }
            }
            let index = self.next_request.fetch_add(1, Ordering::Relaxed);
            if !self.plan.may_issue(index, stop, &runner.halted) {
                return false;
            }
            let credit = std::time::Instant::now();
            let ready = sessions.build(conversation, turn, &replies, &runner.endpoint, runner.transport.request_form()).map(Ready::Built);
            let tag = TurnTag {
                session: Arc::clone(&session.id),
                index: u32::try_from(turn).unwrap_or(u32::MAX),
                turn: SessionTurn { key, last: turn + 1 == session.turns.len() },
            };
            let ticket = Ticket { index, phase: self.phase, worker, conversation, scheduled: None, credit, turn: Some(tag) };
            replies.push(runner.send_ready(ticket, ready, &self.records).await);
        }
        true
    }
}
