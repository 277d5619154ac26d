//! `multi_turn` JSONL, one conversation per line, in AIPerf 0.13's schema:
//! `{"session_id": …, "turns": [turn, …]}`, each turn in single_turn's fields with an optional
//! `delay` (ms after the previous turn ended) or `timestamp`. Lines repeating a `session_id` add
//! turns to it; a leading text-only `system` turn becomes the conversation's system message.
//! Every turn carries the conversation so far, with the server's live replies.

use std::collections::HashMap;
use std::path::Path;

use aiperf_core::Payload;
use serde::Deserialize;
use serde_json::Value;

use super::conversation::{Conversations, Turn};
use super::single_turn::{Line, turn};
use super::{Loaded, file_error};
use crate::ProfileError;
use crate::tokenizer::Tokenizer;

#[derive(Deserialize)]
struct Conversation {
    #[serde(rename = "type")]
    kind: Option<String>,
    session_id: Option<String>,
    turns: Vec<Value>,
}

/// Reads `path`: a conversation per non-blank line.
///
/// # Errors
/// [`ProfileError::InputFile`] naming the line, and the turn and field at fault.
pub(super) fn load(path: &Path, tokenizer: &Tokenizer, default_max_tokens: Option<u32>) -> Result<Loaded, ProfileError> {
    let mut conversations = Conversations { list: Vec::new(), history: true };
    let mut by_id = HashMap::new();
    for line in super::jsonl_lines(path)? {
        let (number, line) = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (id, turns) = parse(&line, number, tokenizer, default_max_tokens).map_err(|reason| file_error(path, number, reason))?;
        conversations.push(id, turns, &mut by_id);
    }
    for conversation in &mut conversations.list {
        hoist_system(conversation);
    }
    Ok(Loaded::Sessions(conversations))
}

/// One line as a session id and its turns, or what is wrong with it.
fn parse(line: &str, number: usize, tokenizer: &Tokenizer, default_max_tokens: Option<u32>) -> Result<(Option<String>, Vec<Turn>), String> {
    let parsed: Conversation = serde_json::from_str(line)
        .map_err(|e| format!("{e}; expected a JSON object with `turns`, a list of turns (multi_turn), and an optional `session_id`"))?;
    if let Some(kind) = parsed.kind.as_deref().filter(|k| *k != "multi_turn") {
        return Err(format!("`type` is {kind:?}: this file is read as multi_turn"));
    }
    if parsed.turns.is_empty() {
        return Err("`turns` is empty: expected at least one turn".to_owned());
    }
    let mut turns = Vec::with_capacity(parsed.turns.len());
    for (i, value) in parsed.turns.into_iter().enumerate() {
        let fail = |reason: String| format!("turn {i}: {reason}");
        let line: Line = serde_json::from_value(value).map_err(|e| fail(format!("{e}; expected a turn with `text` or `texts`")))?;
        let (mut entry, fields) = turn(line, tokenizer, default_max_tokens).map_err(fail)?;
        if fields.session_id.is_some() {
            return Err(fail("`session_id` belongs to the conversation, not to a turn".to_owned()));
        }
        entry.line = u32::try_from(number).unwrap_or(u32::MAX);
        turns.push(Turn::new(entry, &fields));
    }
    Ok((parsed.session_id, turns))
}

/// A first turn that is one system message, followed by more turns, is sent at the head of
/// every turn rather than as a request of its own (AIPerf's system message).
fn hoist_system(conversation: &mut super::conversation::Conversation) {
    let is_system = |turn: &Turn| matches!(&turn.payload, Payload::Messages(m) if m.len() == 1 && m[0].role == "system");
    if conversation.turns.len() > 1 && is_system(&conversation.turns[0]) {
        let first = conversation.turns.remove(0);
        if let Payload::Messages(mut messages) = first.payload {
            conversation.system = messages.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turns(line: &str) -> Result<(Option<String>, Vec<Turn>), String> {
        parse(line, 3, &Tokenizer::load("builtin").unwrap(), None)
    }

    #[test]
    fn aiperf_multi_turn_lines() {
        let (id, t) =
            turns(r#"{"session_id": "s1", "turns": [{"text": "hi", "output_length": 4}, {"text": "more", "delay": 250}]}"#).unwrap();
        assert_eq!(id.as_deref(), Some("s1"));
        assert_eq!((t.len(), t[0].max_tokens, t[1].delay), (2, Some(4), Some(std::time::Duration::from_millis(250))));
        assert_eq!(t[1].line, 3);
        let mut conversation = super::super::conversation::Conversation {
            id: "s".into(),
            system: None,
            turns: turns(r#"{"turns": [{"text": "Be brief", "role": "system"}, {"text": "hi"}]}"#).unwrap().1,
        };
        hoist_system(&mut conversation);
        assert_eq!((conversation.turns.len(), conversation.system.map(|m| m.content)), (1, Some("Be brief".to_owned())));
    }

    #[test]
    fn each_bad_line_names_its_turn_and_field() {
        for (line, expected) in [
            (r#"{"turns": []}"#, "`turns` is empty"),
            (r#"{"turns": [{"text": "a"}, {"image": "x.png"}]}"#, "turn 1: `image`"),
            (r#"{"turns": [{"text": "a", "session_id": "x"}]}"#, "turn 0: `session_id` belongs to the conversation"),
            (r#"{"turns": [{"text": "a", "delay": "soon"}]}"#, "turn 0: invalid type"),
            (r#"{"type": "single_turn", "turns": [{"text": "a"}]}"#, "read as multi_turn"),
            (r#"{"text": "a"}"#, "expected a JSON object with `turns`"),
        ] {
            let error = turns(line).err().unwrap_or_else(|| panic!("{line}"));
            assert!(error.contains(expected), "{line}: {error}");
        }
    }
}
