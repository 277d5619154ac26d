//! Event templates: the events of one stream repeat everything but their text.
//!
//! vLLM, SGLang, TensorRT-LLM and NIM stream chat chunks whose `id`, `object`, `created` and
//! `model` are the same for the whole response, and whose only change from token to token is the
//! `content` string (or, while a reasoning model thinks, its `reasoning_content` or `reasoning`
//! string). Once the reader has read an event whose one string is its only effect (text or
//! reasoning, not both; no finish reason, no usage), the bytes before and after that string are
//! kept as a template, with the field it fills. A later event made of the same bytes around
//! another plain string has the same meaning with that string in that field: a JSON reader's
//! state after a string token does not depend on the string's contents, so the result is what
//! reading the whole event would give.
//! Matching costs two `memcmp`s and one scan of the new string; anything else is read in full.
//! OpenAI's streams also carry an `obfuscation` string that differs in every event and that no
//! reading keeps: a template whose tail holds one has a hole there, which any plain string fills.
//! An event that arrives whole is matched on its `data:` line, where it lies in the stream
//! ([`Template::line_text`]): a template holds no line break, so a match never spans lines.
//! A stream whose events all differ elsewhere (token log-probabilities in every chunk, say) would
//! pay for a comparison and a copy per event for nothing: after [`GIVE_UP`] misses in a row, the
//! response is read without templates.

use std::ops::Range;
use std::time::Instant;

use aiperf_core::{DecodeState, ParsedResponse, ResponseExtension};

use aiperf_endpoints::reader::{self, Read};

/// Events longer than this are not kept as templates (stream chunks are a few hundred bytes; a
/// long event would cost its copy and its comparisons for nothing).
const MAX_TEMPLATE: usize = 4096;

/// Misses in a row after which a response stops using templates. Servers' streams miss once at
/// most (the first content chunk after the one that carries the role); a stream whose chunks
/// differ elsewhere misses every time, and each miss costs a comparison and a copy.
pub(crate) const GIVE_UP: u32 = 2;

/// The key of the string that OpenAI's streams vary in every event (padding against length
/// side channels): an object's key that no reading keeps, wherever it is.
const HOLE_KEY: &[u8] = br#""obfuscation":"#;

/// Which string of a choice a template's text is, and so where the record keeps it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Field {
    /// `content` (chat) or `text` (completions): the response's text.
    #[default]
    Content,
    /// `reasoning_content` or `reasoning` (chat): the response's reasoning.
    Reasoning,
}

/// The template of one response (kept in its [`DecodeState::extension`] between reads): the bytes before
/// the text's string token, then the bytes after it; `mark` is where the second part starts, and
/// `hole`, when not 0, where a string that any plain string fills was cut out of it; `field` is
/// what the text is; `misses` counts events in a row that the template did not match.
#[derive(Debug, Default)]
pub(crate) struct Template {
    bytes: Vec<u8>,
    mark: usize,
    hole: usize,
    field: Field,
    misses: u32,
}

impl ResponseExtension for Template {
    /// A new response starts without a template; the bytes' allocation is kept.
    fn clear(&mut self) {
        self.bytes.clear();
        (self.mark, self.hole, self.field, self.misses) = (0, 0, Field::default(), 0);
    }
}

impl Template {
    /// Takes the template out of `state` for one read.
    pub(crate) fn take(state: &mut DecodeState) -> Self {
        std::mem::take(state.extension::<Self>())
    }

    /// Puts it back, for the next read of the same response.
    pub(crate) fn put_back(self, state: &mut DecodeState) {
        *state.extension::<Self>() = self;
    }

    /// Whether this response's chunks missed the template [`GIVE_UP`] times in a row: it is read
    /// without templates from then on.
    pub(crate) fn gave_up(&self) -> bool {
        self.misses >= GIVE_UP
    }

