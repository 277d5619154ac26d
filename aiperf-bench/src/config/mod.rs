//! What a benchmark is asked to do: [`BenchConfig`], plain data (`options.rs`), checked once and
//! resolved against the build's table into one typed `Config`: every later stage (the plan, the
//! inputs, the run, the report) reads only that.

use std::path::PathBuf;
use std::time::Duration;

use aiperf_core::{EndpointMetadata, Factories, Factory, ModelEndpointInfo, Settings, Url, parse_server_url};
use serde_json::{Map, Value};

use super::error::{ProfileError, invalid};
use crate::redact::{self, Secrets};

mod cancellation;
pub use cancellation::Cancellation;
mod dataset;
pub mod file;
pub(crate) use dataset::Dataset;
mod named;
mod readiness;
pub(crate) use readiness::readiness;
pub use readiness::{DEFAULT_READINESS_INTERVAL, Readiness, ReadinessMode};
mod option_types;
mod options;
mod prefixes;
pub use prefixes::{PrefixPool, Prefixes};
mod rate_curve;
pub(crate) use rate_curve::RatePoints;
mod schedule;
mod search;
pub(crate) use search::search;
pub use search::{Objective, Search};
mod selections;
mod users;
pub use users::Users;
mod shard;
mod values;
mod warmup;

pub use named::Named;

pub use option_types::{ExportLevel, List, Pin, PublicDataset, SweepType, Ui};
pub use options::BenchConfig;
pub use schedule::FailureLimit;
pub(super) use schedule::{FixedSchedule, Schedule};
use schedule::{failure_limit, schedule, single};
pub use selections::Selections;
pub use shard::Shard;
pub use values::{DatasetType, Lengths, SHAREGPT_CACHE_PATH, Sampling, Slo, Window};

/// The longest duration a flag accepts (a year): larger values would overflow clocks.
const MAX_SECONDS: Duration = Duration::from_secs(366 * 24 * 3600);

/// The most requests in flight at once (`--concurrency`, and the bound of `--request-rate` when
/// no concurrency is given): each holds a task, a connection and its buffers.
pub const MAX_CONCURRENCY: usize = 100_000;

/// Profiled requests that must have ended before `--failed-request-threshold` applies (or
/// `--concurrency` of them when it is larger, as in AIPerf).
pub const FAILURE_FLOOR: u64 = 10;

/// `--request-count` when neither it nor a duration or a fixed schedule is given.
pub const DEFAULT_REQUEST_COUNT: u64 = 10;

/// The most synthetic prompt tokens a run prepares when `--num-dataset-entries` is not given
/// (1,818 prompts at `--isl 550`): about 5 MB of request bodies.
pub const DEFAULT_DATASET_TOKENS: u64 = 1_000_000;

/// Distinct synthetic prompts when neither `--num-dataset-entries`, `--conversation-num` nor
/// `--request-count` says how many, as in AIPerf.
pub const DEFAULT_ENTRIES: usize = 100;

/// `--conversation-num` when not given, as in AIPerf.
pub const DEFAULT_CONVERSATIONS: usize = 100;

/// The most requests a random pool draws (each is formatted before the run).
pub const MAX_CONVERSATIONS: usize = 1_000_000;

/// `--random-seed` of a sweep or of repeated runs when none is given: AIPerf's consistent seed,
/// so that every run sends the same prompts.
pub const CONSISTENT_SEED: u64 = 42;

/// The seed of a run given no `--random-seed`: [`CONSISTENT_SEED`] for one of `several` runs (a
/// sweep, `--num-profile-runs`), else one drawn from the system's entropy, so that runs do not
/// all send the same prompts (a server's prefix cache would answer the second run from memory).
/// The exports record it, so a run can be repeated.
pub fn default_seed(several: bool) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // 32 bits: short enough to type back, and exact in any JSON reader.
    if several { CONSISTENT_SEED } else { std::hash::RandomState::new().build_hasher().finish() & 0xffff_ffff }
}

