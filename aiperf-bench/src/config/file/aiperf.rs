//! AIPerf 0.13's configuration schema ("schema 2.0": an envelope around `benchmark:`, or the body
//! alone at the top, its older shape) read into the fields of a [`BenchConfig`](super::super::BenchConfig),
//! by their flag names. What aiperf cannot do as the file asks is refused by its dotted path.

use serde_json::{Map, Value, json};

use super::phases;
use super::section::{Section, Wrong, number, snake, text, whole};

/// The fields of the configuration, by flag name (`request_rate`), as read so far.
pub(super) type Fields = Map<String, Value>;

/// The body's keys at the top of an older file (AIPerf moves them under `benchmark:`).
pub(super) const BODY_KEYS: &[&str] = &[
    "model",
    "models",
    "endpoint",
    "dataset",
    "datasets",
    "phases",
    "warmup",
    "profiling",
    "artifacts",
    "slos",
    "tokenizer",
    "runtime",
    "server_metrics",
    "gpu_telemetry",
    "logging",
];

/// Observers and displays set on the command line, not in the file.
const COMMAND_LINE_ONLY: &str = "is set on the command line in aiperf (--server-metrics, --gpu-telemetry)";

/// The envelope (or an older file's body at the top).
pub(super) fn envelope(root: &Value) -> Result<Fields, Wrong> {
    let mut fields = Fields::new();
    let known = &["schema_version", "benchmark", "random_seed", "multi_run", "sweep", "variables", "plot", "no_sweep_table"];
    let flat =
        root.as_object().is_some_and(|map| !map.contains_key("benchmark") && map.keys().any(|k| BODY_KEYS.contains(&snake(k).as_str())));
    if flat {
        body(root, "", &mut fields)?;
        return Ok(fields);
    }
    let mut top = Section::new("", root, known)?;
    if let Some(version) = top.take("schema_version").filter(|v| v.as_str() != Some("2.0")) {
        return Err((top.at("schema_version"), format!("\"2.0\" (a string), not {version}")));
    }
    let benchmark = top
        .take("benchmark")
        .ok_or_else(|| (top.at("benchmark"), "required: the benchmark's models, endpoint, datasets and phases".to_owned()))?;
    body(benchmark, "benchmark", &mut fields)?;
    if let Some(seed) = top.take("random_seed") {
        fields.insert("random_seed".into(), json!(whole(&top.at("random_seed"), seed)?));
    }
    if let Some(runs) = top.take("multi_run") {
        multi_run(Section::new(top.at("multi_run"), runs, &["num_runs", "cooldown_seconds", "confidence_level"])?, &mut fields)?;
    }
    if let Some(sweep) = top.take("sweep") {
        self::sweep(Section::new(top.at("sweep"), sweep, &["type", "parameters"])?, &mut fields)?;
    }
    let unsupported = [
        ("variables", "Jinja templates are not supported: write the values, or use ${ENV} references"),
        ("plot", "is `aiperf plot` (or --auto-plot) in aiperf"),
    ];
    top.finish(&unsupported)?;
    Ok(fields)
}

