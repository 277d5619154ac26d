//! `single_turn` JSONL, one request per line: AIPerf 0.13's fields (`text` or `texts`, `role`,
//! `output_length`, `type`) and aiperf's (`messages`, `query` with `passages`, `max_tokens`).
//! Other keys are ignored, as AIPerf ignores them. `timestamp` (ms) is kept: `--fixed-schedule`
//! sends each line at it.

use std::path::Path;

use aiperf_core::{ConfigError, DatasetError, DatasetLoader, DatasetRequest, FromModelEndpoint, Message, ModelEndpointInfo, Payload};
use serde::Deserialize;
use serde_json::Value;

use super::conversation::{Conversations, MAX_DELAY_MS, SessionFields};
use super::{Loaded, file_error};
use crate::ProfileError;
use crate::inputs::{Entry, payload_tokens};
use crate::tokenizer::Tokenizer;

/// A single_turn line, or one turn of a multi_turn line.
#[derive(Deserialize)]
pub(super) struct Line {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
    texts: Option<Vec<String>>,
    role: Option<String>,
    messages: Option<Vec<Message>>,
    query: Option<String>,
    passages: Option<Vec<String>>,
    output_length: Option<u32>,
    max_tokens: Option<u32>,
    timestamp: Option<f64>,
    delay: Option<f64>,
    session_id: Option<String>,
    extra: Option<Value>,
    image: Option<Value>,
    images: Option<Value>,
    audio: Option<Value>,
    audios: Option<Value>,
    video: Option<Value>,
    videos: Option<Value>,
}

/// `single_turn`, the builtin dataset loader: one request per non-blank line.
#[derive(Clone, Copy, Debug, Default)]
pub struct SingleTurnLoader;

impl FromModelEndpoint for SingleTurnLoader {
    const DECLARED: aiperf_core::Declared = aiperf_core::declared!();

    fn from_model_endpoint(_: &ModelEndpointInfo) -> Result<Self, ConfigError> {
        Ok(Self)
    }
}

impl DatasetLoader for SingleTurnLoader {
    fn load(&self, path: &Path) -> Result<Vec<DatasetRequest>, DatasetError> {
        let mut requests = Vec::new();
        for line in super::jsonl_lines(path).map_err(dataset_error)? {
            let (number, line) = line.map_err(dataset_error)?;
            if line.trim().is_empty() {
                continue;
            }
            let at = |reason| DatasetError { line: number, reason };
            let parsed: Line =
                serde_json::from_str(&line).map_err(|e| at(format!("{e}; expected a JSON object with `text` or `texts` (single_turn)")))?;
            let mut request = request(parsed).map_err(at)?;
            request.line = u32::try_from(number).unwrap_or(u32::MAX);
            requests.push(request);
        }
        Ok(requests)
    }
}

/// A file error as a loader reports it.
fn dataset_error(error: ProfileError) -> DatasetError {
    match error {
        ProfileError::InputFile { line, reason, .. } => DatasetError { line, reason },
        other => DatasetError { line: 0, reason: other.to_string() },
    }
}

/// What a dataset loader read, checked, its tokens counted: one entry per request; requests that
/// name a `session_id` make the file a set of sessions (each request sent alone, in order, as
/// AIPerf sends a single_turn session).
///
/// # Errors
/// [`ProfileError::InputFile`] naming the line and the field at fault.
pub(super) fn from_requests(
    path: &Path,
    requests: Vec<DatasetRequest>,
    tokenizer: &Tokenizer,
    default_max_tokens: Option<u32>,
) -> Result<Loaded, ProfileError> {
    let mut lines = Vec::with_capacity(requests.len());
    for request in requests {
        check(&request).map_err(|reason| file_error(path, request.line as usize, reason))?;
        lines.push(entry(request, tokenizer, default_max_tokens));
    }
    if lines.iter().all(|(_, session)| session.session_id.is_none()) {
        if let Some((entry, _)) = lines.iter().find(|(_, session)| session.delay_ms.is_some()) {
            let reason = "`delay`: a delay counts from the previous turn of a session; give the lines a `session_id`".to_owned();
            return Err(file_error(path, entry.line as usize, reason));
        }
        return Ok(Loaded::Entries(lines.into_iter().map(|(entry, _)| entry).collect()));
    }
    Ok(Loaded::Sessions(Conversations::group(lines, false)))
}

/// One line (or turn) as an entry and its session fields, or what is wrong with it.
pub(super) fn turn(line: Line, tokenizer: &Tokenizer, default_max_tokens: Option<u32>) -> Result<(Entry, SessionFields), String> {
    Ok(entry(request(line)?, tokenizer, default_max_tokens))
}

/// A request as an entry (its tokens counted) and its session fields.
fn entry(request: DatasetRequest, tokenizer: &Tokenizer, default_max_tokens: Option<u32>) -> (Entry, SessionFields) {
    let session = SessionFields { session_id: request.session_id, delay_ms: request.delay_ms };
    let input_tokens = payload_tokens(&request.payload, tokenizer);
    let max_tokens = request.max_tokens.or(default_max_tokens);
    (Entry { payload: request.payload, max_tokens, input_tokens, line: request.line, timestamp_ms: request.timestamp_ms }, session)
}

