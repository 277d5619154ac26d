//! `--search-recipe` and its objectives (`--ttft-sla-ms`, `--itl-sla-ms`/`--tpot-sla-ms`,
//! `--e2e-sla-ms`) and bounds (`--concurrency-min`, `--concurrency-max`,
//! `--search-max-iterations`), checked: AIPerf 0.13's names and statistics.

use serde_json::Value;

use super::BenchConfig;
use crate::error::{ProfileError, invalid};

/// A search for the highest concurrency that holds its objectives.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    /// The recipe's name.
    pub recipe: &'static str,
    /// What must hold.
    pub objectives: Vec<Objective>,
    /// The lowest concurrency tried (where the search starts).
    pub min: u64,
    /// The highest.
    pub max: u64,
    /// The most runs.
    pub max_runs: usize,
}

/// A statistic of a metric that must stay below a threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    /// The metric's key (`time_to_first_token`).
    pub metric: &'static str,
    /// Its statistic (`p95`).
    pub stat: &'static str,
    /// The bound, ms (the statistic must be below it).
    pub threshold: f64,
}

impl Objective {
    /// Its value in a run's `profile_export_aiperf.json`, when the run measured it.
    pub fn measured(&self, export: &Value) -> Option<f64> {
        export.get(self.metric)?.get(self.stat)?.as_f64().filter(|v| v.is_finite())
    }
}

/// The recipes' names.
const RECIPES: [&str; 3] = ["max-throughput-ttft-sla", "max-throughput-itl-sla", "max-concurrency-under-sla"];

/// The lowest concurrency AIPerf's recipes try.
const MIN: u64 = 1;
/// The highest.
const MAX: u64 = 1000;
/// Their run budget.
const MAX_RUNS: u64 = 30;

/// The search the flags ask for, if any.
pub(crate) fn search(args: &BenchConfig) -> Result<Option<Search>, ProfileError> {
    let Some(recipe) = args.search_recipe.as_deref() else {
        let stray = [
            ("--ttft-sla-ms", args.ttft_sla_ms.is_some()),
            ("--itl-sla-ms", args.itl_sla_ms.is_some()),
            ("--e2e-sla-ms", args.e2e_sla_ms.is_some()),
            ("--concurrency-min", args.concurrency_min.is_some()),
            ("--concurrency-max", args.concurrency_max.is_some()),
            ("--search-max-iterations", args.search_max_iterations.is_some()),
        ];
        if let Some((flag, _)) = stray.into_iter().find(|(_, given)| *given) {
            return Err(ProfileError::Flags {
                flag,
                reason: "belongs to a search: give --search-recipe (max-throughput-ttft-sla, …)".to_owned(),
            });
        }
        return Ok(None);
    };
    let recipe = RECIPES.into_iter().find(|r| *r == recipe).ok_or_else(|| invalid("--search-recipe", recipe, RECIPES.join(", ")))?;
    let bound = |flag: &'static str, value: Option<f64>| -> Result<Option<f64>, ProfileError> {
        match value {
            Some(v) if !(v.is_finite() && v > 0.0) => Err(invalid(flag, v, "a positive number of milliseconds")),
            other => Ok(other),
        }
    };
    let (ttft, itl, e2e) =
        (bound("--ttft-sla-ms", args.ttft_sla_ms)?, bound("--itl-sla-ms", args.itl_sla_ms)?, bound("--e2e-sla-ms", args.e2e_sla_ms)?);
    let objective = |metric, stat, threshold| Objective { metric, stat, threshold };
    let objectives: Vec<Objective> = match recipe {
        "max-throughput-ttft-sla" => vec![objective("time_to_first_token", "p95", ttft.ok_or_else(|| needs(recipe, "--ttft-sla-ms"))?)],
        "max-throughput-itl-sla" => vec![objective("inter_token_latency", "p95", itl.ok_or_else(|| needs(recipe, "--itl-sla-ms"))?)],
        _ => {
            let all = [
                ttft.map(|t| objective("time_to_first_token", "p95", t)),
                itl.map(|t| objective("inter_token_latency", "p95", t)),
                e2e.map(|t| objective("request_latency", "p99", t)),
            ];
            let all: Vec<Objective> = all.into_iter().flatten().collect();
            if all.is_empty() {
                return Err(needs(recipe, "--ttft-sla-ms, --itl-sla-ms or --e2e-sla-ms"));
            }
            all
        }
    };
    let streams = objectives.iter().any(|o| o.metric != "request_latency");
    if streams && !args.streaming {
        return Err(ProfileError::Flags {
            flag: "--search-recipe",
            reason: format!("{recipe} measures time to first token or between tokens: add --streaming"),
        });
    }
    for (flag, given) in [
        ("--concurrency", args.concurrency.is_some()),
        ("--request-rate", args.request_rate.is_some()),
        ("--user-centric-rate", args.user_centric_rate.is_some()),
        ("--num-profile-runs", args.num_profile_runs > 1),
    ] {
        if given {
            return Err(ProfileError::Flags {
                flag,
                reason: format!("the search ({recipe}) sets the concurrency of each run itself, one run each: drop it"),
            });
        }
    }
    let (min, max) = (args.concurrency_min.unwrap_or(MIN), args.concurrency_max.unwrap_or(MAX));
    if min == 0 || min >= max || max > super::MAX_CONCURRENCY as u64 {
        return Err(invalid(
            "--concurrency-min",
            min,
            format!("at least 1 and below --concurrency-max ({max}, at most {})", super::MAX_CONCURRENCY),
        ));
    }
    let max_runs = args.search_max_iterations.unwrap_or(MAX_RUNS);
    if !(2..=200).contains(&max_runs) {
        return Err(invalid("--search-max-iterations", max_runs, "from 2 to 200 runs"));
    }
    Ok(Some(Search { recipe, objectives, min, max, max_runs: max_runs as usize }))
}

