//! Stopping a run on Ctrl-C (SIGINT) or SIGTERM alike: the first signal stops sending, lets the
//! requests in flight finish for a grace period, and the exports are written; a second quits at once.

use std::sync::{Arc, OnceLock};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::stdio::note;

/// The signal that stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C.
    Interrupt,
    /// `kill` (a job scheduler, a container runtime stopping the job).
    Terminate,
}

impl Signal {
    /// Its name (`SIGINT`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }

    /// The exit status of a process it stopped, by the shell's convention (128 + its number).
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Interrupt => 130,
            Self::Terminate => 143,
        }
    }
}

/// Watches for the signals: on the first, records which one in `caught` and sets `stop`.
pub fn watch(stop: watch::Sender<bool>, caught: Arc<OnceLock<Signal>>, grace_secs: u64) -> JoinHandle<()> {
    tokio::spawn(async move {
        let Some(first) = next().await else {
            return std::future::pending().await;
        };
        let _ = caught.set(first);
        note(&format!("\n[aiperf] {}: stopping, waiting up to {grace_secs} s for requests in flight (again to quit now)", first.name()));
        let _ = stop.send(true);
        if let Some(second) = next().await {
            note(&format!("[aiperf] {} again: quitting without exports", second.name()));
            std::process::exit(i32::from(second.exit_code()));
        }
        // Keep the sender alive so receivers see the value, not a closed channel.
        std::future::pending::<()>().await;
    })
}

/// The next signal, or `None` if signals cannot be watched here.
async fn next() -> Option<Signal> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).ok()?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.ok().map(|()| Signal::Interrupt),
            received = terminate.recv() => received.map(|()| Signal::Terminate),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.ok().map(|()| Signal::Interrupt)
    }
}
