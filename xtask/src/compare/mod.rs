//! `cargo xtask compare-builds`: the same benchmarks and loads with each build, side by side.

mod bench;
pub(crate) mod cargo;
mod instructions;
pub(crate) mod load;
mod report;

use std::path::{Path, PathBuf};

use report::{Report, Row};

/// The plugin feature always compared with the default build.
const PLUGIN: &str = "nvidia-optimized";

/// What to compare, and how thoroughly.
#[derive(Debug)]
pub struct Options {
    /// Debug builds, short benches and loads: a smoke run, not a measurement.
    pub quick: bool,
    /// The builds: `default`, then each plugin feature.
    pub builds: Vec<String>,
}

impl Options {
    /// Parses the arguments after `compare-builds`.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Self { quick: false, builds: vec!["default".to_owned(), PLUGIN.to_owned()] };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--features" => {
                    let feature = args.next().ok_or("--features needs a feature name")?;
                    if !options.builds.contains(feature) {
                        options.builds.push(feature.clone());
                    }
                }
                other => return Err(format!("unknown argument {other}: expected --quick or --features FEATURE")),
            }
        }
        Ok(options)
    }
}

/// The workspace root (this crate is `xtask/` in it).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Runs the comparison and writes the report.
pub fn run(options: &Options) -> Result<(), String> {
    let root = root();
    // A smoke run keeps its files apart, so it never overwrites a measurement.
    let target = cargo::target_dir(&root)?;
    let out = if options.quick { target.join("compare-builds/quick") } else { target.join("compare-builds") };
    std::fs::create_dir_all(out.join("bin")).map_err(|e| format!("{}: {e}", out.display()))?;
    let profile = if options.quick { cargo::Profile::Dev } else { cargo::Profile::Release };
    let tools = cargo::tools(&root, &out, profile)?;
    let mut report = Report::new(&options.builds, options.quick);
    let mut binaries = Vec::new();
    for build in &options.builds {
        binaries.push(cargo::aiperf(&root, &out, profile, build)?);
        let figures = bench::run(&root, &out, build, options.quick)?;
        report.add_benches(build, &figures);
    }
    let loads = load::Plan::new(options.quick);
    let server = load::MockServer::start(&tools.mock_server)?;
    for &concurrency in &loads.concurrencies {
        let dir = out.join(format!("loads/c{concurrency}"));
        let (mut runs, mut shares, mut raw) = (vec![Vec::new(); binaries.len()], vec![Vec::new(); binaries.len()], Vec::new());
        for round in 0..loads.rounds {
            for (binary, (runs, shares)) in binaries.iter().zip(runs.iter_mut().zip(&mut shares)) {
                // Each build's run beside a raw loop's, in turn before and after it: the share
                // of a pair measured seconds apart, so the machine's drift between them is small.
                let raw_run = || load::raw(&tools.raw_load, &server.url, concurrency, &loads, &dir.join("inputs.json"));
                let (run, raw_run) = if round % 2 == 0 {
                    let run = load::profile(binary, &server.url, concurrency, &loads, &dir)?;
                    (run, raw_run()?)
                } else {
                    let raw_run = raw_run()?;
                    (load::profile(binary, &server.url, concurrency, &loads, &dir)?, raw_run)
                };
                shares.push(100.0 * run.requests_per_s / raw_run.requests_per_s);
                runs.push(run);
                raw.push(raw_run);
            }
        }
        let runs: Vec<load::Run> = runs.iter().map(|runs| load::Run::median(runs)).collect();
        let shares: Vec<f64> = shares.iter().map(|shares| load::median(shares)).collect();
        report.add_loads(concurrency, &runs, &shares, &load::Run::median(&raw));
        if concurrency == INSTRUCTIONS_CONCURRENCY {
            count_instructions(options, (&binaries, &tools.raw_load), &server.url, &dir, &mut report)?;
        }
    }
    drop(server);
    let (ttft, itl) = load::FIDELITY_DELAYS_MS;
    for (build, binary) in options.builds.iter().zip(&binaries) {
        for concurrency in load::FIDELITY_CONCURRENCIES {
            let dir = out.join(format!("loads/fidelity-{build}"));
            let fidelity = load::fidelity(binary, (&tools.mock_server, &tools.raw_load), concurrency, options.quick, &dir)?;
            report.add_fidelity(build, concurrency, (ttft, itl), &fidelity);
        }
        let (small, large) = if options.quick { (1_000, 10_000) } else { (10_000, 1_000_000) };
        let dir = out.join(format!("loads/embedded-{build}"));
        let runs = [load::embedded(binary, small, &dir)?, load::embedded(binary, large, &dir)?];
        report.add_memory(build, (small, large), &runs);
    }
    report.write(&out)?;
    print!("{}", report.markdown());
    Ok(())
}

/// The concurrency whose requests callgrind counts.
const INSTRUCTIONS_CONCURRENCY: usize = 32;

/// Requests callgrind counts (valgrind slows a run about fiftyfold; the smoke run counts a few
/// requests of debug builds, to check the harness).
fn counted_requests(quick: bool) -> u64 {
    if quick { 20 } else { 4_000 }
}

/// Counts each build's instructions per request, and the raw loop's, against the running server.
fn count_instructions(
    options: &Options,
    (binaries, raw_load): (&[PathBuf], &Path),
    url: &str,
    dir: &Path,
    report: &mut Report,
) -> Result<(), String> {
    let concurrency = INSTRUCTIONS_CONCURRENCY.to_string();
    let raw = instructions::Counted {
        binary: raw_load,
        args: ["--url", url, "--streaming", "--concurrency", &concurrency, "--inputs"]
            .map(str::to_owned)
            .into_iter()
            .chain([dir.join("inputs.json").display().to_string()])
            .collect(),
        count_flag: "--requests",
    };
    let requests = counted_requests(options.quick);
    let raw = instructions::per_request(&raw, requests, &dir.join("callgrind-raw"))?;
    for (build, binary) in options.builds.iter().zip(binaries) {
        let artifacts = dir.join(format!("callgrind-{build}"));
        let mut args: Vec<String> = load::profile_args(url).map(str::to_owned).into();
        args.extend([
            "--concurrency".to_owned(),
            concurrency.clone(),
            "--output-artifact-dir".to_owned(),
            artifacts.join("run").display().to_string(),
        ]);
        let counted = instructions::Counted { binary, args, count_flag: "--request-count" };
        report.add_instructions(INSTRUCTIONS_CONCURRENCY, build, instructions::per_request(&counted, requests, &artifacts)?, raw);
    }
    Ok(())
}

/// One benchmark's result in one build.
pub type Cell = Option<f64>;

/// Rows of the report, built by each measurement module.
pub(crate) fn row(name: &str, unit: &str, higher_is_better: bool, cells: Vec<Cell>) -> Row {
    Row { name: name.to_owned(), unit: unit.to_owned(), higher_is_better, cells }
}
