//! `cargo xtask`: aiperf's own automation, in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask compare-builds [--quick] [--features F]...`: builds aiperf by default and with
//!   each plugin feature (`nvidia-optimized` and any other given), runs the criterion benches and the
//!   end-to-end loads with each build, and prints one side-by-side table, also written to
//!   `target/compare-builds/report.md` and `report.json`. `--quick` is a smoke run (debug builds,
//!   short loads) that CI executes; its figures are not measurements, and its files go to
//!   `target/compare-builds/quick/`.
//!
//! Dependency rule: no aiperf crate; it drives them through cargo and their command lines.

mod compare;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask compare-builds [--quick] [--features FEATURE]...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("compare-builds") => compare::Options::parse(&args[1..]).and_then(|options| compare::run(&options)),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
