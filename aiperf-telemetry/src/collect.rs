//! What a run's scrapes of each endpoint gathered: its window of series, and its fetches
//! (AIPerf's `endpoint_info`: how many, how fast, how many pages changed).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use serde_json::{Value, json};

use crate::scrape::Scraped;
use crate::window::Window;

/// One endpoint over a run.
pub struct Endpoint {
    /// Its URL.
    pub url: String,
    /// Its series over the window.
    pub window: Window,
    /// Its fetches.
    pub fetches: Fetches,
    /// Scrapes that failed, and the last reason.
    pub failures: (u64, Option<String>),
    /// Why it is not scraped: its first scrape, and the one of its `/prometheus/metrics` in its
    /// place, failed (AIPerf drops an endpoint it cannot reach when the run starts).
    pub dropped: Option<String>,
    /// The hash of the last page's serving families (without the exporter process's own
    /// `process_*`/`python_*`/`go_*` ones, which change with every scrape), and whether it was
    /// the same as the one before: the server's counting has settled.
    serving: (Option<u64>, bool),
}

/// An endpoint's fetches over a run.
#[derive(Default)]
pub struct Fetches {
    /// Pages read.
    pub total: u64,
    /// Their latencies summed, ns.
    pub latency_ns: u64,
    /// The first and last fetch, ns since the Unix epoch.
    pub first_ns: u64,
    /// The last fetch.
    pub last_ns: u64,
    /// When each page that differed from the one before came (its first byte).
    pub updates: Vec<u64>,
    /// The last page's hash.
    last_hash: Option<u64>,
}

impl Endpoint {
    /// A new endpoint with nothing scraped.
    pub fn new(url: String) -> Self {
        Self { url, window: Window::default(), fetches: Fetches::default(), failures: (0, None), dropped: None, serving: (None, false) }
    }

    /// Adds a scrape; returns whether the page changed since the last (a duplicate is not
    /// written to the JSONL file, as in AIPerf).
    pub fn add(&mut self, scraped: &Scraped, in_window: bool) -> bool {
        let fetches = &mut self.fetches;
        fetches.total += 1;
        fetches.latency_ns += scraped.latency_ns;
        if fetches.first_ns == 0 {
            fetches.first_ns = scraped.first_byte_ns;
        }
        fetches.last_ns = scraped.first_byte_ns;
        let mut hasher = DefaultHasher::new();
        scraped.text.hash(&mut hasher);
        let hash = hasher.finish();
        let changed = fetches.last_hash != Some(hash);
        if changed {
            fetches.updates.push(scraped.first_byte_ns);
            fetches.last_hash = Some(hash);
        }
        let mut serving = DefaultHasher::new();
        for line in scraped.text.lines().filter(|line| !["process_", "python_", "go_"].iter().any(|p| line.starts_with(p))) {
            line.hash(&mut serving);
        }
        let serving = serving.finish();
        self.serving = (Some(serving), self.serving.0 == Some(serving));
        self.window.add(scraped.first_byte_ns, &scraped.families, in_window);
        changed
    }

    /// Forgets whether the page settled (before the scrapes after the run).
    pub fn unsettle(&mut self) {
        self.serving.1 = false;
    }

    /// Whether the last two pages' serving families were the same, or the endpoint failed its
    /// last scrape or was dropped (there is nothing to wait for).
    pub fn settled(&self) -> bool {
        self.serving.1 || self.failures.1.is_some() && self.serving.0.is_none() || self.dropped.is_some()
    }

    /// A scrape failed.
    pub fn failed(&mut self, reason: String) {
        self.failures.0 += 1;
        self.failures.1 = Some(reason);
    }

    /// AIPerf's `endpoint_info` of it.
    pub fn info(&self) -> Value {
        let f = &self.fetches;
        let mut info = json!({
            "total_fetches": f.total,
            "first_fetch_ns": f.first_ns,
            "last_fetch_ns": f.last_ns,
            "avg_fetch_latency_ms": if f.total > 0 { f.latency_ns as f64 / f.total as f64 / 1e6 } else { 0.0 },
            "unique_updates": f.updates.len(),
        });
        if let (Some(first), Some(last)) = (f.updates.first(), f.updates.last()) {
            let duration = last.saturating_sub(*first) as f64 / 1e9;
            info["first_update_ns"] = json!(first);
            info["last_update_ns"] = json!(last);
            info["duration_seconds"] = json!(duration);
            if f.updates.len() > 1 {
                info["avg_update_interval_ms"] = json!(duration * 1000.0 / (f.updates.len() - 1) as f64);
                let mut gaps: Vec<f64> = f.updates.windows(2).map(|w| w[1].saturating_sub(w[0]) as f64 / 1e6).collect();
                gaps.sort_by(f64::total_cmp);
                info["median_update_interval_ms"] = json!(crate::stats::percentile(&gaps, 50.0));
            }
        }
        info
    }
}