/// The error of `recipe` without its objective `flag`.
fn needs(recipe: &str, flag: &str) -> ProfileError {
    ProfileError::Flags { flag: "--search-recipe", reason: format!("{recipe} needs {flag} (the bound, in milliseconds)") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(recipe: &str) -> BenchConfig {
        BenchConfig { search_recipe: Some(recipe.to_owned()), streaming: true, ..BenchConfig::default() }
    }

    #[test]
    fn each_recipe_takes_aiperf_s_statistic_and_bounds() {
        let ttft = search(&BenchConfig { ttft_sla_ms: Some(200.0), ..args("max-throughput-ttft-sla") }).unwrap().unwrap();
        assert_eq!(
            (ttft.objectives[0].metric, ttft.objectives[0].stat, ttft.min, ttft.max, ttft.max_runs),
            ("time_to_first_token", "p95", 1, 1000, 30)
        );
        let under = BenchConfig { e2e_sla_ms: Some(900.0), itl_sla_ms: Some(20.0), ..args("max-concurrency-under-sla") };
        let stats: Vec<(&str, &str)> = search(&under).unwrap().unwrap().objectives.iter().map(|o| (o.metric, o.stat)).collect();
        assert_eq!(stats, [("inter_token_latency", "p95"), ("request_latency", "p99")]);
    }

    #[test]
    fn what_a_search_cannot_take_is_refused_by_flag() {
        for (config, said) in [
            (args("max-throughput-ttft-sla"), "--ttft-sla-ms"),
            (args("fastest"), "--search-recipe"),
            (BenchConfig { streaming: false, ttft_sla_ms: Some(1.0), ..args("max-throughput-ttft-sla") }, "--streaming"),
            (
                BenchConfig { concurrency: Some(super::super::List(vec![4])), ttft_sla_ms: Some(1.0), ..args("max-throughput-ttft-sla") },
                "--concurrency",
            ),
            (BenchConfig { ttft_sla_ms: Some(5.0), ..BenchConfig::default() }, "--search-recipe"),
        ] {
            let error = search(&config).unwrap_err().to_string();
            assert!(error.contains(said), "{error}");
        }
    }
}
