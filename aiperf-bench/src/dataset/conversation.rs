//! Sessions: conversations of turns sent one after another, each after the previous one ended
//! (and its `delay`). How a turn is sent depends on where the sessions came from: a multi_turn
//! conversation carries its history (earlier user turns and the server's live replies), while a
//! single_turn session sends each line as it is (AIPerf's `message_array_with_responses`).

use std::sync::Arc;
use std::time::Duration;

use aiperf_core::{Message, Payload};

use crate::inputs::Entry;

/// A line's session fields: the session it belongs to, and how long after the previous turn
/// ended it is sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct SessionFields {
    /// `session_id`.
    pub session_id: Option<String>,
    /// `delay`, ms.
    pub delay_ms: Option<f64>,
}

/// The longest `delay` a turn may ask for, ms (a day).
pub const MAX_DELAY_MS: f64 = 86_400_000.0;

/// The sessions of a dataset.
#[derive(Debug, Default)]
pub struct Conversations {
    /// In the order they first appear.
    pub list: Vec<Conversation>,
    /// Whether a turn carries the conversation so far (AIPerf's `deltas_without_responses`).
    pub history: bool,
}

impl Conversations {
    /// The mean number of turns of a session (0 for none).
    pub fn average_turns(&self) -> f64 {
        if self.list.is_empty() { 0.0 } else { self.list.iter().map(|c| c.turns.len()).sum::<usize>() as f64 / self.list.len() as f64 }
    }
}

/// One session.
#[derive(Debug)]
pub struct Conversation {
    /// Its `session_id` (generated when the file gives none).
    pub id: Arc<str>,
    /// A leading system message, sent first in every turn of a conversation with history.
    pub system: Option<Message>,
    /// Its turns, in order.
    pub turns: Vec<Turn>,
}

/// One turn of a session.
#[derive(Debug)]
pub struct Turn {
    /// What this turn adds.
    pub payload: Payload,
    /// `max_tokens` to request.
    pub max_tokens: Option<u32>,
    /// How long after the previous turn ended it is sent (not for the first turn).
    pub delay: Option<Duration>,
    /// 1-based line of the file.
    pub line: u32,
    /// When to send it under a fixed schedule, ms.
    pub timestamp_ms: Option<f64>,
}

impl Turn {
    /// A parsed line as a turn.
    pub(super) fn new(entry: Entry, fields: &SessionFields) -> Self {
        Self {
            payload: entry.payload,
            max_tokens: entry.max_tokens,
            delay: fields.delay_ms.map(|ms| Duration::from_secs_f64(ms / 1e3)),
            line: entry.line,
            timestamp_ms: entry.timestamp_ms,
        }
    }
}

impl Conversations {
    /// Lines grouped by `session_id`, in order of first appearance; a line without one is a
    /// session of its own.
    pub(super) fn group(lines: Vec<(Entry, SessionFields)>, history: bool) -> Self {
        let mut conversations = Self { list: Vec::new(), history };
        let mut by_id: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (entry, fields) in lines {
            let turn = Turn::new(entry, &fields);
            conversations.push(fields.session_id, vec![turn], &mut by_id);
        }
        conversations
    }

    /// Adds `turns` to the session `id` (a new one when the id is new or absent).
    pub(super) fn push(&mut self, id: Option<String>, turns: Vec<Turn>, by_id: &mut std::collections::HashMap<String, usize>) {
        let generated = || format!("session_{}", self.list.len());
        let id = id.unwrap_or_else(generated);
        match by_id.get(&id) {
            Some(&at) => self.list[at].turns.extend(turns),
            None => {
                by_id.insert(id.clone(), self.list.len());
                self.list.push(Conversation { id: id.into(), system: None, turns });
            }
        }
    }

    /// Turns in all.
    pub fn turns(&self) -> usize {
        self.list.iter().map(|c| c.turns.len()).sum()
    }
}

impl Conversation {
    /// What turn `index` sends: with `history`, the system message, every earlier turn and the
    /// reply it got (`replies[i]`, none when it failed), then this turn, as messages; without, the
    /// turn alone.
    pub fn payload(&self, index: usize, history: bool, replies: &[Option<String>]) -> Payload {
        let turn = &self.turns[index];
        if !history || (index == 0 && self.system.is_none()) {
            return turn.payload.clone();
        }
        let mut messages: Vec<Message> = self.system.iter().cloned().collect();
        for (earlier, reply) in self.turns[..index].iter().zip(replies) {
            messages.extend(user_messages(&earlier.payload));
            if let Some(text) = reply {
                messages.push(Message { role: "assistant".to_owned(), content: text.clone() });
            }
        }
        messages.extend(user_messages(&turn.payload));
        Payload::Messages(messages)
    }
}

/// A turn's payload as messages: a prompt is one user message; texts, one each.
fn user_messages(payload: &Payload) -> Vec<Message> {
    let user = |text: &String| Message { role: "user".to_owned(), content: text.clone() };
    match payload {
        Payload::Prompt(text) => vec![user(text)],
        Payload::Messages(messages) => messages.clone(),
        Payload::Texts(texts) => texts.iter().map(user).collect(),
        Payload::Ranking { query, .. } => vec![user(query)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(text: &str) -> Turn {
        Turn { payload: Payload::Prompt(text.into()), max_tokens: None, delay: None, line: 1, timestamp_ms: None }
    }

    fn contents(payload: &Payload) -> Vec<(String, String)> {
        match payload {
            Payload::Messages(m) => m.iter().map(|m| (m.role.clone(), m.content.clone())).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_turn_carries_the_conversation_so_far_with_the_live_replies() {
        let system = Some(Message { role: "system".into(), content: "Be brief".into() });
        let c = Conversation { id: "s".into(), system, turns: vec![turn("one"), turn("two"), turn("three")] };
        let replies = [Some("first answer".to_owned()), None];
        let sent = contents(&c.payload(2, true, &replies));
        let expected = [("system", "Be brief"), ("user", "one"), ("assistant", "first answer"), ("user", "two"), ("user", "three")];
        assert_eq!(sent, expected.map(|(r, t)| (r.to_owned(), t.to_owned())), "a failed turn leaves no reply");
        assert_eq!(c.payload(2, false, &replies), Payload::Prompt("three".into()), "without history, the turn alone");
        let plain = Conversation { id: "p".into(), system: None, turns: vec![turn("only")] };
        assert_eq!(plain.payload(0, true, &[]), Payload::Prompt("only".into()));
    }

    #[test]
    fn lines_group_by_session_in_order_of_first_appearance() {
        let line = |text: &str, id: Option<&str>| {
            let entry = Entry { payload: Payload::Prompt(text.into()), max_tokens: None, input_tokens: 1, line: 1, timestamp_ms: None };
            (entry, SessionFields { session_id: id.map(str::to_owned), delay_ms: Some(5.0) })
        };
        let grouped =
            Conversations::group(vec![line("a1", Some("a")), line("x", None), line("a2", Some("a")), line("b1", Some("b"))], false);
        let ids: Vec<&str> = grouped.list.iter().map(|c| &*c.id).collect();
        assert_eq!(ids, ["a", "session_1", "b"]);
        assert_eq!(grouped.list[0].turns.len(), 2);
        assert_eq!(grouped.list[0].turns[1].delay, Some(Duration::from_millis(5)));
        assert_eq!(grouped.turns(), 4);
    }
}
