//! The `aiperf` command line over this package's factories (builtins and enabled plugins).

fn main() -> std::process::ExitCode {
    aiperf::cli::main::<aiperf::Factories>()
}
