//! The tolerance of each metric of `profile_export_aiperf.json` when AIPerf 0.13 and aiperf ran the
//! same load against the same server: the table of `docs/parity.md`, "Tolerances", as code. A
//! value passes when `|ours − AIPerf| ≤ max(relative × |AIPerf|, floor)` (the floor in the
//! metric's unit); `None` prints the values without judging them.

/// How a scenario paces its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// `--concurrency`.
    Concurrency,
    /// `--request-rate` with even gaps.
    ConstantRate,
}

/// What a scenario's rules depend on.
#[derive(Clone, Copy, Debug)]
pub struct Setting {
    /// Streamed responses.
    pub streaming: bool,
    /// Both tools sent the same prompts (`--input-file`): token and byte counts are exact.
    pub same_prompts: bool,
    /// How requests were paced.
    pub pacing: Pacing,
}

/// A tolerance, and the family it is named after in the report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    /// The family (`exact`, `latency`, …).
    pub family: &'static str,
    /// Relative tolerance, and the absolute floor; `None`: printed, not judged.
    pub tolerance: Option<(f64, f64)>,
}

impl Rule {
    const fn judged(family: &'static str, relative: f64, floor: f64) -> Self {
        Self { family, tolerance: Some((relative, floor)) }
    }

    const fn shown(family: &'static str) -> Self {
        Self { family, tolerance: None }
    }

    /// Whether `ours` is within the rule of `theirs`. A time that AIPerf's own Python lengthens
    /// (`latency`, `tail`) may be lower than AIPerf's by twice the bound: that is AIPerf's time,
    /// not the server's; a higher one would be ours.
    pub fn passes(&self, theirs: f64, ours: f64) -> bool {
        let below = ours < theirs && matches!(self.family, "latency" | "tail");
        self.tolerance.is_none_or(|(relative, floor)| {
            let bound = (relative * theirs.abs()).max(floor);
            (ours - theirs).abs() <= if below { 2.0 * bound } else { bound }
        })
    }
}

/// Counts that both tools must agree on exactly.
const EXACT: [&str; 6] = [
    "request_count",
    "completed_request_count",
    "request_error_rate",
    "error_request_count",
    "http_req_chunks_sent",
    "http_req_dns_lookup",
];

/// Token and byte counts: exact on the same prompts.
const TOKENS: [&str; 21] = [
    "input_sequence_length",
    "output_sequence_length",
    "output_token_count",
    "total_isl",
    "total_osl",
    "total_output_tokens",
    "usage_prompt_tokens",
    "usage_completion_tokens",
    "usage_total_tokens",
    "total_usage_prompt_tokens",
    "total_usage_completion_tokens",
    "total_usage_total_tokens",
    "http_req_data_sent",
    "http_req_data_received",
    "osl_mismatch_count",
    "usage_discrepancy_count",
    "osl_mismatch_diff_pct",
    "usage_prompt_tokens_diff_pct",
    "usage_completion_tokens_diff_pct",
    "reasoning_token_count",
    "usage_reasoning_tokens",
];

/// A request's times, as the server paced them.
const LATENCY: [&str; 11] = [
    "request_latency",
    "time_to_first_token",
    "time_to_first_output_token",
    "time_to_second_token",
    "decode_duration",
    "http_req_duration",
    "http_req_receiving",
    "http_req_total",
    "effective_latency",
    "output_token_throughput_per_user",
    "e2e_output_token_throughput",
];

/// What the client itself spends: AIPerf's Python and message passing against aiperf's Rust
/// differ by orders of magnitude; only a sanity bound applies.
const CLIENT: [&str; 6] = [
    "credit_to_start_latency",
    "http_req_sending",
    "http_req_connecting",
    "http_req_connection_overhead",
    "http_req_blocked",
    "http_req_waiting",
];

/// The run's own totals over its window.
const RUN: [&str; 5] =
    ["request_throughput", "output_token_throughput", "total_token_throughput", "input_token_throughput", "benchmark_duration"];

/// Time-weighted series whose averages are the run's (their percentiles flip between plateaus).
const WEIGHTED: [&str; 9] = [
    "effective_concurrency",
    "effective_decode_throughput",
    "effective_prefill_throughput",
    "effective_decode_concurrency",
    "effective_prefill_concurrency",
    "effective_total_throughput",
    "tokens_in_flight",
    "active_total_throughput",
    "active_decode_throughput_per_user",
];

