//! `mooncake_trace` JSONL, one request per line, in AIPerf 0.13's schema: `timestamp` (ms),
//! `output_length`, and one input: `input_length` (a synthetic prompt, its first tokens in the
//! blocks `hash_ids` names), `text_input`, `messages` or `payload` (a whole request body, sent
//! as it is). Rows are kept compact and their prompts built when they are sent ([`super::blocks`]),
//! so a trace of a million rows holds its rows once and no prompt.

use std::ops::Range;
use std::path::Path;

use aiperf_core::Message;
use serde::Deserialize;
use serde_json::Value;

use super::blocks::{FileHash, check_blocks};
use super::file_error;
use crate::ProfileError;

/// A trace file, read.
#[derive(Debug, Default)]
pub struct Trace {
    /// Its rows, in file order.
    pub rows: Vec<Row>,
    /// Every row's hash ids, end to end ([`Input::Synthetic::blocks`] ranges into it).
    hash_ids: HashIds,
    /// A hash of the file's lines, which keys the blocks' text.
    pub file_hash: u64,
}

/// One row of a trace.
#[derive(Debug, PartialEq)]
pub struct Row {
    /// 1-based line in the file.
    pub line: u32,
    /// When to send it, ms from the trace's zero.
    pub timestamp_ms: Option<f64>,
    /// `output_length` (else `--osl`).
    pub max_tokens: Option<u32>,
    /// What it sends.
    pub input: Input,
}

/// What a row sends.
#[derive(Debug, PartialEq)]
pub enum Input {
    /// A prompt of `input_length` tokens built at send time; `blocks` ranges into the trace's
    /// hash ids.
    Synthetic {
        /// Tokens in the prompt.
        input_length: u32,
        /// Its hash ids, as a range of [`Trace::hash_ids`].
        blocks: Range<u32>,
    },
    /// `text_input`: the prompt itself.
    Text(Box<str>),
    /// `messages`: the conversation itself.
    Messages(Box<[Message]>),
    /// `payload`: a whole request body, compact JSON, and whether it asks to stream.
    Payload(Box<str>, bool),
}

impl Trace {
    /// The hash ids of a synthetic row.
    pub fn hash_ids(&self, blocks: &Range<u32>) -> Vec<u64> {
        let range = blocks.start as usize..blocks.end as usize;
        match &self.hash_ids {
            HashIds::Narrow(ids) => ids[range].iter().map(|&id| u64::from(id)).collect(),
            HashIds::Wide(ids) => ids[range].to_vec(),
        }
    }
}

/// A trace's hash ids: 32 bits each while they fit (real traces number their blocks from 0), so
/// a long trace holds half the bytes; 64 once one does not.
#[derive(Debug)]
enum HashIds {
    Narrow(Vec<u32>),
    Wide(Vec<u64>),
}

impl Default for HashIds {
    fn default() -> Self {
        Self::Narrow(Vec::new())
    }
}

impl HashIds {
    fn len(&self) -> usize {
        match self {
            Self::Narrow(ids) => ids.len(),
            Self::Wide(ids) => ids.len(),
        }
    }

    fn extend(&mut self, new: Vec<u64>) {
        if let Self::Narrow(ids) = self {
            if new.iter().all(|&id| u32::try_from(id).is_ok()) {
                ids.extend(new.into_iter().map(|id| id as u32));
                return;
            }
            *self = Self::Wide(ids.iter().map(|&id| u64::from(id)).collect());
        }
        if let Self::Wide(ids) = self {
            ids.extend(new);
        }
    }
}

#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: Option<String>,
    timestamp: Option<f64>,
    input_length: Option<u32>,
    output_length: Option<u32>,
    hash_ids: Option<Vec<u64>>,
    text_input: Option<String>,
    messages: Option<Value>,
    payload: Option<Value>,
    delay: Option<Value>,
    session_id: Option<Value>,
    extra: Option<Value>,
}