    /// The text of `event` when it is the template around a plain string (no escapes, valid UTF-8).
    pub(crate) fn text_of<'e>(&mut self, event: &'e [u8]) -> Option<&'e str> {
        if self.bytes.is_empty() || self.gave_up() {
            return None;
        }
        let text = self.matched(event);
        self.misses = if text.is_some() { 0 } else { self.misses + 1 };
        text
    }

    /// The text of the event at the start of `line` (the value of a stream's `data:` line, and
    /// what follows it) and where the event ends, when it is the template around a plain string.
    /// A miss is not counted: the event is then read by [`Self::text_of`]. A hit is, by
    /// [`Self::hit`], once the caller knows the event ends there.
    pub(crate) fn line_text<'e>(&self, line: &'e [u8]) -> Option<(&'e str, usize)> {
        if self.bytes.is_empty() || self.gave_up() {
            return None;
        }
        let before = &self.bytes[..self.mark];
        if before.is_empty() || !line.starts_with(before) {
            return None;
        }
        let end = reader::plain_string_end(line, before.len())?;
        let tail = self.tail(line, end)?;
        line[tail..].starts_with(self.last()).then_some(())?;
        let text = std::str::from_utf8(&line[before.len() + 1..end - 1]).ok()?;
        Some((text, tail + self.last().len()))
    }

    /// Where the template's last part starts in `event`, whose text string ends at `end`: past
    /// the bytes up to the hole and a plain string of valid UTF-8 in it (when there is a hole).
    fn tail(&self, event: &[u8], end: usize) -> Option<usize> {
        if self.hole == 0 {
            return Some(end);
        }
        let middle = &self.bytes[self.mark..self.hole];
        event[end..].starts_with(middle).then_some(())?;
        let start = end + middle.len();
        let filled = reader::plain_string_end(event, start)?;
        std::str::from_utf8(&event[start + 1..filled - 1]).ok()?;
        Some(filled)
    }

    /// The template's bytes after its text, or after its hole when it has one.
    fn last(&self) -> &[u8] {
        &self.bytes[self.mark.max(self.hole)..]
    }

    /// Records a matched event's text (from [`Self::text_of`] or [`Self::line_text`]) as what
    /// the template's field is: text or reasoning.
    #[inline]
    pub(crate) fn push(&self, at: Instant, text: &str, out: &mut ParsedResponse) {
        match self.field {
            Field::Content => out.push_content(at, text, ""),
            Field::Reasoning => out.push_content(at, "", text),
        }
    }

    /// An event matched through [`Self::line_text`].
    pub(crate) fn hit(&mut self) {
        self.misses = 0;
    }

    /// An event that [`Self::line_text`] did not match, counted as [`Self::text_of`] counts it.
    pub(crate) fn missed(&mut self) {
        if !self.bytes.is_empty() && !self.gave_up() {
            self.misses += 1;
        }
    }

    /// The text of `event` when all of it is the template around a plain string.
    fn matched<'e>(&self, event: &'e [u8]) -> Option<&'e str> {
        self.line_text(event).filter(|&(_, end)| end == event.len()).map(|(text, _)| text)
    }

    /// Keeps `event` as the template when all its reading said is one string: its text or its
    /// reasoning.
    pub(crate) fn remember(&mut self, event: &[u8], read: &Read<'_>) {
        // An event of several `data:` lines (joined by line breaks) is not kept: a template
        // holds no line break, so it can be matched on one line of the stream.
        if !event.contains(&b'\n') && !event.contains(&b'\r') {
            self.remember_line(event, read);
        }
    }

    /// [`Self::remember`] for a value read on one line of the stream ([`reader::read_line`]
    /// stops at a line break), which holds no line break.
    pub(crate) fn remember_line(&mut self, event: &[u8], read: &Read<'_>) {
        if self.gave_up() {
            return;
        }
        let Some((span, field)) = Self::slot(event, read).filter(|_| event.len() <= MAX_TEMPLATE) else { return };
        let (before, after) = (&event[..span.start], &event[span.end..]);
        self.bytes.clear();
        self.bytes.reserve(before.len() + after.len());
        self.bytes.extend_from_slice(before);
        self.mark = span.start;
        self.field = field;
        // The first `"obfuscation":` after the text is a key (the event is valid JSON, where a
        // quote inside a string is escaped); its plain string becomes the hole.
        let hole = after.windows(HOLE_KEY.len()).position(|w| w == HOLE_KEY).map(|at| at + HOLE_KEY.len());
        match hole.and_then(|at| Some((at, reader::plain_string_end(after, at)?))) {
            Some((at, end)) => {
                self.bytes.extend_from_slice(&after[..at]);
                self.hole = self.bytes.len();
                self.bytes.extend_from_slice(&after[end..]);
            }
            None => {
                self.hole = 0;
                self.bytes.extend_from_slice(after);
            }
        }
    }

    /// Where in `event` the one string that is all its reading (`read`) says was, and which
    /// field it is.
    fn slot(event: &[u8], read: &Read<'_>) -> Option<(Range<usize>, Field)> {
        let choice = read.choice.as_ref()?;
        if read.usage.is_some() || choice.finish_reason.is_some() {
            return None;
        }
        match (&choice.text_span, &choice.reasoning) {
            (Some(text), None) => Some((text.clone(), Field::Content)),
            (None, Some(reasoning)) => Some((token_span(event, reasoning)?, Field::Reasoning)),
            _ => None,
        }
    }
}

