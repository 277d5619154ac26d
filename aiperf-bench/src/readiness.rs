//! Before the benchmark: wait until the server answers (`--wait-for-model-timeout`), as AIPerf
//! 0.13's readiness probe does, so that a run started beside a server still loading its model
//! measures the model, not the loading. Once per benchmark, before its first run.
//!
//! The inference probe sends a one-token request through the run's own endpoint and transport
//! (each model's, on a transport instance of its own: the run's connections start cold), so it
//! proves what the benchmark will use, over HTTP, gRPC or a plugin's transport alike. The model
//! list (`GET /v1/models`) is a [`ModelList`] the program driving the engine provides: the engine
//! has no HTTP client of its own.

use std::time::{Duration, Instant};

use aiperf_core::{Endpoint, Factories, InferenceRequest, InputKind, ModelEndpointInfo, Payload, Transport, exchange};

use crate::config::{Config, Readiness, ReadinessMode, readiness};
use crate::observe::Pending;
use crate::redact::Secrets;
use crate::{BenchConfig, Context, ProfileError};

/// AIPerf's probe prompt: one short word, so a metered backend spends almost nothing.
const PROMPT: &str = "Lo";

/// Shortest time one inference probe may take, however short the interval (a model's first
/// forward pass may take seconds).
const INFERENCE_FLOOR: Duration = Duration::from_secs(30);

/// Shortest time one model-list look may take.
pub const MODELS_FLOOR: Duration = Duration::from_secs(5);

/// What one look at a server's model list found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Look {
    /// The model is listed (or the server has no list and its base URL answered).
    Ready,
    /// Not yet: why, in a few words (`status 503`, `not listed`, `no answer: …`).
    NotYet(String),
}

/// Reads a server's model list (`GET {base}/v1/models`, `data[].id`), for the `models` probe.
pub trait ModelList: Send + Sync {
    /// One look for `model` at the server of `info` (its URL, API key and headers), ending within
    /// `timeout`.
    fn look<'a>(&'a self, info: &'a ModelEndpointInfo, model: &'a str, timeout: Duration) -> Pending<'a, Look>;
}

/// Waits until the server of `args` is ready, as `--wait-for-model-mode` says, each probe (each
/// model, each mode) within `--wait-for-model-timeout`; nothing without that flag, or without a
/// `--url` (the embedded engine is ready when the run starts).
///
/// # Errors
/// [`ProfileError::NotReady`] when a probe ran out of time, naming the URL, the model, the
/// attempts and the last answer; the flags' and the table's errors.
pub async fn wait<F: Factories>(args: &BenchConfig, context: &Context<F>) -> Result<(), ProfileError> {
    if readiness(args)?.is_none() {
        return Ok(());
    }
    let selections = context.selections.with_pins(&args.pins)?;
    // The server is one for every point of a sweep: the first point's configuration reaches it.
    let first = crate::sweep::points(args)?.into_iter().next();
    let mut point = args.clone();
    if let Some(first) = first {
        point.concurrency = first.concurrency.map(|c| crate::config::List(vec![c]));
        point.request_rate = first.request_rate.map(|r| crate::config::List(vec![r]));
    }
    let config = Config::resolve::<F>(&point, context.settings.clone(), &selections)?;
    let Some(probe) = config.readiness else { return Ok(()) };
    let Some(url) = config.info.url.as_ref().map(|url| crate::redact::url(url.as_str()).into_owned()) else { return Ok(()) };
    let models = if config.info.model_names.is_empty() { vec!["default".into()] } else { config.info.model_names.clone() };
    eprintln!(
        "Waiting for {url} to be ready ({}, at most {:.1} s per probe, every {:.1} s)",
        probe.mode.as_str(),
        probe.timeout.as_secs_f64(),
        probe.interval.as_secs_f64()
    );
    if matches!(probe.mode, ReadinessMode::Models | ReadinessMode::Both) {
        let Some(list) = &context.model_list else {
            let reason = "needs a model-list reader, which this program does not provide: use --wait-for-model-mode inference".to_owned();
            return Err(ProfileError::Flags { flag: "--wait-for-model-mode", reason });
        };
        for model in &models {
            models_ready(&**list, &config, model, probe).await?;
        }
    }
    if matches!(probe.mode, ReadinessMode::Inference | ReadinessMode::Both) {
        for model in &models {
            let info = ModelEndpointInfo { model_names: vec![model.clone()], ..config.info.clone() };
            let endpoint = selections.endpoints.create_instance(&config.endpoint, &info)?;
            let transport = selections.transports.create_instance(&config.transport, &info)?;
            let path = info.custom_endpoint.clone().unwrap_or_else(|| config.endpoint_meta.path(info.streaming).to_owned());
            let request = InferenceRequest { model: Some(model.to_string()), ..probe_request(config.endpoint_meta.input) };
            let prepared = transport.request_form().prepare(&endpoint, &request)?;
            let send = async |_: Duration| answered(&transport, &endpoint, &path, &prepared).await;
            until_ready(probe, INFERENCE_FLOOR, &config.secrets, send, |attempts, last| ProfileError::NotReady {
                what: format!("probing {}{path} with model '{model}'", url.trim_end_matches('/')),
                timeout: probe.timeout,
                attempts,
                last,
            })
            .await?;
        }
    }
    eprintln!("{url} is ready");
    Ok(())
}

