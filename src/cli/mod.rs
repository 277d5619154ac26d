//! The `aiperf` command line: argument parsing and the subcommands.

mod analyze_trace;
mod cancellation;
mod chat;
mod config_file;
mod exports;
mod gpu_telemetry;
mod kube;
mod plugins;
mod prefixes;
mod profile;
mod profile_args;
mod ramps;
mod readiness;
mod search;
mod server_metrics;
mod users;
mod warmup;
mod workers;

use std::ffi::OsString;
use std::process::ExitCode;

use aiperf_core::{Category, Factories};
use clap::builder::PossibleValuesParser;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use aiperf_bench::stdio::{note, write_stdout};
use aiperf_bench::{ProfileError, Selections, redact};
use aiperf_cluster::ClusterError;
pub use kube::{KubeCommand, ManifestArgs};
pub use plugins::PluginsCommand;
pub use profile_args::{API_KEY_ENV, ProfileArgs};
pub use workers::WorkerArgs;

/// Benchmark AI inference servers; endpoints and transports are compiled-in plugins.
#[derive(Debug, Parser)]
#[command(name = "aiperf", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Benchmark a server (or, without --url, the embedded simulated engine).
    // Negative numbers are values (then refused with what is allowed), not unknown flags.
    #[command(allow_negative_numbers = true)]
    Profile(Box<ProfileArgs>),
    /// Merge the run states of a benchmark's shards (`profile --export-run-state`), or every
    /// worker's results at a `--results` URL, into the exports one process over all their
    /// records would have written.
    Merge(MergeArgs),
    /// Run a benchmark on Kubernetes: its workers as an Indexed Job.
    Kube {
        /// What to do.
        #[command(subcommand)]
        command: KubeCommand,
    },
    /// Draw PNG pictures of runs and sweeps from their exports.
    Plot(crate::plot::PlotArgs),
    /// Analyze a trace before replaying it: input and output lengths, the context its rows share
    /// by `hash_ids` block, and the prefix-cache hit rate an infinite cache would give.
    AnalyzeTrace(analyze_trace::AnalyzeTraceArgs),
    /// Chat with a server, one message at a time: each reply as it streams in, then its time to
    /// first token, tokens per second and inter-token latency (the check before a benchmark).
    Chat(chat::ChatArgs),
    /// Show the endpoints and transports compiled into this build, and which implementation is active.
    Plugins {
        /// What to show.
        #[command(subcommand)]
        command: Option<PluginsCommand>,
    },
}

/// Arguments of `aiperf merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Run states: `run_state.jsonl` files, or the artifact directories holding them; or the
    /// one `--results` URL of a benchmark's workers (s3://, gs://, az://, file://).
    #[arg(required = true)]
    pub states: Vec<std::path::PathBuf>,
    /// Where the merged exports go.
    #[arg(long = "output-artifact-dir", alias = "artifact-dir", default_value = "artifacts/merged")]
    pub output_artifact_dir: std::path::PathBuf,
}