/// The rule of statistic `stat` (`avg`, `p50`, `p99`) of metric `key` in `setting`.
pub fn rule(key: &str, stat: &str, setting: Setting) -> Rule {
    let tail = stat == "p99";
    let run_level = match setting.pacing {
        Pacing::Concurrency => 0.07,
        Pacing::ConstantRate => 0.03,
    };
    match key {
        _ if EXACT.contains(&key) => Rule::judged("exact", 0.0, 0.0),
        // One connection of slack: a pool may open one more while another returns.
        "http_req_connection_reused" => Rule::judged("connections", 0.0, 0.0101),
        "http_req_chunks_received" if setting.streaming => Rule::judged("chunks", 0.05, 1.0),
        "http_req_chunks_received" => Rule::judged("exact", 0.0, 0.0),
        _ if TOKENS.contains(&key) && setting.same_prompts => Rule::judged("exact (same prompts)", 1e-9, 1e-9),
        "input_sequence_length" | "total_isl" => Rule::judged("exact", 0.0, 0.0),
        _ if TOKENS.contains(&key) && (key.ends_with("_pct") || key.ends_with("_count")) => {
            if tail {
                Rule::shown("token diff")
            } else {
                Rule::judged("token diff", 0.20, 1.0)
            }
        }
        _ if TOKENS.contains(&key) => Rule::judged("tokens", 0.03, 0.0),
        "inter_token_latency" | "inter_chunk_latency" if tail => Rule::judged("tail", 0.30, 5.0),
        "inter_token_latency" | "inter_chunk_latency" => Rule::judged("steady", 0.02, 0.1),
        // ISL over TTFT: AIPerf's TTFT carries about a millisecond of its own.
        "prefill_throughput_per_user" if tail => Rule::judged("tail", 0.30, 0.0),
        "prefill_throughput_per_user" => Rule::judged("prefill", 0.10, 0.0),
        // The same rates weighted by time: ISL over the same TTFTs. Their median: the average
        // follows AIPerf's own stalls (a run's minimum 42% below aiperf's, its std six times).
        "active_prefill_throughput_per_user" if stat == "p50" => Rule::judged("prefill", 0.10, 0.0),
        _ if LATENCY.contains(&key) && tail => Rule::judged("tail", 0.30, 5.0),
        _ if LATENCY.contains(&key) => Rule::judged("latency", 0.05, 1.5),
        _ if CLIENT.contains(&key) => Rule::judged("client", 0.05, if tail { 25.0 } else { 10.0 }),
        _ if RUN.contains(&key) => Rule::judged("run", run_level, 0.0),
        _ if WEIGHTED.contains(&key) && stat == "avg" => Rule::judged("time-weighted", run_level, 0.0),
        _ => Rule::shown("shown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAMING: Setting = Setting { streaming: true, same_prompts: true, pacing: Pacing::Concurrency };

    #[test]
    fn families_and_their_bounds() {
        assert!(rule("request_count", "avg", STREAMING).passes(100.0, 100.0));
        assert!(!rule("request_count", "avg", STREAMING).passes(100.0, 99.0));
        assert!(!rule("http_req_data_sent", "avg", STREAMING).passes(1.0, 1.01), "same prompts: exact bytes");
        let synthetic = Setting { same_prompts: false, ..STREAMING };
        assert!(rule("http_req_data_sent", "avg", synthetic).passes(1.0, 1.02));
        assert!(rule("time_to_first_token", "avg", STREAMING).passes(20.0, 21.4), "within the 1.5 ms floor");
        assert!(!rule("time_to_first_token", "avg", STREAMING).passes(40.0, 43.0));
        assert!(rule("time_to_first_token", "p99", STREAMING).passes(40.0, 50.0));
        assert_eq!(rule("active_prefill_throughput", "avg", STREAMING).tolerance, None);
        let ttft = rule("time_to_first_token", "avg", STREAMING);
        assert!(ttft.passes(22.7, 21.0) && !ttft.passes(21.0, 22.7), "AIPerf's own time may only lengthen its latencies");
        assert_eq!(
            rule("active_prefill_throughput_per_user", "p50", STREAMING).tolerance,
            Some((0.10, 0.0)),
            "ISL over TTFT, as per request"
        );
        assert_eq!(rule("active_prefill_throughput_per_user", "avg", STREAMING).tolerance, None, "AIPerf's stalls move its average");
        assert_eq!(rule("effective_concurrency", "p50", STREAMING).tolerance, None);
        let rate = Setting { pacing: Pacing::ConstantRate, ..STREAMING };
        assert!(!rule("request_throughput", "avg", rate).passes(20.0, 20.8));
        assert!(rule("request_throughput", "avg", STREAMING).passes(20.0, 20.8));
    }
}
