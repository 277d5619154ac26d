//! What each worker leaves in the store when it ends, last of all its objects: how its run
//! ended. A worker with a status and a run state is merged; one whose status says it failed is
//! named in the merged exports with its reason; one with no status never ended (killed, or never
//! started) and is named too.

use serde::{Deserialize, Serialize};

/// A worker's status object, `workers/<index>/status.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The worker.
    pub index: u32,
    /// How many workers share the benchmark.
    pub count: u32,
    /// How its run ended.
    pub outcome: Outcome,
    /// Why, when it did not complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How a worker's run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Its requests were sent and its results uploaded.
    Completed,
    /// A signal cut it short; what ended is uploaded.
    Cancelled,
    /// `--failed-request-threshold` stopped it; what ended is uploaded.
    StoppedEarly,
    /// It could not run (the reason says why): nothing of it is merged.
    Failed,
}

/// The status object of worker `index`.
pub fn name(index: u32) -> String {
    format!("{}/status.json", dir(index))
}

/// Worker `index`'s directory in the store.
pub fn dir(index: u32) -> String {
    format!("workers/{index}")
}

/// The worker and file of an object name under `workers/`.
pub fn parse(name: &str) -> Option<(u32, &str)> {
    let (index, file) = name.strip_prefix("workers/")?.split_once('/')?;
    Some((index.parse().ok()?, file))
}
