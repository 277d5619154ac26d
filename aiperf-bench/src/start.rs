//! Where a run waits, once ready (inputs prepared, warmup done), for the instant its profiling
//! phase starts. The workers sharing one benchmark agree on that instant (the program driving
//! them knows how: a barrier in their shared store), so that their records fall on one timeline
//! and the merged time-weighted metrics line up.

use std::future::Future;
use std::pin::Pin;
use std::time::SystemTime;

/// What [`StartGate::ready`] returns: when to start, or why the run cannot.
pub type Ready<'a> = Pin<Box<dyn Future<Output = Result<SystemTime, String>> + Send + 'a>>;

/// Agrees on the instant the profiling phase starts. Called once a run, when it is ready; not on
/// the request path (a trait object is fine here).
pub trait StartGate: Send + Sync {
    /// This run is ready: the wall-clock instant to start at (the run waits until then), or why
    /// it cannot start (the run fails with [`ProfileError::NotStarted`](crate::ProfileError::NotStarted)).
    fn ready(&self) -> Ready<'_>;
}

/// Waits until `at`, or until `stop` turns true (a signal: the phase then stops at once).
pub(crate) async fn wait_until(at: SystemTime, stop: &mut tokio::sync::watch::Receiver<bool>) {
    let Ok(wait) = at.duration_since(SystemTime::now()) else { return };
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
        _ = stop.wait_for(|stopped| *stopped) => {}
    }
}
