//! `aiperf profile` flags: AIPerf 0.13's names (and its long aliases), plus ours, turned into the
//! engine's [`BenchConfig`] and the embedded engine's settings. Nothing is checked here but the
//! shape of each value: the engine checks the configuration.

use std::path::PathBuf;
use std::time::Duration;

use aiperf_bench::aggregate::Slo;
use aiperf_bench::config::{List, Named, Pin, PublicDataset, SweepType, Ui};
use aiperf_bench::dataset::sampling::Sampling;
use aiperf_bench::{BenchConfig, ProfileError};
use aiperf_core::{ConnectionReuse, Settings};
use aiperf_transports::InEngineSettings;
use clap::Args;
use clap::builder::{PossibleValuesParser, TypedValueParser};

/// The environment variable `--api-key` falls back to (the workers of `aiperf kube manifest` read
/// it from a Secret).
pub const API_KEY_ENV: &str = "AIPERF_API_KEY";

/// Arguments of `aiperf profile`.
#[derive(Clone, Debug, Args)]
pub struct ProfileArgs {
    /// A configuration file: AIPerf's YAML (its `benchmark:` schema), or the `resolved_config.yaml`
    /// a run wrote. Flags given on the command line go on top of it.
    #[arg(short = 'f', long = "config")]
    pub config_file: Option<std::path::PathBuf>,
    /// The ids of the flags typed on the command line (filled after parsing: a file's values give
    /// way to them alone).
    #[arg(skip)]
    pub explicit: Vec<String>,
    /// Model name(s) to benchmark, comma-separated; requests use the first. Default `mock` with the embedded engine.
    #[arg(short = 'm', long = "model", alias = "model-names", value_delimiter = ',')]
    pub model: Vec<String>,
    /// Server URL (`http://127.0.0.1:8000`, `grpc://…`); none runs the embedded simulated engine.
    #[arg(short = 'u', long)]
    pub url: Option<String>,
    /// Endpoint type: a name of the build's table (chat, completions, embeddings, rankings, and any a plugin adds).
    #[arg(long, default_value = "chat")]
    pub endpoint_type: String,
    /// Path on the server instead of the endpoint type's default (`/v1/chat/completions`).
    #[arg(long = "endpoint", alias = "custom-endpoint")]
    pub custom_endpoint: Option<String>,
    /// Transport: a name of the build's table (http, http2, grpc, in_engine, ...). Default: chosen by the URL's scheme.
    #[arg(long)]
    pub transport: Option<String>,
    /// Ask the server to stream responses (needed for time to first token and inter-token latency).
    #[arg(long)]
    pub streaming: bool,
    /// Requests kept in flight (with --request-rate: the most allowed in flight). A comma list
    /// (`1,8,32`) sweeps it: one run per value.
    #[arg(long)]
    pub concurrency: Option<List<usize>>,
    /// Requests per second to issue instead of a fixed concurrency. A comma list sweeps it.
    #[arg(long)]
    pub request_rate: Option<List<f64>>,
    /// How several swept flags combine: `grid` (every combination) or `zip` (the i-th values
    /// together; the lists must be as long).
    #[arg(long, value_parser = named::<SweepType>(), default_value = "grid")]
    pub sweep_type: SweepType,
    /// Runs of each benchmark (1–10): the exports add the mean of every metric across them
    /// with a Student's t confidence interval.
    #[arg(long, default_value_t = 1)]
    pub num_profile_runs: u32,
    /// Confidence level of the intervals of --num-profile-runs.
    #[arg(long, default_value_t = 0.95)]
    pub confidence_level: f64,
    /// Seconds to wait between runs (of --num-profile-runs and of a sweep).
    #[arg(long, alias = "parameter-sweep-cooldown-seconds", default_value_t = 0.0)]
    pub profile_run_cooldown_seconds: f64,
    /// How request times are spread at --request-rate: an arrival pattern of the build's table,
    /// exponential gaps (`poisson`, as in AIPerf), even ones (`constant`), gamma ones (`gamma`,
    /// shaped by --arrival-smoothness), or a plugin's [default: poisson; gamma with
    /// --arrival-smoothness].
    #[arg(long = "arrival-pattern", visible_alias = "request-rate-mode")]
    pub arrival_pattern: Option<String>,
    /// The shape of gamma arrivals, vLLM's --burstiness (the same value, the same
    /// distribution): 1 is Poisson, below 1 burstier, above 1 more regular.
    #[arg(long, alias = "vllm-burstiness")]
    pub arrival_smoothness: Option<f64>,
    /// Requests to send in the profiling phase (ignored with --benchmark-duration) [default: 10;
    /// with a fixed schedule, every entry in its window].
    #[arg(long, alias = "num-requests")]
    pub request_count: Option<u64>,
    /// Profile for this many seconds instead of a request count.
    #[arg(long)]
    pub benchmark_duration: Option<f64>,
    /// With --benchmark-duration: seconds to wait for requests in flight once the duration is
    /// over; those still running then are recorded as cancelled.
    #[arg(long, default_value_t = 30.0)]
    pub benchmark_grace_period: f64,
    /// Stop the run when more than this share (0–1) of the profiled requests failed, once 10 have
    /// ended; requests in flight finish, the exports are written, the exit status is 4.
    #[arg(long)]
    pub failed_request_threshold: Option<f64>,
    /// Mean input length of synthetic prompts, in tokens.
    #[arg(long = "isl", alias = "synthetic-input-tokens-mean", default_value_t = 550)]
    pub isl: u32,
    /// Standard deviation of synthetic input lengths.
    #[arg(long = "isl-stddev", alias = "synthetic-input-tokens-stddev", default_value_t = 0.0)]
    pub isl_stddev: f64,
    /// Mean output length to request (`max_completion_tokens` for chat, `max_tokens` for
    /// completions); none (or 0) lets the server decide.
    #[arg(long = "osl", alias = "output-tokens-mean")]
    pub osl: Option<u32>,
    /// Chat requests name their output length `max_tokens` (servers that do not know OpenAI's
    /// `max_completion_tokens`, which is sent otherwise).
    #[arg(long)]
    pub use_legacy_max_tokens: bool,
    /// Standard deviation of requested output lengths.
    #[arg(long = "osl-stddev", alias = "output-tokens-stddev", default_value_t = 0.0)]
    pub osl_stddev: f64,
    /// Distinct prompts generated (requests cycle through them) [default: --conversation-num, else
    /// --request-count, else 100, as in AIPerf; at most what --isl fits in a million tokens].
    #[arg(long, alias = "num-prompts")]
    pub num_dataset_entries: Option<usize>,
    /// Seed of everything random: prompts, lengths, Poisson arrivals, the embedded engine [default:
    /// drawn from the system's entropy, and recorded in the exports; 42 for a sweep or repeated
    /// runs, as in AIPerf].
    #[arg(long)]
    pub random_seed: Option<u64>,
    /// JSONL file of inputs, one request per line, instead of synthetic prompts: AIPerf's single_turn lines (`{"text": …}` or `{"texts": […]}`, optional `role`, `output_length`, `timestamp`) or `{"messages": […]}`, `{"query": …, "passages": […]}`; or a mooncake_trace (see --custom-dataset-type).
    #[arg(long)]
    pub input_file: Option<PathBuf>,
    /// Schema of `--input-file` (AIPerf's names); `single_turn` when not given.
    #[arg(long, requires = "input_file")]
    pub custom_dataset_type: Option<String>,
    /// A public dataset, read from a local copy: `sharegpt` (ShareGPT_V3_unfiltered_cleaned_split.json
    /// at AIPerf's cache path `.cache/aiperf/datasets/`, or at --input-file).
    #[arg(long, value_parser = named::<PublicDataset>(), conflicts_with = "custom_dataset_type")]
    pub public_dataset: Option<PublicDataset>,
    /// Tokens per `hash_ids` block of a trace's synthetic prompts [default: 512, mooncake's].
    #[arg(long, visible_alias = "prompt-input-tokens-block-size", alias = "synthetic-input-tokens-block-size")]
    pub isl_block_size: Option<u32>,
    /// Send each entry of --input-file at its `timestamp` (ms). The default for traces
    /// (`mooncake_trace`) whose first row has a timestamp.
    #[arg(long, conflicts_with_all = ["no_fixed_schedule", "request_rate"])]
    pub fixed_schedule: bool,
    /// Send a timestamped trace at --concurrency or --request-rate instead of on its timestamps.
    #[arg(long)]
    pub no_fixed_schedule: bool,
    /// Start the schedule at the first timestamp (what a fixed schedule does unless
    /// --fixed-schedule-start-offset is given).
    #[arg(long, conflicts_with = "fixed_schedule_start_offset")]
    pub fixed_schedule_auto_offset: bool,
    /// Start the schedule at this timestamp (ms): earlier entries are left out.
    #[arg(long)]
    pub fixed_schedule_start_offset: Option<u64>,
    /// Leave out entries after this timestamp (ms; inclusive).
    #[arg(long)]
    pub fixed_schedule_end_offset: Option<u64>,
    /// Which entry each request sends: `sequential` (in order, wrapping), `random` (uniform, with replacement) or `shuffle` (every entry once per pass, each pass in a new order) [default: shuffle for a random_pool, else sequential].
    #[arg(long, value_parser = named::<Sampling>())]
    pub dataset_sampling_strategy: Option<Sampling>,
    /// Requests a random_pool draws from its pools; ShareGPT conversations kept [default: 100].
    #[arg(long, visible_alias = "num-conversations", alias = "num-sessions")]
    pub conversation_num: Option<usize>,
    /// Tokenizer: `builtin` (tiktoken o200k_base, offline) or a path to a local `tokenizer.json`.
    #[arg(long, default_value = "builtin")]
    pub tokenizer: String,
    /// Count tokens from the server's `usage` instead of tokenizing.
    #[arg(long)]
    pub use_server_token_count: bool,
    /// API key, sent as `Authorization: Bearer <key>` [default: $AIPERF_API_KEY].
    #[arg(long)]
    pub api_key: Option<String>,
    /// Extra request header `Name:Value` (repeatable).
    #[arg(short = 'H', long = "header")]
    pub headers: Vec<String>,
    /// Extra request body key `key:value` (repeatable; the value is parsed as JSON when it is JSON).
    #[arg(long = "extra-inputs")]
    pub extra_inputs: Vec<String>,
    /// Upper bound on one request, in seconds.
    #[arg(long, default_value_t = 600.0)]
    pub request_timeout_seconds: f64,
    /// How connections are reused: `pooled` (idle connections reused by any request; a server
    /// that closes after each response gets a new connection per request) or `never` (a new
    /// connection per request, closed after it).
    #[arg(long, value_parser = connection_reuse(), default_value = "pooled")]
    pub connection_reuse_strategy: ConnectionReuse,
    /// Service-level objectives `metric:value` (ms for times), e.g. `time_to_first_token:200 request_latency:1000`.
    #[arg(long, num_args = 1.., value_delimiter = ' ')]
    pub goodput: Vec<Slo>,
    /// Where the export files go.
    #[arg(long = "output-artifact-dir", alias = "artifact-dir", default_value = "artifacts")]
    pub output_artifact_dir: PathBuf,
    /// Draw the run's (or the sweep's) pictures into `plots/` of the artifact directory afterwards
    /// (`aiperf plot`).
    #[arg(long)]
    pub auto_plot: bool,
    /// Progress display: `simple` (a bar on a terminal, periodic lines otherwise) or `none`.
    #[arg(long, value_parser = named::<Ui>(), default_value = "simple")]
    pub ui: Ui,
    /// Pin an implementation for this run: `NAME=IMPL`, e.g. `chat=ChatEndpoint` (repeatable).
    #[arg(long = "use")]
    pub pins: Vec<Pin>,
    /// Also write the run's state (`run_state.jsonl`): `aiperf merge` merges the states of a
    /// benchmark's shards into the exports of one run over all their records.
    #[arg(long)]
    pub export_run_state: bool,
    /// Embedded engine (no --url): time to first token, in milliseconds.
    #[arg(long, default_value_t = 20.0)]
    pub engine_ttft_ms: f64,
    /// Embedded engine (no --url): inter-token latency, in milliseconds.
    #[arg(long, default_value_t = 5.0)]
    pub engine_itl_ms: f64,
    /// The warmup phase.
    #[command(flatten)]
    pub warmup: super::warmup::WarmupArgs,
    /// Ramps.
    #[command(flatten)]
    pub ramps: super::ramps::RampArgs,
    /// The search for the highest concurrency that holds an objective.
    #[command(flatten)]
    pub search: super::search::SearchArgs,
    /// What is exported.
    #[command(flatten)]
    pub exports: super::exports::ExportArgs,
    /// Shared prefixes of synthetic prompts.
    #[command(flatten)]
    pub prefixes: super::prefixes::PrefixArgs,
    /// Users sharing a rate.
    #[command(flatten)]
    pub users: super::users::UserArgs,
    /// Requests cancelled mid-flight.
    #[command(flatten)]
    pub cancellation: super::cancellation::CancellationArgs,
    /// Waiting for the server before the benchmark.
    #[command(flatten)]
    pub readiness: super::readiness::ReadinessArgs,
    /// The benchmark shared by several workers.
    #[command(flatten)]
    pub workers: super::workers::WorkerArgs,
    /// The server's own metrics.
    #[command(flatten)]
    pub server_metrics: super::server_metrics::ServerMetricsArgs,
    /// GPU telemetry.
    #[command(flatten)]
    pub gpu_telemetry: super::gpu_telemetry::GpuTelemetryArgs,
}

