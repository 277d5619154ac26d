//! `cargo xtask`: aiperf's own automation, in Rust so it runs wherever cargo does.
//!
//! - `cargo xtask compare-builds [--quick] [--features F]...`: builds aiperf by default and with
//!   each plugin feature (`nvidia-optimized` and any other given), runs the criterion benches and the
//!   end-to-end loads with each build, and prints one side-by-side table, also written to
//!   `target/compare-builds/report.md` and `report.json`. `--quick` is a smoke run (debug builds,
//!   short loads) that CI executes; its figures are not measurements, and its files go to
//!   `target/compare-builds/quick/`.
//! - `cargo xtask parity`: installs AIPerf 0.13.0 into a virtual environment, runs it and aiperf
//!   with the same flags against aiperf's mock server, and compares every key of their
//!   `profile_export_aiperf.json` within the tolerances of `docs/parity.md`
//!   (`target/parity/report.md`); fails where one is exceeded.
//!
//! "`target/`" is cargo's target directory as `cargo metadata` names it (`CARGO_TARGET_DIR` or
//! `build.target-dir` when set): builds are found, and reports written, where cargo put them.
//!
//! Dependency rule: no aiperf crate; it drives them through cargo and their command lines.

mod compare;
mod parity;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask compare-builds [--quick] [--features FEATURE]...\n       cargo xtask parity";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("compare-builds") => compare::Options::parse(&args[1..]).and_then(|options| compare::run(&options)),
        Some("parity") => parity::parse(&args[1..]).and_then(|()| parity::run()),
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
