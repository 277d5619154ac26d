//! The `aiperf` command line.

fn main() -> std::process::ExitCode {
    aiperf::cli::main()
}
