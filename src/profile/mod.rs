//! `aiperf profile`: the benchmark. Prepares inputs, sends them with the chosen endpoint and
//! transport at a fixed concurrency or request rate, folds every response into streaming
//! statistics, and writes AIPerf-compatible exports.

mod aggregate;
pub mod args;
mod export;
mod inputs;
mod limits;
mod metrics;
mod progress;
mod record;
mod runner;
mod signals;
mod stats;
mod tokenizer;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use aiperf_core::{
    Category, Endpoint, EndpointMetadata, Factories, Factory, FactoryError, InEngineSettings, InferenceRequest, ModelEndpointInfo,
    PinGuard, Transport, TransportRequest,
};
use serde_json::{Map, Value, json};
use tokio::sync::{mpsc, watch};

use aggregate::{Aggregate, ConcurrencyTracker, Slo};
pub use args::ProfileArgs;
use args::Ui;
use export::AggregateMetric;
use metrics::Metric;
use record::Phase;
use runner::{FailureLimit, Plan, Prepared, Runner};
pub use signals::Signal;
use tokenizer::Tokenizer;

use crate::redact::{self, Secrets};

/// Why a benchmark could not run (or its results could not be written).
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A flag has a value that cannot work.
    #[error("invalid {flag} '{value}': {expected}")]
    InvalidArgument {
        /// The flag.
        flag: &'static str,
        /// The value given.
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// An unknown endpoint, transport or implementation.
    #[error(transparent)]
    Factory(#[from] FactoryError),
    /// The tokenizer cannot be loaded.
    #[error("cannot load tokenizer '{spec}': {reason}")]
    Tokenizer {
        /// What was asked for.
        spec: String,
        /// Why not.
        reason: String,
    },
    /// The input file cannot be used.
    #[error("{path}:{line}: {reason}")]
    InputFile {
        /// The file.
        path: String,
        /// The line (0 for the file as a whole).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The transport cannot carry the endpoint's requests (checked before the run).
    #[error("endpoint '{endpoint}' over transport '{transport}': {source}")]
    Unsupported {
        /// The endpoint name.
        endpoint: String,
        /// The transport name.
        transport: String,
        /// What the transport said.
        #[source]
        source: aiperf_core::TransportError,
    },
    /// A request body cannot be formatted (the input does not fit the endpoint).
    #[error("cannot format a request: {0}")]
    Format(#[from] aiperf_core::EndpointError),
    /// An artifact cannot be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The longest duration a flag accepts (a year): larger values would overflow clocks.
const MAX_SECONDS: Duration = Duration::from_secs(366 * 24 * 3600);

/// The most requests in flight at once (`--concurrency`, and the bound of `--request-rate` when
/// no concurrency is given): each holds a task, a connection and its buffers.
pub const MAX_CONCURRENCY: usize = 100_000;

/// Profiled requests that must have ended before `--failed-request-threshold` applies.
pub const FAILURE_FLOOR: u64 = 10;

/// The longest synthetic prompt, in tokens (the longest context windows served today).
pub const MAX_ISL: u32 = 1 << 20;

/// The most synthetic prompt tokens a run prepares (`--isl` × `--num-dataset-entries`), about
/// 80 MB of request bodies (the payloads are not kept once formatted).
pub const MAX_DATASET_TOKENS: u64 = 20_000_000;

fn invalid(flag: &'static str, value: impl ToString, expected: impl ToString) -> ProfileError {
    ProfileError::InvalidArgument { flag, value: value.to_string(), expected: expected.to_string() }
}

/// What a finished (or cancelled) run reports.
#[derive(Debug)]
pub struct ProfileOutcome {
    /// The console table, as printed.
    pub console: String,
    /// Where the exports are.
    pub artifact_dir: PathBuf,
    /// The signal that cut the run short, if one did (the exports are written all the same).
    pub cancelled_by: Option<Signal>,
    /// Profiled requests that succeeded.
    pub completed: u64,
    /// Profiled requests that failed (cancelled ones included).
    pub failed: u64,
    /// Whether `--failed-request-threshold` stopped the run.
    pub threshold_crossed: bool,
}

/// The flags, checked and resolved.
struct Config {
    /// The endpoint name (from the table, or registered at run time).
    endpoint: String,
    /// Its metadata: what inputs it takes, its path, whether it streams and produces tokens.
    endpoint_meta: &'static EndpointMetadata,
    /// The transport name.
    transport: String,
    /// Credentials given on the command line, scrubbed from everything written out.
    secrets: Secrets,
    info: ModelEndpointInfo,
    slos: Vec<Slo>,
    plan: Plan,
    duration: Option<Duration>,
    /// `--benchmark-grace-period`: how long requests in flight may finish after `duration`.
    grace_period: Duration,
    /// `--failed-request-threshold`.
    failure_limit: Option<FailureLimit>,
}

fn config<F: Factories>(args: &ProfileArgs) -> Result<Config, ProfileError> {
    let endpoint = args.endpoint_type.clone();
    let endpoint_meta = Factory::<F::Endpoints>::metadata(&endpoint)?;
    let transport = match &args.transport {
        Some(name) => {
            Factory::<F::Transports>::metadata(name)?;
            name.clone()
        }
        None => Factory::<F::Transports>::entry(Factory::<F::Transports>::for_url(args.url.as_deref())?).text.to_owned(),
    };
    let model_names = match (&args.url, args.model.is_empty()) {
        (_, false) => args.model.clone(),
        (None, true) => vec!["mock".to_owned()],
        (Some(url), true) => {
            return Err(invalid(
                "--model",
                "",
                format!("--model is required with --url {url} (the served model name, e.g. --model llama-3-8b)"),
            ));
        }
    };
    if args.streaming && !endpoint_meta.supports_streaming {
        return Err(invalid("--streaming", &endpoint, format!("the {endpoint} endpoint does not stream; drop --streaming")));
    }
    let headers = headers(args)?;
    if let Some(url) = &args.url
        && redact::url_userinfo(url).is_some()
    {
        return Err(invalid(
            "--url",
            redact::url(url),
            "a URL without credentials: they would not be sent; pass --api-key KEY (sent as `Authorization: Bearer KEY`) or -H 'Authorization: Basic …'",
        ));
    }
    let mut extra_inputs = Map::new();
    for pair in &args.extra_inputs {
        let (key, value) =
            pair.split_once(':').ok_or_else(|| invalid("--extra-inputs", pair, "key:value (e.g. temperature:0.7 or ignore_eos:true)"))?;
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        extra_inputs.insert(key.to_owned(), value);
    }
    let timeout =
        Duration::try_from_secs_f64(args.request_timeout_seconds).ok().filter(|t| !t.is_zero() && *t <= MAX_SECONDS).ok_or_else(|| {
            invalid("--request-timeout-seconds", args.request_timeout_seconds, "a positive number of seconds, at most a year")
        })?;
    let mut slos = Vec::new();
    for objective in args.goodput.iter().filter(|g| !g.is_empty()) {
        let (key, value) =
            objective.split_once(':').ok_or_else(|| invalid("--goodput", objective, "metric:value, e.g. time_to_first_token:200"))?;
        let metric = Metric::from_key(key).ok_or_else(|| {
            invalid(
                "--goodput",
                key,
                "a metric such as time_to_first_token, inter_token_latency, request_latency, output_token_throughput_per_user",
            )
        })?;
        let value: f64 = value
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v > 0.0)
            .ok_or_else(|| invalid("--goodput", objective, "a positive, finite number after the colon"))?;
        slos.push(Slo { metric, value });
    }
    let duration = match args.benchmark_duration {
        None => None,
        Some(s) => Some(
            Duration::try_from_secs_f64(s)
                .ok()
                .filter(|d| !d.is_zero() && *d <= MAX_SECONDS)
                .ok_or_else(|| invalid("--benchmark-duration", s, "a positive number of seconds, at most a year"))?,
        ),
    };
    let grace_period = Duration::try_from_secs_f64(args.benchmark_grace_period)
        .ok()
        .filter(|d| *d <= MAX_SECONDS)
        .ok_or_else(|| invalid("--benchmark-grace-period", args.benchmark_grace_period, "a number of seconds from 0 to a year"))?;
    let failure_limit = match args.failed_request_threshold {
        None => None,
        Some(ratio) if ratio.is_finite() && ratio > 0.0 && ratio <= 1.0 => Some(FailureLimit { ratio, floor: FAILURE_FLOOR }),
        Some(ratio) => {
            return Err(invalid("--failed-request-threshold", ratio, "a share of failed requests above 0 and at most 1, e.g. 0.1"));
        }
    };
    if let Some(rate) = args.request_rate
        && !(rate.is_finite() && (1e-6..=1e9).contains(&rate))
    {
        return Err(invalid("--request-rate", rate, "requests per second between 0.000001 and 1e9"));
    }
    if let Some(n) = args.concurrency.filter(|&n| n == 0 || n > MAX_CONCURRENCY) {
        return Err(invalid(
            "--concurrency",
            n,
            format!("from 1 to {MAX_CONCURRENCY} requests in flight (each holds a connection and its buffers)"),
        ));
    }
    if args.num_dataset_entries == 0 {
        return Err(invalid("--num-dataset-entries", 0, "at least 1"));
    }
    if args.isl > MAX_ISL {
        return Err(invalid("--isl", args.isl, format!("at most {MAX_ISL} tokens per synthetic prompt")));
    }
    let dataset_tokens = (f64::from(args.isl) + 3.0 * args.isl_stddev.max(0.0)) * args.num_dataset_entries as f64;
    if args.input_file.is_none() && dataset_tokens > MAX_DATASET_TOKENS as f64 {
        return Err(invalid(
            "--num-dataset-entries",
            args.num_dataset_entries,
            format!(
                "at most {MAX_DATASET_TOKENS} synthetic prompt tokens in all: --isl {} × {} entries is {dataset_tokens:.0}; lower either (requests cycle through the entries)",
                args.isl, args.num_dataset_entries
            ),
        ));
    }
    let millis = |flag: &'static str, ms: f64| {
        Duration::try_from_secs_f64(ms / 1e3).map_err(|_| invalid(flag, ms, "a non-negative number of milliseconds"))
    };
    let engine = InEngineSettings {
        time_to_first_token: millis("--engine-ttft-ms", args.engine_ttft_ms)?,
        inter_token_latency: millis("--engine-itl-ms", args.engine_itl_ms)?,
        output_tokens: 16,
        seed: args.random_seed,
    };
    let info = ModelEndpointInfo {
        model_names,
        url: args.url.clone(),
        custom_endpoint: args.custom_endpoint.clone(),
        streaming: args.streaming,
        api_key: args.api_key.clone(),
        headers,
        extra_inputs,
        timeout,
        engine,
    };
    let plan = Plan {
        count: if duration.is_some() { None } else { Some(args.request_count) },
        deadline: None,
        cutoff: None,
        concurrency: args.concurrency.or(if args.request_rate.is_some() { None } else { Some(1) }),
        rate: args.request_rate.map(|r| (r, args.request_rate_mode)),
        seed: args.random_seed,
    };
    // Extra inputs are `key:value` too: a key that names a credential (`api_key:…`) is one.
    let secrets =
        Secrets::new(args.api_key.as_deref(), args.headers.iter().chain(&args.extra_inputs).map(String::as_str), args.url.as_deref());
    Ok(Config { endpoint, endpoint_meta, transport, secrets, info, slos, plan, duration, grace_period, failure_limit })
}

/// `-H Name:Value` headers, checked. A header's value is never echoed in an error (it may be a
/// credential); its name is, unless the name itself says it is one.
fn headers(args: &ProfileArgs) -> Result<Vec<(String, String)>, ProfileError> {
    let mut headers = Vec::with_capacity(args.headers.len());
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(invalid(
                "--header",
                redact::HIDDEN,
                "Name:Value, e.g. -H 'X-Request-Source: aiperf' (the value given has no colon)",
            ));
        };
        let name = name.trim();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)) {
            return Err(invalid("--header", redact::header(header), "Name:Value, the name made of letters, digits and `-`"));
        }
        let value = value.trim();
        if !value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80) {
            return Err(invalid(
                "--header",
                redact::header(&format!("{name}:")),
                "a value without control characters (such as a line break)",
            ));
        }
        if args.api_key.is_some() && name.eq_ignore_ascii_case("authorization") {
            return Err(invalid(
                "--header",
                redact::header(header),
                "one source of the Authorization header: --api-key KEY already sends `Authorization: Bearer KEY`; drop one of them",
            ));
        }
        headers.push((name.to_owned(), value.to_owned()));
    }
    Ok(headers)
}

