//! The end-to-end loads: `aiperf profile` of each build against `aiperf-mock-server` with zero
//! delays, and the raw load loop on the same requests, each with its CPU time and peak RSS.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Sizes of the loads.
pub struct Plan {
    /// Concurrencies measured.
    pub concurrencies: Vec<usize>,
    /// Requests per run at each concurrency (enough for a few seconds each).
    requests: fn(usize) -> u64,
    /// Rounds at each concurrency, each running every build beside a raw loop of its own.
    pub rounds: usize,
}

impl Plan {
    /// Full runs, or a smoke run.
    pub fn new(quick: bool) -> Self {
        let requests: fn(usize) -> u64 = if quick { |_| 200 } else { |c| if c >= 256 { 40_000 } else { 20_000 } };
        Self { concurrencies: vec![32, 256], requests, rounds: if quick { 1 } else { 7 } }
    }
}

/// What one measured process did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Run {
    /// Requests completed per second.
    pub requests_per_s: f64,
    /// User plus system CPU time per request, in µs.
    pub cpu_us_per_request: f64,
    /// The same without the startup (tokenizer tables, dataset, connections): less the CPU time of
    /// a one-request run, over the other requests.
    pub steady_cpu_us_per_request: f64,
    /// Peak resident set size, in MiB.
    pub peak_rss_mib: f64,
}

impl Run {
    /// Each figure's median over `runs`: rounds that alternate the builds and the raw loop, so
    /// that a drift of the machine's speed during one of them does not decide the figures.
    pub fn median(runs: &[Run]) -> Run {
        let median = |figure: fn(&Run) -> f64| median(&runs.iter().map(figure).collect::<Vec<_>>());
        Run {
            requests_per_s: median(|r| r.requests_per_s),
            cpu_us_per_request: median(|r| r.cpu_us_per_request),
            steady_cpu_us_per_request: median(|r| r.steady_cpu_us_per_request),
            peak_rss_mib: median(|r| r.peak_rss_mib),
        }
    }
}

