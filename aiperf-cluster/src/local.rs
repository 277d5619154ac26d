//! `--workers N` on one host: N worker processes of this program, each what a Kubernetes pod of
//! the Indexed Job runs (`JOB_COMPLETION_INDEX` set as the Job controller sets it), meeting at a
//! results location (by default `file://` under the artifact directory); then their results
//! merged into the artifact directory, the layout of one run. For a host whose cores one
//! process's runtime cannot keep busy.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use aiperf_bench::stdio::note;
use aiperf_bench::{BenchConfig, ProfileOutcome, Selections};
use aiperf_core::Factories;

use crate::barrier;
use crate::store::Store;
use crate::{ClusterError, merge};

/// The benchmark's configuration, as the workers read it (`--bench-config`).
pub const CONFIG_FILE: &str = "benchmark.json";

/// N local workers of one benchmark.
pub struct LocalWorkers {
    /// This program (its path), which each worker runs.
    pub program: PathBuf,
    /// How many.
    pub count: u32,
    /// Where they meet: a URL, or none for `file://` under the artifact directory.
    pub results: Option<String>,
    /// `--barrier-timeout`, seconds.
    pub barrier_timeout: f64,
    /// Flags each worker takes besides the benchmark (the embedded engine's settings, say).
    pub forward: Vec<String>,
}

impl LocalWorkers {
    /// Runs `benchmark` (its seed drawn) as the workers, and merges their results into its
    /// artifact directory over the build's table `F`. Each worker's output goes to
    /// `worker-<index>.log` there.
    ///
    /// # Errors
    /// A worker that cannot be started, or a merge without any worker's results (each worker's
    /// failure is named by the merge otherwise).
    pub async fn run<F: Factories>(&self, benchmark: BenchConfig, selections: &Selections<F>) -> Result<ProfileOutcome, ClusterError> {
        let out = &benchmark.output_artifact_dir;
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| ClusterError::Io { operation: "write", path, source }
        };
        std::fs::create_dir_all(out).map_err(io(out))?;
        let results = match &self.results {
            Some(url) => url.clone(),
            None => {
                // The default location is the run's own, as its artifact directory is: an earlier
                // run's results there are replaced.
                let own = out.join("results");
                if own.is_dir() {
                    std::fs::remove_dir_all(&own).map_err(io(&own))?;
                }
                std::path::absolute(own).map_err(io(out))?.display().to_string()
            }
        };
        let store = Store::open(&results)?;
        let config_path = out.join(CONFIG_FILE);
        let json = serde_json::to_vec_pretty(&benchmark).map_err(|e| io(&config_path)(e.into()))?;
        std::fs::write(&config_path, json).map_err(io(&config_path))?;
        note(&format!(
            "[aiperf] {} workers on this host, meeting at {}; their logs: {}/worker-<index>.log",
            self.count,
            store.shown(),
            out.display()
        ));
        let mut children = Vec::with_capacity(self.count as usize);
        for index in 0..self.count {
            let log_path = out.join(format!("worker-{index}.log"));
            let log = std::fs::File::create(&log_path).map_err(io(&log_path))?;
            let err = log.try_clone().map_err(io(&log_path))?;
            let child = tokio::process::Command::new(&self.program)
                .arg("profile")
                .arg("--bench-config")
                .arg(&config_path)
                .args(["--workers", &self.count.to_string(), "--results", &results, "--no-merge"])
                .args(["--barrier-timeout", &self.barrier_timeout.to_string()])
                .args(&self.forward)
                .env("JOB_COMPLETION_INDEX", index.to_string())
                .env("JOB_COMPLETIONS", self.count.to_string())
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(err)
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| ClusterError::Worker { index, reason: format!("cannot start {}: {e}", self.program.display()) })?;
            children.push((index, child, log_path));
        }
        let pids: Vec<u32> = children.iter().filter_map(|(_, child, _)| child.id()).collect();
        let mut failed = Vec::new();
        for (index, mut child, log) in children {
            let status = wait(&mut child, &pids).await.map_err(|e| ClusterError::Worker { index, reason: e.to_string() })?;
            if !status.success() {
                note(&format!("[aiperf] worker {index} ended with {status}: see {}", log.display()));
                failed.push(index);
            }
        }
        if !failed.is_empty() {
            note(&format!("[aiperf] merging without the results of {} where they are missing", barrier::workers(&failed)));
        }
        merge::from_store::<F>(&store, out, selections).await
    }
}

/// Waits for a worker; a SIGTERM meanwhile is passed on to every worker (`pids`), and a SIGINT
/// is left to them (a terminal's Ctrl-C reaches each already), so that each still writes and
/// uploads what it measured, and the merge runs.
async fn wait(child: &mut tokio::process::Child, pids: &[u32]) -> std::io::Result<std::process::ExitStatus> {
    use tokio::signal::unix::{SignalKind, signal};
    let (mut interrupt, mut terminate) = (signal(SignalKind::interrupt())?, signal(SignalKind::terminate())?);
    loop {
        tokio::select! {
            status = child.wait() => return status,
            _ = interrupt.recv() => {}
            _ = terminate.recv() => pids.iter().for_each(|&pid| terminate_worker(pid)),
        }
    }
}

fn terminate_worker(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a child's pid and a valid signal number touches no memory.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
}