/// `benchmark:` (at `path`).
fn body(value: &Value, path: &str, fields: &mut Fields) -> Result<(), Wrong> {
    let mut body = Section::new(path, value, BODY_KEYS)?;
    models(&mut body, fields)?;
    // None: the embedded engine, as without --url.
    if let Some(endpoint) = body.take("endpoint") {
        self::endpoint(Section::new(body.at("endpoint"), endpoint, ENDPOINT_KEYS)?, fields)?;
    }
    super::dataset::datasets(&mut body, fields)?;
    phases::phases(&mut body, fields)?;
    if let Some(artifacts) = body.take("artifacts") {
        let mut artifacts = Section::new(body.at("artifacts"), artifacts, &["dir", "records", "trace"])?;
        if let Some(trace) = artifacts.take("trace") {
            fields.insert("export_http_trace".into(), trace.clone());
        }
        if let Some(dir) = artifacts.take("dir") {
            fields.insert("output_artifact_dir".into(), json!(text(&artifacts.at("dir"), dir)?));
        }
        if let Some(records) = artifacts.take("records") {
            // AIPerf's `records: false` is `--export-level summary`; `[jsonl]` the default.
            let level = if records == &Value::Bool(false) { "summary" } else { "records" };
            fields.insert("export_level".into(), json!(level));
        }
        artifacts.finish(&[("raw", "the raw request and response records are not exported by aiperf yet")])?;
    }
    if let Some(slos) = body.take("slos") {
        let map = slos.as_object().ok_or_else(|| (body.at("slos"), "a mapping of metric: threshold (times in ms)".to_owned()))?;
        let goodput: Result<Vec<String>, Wrong> =
            map.iter().map(|(metric, v)| number(&format!("{}.{metric}", body.at("slos")), v).map(|v| format!("{metric}:{v}"))).collect();
        fields.insert("goodput".into(), json!(goodput?));
    }
    if let Some(tokenizer) = body.take("tokenizer") {
        let mut tokenizer = Section::new(body.at("tokenizer"), tokenizer, &["name"])?;
        if let Some(name) = tokenizer.take("name") {
            fields.insert("tokenizer".into(), json!(text(&tokenizer.at("name"), name)?));
        }
        tokenizer.finish(&[])?;
    }
    if let Some(runtime) = body.take("runtime") {
        let mut runtime = Section::new(body.at("runtime"), runtime, &["ui"])?;
        if let Some(ui) = runtime.take("ui") {
            fields.insert("ui".into(), ui.clone());
        }
        runtime.finish(&[])?;
    }
    body.finish(&[("server_metrics", COMMAND_LINE_ONLY), ("gpu_telemetry", COMMAND_LINE_ONLY), ("logging", "is not configured in aiperf")])
}

/// `model` or `models`: a name, a list of names, or `{items: [{name}]}`.
fn models(body: &mut Section<'_>, fields: &mut Fields) -> Result<(), Wrong> {
    let (key, value) = match (body.take("model"), body.take("models")) {
        (Some(_), Some(_)) => return Err((body.at("model"), "'model' cannot be used with 'models': give one".to_owned())),
        (Some(v), None) => ("model", v),
        (None, Some(v)) => ("models", v),
        (None, None) => return Ok(()),
    };
    let at = body.at(key);
    let names: Vec<String> = match value {
        Value::String(name) => vec![name.clone()],
        Value::Array(items) => items.iter().map(|v| text(&at, v).map(str::to_owned)).collect::<Result<_, _>>()?,
        Value::Object(_) => {
            let mut models = Section::new(at.clone(), value, &["items", "strategy"])?;
            if models.take("strategy").is_some_and(|s| s.as_str() != Some("round_robin")) {
                return Err((
                    models.at("strategy"),
                    "aiperf sends every request to the first model: round_robin of one, or drop it".to_owned(),
                ));
            }
            let items =
                models.take("items").and_then(Value::as_array).ok_or_else(|| (models.at("items"), "a list of {name}".to_owned()))?;
            let names = items.iter().enumerate().map(|(i, item)| {
                let mut item = Section::new(format!("{}[{i}]", models.at("items")), item, &["name"])?;
                let name = item.take("name").ok_or_else(|| (item.at("name"), "required".to_owned()))?;
                let name = text(&item.at("name"), name)?.to_owned();
                item.finish(&[]).map(|()| name)
            });
            let names = names.collect::<Result<_, _>>()?;
            models.finish(&[])?;
            names
        }
        other => return Err((at, format!("a model name, a list of names or {{items: [{{name}}]}}, not {other}"))),
    };
    fields.insert("model".into(), json!(names));
    Ok(())
}

const ENDPOINT_KEYS: &[&str] = &[
    "urls",
    "url",
    "type",
    "path",
    "api_key",
    "timeout",
    "streaming",
    "headers",
    "extra",
    "transport",
    "connection_reuse",
    "use_legacy_max_tokens",
    "use_server_token_count",
    "wait_for_model_timeout",
    "wait_for_model_interval",
    "wait_for_model_mode",
];

