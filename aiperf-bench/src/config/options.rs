//! [`BenchConfig`]: what a benchmark is asked to do, as plain data. The command line, a custom
//! build, a file or a library user fills it in; serde reads and writes it (JSON, TOML, YAML, …).
//! Nothing is checked here: the engine checks it once when a run starts, naming the field (by its
//! flag) at fault.

use std::path::PathBuf;

use aiperf_core::ConnectionReuse;
use serde::{Deserialize, Serialize};

use super::option_types::{ExportLevel, List, Pin, PublicDataset, SweepType, Ui};
use super::values::{Sampling, Slo};

/// Everything `aiperf profile` takes, by AIPerf 0.13's flag names (`--request-rate` is
/// `request_rate`). Missing fields take the command line's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BenchConfig {
    /// Model names; requests use the first (`mock` with the embedded engine when none is given).
    pub model: Vec<String>,
    /// The server (`http://127.0.0.1:8000`, `grpc://…`); none runs the embedded engine.
    pub url: Option<String>,
    /// The endpoint name in the build's table.
    pub endpoint_type: String,
    /// A path on the server instead of the endpoint's own.
    pub custom_endpoint: Option<String>,
    /// The transport name; none chooses by the URL's scheme.
    pub transport: Option<String>,
    /// Ask for streamed responses.
    pub streaming: bool,
    /// Requests in flight; several values sweep it.
    pub concurrency: Option<List<usize>>,
    /// Requests per second; several values sweep it.
    pub request_rate: Option<List<f64>>,
    /// How several swept values combine.
    pub sweep_type: SweepType,
    /// Runs of each point (1–10), aggregated with confidence intervals.
    pub num_profile_runs: u32,
    /// The level of those intervals.
    pub confidence_level: f64,
    /// Seconds between runs.
    pub profile_run_cooldown_seconds: f64,
    /// How arrivals are spread at a request rate: an arrival pattern of the build's table.
    pub arrival_pattern: String,
    /// The shape of `gamma` arrivals (vLLM's `--burstiness`): 1 is Poisson, below 1 burstier.
    pub arrival_smoothness: Option<f64>,
    /// Requests of the profiling phase.
    pub request_count: Option<u64>,
    /// Seconds over which the concurrency grows from 1 to `--concurrency`, a slot at a time.
    pub concurrency_ramp_duration: Option<f64>,
    /// The most requests still waiting for their first token.
    pub prefill_concurrency: Option<usize>,
    /// Seconds over which that limit grows from 1, a place at a time.
    pub prefill_concurrency_ramp_duration: Option<f64>,
    /// Seconds over which the rate grows to `--request-rate` (or a series' first), linearly.
    pub request_rate_ramp_duration: Option<f64>,
    /// A JSON file of rate points (`{"points": [{"time_s", "qps"}, …]}`), followed linearly.
    pub request_rate_series: Option<PathBuf>,
    /// Seconds of profiling, instead of a count.
    pub benchmark_duration: Option<f64>,
    /// Seconds requests in flight may finish after the duration.
    pub benchmark_grace_period: f64,
    /// The share of failed requests that stops the run.
    pub failed_request_threshold: Option<f64>,
    /// Requests per second shared by `--num-users` users, each sending its turns
    /// `num_users / rate` seconds apart (AIPerf's user-centric load).
    pub user_centric_rate: Option<f64>,
    /// The users of `--user-centric-rate`; several values sweep it.
    pub num_users: Option<List<usize>>,
    /// A search for the highest concurrency that holds the objectives below:
    /// `max-throughput-ttft-sla`, `max-throughput-itl-sla`, `max-concurrency-under-sla`.
    pub search_recipe: Option<String>,
    /// The bound on time to first token's p95, ms.
    pub ttft_sla_ms: Option<f64>,
    /// The bound on inter-token latency's p95, ms (`--tpot-sla-ms` too).
    #[serde(alias = "tpot_sla_ms")]
    pub itl_sla_ms: Option<f64>,
    /// The bound on request latency's p99, ms.
    pub e2e_sla_ms: Option<f64>,
    /// The lowest concurrency a search tries (1 by default).
    pub concurrency_min: Option<u64>,
    /// The highest (1000 by default).
    pub concurrency_max: Option<u64>,
    /// The most runs a search makes (30 by default).
    pub search_max_iterations: Option<u64>,
    /// Percent of profiled requests the client cancels mid-flight (0–100].
    pub request_cancellation_rate: Option<f64>,
    /// Seconds after a cancelled request was fully sent that it is cut (0 by default).
    pub request_cancellation_delay: Option<f64>,
    /// Requests of the warmup phase, sent first and not measured (`--num-warmup-requests` too).
    #[serde(alias = "num_warmup_requests")]
    pub warmup_request_count: Option<u64>,
    /// Seconds of warmup (with a count: whichever comes first).
    pub warmup_duration: Option<f64>,
    /// Requests in flight during warmup (with a warmup rate: the most).
    pub warmup_concurrency: Option<usize>,
    /// Requests per second during warmup.
    pub warmup_request_rate: Option<f64>,
    /// Seconds requests in flight at the end of the warmup's duration may finish (none or
    /// infinite: however long they take).
    pub warmup_grace_period: Option<f64>,
    /// Mean synthetic input length, in tokens.
    pub isl: u32,
    /// Its standard deviation.
    pub isl_stddev: f64,
    /// Mean requested output length (none or 0: the server decides).
    pub osl: Option<u32>,
    /// Its standard deviation.
    pub osl_stddev: f64,
    /// Chat requests name their output length `max_tokens`.
    pub use_legacy_max_tokens: bool,
    /// Prefixes in the pool each synthetic prompt starts with one of (`--prefix-prompt-pool-size`,
    /// `--prompt-prefix-pool-size`).
    #[serde(alias = "prompt_prefix_pool_size", alias = "prefix_prompt_pool_size")]
    pub num_prefix_prompts: Option<usize>,
    /// Tokens of each of those prefixes (`--prompt-prefix-length`).
    #[serde(alias = "prompt_prefix_length")]
    pub prefix_prompt_length: Option<u32>,
    /// Tokens of a system prompt every request shares.
    pub shared_system_prompt_length: Option<u32>,
    /// Tokens of a user context each synthetic prompt has of its own, after the system prompt.
    pub user_context_prompt_length: Option<u32>,
    /// Distinct synthetic prompts.
    pub num_dataset_entries: Option<usize>,
    /// Seed of everything random (none: drawn, and recorded in the exports).
    pub random_seed: Option<u64>,
    /// A dataset file instead of synthetic prompts.
    pub input_file: Option<PathBuf>,
    /// Its format: `multi_turn`, `random_pool`, `mooncake_trace`, or a dataset loader of the
    /// build's table (`single_turn`, the default, or a plugin's).
    pub custom_dataset_type: Option<String>,
    /// A public dataset read from a local copy.
    pub public_dataset: Option<PublicDataset>,
    /// Tokens per `hash_ids` block of a trace.
    pub isl_block_size: Option<u32>,
    /// Send each entry at its timestamp.
    pub fixed_schedule: bool,
    /// Send a timestamped trace at the concurrency or rate instead.
    pub no_fixed_schedule: bool,
    /// Start the schedule at its first timestamp.
    pub fixed_schedule_auto_offset: bool,
    /// Start the schedule at this timestamp (ms).
    pub fixed_schedule_start_offset: Option<u64>,
    /// Leave out entries after this timestamp (ms).
    pub fixed_schedule_end_offset: Option<u64>,
    /// Which entry each request sends.
    pub dataset_sampling_strategy: Option<Sampling>,
    /// Requests a random pool draws; ShareGPT conversations kept.
    pub conversation_num: Option<usize>,
    /// `builtin`, or the path of a local `tokenizer.json`.
    pub tokenizer: String,
    /// Count tokens from the server's `usage`.
    pub use_server_token_count: bool,
    /// Sent as `Authorization: Bearer <key>`. Never serialized: each process takes it from its
    /// own environment or command line.
    #[serde(skip_serializing)]
    pub api_key: Option<String>,
    /// Extra request headers, `Name:Value`.
    pub headers: Vec<String>,
    /// Extra request body keys, `key:value`.
    pub extra_inputs: Vec<String>,
    /// Seconds to wait for the server before the benchmark (none or 0: no probe).
    pub wait_for_model_timeout: Option<f64>,
    /// Seconds between readiness probes (default 5).
    pub wait_for_model_interval: Option<f64>,
    /// What the readiness probe sends (default: a one-token request).
    pub wait_for_model_mode: Option<super::ReadinessMode>,
    /// Upper bound on one request, in seconds.
    pub request_timeout_seconds: f64,
    /// How connections are reused.
    #[serde(with = "super::named::connection_reuse")]
    pub connection_reuse_strategy: ConnectionReuse,
    /// Service-level objectives.
    pub goodput: Vec<Slo>,
    /// Where the exports go.
    pub output_artifact_dir: PathBuf,
    /// Progress display.
    pub ui: Ui,
    /// What is exported: the summaries alone, or every request's record too.
    #[serde(alias = "profile_export_level")]
    pub export_level: ExportLevel,
    /// Each request's HTTP trace in its record (`trace_data`).
    pub export_http_trace: bool,
    /// Implementations pinned for the run.
    pub pins: Vec<Pin>,
    /// Also write the run's state (`run_state.jsonl`), which `aiperf merge` merges with other
    /// shards' into one benchmark's exports.
    pub export_run_state: bool,
    /// The part of the benchmark this process runs when several workers share it (`--workers`):
    /// the rest of the configuration is the whole benchmark's, and the run takes its share
    /// ([`BenchConfig::share`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<super::Shard>,
}