impl ProfileArgs {
    /// The engine's configuration: the configuration file's, if given, with the flags typed on
    /// top; else the flags alone.
    ///
    /// # Errors
    /// The file's errors, or a typed flag that cannot apply to it.
    pub fn resolve(&self) -> Result<BenchConfig, ProfileError> {
        match &self.config_file {
            Some(path) => super::config_file::resolve(path, &self.to_config(), &self.explicit),
            None => Ok(self.to_config()),
        }
    }

    /// The engine's configuration from the flags alone (an unset flag is unset there too).
    pub fn to_config(&self) -> BenchConfig {
        let mut config = BenchConfig {
            model: self.model.clone(),
            url: self.url.clone(),
            endpoint_type: self.endpoint_type.clone(),
            custom_endpoint: self.custom_endpoint.clone(),
            transport: self.transport.clone(),
            streaming: self.streaming,
            concurrency: self.concurrency.clone(),
            request_rate: self.request_rate.clone(),
            sweep_type: self.sweep_type,
            num_profile_runs: self.num_profile_runs,
            confidence_level: self.confidence_level,
            profile_run_cooldown_seconds: self.profile_run_cooldown_seconds,
            // AIPerf promotes a smoothness given alone to gamma arrivals.
            arrival_pattern: self
                .arrival_pattern
                .clone()
                .unwrap_or_else(|| if self.arrival_smoothness.is_some() { "gamma" } else { "poisson" }.to_owned()),
            arrival_smoothness: self.arrival_smoothness,
            request_count: self.request_count,
            benchmark_duration: self.benchmark_duration,
            benchmark_grace_period: self.benchmark_grace_period,
            failed_request_threshold: self.failed_request_threshold,
            isl: self.isl,
            isl_stddev: self.isl_stddev,
            osl: self.osl,
            osl_stddev: self.osl_stddev,
            use_legacy_max_tokens: self.use_legacy_max_tokens,
            num_dataset_entries: self.num_dataset_entries,
            random_seed: self.random_seed,
            input_file: self.input_file.clone(),
            custom_dataset_type: self.custom_dataset_type.clone(),
            public_dataset: self.public_dataset,
            isl_block_size: self.isl_block_size,
            fixed_schedule: self.fixed_schedule,
            no_fixed_schedule: self.no_fixed_schedule,
            fixed_schedule_auto_offset: self.fixed_schedule_auto_offset,
            fixed_schedule_start_offset: self.fixed_schedule_start_offset,
            fixed_schedule_end_offset: self.fixed_schedule_end_offset,
            dataset_sampling_strategy: self.dataset_sampling_strategy,
            conversation_num: self.conversation_num,
            tokenizer: self.tokenizer.clone(),
            use_server_token_count: self.use_server_token_count,
            // A worker pod gets the key from a Secret, through its environment.
            api_key: self.api_key.clone().or_else(|| std::env::var(API_KEY_ENV).ok().filter(|key| !key.is_empty())),
            headers: self.headers.clone(),
            extra_inputs: self.extra_inputs.clone(),
            request_timeout_seconds: self.request_timeout_seconds,
            connection_reuse_strategy: self.connection_reuse_strategy,
            goodput: self.goodput.clone(),
            output_artifact_dir: self.output_artifact_dir.clone(),
            ui: self.ui,
            pins: self.pins.clone(),
            export_run_state: self.export_run_state,
            shard: None,
            ..BenchConfig::default()
        };
        self.warmup.apply(&mut config);
        self.ramps.apply(&mut config);
        self.cancellation.apply(&mut config);
        self.users.apply(&mut config);
        self.prefixes.apply(&mut config);
        self.exports.apply(&mut config);
        self.search.apply(&mut config);
        self.readiness.apply(&mut config);
        config
    }

