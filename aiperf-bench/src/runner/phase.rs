//! How a phase issues its requests: a fixed number of workers, or a request rate (constant or
//! Poisson gaps) capped by the concurrency; then the wait for what is in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aiperf_core::{Endpoint, Transport};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::{RecordSender, Runner};
use crate::config::ArrivalPattern;
use crate::plan::Plan;
use crate::record::Phase;
use crate::source::Inputs;

/// Runs one phase; every record goes to `records`. Returns when no request is left in flight,
/// or `grace` after `stop` turns true (requests still running then are abandoned).
pub async fn run_phase<E: Endpoint + 'static, T: Transport + 'static>(
    runner: Arc<Runner<E, T>>,
    phase: Phase,
    plan: Plan,
    records: RecordSender,
    mut stop: watch::Receiver<bool>,
    grace: Duration,
) {
    runner.done.store(0, Ordering::Relaxed);
    runner.failed.store(0, Ordering::Relaxed);
    let mut tasks = JoinSet::new();
    if matches!(runner.inputs, Inputs::Sessions(_)) {
        crate::session::issue(runner, phase, plan, records, &mut tasks, &stop);
    } else if phase == Phase::Profiling
        && let Some(replay) = &runner.replay
    {
        crate::replay::issue(&runner, replay, plan, &records, &mut tasks, &mut stop).await;
    } else {
        let issue = Issue { runner, phase, plan, records };
        match plan.rate {
            None => issue.at_concurrency(&mut tasks, &stop),
            Some((rate, arrivals)) => issue.at_rate(&mut tasks, &mut stop, rate, arrivals).await,
        }
    }
    drain(&mut tasks, plan.cutoff, &mut stop, grace).await;
}

/// What issuing the requests of one phase needs.
struct Issue<E, T> {
    runner: Arc<Runner<E, T>>,
    phase: Phase,
    plan: Plan,
    records: RecordSender,
}

impl<E: Endpoint + 'static, T: Transport + 'static> Issue<E, T> {
    /// A fixed number of workers, each sending its next request as soon as the last one ended.
    fn at_concurrency(&self, tasks: &mut JoinSet<()>, stop: &watch::Receiver<bool>) {
        let (plan, phase) = (self.plan, self.phase);
        let next = Arc::new(AtomicU64::new(0));
        // No more workers than requests: a worker with nothing to send would only spin up and exit.
        let requests = plan.count.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX)).max(1);
        let workers = plan.concurrency.unwrap_or(1).max(1).min(requests);
        for worker in 0..workers {
            let (runner, next, records, stop) = (Arc::clone(&self.runner), Arc::clone(&next), self.records.clone(), stop.clone());
            tasks.spawn(async move {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if !plan.may_issue(index, &stop, &runner.halted) {
                        break;
                    }
                    runner.one(index, phase, worker, Instant::now(), &records).await;
                }
            });
        }
    }

    /// Requests issued at `rate` per second (constant or Poisson gaps), each in its own task, with
    /// at most the plan's concurrency in flight.
    async fn at_rate(&self, tasks: &mut JoinSet<()>, stop: &mut watch::Receiver<bool>, rate: f64, arrivals: ArrivalPattern) {
        let plan = self.plan;
        // Without a concurrency, a rate the server cannot follow would pile up requests without
        // bound: the most in flight is then MAX_CONCURRENCY.
        let limit = plan.concurrency.unwrap_or(crate::MAX_CONCURRENCY);
        let limit = Arc::new(Semaphore::new(limit.clamp(1, Semaphore::MAX_PERMITS)));
        let mut rng = fastrand::Rng::with_seed(plan.seed);
        let start = tokio::time::Instant::now();
        let (mut at, mut index) = (0.0_f64, 0);
        let may_issue = |index, stop: &watch::Receiver<bool>| plan.may_issue(index, stop, &self.runner.halted);
        while may_issue(index, stop) {
            let Some(due) = Duration::try_from_secs_f64(at).ok().and_then(|d| start.checked_add(d)) else { break };
            // A request due after the deadline is not sent.
            if plan.deadline.is_some_and(|deadline| due.into_std() >= deadline) {
                break;
            }
            // The task starts a little early and waits for its instant itself (`super::wait`).
            let early = due.checked_sub(crate::wait::LEAD).unwrap_or(due);
            tokio::select! {
                () = tokio::time::sleep_until(early) => {}
                () = until_stopped(stop) => break,
            }
            if !may_issue(index, stop) {
                break;
            }
            let permit = tokio::select! {
                permit = Arc::clone(&limit).acquire_owned() => permit.ok(),
                () = until_stopped(stop) => break,
            };
            if !may_issue(index, stop) {
                break;
            }
            let (runner, records, phase) = (Arc::clone(&self.runner), self.records.clone(), self.phase);
            tasks.spawn(async move {
                crate::wait::wait_until(due.into_std()).await;
                runner.one(index, phase, index as usize, due.into_std(), &records).await;
                drop(permit);
            });
            index += 1;
            at += match arrivals {
                ArrivalPattern::Constant => 1.0 / rate,
                ArrivalPattern::Poisson => -(1.0 - rng.f64()).ln() / rate,
            };
        }
    }
}

/// Waits for what is in flight: until `cutoff` after a timed phase, for `grace` after a stop.
/// Aborted requests become cancelled records (their `InFlight` guard).
async fn drain(tasks: &mut JoinSet<()>, cutoff: Option<Instant>, stop: &mut watch::Receiver<bool>, grace: Duration) {
    let end = {
        let drained = async { while tasks.join_next().await.is_some() {} };
        let cut_off = async {
            match cutoff {
                Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = drained => End::Drained,
            () = until_stopped(stop) => End::Stopped,
            () = cut_off => End::CutOff,
        }
    };
    match end {
        End::Drained => {}
        End::Stopped => {
            let _ = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
            tasks.abort_all();
        }
        End::CutOff => tasks.abort_all(),
    }
}

/// How the wait for requests in flight ended.
enum End {
    /// They all finished.
    Drained,
    /// A signal asked to stop.
    Stopped,
    /// The timed phase's grace period ran out.
    CutOff,
}

/// Resolves once `stop` is true; never, if its sender is gone.
pub(crate) async fn until_stopped(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|&stopped| stopped).await.is_err() {
        std::future::pending::<()>().await;
    }
}
