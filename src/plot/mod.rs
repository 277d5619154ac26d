//! `aiperf plot`: PNG pictures of runs and sweeps from their exports (and `aiperf profile
//! --auto-plot`). A run directory gives the TTFT, ITL and latency distributions (histogram and
//! CDF), TTFT and latency against request start, throughput and requests in flight over time,
//! and, from its telemetry files, the server's queue and KV cache and the GPUs over time;
//! a sweep directory gives output throughput against latency and TTFT against request
//! throughput, a point per sweep point.

mod charts;
pub mod data;
mod telemetry;

use std::path::{Path, PathBuf};

use clap::Args;

use data::Request;

/// Arguments of `aiperf plot`.
#[derive(Clone, Debug, Args)]
pub struct PlotArgs {
    /// Run or sweep directories (what `aiperf profile` wrote).
    #[arg(default_value = "artifacts")]
    pub paths: Vec<PathBuf>,
    /// Where the pictures go [default: `plots/` in the first directory].
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Why pictures could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// An export cannot be read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file (and line).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A directory holds neither a run nor a sweep.
    #[error("{0} holds no profile_export.jsonl (a run) or sweep_summary.json (a sweep): give a directory `aiperf profile` wrote")]
    NotAnArtifactDir(String),
    /// A picture cannot be drawn or written.
    #[error("cannot draw: {0}")]
    Draw(String),
}

/// Requests per second, output tokens per second and requests in flight over a run's slices.
#[derive(Debug, Default, PartialEq)]
pub struct Timeline {
    /// The middle of each slice, seconds.
    pub times: Vec<f64>,
    /// Requests that ended in each slice, per second.
    pub requests_per_s: Vec<f64>,
    /// Output tokens of the requests that ended in each slice, per second.
    pub tokens_per_s: Vec<f64>,
    /// Requests in flight at the middle of each slice.
    pub in_flight: Vec<f64>,
}

impl Timeline {
    /// `requests` over `slices` equal slices of the run.
    pub fn of(requests: &[Request], slices: usize) -> Self {
        let end = requests.iter().map(|r| r.end).fold(0.0, f64::max).max(1e-3);
        let width = end / slices as f64;
        let mut timeline = Self::default();
        let (mut ended, mut tokens) = (vec![0.0; slices], vec![0.0; slices]);
        for r in requests.iter().filter(|r| !r.failed) {
            let slice = ((r.end / width) as usize).min(slices - 1);
            ended[slice] += 1.0;
            tokens[slice] += r.output_tokens;
        }
        let (mut starts, mut ends): (Vec<f64>, Vec<f64>) = requests.iter().map(|r| (r.start, r.end)).unzip();
        starts.sort_by(f64::total_cmp);
        ends.sort_by(f64::total_cmp);
        for i in 0..slices {
            let middle = (i as f64 + 0.5) * width;
            timeline.times.push(middle);
            timeline.requests_per_s.push(ended[i] / width);
            timeline.tokens_per_s.push(tokens[i] / width);
            let started = starts.partition_point(|&t| t <= middle);
            let finished = ends.partition_point(|&t| t <= middle);
            timeline.in_flight.push(started.saturating_sub(finished) as f64);
        }
        timeline
    }
}

/// Draws the pictures of every directory in `args`; returns what was written, a line per file.
///
/// # Errors
/// [`PlotError`] naming the directory or file at fault.
pub fn run(args: &PlotArgs) -> Result<String, PlotError> {
    let first = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("artifacts"));
    let output = args.output.clone().unwrap_or_else(|| first.join("plots"));
    std::fs::create_dir_all(&output).map_err(|e| PlotError::Draw(format!("{}: {e}", output.display())))?;
    let mut written = Vec::new();
    for dir in &args.paths {
        // Several directories write side by side, each picture named after its directory.
        let prefix = if args.paths.len() > 1 {
            format!("{}_", dir.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()))
        } else {
            String::new()
        };
        let out = |name: &str| output.join(format!("{prefix}{name}.png"));
        if let Some(points) = data::sweep(dir)? {
            written.extend(sweep(&points, out)?);
        } else if dir.join("profile_export.jsonl").exists() {
            written.extend(single(dir, out)?);
        } else {
            return Err(PlotError::NotAnArtifactDir(dir.display().to_string()));
        }
    }
    Ok(written.iter().map(|p| format!("wrote {}\n", p.display())).collect())
}

/// One metric of a request.
type Field = fn(&Request) -> Option<f64>;

