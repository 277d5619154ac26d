//! Observers of a run from outside its request path: what the server reported of itself
//! (`/metrics`), what its GPUs did. The engine tells them when profiling starts and ends, and
//! gives them the run's summary to write their own exports beside its; they never fail or slow
//! the benchmark (what they could not do, they say in their console lines).

use std::future::Future;
use std::path::Path;
use std::pin::Pin;

/// A future an observer returns (a trait object: observers are not on the request path).
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a run gives its observers when its exports are written.
pub struct RunExports<'a> {
    /// The run's artifact directory.
    pub dir: &'a Path,
    /// The run's `profile_export_aiperf.json` content (its `benchmark_id`, `input_config`, …).
    pub summary: &'a serde_json::Value,
    /// The profiling phase's start, ns since the Unix epoch.
    pub start_ns: u64,
    /// Its end.
    pub end_ns: u64,
}

/// Watches a run. Called once each per run (per point of a sweep), in this order.
pub trait RunObserver: Send + Sync {
    /// Profiling is about to start: take a baseline, start watching. `dir` is the run's
    /// artifact directory (for files written as the run goes).
    fn profiling_started<'a>(&'a self, dir: &'a Path) -> Pending<'a, ()>;
    /// Profiling ended: take a last look, stop watching.
    fn profiling_ended(&self) -> Pending<'_, ()>;
    /// A key and value the observer adds to the run's `profile_export_aiperf.json` (AIPerf's
    /// `telemetry_data`), asked once profiling ended, before the exports are written.
    fn summary(&self) -> Option<(String, serde_json::Value)> {
        None
    }
    /// Writes the observer's files into `run.dir`; returns the lines the console prints after
    /// the run's table (empty for none).
    fn export<'a>(&'a self, run: &'a RunExports<'a>) -> Pending<'a, String>;
}