/// What a command can fail with. Some failures still have output (the validation table, the
/// console table of a run whose requests all failed); it is printed before the error.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An unknown name or implementation.
    #[error(transparent)]
    Factory(#[from] crate::core::FactoryError),
    /// The benchmark could not run.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The pictures could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// `plugins validate` found problems.
    #[error("{count} implementation(s) failed validation")]
    Invalid {
        /// How many.
        count: usize,
        /// The validation table.
        output: String,
    },
    /// The benchmark ran, but no profiled request succeeded (the exports are written).
    #[error("no request succeeded ({failed} failed): see the errors above and in the exports")]
    NoRequestSucceeded {
        /// Requests that failed.
        failed: u64,
        /// The console table.
        output: String,
    },
    /// `--failed-request-threshold` stopped the benchmark (the exports are written).
    #[error("stopped early: {failed} of {ended} requests failed, more than --failed-request-threshold allows")]
    FailedRequestThreshold {
        /// Requests that failed.
        failed: u64,
        /// Requests that ended.
        ended: u64,
        /// The console table.
        output: String,
    },
    /// A signal cut the benchmark short (the exports are written, `was_cancelled: true`).
    #[error("cancelled by {}: the exports cover the requests that ended", signal.name())]
    Cancelled {
        /// Which signal.
        signal: aiperf_bench::Signal,
        /// The console table.
        output: String,
    },
    /// The workers of a benchmark, their store or their merge failed.
    #[error(transparent)]
    Cluster(#[from] aiperf_cluster::ClusterError),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// `chat --quick`: the message failed.
    #[error("request failed: {0}")]
    Chat(String),
    /// `analyze-trace`: a trace that cannot be read or is no trace, or a report that cannot be
    /// written.
    #[error("{}: {reason}", path.display())]
    Trace {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        reason: String,
        /// An I/O failure (exit 1), not a malformed trace (exit 2).
        unreadable: bool,
    },
}

impl CliError {
    /// The process exit status (README, "Exit status"): 1 for an I/O failure or failed
    /// validation, 2 for a command line that cannot work, 3 when no request succeeded, 4 when
    /// `--failed-request-threshold` stopped the run, 130 and 143 when SIGINT or SIGTERM cut it short.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Factory(_) => 2,
            Self::Profile(error) | Self::Cluster(ClusterError::Profile(error)) => profile_exit_code(error),
            Self::Runtime(_) | Self::Invalid { .. } | Self::Trace { unreadable: true, .. } | Self::Chat(_) => 1,
            Self::Trace { unreadable: false, .. } => 2,
            Self::Cluster(ClusterError::Url { .. } | ClusterError::Flags { .. } | ClusterError::AlreadyRan { .. }) => 2,
            Self::Cluster(_) => 1,
            Self::Plot(crate::plot::PlotError::NotAnArtifactDir(_)) => 2,
            Self::Plot(_) => 1,
            Self::NoRequestSucceeded { .. } => 3,
            Self::FailedRequestThreshold { .. } => 4,
            Self::Cancelled { signal, .. } => signal.exit_code(),
        }
    }

    /// What the command printed before failing, if anything.
    pub fn output(&self) -> Option<&str> {
        match self {
            Self::Invalid { output, .. }
            | Self::NoRequestSucceeded { output, .. }
            | Self::FailedRequestThreshold { output, .. }
            | Self::Cancelled { output, .. } => Some(output),
            _ => None,
        }
    }
}

/// 1 for a benchmark that could not write, could not start with its workers or found no server
/// ready in time (I/O), 2 for flags that cannot work.
fn profile_exit_code(error: &ProfileError) -> u8 {
    match error {
        ProfileError::Io { .. } | ProfileError::NotStarted(_) | ProfileError::NotReady { .. } => 1,
        _ => 2,
    }
}

/// Runs the command line over the implementation table `F`: parses `std::env::args`, runs the
/// subcommand, prints its output. `aiperf`'s own `main` is `cli::main::<aiperf::Factories>()`;
/// a custom build passes its own generated `Factories` (see [`main!`](crate::main)).
pub fn main<F: Factories>() -> ExitCode {
    // Arguments need not be UTF-8 (paths): clap reads them as OS strings, and the command line
    // recorded in exports is written lossily, with credentials hidden.
    let args: Vec<OsString> = std::env::args_os().collect();
    let matches = command::<F>().try_get_matches_from(&args).unwrap_or_else(|e| e.exit());
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match &mut cli.command {
        Command::Profile(profile) => profile.explicit = matches.subcommand_matches("profile").map(typed).unwrap_or_default(),
        Command::Kube { command: KubeCommand::Manifest(manifest) } => {
            let given = matches.subcommand_matches("kube").and_then(|kube| kube.subcommand_matches("manifest"));
            manifest.profile.explicit = given.map(typed).unwrap_or_default();
        }
        _ => {}
    }
    match run::<F>(&cli, &redact::command_line(&args)) {
        Ok(output) if print_output(&output) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            if let Some(output) = error.output() {
                print_output(output);
            }
            note(&format!("error: {error}"));
            ExitCode::from(error.exit_code())
        }
    }
}

/// The ids of the arguments of `matches` given on the command line (not defaults).
fn typed(matches: &clap::ArgMatches) -> Vec<String> {
    matches
        .ids()
        .filter(|id| matches.value_source(id.as_str()) == Some(clap::parser::ValueSource::CommandLine))
        .map(|id| id.to_string())
        .collect()
}