/// `--random-seed`, or (for a caller that did not draw one with [`default_seed`]) [`CONSISTENT_SEED`].
fn seed(args: &BenchConfig) -> u64 {
    args.random_seed.unwrap_or(CONSISTENT_SEED)
}

/// The seed of what differs between the workers sharing a benchmark (arrivals, synthetic
/// prompts): [`Shard::seed`] of the benchmark's, or the benchmark's for a run of its own.
fn worker_seed(args: &BenchConfig) -> u64 {
    args.shard.map_or(seed(args), |shard| shard.seed(seed(args)))
}

/// The dataset loader of single-turn files when `--custom-dataset-type` names none.
pub const DEFAULT_LOADER: &str = "single_turn";

/// `--isl-block-size` when not given: mooncake's block size, as in AIPerf.
pub const DEFAULT_BLOCK_SIZE: u32 = 512;

/// The longest synthetic prompt, in tokens (the longest context windows served today).
pub const MAX_ISL: u32 = 1 << 20;

/// The most synthetic prompt tokens a run prepares (`--isl` × `--num-dataset-entries`), about
/// 80 MB of request bodies (the payloads are not kept once formatted).
pub const MAX_DATASET_TOKENS: u64 = 20_000_000;

/// Everything a run needs, resolved.
#[derive(Debug)]
pub(super) struct Config {
    /// The endpoint name (from the table, or registered at run time).
    pub endpoint: String,
    /// Its metadata: what inputs it takes, its path, whether it streams and produces tokens.
    pub endpoint_meta: &'static EndpointMetadata,
    /// The transport name.
    pub transport: String,
    /// The arrival pattern's name (its `--request-rate`'s gaps).
    pub arrival_pattern: String,
    /// What the endpoint and the transport are built from.
    pub info: ModelEndpointInfo,
    /// Credentials given on the command line, scrubbed from everything written out.
    pub secrets: Secrets,
    /// What to send.
    pub dataset: Dataset,
    /// When to send it.
    pub schedule: Schedule,
    /// `--goodput` objectives.
    pub slos: Vec<Slo>,
    /// `--failed-request-threshold`.
    pub failure_limit: Option<FailureLimit>,
    /// `--wait-for-model-timeout` and its settings: the probe before the benchmark.
    pub readiness: Option<Readiness>,
    /// `--use-server-token-count`.
    pub use_server_token_count: bool,
    /// Where the exports go.
    pub artifact_dir: PathBuf,
    /// Progress display.
    pub ui: Ui,
    /// `--export-level`.
    pub export_level: ExportLevel,
    /// `--export-http-trace`.
    pub http_trace: bool,
}

impl Config {
    /// Checks the configuration and resolves it against the build's table `F` as `selections`
    /// choose from it (names registered there are known too); `settings` are the
    /// implementations' own (the embedded engine's delays, say), passed on untouched.
    ///
    /// # Errors
    /// [`ProfileError`] naming the flag that cannot work and what would.
    pub fn resolve<F: Factories>(args: &BenchConfig, settings: Settings, selections: &Selections<F>) -> Result<Self, ProfileError> {
        let endpoint = args.endpoint_type.clone();
        let endpoint_meta = selections.endpoints.metadata(&endpoint)?;
        if args.streaming && !endpoint_meta.supports_streaming {
            return Err(invalid("--streaming", &endpoint, format!("the {endpoint} endpoint does not stream; drop --streaming")));
        }
        let url = args.url.as_deref().map(server_url).transpose()?;
        let transport = match &args.transport {
            Some(name) => {
                selections.transports.metadata(name)?;
                name.clone()
            }
            None => Factory::<F::Transports>::entry(Factory::<F::Transports>::for_url(url.as_ref())?).text.to_owned(),
        };
        // Extra inputs are `key:value` too: a key that names a credential (`api_key:…`) is one.
        let secrets =
            Secrets::new(args.api_key.as_deref(), args.headers.iter().chain(&args.extra_inputs).map(String::as_str), args.url.as_deref());
        selections.arrival_patterns.metadata(&args.arrival_pattern)?;
        let settings = rate_curve::with_smoothness(args, settings)?;
        Ok(Self {
            endpoint,
            endpoint_meta,
            transport,
            arrival_pattern: args.arrival_pattern.clone(),
            info: info(args, url, settings)?,
            secrets,
            dataset: dataset::dataset(args, selections, endpoint_meta.input)?,
            schedule: schedule(args)?,
            slos: args.goodput.clone(),
            failure_limit: failure_limit(args.failed_request_threshold, single("--concurrency", args.concurrency.as_ref())?)?,
            readiness: readiness(args)?,
            use_server_token_count: args.use_server_token_count,
            export_level: args.export_level,
            http_trace: http_trace(args)?,
            artifact_dir: args.output_artifact_dir.clone(),
            ui: args.ui,
        })
    }
}

