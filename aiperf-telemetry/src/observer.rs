//! Server metrics as a run's observer: a baseline scrape of every endpoint when profiling is
//! about to start, a scrape every interval through the phase (a task of its own: a slow or
//! failing endpoint never holds the benchmark), and, once the phase ended and the server had
//! its flush period to count the last requests, a final scrape. Then the exports.

use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aiperf_bench::observe::{Pending, RunExports, RunObserver};
use serde_json::{Map, Value, json};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::collect::Endpoint;
use crate::export::{self, CSV_FILE, JSON_FILE, JSONL_FILE};
use crate::exposition::{Family, Value as Sample};
use crate::parquet::Spill;
use crate::scrape::{Scraped, Scraper};

/// The files `--server-metrics-formats` chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formats {
    /// `server_metrics_export.json`.
    pub json: bool,
    /// `server_metrics_export.csv`.
    pub csv: bool,
    /// `server_metrics_export.jsonl`: every page that changed, as scraped.
    pub jsonl: bool,
    /// `server_metrics_export.parquet`: a row per sample in the window.
    pub parquet: bool,
}

/// How server metrics are collected.
#[derive(Clone, Debug)]
pub struct Options {
    /// The endpoints (`…/metrics` URLs).
    pub endpoints: Vec<String>,
    /// The files to write.
    pub formats: Formats,
    /// Between scrapes.
    pub interval: Duration,
    /// After profiling ends, before the final scrape (the server's own counting catches up).
    pub flush: Duration,
    /// The longest one scrape may take.
    pub timeout: Duration,
}

/// The server-metrics observer.
pub struct ServerMetrics {
    options: Options,
    scraper: Scraper,
    run: Arc<Mutex<Run>>,
    task: Mutex<Option<(JoinHandle<()>, watch::Sender<bool>)>>,
}

/// One run's collection.
struct Run {
    endpoints: Vec<Endpoint>,
    jsonl: Option<std::io::BufWriter<std::fs::File>>,
    /// Every page, for the Parquet file.
    spill: Option<Spill>,
    /// Why a file could not be created (said with the exports).
    errors: Vec<String>,
}

impl ServerMetrics {
    /// An observer of `options.endpoints`.
    ///
    /// # Errors
    /// An HTTP client that cannot be built.
    pub fn new(options: Options) -> Result<Self, String> {
        let scraper = Scraper::new(options.timeout)?;
        let run = Arc::new(Mutex::new(Run { endpoints: Vec::new(), jsonl: None, spill: None, errors: Vec::new() }));
        Ok(Self { options, scraper, run, task: Mutex::new(None) })
    }

