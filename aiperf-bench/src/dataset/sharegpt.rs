//! ShareGPT conversations (`--public-dataset sharegpt`), read from a local copy of
//! `ShareGPT_V3_unfiltered_cleaned_split.json`: a JSON array of `{"conversations": [{"from":
//! "human"|"gpt", "value": …}, …]}`. The array is read element by element, and reading stops
//! once enough conversations passed the filter, so the 640 MB file is never held.
//!
//! As in AIPerf (after vLLM): every human → gpt pair is a turn, the human text its prompt and the
//! reply's length its `max_tokens` (`--osl` instead, when given); a conversation is left out when a
//! pair has a prompt or a reply under 4 tokens (replies unchecked with `--osl`), a prompt over
//! 1024, or both over 2048. Turns carry the conversation so far, with the server's live replies.

use std::fmt;
use std::path::Path;

use aiperf_core::Payload;
use serde::Deserialize;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};

use super::conversation::{Conversation, Conversations, Turn};
use super::file_error;
use crate::ProfileError;
use crate::tokenizer::Tokenizer;

pub use crate::config::SHAREGPT_CACHE_PATH as CACHE_PATH;

/// Where the file comes from.
pub const SOURCE_URL: &str =
    "https://huggingface.co/datasets/anon8231489123/ShareGPT_Vicuna_unfiltered/resolve/main/ShareGPT_V3_unfiltered_cleaned_split.json";

#[derive(Deserialize)]
struct Element {
    #[serde(default)]
    conversations: Vec<Message>,
}

#[derive(Deserialize)]
struct Message {
    from: Option<String>,
    value: String,
}

/// Reads the first `count` conversations of `path` that pass the filter.
///
/// # Errors
/// [`ProfileError::InputFile`] for a missing file (saying where to get it) or one that is not a
/// ShareGPT array.
pub(super) fn load(path: &Path, tokenizer: &Tokenizer, osl: Option<u32>, count: usize) -> Result<Conversations, ProfileError> {
    let file = std::fs::File::open(path).map_err(|e| {
        file_error(path, 0, format!("{e}; download ShareGPT_V3_unfiltered_cleaned_split.json from {SOURCE_URL} and place it there (AIPerf's cache path) or pass its path with --input-file"))
    })?;
    let mut reader = Reader { tokenizer, osl, count, conversations: Conversations { list: Vec::new(), history: true }, seen: 0 };
    let mut buffered = std::io::BufReader::with_capacity(1 << 20, file);
    // A leading UTF-8 byte-order mark is dropped, as in the JSONL files.
    if std::io::BufRead::fill_buf(&mut buffered).is_ok_and(|head| head.starts_with("\u{feff}".as_bytes())) {
        std::io::BufRead::consume(&mut buffered, 3);
    }
    let mut deserializer = serde_json::Deserializer::from_reader(buffered);
    let read = (&mut reader).deserialize(&mut deserializer);
    // Stopping early leaves the array unfinished: that is no error once enough were read.
    if let Err(e) = read
        && reader.conversations.list.len() < count
    {
        return Err(file_error(
            path,
            e.line(),
            format!("{e}; expected ShareGPT's JSON array of {{\"conversations\": [{{\"from\", \"value\"}}]}}"),
        ));
    }
    if reader.conversations.list.is_empty() {
        let reason = format!(
            "none of its {} conversations passed the filter (prompts of 4 to 1024 tokens, replies of 4 or more, 2048 in all)",
            reader.seen
        );
        return Err(file_error(path, 0, reason));
    }
    Ok(reader.conversations)
}

/// Reads the array's elements one at a time.
struct Reader<'t> {
    tokenizer: &'t Tokenizer,
    osl: Option<u32>,
    count: usize,
    conversations: Conversations,
    /// Conversations read so far.
    seen: usize,
}

impl<'de> DeserializeSeed<'de> for &mut Reader<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for &mut Reader<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of ShareGPT conversations")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while self.conversations.list.len() < self.count {
            let Some(element) = seq.next_element::<Element>()? else { return Ok(()) };
            self.seen += 1;
            if let Some(turns) = turns(&element.conversations, self.tokenizer, self.osl) {
                let id = format!("sharegpt_{}", self.seen - 1);
                self.conversations.list.push(Conversation { id: id.into(), system: None, turns });
            }
        }
        // Enough: the rest of the array is not read (the caller ignores the unfinished array).
        Ok(())
    }
}

