//! `input_config.phases` as AIPerf 0.13 writes them: a warmup phase of its own (left out of the
//! results), then profiling, with their loads, ramps and rate series.

use serde_json::{Value, json};

use crate::config::Config;

/// `input_config.phases` as AIPerf writes them: a warmup phase of its own (left out of the
/// results), then profiling, whose type is how requests were sent.
pub(super) fn phases(config: &Config, fixed_schedule: bool) -> Value {
    let schedule = &config.schedule;
    let mut phases = Vec::with_capacity(2);
    if let Some(warmup) = schedule.warmup {
        // At a rate, AIPerf names the phase by its arrival pattern, as profiling's.
        let kind = if warmup.rate.is_some() { config.arrival_pattern.as_str() } else { "concurrency" };
        let seconds = |d: Option<std::time::Duration>| d.map(|d| d.as_secs_f64());
        let mut phase = json!({
            "name": "warmup",
            "kind": "warmup",
            "type": kind,
            "exclude_from_results": true,
            "requests": warmup.count,
            "duration": seconds(warmup.duration),
            "concurrency": warmup.concurrency,
            "grace_period": seconds(warmup.grace_period),
            "rate": warmup.rate,
        });
        if let Some(ramp) = schedule.load.concurrency_ramp.filter(|_| warmup.concurrency.is_some()) {
            phase["concurrency_ramp"] = json!({ "duration": ramp.as_secs_f64() });
        }
        prefill(&mut phase, schedule);
        phases.push(phase);
    }
    let kind = match (fixed_schedule, schedule.load.rate) {
        _ if schedule.load.users.is_some() => "user_centric",
        (true, _) => "fixed_schedule",
        // AIPerf names a rate's phase by its arrival pattern (`poisson`, `constant`).
        (false, Some(_)) => config.arrival_pattern.as_str(),
        (false, None) => "concurrency",
    };
    let mut profiling = json!({
        "name": "profiling",
        "kind": "profiling",
        "type": kind,
        "requests": schedule.load.count,
        "duration": schedule.duration.map(|d| d.as_secs_f64()),
        "grace_period": schedule.duration.map(|_| schedule.grace_period.as_secs_f64()),
        "concurrency": schedule.load.concurrency,
        "rate": schedule.load.rate,
    });
    if let Some(users) = schedule.load.users {
        (profiling["rate"], profiling["users"]) = (json!(users.rate), json!(users.count));
    }
    if let Some(ramp) = schedule.load.concurrency_ramp {
        profiling["concurrency_ramp"] = json!({ "duration": ramp.as_secs_f64() });
    }
    prefill(&mut profiling, schedule);
    if let Some(smoothness) = config.info.settings.get::<crate::builtins::ArrivalSmoothness>().filter(|_| schedule.load.rate.is_some()) {
        profiling["smoothness"] = json!(smoothness.0);
    }
    if let Some(ramp) = schedule.load.rate_ramp {
        profiling["rate_ramp"] = json!({ "duration": ramp.as_secs_f64() });
    }
    if let Some(series) = &schedule.load.rate_series {
        // AIPerf keeps the points, not the file, and no `rate` beside them.
        let points: Vec<Value> = series.iter().map(|(time_s, qps)| json!({ "time_s": time_s, "qps": qps })).collect();
        profiling["rate_series"] = json!({ "points": points });
        profiling["rate"] = Value::Null;
    }
    if let Some(cancellation) = schedule.load.cancellation {
        // The profiling phase's alone: AIPerf cancels no warmup request.
        profiling["cancellation"] = json!({ "rate": cancellation.percent });
        if cancellation.delay_given {
            profiling["cancellation"]["delay"] = json!(cancellation.delay.as_secs_f64());
        }
    }
    phases.push(profiling);
    Value::Array(phases)
}

/// A phase's prefill limit and its ramp (every phase has the run's).
fn prefill(phase: &mut Value, schedule: &crate::config::Schedule) {
    if let Some(prefill) = schedule.load.prefill_concurrency {
        phase["prefill_concurrency"] = json!(prefill);
    }
    if let Some(ramp) = schedule.load.prefill_ramp {
        phase["prefill_ramp"] = json!({ "duration": ramp.as_secs_f64() });
    }
}