    /// The embedded engine's settings (the `in_engine` transport reads them), seeded with the
    /// run's seed (`config`'s, drawn by [`BenchConfig::with_seed`]).
    ///
    /// # Errors
    /// A delay that is negative or not a number, naming its flag.
    pub fn engine_settings(&self, config: &BenchConfig) -> Result<Settings, ProfileError> {
        let millis = |flag: &'static str, ms: f64| {
            Duration::try_from_secs_f64(ms / 1e3).map_err(|_| ProfileError::InvalidArgument {
                flag,
                value: ms.to_string(),
                expected: "a non-negative number of milliseconds".to_owned(),
            })
        };
        let engine = InEngineSettings {
            time_to_first_token: millis("--engine-ttft-ms", self.engine_ttft_ms)?,
            inter_token_latency: millis("--engine-itl-ms", self.engine_itl_ms)?,
            seed: config.random_seed.unwrap_or(aiperf_bench::config::CONSISTENT_SEED),
            ..InEngineSettings::default()
        };
        Ok(Settings::default().with(engine))
    }
}

/// A flag taking one of the names of a [`Named`] enum: they are its possible values in `--help`.
fn named<T: Named + Send + Sync>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::ALL.iter().map(|value| value.name())).try_map(|name| T::from_name(&name))
}

/// `--connection-reuse-strategy`: AIPerf's names, those of [`ConnectionReuse::ALL`].
fn connection_reuse() -> impl TypedValueParser<Value = ConnectionReuse> {
    PossibleValuesParser::new(ConnectionReuse::ALL.map(ConnectionReuse::name))
        .map(|name| ConnectionReuse::ALL.into_iter().find(|strategy| strategy.name() == name).unwrap_or_default())
}
