//! `--server-metrics`, `--no-server-metrics`, `--server-metrics-formats`: AIPerf 0.13's flags
//! for the server's own `/metrics`, scraped through the run (on by default against a server),
//! and its environment variables for the interval, the flush period and the time limit.

use std::time::Duration;

use aiperf_bench::ProfileError;
use aiperf_telemetry::scrape::endpoint;
use aiperf_telemetry::{Formats, Options, ServerMetrics};
use clap::Args;

/// The server-metrics flags.
#[derive(Clone, Debug, Args)]
pub struct ServerMetricsArgs {
    /// More Prometheus endpoints to scrape besides the server's `<url>/metrics` (collection is on
    /// by default against a server), comma-separated or repeated.
    #[arg(long, num_args = 0.., value_delimiter = ',', conflicts_with = "no_server_metrics")]
    pub server_metrics: Option<Vec<String>>,
    /// Do not scrape the server's metrics.
    #[arg(long)]
    pub no_server_metrics: bool,
    /// Server-metrics files to write: json, csv, jsonl, parquet [default: json,csv].
    #[arg(long, value_delimiter = ',', value_parser = ["json", "csv", "jsonl", "parquet"], ignore_case = true)]
    pub server_metrics_formats: Vec<String>,
}

/// Seconds from an `AIPERF_SERVER_METRICS_*` variable, or `default`.
fn seconds(name: &'static str, default: f64) -> Result<Duration, ProfileError> {
    let Ok(text) = std::env::var(name) else { return Ok(Duration::from_secs_f64(default)) };
    text.trim().parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()).ok_or(ProfileError::InvalidArgument {
        flag: name,
        value: text,
        expected: "a number of seconds".to_owned(),
    })
}

impl ServerMetricsArgs {
    /// The observer scraping the server at `url` and the endpoints given, none when turned off
    /// or when there is no server (the embedded engine) and no endpoint given. `pictures`: the
    /// run draws its pictures (`--auto-plot`), which read the pages of the JSONL file.
    ///
    /// # Errors
    /// An endpoint URL with credentials in it, or an environment variable that is no duration.
    pub fn observer(&self, url: Option<&str>, pictures: bool) -> Result<Option<ServerMetrics>, ProfileError> {
        if self.no_server_metrics {
            return Ok(None);
        }
        let mut endpoints: Vec<String> = url.map(endpoint).into_iter().collect();
        for extra in self.server_metrics.iter().flatten() {
            // As AIPerf: an item that is no URL or host:port is left out.
            if !(extra.starts_with("http") || extra.contains(':')) {
                continue;
            }
            if extra.contains('@') {
                let expected = "an endpoint without credentials (they would show in the exports)".to_owned();
                return Err(ProfileError::InvalidArgument {
                    flag: "--server-metrics",
                    value: aiperf_bench::redact::url(extra).into_owned(),
                    expected,
                });
            }
            let extra = endpoint(extra);
            if !endpoints.contains(&extra) {
                endpoints.push(extra);
            }
        }
        if endpoints.is_empty() {
            return Ok(None);
        }
        let formats = if self.server_metrics_formats.is_empty() {
            Formats { json: true, csv: true, jsonl: pictures, parquet: false }
        } else {
            let has = |name: &str| self.server_metrics_formats.iter().any(|f| f.eq_ignore_ascii_case(name));
            Formats { json: has("json"), csv: has("csv"), jsonl: has("jsonl") || pictures, parquet: has("parquet") }
        };
        let options = Options {
            endpoints,
            formats,
            interval: seconds("AIPERF_SERVER_METRICS_COLLECTION_INTERVAL", 0.333)?.max(Duration::from_millis(1)),
            flush: seconds("AIPERF_SERVER_METRICS_COLLECTION_FLUSH_PERIOD", 2.0)?,
            timeout: seconds("AIPERF_SERVER_METRICS_SCRAPE_TIMEOUT", 30.0)?.max(Duration::from_millis(1)),
        };
        ServerMetrics::new(options).map(Some).map_err(|reason| ProfileError::Flags { flag: "--server-metrics", reason })
    }
}