    async fn start(&self, dir: &Path) {
        let path = dir.join(JSONL_FILE);
        let mut errors = Vec::new();
        let created =
            self.options.formats.jsonl.then(|| std::fs::File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display())));
        let jsonl = created.and_then(|file| file.map_err(|e| errors.push(e)).ok()).map(std::io::BufWriter::new);
        let spill = self.options.formats.parquet.then(|| Spill::create(dir)).and_then(|spill| spill.map_err(|e| errors.push(e)).ok());
        {
            let mut run = self.run.lock().unwrap_or_else(PoisonError::into_inner);
            run.endpoints = self.options.endpoints.iter().map(|url| Endpoint::new(url.clone())).collect();
            (run.jsonl, run.spill, run.errors) = (jsonl, spill, errors);
        }
        baseline(&self.scraper, &self.run).await;
        let (stop, mut stopped) = watch::channel(false);
        let (scraper, run, interval) = (self.scraper.clone(), Arc::clone(&self.run), self.options.interval);
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    _ = ticks.tick() => scrape_all(&scraper, &run).await,
                    _ = stopped.changed() => break,
                }
            }
        });
        *self.task.lock().unwrap_or_else(PoisonError::into_inner) = Some((task, stop));
    }

    /// Profiling ended: the server may count its last requests a little later, so pages are
    /// scraped each interval until two in a row agree on every serving family (AIPerf waits
    /// its whole flush period; a page at rest says sooner that the counting is done), for at
    /// most the flush period, and the last of them closes the window.
    async fn end(&self) {
        let deadline = tokio::time::Instant::now() + self.options.flush;
        let task = self.task.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some((task, stop)) = task {
            let _ = stop.send(true);
            let _ = task.await;
        }
        self.run.lock().unwrap_or_else(PoisonError::into_inner).endpoints.iter_mut().for_each(Endpoint::unsettle);
        loop {
            scrape_all(&self.scraper, &self.run).await;
            let settled = self.run.lock().unwrap_or_else(PoisonError::into_inner).endpoints.iter().all(Endpoint::settled);
            if settled || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(self.options.interval.min(deadline.saturating_duration_since(tokio::time::Instant::now()))).await;
        }
    }

    fn write(&self, run: &RunExports<'_>) -> String {
        let mut state = self.run.lock().unwrap_or_else(PoisonError::into_inner);
        let mut console: String = state.errors.drain(..).map(|e| format!("Server metrics: {e}\n")).collect();
        if let Some(mut jsonl) = state.jsonl.take()
            && let Err(e) = jsonl.flush()
        {
            console.push_str(&format!("Server metrics: cannot write {JSONL_FILE}: {e}\n"));
        }
        let spill = state.spill.take();
        let endpoints = &state.endpoints;
        let benchmark_id = run.summary["benchmark_id"].as_str().unwrap_or_default();
        let mut files = Vec::new();
        if endpoints.iter().any(|endpoint| endpoint.fetches.total > 0) {
            if self.options.formats.csv {
                files.push(("CSV", export::write(run.dir, CSV_FILE, &crate::csv::csv(endpoints, benchmark_id))));
            }
            if self.options.formats.json {
                let text = serde_json::to_string_pretty(&export::json(endpoints, run)).unwrap_or_default();
                files.push(("JSON", export::write(run.dir, JSON_FILE, &text)));
            }
        }
        if let Some(spill) = spill {
            match spill.finish(endpoints, run) {
                Ok(Some(path)) => files.push(("Parquet", Ok(path))),
                Ok(None) => {}
                Err(e) => files.push(("Parquet", Err(format!("cannot write {}: {e}", crate::parquet::PARQUET_FILE)))),
            }
        }
        for (kind, written) in files {
            match written {
                Ok(path) => console.push_str(&format!("Server Metrics {kind} Export: {}\n", path.display())),
                Err(e) => console.push_str(&format!("Server metrics: {e}\n")),
            }
        }
        console.push_str(&crate::console::lines(endpoints, run.summary));
        console
    }
}

/// The endpoints still scraped, by their index in the run.
fn scraped_urls(run: &Mutex<Run>) -> Vec<(usize, String)> {
    let run = run.lock().unwrap_or_else(PoisonError::into_inner);
    run.endpoints.iter().enumerate().filter(|(_, e)| e.dropped.is_none()).map(|(index, e)| (index, e.url.clone())).collect()
}

/// Adds what one scrape of endpoint `index` (at `url`) gave to the run; a failed first scrape
/// drops the endpoint.
fn add(run: &Mutex<Run>, index: usize, url: String, scraped: Result<Scraped, String>, first: bool) {
    let mut run = run.lock().unwrap_or_else(PoisonError::into_inner);
    let Run { endpoints, jsonl, spill, .. } = &mut *run;
    let Some(endpoint) = endpoints.get_mut(index) else { return };
    match scraped {
        Ok(scraped) => {
            endpoint.url = url;
            let changed = endpoint.add(&scraped, !first);
            if jsonl.is_none() && spill.is_none() {
                return;
            }
            let mut line = page_line(&endpoint.url, &scraped, !first);
            if let Some(spill) = spill {
                spill.push(&line);
            }
            if changed && let Some(jsonl) = jsonl {
                if let Some(metrics) = line["metrics"].as_object_mut() {
                    metrics.retain(|name, _| !name.ends_with("_info"));
                }
                let _ = writeln!(jsonl, "{line}");
            }
        }
        Err(reason) => {
            if first {
                endpoint.dropped = Some(reason.clone());
            }
            endpoint.failed(reason);
        }
    }
}

