//! The limit of aiperf's stack: sends the requests an `aiperf profile` run wrote to its
//! `inputs.json`, over the same transport at the same concurrency, with the same `x-request-id`
//! header (`profiling-<index>`), and does nothing else (no parsing, no records, no statistics).
//! `cargo xtask compare-builds` compares `aiperf profile` against it.
//!
//! ```text
//! cargo run --release --example raw_load -- --url http://127.0.0.1:8000 \
//!     --inputs artifacts/inputs.json --concurrency 32 --requests 20000 --streaming
//! ```
//!
//! Prints one JSON line: `{"requests":…,"failed":…,"seconds":…,"first_content_p50_ms":…,"first_content_p99_ms":…}`;
//! the last two are the time from a request's start to the first body bytes holding non-empty
//! content (`"content":"` then not `"`, found with `memchr::memmem`): against a server with a
//! known time to first token, about the least any client on this machine can measure.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use hdrhistogram::Histogram;

use aiperf::core::{
    EndpointHeaders, ModelEndpointInfo, RequestBody, ResponseEvent, ResponseSink, Transport, TransportRequest, parse_server_url,
};
use aiperf::{TransportFactory, TransportName};

/// Discards the response, keeping when its first content arrived.
#[derive(Default)]
struct Discard {
    first_chunk: Option<Instant>,
}

/// Whether `bytes` hold a non-empty OpenAI `content` string.
fn has_content(bytes: &[u8]) -> bool {
    const KEY: &[u8] = br#""content":""#;
    memchr::memmem::find_iter(bytes, KEY).any(|at| bytes.get(at + KEY.len()).is_some_and(|&b| b != b'"'))
}

impl ResponseSink for Discard {
    fn on_response(&mut self, _: u16, _: Instant) {}

    fn on_chunk(&mut self, at: Instant, bytes: &[u8]) -> ControlFlow<()> {
        if self.first_chunk.is_none() && has_content(bytes) {
            self.first_chunk = Some(at);
        }
        ControlFlow::Continue(())
    }

    fn on_event(&mut self, _: Instant, _: ResponseEvent<'_>) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

struct Options {
    url: String,
    inputs: String,
    concurrency: usize,
    requests: u64,
    path: String,
    streaming: bool,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        url: String::new(),
        inputs: String::new(),
        concurrency: 1,
        requests: 1000,
        path: "/v1/chat/completions".to_owned(),
        streaming: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => options.url = value()?,
            "--inputs" => options.inputs = value()?,
            "--concurrency" => options.concurrency = value()?.parse().map_err(|e| format!("--concurrency: {e}"))?,
            "--requests" => options.requests = value()?.parse().map_err(|e| format!("--requests: {e}"))?,
            "--path" => options.path = value()?,
            "--streaming" => options.streaming = true,
            other => return Err(format!("unknown flag {other}: expected --url, --inputs, --concurrency, --requests, --path, --streaming")),
        }
    }
    if options.url.is_empty() || options.inputs.is_empty() || options.concurrency == 0 {
        return Err("--url, --inputs and a --concurrency of at least 1 are required".to_owned());
    }
    Ok(options)
}

/// The request bodies of `inputs.json` (`{"data":[{"payloads":[body]}]}`), in order.
fn bodies(path: &str) -> Result<Vec<Vec<u8>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let inputs: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let sessions = inputs["data"].as_array().ok_or_else(|| format!("{path}: no `data` list"))?;
    let bodies: Vec<Vec<u8>> =
        sessions.iter().filter_map(|s| s["payloads"].get(0)).map(|p| serde_json::to_vec(p).unwrap_or_default()).collect();
    if bodies.is_empty() { Err(format!("{path}: no payloads")) } else { Ok(bodies) }
}

fn main() -> Result<(), String> {
    let options = options()?;
    let bodies = Arc::new(bodies(&options.inputs)?);
    let url = parse_server_url(&options.url)?;
    let name = TransportFactory::for_url(Some(&url)).map_err(|e| e.to_string())?;
    if name == TransportName::InEngine {
        return Err("the raw load needs a server URL".to_owned());
    }
    let info = ModelEndpointInfo { url: Some(url), streaming: options.streaming, ..ModelEndpointInfo::default() };
    let transport = Arc::new(TransportFactory::create_instance(name, &info).map_err(|e| e.to_string())?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let (next, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let first_chunk = runtime.block_on(async {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..options.concurrency {
            let (transport, bodies, next, failed, path) =
                (Arc::clone(&transport), Arc::clone(&bodies), Arc::clone(&next), Arc::clone(&failed), options.path.clone());
            let (requests, streaming) = (options.requests, options.streaming);
            workers.spawn(async move {
                // Microseconds, three significant digits, up to an hour.
                let mut first_chunk = Histogram::<u64>::new_with_max(3_600_000_000, 3).expect("valid bounds");
                // Each worker's first request opens its connection: a warm-up, not measured (as
                // `aiperf profile --warmup-request-count <concurrency>`).
                let mut warm = false;
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= requests {
                        break;
                    }
                    let body = &bodies[(index % bodies.len() as u64) as usize];
                    let body = RequestBody::Encoded { bytes: body, content_type: "application/json" };
                    // The `x-request-id` aiperf sends with the request (the server echoes it back).
                    let request_id = ["profiling-", itoa::Buffer::new().format(index)].concat();
                    let request = TransportRequest {
                        path: &path,
                        body,
                        streaming,
                        request_id: Some(&request_id),
                        session: None,
                        endpoint: EndpointHeaders::default(),
                    };
                    let mut sink = Discard::default();
                    match transport.send(request, &mut sink).await {
                        Ok(timing) if (200..300).contains(&timing.status) => {
                            if let Some(at) = sink.first_chunk.filter(|_| warm) {
                                first_chunk.saturating_record(at.saturating_duration_since(timing.start).as_micros() as u64);
                            }
                            warm = true;
                        }
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                first_chunk
            });
        }
        let mut all = Histogram::<u64>::new_with_max(3_600_000_000, 3).expect("valid bounds");
        while let Some(Ok(first_chunk)) = workers.join_next().await {
            all.add(first_chunk).expect("same bounds");
        }
        all
    });
    let seconds = started.elapsed().as_secs_f64();
    let ms = |q: f64| first_chunk.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{{\"requests\":{},\"failed\":{},\"seconds\":{seconds},\"first_content_p50_ms\":{},\"first_content_p99_ms\":{}}}",
        options.requests,
        failed.load(Ordering::Relaxed),
        ms(0.5),
        ms(0.99)
    );
    Ok(())
}
