//! Before the run: the endpoint and the transport, the inputs in the form the transport carries,
//! the fixed schedule if there is one, a probe that the transport can carry them, and
//! `inputs.json`.

use std::path::Path;
use std::sync::Arc;

use aiperf_core::{Endpoint, EndpointError, EndpointHeaders, Factories, InferenceRequest, RequestForm, Transport, TransportRequest};

use super::config::{Config, FixedSchedule, Selections};
use super::dataset::blocks::Synthesizer;
use super::dataset::sampling::Sampler;
use super::dataset::{self, Loaded};
use super::fixed_schedule::{Replay, Window};
use super::inputs::{self, Corpus, Entry};
use super::issue::Issuer;
use super::request::{MeasureOptions, RequestPath, Tally};
use super::source::{Inputs, Prepared, SessionInputs, TraceInputs};
use super::tokenizer::Tokenizer;
use super::{ProfileError, export};

/// Trace rows (or sessions) shown in `inputs.json`: their requests are built as they are sent, and
/// a long trace's would not fit a file.
const TRACE_INPUTS_SHOWN: usize = 100;

/// The issuer of a build's table `F`: its generated arrival-pattern enum.
pub(super) type BuildIssuer<F> = Issuer<<<F as Factories>::ArrivalPatterns as aiperf_core::Category>::Instance>;

/// The request path of a build's table `F`: its generated endpoint and transport enums.
pub(super) type BuildPath<F> = RequestPath<
    <<F as Factories>::Endpoints as aiperf_core::Category>::Instance,
    <<F as Factories>::Transports as aiperf_core::Category>::Instance,
>;

/// Builds the endpoint and transport and the inputs: entries formatted now (so nothing but the
/// transport and the parser stands between issuing a request and its response), or a trace whose
/// rows are formatted as they are sent. Checks that the transport can carry them, and writes
/// `inputs.json`. Returns the request path, and the issuer that picks what it sends.
pub(super) fn prepare<F: Factories>(
    config: &Config,
    selections: &Selections<F>,
    tokenizer: &Arc<Tokenizer>,
) -> Result<(BuildPath<F>, BuildIssuer<F>), ProfileError> {
    let dataset = &config.dataset;
    let endpoint = selections.endpoints.create_instance(&config.endpoint, &config.info)?;
    let transport = selections.transports.create_instance(&config.transport, &config.info)?;
    let pattern = selections.arrival_patterns.create_instance(&config.arrival_pattern, &config.info)?;
    let form = transport.request_form();
    let format_error = |e| match e {
        EndpointError::NoTextForm => ProfileError::NoRequestForm { endpoint: config.endpoint.clone(), transport: config.transport.clone() },
        other => ProfileError::Format(other),
    };
    let (inputs, replay) = match &dataset.input_file {
        Some(path) => {
            let loader = selections.dataset_loaders.create_instance(&dataset.loader, &config.info)?;
            let options = dataset::LoadOptions {
                tokenizer,
                default_max_tokens: dataset.lengths.osl,
                block_size: dataset.block_size,
                input: config.endpoint_meta.input,
                conversations: dataset.conversations,
                seed: dataset.seed,
                loader: &loader,
            };
            let loaded = dataset::load(dataset.kind, path, &options)?;
            let replay = replay(config, &loaded, path)?;
            // Workers sharing the benchmark deal out a schedule's sends (each keeps every row, at
            // its place in the schedule), or else the rows and sessions themselves.
            let (loaded, replay) = match (dataset.shard, replay) {
                (Some(shard), Some(replay)) => (loaded, Some(replay.share(shard))),
                (Some(shard), None) => (loaded.share(shard), None),
                (None, replay) => (loaded, replay),
            };
            let inputs = match loaded {
                Loaded::Entries(_) if config.schedule.load.users.is_some() => {
                    let reason = format!(
                        "sends users' sessions turn by turn, and {} has none: give a multi_turn file (or lines sharing a session_id)",
                        path.display()
                    );
                    return Err(ProfileError::Flags { flag: "--user-centric-rate", reason });
                }
                Loaded::Entries(entries) => Inputs::Prepared(prepare_all(entries, &endpoint, form).map_err(format_error)?),
                Loaded::Sessions(conversations) => {
                    if config.schedule.load.rate.is_some() {
                        let reason =
                            format!("the sessions of {} run at --concurrency (sessions in flight); drop --request-rate", path.display());
                        return Err(ProfileError::Flags { flag: "--request-rate", reason });
                    }
                    Inputs::Sessions(SessionInputs { conversations, input: config.endpoint_meta.input, tokenizer: Arc::clone(tokenizer) })
                }
                Loaded::Trace(trace) => Inputs::Trace(TraceInputs {
                    synthesizer: Synthesizer::new(Corpus::new(tokenizer)?, dataset.block_size, dataset.seed, trace.file_hash),
                    trace,
                    input: config.endpoint_meta.input,
                    default_max_tokens: dataset.lengths.osl,
                    tokenizer: Arc::clone(tokenizer),
                }),
            };
            (inputs, replay)
        }
        None => {
            let entries = inputs::synthetic(
                config.endpoint_meta.input,
                tokenizer,
                dataset.lengths,
                (dataset.entries, dataset.seed),
                &dataset.prefixes,
            )?;
            (Inputs::Prepared(prepare_all(entries, &endpoint, form).map_err(format_error)?), None)
        }
    };
    let path = config.info.custom_endpoint.clone().unwrap_or_else(|| config.endpoint_meta.path(config.info.streaming).to_owned());
    // Every kind of entry is formatted once now, so that what the endpoint or the transport
    // cannot take stops the run before it starts.
    let shown = shown(&inputs, &endpoint, form).map_err(format_error)?;
    let probe = match &inputs {
        Inputs::Prepared(entries) => entries.first(),
        Inputs::Trace(_) | Inputs::Sessions(_) => shown.first(),
    };
    if let Some(Prepared { request: probe, .. }) = probe {
        let probe = TransportRequest {
            path: &path,
            body: probe.body(),
            streaming: probe.streaming(),
            request_id: None,
            session: None,
            endpoint: EndpointHeaders::of(&endpoint),
        };
        transport.check(probe).map_err(|source| ProfileError::Unsupported {
            endpoint: config.endpoint.clone(),
            transport: config.transport.clone(),
            source,
        })?;
    }
    let dir = &config.artifact_dir;
    std::fs::create_dir_all(dir).map_err(|source| ProfileError::Io { path: dir.display().to_string(), source })?;
    export::clear(dir)?;
    super::report::clear_phase_files(dir)?;
    // The state file too: it is removed, never truncated in place, so that a copy of it linked
    // elsewhere (a `file://` results location) keeps the run it recorded.
    export::remove_stale(&dir.join(crate::state::STATE_FILE))?;
    match &inputs {
        Inputs::Prepared(entries) => export::write_inputs(dir, entries.iter().map(|p| &p.request), &config.secrets)?,
        Inputs::Trace(_) | Inputs::Sessions(_) => export::write_inputs(dir, shown.iter().map(|p| &p.request), &config.secrets)?,
    }
    let sampler = Sampler::new(dataset.sampling, inputs.len(), dataset.seed);
    let measure = MeasureOptions {
        tokenizer: Arc::clone(tokenizer),
        use_server_token_count: config.use_server_token_count,
        produces_tokens: config.endpoint_meta.produces_tokens,
        http_trace: config.http_trace,
    };
    let path = RequestPath::new(endpoint, transport, path, inputs, measure, Tally::new(config.failure_limit));
    Ok((path, Issuer::new(sampler, pattern, replay)))
}