/// Reads `path`, checking every row's hash ids against `block_size`.
///
/// # Errors
/// [`ProfileError::InputFile`] naming the line and the field at fault.
pub(super) fn load(path: &Path, block_size: u32) -> Result<Trace, ProfileError> {
    let mut trace = Trace::default();
    let mut hash = FileHash::default();
    for line in super::jsonl_lines(path)? {
        let (number, line) = line?;
        hash.write(line.as_bytes());
        hash.write(b"\n");
        if line.trim().is_empty() {
            continue;
        }
        let number = u32::try_from(number).map_err(|_| file_error(path, number, "more than 4 billion lines".to_owned()))?;
        let row = parse(&line, number, block_size, &mut trace.hash_ids).map_err(|reason| file_error(path, number as usize, reason))?;
        trace.rows.push(row);
    }
    trace.file_hash = hash.finish();
    Ok(trace)
}

/// One line as a row (its hash ids appended to `hash_ids`), or what is wrong with it.
fn parse(text: &str, line: u32, block_size: u32, hash_ids: &mut HashIds) -> Result<Row, String> {
    let parsed: Line = serde_json::from_str(text)
        .map_err(|e| format!("{e}; expected a JSON object with `input_length`, `text_input`, `messages` or `payload` (mooncake_trace)"))?;
    if let Some(kind) = parsed.kind.as_deref().filter(|k| *k != "mooncake_trace") {
        return Err(format!("`type` is {kind:?}: this file is read as mooncake_trace"));
    }
    if let Some(field) = [("session_id", &parsed.session_id), ("delay", &parsed.delay)].iter().find(|(_, v)| v.is_some()).map(|(f, _)| f) {
        return Err(format!(
            "`{field}`: sessions (rows sharing a `session_id`, `delay` between them) are not replayed yet; drop the field to send each row on its own"
        ));
    }
    if parsed.extra.is_some() {
        return Err("`extra`: per-row request keys are not sent yet; give them to every request with --extra-inputs".to_owned());
    }
    if let Some(ts) = parsed.timestamp.filter(|ts| !ts.is_finite() || *ts < 0.0) {
        return Err(format!("`timestamp` is {ts}: expected milliseconds from the trace's start, 0 or more"));
    }
    if parsed.output_length == Some(0) {
        return Err("`output_length` is 0: expected at least 1 token".to_owned());
    }
    let input = input(parsed.input_length, parsed.hash_ids, parsed.text_input, parsed.messages, parsed.payload, block_size, hash_ids)?;
    Ok(Row { line, timestamp_ms: parsed.timestamp, max_tokens: parsed.output_length, input })
}