/// The pictures of one run.
fn single(dir: &Path, out: impl Fn(&str) -> PathBuf) -> Result<Vec<PathBuf>, PlotError> {
    let (zero, requests) = data::requests(dir)?;
    let ok: Vec<&Request> = requests.iter().filter(|r| !r.failed).collect();
    let mut written = Vec::new();
    let metrics: [(&str, &str, Field); 3] = [
        ("ttft", "Time to First Token", |r| r.ttft),
        ("itl", "Inter Token Latency", |r| r.itl),
        ("latency", "Request Latency", |r| r.latency),
    ];
    for (name, title, value) in metrics {
        let values: Vec<f64> = ok.iter().filter_map(|r| value(r)).collect();
        if values.is_empty() {
            continue;
        }
        let path = out(&format!("{name}_distribution"));
        charts::distribution(&path, title, "ms", &values)?;
        written.push(path);
        if name != "itl" {
            let points: Vec<(f64, f64)> = ok.iter().filter_map(|r| value(r).map(|v| (r.start, v))).collect();
            let path = out(&format!("{name}_over_time"));
            charts::over_time(&path, title, "ms", &points)?;
            written.push(path);
        }
    }
    let path = out("throughput_over_time");
    // About 20 requests end in each slice: fewer would show the batches' rhythm, not the rate.
    let timeline = Timeline::of(&requests, (requests.len() / 20).clamp(10, 200));
    charts::throughput(&path, &timeline)?;
    written.push(path);
    written.extend(telemetry_pictures(dir, zero, &timeline, out)?);
    Ok(written)
}

/// The server's queue and KV cache against our throughput, and each GPU's utilization and
/// power, over the run, when its telemetry files are there.
fn telemetry_pictures(dir: &Path, zero: u64, timeline: &Timeline, out: impl Fn(&str) -> PathBuf) -> Result<Vec<PathBuf>, PlotError> {
    use charts::Panel;
    let mut written = Vec::new();
    let ours: Vec<telemetry::Line> =
        vec![("output tokens/s (ours)".to_owned(), timeline.times.iter().copied().zip(timeline.tokens_per_s.iter().copied()).collect())];
    let t_hi = |lines: &[&[telemetry::Line]]| {
        lines
            .iter()
            .flat_map(|set| set.iter())
            .flat_map(|(_, points)| points.iter().map(|p| p.0))
            .chain(timeline.times.iter().copied())
            .fold(0.0, f64::max)
    };
    if let Some((queue, cache)) = telemetry::server(dir, zero)? {
        let path = out("server_over_time");
        let mut panels = vec![
            Panel { caption: "Our throughput", y_desc: "output tokens/s", lines: &ours },
            Panel { caption: "The server's queue", y_desc: "requests", lines: &queue },
        ];
        if !cache.is_empty() {
            panels.push(Panel { caption: "The server's KV-cache use", y_desc: "%", lines: &cache });
        }
        charts::panels(&path, t_hi(&[&queue, &cache]), &panels)?;
        written.push(path);
    }
    if let Some((utilization, power)) = telemetry::gpus(dir, zero)? {
        let path = out("gpu_over_time");
        let panels = [
            Panel { caption: "GPU utilization", y_desc: "%", lines: &utilization },
            Panel { caption: "GPU power", y_desc: "W", lines: &power },
            Panel { caption: "Our throughput", y_desc: "output tokens/s", lines: &ours },
        ];
        charts::panels(&path, t_hi(&[&utilization, &power]), &panels)?;
        written.push(path);
    }
    Ok(written)
}

/// The pictures of a sweep.
fn sweep(points: &[data::SweepPoint], out: impl Fn(&str) -> PathBuf) -> Result<Vec<PathBuf>, PlotError> {
    let pairs = |x: fn(&data::SweepPoint) -> Option<f64>, y: fn(&data::SweepPoint) -> Option<f64>| -> Vec<(f64, f64, String)> {
        points.iter().filter_map(|p| Some((x(p)?, y(p)?, p.label.clone()))).collect()
    };
    let mut written = Vec::new();
    let latency = pairs(|p| p.latency, |p| p.output_throughput);
    let path = out("throughput_vs_latency");
    charts::sweep_curve(&path, "Output throughput against request latency", ("request latency, avg (ms)", "output tokens/s"), &latency)?;
    written.push(path);
    let ttft = pairs(|p| p.ttft, |p| p.request_throughput);
    if !ttft.is_empty() {
        let path = out("ttft_vs_throughput");
        charts::sweep_curve(
            &path,
            "Request throughput against time to first token",
            ("time to first token, avg (ms)", "requests/s"),
            &ttft,
        )?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeline_counts_throughput_and_requests_in_flight() {
        let request = |start: f64, end: f64| Request { start, end, output_tokens: 10.0, ..Request::default() };
        let timeline = Timeline::of(&[request(0.0, 1.0), request(0.0, 2.0), request(1.5, 2.0)], 4);
        assert_eq!(timeline.times, [0.25, 0.75, 1.25, 1.75]);
        assert_eq!(timeline.in_flight, [2.0, 2.0, 1.0, 2.0]);
        // Slices of 0.5 s: one request ended at 1.0 (slice 2), two at 2.0 (the last slice).
        assert_eq!(timeline.requests_per_s, [0.0, 0.0, 2.0, 4.0]);
        assert_eq!(timeline.tokens_per_s, [0.0, 0.0, 20.0, 40.0]);
    }
}
