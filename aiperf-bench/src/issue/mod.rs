//! The issuer: one arrival source and one in-flight limit for every load. The arrival source
//! (`arrivals.rs`: a closed loop, a rate spread by the build's arrival pattern, a fixed schedule)
//! says when the next send is due. An open loop (a rate, a schedule) sends each in a task of its
//! own holding one of the limiter's numbered slots (`limiter.rs`); a closed loop's slots are
//! workers (`workers.rs`), each sending its next request as soon as its last one ended. What a
//! send is, an entry or a whole session (`sessions.rs`), comes from the inputs.
//! Each send's task starts [`wait::LEAD`] early and waits for its instant itself (`wait.rs`).
//! Then the wait for what is in flight, cut short by the timed phase's end or a signal.

mod arrivals;
pub(crate) mod curve;
mod limiter;
mod ramp;
mod sessions;
mod users;
mod wait;
mod workers;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aiperf_core::{ArrivalPattern, Endpoint, Transport};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use arrivals::{Arrival, Arrivals};
use limiter::{Limiter, Slot};
use sessions::Session;

use crate::MAX_CONCURRENCY;
use crate::dataset::sampling::Sampler;
use crate::fixed_schedule::Replay;
use crate::plan::Plan;
use crate::record::Phase;
use crate::request::{RecordSender, RequestPath, Ticket};
use crate::source::Inputs;

/// What the issuer chooses from, across the phases of a run; `A`, the build's arrival pattern.
pub struct Issuer<A> {
    /// How a rate's gaps are spread (`--arrival-pattern`).
    pattern: A,
    /// Which entry (or session) each send takes.
    sampler: Sampler,
    /// The profiling phase's fixed schedule, if it follows one.
    schedule: Option<Replay>,
    /// Sessions begun so far, every phase together: the next one's key to the transport.
    sessions_begun: Arc<AtomicU64>,
}

/// One phase being issued: what every send's task shares.
struct PhaseRun<E, T> {
    path: Arc<RequestPath<E, T>>,
    phase: Phase,
    plan: Plan,
    records: RecordSender,
    /// The next request's index (for sessions, turns across sessions).
    next_request: AtomicU64,
    /// Which entry (or session) each send takes.
    sampler: Sampler,
    /// Sessions of this phase so far: the sampler's input.
    next_session: AtomicU64,
    /// Sessions begun so far, every phase together.
    sessions_begun: Arc<AtomicU64>,
    /// `--prefill-concurrency`: places among the requests waiting for their first token.
    prefill: Option<Arc<Semaphore>>,
}

impl<E: Endpoint, T: Transport> PhaseRun<E, T> {
    /// A place among the requests waiting for their first token, when the phase limits them
    /// (none once the semaphore is closed).
    async fn prefill_place(&self) -> Option<OwnedSemaphorePermit> {
        let prefill = self.prefill.as_ref()?;
        Arc::clone(prefill).acquire_owned().await.ok()
    }

    /// The next session to send, from slot `worker`, its turns paced by the dataset's delays.
    fn session(self: &Arc<Self>, worker: usize) -> Session<E, T> {
        let conversation = self.sampler.pick(self.next_session.fetch_add(1, Ordering::Relaxed));
        let key = self.sessions_begun.fetch_add(1, Ordering::Relaxed);
        Session { run: Arc::clone(self), conversation, key, worker, pacing: sessions::Pacing::Delays }
    }

    /// Sends request `index` from slot `worker`: the fixed schedule's entry or the sampler's, at
    /// its arrival's time if it has one (else now).
    async fn send_entry(&self, index: u64, arrival: Arrival, worker: usize) {
        let conversation = arrival.scheduled_entry.unwrap_or_else(|| self.sampler.pick(index));
        let scheduled = arrival.scheduled_entry.and(arrival.due);
        let ready = self.path.ready(conversation);
        if let Some(due) = arrival.due {
            wait::wait_until(due).await;
        }
        // The wait for a place in prefill is the scheduler's wait: before the credit, as AIPerf.
        let prefill = self.prefill_place().await;
        let credit = arrival.due.filter(|_| self.prefill.is_none()).unwrap_or_else(Instant::now);
        let cancel_after = self.plan.cancel_after(index);
        let ticket = Ticket { index, phase: self.phase, worker, conversation, scheduled, credit, turn: None, cancel_after };
        self.path.send_ready(ticket, ready, &self.records, prefill).await;
    }

    /// Whether request `index` may still be issued.
    fn may_issue(&self, index: u64, stop: &watch::Receiver<bool>) -> bool {
        self.plan.may_issue(index, stop, self.path.tally().halted())
    }
}

impl<A: ArrivalPattern> Issuer<A> {
    /// Sends take entries by `sampler`, a rate's gaps follow `pattern`; the profiling phase
    /// follows `schedule` when given.
    pub fn new(sampler: Sampler, pattern: A, schedule: Option<Replay>) -> Self {
        Self { pattern, sampler, schedule, sessions_begun: Arc::default() }
    }

    /// The profiling phase's fixed schedule.
    pub fn schedule(&self) -> Option<&Replay> {
        self.schedule.as_ref()
    }