/// Formats every entry (the payload is not kept: the prepared request holds it, and holding both
/// doubles a large dataset).
fn prepare_all<E: Endpoint>(entries: Vec<Entry>, endpoint: &E, form: RequestForm) -> Result<Vec<Prepared>, EndpointError> {
    entries
        .into_iter()
        .map(|entry| {
            let request = InferenceRequest { payload: entry.payload, max_tokens: entry.max_tokens, model: None };
            Ok(Prepared { input_tokens: entry.input_tokens, request: form.prepare(endpoint, &request)?, max_tokens: entry.max_tokens })
        })
        .collect()
}

/// What `inputs.json` shows of inputs built as they are sent: a trace's first rows, with the first
/// row of each kind of input among them (so that each kind is checked before the run), or the
/// first turn of the first sessions; nothing for entries formatted already.
fn shown<E: Endpoint>(inputs: &Inputs, endpoint: &E, form: RequestForm) -> Result<Vec<Prepared>, EndpointError> {
    match inputs {
        Inputs::Prepared(_) => Ok(Vec::new()),
        Inputs::Sessions(sessions) => {
            (0..sessions.conversations.list.len().min(TRACE_INPUTS_SHOWN)).map(|i| sessions.build(i, 0, &[], endpoint, form)).collect()
        }
        Inputs::Trace(trace) => {
            let rows = &trace.trace.rows;
            let mut picked: Vec<usize> = (0..rows.len().min(TRACE_INPUTS_SHOWN)).collect();
            let mut kinds = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                let kind = std::mem::discriminant(&row.input);
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                    picked.push(i);
                }
            }
            picked.sort_unstable();
            picked.dedup();
            picked.into_iter().map(|i| trace.build(&rows[i], endpoint, form)).collect()
        }
    }
}

/// The fixed schedule of the profiling phase, if there is one: always with `--fixed-schedule`, and
/// for a trace whose first row has a timestamp unless `--no-fixed-schedule`.
fn replay(config: &Config, loaded: &Loaded, path: &Path) -> Result<Option<Replay>, ProfileError> {
    if let (Loaded::Sessions(_), FixedSchedule::On(_)) = (loaded, config.schedule.fixed) {
        let reason = format!(
            "{} holds sessions, which are sent turn after turn at --concurrency; a fixed schedule of sessions is not replayed yet: drop --fixed-schedule",
            path.display()
        );
        return Err(ProfileError::Flags { flag: "--fixed-schedule", reason });
    }
    let (window, auto) = match config.schedule.fixed {
        FixedSchedule::Off => return Ok(None),
        FixedSchedule::On(window) => (window, false),
        FixedSchedule::Auto(window) => (window, true),
    };
    let timestamps = loaded.timestamps();
    if auto {
        if timestamps.first().is_none_or(|(_, ts)| ts.is_none()) {
            if window != Window::default() {
                let reason = format!("applies to a fixed schedule, and the first row of {} has no `timestamp`", path.display());
                return Err(ProfileError::Flags { flag: "--fixed-schedule-start-offset/--fixed-schedule-end-offset", reason });
            }
            return Ok(None);
        }
        if config.schedule.load.rate.is_some() {
            let reason = "the trace has timestamps, so it is replayed on them (a fixed schedule); drop --request-rate, or pass --no-fixed-schedule to send it at that rate".to_owned();
            return Err(ProfileError::Flags { flag: "--request-rate", reason });
        }
    }
    Replay::build(&timestamps, window, path).map(Some)
}
