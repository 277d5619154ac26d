//! The flags of `aiperf profile`, checked once and resolved into one typed [`Config`]: every
//! later stage (inputs, the run, the report) reads only that.

use std::path::PathBuf;
use std::time::Duration;

use aiperf_core::{EndpointMetadata, Factories, Factory, ModelEndpointInfo, Selection, Settings, Url, parse_server_url};
use aiperf_transports::InEngineSettings;
use serde_json::{Map, Value};

use super::aggregate::Slo;
use super::args::RateMode;
use super::args::{DatasetType, ProfileArgs, PublicDataset, Sampling, Ui};
use super::error::{ProfileError, invalid};
use super::inputs::Lengths;
use super::replay::Window;
use super::runner::{Arrivals, FailureLimit, Plan};
use crate::redact::{self, Secrets};

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

/// `--conversation-num` when not given, as in AIPerf.
pub const DEFAULT_CONVERSATIONS: usize = 100;

/// The most requests a random pool draws (each is formatted before the run).
pub const MAX_CONVERSATIONS: usize = 1_000_000;

/// `--isl-block-size` when not given: mooncake's block size, as in AIPerf.
pub const DEFAULT_BLOCK_SIZE: u32 = 512;

/// The longest synthetic prompt, in tokens (the longest context windows served today).
pub const MAX_ISL: u32 = 1 << 20;

/// The most synthetic prompt tokens a run prepares (`--isl` × `--num-dataset-entries`), about
/// 80 MB of request bodies (the payloads are not kept once formatted).
pub const MAX_DATASET_TOKENS: u64 = 20_000_000;

impl From<RateMode> for Arrivals {
    fn from(mode: RateMode) -> Self {
        match mode {
            RateMode::Constant => Self::Constant,
            RateMode::Poisson => Self::Poisson,
        }
    }
}

/// Everything a run needs, resolved.
#[derive(Debug)]
pub(super) struct Config {
    /// The endpoint name (from the table, or registered at run time).
    pub endpoint: String,
    /// Its metadata: what inputs it takes, its path, whether it streams and produces tokens.
    pub endpoint_meta: &'static EndpointMetadata,
    /// The transport name.
    pub transport: String,
    /// What the endpoint and the transport are built from.
    pub info: ModelEndpointInfo,
    /// Credentials given on the command line, scrubbed from everything written out.
    pub secrets: Secrets,
    /// `--use NAME=IMPL` pins, for this run.
    pub pins: Vec<(String, String)>,
    /// What to send.
    pub dataset: Dataset,
    /// When to send it.
    pub schedule: Schedule,
    /// `--goodput` objectives.
    pub slos: Vec<Slo>,
    /// `--failed-request-threshold`.
    pub failure_limit: Option<FailureLimit>,
    /// `--use-server-token-count`.
    pub use_server_token_count: bool,
    /// Where the exports go.
    pub artifact_dir: PathBuf,
    /// Progress display.
    pub ui: Ui,
}

/// The inputs: a file, or synthetic prompts.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Dataset {
    /// `--input-file`, else synthetic prompts.
    pub input_file: Option<PathBuf>,
    /// `--custom-dataset-type`.
    pub kind: DatasetType,
    /// `--dataset-sampling-strategy`.
    pub sampling: Sampling,
    /// Synthetic prompts to prepare.
    pub entries: usize,
    /// Input and output lengths.
    pub lengths: Lengths,
    /// `--tokenizer`.
    pub tokenizer: String,
    /// `--random-seed`.
    pub seed: u64,
    /// `--isl-block-size`: tokens per `hash_ids` block.
    pub block_size: u32,
    /// `--conversation-num`: requests a random pool draws.
    pub conversations: usize,
}

