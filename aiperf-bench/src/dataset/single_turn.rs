//! `single_turn` JSONL, one request per line: AIPerf 0.13's fields (`text` or `texts`, `role`,
//! `output_length`, `type`) and aiperf's (`messages`, `query` with `passages`, `max_tokens`).
//! Other keys are ignored, as AIPerf ignores them. `timestamp` (ms) is kept: `--fixed-schedule`
//! sends each line at it.

use std::path::Path;

use aiperf_core::{Message, Payload};
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

/// Reads `path`: one entry per non-blank line; lines that name a `session_id` make the file a
/// set of sessions (each line sent alone, in order, as AIPerf sends a single_turn session).
///
/// # Errors
/// [`ProfileError::InputFile`] naming the line and the field at fault.
pub(super) fn load(path: &Path, tokenizer: &Tokenizer, default_max_tokens: Option<u32>) -> Result<Loaded, ProfileError> {
    let mut lines = Vec::new();
    for line in super::jsonl_lines(path)? {
        let (number, line) = line?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line)
            .map_err(|e| file_error(path, number, format!("{e}; expected a JSON object with `text` or `texts` (single_turn)")))?;
        let (mut entry, session) = turn(parsed, tokenizer, default_max_tokens).map_err(|reason| file_error(path, number, reason))?;
        entry.line = u32::try_from(number).unwrap_or(u32::MAX);
        lines.push((entry, session));
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
    if let Some(ts) = line.timestamp.filter(|ts| !ts.is_finite() || *ts < 0.0) {
        return Err(format!("`timestamp` is {ts}: expected milliseconds from the dataset's start, 0 or more"));
    }
    match line.delay {
        Some(delay) if !delay.is_finite() || !(0.0..=MAX_DELAY_MS).contains(&delay) => {
            return Err(format!("`delay` is {delay}: expected milliseconds after the previous turn ended, 0 to {MAX_DELAY_MS}"));
        }
        Some(_) if line.timestamp.is_some() => return Err("`timestamp` and `delay` both given; keep one".to_owned()),
        _ => {}
    }
    let session = SessionFields { session_id: line.session_id.clone(), delay_ms: line.delay };
    let timestamp_ms = line.timestamp;
    let max_tokens = match (line.output_length, line.max_tokens) {
        (Some(_), Some(_)) => return Err("`output_length` and `max_tokens` both given; keep one".to_owned()),
        (length, max) => length.or(max).or(default_max_tokens),
    };
    let payload = payload(line)?;
    let input_tokens = payload_tokens(&payload, tokenizer);
    Ok((Entry { payload, max_tokens, input_tokens, line: 0, timestamp_ms }, session))
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