/// The baseline: every endpoint's first scrape, before profiling starts. One whose page cannot
/// be read is tried once at its [`fallback`](crate::scrape::fallback) (TensorRT-LLM's), which
/// takes its place if it answers; if neither does, the endpoint is dropped for the run.
async fn baseline(scraper: &Scraper, run: &Arc<Mutex<Run>>) {
    let mut scrapes = JoinSet::new();
    for (index, url) in scraped_urls(run) {
        let scraper = scraper.clone();
        scrapes.spawn(async move {
            let reason = match scraper.scrape(&url).await {
                Ok(scraped) => return (index, url, Ok(scraped)),
                Err(reason) => reason,
            };
            if let Some(other) = crate::scrape::fallback(&url)
                && let Ok(scraped) = scraper.scrape(&other).await
            {
                return (index, other, Ok(scraped));
            }
            (index, url, Err(reason))
        });
    }
    while let Some(done) = scrapes.join_next().await {
        if let Ok((index, url, scraped)) = done {
            add(run, index, url, scraped, true);
        }
    }
}

/// Scrapes every endpoint still scraped at once (in the window), and adds what each gave to the
/// run.
async fn scrape_all(scraper: &Scraper, run: &Arc<Mutex<Run>>) {
    let mut scrapes = JoinSet::new();
    for (index, url) in scraped_urls(run) {
        let scraper = scraper.clone();
        scrapes.spawn(async move {
            let scraped = scraper.scrape(&url).await;
            (index, url, scraped)
        });
    }
    while let Some(done) = scrapes.join_next().await {
        if let Ok((index, url, scraped)) = done {
            add(run, index, url, scraped, false);
        }
    }
}

/// A page as a line of `server_metrics_export.jsonl` (AIPerf's layout: raw cumulative values,
/// the phase when the page was in the window; the JSONL file leaves the `_info` families out).
fn page_line(url: &str, scraped: &Scraped, in_window: bool) -> Value {
    let metrics: Map<String, Value> = scraped.families.iter().map(|family| (family.name.clone(), samples(family))).collect();
    let mut line = json!({
        "endpoint_url": url,
        "timestamp_ns": scraped.first_byte_ns,
        "endpoint_latency_ns": scraped.latency_ns,
        "metrics": metrics,
        "request_sent_ns": scraped.sent_ns,
        "first_byte_ns": scraped.first_byte_ns,
    });
    if in_window {
        for (key, value) in [
            ("benchmark_phase", json!("profiling")),
            ("phase_index", json!(0)),
            ("phase_name", json!("profiling")),
            ("phase_kind", json!("profiling")),
        ] {
            line[key] = value;
        }
    }
    line
}

fn samples(family: &Family) -> Value {
    let list: Vec<Value> = family
        .series
        .iter()
        .map(|(labels, value)| {
            let mut sample = Map::new();
            if !labels.is_empty() {
                sample.insert("labels".into(), json!(labels));
            }
            match value {
                Sample::Scalar(v) => {
                    sample.insert("value".into(), json!(v));
                }
                Sample::Histogram { buckets, sum, count } => {
                    let buckets: Map<String, Value> = buckets.iter().map(|(le, c)| (le.clone(), json!(c))).collect();
                    sample.insert("buckets".into(), Value::Object(buckets));
                    sample.insert("sum".into(), json!(sum));
                    sample.insert("count".into(), json!(count));
                }
            }
            Value::Object(sample)
        })
        .collect();
    Value::Array(list)
}

impl RunObserver for ServerMetrics {
    fn profiling_started<'a>(&'a self, dir: &'a Path) -> Pending<'a, ()> {
        Box::pin(self.start(dir))
    }

    fn profiling_ended(&self) -> Pending<'_, ()> {
        Box::pin(self.end())
    }

    fn export<'a>(&'a self, run: &'a RunExports<'a>) -> Pending<'a, String> {
        Box::pin(async move { self.write(run) })
    }
}
