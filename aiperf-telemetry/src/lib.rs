//! aiperf-telemetry: what the server and its GPUs did during a run. The server's own
//! `/metrics` (Prometheus text) scraped at a steady interval through the profiling phase, and
//! once before and after it, summarised over that window as AIPerf 0.13 does (counters as
//! deltas and rates, gauges as statistics over time, histograms as their deltas and
//! percentiles), and exported as its `server_metrics_export.*` files. Also the server's model
//! list, read before a run that waits for the server to be ready (`models.rs`).
//!
//! Dependency rule: depends on `aiperf-bench` for the observer hook it implements
//! (`observe::RunObserver`) and the run's summary; knows no endpoint or transport. A scrape
//! that fails, times out or returns garbage is counted and reported, never an error of the run.

#![warn(missing_docs)]

pub mod collect;
pub mod console;
pub mod csv;
pub mod estimate;
pub mod export;
pub mod exposition;
pub mod gpu;
pub mod models;
pub mod observer;
pub mod parquet;
pub mod scrape;
pub mod stats;
pub mod window;

pub use observer::{Formats, Options, ServerMetrics};