/// How requests are issued.
#[derive(Clone, Copy, Debug)]
pub(super) struct Schedule {
    /// The profiling phase (its deadline and cutoff are set when it starts).
    pub plan: Plan,
    /// `--benchmark-duration`.
    pub duration: Option<Duration>,
    /// `--benchmark-grace-period`: how long requests in flight may finish after `duration`.
    pub grace_period: Duration,
    /// `--num-warmup-requests`.
    pub warmup_requests: u64,
    /// Whether the profiling phase follows the dataset's timestamps.
    pub fixed: FixedSchedule,
}

/// Whether the profiling phase sends each entry at its timestamp ([`super::replay`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum FixedSchedule {
    /// No: at `--concurrency` or `--request-rate`.
    Off,
    /// When the dataset's first entry has a timestamp (a trace type, AIPerf's auto promotion).
    Auto(Window),
    /// Yes: `--fixed-schedule`.
    On(Window),
}

impl Config {
    /// Checks the flags and resolves them against the build's table `F`.
    ///
    /// # Errors
    /// [`ProfileError`] naming the flag that cannot work and what would.
    pub fn resolve<F: Factories>(args: &ProfileArgs) -> Result<Self, ProfileError> {
        let endpoint = args.endpoint_type.clone();
        let endpoint_meta = Factory::<F::Endpoints>::metadata(&endpoint)?;
        if args.streaming && !endpoint_meta.supports_streaming {
            return Err(invalid("--streaming", &endpoint, format!("the {endpoint} endpoint does not stream; drop --streaming")));
        }
        let url = args.url.as_deref().map(server_url).transpose()?;
        let transport = match &args.transport {
            Some(name) => {
                Factory::<F::Transports>::metadata(name)?;
                name.clone()
            }
            None => Factory::<F::Transports>::entry(Factory::<F::Transports>::for_url(url.as_ref())?).text.to_owned(),
        };
        // Extra inputs are `key:value` too: a key that names a credential (`api_key:…`) is one.
        let secrets =
            Secrets::new(args.api_key.as_deref(), args.headers.iter().chain(&args.extra_inputs).map(String::as_str), args.url.as_deref());
        Ok(Self {
            endpoint,
            endpoint_meta,
            transport,
            info: info(args, url)?,
            secrets,
            pins: args.pins.iter().map(|p| (p.name.clone(), p.implementation.clone())).collect(),
            dataset: dataset(args)?,
            schedule: schedule(args)?,
            slos: args.goodput.clone(),
            failure_limit: failure_limit(args.failed_request_threshold, single("--concurrency", args.concurrency.as_ref())?)?,
            use_server_token_count: args.use_server_token_count,
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
fn info(args: &ProfileArgs, url: Option<Url>) -> Result<ModelEndpointInfo, ProfileError> {
    let model_names = match (&args.url, args.model.is_empty()) {
        (_, false) => args.model.iter().map(|name| name.as_str().into()).collect(),
        (None, true) => vec!["mock".into()],
        (Some(url), true) => {
            let expected = format!("--model is required with --url {} (the served model name, e.g. --model llama-3-8b)", redact::url(url));
            return Err(invalid("--model", "", expected));
        }
    };
    let millis = |flag: &'static str, ms: f64| {
        Duration::try_from_secs_f64(ms / 1e3).map_err(|_| invalid(flag, ms, "a non-negative number of milliseconds"))
    };
    // The embedded engine's own settings (the `in_engine` transport reads them).
    let engine = InEngineSettings {
        time_to_first_token: millis("--engine-ttft-ms", args.engine_ttft_ms)?,
        inter_token_latency: millis("--engine-itl-ms", args.engine_itl_ms)?,
        seed: args.random_seed,
        ..InEngineSettings::default()
    };
    Ok(ModelEndpointInfo {
        model_names,
        url,
        custom_endpoint: args.custom_endpoint.clone(),
        streaming: args.streaming,
        api_key: args.api_key.clone(),
        headers: headers(args)?,
        extra_inputs: extra_inputs(&args.extra_inputs)?,
        timeout: seconds("--request-timeout-seconds", args.request_timeout_seconds, false)?,
        settings: Settings::default().with(engine),
    })
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

/// The inputs, checked against the dataset bounds.
fn dataset(args: &ProfileArgs) -> Result<Dataset, ProfileError> {
    let kind = match args.public_dataset {
        Some(PublicDataset::Sharegpt) => DatasetType::ShareGpt,
        None => args.custom_dataset_type.unwrap_or(DatasetType::SingleTurn),
    };
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
    Ok(Dataset {
        // A public dataset is read from AIPerf's cache path unless a file is given.
        input_file: match (&args.input_file, args.public_dataset) {
            (Some(file), _) => Some(file.clone()),
            (None, Some(PublicDataset::Sharegpt)) => Some(PathBuf::from(super::dataset::sharegpt::CACHE_PATH)),
            (None, None) => None,
        },
        kind,
        sampling: args.dataset_sampling_strategy.unwrap_or_else(|| kind.default_sampling()),
        conversations: match args.conversation_num {
            Some(0) => return Err(invalid("--conversation-num", 0, "at least 1")),
            Some(n) if n > MAX_CONVERSATIONS => return Err(invalid("--conversation-num", n, format!("at most {MAX_CONVERSATIONS}"))),
            n => n.unwrap_or(DEFAULT_CONVERSATIONS),
        },
        entries: args.num_dataset_entries,
        lengths: Lengths { isl: args.isl, isl_stddev: args.isl_stddev, osl: args.osl, osl_stddev: args.osl_stddev },
        tokenizer: args.tokenizer.clone(),
        seed: args.random_seed,
        block_size: match args.isl_block_size {
            Some(0) => return Err(invalid("--isl-block-size", 0, "at least 1 token per block")),
            size => size.unwrap_or(DEFAULT_BLOCK_SIZE),
        },
    })
}

/// The phases: count or duration, concurrency or rate.
fn schedule(args: &ProfileArgs) -> Result<Schedule, ProfileError> {
    let duration = args.benchmark_duration.map(|s| seconds("--benchmark-duration", s, false)).transpose()?;
    let fixed = fixed_schedule(args)?;
    let (concurrency, request_rate) =
        (single("--concurrency", args.concurrency.as_ref())?, single("--request-rate", args.request_rate.as_ref())?);
    if let Some(rate) = request_rate
        && !(rate.is_finite() && (1e-6..=1e9).contains(&rate))
    {
        return Err(invalid("--request-rate", rate, "requests per second between 0.000001 and 1e9"));
    }
    if let Some(n) = concurrency.filter(|&n| n == 0 || n > MAX_CONCURRENCY) {
        let expected = format!("from 1 to {MAX_CONCURRENCY} requests in flight (each holds a connection and its buffers)");
        return Err(invalid("--concurrency", n, expected));
    }
    let plan = Plan {
        count: match (duration, fixed) {
            (Some(_), _) => None,
            // A fixed schedule sends every entry in its window unless told otherwise.
            (None, FixedSchedule::On(_) | FixedSchedule::Auto(_)) => args.request_count,
            (None, FixedSchedule::Off) => Some(args.request_count.unwrap_or(DEFAULT_REQUEST_COUNT)),
        },
        deadline: None,
        cutoff: None,
        // A fixed schedule keeps as many requests in flight as its timestamps ask for, unless told.
        concurrency: concurrency.or(if request_rate.is_some() || fixed != FixedSchedule::Off { None } else { Some(1) }),
        rate: request_rate.map(|r| (r, args.request_rate_mode.into())),
        seed: args.random_seed,
    };
    Ok(Schedule {
        plan,
        duration,
        grace_period: seconds("--benchmark-grace-period", args.benchmark_grace_period, true)?,
        warmup_requests: args.num_warmup_requests,
        fixed,
    })
}

/// `--fixed-schedule` and its offsets; on by default for a trace file.
fn fixed_schedule(args: &ProfileArgs) -> Result<FixedSchedule, ProfileError> {
    let window = Window { start_ms: args.fixed_schedule_start_offset, end_ms: args.fixed_schedule_end_offset };
    if let (Some(start), Some(end)) = (window.start_ms, window.end_ms)
        && start > end
    {
        return Err(invalid("--fixed-schedule-end-offset", end, format!("at least --fixed-schedule-start-offset ({start} ms)")));
    }
    let trace = args.input_file.is_some() && args.custom_dataset_type.is_some_and(DatasetType::is_trace);
    if args.fixed_schedule && args.input_file.is_none() {
        let reason = "needs --input-file: a fixed schedule sends each line of the file at its `timestamp` (ms)".to_owned();
        return Err(ProfileError::Flags { flag: "--fixed-schedule", reason });
    }
    let fixed = match (args.fixed_schedule, trace && !args.no_fixed_schedule) {
        (true, _) => FixedSchedule::On(window),
        (false, true) => FixedSchedule::Auto(window),
        (false, false) => FixedSchedule::Off,
    };
    let offsets = [
        ("--fixed-schedule-start-offset", window.start_ms.is_some()),
        ("--fixed-schedule-end-offset", window.end_ms.is_some()),
        ("--fixed-schedule-auto-offset", args.fixed_schedule_auto_offset),
    ];
    if let (FixedSchedule::Off, Some((flag, _))) = (fixed, offsets.iter().find(|(_, given)| *given)) {
        let reason = "applies to a fixed schedule: add --fixed-schedule, with an --input-file whose lines have a `timestamp`".to_owned();
        return Err(ProfileError::Flags { flag, reason });
    }
    Ok(fixed)
}

/// The value of a flag that may be a list, for one run (a sweep runs each value on its own).
fn single<T: Copy>(flag: &'static str, list: Option<&super::args::List<T>>) -> Result<Option<T>, ProfileError> {
    match list {
        None => Ok(None),
        Some(list) => list.single().map(Some).ok_or_else(|| {
            let reason = "takes one value per run: a comma list is a sweep (aiperf profile runs it one value at a time)".to_owned();
            ProfileError::Flags { flag, reason }
        }),
    }
}

fn failure_limit(threshold: Option<f64>, concurrency: Option<usize>) -> Result<Option<FailureLimit>, ProfileError> {
    let floor = FAILURE_FLOOR.max(concurrency.map_or(0, |c| c as u64));
    match threshold {
        None => Ok(None),
        Some(ratio) if ratio.is_finite() && ratio > 0.0 && ratio <= 1.0 => Ok(Some(FailureLimit { ratio, floor })),
        Some(ratio) => Err(invalid("--failed-request-threshold", ratio, "a share of failed requests above 0 and at most 1, e.g. 0.1")),
    }
}

/// The selections of a run: the process-wide pins, then `--use` on top, for this run only
/// (passed explicitly; nothing global changes).
pub(super) struct Selections<F: Factories> {
    /// Endpoint implementations.
    pub endpoints: Selection<F::Endpoints>,
    /// Transport implementations.
    pub transports: Selection<F::Transports>,
}

impl<F: Factories> Selections<F> {
    /// The process-wide choices with `pins` (endpoint names first, then transport names) applied.
    ///
    /// # Errors
    /// An unknown name or implementation.
    pub fn with(pins: &[(String, String)]) -> Result<Self, ProfileError> {
        let mut selections = Self { endpoints: Selection::current(), transports: Selection::current() };
        for (name, implementation) in pins {
            if <F::Endpoints as aiperf_core::Category>::parse_name(name).is_some() {
                selections.endpoints.use_implementation(name, implementation)?;
            } else {
                selections.transports.use_implementation(name, implementation)?;
            }
        }
        Ok(selections)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failure_threshold_is_armed_after_10_requests_or_the_concurrency() {
        let floor = |concurrency| failure_limit(Some(0.1), concurrency).unwrap().unwrap().floor;
        assert_eq!((floor(None), floor(Some(2)), floor(Some(40))), (10, 10, 40));
        assert!(failure_limit(None, Some(40)).unwrap().is_none());
        assert!(failure_limit(Some(1.5), None).is_err());
    }
}
