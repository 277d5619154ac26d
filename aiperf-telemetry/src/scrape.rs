//! One scrape of a `/metrics` endpoint: a GET with a time limit and a byte cap, timed as AIPerf
//! times it (when the request went, when its first byte came, how long the whole page took).

use std::time::{Duration, Instant, SystemTime};

use crate::exposition::{self, Family};

/// The most bytes a page may have (vLLM's are ~50 KB; TGI's with 1,024-bucket histograms ~100 KB).
pub const MAX_PAGE_BYTES: usize = 8 << 20;

/// `<url>/metrics` as AIPerf forms an endpoint from a server URL: `http://` added when no scheme
/// is given, trailing slashes dropped, `/metrics` appended unless already there.
pub fn endpoint(url: &str) -> String {
    let url = if url.starts_with("http://") || url.starts_with("https://") { url.to_owned() } else { format!("http://{url}") };
    let url = url.trim_end_matches('/');
    if url.ends_with("/metrics") { url.to_owned() } else { format!("{url}/metrics") }
}

/// Where a server that answers its `/metrics` with something else keeps its Prometheus page:
/// TensorRT-LLM's `trtllm-serve` answers `/metrics` with JSON and serves `/prometheus/metrics`.
pub fn fallback(url: &str) -> Option<String> {
    url.strip_suffix("/metrics").filter(|base| !base.ends_with("/prometheus")).map(|base| format!("{base}/prometheus/metrics"))
}

/// An endpoint as the exports and the console show it (AIPerf's display form): host, port and
/// path, without the scheme and `/metrics`.
pub fn display(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.strip_suffix("/metrics").unwrap_or(rest)
}

/// A page read.
pub struct Scraped {
    /// When the request went, ns since the Unix epoch.
    pub sent_ns: u64,
    /// When the first byte of the answer came.
    pub first_byte_ns: u64,
    /// From sending to the whole page read, ns.
    pub latency_ns: u64,
    /// The page as text (for the JSONL file and duplicate detection).
    pub text: String,
    /// Its families.
    pub families: Vec<Family>,
}

/// The HTTP client of every scrape.
#[derive(Clone)]
pub struct Scraper {
    client: reqwest::Client,
}

impl Scraper {
    /// A client whose every scrape ends within `timeout`.
    ///
    /// # Errors
    /// A TLS setup the platform refuses.
    pub fn new(timeout: Duration) -> Result<Self, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("aiperf/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the metrics client: {e}"))?;
        Ok(Self { client })
    }

    /// Reads one page.
    ///
    /// # Errors
    /// What went wrong, in a line: no answer in time, a status other than 200, JSON, a page
    /// over [`MAX_PAGE_BYTES`], or text that is no metrics page.
    pub async fn scrape(&self, url: &str) -> Result<Scraped, String> {
        let sent = (SystemTime::now(), Instant::now());
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "text/plain;version=0.0.4;q=1,*/*;q=0.1")
            .send()
            .await
            .map_err(|e| format!("no answer: {}", without_url(&e)))?;
        let first_byte = sent.0 + sent.1.elapsed();
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("status {}", response.status()));
        }
        let json = response.headers().get(reqwest::header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
        if json {
            return Err("a JSON answer, not Prometheus text".to_owned());
        }
        let body = bounded_body(&mut response, MAX_PAGE_BYTES, "page").await?;
        let latency = sent.1.elapsed();
        let text = String::from_utf8_lossy(&body).into_owned();
        let families = exposition::parse(&text)?;
        let ns = aiperf_bench::clock::unix_ns;
        Ok(Scraped { sent_ns: ns(sent.0), first_byte_ns: ns(first_byte), latency_ns: latency.as_nanos() as u64, text, families })
    }
}

/// The body of `response`, refused (naming it `what`) once it passes `limit` bytes: a server
/// cannot grow the client's memory.
pub(crate) async fn bounded_body(response: &mut reqwest::Response, limit: usize, what: &str) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("answer cut short: {}", without_url(&e)))? {
        if body.len() + chunk.len() > limit {
            return Err(format!("{what} larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// reqwest's error without the URL it repeats (the caller names the endpoint once).
pub(crate) fn without_url(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(&format!(" ({url})"), "").replace(url.as_str(), "");
    }
    if let Some(source) = std::error::Error::source(error) {
        text.push_str(&format!(": {source}"));
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn endpoints_are_formed_as_aiperf_forms_them() {
        assert_eq!(super::endpoint("localhost:8000"), "http://localhost:8000/metrics");
        assert_eq!(super::endpoint("https://x/y/"), "https://x/y/metrics");
        assert_eq!(super::endpoint("http://h:8000/metrics"), "http://h:8000/metrics");
    }

    #[test]
    fn the_fallback_is_trtllm_serve_s_prometheus_page() {
        assert_eq!(super::fallback("http://h:8000/metrics").as_deref(), Some("http://h:8000/prometheus/metrics"));
        assert_eq!(super::fallback("http://h:8000/prometheus/metrics"), None);
        assert_eq!(super::fallback("http://h:9400/dcgm"), None);
    }
}
