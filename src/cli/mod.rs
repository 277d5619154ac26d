//! The `aiperf` command line: argument parsing and the subcommands.

mod plugins;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use plugins::{Category, PluginsArgs};

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
    /// Show the endpoints and transports compiled into this build, and which implementation is active.
    Plugins(PluginsArgs),
}

/// Runs the command line: parses `std::env::args`, runs the subcommand, prints its output.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// Runs a parsed command and returns what it prints.
///
/// # Errors
/// A message for the user (unknown name, with the valid ones).
pub fn run(cli: &Cli) -> Result<String, crate::core::FactoryError> {
    match &cli.command {
        Command::Plugins(args) => plugins::run(args),
    }
}
