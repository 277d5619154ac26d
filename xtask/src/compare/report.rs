//! The side-by-side table: one row per benchmark, one column per build, and each build's ratio to
//! the default build; as Markdown (printed, `report.md`) and JSON (`report.json`).

use std::fmt::Write as _;
use std::path::Path;

use super::bench::Figure;
use super::load::{Fidelity, Run};
use super::{Cell, row};

/// One benchmark across the builds.
pub struct Row {
    /// What was measured.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// Whether a larger value is better (requests/s) or worse (ns, µs, MiB).
    pub higher_is_better: bool,
    /// One value per build, in the report's build order.
    pub cells: Vec<Cell>,
}

/// Every row, in order.
pub struct Report {
    builds: Vec<String>,
    quick: bool,
    rows: Vec<Row>,
}

impl Report {
    /// An empty report over `builds` (the first is the baseline of the ratios).
    pub fn new(builds: &[String], quick: bool) -> Self {
        Self { builds: builds.to_vec(), quick, rows: Vec::new() }
    }

    /// Sets `build`'s cell of the row `name`, adding the row when it is new.
    fn set(&mut self, name: &str, unit: &str, higher_is_better: bool, build: &str, value: Cell) {
        let column = self.builds.iter().position(|b| b == build).expect("a build of the report");
        let index = match self.rows.iter().position(|r| r.name == name) {
            Some(index) => index,
            None => {
                self.rows.push(row(name, unit, higher_is_better, vec![None; self.builds.len()]));
                self.rows.len() - 1
            }
        };
        self.rows[index].cells[column] = value;
    }

    /// The criterion figures of one build.
    pub fn add_benches(&mut self, build: &str, figures: &[Figure]) {
        for figure in figures {
            self.set(figure.label, figure.unit, matches!(figure.unit, "MiB/s" | "×"), build, figure.value);
        }
    }

    /// The loads at one concurrency: each build's `aiperf profile` (`runs`), its share of the raw
    /// loop's requests/s (`shares`: the median of its rounds' pairs), and the raw loop.
    pub fn add_loads(&mut self, concurrency: usize, runs: &[Run], shares: &[f64], raw: &Run) {
        for ((build, run), &share) in self.builds.clone().iter().zip(runs).zip(shares) {
            let name = |what: &str| format!("aiperf profile c={concurrency}: {what}");
            self.set(&name("requests/s"), "req/s", true, build, Some(run.requests_per_s));
            self.set(&name("client CPU per request"), "µs", false, build, Some(run.cpu_us_per_request));
            self.set(&name("client CPU per request, startup excluded"), "µs", false, build, Some(run.steady_cpu_us_per_request));
            self.set(&name("peak RSS"), "MiB", false, build, Some(run.peak_rss_mib));
            self.set(&name("share of the raw loop's requests/s"), "%", true, build, Some(share));
            self.set(&format!("raw load loop c={concurrency}: requests/s"), "req/s", true, build, Some(raw.requests_per_s));
            self.set(&format!("raw load loop c={concurrency}: CPU per request"), "µs", false, build, Some(raw.cpu_us_per_request));
        }
    }

    /// Instructions per request counted by callgrind (thousands): a build's `aiperf profile` and
    /// the raw loop, `None` without valgrind.
    pub fn add_instructions(&mut self, concurrency: usize, build: &str, aiperf: Option<f64>, raw: Option<f64>) {
        let name = |who: &str| format!("{who} c={concurrency}: user-space instructions per request (callgrind)");
        let thousands = |n: Option<f64>| n.map(|n| n / 1e3);
        self.set(&name("aiperf profile"), "k", false, build, thousands(aiperf));
        self.set(&name("raw load loop"), "k", false, build, thousands(raw));
    }

