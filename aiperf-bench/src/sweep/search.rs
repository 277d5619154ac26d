//! `--search-recipe`: the highest concurrency whose latency holds a service-level objective
//! (AIPerf 0.13's `max-throughput-ttft-sla`, `max-throughput-itl-sla` and
//! `max-concurrency-under-sla` recipes, their `--ttft-sla-ms`, `--itl-sla-ms`, `--e2e-sla-ms`),
//! found by a monotone search: the concurrency doubles from `--concurrency-min` while every
//! objective holds, then the last that held and the first that broke are bisected to one. Each
//! probe is a run of its own, kept as a sweep point (`concurrency_N`); `sweep_summary.json` gives
//! every probe and the answer, which the console states. The search assumes latency does not fall
//! as concurrency rises (a server's latencies grow with its load): it takes as few runs as that
//! allows, about twice the binary logarithm of the answer.

use std::collections::BTreeMap;

use aiperf_core::Factories;
use serde_json::{Value, json};

use super::{Point, read_export, summary};
use crate::config::{List, Search};
use crate::{BenchConfig, Context, ProfileError, ProfileOutcome};

/// What one probe found.
struct Probe {
    /// Its place in the search (1: the first run).
    run: usize,
    /// Whether every objective held.
    held: bool,
    /// Each objective's measured value (none: no request succeeded).
    measured: Vec<Option<f64>>,
    /// Its exports.
    export: Value,
    /// How the run ended.
    outcome: ProfileOutcome,
}

/// Runs the search of `args.search` and writes its summary; returns the outcome of every probe
/// together, with the answer in the console's text.
///
/// # Errors
/// As a single run: flags that cannot work stop the search at its first probe.
pub async fn run<F: Factories>(args: &BenchConfig, search: &Search, context: &Context<F>) -> Result<ProfileOutcome, ProfileError> {
    let base = args.output_artifact_dir.clone();
    let mut probes: BTreeMap<u64, Probe> = BTreeMap::new();
    let (mut held, mut broke): (Option<u64>, Option<u64>) = (None, None);
    let mut next = Some(search.min);
    while let Some(concurrency) = next.filter(|_| probes.len() < search.max_runs) {
        let point = point(concurrency);
        // The probe as a run of its own (its resolved configuration repeats that run alone).
        let mut run_args = BenchConfig { concurrency: Some(List(vec![concurrency as usize])), search_recipe: None, ..args.clone() };
        (run_args.ttft_sla_ms, run_args.itl_sla_ms, run_args.e2e_sla_ms) = (None, None, None);
        (run_args.concurrency_min, run_args.concurrency_max, run_args.search_max_iterations) = (None, None, None);
        run_args.output_artifact_dir = base.join(&point.label);
        // Only the first probe warms the server up, as a sweep's first run.
        if !probes.is_empty() {
            (run_args.warmup_request_count, run_args.warmup_duration) = (None, None);
        }
        let outcome = super::super::job::run_one::<F>(&run_args, context).await?;
        let export = read_export(&outcome.artifact_dir)?;
        let measured: Vec<Option<f64>> = search.objectives.iter().map(|o| o.measured(&export)).collect();
        let holds = search.objectives.iter().zip(&measured).all(|(o, m)| m.is_some_and(|m| m < o.threshold));
        crate::stdio::note(&format!("[aiperf] search: concurrency {concurrency} {}", if holds { "holds" } else { "breaks" }));
        let stop = outcome.cancelled_by.is_some();
        let run = probes.len() + 1;
        probes.insert(concurrency, Probe { run, held: holds, measured, export, outcome });
        if holds {
            held = Some(concurrency)
        } else {
            broke = Some(concurrency)
        }
        next = if stop { None } else { next_probe(held, broke, search.max) };
    }
    finish(args, search, &probes, held)
}

/// The next concurrency to try: double while it holds, then halve the gap between the highest
/// that held and the lowest that broke; none once they are one apart, the top held, or the
/// bottom broke.
fn next_probe(held: Option<u64>, broke: Option<u64>, max: u64) -> Option<u64> {
    match (held, broke) {
        (Some(held), None) if held < max => Some((held * 2).min(max)),
        (Some(held), Some(broke)) if broke > held + 1 => Some(held + (broke - held) / 2),
        _ => None,
    }
}

