//! `phases:` (or `warmup:` and `profiling:`, or one phase with a `type`): aiperf runs at most a
//! warmup, then one profiling phase, each read into the flags that set it.

use serde_json::{Value, json};

use super::aiperf::Fields;
use super::section::{Section, Wrong, seconds, text};

const PHASE_KEYS: &[&str] = &[
    "name",
    "kind",
    "type",
    "requests",
    "duration",
    "grace_period",
    "concurrency",
    "rate",
    "smoothness",
    "users",
    "sessions",
    "concurrency_ramp",
    "rate_ramp",
    "prefill_concurrency",
    "prefill_ramp",
    "cancellation",
    "auto_offset",
    "start_offset",
    "end_offset",
    "exclude_from_results",
];

/// The phases of `body`, in order.
pub(super) fn phases(body: &mut Section<'_>, fields: &mut Fields) -> Result<(), Wrong> {
    let mut list: Vec<(String, &Value, Option<&str>)> = Vec::new();
    match (body.take("phases"), body.take("warmup"), body.take("profiling")) {
        (Some(Value::Array(items)), None, None) => {
            let at = body.at("phases");
            list.extend(items.iter().enumerate().map(|(i, item)| (format!("{at}[{i}]"), item, None)));
        }
        (Some(phase @ Value::Object(map)), None, None) if map.contains_key("type") => {
            list.push((body.at("phases"), phase, Some("profiling")))
        }
        (Some(_), None, None) => return Err((body.at("phases"), "a list of phases, each with a name and a type".to_owned())),
        (None, warmup, Some(profiling)) => {
            if let Some(warmup) = warmup {
                list.push((body.at("warmup"), warmup, Some("warmup")));
            }
            list.push((body.at("profiling"), profiling, Some("profiling")));
        }
        (None, Some(_), None) => return Err((body.at("warmup"), "'warmup' requires 'profiling'".to_owned())),
        (Some(_), ..) => return Err((body.at("phases"), "'phases' cannot be used with 'warmup' or 'profiling': give one".to_owned())),
        // None: the command line's default load (AIPerf requires phases; aiperf lets them be).
        (None, None, None) => return Ok(()),
    }
    let (mut warmup, mut profiling) = (None, None);
    for (at, value, named) in list {
        let kind = match (named, value.get("kind").and_then(Value::as_str), value.get("name").and_then(Value::as_str)) {
            (Some(kind), ..) => kind,
            (None, Some(kind), _) => kind,
            (None, None, Some(name @ ("warmup" | "profiling"))) => name,
            _ => return Err((format!("{at}.kind"), "warmup or profiling (required unless the phase is named so)".to_owned())),
        };
        let slot = match kind {
            "warmup" => &mut warmup,
            "profiling" => &mut profiling,
            other => return Err((format!("{at}.kind"), format!("warmup or profiling, not '{other}'"))),
        };
        if slot.replace((at.clone(), value)).is_some() {
            return Err((at, format!("a second {kind} phase: aiperf runs at most a warmup, then one profiling phase")));
        }
    }
    let (at, value) = profiling.ok_or_else(|| (body.at("phases"), "a profiling phase is required".to_owned()))?;
    let pattern = phase(Section::new(at, value, PHASE_KEYS)?, Kind::Profiling, fields)?;
    if let Some((at, value)) = warmup {
        let warmup = Section::new(at, value, PHASE_KEYS)?;
        let kind = warmup.type_name();
        if kind.is_some_and(|k| k != "concurrency" && Some(k) != pattern.as_deref()) {
            let reason =
                "a warmup at a rate takes the profiling phase's arrival pattern in aiperf: use the profiling phase's type, or concurrency";
            return Err((warmup.at("type"), reason.to_owned()));
        }
        phase(warmup, Kind::Warmup, fields)?;
    }
    Ok(())
}

/// Which phase is read.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Warmup,
    Profiling,
}

impl Section<'_> {
    /// The phase's `type`, if it is a string.
    fn type_name(&self) -> Option<&str> {
        self.peek("type").and_then(Value::as_str)
    }
}