/// A conversation's turns, or `None` when it does not pass the filter.
fn turns(messages: &[Message], tokenizer: &Tokenizer, osl: Option<u32>) -> Option<Vec<Turn>> {
    let pairs: Vec<(&str, &str)> = if messages.iter().any(|m| m.from.is_some()) {
        messages
            .windows(2)
            .filter(|w| w[0].from.as_deref() == Some("human") && w[1].from.as_deref() == Some("gpt"))
            .map(|w| (w[0].value.as_str(), w[1].value.as_str()))
            .collect()
    } else {
        messages.get(..2).map(|m| vec![(m[0].value.as_str(), m[1].value.as_str())]).unwrap_or_default()
    };
    if pairs.is_empty() {
        return None;
    }
    let mut turns = Vec::with_capacity(pairs.len());
    for (prompt, reply) in pairs {
        let (prompt_len, reply_len) = (tokenizer.count(prompt), tokenizer.count(reply));
        let short_reply = osl.is_none() && reply_len < 4;
        if prompt_len < 4 || short_reply || prompt_len > 1024 || prompt_len + reply_len > 2048 {
            return None;
        }
        let max_tokens = osl.or(u32::try_from(reply_len).ok());
        turns.push(Turn { payload: Payload::Prompt(prompt.to_owned()), max_tokens, delay: None, line: 0, timestamp_ms: None });
    }
    Some(turns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(from: &str, value: &str) -> Message {
        Message { from: Some(from.to_owned()), value: value.to_owned() }
    }

    #[test]
    fn human_gpt_pairs_become_turns_and_short_or_long_ones_drop_the_conversation() {
        let tokenizer = Tokenizer::load("builtin").unwrap();
        let long = "word ".repeat(1100);
        let (q, a) = ("What does a prefix cache keep?", "It keeps the attention keys and values of prompts it has seen.");
        let turns =
            turns(&[message("system", "hi"), message("human", q), message("gpt", a), message("human", q)], &tokenizer, None).unwrap();
        assert_eq!(turns.len(), 1, "a human without a reply is no turn");
        assert_eq!((&turns[0].payload, turns[0].max_tokens), (&Payload::Prompt(q.to_owned()), Some(13)));
        assert!(super::turns(&[message("human", "Hi"), message("gpt", a)], &tokenizer, None).is_none(), "a prompt under 4 tokens");
        assert!(super::turns(&[message("human", &long), message("gpt", a)], &tokenizer, None).is_none(), "a prompt over 1024 tokens");
        assert!(super::turns(&[message("human", q), message("gpt", "Yes.")], &tokenizer, None).is_none(), "a short reply");
        let with_osl = super::turns(&[message("human", q), message("gpt", "Yes.")], &tokenizer, Some(64)).unwrap();
        assert_eq!(with_osl[0].max_tokens, Some(64), "--osl: the reply's length is not checked, --osl is asked for");
    }

    #[test]
    fn the_array_is_read_until_enough_conversations_passed() {
        let dir = std::env::temp_dir().join(format!("aiperf-sharegpt-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sharegpt.json");
        let good = r#"{"id": "x", "conversations": [{"from": "human", "value": "Tell me about batching."}, {"from": "gpt", "value": "Continuous batching admits requests between steps."}]}"#;
        let bad = r#"{"conversations": [{"from": "human", "value": "Hi"}]}"#;
        // The tail is not valid JSON: it is never read.
        std::fs::write(&path, format!("[{bad}, {good}, {good}, {good}, !!!")).unwrap();
        let tokenizer = Tokenizer::load("builtin").unwrap();
        let read = load(&path, &tokenizer, None, 2).unwrap();
        assert_eq!(read.list.iter().map(|c| &*c.id).collect::<Vec<_>>(), ["sharegpt_1", "sharegpt_2"]);
        assert!(read.history);
        let error = load(&path, &tokenizer, None, 5).unwrap_err().to_string();
        assert!(error.contains("expected ShareGPT's JSON array"), "{error}");
        let error = load(&dir.join("missing.json"), &tokenizer, None, 5).unwrap_err().to_string();
        assert!(error.contains("huggingface.co") && error.contains("--input-file"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