/// The command line of a build with the table `F`: `--endpoint-type` and `--transport` take the
/// names compiled in, so clap refuses any other with the valid ones and the closest.
pub fn command<F: Factories>() -> clap::Command {
    fn names<C: Category>() -> PossibleValuesParser {
        PossibleValuesParser::new(C::names().iter().map(|entry| entry.text))
    }
    fn table<F: Factories>(profile: clap::Command) -> clap::Command {
        profile
            .mut_arg("endpoint_type", |arg| arg.value_parser(names::<F::Endpoints>()))
            .mut_arg("transport", |arg| arg.value_parser(names::<F::Transports>()))
            .mut_arg("arrival_pattern", |arg| arg.value_parser(names::<F::ArrivalPatterns>()))
            .mut_arg("custom_dataset_type", |arg| arg.value_parser(dataset_types::<F>()))
    }
    Cli::command().mut_subcommand("profile", table::<F>).mut_subcommand("kube", |kube| kube.mut_subcommand("manifest", table::<F>))
}

/// `--custom-dataset-type`: the engine's own formats, then the build's dataset loaders.
fn dataset_types<F: Factories>() -> PossibleValuesParser {
    use aiperf_bench::config::{DatasetType, Named};
    let own = DatasetType::ALL.iter().filter(|kind| **kind != DatasetType::SingleTurn).map(|kind| kind.name());
    PossibleValuesParser::new(own.chain(<F::DatasetLoaders as Category>::names().iter().map(|entry| entry.text)))
}

/// Prints a command's output; a reader that went away ends it quietly. Returns false when the
/// output could not be written (a full disk).
fn print_output(output: &str) -> bool {
    match write_stdout(output) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => true,
        Err(e) => {
            note(&format!("error: cannot write the output to stdout: {e}"));
            false
        }
    }
}

/// Runs a parsed command over the implementation table `F` and returns what it prints
/// (`command_line` is recorded in exports). Pins given with `--use` last only for this call.
///
/// # Errors
/// A message for the user (unknown name with the valid ones, a flag that cannot work, ...).
pub fn run<F: Factories>(cli: &Cli, command_line: &str) -> Result<String, CliError> {
    run_with::<F>(cli, command_line, &Selections::default())
}

/// [`run`], resolving names as `selections` choose from the table `F`: an embedder's pins, and
/// the endpoints and transports it registered at run time.
///
/// # Errors
/// As [`run`].
pub fn run_with<F: Factories>(cli: &Cli, command_line: &str, selections: &Selections<F>) -> Result<String, CliError> {
    match &cli.command {
        Command::Plugins { command } => plugins::run::<F>(command.as_ref(), selections),
        Command::Plot(args) => Ok(crate::plot::run(args)?),
        Command::AnalyzeTrace(args) => analyze_trace::run(args),
        Command::Chat(args) => chat::run::<F>(args, selections),
        Command::Merge(args) => profile::merge::<F>(args, selections),
        Command::Kube { command } => kube::run(command),
        Command::Profile(args) => profile::run::<F>(args, command_line, selections),
    }
}

/// The console table of a benchmark (run or merged), or the error its outcome is: a signal, the
/// failure threshold, no request succeeded.
pub(crate) fn finished(outcome: aiperf_bench::ProfileOutcome) -> Result<String, CliError> {
    if let Some(signal) = outcome.cancelled_by {
        return Err(CliError::Cancelled { signal, output: outcome.console });
    }
    if outcome.threshold_crossed {
        let ended = outcome.completed + outcome.failed;
        return Err(CliError::FailedRequestThreshold { failed: outcome.failed, ended, output: outcome.console });
    }
    // Requests the client cancelled on purpose are no sign of a server that failed; a run that
    // ended no request at all is one.
    if outcome.completed == 0 && (outcome.failed == 0 || outcome.failed > outcome.cancelled) {
        return Err(CliError::NoRequestSucceeded { failed: outcome.failed, output: outcome.console });
    }
    Ok(outcome.console)
}