    /// Runs one phase; every record goes to `records`. Returns when no request is left in flight,
    /// or `grace` after `stop` turns true (requests still running then are abandoned).
    pub async fn run_phase<E: Endpoint + 'static, T: Transport + 'static>(
        &self,
        path: &Arc<RequestPath<E, T>>,
        phase: Phase,
        plan: Plan,
        records: RecordSender,
        mut stop: watch::Receiver<bool>,
        grace: Duration,
    ) {
        path.tally().reset();
        let run = Arc::new(PhaseRun {
            path: Arc::clone(path),
            phase,
            plan: plan.clone(),
            records,
            next_request: AtomicU64::new(0),
            sampler: self.sampler,
            next_session: AtomicU64::new(0),
            sessions_begun: Arc::clone(&self.sessions_begun),
            prefill: plan.prefill_concurrency.map(|n| Arc::new(Semaphore::new(if plan.prefill_ramp.is_some() { 1 } else { n }))),
        });
        let mut arrivals = Arrivals::new(&plan, &self.pattern, self.schedule.as_ref().filter(|_| phase == Phase::Profiling));
        // Without a concurrency, a rate the server cannot follow would pile up requests without
        // bound: the most in flight is then MAX_CONCURRENCY.
        let limit = plan.concurrency.unwrap_or(if arrivals.is_closed_loop() { 1 } else { MAX_CONCURRENCY });
        let mut tasks = JoinSet::new();
        let started = Instant::now();
        let prefill_ramp = prefill_ramp(&run, started);
        if let Some(users) = plan.users {
            users::run(&run, users, &mut tasks, &mut stop, started).await;
        } else if arrivals.is_closed_loop() {
            workers::start(&run, limit, &mut tasks, &stop, started);
        } else {
            let limiter = if plan.concurrency_ramp.is_some() { Limiter::ramped() } else { Limiter::new(limit) };
            let ramp = plan.concurrency_ramp.map(|ramp| ramp::open_gradually(limiter.permits(), limit, ramp, started));
            while let Some((arrival, slot)) = self.next_send(&run, &mut arrivals, &limiter, &mut stop).await {
                // Finished sends are reaped as the loop goes: a long run's memory stays that of
                // the sends in flight.
                while tasks.try_join_next().is_some() {}
                let run = Arc::clone(&run);
                if matches!(path.inputs(), Inputs::Sessions(_)) {
                    let (session, stop) = (run.session(slot.number()), stop.clone());
                    tasks.spawn(async move {
                        session.send(stop).await;
                        drop(slot);
                    });
                } else {
                    let index = run.next_request.fetch_add(1, Ordering::Relaxed);
                    tasks.spawn(async move {
                        run.send_entry(index, arrival, slot.number()).await;
                        drop(slot);
                    });
                }
            }
            if let Some(ramp) = ramp {
                ramp.abort();
            }
        }
        drain(&mut tasks, plan.cutoff, &mut stop, grace).await;
        if let Some(task) = prefill_ramp {
            task.abort();
        }
    }

    /// The next send and the slot it holds: waits for its time (less [`wait::LEAD`]) and a free
    /// slot. None once nothing more may be issued: the count or the deadline reached, the
    /// schedule over, a stop, or the failure limit crossed.
    async fn next_send<E: Endpoint, T: Transport>(
        &self,
        run: &PhaseRun<E, T>,
        arrivals: &mut Arrivals<'_>,
        limiter: &Limiter,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<(Arrival, Slot)> {
        let may_issue = |stop: &watch::Receiver<bool>| run.may_issue(run.next_request.load(Ordering::Relaxed), stop);
        if !may_issue(stop) {
            return None;
        }
        let arrival = arrivals.next()?;
        // Nothing is issued from the deadline on, however long the wait for a slot.
        let deadline = async {
            match run.plan.deadline {
                Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(deadline);
        if let Some(due) = arrival.due {
            // A request due after the deadline is not sent.
            if run.plan.deadline.is_some_and(|deadline| due >= deadline) {
                return None;
            }
            let early = due.checked_sub(wait::LEAD).unwrap_or(due);
            tokio::select! {
                () = tokio::time::sleep_until(early.into()) => {}
                () = until_stopped(stop) => return None,
            }
        }
        let slot = tokio::select! {
            slot = limiter.acquire() => slot?,
            () = until_stopped(stop) => return None,
            () = &mut deadline => return None,
        };
        may_issue(stop).then_some((arrival, slot))
    }
}

/// The task opening a phase's prefill places one by one (`--prefill-concurrency-ramp-duration`).
fn prefill_ramp<E, T>(run: &PhaseRun<E, T>, started: Instant) -> Option<tokio::task::JoinHandle<()>> {
    let (prefill, target, ramp) = (run.prefill.as_ref()?, run.plan.prefill_concurrency?, run.plan.prefill_ramp?);
    Some(ramp::open_gradually(Arc::clone(prefill), target, ramp, started))
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
pub(super) async fn until_stopped(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|&stopped| stopped).await.is_err() {
        std::future::pending::<()>().await;
    }
}