impl Default for BenchConfig {
    /// The command line's defaults.
    fn default() -> Self {
        Self {
            model: Vec::new(),
            url: None,
            endpoint_type: "chat".to_owned(),
            custom_endpoint: None,
            transport: None,
            streaming: false,
            concurrency: None,
            request_rate: None,
            sweep_type: SweepType::Grid,
            num_profile_runs: 1,
            confidence_level: 0.95,
            profile_run_cooldown_seconds: 0.0,
            arrival_pattern: "poisson".to_owned(),
            arrival_smoothness: None,
            request_count: None,
            benchmark_duration: None,
            benchmark_grace_period: 30.0,
            failed_request_threshold: None,
            concurrency_ramp_duration: None,
            request_rate_ramp_duration: None,
            prefill_concurrency: None,
            prefill_concurrency_ramp_duration: None,
            request_rate_series: None,
            user_centric_rate: None,
            num_users: None,
            search_recipe: None,
            ttft_sla_ms: None,
            itl_sla_ms: None,
            e2e_sla_ms: None,
            concurrency_min: None,
            concurrency_max: None,
            search_max_iterations: None,
            request_cancellation_rate: None,
            request_cancellation_delay: None,
            warmup_request_count: None,
            warmup_duration: None,
            warmup_concurrency: None,
            warmup_request_rate: None,
            warmup_grace_period: None,
            isl: 550,
            isl_stddev: 0.0,
            osl: None,
            osl_stddev: 0.0,
            use_legacy_max_tokens: false,
            num_prefix_prompts: None,
            prefix_prompt_length: None,
            shared_system_prompt_length: None,
            user_context_prompt_length: None,
            num_dataset_entries: None,
            random_seed: None,
            input_file: None,
            custom_dataset_type: None,
            public_dataset: None,
            isl_block_size: None,
            fixed_schedule: false,
            no_fixed_schedule: false,
            fixed_schedule_auto_offset: false,
            fixed_schedule_start_offset: None,
            fixed_schedule_end_offset: None,
            dataset_sampling_strategy: None,
            conversation_num: None,
            tokenizer: "builtin".to_owned(),
            use_server_token_count: false,
            api_key: None,
            headers: Vec::new(),
            extra_inputs: Vec::new(),
            wait_for_model_timeout: None,
            wait_for_model_interval: None,
            wait_for_model_mode: None,
            request_timeout_seconds: 600.0,
            connection_reuse_strategy: ConnectionReuse::Pooled,
            goodput: Vec::new(),
            output_artifact_dir: PathBuf::from("artifacts"),
            ui: Ui::Simple,
            export_level: ExportLevel::Records,
            export_http_trace: false,
            pins: Vec::new(),
            export_run_state: false,
            shard: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_round_trips_through_json_without_its_key() {
        let config = BenchConfig {
            concurrency: Some(List(vec![1, 8])),
            request_rate: Some(List(vec![2.5])),
            api_key: Some("sk-secret".to_owned()),
            pins: vec!["chat=ChatEndpoint".parse().unwrap()],
            ..BenchConfig::default()
        };
        let json = serde_json::to_string(&config).unwrap();
        assert!(json.contains(r#""concurrency":[1,8]"#) && json.contains(r#""request_rate":2.5"#), "{json}");
        assert!(!json.contains("sk-secret"), "{json}");
        let back: BenchConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, BenchConfig { api_key: None, ..config });
    }

    #[test]
    fn missing_fields_take_the_defaults_and_unknown_ones_are_named() {
        let config: BenchConfig = serde_json::from_str(r#"{"url": "http://127.0.0.1:8000", "concurrency": 4}"#).unwrap();
        assert_eq!((config.isl, config.concurrency, config.endpoint_type.as_str()), (550, Some(List(vec![4])), "chat"));
        let error = serde_json::from_str::<BenchConfig>(r#"{"concurency": 4}"#).unwrap_err().to_string();
        assert!(error.contains("concurency") && error.contains("concurrency"), "{error}");
        let error = serde_json::from_str::<BenchConfig>(r#"{"sweep_type": "gird"}"#).unwrap_err().to_string();
        assert!(error.contains("gird") && error.contains("grid"), "{error}");
    }
}
