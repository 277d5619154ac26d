//! A closed loop's slots as workers: each of the plan's concurrency sends its next request (or
//! session) as soon as its last one ended, in its own task. No other task wakes between two
//! requests of a worker: a task per request, woken by the limiter, cost a closed loop two
//! cross-thread wakeups a request (12% more client CPU at concurrency 32 in
//! `cargo xtask compare-builds`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use aiperf_core::{Endpoint, Transport};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::PhaseRun;
use super::arrivals::Arrival;
use crate::source::Inputs;

/// Starts `limit` workers (no more than the plan's requests), slots 0 to `limit - 1`; with a
/// concurrency ramp, worker `v` begins when its slot opens, after the phase's `start`.
pub(super) fn start<E: Endpoint + 'static, T: Transport + 'static>(
    run: &Arc<PhaseRun<E, T>>,
    limit: usize,
    tasks: &mut JoinSet<()>,
    stop: &watch::Receiver<bool>,
    start: Instant,
) {
    let ramp = run.plan.concurrency_ramp;
    // No more workers than requests: a worker with nothing to send would only spin up and exit.
    let requests = run.plan.count.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)).max(1);
    for worker in 0..limit.max(1).min(requests) {
        let (run, mut stop) = (Arc::clone(run), stop.clone());
        tasks.spawn(async move {
            if let Some(ramp) = ramp.filter(|_| worker > 0) {
                let opens = start + super::ramp::opens_at(worker, limit, ramp);
                tokio::select! {
                    () = tokio::time::sleep_until(opens.into()) => {}
                    () = super::until_stopped(&mut stop) => return,
                }
            }
            let sessions = matches!(run.path.inputs(), Inputs::Sessions(_));
            loop {
                if sessions {
                    if !run.may_issue(run.next_request.load(Ordering::Relaxed), &stop) {
                        break;
                    }
                    run.session(worker).send(stop.clone()).await;
                } else {
                    let index = run.next_request.fetch_add(1, Ordering::Relaxed);
                    if !run.may_issue(index, &stop) {
                        break;
                    }
                    run.send_entry(index, Arrival { due: None, scheduled_entry: None }, worker).await;
                }
            }
        });
    }
}