/// The one-token request of an endpoint taking `input`.
fn probe_request(input: InputKind) -> InferenceRequest {
    let payload = match input {
        InputKind::Prompt | InputKind::Messages => Payload::Prompt(PROMPT.to_owned()),
        InputKind::Texts => Payload::Texts(vec![PROMPT.to_owned()]),
        InputKind::QueryPassages => Payload::Ranking { query: PROMPT.to_owned(), passages: vec![PROMPT.to_owned()] },
    };
    InferenceRequest { payload, max_tokens: Some(1), model: None }
}

/// One inference probe: ready on any answer below 500 (a 4xx says the server is up; the run's
/// first request will show the same error), not yet on a 5xx or no answer.
async fn answered<E: Endpoint, T: Transport>(transport: &T, endpoint: &E, path: &str, prepared: &aiperf_core::PreparedRequest) -> Look {
    match exchange(transport, endpoint, path, prepared, Some("readiness")).await.timing {
        Ok(timing) if timing.status < 500 => Look::Ready,
        Ok(timing) => Look::NotYet(format!("status {}", timing.status)),
        Err(e) => Look::NotYet(e.to_string()),
    }
}

/// The `models` probe of `model`.
async fn models_ready(list: &dyn ModelList, config: &Config, model: &str, probe: Readiness) -> Result<(), ProfileError> {
    let look = async |timeout: Duration| list.look(&config.info, model, timeout).await;
    let url = config.info.url.as_ref().map_or(std::borrow::Cow::Borrowed(""), |url| crate::redact::url(url.as_str()));
    until_ready(probe, MODELS_FLOOR, &config.secrets, look, |attempts, last| ProfileError::NotReady {
        what: format!("waiting for model '{model}' to be listed at {url}"),
        timeout: probe.timeout,
        attempts,
        last,
    })
    .await
}

/// Tries `attempt` every `probe.interval` until it is ready or `probe.timeout` has passed; each
/// attempt is given the interval (at least `floor`), but never past the deadline.
/// What each attempt found is said with `secrets` hidden (a server's error may quote a key).
async fn until_ready<A, E>(probe: Readiness, floor: Duration, secrets: &Secrets, attempt: A, error: E) -> Result<(), ProfileError>
where
    A: AsyncFn(Duration) -> Look,
    E: Fn(u32, String) -> ProfileError,
{
    let deadline = Instant::now() + probe.timeout;
    let mut attempts = 0;
    let mut last = String::from("no attempt in time");
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(error(attempts, last));
        }
        let allowed = probe.interval.max(floor).min(left);
        attempts += 1;
        match tokio::time::timeout(allowed, attempt(allowed)).await {
            Ok(Look::Ready) => return Ok(()),
            Ok(Look::NotYet(why)) => last = secrets.scrub(&why).into_owned(),
            Err(_) => last = format!("no answer within {:.1} s", allowed.as_secs_f64()),
        }
        eprintln!("Not ready yet ({last}; attempt {attempts}); trying again in {:.1} s", probe.interval.as_secs_f64());
        tokio::time::sleep(probe.interval.min(deadline.saturating_duration_since(Instant::now()))).await;
    }
}