fn seconds(flag: &'static str, value: f64, zero_ok: bool) -> Result<Duration, ProfileError> {
    let expected = if zero_ok { "a number of seconds from 0 to a year" } else { "a positive number of seconds, at most a year" };
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| (zero_ok || !d.is_zero()) && *d <= MAX_SECONDS)
        .ok_or_else(|| invalid(flag, value, expected))
}

/// `--url`, parsed once: what every transport reads. Credentials in it are refused (they would not
/// be sent), and no error shows them.
fn server_url(text: &str) -> Result<Url, ProfileError> {
    let url = parse_server_url(text)
        .map_err(|reason| invalid("--url", redact::url(text), format!("a server URL such as http://127.0.0.1:8000 ({reason})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "--url",
            redact::url(text),
            "a URL without credentials: they would not be sent; pass --api-key KEY (sent as `Authorization: Bearer KEY`) or -H 'Authorization: Basic …'",
        ));
    }
    Ok(url)
}

/// The model, the server, and how to talk to it.
fn info(args: &BenchConfig, url: Option<Url>, settings: Settings) -> Result<ModelEndpointInfo, ProfileError> {
    let model_names = match (&args.url, args.model.is_empty()) {
        (_, false) => args.model.iter().map(|name| name.as_str().into()).collect(),
        (None, true) => vec!["mock".into()],
        (Some(url), true) => {
            let expected = format!("--model is required with --url {} (the served model name, e.g. --model llama-3-8b)", redact::url(url));
            return Err(invalid("--model", "", expected));
        }
    };
    Ok(ModelEndpointInfo {
        model_names,
        url,
        custom_endpoint: args.custom_endpoint.clone(),
        streaming: args.streaming,
        api_key: args.api_key.clone(),
        headers: headers(args)?,
        extra_inputs: extra_inputs(&args.extra_inputs)?,
        legacy_max_tokens: args.use_legacy_max_tokens,
        timeout: seconds("--request-timeout-seconds", args.request_timeout_seconds, false)?,
        connection_reuse: args.connection_reuse_strategy,
        settings,
    })
}

/// `--export-http-trace`: the traces go into the records' file, which `--export-level summary`
/// does not write.
fn http_trace(args: &BenchConfig) -> Result<bool, ProfileError> {
    if args.export_http_trace && args.export_level == ExportLevel::Summary {
        let reason = "writes each request's trace into profile_export.jsonl, which --export-level summary does not write".to_owned();
        return Err(ProfileError::Flags { flag: "--export-http-trace", reason });
    }
    Ok(args.export_http_trace)
}

/// `-H Name:Value` headers, checked. A header's value is never echoed in an error (it may be a
/// credential); its name is, unless the name itself says it is one.
fn headers(args: &BenchConfig) -> Result<Vec<(String, String)>, ProfileError> {
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

/// `--extra-inputs key:value` (the value parsed as JSON when it is JSON).
fn extra_inputs(pairs: &[String]) -> Result<Map<String, Value>, ProfileError> {
    let mut extra = Map::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once(':') else {
            // Not echoed: a malformed pair may still hold a credential.
            return Err(invalid("--extra-inputs", redact::HIDDEN, "key:value (e.g. temperature:0.7 or ignore_eos:true)"));
        };
        extra.insert(key.to_owned(), serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned())));
    }
    Ok(extra)
}
