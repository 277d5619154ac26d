//! The report of a run: the aggregate metrics, the console table, the JSON and CSV exports, in
//! AIPerf 0.13's layout. It reads only the resolved [`Config`] and what the run measured.

use std::time::{Instant, SystemTime};

use aiperf_core::ConnectionReuse;
use serde_json::{Value, json};

use super::aggregate::Aggregate;
use super::config::{Config, Named};
use super::error::ProfileError;
use super::export;
use super::metrics::Metric;
use super::stats;
use aiperf_core::{Exporter, Results, StatRow, ValueRow};

mod phase_files;
mod values;
pub(crate) use phase_files::clear as clear_phase_files;
use values::{benchmark_id, local_time, strip_nulls, url_text};
mod phases;

/// AIPerf's `replay_sched_degraded`: a replay whose p99 lag is above this many ms.
const REPLAY_DEGRADED_MS: f64 = 500.0;

/// Everything the exports are made of.
#[derive(Clone, Copy)]
pub(super) struct Report<'a> {
    /// The run's configuration.
    pub config: &'a Config,
    /// Its tokenizer's name, as the export names it.
    pub tokenizer: &'a str,
    /// What the profiled requests measured.
    pub aggregate: &'a Aggregate,
    /// The time-weighted metrics (effective concurrency and the phases' throughputs).
    pub timeline: &'a [super::timeline::Series],
    /// When profiling started and ended (monotonic and wall clock).
    pub started: Instant,
    /// See `started`.
    pub ended: Instant,
    /// See `started`.
    pub start_wall: SystemTime,
    /// See `started`.
    pub end_wall: SystemTime,
    /// A signal cut the run short.
    pub was_cancelled: bool,
    /// `--failed-request-threshold` stopped it.
    pub stopped_early: bool,
    /// The command line, redacted.
    pub cli_command: &'a str,
    /// Dataset entries prepared.
    pub entries: usize,
    /// The profiling phase followed the dataset's timestamps.
    pub fixed_schedule: bool,
    /// The workers a merge covers, when several shared the benchmark.
    pub workers: Option<&'a crate::state::Workers>,
    /// Keys the run's observers add to the JSON summary.
    pub additions: &'a [(String, Value)],
    /// The warmup phase's report, when there was one: its metrics are the summary's
    /// `warmup_metrics`, and each phase gets files of its own (`phases/`, `phase_manifest.json`).
    pub warmup: Option<&'a Report<'a>>,
}

/// What [`Report::write`] wrote: the console's text, and the JSON summary (scrubbed) that
/// observers export beside.
pub(crate) struct Written {
    pub console: String,
    pub summary: Value,
}