/// `--use` pins, undone when dropped (at the end of the run that set them).
struct Pins<F: Factories> {
    _endpoints: Vec<PinGuard<F::Endpoints>>,
    _transports: Vec<PinGuard<F::Transports>>,
}

/// Applies `--use NAME=IMPL` pins (endpoint names first, then transport names) for this run.
fn apply_pins<F: Factories>(pins: &[String]) -> Result<Pins<F>, ProfileError> {
    let mut guards = Pins { _endpoints: Vec::new(), _transports: Vec::new() };
    for pin in pins {
        let (name, implementation) = pin.split_once('=').ok_or_else(|| invalid("--use", pin, "NAME=IMPL, e.g. chat=ChatEndpoint"))?;
        if <F::Endpoints as Category>::parse_name(name).is_some() {
            guards._endpoints.push(Factory::<F::Endpoints>::scoped_implementation(name, implementation)?);
        } else {
            guards._transports.push(Factory::<F::Transports>::scoped_implementation(name, implementation)?);
        }
    }
    Ok(guards)
}

/// Runs `aiperf profile`: prints progress to stderr, returns the console table and where the
/// exports are. Ctrl-C stops sending, waits briefly for requests in flight, and still writes
/// valid exports of what completed (`was_cancelled: true`).
///
/// # Errors
/// [`ProfileError`] for flags that cannot work or artifacts that cannot be written; failed
/// requests are not errors, they are counted.
pub async fn run<F: Factories>(args: &ProfileArgs, cli_command: &str) -> Result<ProfileOutcome, ProfileError> {
    let config = config::<F>(args)?;
    let _pins = apply_pins::<F>(&args.pins)?;
    if config.info.url.is_some() {
        // At a rate without a concurrency, at most rate × timeout requests can be in flight.
        let by_rate = config.plan.rate.map_or(MAX_CONCURRENCY, |(rate, _)| (rate * config.info.timeout.as_secs_f64()).ceil() as usize);
        limits::check_open_files(config.plan.concurrency.unwrap_or(by_rate.min(MAX_CONCURRENCY)));
    }
    let tokenizer = Arc::new(Tokenizer::load(&args.tokenizer)?);
    let lengths = inputs::Lengths { isl: args.isl, isl_stddev: args.isl_stddev, osl: args.osl, osl_stddev: args.osl_stddev };
    let entries = match &args.input_file {
        Some(path) => inputs::from_file(path, &tokenizer, args.osl)?,
        None => inputs::synthetic(config.endpoint_meta.input, &tokenizer, lengths, args.num_dataset_entries, args.random_seed)?,
    };
    let endpoint = Factory::<F::Endpoints>::create_instance(&config.endpoint, &config.info)?;
    let transport = Factory::<F::Transports>::create_instance(&config.transport, &config.info)?;
    let mut prepared = Vec::with_capacity(entries.len());
    for entry in entries {
        // The payload is not kept: the body holds it, and holding both doubles a large dataset.
        let request = InferenceRequest { payload: entry.payload, max_tokens: entry.max_tokens, model: None };
        prepared.push(Prepared { input_tokens: entry.input_tokens, request: endpoint.format_request(&request)? });
    }
    let metadata = config.endpoint_meta;
    let path = config.info.custom_endpoint.clone().unwrap_or_else(|| metadata.path(config.info.streaming).to_owned());
    if let Some(first) = prepared.first() {
        let probe = TransportRequest {
            path: &path,
            body: &first.request.body,
            content_type: first.request.content_type,
            streaming: first.request.streaming,
            request_id: None,
        };
        transport.check(probe).map_err(|source| ProfileError::Unsupported {
            endpoint: config.endpoint.clone(),
            transport: config.transport.clone(),
            source,
        })?;
    }
    let dir = args.output_artifact_dir.clone();
    std::fs::create_dir_all(&dir).map_err(|source| ProfileError::Io { path: dir.display().to_string(), source })?;
    // A reused directory must not mix two runs: this run's files go first, then are written anew.
    export::clear(&dir)?;
    export::write_inputs(&dir, prepared.iter().map(|p| p.request.body.as_slice()), &config.secrets)?;

    let runner = Arc::new(Runner {
        endpoint,
        transport,
        path,
        inputs: prepared,
        tokenizer: Arc::clone(&tokenizer),
        use_server_token_count: args.use_server_token_count,
        produces_tokens: metadata.produces_tokens,
        tracker: ConcurrencyTracker::new(Duration::from_millis(100)),
        done: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        failure_limit: config.failure_limit,
        halted: AtomicBool::new(false),
    });

    let (stop_tx, stop_rx) = watch::channel(false);
    let caught = Arc::new(OnceLock::new());
    let grace = Duration::from_secs(5);
    let ctrl_c = signals::watch(stop_tx, Arc::clone(&caught), grace.as_secs());
    let show = args.ui == Ui::Simple;

    if args.num_warmup_requests > 0 {
        let plan = Plan { count: Some(args.num_warmup_requests), deadline: None, ..config.plan };
        let (tx, mut rx) = mpsc::unbounded_channel();
        let progress = progress::Progress::start(show, "warmup", Arc::clone(&runner), plan.count, None);
        runner::run_phase(Arc::clone(&runner), Phase::Warmup, plan, tx, stop_rx.clone(), grace).await;
        progress.finish();
        while rx.try_recv().is_ok() {}
    }

    let start_wall = SystemTime::now();
    let started = Instant::now();
    let deadline = config.duration.and_then(|d| started.checked_add(d));
    let cutoff = deadline.and_then(|d| d.checked_add(config.grace_period));
    let plan = Plan { deadline, cutoff, ..config.plan };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut writer = export::RecordWriter::create(&dir, config.secrets.clone())?;
    let mut aggregate = Aggregate::new(config.slos.clone());
    let collect = tokio::spawn(async move {
        let mut result = Ok(());
        while let Some(record) = rx.recv().await {
            let mut next = Some(record);
            // Take what is queued, then flush: records reach the file as the run goes, in batches.
            while let Some(record) = next {
                aggregate.add(&record);
                if result.is_ok() {
                    result = writer.write(&record);
                }
                next = rx.try_recv().ok();
            }
            if result.is_ok() {
                result = writer.flush();
            }
        }
        result.and(writer.finish()).map(|()| aggregate)
    });
    let progress = progress::Progress::start(show, "profiling", Arc::clone(&runner), plan.count, config.duration);
    runner::run_phase(Arc::clone(&runner), Phase::Profiling, plan, tx, stop_rx.clone(), grace).await;
    progress.finish();
    let aggregate = collect.await.map_err(|e| ProfileError::Io { path: dir.display().to_string(), source: std::io::Error::other(e) })??;
    let ended = Instant::now();
    let end_wall = SystemTime::now();
    let cancelled_by = caught.get().copied();
    ctrl_c.abort();

    let concurrency = runner.tracker.summary(ended);
    let report = Report {
        args,
        config: &config,
        tokenizer: &tokenizer,
        aggregate: &aggregate,
        concurrency,
        started,
        ended,
        start_wall,
        end_wall,
        was_cancelled: cancelled_by.is_some(),
        stopped_early: runner.halted.load(Ordering::Relaxed),
        cli_command,
        entries: runner.inputs.len(),
    };
    let console = report.write(&dir)?;
    let threshold_crossed = runner.halted.load(Ordering::Relaxed);
    Ok(ProfileOutcome {
        console,
        artifact_dir: dir,
        cancelled_by,
        completed: aggregate.completed,
        failed: aggregate.failed,
        threshold_crossed,
    })
}