    /// How close one build's timing is to a server with known delays, at `concurrency`: what
    /// aiperf measured, and what the server measured of itself.
    pub fn add_fidelity(&mut self, build: &str, concurrency: usize, (ttft, itl): (u64, u64), f: &Fidelity) {
        let name = |what: &str| format!("fidelity c={concurrency}, server TTFT {ttft} ms / ITL {itl} ms: {what}");
        self.set(&name("TTFT p50"), "ms", false, build, Some(f.ttft_p50_ms));
        self.set(&name("TTFT p99"), "ms", false, build, Some(f.ttft_p99_ms));
        self.set(&name("the server's own TTFT p50"), "ms", false, build, Some(f.server_ttft_p50_ms));
        self.set(&name("the server's own TTFT p99"), "ms", false, build, Some(f.server_ttft_p99_ms));
        self.set(&name("TTFT p50, aiperf less the server"), "ms", false, build, Some(f.ttft_p50_ms - f.server_ttft_p50_ms));
        self.set(&name("raw load loop's time to first content p50"), "ms", false, build, Some(f.raw_first_content_p50_ms));
        self.set(&name("raw load loop's time to first content p99"), "ms", false, build, Some(f.raw_first_content_p99_ms));
        self.set(&name("ITL p50"), "ms", false, build, Some(f.itl_p50_ms));
        self.set(&name("effective concurrency"), "requests", true, build, Some(f.effective_concurrency));
    }

    /// Peak RSS of the embedded engine with zero delays at two request counts.
    pub fn add_memory(&mut self, build: &str, (small, large): (u64, u64), runs: &[Run; 2]) {
        let name = |n: u64, what: &str| format!("embedded engine, zero delays, {n} requests: {what}");
        self.set(&name(small, "peak RSS"), "MiB", false, build, Some(runs[0].peak_rss_mib));
        self.set(&name(large, "peak RSS"), "MiB", false, build, Some(runs[1].peak_rss_mib));
        self.set(&name(large, "requests/s"), "req/s", true, build, Some(runs[1].requests_per_s));
        self.set(&name(large, "CPU per request"), "µs", false, build, Some(runs[1].cpu_us_per_request));
    }

    /// The table in Markdown, with the machine it ran on.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# aiperf: builds compared\n\n{}\n", machine());
        if self.quick {
            let _ = writeln!(out, "**--quick: a smoke run (debug builds, short runs). These figures are not measurements.**\n");
        }
        let others = &self.builds[1..];
        let header: Vec<String> = others.iter().map(|b| format!("{b} ÷ {}", self.builds[0])).collect();
        let _ = writeln!(out, "| benchmark | unit | {} | {} |", self.builds.join(" | "), header.join(" | "));
        let _ = writeln!(out, "|---|---|{}{}", "---:|".repeat(self.builds.len()), "---:|".repeat(others.len()));
        for row in &self.rows {
            let cells: Vec<String> = row.cells.iter().map(|c| c.map_or("n/a".to_owned(), format_value)).collect();
            let ratios: Vec<String> =
                row.cells[1..].iter().map(|c| ratio(row.cells[0], *c).map_or("n/a".to_owned(), |r| format!("{r:.2}×"))).collect();
            let _ = writeln!(out, "| {} | {} | {} | {} |", row.name, row.unit, cells.join(" | "), ratios.join(" | "));
        }
        out
    }

    /// Writes `report.md` and `report.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|r| {
                let values: serde_json::Map<String, serde_json::Value> =
                    self.builds.iter().zip(&r.cells).map(|(b, c)| (b.clone(), (*c).into())).collect();
                serde_json::json!({ "name": r.name, "unit": r.unit, "higher_is_better": r.higher_is_better, "values": values })
            })
            .collect();
        let json = serde_json::json!({ "machine": machine(), "quick": self.quick, "builds": self.builds, "rows": rows });
        let write =
            |name: &str, text: String| std::fs::write(dir.join(name), text).map_err(|e| format!("{}: {e}", dir.join(name).display()));
        write("report.md", self.markdown())?;
        write("report.json", serde_json::to_string_pretty(&json).map_err(|e| e.to_string())? + "\n")
    }
}

/// A value divided by the baseline's.
fn ratio(base: Cell, value: Cell) -> Option<f64> {
    Some(value? / base.filter(|b| *b != 0.0)?)
}

fn format_value(value: f64) -> String {
    if value >= 100.0 { format!("{value:.0}") } else { format!("{value:.2}") }
}

/// The machine, as `/proc/cpuinfo` and `nproc` tell it.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model =
        cpuinfo.lines().find_map(|l| l.strip_prefix("model name")).map(|m| m.trim_start_matches([' ', '\t', ':'])).unwrap_or("unknown CPU");
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("Machine: {model}, {cores} cores available.")
}