/// What every loader's request must hold to: a timestamp and a delay in range, not both.
fn check(request: &DatasetRequest) -> Result<(), String> {
    if let Some(ts) = request.timestamp_ms.filter(|ts| !ts.is_finite() || *ts < 0.0) {
        return Err(format!("`timestamp` is {ts}: expected milliseconds from the dataset's start, 0 or more"));
    }
    match request.delay_ms {
        Some(delay) if !delay.is_finite() || !(0.0..=MAX_DELAY_MS).contains(&delay) => {
            Err(format!("`delay` is {delay}: expected milliseconds after the previous turn ended, 0 to {MAX_DELAY_MS}"))
        }
        Some(_) if request.timestamp_ms.is_some() => Err("`timestamp` and `delay` both given; keep one".to_owned()),
        _ => Ok(()),
    }
}

/// A line as a request, or what is wrong with it.
fn request(line: Line) -> Result<DatasetRequest, String> {
    if let Some(kind) = line.kind.as_deref().filter(|k| *k != "single_turn") {
        return Err(format!("`type` is {kind:?}: this file is read as single_turn"));
    }
    let media = [("image", &line.image), ("images", &line.images), ("audio", &line.audio), ("audios", &line.audios)];
    let media = media.into_iter().chain([("video", &line.video), ("videos", &line.videos)]);
    if let Some((field, _)) = media.into_iter().find(|(_, value)| value.is_some()) {
        return Err(format!("`{field}`: aiperf's endpoints send text; give `text` or `texts`"));
    }
    if line.extra.is_some() {
        return Err("`extra`: per-line request keys are not sent yet; give them to every request with --extra-inputs".to_owned());
    }
    let max_tokens = match (line.output_length, line.max_tokens) {
        (Some(_), Some(_)) => return Err("`output_length` and `max_tokens` both given; keep one".to_owned()),
        (length, max) => length.or(max),
    };
    let (timestamp_ms, session_id, delay_ms) = (line.timestamp, line.session_id.clone(), line.delay);
    let request = DatasetRequest { payload: payload(line)?, max_tokens, timestamp_ms, session_id, delay_ms, line: 0 };
    check(&request)?;
    Ok(request)
}

/// The one payload a line gives.
fn payload(line: Line) -> Result<Payload, String> {
    let payload = match line {
        Line { text: Some(text), texts: None, messages: None, query: None, passages: None, role, .. } => match role {
            Some(role) => Payload::Messages(vec![Message { role, content: text }]),
            None => Payload::Prompt(text),
        },
        Line { texts: Some(texts), text: None, messages: None, query: None, passages: None, role: None, .. } if !texts.is_empty() => {
            Payload::Texts(texts)
        }
        Line { messages: Some(messages), text: None, texts: None, query: None, passages: None, role: None, .. } if !messages.is_empty() => {
            Payload::Messages(messages)
        }
        Line { query: Some(query), passages: Some(passages), text: None, texts: None, messages: None, role: None, .. }
            if !passages.is_empty() =>
        {
            Payload::Ranking { query, passages }
        }
        _ => {
            return Err("expected exactly one of `text` (with an optional `role`), `texts` (non-empty), `messages` (non-empty), or `query` with non-empty `passages`".to_owned());
        }
    };
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: &str) -> Result<Entry, String> {
        let line: Line = serde_json::from_str(line).map_err(|e| format!("{e}; expected a JSON object with `text`"))?;
        turn(line, &Tokenizer::load("builtin").expect("the builtin tokenizer"), Some(7)).map(|(entry, _)| entry)
    }

    #[test]
    fn aiperf_single_turn_lines_and_ours() {
        let plain = entry(r#"{"text": "Hello there", "timestamp": 1000, "id": "kept out"}"#).unwrap();
        assert_eq!((plain.payload, plain.max_tokens, plain.input_tokens), (Payload::Prompt("Hello there".into()), Some(7), 2));
        let system = entry(r#"{"type": "single_turn", "text": "Be brief", "role": "system", "output_length": 3}"#).unwrap();
        assert_eq!(system.payload, Payload::Messages(vec![Message { role: "system".into(), content: "Be brief".into() }]));
        assert_eq!(system.max_tokens, Some(3));
        assert_eq!(entry(r#"{"texts": ["a", "b"]}"#).unwrap().payload, Payload::Texts(vec!["a".into(), "b".into()]));
        let ranking = entry(r#"{"query": "q", "passages": ["p"], "max_tokens": 2}"#).unwrap();
        assert_eq!((ranking.payload, ranking.max_tokens), (Payload::Ranking { query: "q".into(), passages: vec!["p".into()] }, Some(2)));
    }

    #[test]
    fn each_bad_line_names_its_field_and_what_would_do() {
        for (line, expected) in [
            (r#"{"image": "cat.png", "text": "what is this"}"#, "`image`: aiperf's endpoints send text"),
            (r#"{"text": "hi", "delay": 5, "timestamp": 3}"#, "keep one"),
            (r#"{"text": "hi", "delay": -1}"#, "`delay` is -1"),
            (r#"{"text": "hi", "extra": {"top_k": 5}}"#, "--extra-inputs"),
            (r#"{"text": "hi", "output_length": 3, "max_tokens": 3}"#, "keep one"),
            (r#"{"type": "mooncake_trace", "input_length": 10}"#, "read as single_turn"),
            (r#"{"text": "a", "texts": ["b"]}"#, "exactly one of"),
            (r#"{"texts": []}"#, "exactly one of"),
            (r#"{"text": 5}"#, "expected a JSON object with `text`"),
            ("not json", "expected a JSON object"),
        ] {
            let error = entry(line).expect_err(line);
            assert!(error.contains(expected), "{line}: {error}");
        }
    }
}
