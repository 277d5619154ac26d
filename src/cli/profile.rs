//! Running `aiperf profile` (alone, as one worker of several, or as every worker on this host)
//! and `aiperf merge` (of run states, or of a results location).

use std::sync::Arc;

use aiperf_bench::ProfileError;
use aiperf_bench::observe::RunObserver;
use aiperf_bench::readiness::ModelList;
use aiperf_bench::stdio::note;
use aiperf_bench::{Context, Selections};
use aiperf_cluster::store::Store;
use aiperf_core::Factories;

use super::workers::Mode;
use super::{CliError, MergeArgs, ProfileArgs, finished};

/// `aiperf profile`: the console table of the run (of the merged benchmark, for workers).
///
/// # Errors
/// What the run's outcome is (see [`finished`]), or why it could not run.
pub fn run<F: Factories>(args: &ProfileArgs, command_line: &str, selections: &Selections<F>) -> Result<String, CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
    let flags = args.resolve()?;
    let config = args.workers.bench_config(&flags)?.unwrap_or(flags).with_seed();
    let settings = args.engine_settings(&config)?;
    let mut observers: Vec<Arc<dyn RunObserver>> = Vec::new();
    if let Some(server_metrics) = args.server_metrics.observer(config.url.as_deref(), args.auto_plot)? {
        observers.push(Arc::new(server_metrics));
    }
    if let Some(gpus) = args.gpu_telemetry.observer()? {
        observers.push(Arc::new(gpus));
    }
    let context = Context {
        command_line: command_line.to_owned(),
        settings,
        selections: selections.clone(),
        start: None,
        observers,
        model_list: model_list(&config)?,
    };
    let outcome = match args.workers.mode()? {
        Mode::Alone => runtime.block_on(aiperf_bench::run::<F>(&config, &context))?,
        Mode::Local(mut local) => {
            config.check_workers(local.count)?;
            // The embedded engine's settings are flags of their own, not the benchmark's.
            local.forward = ["--engine-ttft-ms", &args.engine_ttft_ms.to_string(), "--engine-itl-ms", &args.engine_itl_ms.to_string()]
                .map(str::to_owned)
                .to_vec();
            runtime.block_on(local.run::<F>(config, selections))?
        }
        Mode::Worker(worker) => {
            let done = runtime.block_on(worker.run::<F>(config, context))?;
            // The worker's own run decides its exit status; the merged table (when this worker
            // merged) is printed whatever its own run did.
            let merged = done.merged.map(|merged| format!("\nThe benchmark, every worker merged:\n{}", merged.console));
            return match (done.own.map_err(CliError::from).and_then(finished), merged) {
                (Ok(own), merged) => Ok(own + merged.as_deref().unwrap_or_default()),
                (Err(error), Some(merged)) => {
                    super::print_output(&merged);
                    Err(error)
                }
                (Err(error), None) => Err(error),
            };
        }
    };
    let artifact_dir = outcome.artifact_dir.clone();
    let mut console = finished(outcome)?;
    if args.auto_plot {
        // The pictures are a bonus: a failure to draw them does not fail the benchmark.
        match crate::plot::run(&crate::plot::PlotArgs { paths: vec![artifact_dir], output: None }) {
            Ok(written) => console.push_str(&written),
            Err(e) => note(&format!("[aiperf] --auto-plot: {e}")),
        }
    }
    Ok(console)
}

/// `aiperf merge`: run states given as files or directories, or one results URL.
///
/// # Errors
/// What the merged outcome is (see [`finished`]), or why the states could not be merged.
pub fn merge<F: Factories>(args: &MergeArgs, selections: &Selections<F>) -> Result<String, CliError> {
    // A URL, or a directory that is a results location (`workers/` in it, as `--workers` on
    // one host leaves under the artifact directory).
    let url = match args.states.as_slice() {
        [one] if one.join("workers").is_dir() => one.to_str(),
        [one] => one.to_str().filter(|text| text.contains("://")),
        _ => None,
    };
    let outcome = match url {
        Some(url) => {
            let store = Store::open(url)?;
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
            runtime.block_on(aiperf_cluster::merge::from_store::<F>(&store, &args.output_artifact_dir, selections))?
        }
        None => aiperf_bench::state::merge::<F>(&args.states, &args.output_artifact_dir, selections, &[])?,
    };
    finished(outcome)
}

/// The model-list reader of `--wait-for-model-mode models` (and `both`), built only for them.
fn model_list(config: &aiperf_bench::BenchConfig) -> Result<Option<Arc<dyn ModelList>>, ProfileError> {
    use aiperf_bench::config::ReadinessMode;
    if !matches!(config.wait_for_model_mode, Some(ReadinessMode::Models | ReadinessMode::Both)) {
        return Ok(None);
    }
    let listing =
        aiperf_telemetry::models::ModelListing::new().map_err(|reason| ProfileError::Flags { flag: "--wait-for-model-mode", reason })?;
    Ok(Some(Arc::new(listing)))
}
