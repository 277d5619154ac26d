//! GPU telemetry as a run's observer (`--gpu-telemetry`): DCGM exporters scraped, or the local
//! GPUs read through NVML, once before profiling (each counter's baseline), every interval
//! through it in a task of its own, and once at its end. Every sample goes to
//! `gpu_telemetry_export.jsonl`; the window's statistics to the console and to the run's
//! `profile_export_aiperf.json` (`telemetry_data`).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use aiperf_bench::observe::{Pending, RunExports, RunObserver};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::nvml::{self, Local};
use super::sample::{Gpu, Sample};
use super::summary::{self, Series};
use crate::scrape::{Scraper, display};

/// The JSONL file's name.
pub const JSONL_FILE: &str = "gpu_telemetry_export.jsonl";

/// The DCGM exporter's usual endpoints, probed whenever telemetry is on (AIPerf's defaults).
pub const DEFAULT_DCGM: [&str; 2] = ["http://localhost:9400/metrics", "http://localhost:9401/metrics"];

/// Where GPU samples come from.
pub struct GpuOptions {
    /// DCGM exporter endpoints (the defaults first).
    pub dcgm: Vec<String>,
    /// Whether to read the local GPUs through NVML instead.
    pub local: bool,
    /// Between samples.
    pub interval: Duration,
    /// The longest one scrape may take.
    pub timeout: Duration,
}

/// The GPU-telemetry observer.
pub struct GpuTelemetry {
    options: GpuOptions,
    scraper: Scraper,
    /// NVML, or why it could not be loaded.
    local: Option<Result<Local, String>>,
    run: Arc<Mutex<Run>>,
    task: Mutex<Option<(JoinHandle<()>, watch::Sender<bool>)>>,
}

/// One run's samples.
#[derive(Default)]
pub(super) struct Run {
    /// Each source's successful and failed reads, and the last failure.
    pub sources: BTreeMap<String, (u64, u64, Option<String>)>,
    /// Each GPU's series, by source and UUID.
    pub gpus: BTreeMap<(String, String), Series>,
    jsonl: Option<std::io::BufWriter<std::fs::File>>,
}

impl GpuTelemetry {
    /// An observer of `options`' sources (NVML loaded now, when asked for).
    ///
    /// # Errors
    /// An HTTP client that cannot be built.
    pub fn new(options: GpuOptions) -> Result<Self, String> {
        let scraper = Scraper::new(options.timeout)?;
        let local = options.local.then(Local::open);
        Ok(Self { options, scraper, local, run: Arc::new(Mutex::new(Run::default())), task: Mutex::new(None) })
    }

    /// A sample of every source, added to the run (`in_window`: past the baseline).
    async fn sample(&self, in_window: bool) {
        sample(&self.scraper, &self.options.dcgm, self.local.as_ref().and_then(|l| l.as_ref().ok()), &self.run, in_window).await;
    }

    async fn start(self: &Arc<Self>, dir: &Path) {
        {
            let mut run = self.run.lock().unwrap_or_else(PoisonError::into_inner);
            *run = Run::default();
            run.jsonl = std::fs::File::create(dir.join(JSONL_FILE)).ok().map(std::io::BufWriter::new);
        }
        self.sample(false).await;
        let (stop, mut stopped) = watch::channel(false);
        let this = Arc::clone(self);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(this.options.interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    _ = ticks.tick() => this.sample(true).await,
                    _ = stopped.changed() => break,
                }
            }
        });
        *self.task.lock().unwrap_or_else(PoisonError::into_inner) = Some((task, stop));
    }

    async fn end(&self) {
        let task = self.task.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some((task, stop)) = task {
            let _ = stop.send(true);
            let _ = task.await;
        }
        self.sample(true).await;
        if let Some(mut jsonl) = self.run.lock().unwrap_or_else(PoisonError::into_inner).jsonl.take() {
            let _ = jsonl.flush();
        }
    }
}

/// Reads every source at once and adds what each gave.
async fn sample(scraper: &Scraper, dcgm: &[String], local: Option<&Local>, run: &Mutex<Run>, in_window: bool) {
    let mut scrapes = tokio::task::JoinSet::new();
    for url in dcgm {
        let (scraper, url) = (scraper.clone(), url.clone());
        scrapes.spawn(async move {
            let read = scraper.scrape(&url).await.map(|page| super::dcgm::samples(&page.families, &url, page.first_byte_ns));
            (url, read)
        });
    }
    let mut read: Vec<(String, Result<Vec<Sample>, String>)> = Vec::new();
    if let Some(local) = local {
        read.push((nvml::SOURCE.to_owned(), Ok(local.samples(aiperf_bench::clock::unix_ns(SystemTime::now())))));
    }
    while let Some(done) = scrapes.join_next().await {
        if let Ok(done) = done {
            read.push(done);
        }
    }
    let mut run = run.lock().unwrap_or_else(PoisonError::into_inner);
    for (source, samples) in read {
        let counts = run.sources.entry(source.clone()).or_default();
        match samples {
            Ok(samples) if !samples.is_empty() => {
                counts.0 += 1;
                for sample in samples {
                    if let Some(jsonl) = &mut run.jsonl {
                        let _ = writeln!(jsonl, "{}", sample.line());
                    }
                    let key = (source.clone(), sample.gpu.uuid.clone());
                    run.gpus.entry(key).or_insert_with(|| Series::new(sample.gpu.clone())).add(&sample.values, in_window);
                }
            }
            Ok(_) => (counts.1, counts.2) = (counts.1 + 1, Some("no GPU on the page".to_owned())),
            Err(reason) => (counts.1, counts.2) = (counts.1 + 1, Some(reason)),
        }
    }
}

/// An observer handle that can spawn its own sampling task.
pub struct GpuObserver(pub Arc<GpuTelemetry>);

impl RunObserver for GpuObserver {
    fn profiling_started<'a>(&'a self, dir: &'a Path) -> Pending<'a, ()> {
        Box::pin(self.0.start(dir))
    }

    fn profiling_ended(&self) -> Pending<'_, ()> {
        Box::pin(self.0.end())
    }

    fn summary(&self) -> Option<(String, Value)> {
        let run = self.0.run.lock().unwrap_or_else(PoisonError::into_inner);
        Some(("telemetry_data".to_owned(), summary::json(&run, &self.0.options.dcgm)))
    }

    fn export<'a>(&'a self, run: &'a RunExports<'a>) -> Pending<'a, String> {
        Box::pin(async move {
            let state = self.0.run.lock().unwrap_or_else(PoisonError::into_inner);
            let mut console = String::new();
            if let Some(Err(reason)) = &self.0.local {
                console.push_str(&format!("GPU telemetry: {reason}; no local GPU sampled\n"));
            }
            console.push_str(&summary::console(&state, &self.0.options.dcgm, self.0.options.local));
            console.push_str(&summary::efficiency(&state, run));
            console
        })
    }
}

/// A GPU's table title.
pub(super) fn title(source: &str, gpu: &Gpu) -> String {
    format!("{} | GPU {} | {}", display(source), gpu.index, gpu.model.as_deref().unwrap_or("unknown"))
}
