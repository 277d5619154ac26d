//! `--fixed-schedule`'s issuer: every entry is sent at its timestamp in the schedule
//! ([`super::fixed_schedule`]), as AIPerf replays a trace. Each request's schedule lag (sent
//! minus due) is measured.

use std::sync::Arc;
use std::time::Instant;

use aiperf_core::{Endpoint, Transport};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::fixed_schedule::Replay;
use super::plan::Plan;
use super::record::Phase;
use super::runner::{RecordSender, Runner, Ticket, until_stopped};
use super::wait::{LEAD, wait_until};

/// Sends the schedule's entries at their times (the first `plan.count`, before the deadline),
/// each in a task of its own started [`LEAD`] early (it waits for its instant itself), with at most the plan's concurrency in flight.
/// A row's request is built before it is due, so only the wait stands between the schedule and
/// the send.
pub(super) async fn issue<E: Endpoint + 'static, T: Transport + 'static>(
    runner: &Arc<Runner<E, T>>,
    replay: &Replay,
    plan: Plan,
    records: &RecordSender,
    tasks: &mut JoinSet<()>,
    stop: &mut watch::Receiver<bool>,
) {
    let limit = Arc::new(Semaphore::new(plan.concurrency.unwrap_or(super::MAX_CONCURRENCY).clamp(1, Semaphore::MAX_PERMITS)));
    let start = Instant::now();
    for (index, &(offset, entry)) in (0u64..).zip(&replay.sends) {
        if !plan.may_issue(index, stop, &runner.halted) {
            break;
        }
        let Some(due) = start.checked_add(offset) else { break };
        if plan.deadline.is_some_and(|deadline| due >= deadline) {
            break;
        }
        let conversation = entry as usize;
        let ready = runner.inputs.ready(conversation, &runner.endpoint, runner.transport.request_form());
        // The task starts a little early and waits for the instant itself: the time a task takes
        // to be picked up by a worker thread is not added to the send.
        let early = due.checked_sub(LEAD).unwrap_or(due);
        tokio::select! {
            () = tokio::time::sleep_until(early.into()) => {}
            () = until_stopped(stop) => break,
        }
        let permit = tokio::select! {
            permit = Arc::clone(&limit).acquire_owned() => permit.ok(),
            () = until_stopped(stop) => break,
        };
        let (runner, records) = (Arc::clone(runner), records.clone());
        let ticket =
            Ticket { index, phase: Phase::Profiling, worker: conversation, conversation, scheduled: Some(due), credit: due, turn: None };
        tasks.spawn(async move {
            wait_until(due).await;
            runner.send_ready(ticket, ready, &records).await;
            drop(permit);
        });
    }
}