/// One phase into its flags; returns the profiling phase's arrival pattern, when at a rate.
fn phase(mut phase: Section<'_>, kind: Kind, fields: &mut Fields) -> Result<Option<String>, Wrong> {
    let _ = (phase.take("name"), phase.take("kind"), phase.take("exclude_from_results"));
    let type_name = phase.take("type").map(|t| text(&phase.at("type"), t)).transpose()?.unwrap_or("concurrency").to_owned();
    let warmup = kind == Kind::Warmup;
    let name = |profiling: &'static str, warmup_flag: &'static str| if warmup { warmup_flag } else { profiling };
    let mut put = |field: &str, value: Value| fields.insert(field.to_owned(), value);
    if let Some(v) = phase.take("requests") {
        put(name("request_count", "warmup_request_count"), v.clone());
    }
    for (key, profiling_flag, warmup_flag) in
        [("duration", "benchmark_duration", "warmup_duration"), ("grace_period", "benchmark_grace_period", "warmup_grace_period")]
    {
        if let Some(v) = phase.take(key) {
            put(name(profiling_flag, warmup_flag), json!(seconds(&phase.at(key), v)?));
        }
    }
    if let Some(v) = phase.take("concurrency") {
        put(name("concurrency", "warmup_concurrency"), v.clone());
    }
    let mut pattern = None;
    match type_name.as_str() {
        "concurrency" => {}
        "poisson" | "gamma" | "constant" => {
            let rate = phase.take("rate").ok_or_else(|| (phase.at("rate"), format!("required by a {type_name} phase")))?;
            put(name("request_rate", "warmup_request_rate"), rate.clone());
            if !warmup {
                put("arrival_pattern", json!(type_name));
                pattern = Some(type_name.clone());
            }
        }
        "user_centric" if !warmup => {
            let rate = phase.take("rate").ok_or_else(|| (phase.at("rate"), "required by a user_centric phase".to_owned()))?;
            let users = phase.take("users").ok_or_else(|| (phase.at("users"), "required by a user_centric phase".to_owned()))?;
            put("user_centric_rate", rate.clone());
            put("num_users", users.clone());
        }
        "fixed_schedule" if !warmup => {
            put("fixed_schedule", json!(true));
            for (key, field) in [
                ("auto_offset", "fixed_schedule_auto_offset"),
                ("start_offset", "fixed_schedule_start_offset"),
                ("end_offset", "fixed_schedule_end_offset"),
            ] {
                if let Some(v) = phase.take(key) {
                    put(field, v.clone());
                }
            }
        }
        other => {
            return Err((
                phase.at("type"),
                format!(
                    "concurrency, poisson, gamma, constant, user_centric or fixed_schedule (a warmup: concurrency or a rate), not '{other}'"
                ),
            ));
        }
    }
    if !warmup {
        profiling_only(&mut phase, fields)?;
    }
    let warmup_only = "belongs to the profiling phase in aiperf (the warmup shares it)";
    phase.finish(&[
        ("smoothness", warmup_only),
        ("prefill_concurrency", warmup_only),
        ("cancellation", "is the profiling phase's alone (no warmup request is cancelled)"),
        ("concurrency_ramp", warmup_only),
        ("rate_ramp", warmup_only),
        ("prefill_ramp", warmup_only),
        ("sessions", warmup_only),
    ])?;
    Ok(pattern)
}

/// What only the profiling phase sets: ramps, prefill, smoothness, cancellation, sessions.
fn profiling_only(phase: &mut Section<'_>, fields: &mut Fields) -> Result<(), Wrong> {
    let mut put = |field: &str, value: Value| fields.insert(field.to_owned(), value);
    if let Some(v) = phase.take("smoothness") {
        put("arrival_smoothness", v.clone());
    }
    if let Some(v) = phase.take("prefill_concurrency") {
        put("prefill_concurrency", v.clone());
    }
    if let Some(v) = phase.take("sessions") {
        put("conversation_num", v.clone());
    }
    for (key, field) in [
        ("concurrency_ramp", "concurrency_ramp_duration"),
        ("rate_ramp", "request_rate_ramp_duration"),
        ("prefill_ramp", "prefill_concurrency_ramp_duration"),
    ] {
        if let Some(ramp) = phase.take(key) {
            let mut ramp = Section::new(phase.at(key), ramp, &["duration"])?;
            let duration = ramp.take("duration").ok_or_else(|| (ramp.at("duration"), "required".to_owned()))?;
            put(field, json!(seconds(&ramp.at("duration"), duration)?));
            ramp.finish(&[])?;
        }
    }
    if let Some(cancellation) = phase.take("cancellation") {
        let mut cancellation = Section::new(phase.at("cancellation"), cancellation, &["rate", "delay"])?;
        for (key, field) in [("rate", "request_cancellation_rate"), ("delay", "request_cancellation_delay")] {
            if let Some(v) = cancellation.take(key) {
                put(field, v.clone());
            }
        }
        cancellation.finish(&[])?;
    }
    Ok(())
}
