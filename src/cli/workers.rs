//! `aiperf profile --workers N`: the flags of a benchmark shared by several workers, and which
//! of the three ways this process runs: the whole benchmark alone, one worker of a Kubernetes
//! Indexed Job (`JOB_COMPLETION_INDEX`, or `--worker-index`), or N worker processes on this host.

use std::path::PathBuf;
use std::time::Duration;

use aiperf_bench::config::Shard;
use aiperf_bench::{BenchConfig, ProfileError};
use aiperf_cluster::local::LocalWorkers;
use aiperf_cluster::store::Store;
use aiperf_cluster::worker::Worker;
use clap::Args;

/// The index Kubernetes gives each pod of an Indexed Job.
pub const INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// The pods of the Job, as `aiperf kube manifest` sets it (and the local workers).
pub const COUNT_ENV: &str = "JOB_COMPLETIONS";

/// Flags of a benchmark shared by several workers.
#[derive(Clone, Debug, Args)]
pub struct WorkerArgs {
    /// Workers sharing the benchmark, each sending its exact share. With an index (--worker-index,
    /// or $JOB_COMPLETION_INDEX in a Kubernetes Indexed Job) this process is that worker; without,
    /// it runs all of them here as processes and merges their results.
    #[arg(long)]
    pub workers: Option<u32>,
    /// This process's worker, 0-based [default: $JOB_COMPLETION_INDEX].
    #[arg(long, requires = "workers")]
    pub worker_index: Option<u32>,
    /// Where the workers meet and leave their results: s3://bucket/prefix, gs://…, az://…,
    /// file:///path (credentials from the environment) [default with --workers on one host: the
    /// artifact directory's results/].
    #[arg(long, requires = "workers")]
    pub results: Option<String>,
    /// Seconds the workers wait at the start barrier for the last of them, from when the first
    /// is ready; those still missing then are left out and named.
    #[arg(long, default_value_t = 300.0)]
    pub barrier_timeout: f64,
    /// Leave the merge to `aiperf merge URL` instead of the last worker to end.
    #[arg(long, requires = "workers")]
    pub no_merge: bool,
    /// The benchmark as JSON (the `benchmark.json` of `aiperf kube manifest`'s ConfigMap)
    /// instead of the profile flags.
    #[arg(long)]
    pub bench_config: Option<PathBuf>,
}

/// How this process runs the benchmark.
pub enum Mode {
    /// All of it, alone.
    Alone,
    /// One worker of several.
    Worker(Worker),
    /// Every worker, as processes of this host.
    Local(LocalWorkers),
}

impl WorkerArgs {
    /// How this process runs, from the flags and the environment the Job controller sets.
    ///
    /// # Errors
    /// A worker without a results location, an index past the workers, a count that differs
    /// from the Job's, or a timeout that is no duration.
    pub fn mode(&self) -> Result<Mode, ProfileError> {
        let Some(count) = self.workers else { return Ok(Mode::Alone) };
        if let Some(jobs) = env_number(COUNT_ENV)?
            && jobs != count
        {
            return Err(ProfileError::Flags {
                flag: "--workers",
                reason: format!("is {count}, but ${COUNT_ENV} is {jobs}: the Job runs {jobs} pods"),
            });
        }
        let timeout = Duration::try_from_secs_f64(self.barrier_timeout).ok().filter(|t| !t.is_zero()).ok_or_else(|| {
            ProfileError::InvalidArgument {
                flag: "--barrier-timeout",
                value: self.barrier_timeout.to_string(),
                expected: "a positive number of seconds".to_owned(),
            }
        })?;
        let index = match self.worker_index {
            Some(index) => Some(index),
            None => env_number(INDEX_ENV)?,
        };
        let Some(index) = index else {
            let program = std::env::current_exe().map_err(|source| ProfileError::Io { path: "the aiperf program".to_owned(), source })?;
            let results = self.results.clone();
            return Ok(Mode::Local(LocalWorkers { program, count, results, barrier_timeout: self.barrier_timeout, forward: Vec::new() }));
        };
        let Some(results) = &self.results else {
            let reason = "each worker leaves its results where the others and the merge find them: pass --results s3://…, gs://…, az://… or file:///… (shared by all workers)".to_owned();
            return Err(ProfileError::Flags { flag: "--results", reason });
        };
        let store = Store::open(results).map_err(|e| ProfileError::Flags { flag: "--results", reason: e.to_string() })?;
        Ok(Mode::Worker(Worker { store, shard: Shard::new(index, count)?, barrier_timeout: timeout, merge: !self.no_merge }))
    }

    /// The benchmark of `--bench-config`, if given; `flags` is what the profile flags say, which
    /// must then be their defaults (a flag would be ignored otherwise).
    ///
    /// # Errors
    /// A file that cannot be read or is no benchmark, or profile flags given beside it.
    pub fn bench_config(&self, flags: &BenchConfig) -> Result<Option<BenchConfig>, ProfileError> {
        let Some(path) = &self.bench_config else { return Ok(None) };
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Io { path: path.display().to_string(), source })?;
        let mut config: BenchConfig = serde_json::from_str(&text).map_err(|e| ProfileError::InputFile {
            path: path.display().to_string(),
            line: e.line(),
            reason: e.to_string(),
        })?;
        let given = differing(flags, &BenchConfig { api_key: flags.api_key.clone(), ..BenchConfig::default() });
        if !given.is_empty() {
            let reason = format!("the benchmark is the file's; these flags would be ignored: {}", given.join(", "));
            return Err(ProfileError::Flags { flag: "--bench-config", reason });
        }
        config.api_key.clone_from(&flags.api_key);
        Ok(Some(config))
    }
}

/// The flags (as `--name`) whose values differ between two configurations.
fn differing(a: &BenchConfig, b: &BenchConfig) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) = (serde_json::to_value(a), serde_json::to_value(b)) else {
        return Vec::new();
    };
    a.iter().filter(|(key, value)| b.get(*key) != Some(value)).map(|(key, _)| format!("--{}", key.replace('_', "-"))).collect()
}

/// A number from the environment, none when unset.
fn env_number(name: &'static str) -> Result<Option<u32>, ProfileError> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(text) => text.trim().parse().map(Some).map_err(|_| ProfileError::InvalidArgument {
            flag: name,
            value: text,
            expected: "a worker index or count (a whole number), as the Job controller sets it".to_owned(),
        }),
    }
}
