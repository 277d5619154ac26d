//! Waiting for an instant more precisely than the runtime's timer, which wakes on whole
//! milliseconds: a send's task starts [`LEAD`] early, sleeps on the timer until a millisecond
//! before its instant, then yields to other tasks until the instant comes. The fixed schedule and
//! the request rate send this way.

use std::time::{Duration, Instant};

/// How long before a send is due its task is spawned.
pub(super) const LEAD: Duration = Duration::from_millis(2);

/// How long before a send is due its task stops sleeping on the runtime's timer (which
/// wakes on whole milliseconds) and yields until the instant comes.
const SPIN: Duration = Duration::from_millis(1);

/// Sleeps until just before `due` on the runtime's timer, then yields to other tasks until it.
pub(super) async fn wait_until(due: Instant) {
    if let Some(early) = due.checked_sub(SPIN).filter(|&early| early > Instant::now()) {
        tokio::time::sleep_until(early.into()).await;
    }
    while Instant::now() < due {
        tokio::task::yield_now().await;
    }
}