/// Everything the exports are made of.
struct Report<'a> {
    args: &'a ProfileArgs,
    config: &'a Config,
    tokenizer: &'a Tokenizer,
    aggregate: &'a Aggregate,
    concurrency: Option<stats::Summary>,
    started: Instant,
    ended: Instant,
    start_wall: SystemTime,
    end_wall: SystemTime,
    was_cancelled: bool,
    stopped_early: bool,
    cli_command: &'a str,
    entries: usize,
}

impl Report<'_> {
    /// Aggregate metrics (AIPerf's keys, units and titles).
    fn aggregates(&self) -> (f64, Vec<AggregateMetric>) {
        let a = self.aggregate;
        let span = match (a.first_start, a.last_end) {
            (Some(first), Some(last)) => (last - first).as_secs_f64(),
            _ => (self.ended - self.started).as_secs_f64(),
        }
        .max(1e-9);
        let metric = |key, title, unit, value| AggregateMetric { key, title, unit, value };
        let mut list = Vec::new();
        let tokens = self.config.endpoint_meta.produces_tokens;
        if tokens {
            list.push(metric("output_token_throughput", "Output Token Throughput", "tokens/sec", a.total_osl / span));
            list.push(metric("total_token_throughput", "Total Token Throughput", "tokens/sec", (a.total_isl + a.total_osl) / span));
        }
        list.push(metric("input_token_throughput", "Input Token Throughput", "tokens/sec", a.total_isl / span));
        list.push(metric("request_throughput", "Request Throughput", "requests/sec", a.completed as f64 / span));
        list.push(metric("request_count", "Request Count", "requests", a.completed as f64));
        list.push(metric("completed_request_count", "Completed Request Count", "requests", a.completed as f64));
        list.push(metric("error_request_count", "Error Request Count", "requests", a.failed as f64));
        let attempted = (a.completed + a.failed).max(1) as f64;
        list.push(metric("request_error_rate", "Request Error Rate", "%", a.failed as f64 * 100.0 / attempted));
        if tokens {
            list.push(metric("total_output_tokens", "Total Output Tokens", "tokens", a.total_osl));
            list.push(metric("total_osl", "Total Output Sequence Length", "tokens", a.total_osl));
        }
        list.push(metric("total_isl", "Total Input Sequence Length", "tokens", a.total_isl));
        if a.has_slos() {
            list.push(metric("goodput", "Goodput", "requests/sec", a.good as f64 / span));
            list.push(metric("good_request_count", "Good Request Count", "requests", a.good as f64));
        }
        list.push(metric("benchmark_duration", "Benchmark Duration", "sec", span));
        (span, list)
    }

    /// Writes the JSON, CSV and console files; returns the console text.
    fn write(&self, dir: &std::path::Path) -> Result<String, ProfileError> {
        let records: Vec<(Metric, stats::Summary)> =
            Metric::ALL.iter().filter_map(|&m| self.aggregate.summary(m).map(|s| (m, s))).collect();
        let (span, aggregates) = self.aggregates();
        let title = format!("aiperf | {}", self.config.endpoint_meta.metrics_title);
        let mut console = export::console_table(&title, &records, &aggregates);
        if let Some(c) = &self.concurrency {
            console.push_str(&format!("Effective concurrency: avg {:.2}, p50 {:.2}, max {:.2} requests in flight\n", c.avg, c.p50, c.max));
        }
        for (error, count) in self.aggregate.errors() {
            let code = error.code.map(|c| format!(" {c}")).unwrap_or_default();
            console.push_str(&format!("Errors: {count} × {}{code}: {}\n", error.kind, error.message));
        }
        if self.was_cancelled {
            console.push_str("Run cancelled: results cover the requests that completed.\n");
        }
        if self.stopped_early {
            let ratio = self.config.failure_limit.map_or(0.0, |l| l.ratio);
            console.push_str(&format!(
                "Run stopped early: more than {:.1}% of the requests failed (--failed-request-threshold {ratio}); requests in flight finished.\n",
                ratio * 100.0
            ));
        }
        console.push_str(&format!("Benchmark duration: {span:.2} sec; exports in {}\n", dir.display()));
        // Server error messages may quote a credential back.
        let console = self.config.secrets.scrub(&console).into_owned();
        export::write_csv(dir, &records, &aggregates)?;
        std::fs::write(dir.join(export::CONSOLE_FILE), &console)
            .map_err(|source| ProfileError::Io { path: dir.join(export::CONSOLE_FILE).display().to_string(), source })?;
        export::write_json(dir, export::JSON_FILE, &self.json(&records, &aggregates), &self.config.secrets)?;
        Ok(console)
    }

    fn json(&self, records: &[(Metric, stats::Summary)], aggregates: &[AggregateMetric]) -> Value {
        let args = self.args;
        let id = benchmark_id(self.start_wall, args.random_seed);
        let error_summary: Vec<Value> = self
            .aggregate
            .errors()
            .into_iter()
            .map(|(e, count)| json!({ "error_details": { "code": e.code, "type": e.kind, "message": e.message }, "count": count }))
            .collect();
        let mut root = json!({
            "schema_version": "1.4",
            "aiperf_version": concat!("aiperf-rs ", env!("CARGO_PKG_VERSION")),
            "benchmark_id": id,
            "input_config": {
                "models": { "items": self.config.info.model_names.iter().map(|n| json!({ "name": n })).collect::<Vec<_>>() },
                "endpoint": {
                    "urls": self.config.info.url.iter().collect::<Vec<_>>(),
                    "type": self.config.endpoint,
                    "streaming": self.config.info.streaming,
                    "custom_endpoint": self.config.info.custom_endpoint,
                    "transport": self.config.transport,
                },
                "datasets": [{
                    "name": "default",
                    "type": if args.input_file.is_some() { "file" } else { "synthetic" },
                    "entries": self.entries,
                    "random_seed": args.random_seed,
                    "prompts": { "isl": { "mean": args.isl, "stddev": args.isl_stddev }, "osl": { "mean": args.osl, "stddev": args.osl_stddev } },
                }],
                "phases": [{
                    "name": "profiling",
                    "kind": "profiling",
                    "type": if args.request_rate.is_some() { "request_rate" } else { "concurrency" },
                    "requests": self.config.plan.count,
                    "duration": args.benchmark_duration,
                    "grace_period": args.benchmark_duration.map(|_| args.benchmark_grace_period),
                    "concurrency": self.config.plan.concurrency,
                    "request_rate": args.request_rate,
                    "warmup_requests": args.num_warmup_requests,
                }],
                "artifacts": { "dir": args.output_artifact_dir.display().to_string() },
                "tokenizer": { "name": self.tokenizer.name() },
                "runtime": { "ui": format!("{:?}", args.ui).to_lowercase() },
            },
            "run_info": { "benchmark_id": id, "random_seed": args.random_seed, "trial": 0, "cli_command": self.cli_command },
            "was_cancelled": self.was_cancelled,
            "is_complete": !self.was_cancelled && !self.stopped_early,
            "failed_request_threshold_exceeded": self.stopped_early,
            "error_summary": error_summary,
            "start_time": humantime::format_rfc3339_micros(self.start_wall).to_string(),
            "end_time": humantime::format_rfc3339_micros(self.end_wall).to_string(),
        });
        let object = root.as_object_mut().expect("a JSON object");
        for (metric, summary) in records {
            object.insert(metric.key().to_owned(), export::record_metric_json(*metric, summary));
        }
        for a in aggregates {
            object.insert(a.key.to_owned(), json!({ "unit": a.unit, "avg": a.value }));
        }
        if let Some(c) = &self.concurrency {
            object.insert(
                "effective_concurrency".to_owned(),
                json!({ "unit": "requests", "avg": c.avg, "min": c.min, "max": c.max, "p50": c.p50, "p90": c.p90, "p95": c.p95, "p99": c.p99, "std": c.std }),
            );
        }
        root
    }
}

/// 12 hex characters identifying a run.
fn benchmark_id(start: SystemTime, seed: u64) -> String {
    let nanos = start.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let mut rng = fastrand::Rng::with_seed(nanos ^ seed.rotate_left(17) ^ u64::from(std::process::id()));
    format!("{:012x}", rng.u64(..) & 0xffff_ffff_ffff)
}