/// Where `value`, read from `event`, was there as a string token (quotes included), when it is
/// borrowed from it (a string without escapes): what the unstable `str::substr_range` gives, by
/// the addresses of the two slices. An unescaped copy lives in an allocation of its own, which
/// `event`'s bytes cannot overlap. The builtins' reader keeps no span but the text's, so that its
/// own reading pays for nothing it does not use.
fn token_span(event: &[u8], value: &str) -> Option<Range<usize>> {
    let start = (value.as_ptr() as usize).checked_sub(event.as_ptr() as usize)?;
    let end = start.checked_add(value.len())?;
    let quoted = start > 0 && event.get(start - 1) == Some(&b'"') && event.get(end) == Some(&b'"');
    quoted.then(|| start - 1..end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aiperf_endpoints::reader::Shape;

    const CHUNK: &[u8] = br#"{"id":"chatcmpl-1","created":1,"choices":[{"index":0,"delta":{"content":" token"},"finish_reason":null}]}"#;

    fn learned(event: &[u8]) -> Template {
        let mut template = Template::default();
        template.remember(event, &reader::read(event, Shape::Chat).expect("readable"));
        template
    }

    #[test]
    fn the_same_bytes_around_another_plain_string_give_its_text() {
        let mut template = learned(CHUNK);
        let next = br#"{"id":"chatcmpl-1","created":1,"choices":[{"index":0,"delta":{"content":" latency"},"finish_reason":null}]}"#;
        assert_eq!(template.text_of(next), Some(" latency"));
        assert_eq!(template.text_of(CHUNK), Some(" token"));
        let empty = br#"{"id":"chatcmpl-1","created":1,"choices":[{"index":0,"delta":{"content":""},"finish_reason":null}]}"#;
        assert_eq!(template.text_of(empty), Some(""));
    }

    #[test]
    fn anything_else_is_read_in_full() {
        for event in [
            // Another finish reason, id, or a longer tail.
            &br#"{"id":"chatcmpl-1","created":1,"choices":[{"index":0,"delta":{"content":" t"},"finish_reason":"stop"}]}"#[..],
            br#"{"id":"chatcmpl-2","created":1,"choices":[{"index":0,"delta":{"content":" t"},"finish_reason":null}]}"#,
            br#"{"id":"chatcmpl-1","created":1,"choices":[{"index":0,"delta":{"content":" t"},"finish_reason":null}]} "#,
            // Escapes, control characters, invalid UTF-8, a string that is not one token.
            br#"{"id":"chatcmpl-1","created":1,"choices":[{"index":0,"delta":{"content":"a\nb"},"finish_reason":null}]}"#,
            b"{\"id\":\"chatcmpl-1\",\"created\":1,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\x01b\"},\"finish_reason\":null}]}",
            b"{\"id\":\"chatcmpl-1\",\"created\":1,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\xffb\"},\"finish_reason\":null}]}",
            br#"{"id":"chatcmpl-1","created":1,"choices":[{"index":0,"delta":{"content":"a","x":"b"},"finish_reason":null}]}"#,
            br#"{"id":"chatcmpl-1","created":1,"choices":[{"index":0,"delta":{"content":null},"finish_reason":null}]}"#,
        ] {
            assert_eq!(learned(CHUNK).text_of(event), None, "{}", String::from_utf8_lossy(event));
        }
    }

    #[test]
    fn a_stream_whose_events_all_differ_stops_using_templates() {
        let mut template = learned(CHUNK);
        let other = br#"{"id":"chatcmpl-2","created":1,"choices":[{"index":0,"delta":{"content":" t"},"finish_reason":null}]}"#;
        for _ in 0..GIVE_UP - 1 {
            assert_eq!(template.text_of(other), None);
        }
        assert_eq!(template.text_of(CHUNK), Some(" token"), "a hit before giving up starts the count again");
        for _ in 0..GIVE_UP {
            assert_eq!(template.text_of(other), None);
        }
        assert_eq!(template.text_of(CHUNK), None, "given up");
        template.remember(other, &reader::read(other, Shape::Chat).expect("readable"));
        assert_eq!(template.text_of(other), None, "nothing learned after giving up");
    }

    #[test]
    fn an_obfuscation_string_is_a_hole_any_plain_string_fills() {
        let event = |content: &str, finish: &str, obfuscation: &str| {
            format!(
                r#"{{"id":"c","choices":[{{"index":0,"delta":{{"content":"{content}"}},"finish_reason":{finish}}}],"obfuscation":{obfuscation}}}"#
            )
        };
        let mut template = learned(event(" token", "null", r#""k2Xq""#).as_bytes());
        let next = event(" latency", "null", r#""Zz0_longer""#);
        assert_eq!(template.text_of(next.as_bytes()), Some(" latency"));
        let line = format!("{next}\n\ndata: [DONE]");
        assert_eq!(template.line_text(line.as_bytes()), Some((" latency", next.len())));
        for other in [
            event(" t", r#""stop""#, r#""k2Xq""#),
            // The same length as `null`, between the text and the hole.
            event(" t", r#""ab""#, r#""k2Xq""#),
            event(" t", "null", r#""a\"b""#),
            event(" t", "null", "7"),
            event(" t", "null", r#" "k2Xq""#),
            event(" t", "null", "\"\u{1}\""),
            event(" t", "null", r#""k2Xq","x":1"#),
        ] {
            assert_eq!(learned(event(" token", "null", r#""k2Xq""#).as_bytes()).text_of(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn a_reasoning_string_alone_makes_a_template_of_reasoning() {
        let event = |field: &str, text: &str| {
            format!(r#"{{"id":"c","choices":[{{"index":0,"delta":{{"content":null,"{field}":"{text}"}},"finish_reason":null}}]}}"#)
        };
        for (field, other) in [("reasoning_content", "reasoning"), ("reasoning", "reasoning_content")] {
            let mut state = DecodeState::default();
            learned(event(field, "Let").as_bytes()).put_back(&mut state);
            let mut template = Template::take(&mut state);
            let next = event(field, " me");
            let text = template.text_of(next.as_bytes()).expect("the same bytes around another string");
            let mut out = ParsedResponse::default();
            template.push(Instant::now(), text, &mut out);
            assert_eq!((out.text.as_str(), out.reasoning.as_str(), out.chunks.len()), ("", " me", 1), "{field}");
            assert_eq!(template.text_of(event(other, " me").as_bytes()), None, "{field}");
        }
        let content = learned(CHUNK);
        let mut out = ParsedResponse::default();
        content.push(Instant::now(), " token", &mut out);
        assert_eq!((out.text.as_str(), out.reasoning.as_str()), (" token", ""));
    }

    #[test]
    fn only_events_whose_text_is_all_they_say_become_templates() {
        for event in [
            &br#"{"choices":[{"delta":{"content":"a"},"finish_reason":"stop"}]}"#[..],
            br#"{"choices":[{"delta":{"content":"a","reasoning_content":"r"}}]}"#,
            br#"{"choices":[{"delta":{"content":"","reasoning":"r"}}]}"#,
            // Read as an unescaped copy, not borrowed from the event: where it was is not known.
            br#"{"choices":[{"delta":{"reasoning":"a\nb"}}]}"#,
            br#"{"choices":[{"delta":{"reasoning":"r"},"finish_reason":"stop"}]}"#,
            br#"{"choices":[{"delta":{"content":"a"}}],"usage":{"completion_tokens":1}}"#,
            br#"{"choices":[{"delta":{"content":null}}]}"#,
            br#"{"choices":[]}"#,
        ] {
            assert_eq!(learned(event).text_of(event), None, "{}", String::from_utf8_lossy(event));
        }
        assert_eq!(Template::default().text_of(CHUNK), None, "no template yet");
        let padded = format!(r#"{{"pad":"{}","choices":[{{"delta":{{"content":"a"}}}}]}}"#, "x".repeat(MAX_TEMPLATE));
        assert_eq!(learned(padded.as_bytes()).text_of(padded.as_bytes()), None, "too long to keep");
    }
}