/// `endpoint:`.
fn endpoint(mut endpoint: Section<'_>, fields: &mut Fields) -> Result<(), Wrong> {
    let urls = match (endpoint.take("urls"), endpoint.take("url")) {
        (Some(urls), _) => urls,
        (None, Some(url)) => url,
        (None, None) => return Err((endpoint.at("urls"), "required: the server's URL".to_owned())),
    };
    let url = match urls {
        Value::String(url) => url.clone(),
        Value::Array(list) if list.len() == 1 => text(&endpoint.at("urls"), &list[0])?.to_owned(),
        _ => {
            return Err((endpoint.at("urls"), "one URL: aiperf sends to one server (workers share a benchmark with --workers)".to_owned()));
        }
    };
    fields.insert("url".into(), json!(url));
    // Text fields take their text even where a reference made it a number (a numeric key).
    for (key, field) in [("type", "endpoint_type"), ("path", "custom_endpoint"), ("api_key", "api_key"), ("transport", "transport")] {
        if let Some(value) = endpoint.take(key) {
            fields.insert(field.into(), json!(value.as_str().map_or_else(|| value.to_string(), str::to_owned)));
        }
    }
    for (key, field) in [
        ("timeout", "request_timeout_seconds"),
        ("streaming", "streaming"),
        ("connection_reuse", "connection_reuse_strategy"),
        ("use_legacy_max_tokens", "use_legacy_max_tokens"),
        ("use_server_token_count", "use_server_token_count"),
        ("wait_for_model_timeout", "wait_for_model_timeout"),
        ("wait_for_model_interval", "wait_for_model_interval"),
        ("wait_for_model_mode", "wait_for_model_mode"),
    ] {
        if let Some(value) = endpoint.take(key) {
            fields.insert(field.into(), value.clone());
        }
    }
    for (key, field) in [("headers", "headers"), ("extra", "extra_inputs")] {
        if let Some(value) = endpoint.take(key) {
            let map = value.as_object().ok_or_else(|| (endpoint.at(key), "a mapping of name: value".to_owned()))?;
            let pairs: Vec<String> =
                map.iter().map(|(k, v)| format!("{k}:{}", v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect();
            fields.insert(field.into(), json!(pairs));
        }
    }
    endpoint.finish(&[])
}

/// `multi_run:`.
fn multi_run(mut runs: Section<'_>, fields: &mut Fields) -> Result<(), Wrong> {
    for (key, field) in
        [("num_runs", "num_profile_runs"), ("cooldown_seconds", "profile_run_cooldown_seconds"), ("confidence_level", "confidence_level")]
    {
        if let Some(value) = runs.take(key) {
            fields.insert(field.into(), value.clone());
        }
    }
    runs.finish(&[])
}

/// `sweep:` of the profiling phase's concurrency or rate, a grid or a zip.
fn sweep(mut sweep: Section<'_>, fields: &mut Fields) -> Result<(), Wrong> {
    let kind = sweep.take("type").map(|t| text(&sweep.at("type"), t)).transpose()?.unwrap_or("grid");
    if !matches!(kind, "grid" | "zip") {
        return Err((sweep.at("type"), format!("grid or zip: aiperf has no '{kind}' sweep")));
    }
    fields.insert("sweep_type".into(), json!(kind));
    let parameters =
        sweep.take("parameters").ok_or_else(|| (sweep.at("parameters"), "required: {concurrency: [..]} or {rate: [..]}".to_owned()))?;
    let map = parameters.as_object().ok_or_else(|| (sweep.at("parameters"), "a mapping of parameter: [values]".to_owned()))?;
    for (name, values) in map {
        let field = match name.as_str() {
            "concurrency" | "phases.profiling.concurrency" => "concurrency",
            "rate" | "phases.profiling.rate" => "request_rate",
            other => return Err((format!("{}.{other}", sweep.at("parameters")), "aiperf sweeps concurrency and rate".to_owned())),
        };
        fields.insert(field.into(), values.clone());
    }
    sweep.finish(&[])
}
