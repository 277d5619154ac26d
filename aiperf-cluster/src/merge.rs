//! `aiperf merge URL`: every worker's results in a benchmark's store merged into the exports one
//! process over all their records would have written. The run states and record files are
//! downloaded (streamed to a temporary directory: memory stays that of one merge), then merged by
//! the engine; the workers whose results are missing are named, with why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aiperf_bench::state::{Absent, STATE_FILE};
use aiperf_bench::{ProfileOutcome, Selections};
use aiperf_core::Factories;

use crate::ClusterError;
use crate::status::{self, Outcome, Status};
use crate::store::Store;

/// The record file each worker uploads beside its state.
const RECORDS_FILE: &str = "profile_export.jsonl";

/// The statuses the workers have written so far, in worker order.
///
/// # Errors
/// A store that fails, or a status object this build did not write.
pub async fn statuses(store: &Store) -> Result<Vec<Status>, ClusterError> {
    let mut statuses = Vec::new();
    for name in store.list("workers").await? {
        if status::parse(&name).is_none_or(|(_, file)| file != "status.json") {
            continue;
        }
        let Some(bytes) = store.get(&name).await? else { continue };
        let status = serde_json::from_slice(&bytes).map_err(|e| ClusterError::Malformed {
            object: name.clone(),
            url: store.shown().to_owned(),
            expected: "a worker's status",
            reason: e.to_string(),
        })?;
        statuses.push(status);
    }
    Ok(statuses)
}

/// Merges the results of every worker in `store` into exports in `output`, over the build's
/// table `F` as `selections` resolve its names.
///
/// # Errors
/// A store without any worker's state, one that fails, or the engine's merge error.
pub async fn from_store<F: Factories>(store: &Store, output: &Path, selections: &Selections<F>) -> Result<ProfileOutcome, ClusterError> {
    let mut files: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for name in store.list("workers").await? {
        if let Some((index, file)) = status::parse(&name) {
            files.entry(index).or_default().push(file.to_owned());
        }
    }
    let statuses = statuses(store).await?;
    let mut absent = Vec::new();
    let mut merged = Vec::new();
    for (index, names) in &files {
        let status = statuses.iter().find(|status| status.index == *index);
        let has = |file: &str| names.iter().any(|name| name == file);
        match status {
            Some(Status { outcome: Outcome::Failed, reason, .. }) => {
                absent.push(Absent { index: *index, reason: format!("failed: {}", reason.as_deref().unwrap_or("no reason given")) });
            }
            Some(_) if has(STATE_FILE) => merged.push(*index),
            Some(_) => absent.push(Absent { index: *index, reason: format!("ended without uploading its {STATE_FILE}") }),
            None => absent.push(Absent {
                index: *index,
                reason: "its results are incomplete: it never ended (killed?) or is still uploading".to_owned(),
            }),
        }
    }
    if merged.is_empty() {
        return Err(ClusterError::Empty { url: store.shown().to_owned() });
    }
    let scratch = Scratch::new(output)?;
    let mut states = Vec::with_capacity(merged.len());
    for index in merged {
        // A `file://` location's files are read where they are.
        if let Some(dir) = store.local_path(&status::dir(index)) {
            states.push(dir);
            continue;
        }
        let dir = scratch.0.join(index.to_string());
        std::fs::create_dir_all(&dir).map_err(|source| ClusterError::Io { operation: "write", path: dir.display().to_string(), source })?;
        store.download(&format!("{}/{STATE_FILE}", status::dir(index)), &dir.join(STATE_FILE)).await?;
        if files[&index].iter().any(|name| name == RECORDS_FILE) {
            store.download(&format!("{}/{RECORDS_FILE}", status::dir(index)), &dir.join(RECORDS_FILE)).await?;
        }
        states.push(dir);
    }
    let merge = || aiperf_bench::state::merge::<F>(&states, output, selections, &absent);
    Ok(tokio::task::block_in_place(merge)?)
}

/// A temporary directory beside the merged exports, removed when the merge ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(output: &Path) -> Result<Self, ClusterError> {
        let dir = output.join(format!(".workers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|source| ClusterError::Io { operation: "write", path: dir.display().to_string(), source })?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