/// The median of `values` (the upper one of an even count; NaN for none).
pub fn median(values: &[f64]) -> f64 {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `aiperf-mock-server` with zero delays on an ephemeral port of 127.0.0.1, stopped on drop.
pub struct MockServer {
    child: Child,
    /// Its base URL.
    pub url: String,
}

impl MockServer {
    /// Starts the server with zero delays and reads its URL from its first line.
    pub fn start(binary: &Path) -> Result<Self, String> {
        Self::start_with(binary, &["--ttft-ms", "0", "--itl-ms", "0"])
    }

    /// Starts the server with `delays` (its `--ttft-ms`/`--itl-ms` flags).
    pub fn start_with(binary: &Path, delays: &[&str]) -> Result<Self, String> {
        let mut child = Command::new(binary)
            .args(["--host", "127.0.0.1", "--port", "0", "--output-tokens", "16"])
            .args(delays)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("no stdout from the mock server")?;
        BufReader::new(stdout).read_line(&mut line).map_err(|e| format!("mock server: {e}"))?;
        let url = line.trim().strip_prefix("listening on ").ok_or_else(|| format!("mock server said {line:?}"))?.to_owned();
        Ok(Self { child, url })
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The load every `aiperf profile` of the comparison runs against the mock server at `url`:
/// streaming chat, ISL 128, OSL 16, no progress display.
pub fn profile_args(url: &str) -> [&str; 12] {
    ["profile", "--url", url, "--model", "mock", "--streaming", "--isl", "128", "--osl", "16", "--ui", "none"]
}

/// Runs `aiperf profile` of one build: streaming chat, ISL 128, OSL 16. Its exports go to
/// `dir/<binary name>`.
pub fn profile(binary: &Path, url: &str, concurrency: usize, plan: &Plan, dir: &Path) -> Result<Run, String> {
    let name = binary.file_name().and_then(|n| n.to_str()).unwrap_or("aiperf");
    let artifacts = dir.join(name);
    let requests = (plan.requests)(concurrency);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let run = |requests: u64, artifacts: &Path| {
        let mut command = Command::new(binary);
        command.args(profile_args(url));
        command.args(["--concurrency", &concurrency.to_string(), "--request-count", &requests.to_string(), "--output-artifact-dir"]);
        command.arg(artifacts);
        measure(command, &artifacts.with_extension("log"))
    };
    let startup = run(1, &dir.join(format!("{name}-startup")))?;
    let usage = run(requests, &artifacts)?;
    let export = read_export(&artifacts)?;
    let requests_per_s = export["request_throughput"]["avg"].as_f64().ok_or_else(|| format!("{name}: no request_throughput"))?;
    // The raw loop replays the first build's requests.
    if !dir.join("inputs.json").exists() {
        std::fs::copy(artifacts.join("inputs.json"), dir.join("inputs.json")).map_err(|e| format!("inputs.json: {e}"))?;
    }
    let mut measured = usage.run(requests_per_s, requests);
    measured.steady_cpu_us_per_request = (usage.cpu_seconds - startup.cpu_seconds).max(0.0) * 1e6 / (requests - 1).max(1) as f64;
    Ok(measured)
}

/// Runs the raw load loop on the requests of `inputs`.
pub fn raw(binary: &Path, url: &str, concurrency: usize, plan: &Plan, inputs: &Path) -> Result<Run, String> {
    let requests = (plan.requests)(concurrency);
    let mut usage = None;
    let result = raw_run(binary, url, concurrency, requests, inputs, &mut usage)?;
    let seconds = result["seconds"].as_f64().filter(|s| *s > 0.0).ok_or("raw load: no duration")?;
    Ok(usage.ok_or("raw load: no usage")?.run(requests as f64 / seconds, requests))
}

/// Runs the raw load loop (its output in `raw_load.log` beside `inputs`): its JSON line, and its
/// CPU and memory in `usage`.
fn raw_run(
    binary: &Path,
    url: &str,
    concurrency: usize,
    requests: u64,
    inputs: &Path,
    usage: &mut Option<Usage>,
) -> Result<serde_json::Value, String> {
    let mut command = Command::new(binary);
    command.args(["--url", url, "--streaming", "--concurrency", &concurrency.to_string(), "--requests", &requests.to_string()]);
    command.arg("--inputs").arg(inputs);
    let log = inputs.with_file_name("raw_load.log");
    *usage = Some(measure(command, &log)?);
    let line = std::fs::read_to_string(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    serde_json::from_str(line.trim()).map_err(|e| format!("raw load said {line:?}: {e}"))
}

/// CPU time and peak RSS of a finished process.
struct Usage {
    cpu_seconds: f64,
    peak_rss_mib: f64,
}

impl Usage {
    fn run(&self, requests_per_s: f64, requests: u64) -> Run {
        let cpu_us_per_request = self.cpu_seconds * 1e6 / requests as f64;
        Run { requests_per_s, cpu_us_per_request, steady_cpu_us_per_request: cpu_us_per_request, peak_rss_mib: self.peak_rss_mib }
    }
}

/// Runs `command` with its output in `log` and returns its own resource usage (`wait4`).
fn measure(mut command: Command, log: &PathBuf) -> Result<Usage, String> {
    let out = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let child = command.stdout(out).stderr(Stdio::inherit()).spawn().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is valid (plain integers); `wait4` fills it and `status` for our
    // own child `pid`, which nothing else waits for (`child` is dropped without `wait`).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live locals of the right types.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    drop(child);
    if waited != pid {
        return Err(format!("wait4 on {command:?}: {}", std::io::Error::last_os_error()));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(format!("{command:?} failed (wait status {status}); its output is in {}", log.display()));
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    // Linux reports `ru_maxrss` in KiB.
    Ok(Usage { cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime), peak_rss_mib: usage.ru_maxrss as f64 / 1024.0 })
}

/// What a run against a server with real delays measured: how close to the server's own timing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fidelity {
    /// Time to first token as aiperf measured it, p50, ms.
    pub ttft_p50_ms: f64,
    /// The same, p99, ms.
    pub ttft_p99_ms: f64,
    /// Time to first token as the mock server measured it (arrival to first token handed to the
    /// connection, `GET /mock/timings`), p50, ms.
    pub server_ttft_p50_ms: f64,
    /// The same, p99, ms.
    pub server_ttft_p99_ms: f64,
    /// Time to first content as the raw load loop measured it against the same server, right
    /// after (same concurrency, requests and warm-up), p50, ms: the least a client here can see.
    pub raw_first_content_p50_ms: f64,
    /// The same, p99, ms.
    pub raw_first_content_p99_ms: f64,
    /// Inter-token latency, p50, ms.
    pub itl_p50_ms: f64,
    /// Mean requests in flight.
    pub effective_concurrency: f64,
}

/// The server delays of the fidelity load: `--ttft-ms 20 --itl-ms 5`.
pub const FIDELITY_DELAYS_MS: (u64, u64) = (20, 5);

/// The concurrencies of the fidelity loads: a light one and the heavy one.
pub const FIDELITY_CONCURRENCIES: [usize; 2] = [32, 256];

/// `aiperf profile` at `concurrency` (after one warm-up request per connection) against a fresh
/// mock server with [`FIDELITY_DELAYS_MS`], the server's own times to first token, and then the
/// raw load loop's against the same server.
pub fn fidelity(binary: &Path, tools: (&Path, &Path), concurrency: usize, quick: bool, dir: &Path) -> Result<Fidelity, String> {
    let (server, raw_load) = tools;
    let (ttft, itl) = FIDELITY_DELAYS_MS;
    let server = MockServer::start_with(server, &["--ttft-ms", &ttft.to_string(), "--itl-ms", &itl.to_string()])?;
    let name = binary.file_name().and_then(|n| n.to_str()).unwrap_or("aiperf");
    let artifacts = dir.join(format!("{name}-c{concurrency}"));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let requests = match (quick, concurrency >= 256) {
        (true, _) => 2 * concurrency,
        (false, true) => 10_000,
        (false, false) => 3_000,
    };
    let mut command = Command::new(binary);
    command.args(profile_args(&server.url));
    command.args(["--concurrency", &concurrency.to_string(), "--request-count", &requests.to_string()]);
    // One warm-up request per connection: the profiled requests are the steady state, not the
    // first wave, which opens every connection at the same instant (docs/performance.md).
    command.args(["--warmup-request-count", &concurrency.to_string(), "--output-artifact-dir"]).arg(&artifacts);
    measure(command, &artifacts.with_extension("log"))?;
    let export = read_export(&artifacts)?;
    let stat = |metric: &str, stat: &str| export[metric][stat].as_f64().ok_or_else(|| format!("{name}: no {metric}.{stat}"));
    let timings = server_timings(&server.url)?;
    let server_stat = |stat: &str| timings["time_to_first_token_ms"][stat].as_f64().ok_or_else(|| format!("mock server said {timings}"));
    // As many measured requests as aiperf profiled: its warm-up is each worker's first request.
    let raw = raw_run(raw_load, &server.url, concurrency, (requests + concurrency) as u64, &artifacts.join("inputs.json"), &mut None)?;
    let raw_stat = |key: &str| raw[key].as_f64().ok_or_else(|| format!("raw load said {raw}"));
    Ok(Fidelity {
        raw_first_content_p50_ms: raw_stat("first_content_p50_ms")?,
        raw_first_content_p99_ms: raw_stat("first_content_p99_ms")?,
        ttft_p50_ms: stat("time_to_first_token", "p50")?,
        ttft_p99_ms: stat("time_to_first_token", "p99")?,
        server_ttft_p50_ms: server_stat("p50")?,
        server_ttft_p99_ms: server_stat("p99")?,
        itl_p50_ms: stat("inter_token_latency", "p50")?,
        effective_concurrency: stat("effective_concurrency", "avg")?,
    })
}

/// `GET /mock/timings` of the mock server at `url` (plain HTTP/1.1 on 127.0.0.1).
fn server_timings(url: &str) -> Result<serde_json::Value, String> {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).map_err(|e| format!("mock server at {address}: {e}"))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).map_err(|e| e.to_string())?;
    stream.write_all(b"GET /mock/timings HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\r\n").map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream.read_to_string(&mut response).map_err(|e| format!("mock server timings: {e}"))?;
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body).ok_or("mock server timings: no body")?;
    serde_json::from_str(body).map_err(|e| format!("mock server timings {body:?}: {e}"))
}

/// `aiperf profile` on the embedded engine with zero delays (no server, no network): `requests`
/// requests at concurrency 32, for peak RSS against the request count.
pub fn embedded(binary: &Path, requests: u64, dir: &Path) -> Result<Run, String> {
    let artifacts = dir.join(format!("embedded-{requests}"));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut command = Command::new(binary);
    command.args(["profile", "--streaming", "--ui", "none", "--engine-ttft-ms", "0", "--engine-itl-ms", "0", "--concurrency", "32"]);
    command.args(["--request-count", &requests.to_string(), "--output-artifact-dir"]).arg(&artifacts);
    let usage = measure(command, &artifacts.with_extension("log"))?;
    let export = read_export(&artifacts)?;
    let requests_per_s = export["request_throughput"]["avg"].as_f64().ok_or("embedded run: no request_throughput")?;
    let _ = std::fs::remove_file(artifacts.join("profile_export.jsonl"));
    Ok(usage.run(requests_per_s, requests))
}

fn read_export(artifacts: &Path) -> Result<serde_json::Value, String> {
    let path = artifacts.join("profile_export_aiperf.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