impl Report<'_> {
    /// Why the run did not complete, when it did not (AIPerf's `incomplete_reason`).
    fn incomplete_reason(&self) -> Option<String> {
        let mut reasons = Vec::new();
        if self.was_cancelled {
            reasons.push("cancelled by a signal: the results cover the requests that had completed".to_owned());
        } else if self.stopped_early {
            let ratio = self.config.failure_limit.map_or(0.0, |l| l.ratio);
            reasons.push(format!(
                "stopped early: more than {:.1}% of the requests failed (--failed-request-threshold {ratio})",
                ratio * 100.0
            ));
        }
        if let Some(workers) = self.workers.filter(|workers| !workers.absent.is_empty()) {
            let absent: Vec<String> = workers.absent.iter().map(|absent| absent.index.to_string()).collect();
            reasons.push(format!("{} of {} workers' records are missing (workers {})", absent.len(), workers.count, absent.join(", ")));
        }
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }

    /// Whether every request asked for was measured: no signal, no early stop, no worker missing.
    fn is_complete(&self) -> bool {
        self.incomplete_reason().is_none()
    }

    /// Aggregate metrics (AIPerf's keys, units and titles).
    fn aggregates(&self) -> (f64, Vec<ValueRow>) {
        let a = self.aggregate;
        // AIPerf's benchmark duration: the first request's start to the last one's end.
        let span = match (a.first_start, a.last_end) {
            (Some(first), Some(last)) => (last - first).as_secs_f64(),
            _ => (self.ended - self.started).as_secs_f64(),
        }
        .max(1e-9);
        // Its throughputs' denominator: the phase's window, from the phase's start to the last
        // request's end.
        let window = a.last_end.map_or(self.ended, |last| last.max(self.started)) - self.started;
        let window = window.as_secs_f64().max(1e-9);
        let metric = |key, title, unit, value| ValueRow { key, title, unit, value, on_console: true };
        let hidden = |key, title, unit, value| ValueRow { key, title, unit, value, on_console: false };
        let mut list = Vec::new();
        let tokens = self.config.endpoint_meta.produces_tokens;
        if tokens {
            list.push(metric("output_token_throughput", "Output Token Throughput", "tokens/sec", a.total_osl / window));
            list.push(metric("total_token_throughput", "Total Token Throughput", "tokens/sec", (a.total_isl + a.total_osl) / window));
        }
        list.push(metric("input_token_throughput", "Input Token Throughput", "tokens/sec", a.total_isl / window));
        list.push(metric("request_throughput", "Request Throughput", "requests/sec", a.completed as f64 / window));
        list.push(metric("request_count", "Request Count", "requests", a.completed as f64));
        // AIPerf's completed requests are those that ended, failed ones included.
        list.push(metric("completed_request_count", "Completed Requests (Success + Error)", "requests", (a.completed + a.failed) as f64));
        if a.failed > 0 {
            list.push(metric("error_request_count", "Error Request Count", "requests", a.failed as f64));
            // AIPerf's other error-only values, written once a request failed.
            if let Some(isl) = a.summary(Metric::ErrorInputSequenceLength) {
                list.push(hidden("total_error_isl", "Total Error Input Sequence Length", "tokens", isl.sum));
            }
            list.push(hidden("context_overflow_count", "Context Overflow Count", "requests", a.context_overflows as f64));
        }
        let attempted = (a.completed + a.failed).max(1) as f64;
        list.push(metric("request_error_rate", "Request Error Rate", "%", a.failed as f64 * 100.0 / attempted));
        if tokens {
            list.push(metric("total_output_tokens", "Total Output Tokens", "tokens", a.total_osl));
            list.push(metric("total_osl", "Total Output Sequence Length", "tokens", a.total_osl));
        }
        list.push(metric("total_isl", "Total Input Sequence Length", "tokens", a.total_isl));
        // The server's own counts summed, and the cross-checks against ours (export only).
        for (key, title, usage) in [
            ("total_usage_prompt_tokens", "Total Usage Prompt Tokens", Metric::UsagePromptTokens),
            ("total_usage_completion_tokens", "Total Usage Completion Tokens", Metric::UsageCompletionTokens),
            ("total_usage_total_tokens", "Total Usage Total Tokens", Metric::UsageTotalTokens),
            ("total_usage_reasoning_tokens", "Total Usage Reasoning Tokens", Metric::UsageReasoningTokens),
            ("total_reasoning_tokens", "Total Reasoning Tokens", Metric::ReasoningTokenCount),
        ] {
            if let Some(summary) = a.summary(usage) {
                list.push(hidden(key, title, "tokens", summary.sum));
            }
        }
        if a.summary(Metric::OslMismatchDiffPct).is_some() {
            list.push(hidden("osl_mismatch_count", "OSL Mismatch Count", "requests", a.osl_mismatches as f64));
        }
        let diffs = [Metric::UsagePromptTokensDiffPct, Metric::UsageCompletionTokensDiffPct, Metric::UsageReasoningTokensDiffPct];
        if diffs.into_iter().any(|m| a.summary(m).is_some()) {
            list.push(hidden("usage_discrepancy_count", "Usage Discrepancy Count", "requests", a.usage_discrepancies as f64));
        }
        if a.has_slos() {
            list.push(metric("goodput", "Goodput", "requests/sec", a.good as f64 / window));
            list.push(metric("good_request_count", "Good Request Count", "requests", a.good as f64));
        }
        if let Some(lag) = a.summary(Metric::ScheduleLag) {
            // AIPerf's replay lag metrics, from the same distribution as `schedule_lag`.
            list.push(hidden("replay_sched_lag_p50", "Replay Schedule Lag p50", "ms", lag.p50));
            list.push(hidden("replay_sched_lag_p90", "Replay Schedule Lag p90", "ms", lag.p90));
            list.push(hidden("replay_sched_lag_p99", "Replay Schedule Lag p99", "ms", lag.p99));
            list.push(hidden(
                "replay_sched_degraded",
                "Replay Schedule Degraded",
                "count",
                f64::from(u8::from(lag.p99 > REPLAY_DEGRADED_MS)),
            ));
        }
        list.push(metric("benchmark_duration", "Benchmark Duration", "sec", span));
        (span, list)
    }

    /// Hands the results to every exporter (each writes its files) and returns what they print:
    /// the console table, when the build has the `console` exporter.
    ///
    /// # Errors
    /// [`ProfileError::Io`] naming a file an exporter could not write.
    pub fn write<X: Exporter>(&self, dir: &std::path::Path, exporters: &[X]) -> Result<Written, ProfileError> {
        let records = self.records();
        let (span, values) = self.aggregates();
        let title = format!("aiperf | {}", self.config.endpoint_meta.metrics_title);
        let mut stats: Vec<StatRow> = records.iter().map(|(m, s)| export::record_row(*m, s)).collect();
        stats.extend(self.timeline.iter().map(|s| export::weighted_row(s.key, s.title, s.unit, &s.summary)));
        stats.extend(self.aggregate.adjusted().iter().map(export::adjusted_row));
        // Server error messages may quote a credential back: what exporters get is scrubbed.
        let secrets = &self.config.secrets;
        let notes = secrets.scrub(&self.notes(span, dir)).into_owned();
        let summary = self.json(&records, &values);
        let summary = match serde_json::to_string(&summary) {
            Ok(text) => serde_json::from_str(&secrets.scrub(&text)).unwrap_or(summary),
            Err(_) => summary,
        };
        let results = Results { dir, summary: &summary, stats: &stats, values: &values, title: &title, notes: &notes };
        let mut console = String::new();
        for exporter in exporters {
            let printed = exporter.export(&results).map_err(|e| ProfileError::Io { path: e.path, source: e.source })?;
            console.push_str(&printed);
        }
        if let Some(warmup) = self.warmup {
            phase_files::write(dir, &[("warmup", warmup), ("profiling", &Report { warmup: None, ..*self })])?;
        }
        Ok(Written { console, summary })
    }

    /// The summary's metric entries: each record metric's statistics, the aggregates, the
    /// time-weighted metrics, the error-adjusted series (AIPerf's keys).
    fn metric_entries(&self, records: &[(Metric, stats::Summary)], aggregates: &[ValueRow]) -> serde_json::Map<String, Value> {
        let mut object = serde_json::Map::new();
        for (metric, summary) in records {
            object.insert(metric.key().to_owned(), export::record_metric_json(*metric, summary));
        }
        for a in aggregates {
            object.insert(a.key.to_owned(), json!({ "unit": a.unit, "avg": a.value }));
        }
        for &super::timeline::Series { key, unit, summary: s, .. } in self.timeline {
            object.insert(
                key.to_owned(),
                json!({ "unit": unit, "avg": s.avg, "min": s.min, "max": s.max, "p50": s.p50, "p90": s.p90, "p95": s.p95, "p99": s.p99, "std": s.std }),
            );
        }
        for series in self.aggregate.adjusted() {
            object.insert(series.key.to_owned(), export::adjusted_json(series));
        }
        object
    }

    /// The record metrics measured, with their statistics.
    fn records(&self) -> Vec<(Metric, stats::Summary)> {
        Metric::ALL.iter().filter_map(|&m| self.aggregate.summary(m).map(|s| (m, s))).collect()
    }

    /// What the console prints under the table.
    fn notes(&self, span: f64, dir: &std::path::Path) -> String {
        let mut notes = String::new();
        if let Some(c) = self.timeline.iter().find(|s| s.key == "effective_concurrency").map(|s| s.summary) {
            notes.push_str(&format!("Effective concurrency: avg {:.2}, p50 {:.2}, max {:.2} requests in flight\n", c.avg, c.p50, c.max));
        }
        for (error, count) in self.aggregate.errors() {
            let code = error.code.map(|c| format!(" {c}")).unwrap_or_default();
            notes.push_str(&format!("Errors: {count} × {}{code}: {}\n", error.kind, error.message));
        }
        if self.was_cancelled {
            notes.push_str("Run cancelled: results cover the requests that completed.\n");
        }
        if let Some(workers) = self.workers {
            notes.push_str(&workers.note());
        }
        if self.stopped_early {
            let ratio = self.config.failure_limit.map_or(0.0, |l| l.ratio);
            notes.push_str(&format!(
                "Run stopped early: more than {:.1}% of the requests failed (--failed-request-threshold {ratio}); requests in flight finished.\n",
                ratio * 100.0
            ));
        }
        notes.push_str(&format!("Benchmark duration: {span:.2} sec; exports in {}\n", dir.display()));
        notes
    }

    fn json(&self, records: &[(Metric, stats::Summary)], aggregates: &[ValueRow]) -> Value {
        let config = self.config;
        let dataset = &config.dataset;
        let id = benchmark_id(self.start_wall, dataset.seed);
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
                "models": { "items": self.config.info.model_names.iter().map(|n| json!({ "name": &**n })).collect::<Vec<_>>() },
                "endpoint": {
                    "urls": self.config.info.url.iter().map(url_text).collect::<Vec<_>>(),
                    "type": self.config.endpoint,
                    "streaming": self.config.info.streaming,
                    "custom_endpoint": self.config.info.custom_endpoint,
                    "transport": self.config.transport,
                    "connection_reuse_strategy": (self.config.info.connection_reuse != ConnectionReuse::default()).then(|| self.config.info.connection_reuse.name()),
                },
                "datasets": [{
                    "name": "main",
                    "type": if dataset.input_file.is_some() { "file" } else { "synthetic" },
                    "custom_dataset_type": dataset.input_file.as_ref().and_then(|_| dataset.custom_type()),
                    "public_dataset": (dataset.kind == super::dataset::DatasetType::ShareGpt).then_some("sharegpt"),
                    "sampling_strategy": dataset.sampling.name(),
                    "entries": self.entries,
                    "random_seed": dataset.seed,
                    "prompts": { "isl": { "mean": dataset.lengths.isl, "stddev": dataset.lengths.isl_stddev }, "osl": { "mean": dataset.lengths.osl, "stddev": dataset.lengths.osl_stddev } },
                    "prefix_prompts": dataset.prefixes.any().then(|| json!({
                        "pool_size": dataset.prefixes.pool.map(|p| p.size),
                        "length": dataset.prefixes.pool.map(|p| p.length),
                        "shared_system_length": dataset.prefixes.shared_system,
                        "user_context_length": dataset.prefixes.user_context,
                    })),
                }],
                "phases": phases::phases(self.config, self.fixed_schedule),
                "artifacts": {
                    "dir": config.artifact_dir.display().to_string(),
                    // AIPerf's `--export-level summary`: no records.
                    "records": (config.export_level == crate::config::ExportLevel::Summary).then_some(false),
                },
                "tokenizer": { "name": self.tokenizer },
                "runtime": { "ui": format!("{:?}", config.ui).to_lowercase() },
            },
            "run_info": { "benchmark_id": id, "random_seed": dataset.seed, "trial": 0, "cli_command": self.cli_command },
            "was_cancelled": self.was_cancelled,
            "is_complete": self.is_complete(),
            "failed_request_threshold_exceeded": self.stopped_early,
            "incomplete_reason": self.incomplete_reason(),
            "error_summary": error_summary,
            "start_time": local_time(self.start_wall),
            "end_time": local_time(self.end_wall),
        });
        if let Some(probe) = config.readiness {
            let endpoint = &mut root["input_config"]["endpoint"];
            endpoint["wait_for_model_timeout"] = json!(probe.timeout.as_secs_f64());
            if probe.interval != crate::config::DEFAULT_READINESS_INTERVAL {
                endpoint["wait_for_model_interval"] = json!(probe.interval.as_secs_f64());
            }
            if probe.mode != crate::config::ReadinessMode::default() {
                endpoint["wait_for_model_mode"] = json!(probe.mode.as_str());
            }
        }
        // AIPerf writes what was set: no key for an unset value.
        strip_nulls(&mut root["input_config"]);
        if root["incomplete_reason"].is_null() {
            root.as_object_mut().map(|object| object.remove("incomplete_reason"));
        }
        let object = root.as_object_mut().expect("a JSON object");
        object.extend(self.metric_entries(records, aggregates));
        if let Some(warmup) = self.warmup {
            // AIPerf's `warmup_metrics`: the warmup's statistics, keyed as the run's.
            let (_, values) = warmup.aggregates();
            object.insert("warmup_metrics".to_owned(), Value::Object(warmup.metric_entries(&warmup.records(), &values)));
        }
        if let Some(workers) = self.workers {
            object.insert("workers".to_owned(), serde_json::to_value(workers).unwrap_or_default());
        }
        for (key, value) in self.additions {
            object.insert(key.clone(), value.clone());
        }
        root
    }
}
