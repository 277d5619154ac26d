//! The configuration's own value types: what a flag's value means, as plain data (the stages
//! that act on them import them from here; the configuration imports no stage).

use super::named::{Named, by_name};
use crate::metrics::Metric;

/// `--custom-dataset-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetType {
    /// One request per line, read by a dataset loader (`single_turn`: `text` or `texts`,
    /// optional `role` and `output_length`, or a plugin's format); requests sharing a
    /// `session_id` are sent in order, each on its own.
    SingleTurn,
    /// One conversation per line: `session_id` and `turns`, each turn carrying the conversation so
    /// far with the server's live replies.
    MultiTurn,
    /// Pools of texts (a file, or a directory of one file per pool) drawn from at random.
    RandomPool,
    /// ShareGPT conversations (`--public-dataset sharegpt`, not a `--custom-dataset-type`).
    ShareGpt,
    /// A trace, one request per row: `timestamp`, `input_length` with `hash_ids` (or `text_input`,
    /// `messages`, `payload`), `output_length`. Replayed on its timestamps by default.
    MooncakeTrace,
}

impl Named for DatasetType {
    const WHAT: &'static str = "custom dataset type";
    /// ShareGPT is not among them: it is a `--public-dataset`.
    const ALL: &'static [Self] = &[Self::SingleTurn, Self::MultiTurn, Self::RandomPool, Self::MooncakeTrace];

    fn name(self) -> &'static str {
        match self {
            Self::SingleTurn => "single_turn",
            Self::MultiTurn => "multi_turn",
            Self::RandomPool => "random_pool",
            Self::ShareGpt => "sharegpt",
            Self::MooncakeTrace => "mooncake_trace",
        }
    }
}
by_name!(DatasetType);

impl DatasetType {
    /// Its `--custom-dataset-type` name; none for a public dataset.
    pub fn custom_name(self) -> Option<&'static str> {
        (self != Self::ShareGpt).then(|| Named::name(self))
    }

    /// Whether its rows carry the times they were sent at, so that a fixed schedule is the
    /// default when the first row has one (AIPerf's trace types).
    pub fn is_trace(self) -> bool {
        matches!(self, Self::MooncakeTrace)
    }

    /// The `--dataset-sampling-strategy` when none is given: `shuffle` for a random pool, as
    /// AIPerf prefers, else `sequential`.
    pub fn default_sampling(self) -> Sampling {
        match self {
            Self::RandomPool => Sampling::Shuffle,
            _ => Sampling::Sequential,
        }
    }
}

/// How requests pick dataset entries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sampling {
    /// Entry `index % n`.
    #[default]
    Sequential,
    /// A uniformly random entry for every request (entries may repeat within a pass).
    Random,
    /// Each pass over the entries in its own random order.
    Shuffle,
}

impl Named for Sampling {
    const WHAT: &'static str = "dataset sampling strategy";
    const ALL: &'static [Self] = &[Self::Sequential, Self::Random, Self::Shuffle];

    fn name(self) -> &'static str {
        match self {
            Self::Sequential => "sequential",
            Self::Random => "random",
            Self::Shuffle => "shuffle",
        }
    }
}
by_name!(Sampling);

/// A service-level objective of `--goodput`; serialized as the command line writes it,
/// `metric:value`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slo {
    /// The metric.
    pub metric: Metric,
    /// Its bound: an upper bound for times, a lower bound for per-user throughput.
    pub value: f64,
}

impl std::str::FromStr for Slo {
    type Err = String;

    /// `metric:value` (times in ms), as `--goodput` takes it.
    fn from_str(objective: &str) -> Result<Self, Self::Err> {
        let (key, value) = objective.split_once(':').ok_or("metric:value, e.g. time_to_first_token:200")?;
        let metric = Metric::from_key(key).ok_or_else(|| {
            format!("unknown metric '{key}': a metric such as time_to_first_token, inter_token_latency, request_latency, output_token_throughput_per_user")
        })?;
        let value = value.parse().ok().filter(|v: &f64| v.is_finite() && *v > 0.0).ok_or("a positive, finite number after the colon")?;
        Ok(Self { metric, value })
    }
}

impl TryFrom<String> for Slo {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Slo> for String {
    fn from(slo: Slo) -> Self {
        format!("{}:{}", slo.metric.key(), slo.value)
    }
}

/// Lengths of synthetic inputs and outputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lengths {
    /// Mean input tokens.
    pub isl: u32,
    /// Standard deviation of input tokens.
    pub isl_stddev: f64,
    /// Mean output tokens to request.
    pub osl: Option<u32>,
    /// Standard deviation of output tokens.
    pub osl_stddev: f64,
}

/// `--fixed-schedule-start-offset` and `--fixed-schedule-end-offset`, ms.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    /// Entries before it are left out, and the schedule starts at it.
    pub start_ms: Option<u64>,
    /// Entries after it are left out.
    pub end_ms: Option<u64>,
}

/// Where AIPerf 0.13 caches the file (relative to the working directory): a copy placed there is
/// used by both tools.
pub const SHAREGPT_CACHE_PATH: &str = ".cache/aiperf/datasets/ShareGPT_V3_unfiltered_cleaned_split.json";
