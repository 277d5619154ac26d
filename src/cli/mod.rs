//! The `aiperf` command line: argument parsing and the subcommands.

mod plugins;

use std::process::ExitCode;

use aiperf_core::Factories;
use clap::{Parser, Subcommand};

pub use plugins::PluginsCommand;

use crate::profile::{ProfileArgs, ProfileError};

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
    Profile(Box<ProfileArgs>),
    /// Show the endpoints and transports compiled into this build, and which implementation is active.
    Plugins {
        /// What to show.
        #[command(subcommand)]
        command: Option<PluginsCommand>,
    },
}

/// What a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An unknown name or implementation.
    #[error(transparent)]
    Factory(#[from] crate::core::FactoryError),
    /// The benchmark could not run.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// `plugins validate` found problems (already printed).
    #[error("{0} implementation(s) failed validation")]
    Invalid(usize),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Runs the command line over the implementation table `F`: parses `std::env::args`, runs the
/// subcommand, prints its output. `aiperf`'s own `main` is `cli::main::<aiperf::Factories>()`;
/// a custom build passes its own generated `Factories` (see [`main!`](crate::main)).
pub fn main<F: Factories>() -> ExitCode {
    let cli = Cli::parse();
    let command_line: Vec<String> = std::env::args().collect();
    match run::<F>(&cli, &command_line.join(" ")) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(CliError::Invalid(n)) => {
            eprintln!("error: {n} implementation(s) failed validation");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// Runs a parsed command over the implementation table `F` and returns what it prints
/// (`command_line` is recorded in exports). Pins given with `--use` last only for this call.
///
/// # Errors
/// A message for the user (unknown name with the valid ones, a flag that cannot work, ...).
pub fn run<F: Factories>(cli: &Cli, command_line: &str) -> Result<String, CliError> {
    match &cli.command {
        Command::Plugins { command } => plugins::run::<F>(command.as_ref()),
        Command::Profile(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(CliError::Runtime)?;
            let outcome = runtime.block_on(crate::profile::run::<F>(args, command_line))?;
            Ok(outcome.console)
        }
    }
}