/// The row's one input.
fn input(
    input_length: Option<u32>,
    ids: Option<Vec<u64>>,
    text: Option<String>,
    messages: Option<Value>,
    payload: Option<Value>,
    block_size: u32,
    hash_ids: &mut HashIds,
) -> Result<Input, String> {
    let given = [input_length.is_some(), text.is_some(), messages.is_some(), payload.is_some()];
    if given.iter().filter(|&&g| g).count() != 1 {
        return Err("expected exactly one of `input_length` (with optional `hash_ids`), `text_input`, `messages` or `payload`".to_owned());
    }
    if ids.is_some() && input_length.is_none() {
        return Err("`hash_ids` go with `input_length`: they name the blocks of a synthetic prompt".to_owned());
    }
    if let Some(length) = input_length {
        if length == 0 {
            return Err("`input_length` is 0: expected at least 1 token".to_owned());
        }
        let ids = ids.unwrap_or_default();
        check_blocks(length, ids.len(), block_size)?;
        let start = u32::try_from(hash_ids.len()).map_err(|_| "more than 4 billion hash ids in the trace".to_owned())?;
        hash_ids.extend(ids);
        let end = u32::try_from(hash_ids.len()).map_err(|_| "more than 4 billion hash ids in the trace".to_owned())?;
        return Ok(Input::Synthetic { input_length: length, blocks: start..end });
    }
    if let Some(text) = text {
        return Ok(Input::Text(text.into()));
    }
    if let Some(messages) = messages {
        let messages: Vec<Message> = serde_json::from_value(messages)
            .map_err(|e| format!("`messages`: {e}; expected a list of {{\"role\": …, \"content\": \"…\"}} with text content"))?;
        if messages.is_empty() {
            return Err("`messages` is empty: expected at least one message".to_owned());
        }
        return Ok(Input::Messages(messages.into()));
    }
    let payload = payload.unwrap_or_default();
    let Value::Object(body) = &payload else {
        return Err("`payload`: expected a JSON object, the request body to send".to_owned());
    };
    let streaming = body.get("stream") == Some(&Value::Bool(true));
    Ok(Input::Payload(payload.to_string().into(), streaming))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: &str) -> Result<(Row, Vec<u64>), String> {
        let mut trace = Trace::default();
        let row = parse(line, 1, 512, &mut trace.hash_ids)?;
        let ids = match &row.input {
            Input::Synthetic { blocks, .. } => trace.hash_ids(blocks),
            _ => Vec::new(),
        };
        Ok((row, ids))
    }

    #[test]
    fn aiperf_mooncake_rows() {
        let (r, ids) = row(r#"{"timestamp": 27482, "input_length": 6955, "output_length": 52, "hash_ids": [46, 47, 48]}"#).unwrap();
        assert_eq!((r.timestamp_ms, r.max_tokens), (Some(27482.0), Some(52)));
        assert_eq!((r.input, ids), (Input::Synthetic { input_length: 6955, blocks: 0..3 }, vec![46, 47, 48]));
        let (r, _) = row(r#"{"text_input": "Hello", "timestamp": 5.5}"#).unwrap();
        assert_eq!((r.input, r.max_tokens), (Input::Text("Hello".into()), None));
        let (r, _) = row(r#"{"messages": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]}"#).unwrap();
        assert!(matches!(r.input, Input::Messages(m) if m.len() == 2 && m[0].role == "system"));
        let (r, _) = row(r#"{"payload": {"model": "m", "prompt": "x", "stream": true}}"#).unwrap();
        assert_eq!(r.input, Input::Payload(r#"{"model":"m","prompt":"x","stream":true}"#.into(), true));
    }

    #[test]
    fn hash_ids_take_32_bits_until_one_needs_64() {
        let mut trace = Trace::default();
        let first = parse(r#"{"input_length": 1500, "hash_ids": [1, 2, 3]}"#, 1, 512, &mut trace.hash_ids).unwrap();
        assert!(matches!(trace.hash_ids, HashIds::Narrow(_)));
        let wide = parse(r#"{"input_length": 600, "hash_ids": [4, 5000000000]}"#, 2, 512, &mut trace.hash_ids).unwrap();
        assert!(matches!(trace.hash_ids, HashIds::Wide(_)));
        let blocks = |row: &Row| match &row.input {
            Input::Synthetic { blocks, .. } => blocks.clone(),
            _ => unreachable!(),
        };
        assert_eq!((trace.hash_ids(&blocks(&first)), trace.hash_ids(&blocks(&wide))), (vec![1, 2, 3], vec![4, 5_000_000_000]));
    }

    #[test]
    fn each_bad_row_names_its_field_and_what_would_do() {
        for (line, expected) in [
            (r#"{"input_length": 512, "hash_ids": [1, 2]}"#, "above 512"),
            (r#"{"input_length": 0}"#, "`input_length` is 0"),
            (r#"{"input_length": 10, "text_input": "x"}"#, "exactly one of"),
            (r#"{"output_length": 10}"#, "exactly one of"),
            (r#"{"text_input": "x", "hash_ids": [1]}"#, "`hash_ids` go with `input_length`"),
            (r#"{"input_length": 10, "timestamp": -1}"#, "`timestamp` is -1"),
            (r#"{"input_length": 10, "output_length": 0}"#, "`output_length` is 0"),
            (r#"{"input_length": 10, "session_id": "a"}"#, "`session_id`: sessions"),
            (r#"{"input_length": 10, "delay": 100}"#, "`delay`: sessions"),
            (r#"{"input_length": 10, "extra": {}}"#, "--extra-inputs"),
            (r#"{"messages": [{"role": "user", "content": [{"type": "text"}]}]}"#, "with text content"),
            (r#"{"messages": []}"#, "`messages` is empty"),
            (r#"{"payload": [1]}"#, "`payload`: expected a JSON object"),
            (r#"{"type": "single_turn", "text": "x"}"#, "read as mooncake_trace"),
            (r#"{"input_length": "ten"}"#, "expected a JSON object with `input_length`"),
        ] {
            let error = row(line).expect_err(line);
            assert!(error.contains(expected), "{line}: {error}");
        }
    }
}
