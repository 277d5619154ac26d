//! One worker of a benchmark: its share run by the engine, after the start barrier; its artifact
//! directory uploaded to `workers/<index>/` and its status written last; and, when it is the last
//! to end, the merge of every worker's results into `merged/`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aiperf_bench::config::Shard;
use aiperf_bench::stdio::note;
use aiperf_bench::{BenchConfig, Context, ProfileOutcome};
use aiperf_core::Factories;

use crate::barrier::{self, Barrier};
use crate::status::{self, Outcome, Status};
use crate::store::Store;
use crate::{ClusterError, merge};

/// How a worker runs, besides its benchmark.
pub struct Worker {
    /// The benchmark's results location.
    pub store: Store,
    /// This worker's place.
    pub shard: Shard,
    /// How long after the first worker is ready the others may still join.
    pub barrier_timeout: Duration,
    /// Whether the last worker to end merges every worker's results.
    pub merge: bool,
}

/// What a worker did: its own run, and the merged benchmark if it merged it.
#[derive(Debug)]
pub struct WorkerOutcome {
    /// Its own run, or why it could not run (its status in the store says so too).
    pub own: Result<ProfileOutcome, aiperf_bench::ProfileError>,
    /// The benchmark's merged exports, when this worker was the last to end.
    pub merged: Option<ProfileOutcome>,
}

impl Worker {
    /// The artifact directory of this worker's own run: `worker-<index>` in the benchmark's.
    pub fn artifact_dir(&self, benchmark: &BenchConfig) -> PathBuf {
        benchmark.output_artifact_dir.join(format!("worker-{}", self.shard.index))
    }

    /// Runs worker `self.shard` of `benchmark` (the whole benchmark's configuration) over the
    /// build's table `F`, as `context` says (its start gate is this worker's barrier).
    ///
    /// # Errors
    /// A results location holding this worker's results already, or a store that fails. The
    /// engine's error is the outcome's `own` (and the worker's status in the store): the last
    /// worker to end merges the others' results even when its own run failed.
    pub async fn run<F: Factories>(&self, benchmark: BenchConfig, context: Context<F>) -> Result<WorkerOutcome, ClusterError> {
        let index = self.shard.index;
        if self.store.get(&status::name(index)).await?.is_some() {
            return Err(ClusterError::AlreadyRan { url: self.store.shown().to_owned(), index });
        }
        let dir = self.artifact_dir(&benchmark);
        let config = BenchConfig { output_artifact_dir: dir.clone(), export_run_state: true, ..benchmark.clone().for_worker(self.shard)? };
        let gate = Barrier { store: self.store.clone(), shard: self.shard, timeout: self.barrier_timeout };
        let context = Context { start: Some(Arc::new(gate)), ..context };
        let selections = context.selections.clone();
        let own = aiperf_bench::run::<F>(&config, &context).await;
        let (outcome, reason) = match &own {
            Err(error) => (Outcome::Failed, Some(error.to_string())),
            Ok(own) => {
                self.upload(&dir).await?;
                match (own.cancelled_by, own.threshold_crossed) {
                    (Some(signal), _) => (Outcome::Cancelled, Some(format!("cancelled by {}", signal.name()))),
                    (None, true) => (Outcome::StoppedEarly, Some("stopped by --failed-request-threshold".to_owned())),
                    (None, false) => (Outcome::Completed, None),
                }
            }
        };
        self.put_status(outcome, reason).await?;
        if own.is_ok() {
            note(&format!("[aiperf] worker {index} of {}: results in {}/{}", self.shard.count, self.store.shown(), status::dir(index)));
        }
        let merged = if self.merge { self.merge_if_last::<F>(&benchmark, &selections).await? } else { None };
        Ok(WorkerOutcome { own, merged })
    }

    async fn put_status(&self, outcome: Outcome, reason: Option<String>) -> Result<(), ClusterError> {
        let status = Status { index: self.shard.index, count: self.shard.count, outcome, reason };
        let bytes = serde_json::to_vec_pretty(&status).map_err(|e| ClusterError::Io {
            operation: "write",
            path: status::name(self.shard.index),
            source: e.into(),
        })?;
        self.store.put(&status::name(self.shard.index), bytes).await
    }

    /// Uploads the files of `dir` (this worker's exports, its run state among them).
    async fn upload(&self, dir: &Path) -> Result<(), ClusterError> {
        for path in files(dir)? {
            let Some(name) = path.file_name().and_then(|name| name.to_str()) else { continue };
            self.store.upload(&path, &format!("{}/{name}", status::dir(self.shard.index))).await?;
        }
        Ok(())
    }

    /// Merges every worker's results into `merged/` when each has written its status.
    async fn merge_if_last<F: Factories>(
        &self,
        benchmark: &BenchConfig,
        selections: &aiperf_bench::Selections<F>,
    ) -> Result<Option<ProfileOutcome>, ClusterError> {
        let ended = merge::statuses(&self.store).await?;
        let waiting = Shard::missing(self.shard.count, &ended.iter().map(|status| status.index).collect::<Vec<_>>());
        if !waiting.is_empty() {
            note(&format!(
                "[aiperf] worker {}: the merge is left to the last worker to end ({} still running); or run `aiperf merge {}`",
                self.shard.index,
                barrier::workers(&waiting),
                self.store.shown()
            ));
            return Ok(None);
        }
        let output = benchmark.output_artifact_dir.join("merged");
        let merged = merge::from_store::<F>(&self.store, &output, selections).await?;
        for path in files(&output)? {
            let Some(name) = path.file_name().and_then(|name| name.to_str()) else { continue };
            self.store.upload(&path, &format!("merged/{name}")).await?;
        }
        note(&format!("[aiperf] worker {}: merged every worker's results into {}/merged", self.shard.index, self.store.shown()));
        Ok(Some(merged))
    }
}

/// The regular files directly in `dir`, in name order.
pub(crate) fn files(dir: &Path) -> Result<Vec<PathBuf>, ClusterError> {
    let read = |source| ClusterError::Io { operation: "read", path: dir.display().to_string(), source };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let entry = entry.map_err(read)?;
        if entry.file_type().map_err(read)?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}