/// The point a probe is, named as a sweep's.
fn point(concurrency: u64) -> Point {
    Point {
        label: format!("concurrency_{concurrency}"),
        values: vec![("concurrency", concurrency as f64)],
        concurrency: Some(concurrency as usize),
        request_rate: None,
        num_users: None,
    }
}

/// Writes the summary of the probes and says the answer.
fn finish(args: &BenchConfig, search: &Search, probes: &BTreeMap<u64, Probe>, answer: Option<u64>) -> Result<ProfileOutcome, ProfileError> {
    let base = &args.output_artifact_dir;
    let points: Vec<Point> = probes.keys().map(|&c| point(c)).collect();
    let exports: Vec<(&Point, Vec<&Value>)> = points.iter().zip(probes.values()).map(|(p, probe)| (p, vec![&probe.export])).collect();
    let objectives: Vec<Value> =
        search.objectives.iter().map(|o| json!({ "metric": o.metric, "stat": o.stat, "lt": o.threshold, "unit": "ms" })).collect();
    let probed: Vec<Value> = probes
        .iter()
        .map(|(c, probe)| {
            let measured: Vec<Value> = probe.measured.iter().map(|m| json!(m)).collect();
            json!({ "concurrency": c, "run": probe.run, "held": probe.held, "measured": measured })
        })
        .collect();
    let throughput = answer.and_then(|c| probes[&c].export.get("output_token_throughput")?.get("avg")?.as_f64());
    let result = json!({
        "recipe": search.recipe,
        "variable": "concurrency",
        "objectives": objectives,
        "answer": answer,
        "output_token_throughput_at_answer": throughput,
        "runs": probes.len(),
        "probes": probed,
    });
    let mut console = summary::write_with(&base.join("sweep_aggregate"), base, args.sweep_type, &exports, Some(result))?;
    let held = search.objectives.iter().map(|o| format!("{} {} < {} ms", o.metric, o.stat, o.threshold)).collect::<Vec<_>>().join(" and ");
    console.push_str(&match answer {
        Some(c) if c == search.max => format!(
            "Search ({}): {held} holds up to the top of the search, concurrency {c} (--concurrency-max); {} runs\n",
            search.recipe,
            probes.len()
        ),
        Some(c) => format!(
            "Search ({}): the highest concurrency where {held} is {c}{}; {} runs\n",
            search.recipe,
            throughput.map(|t| format!(" ({t:.1} output tokens/s)")).unwrap_or_default(),
            probes.len()
        ),
        None => format!("Search ({}): {held} does not hold even at concurrency {}; {} runs\n", search.recipe, search.min, probes.len()),
    });
    let outcomes = probes.values().map(|p| &p.outcome);
    Ok(ProfileOutcome {
        console,
        artifact_dir: base.clone(),
        cancelled_by: outcomes.clone().find_map(|o| o.cancelled_by),
        completed: outcomes.clone().map(|o| o.completed).sum(),
        failed: outcomes.clone().map(|o| o.failed).sum(),
        cancelled: outcomes.clone().map(|o| o.cancelled).sum(),
        threshold_crossed: outcomes.clone().any(|o| o.threshold_crossed),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_search_doubles_then_bisects_to_one() {
        // A server whose objective holds up to 12: the probes a search makes, in order.
        let (mut held, mut broke, mut probed, mut next) = (None, None, Vec::new(), Some(1));
        while let Some(c) = next {
            probed.push(c);
            if c <= 12 {
                held = Some(c)
            } else {
                broke = Some(c)
            }
            next = super::next_probe(held, broke, 1000);
        }
        assert_eq!(probed, [1, 2, 4, 8, 16, 12, 14, 13]);
        assert_eq!(held, Some(12));
        assert_eq!(super::next_probe(Some(1000), None, 1000), None, "the top held: done");
        assert_eq!(super::next_probe(None, Some(1), 1000), None, "the bottom broke: done");
    }
}
