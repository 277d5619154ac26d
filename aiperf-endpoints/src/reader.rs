//! A single-pass reader of OpenAI response objects (stream chunks and whole bodies), specialised
//! to the fields a benchmark records: no intermediate structs, strings borrowed from the input
//! (unescaped only when they hold escapes), every other value checked and skipped in place.
//!
//! It accepts exactly what `serde_json` with the builtins' types accepts, or declines: any input
//! it does not read with certainty (an in-band `error`, llama.cpp's `timings`, a `\u` escape, a
//! duplicate field, a number that is not a plain integer where one is read, deep nesting, invalid
//! JSON) makes it return `None`, and the caller parses with serde instead. So it is never less
//! correct than the serde path, only faster on what servers actually send.
//! [`ChatEndpoint`](crate::ChatEndpoint) and [`CompletionsEndpoint`](crate::CompletionsEndpoint)
//! read with it first; plugins may reuse it.

use std::borrow::Cow;
use std::time::Instant;

use aiperf_core::ParsedResponse;

use crate::openai::{WireUsage, WireUsageDetails};

use keys::{
    CHOICE_FINISH_REASON, CHOICE_INDEX, CHOICE_TEXT, CHUNK_CHOICES, CHUNK_ID, CHUNK_USAGE, DELTA_CONTENT, Key, USUAL_CHUNK, USUAL_DELTA,
    usual_choice,
};

/// Where a response carries its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `choices[0].delta` (streamed) or `choices[0].message`: `content`, `reasoning_content`.
    Chat,
    /// `choices[0].text`.
    Completions,
}

/// Nesting deeper than this is left to serde.
const MAX_DEPTH: u32 = 64;

/// What one response object says.
#[derive(Debug, Default, PartialEq)]
pub struct Read<'a> {
    /// `id`, when it is a string.
    pub id: Option<Cow<'a, str>>,
    /// Choice 0 (the first choice whose `index` is 0 or absent), if any.
    pub choice: Option<ChoiceRead<'a>>,
    /// `usage`.
    pub usage: Option<WireUsage>,
}

/// What choice 0 says (for the response's [`Shape`]).
#[derive(Debug, Default, PartialEq)]
pub struct ChoiceRead<'a> {
    /// `content` (chat) or `text` (completions).
    pub text: Option<Cow<'a, str>>,
    /// `reasoning_content`, else `reasoning` (chat).
    pub reasoning: Option<Cow<'a, str>>,
    /// `finish_reason`.
    pub finish_reason: Option<Cow<'a, str>>,
    /// Where `text` was read from when it was a string: the token's bytes, quotes included.
    pub text_span: Option<std::ops::Range<usize>>,
}

/// Reads `bytes` as one response object of `shape`; `None` leaves it to serde.
pub fn read(bytes: &[u8], shape: Shape) -> Option<Read<'_>> {
    let mut out = Read::default();
    read_with(bytes, shape, true, &mut out).map(|()| out)
}

/// [`read`], told whether the `id` is wanted: a response keeps its first, so the events after it
/// skip theirs. A skipped id is not checked for UTF-8, where serde would decline an invalid one
/// and the lossy re-read then apply the event all the same: the result is the one serde gives.
///
/// What is read goes into `out` (left partly written when declining): a `Read` built here and
/// returned was copied out, a `memcpy` per event.
fn read_with<'a>(bytes: &'a [u8], shape: Shape, keep_id: bool, out: &mut Read<'a>) -> Option<()> {
    let mut r = Reader { b: bytes, i: 0, line: false };
    response(&mut r, shape, keep_id, out)?;
    r.ws();
    (r.i == r.b.len()).then_some(())
}

/// Reads the response object of `shape` that starts `line` (whitespace may come before it), the
/// value of an SSE `data:` line that has not been cut at its end: it is one line, so a line
/// break ends it where JSON would take it for whitespace. Returns where the object ends, and
/// what it says in `out` (left partly written when declining, `None`); what follows it is the
/// caller's to check. `keep_id` as in [`apply`]: whether the response still wants its `id`.
pub fn read_line<'a>(line: &'a [u8], shape: Shape, keep_id: bool, out: &mut Read<'a>) -> Option<usize> {
    let mut r = Reader { b: line, i: 0, line: true };
    response(&mut r, shape, keep_id, out)?;
    Some(r.i)
}

/// One response object, read into `out`.
fn response<'a>(r: &mut Reader<'a>, shape: Shape, keep_id: bool, out: &mut Read<'a>) -> Option<()> {
    let (mut choices_seen, mut usage_seen, mut error_seen, mut id_seen, mut timings_seen) = (false, false, false, false, false);
    r.object(USUAL_CHUNK, |r, key| {
        match key {
            // Kept when a string; anything else is skipped, as serde's reading ignores it.
            Key::Usual(CHUNK_ID) => {
                once(&mut id_seen)?;
                out.id = if keep_id && r.peek()? == b'"' { Some(r.string()?) } else { r.skip_field().map(|()| None)? };
            }
            Key::Usual(CHUNK_CHOICES) => {
                once(&mut choices_seen)?;
                r.choices(shape, &mut out.choice)?;
            }
            Key::Usual(CHUNK_USAGE) => {
                once(&mut usage_seen)?;
                out.usage = if r.null() { None } else { Some(r.usage()?) };
            }
            // An in-band error is rare: serde reads it, with the builtins' envelope rules. So are
            // llama.cpp's `timings` (a response's last chunks), with their fractional numbers.
            Key::Other(b"error") => {
                once(&mut error_seen)?;
                r.null().then_some(())?;
            }
            Key::Other(b"timings") => {
                once(&mut timings_seen)?;
                r.null().then_some(())?;
            }
            _ => r.skip_field()?,
        }
        Some(())
    })
}

/// Reads `bytes` as one response object of `shape` and applies it to `out`; `false` (and `out`
/// unchanged) when the reader declines it and serde must read it.
#[inline]
pub fn apply(bytes: &[u8], shape: Shape, at: Instant, out: &mut ParsedResponse) -> bool {
    let mut read = Read::default();
    let applies = read_with(bytes, shape, out.response_id.is_none(), &mut read).is_some();
    if applies {
        read.apply(at, out);
    }
    applies
}

impl Read<'_> {
    /// Applies what was read to `out`, as the builtins' serde reading of the same object does.
    /// Borrowed, not consumed: a `Read` is large enough that moving it into the call cost a
    /// `memcpy` per event where the optimizer kept the move.
    pub fn apply(&self, at: Instant, out: &mut ParsedResponse) {
        if let Some(id) = &self.id {
            out.keep_response_id(id);
        }
        if let Some(choice) = &self.choice {
            out.push_content(at, choice.text.as_deref().unwrap_or(""), choice.reasoning.as_deref().unwrap_or(""));
            if let Some(reason) = &choice.finish_reason {
                out.finish_reason = Some(reason.as_ref().to_owned());
            }
        }
        if let Some(usage) = self.usage {
            usage.apply(out);
        }
    }
}

/// The end of the string token that starts at `at` (just past its closing quote), if it holds no
/// escape; `None` for anything else (no string there, an escape, a control character, no end).
pub fn plain_string_end(bytes: &[u8], at: usize) -> Option<usize> {
    (bytes.get(at) == Some(&b'"')).then_some(())?;
    let mut r = Reader { b: bytes, i: at + 1, line: false };
    let (_, escaped) = r.raw_string()?;
    (!escaped).then_some(r.i)
}

/// Notes that a field was seen; a second time declines (serde calls it a duplicate field).
fn once(seen: &mut bool) -> Option<()> {
    (!std::mem::replace(seen, true)).then_some(())
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    /// The input is one line ([`read_line`]): `\r` and `\n` end it, they are not whitespace.
    line: bool,
}

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        while let Some(&byte) = self.b.get(self.i) {
            match byte {
                b' ' | b'\t' => {}
                b'\n' | b'\r' if !self.line => {}
                _ => return,
            }
            self.i += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        // Servers send compact JSON: no whitespace between tokens is the case to make fast.
        match *self.b.get(self.i)? {
            byte if byte > b' ' => Some(byte),
            _ => {
                self.ws();
                self.b.get(self.i).copied()
            }
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.i += 1)
    }

    fn literal(&mut self, text: &[u8]) -> Option<()> {
        self.b[self.i..].starts_with(text).then(|| self.i += text.len())
    }

    /// Consumes `null` if it comes next.
    fn null(&mut self) -> bool {
        self.peek() == Some(b'n') && self.literal(b"null").is_some()
    }

    /// Consumes `close` if it comes next: whether the array or object just opened is empty.
    fn closes(&mut self, close: u8) -> Option<bool> {
        let empty = self.peek()? == close;
        if empty {
            self.i += 1;
        }
        Some(empty)
    }

    /// After an element: a `,` (more follow: `true`) or `close` (the end: `false`), consumed;
    /// anything else declines.
    fn more(&mut self, close: u8) -> Option<bool> {
        let next = self.peek()?;
        (next == b',' || next == close).then(|| {
            self.i += 1;
            next == b','
        })
    }

    /// `null` or a string.
    fn optional_string(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null() { Some(None) } else { self.string().map(Some) }
    }

    /// `null` or a plain non-negative integer (what serde reads into `Option<u64>`).
    fn optional_integer(&mut self) -> Option<Option<u64>> {
        // A single digit and a `,` or `}` (a choice's `index`, most often) is read at once.
        if let Some(&[digit @ b'0'..=b'9', b',' | b'}']) = self.b.get(self.i..self.i + 2) {
            self.i += 1;
            return Some(Some(u64::from(digit - b'0')));
        }
        if self.null() {
            return Some(None);
        }
        self.peek()?;
        let start = self.i;
        let mut value: u64 = 0;
        while let Some(&digit @ b'0'..=b'9') = self.b.get(self.i) {
            // Past u64 (serde tries a float then) is serde's to judge.
            value = value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
            self.i += 1;
        }
        let digits = &self.b[start..self.i];
        // A sign, fraction or exponent, or a leading zero, is serde's to judge.
        let plain = !digits.is_empty() && (digits == b"0" || digits[0] != b'0');
        if !plain || matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E' | b'-' | b'+')) {
            return None;
        }
        Some(Some(value))
    }

    /// The choice's text (`content` or `text`): `null` or a string, and where the string was.
    fn text(&mut self, choice: &mut ChoiceRead<'a>) -> Option<()> {
        self.peek()?;
        let start = self.i;
        choice.text = self.optional_string()?;
        choice.text_span = choice.text.is_some().then_some(start..self.i);
        Some(())
    }

    /// `choices`: `null`, or an array whose elements are all choice objects; choice 0 is read
    /// into `first` in place (these structs are large enough for moves to show).
    fn choices(&mut self, shape: Shape, first: &mut Option<ChoiceRead<'a>>) -> Option<()> {
        if self.null() {
            return Some(());
        }
        self.eat(b'[')?;
        if self.closes(b']')? {
            return Some(());
        }
        loop {
            if first.is_none() {
                let index = self.choice(shape, first.insert(ChoiceRead::default()))?;
                if index.unwrap_or(0) != 0 {
                    *first = None;
                }
            } else {
                self.choice(shape, &mut ChoiceRead::default())?;
            }
            if !self.more(b']')? {
                return Some(());
            }
        }
    }

    /// One choice object, read into `choice`; its `index`.
    fn choice(&mut self, shape: Shape, choice: &mut ChoiceRead<'a>) -> Option<Option<u64>> {
        let (mut index, mut seen) = (None, [false; 4]);
        self.object(usual_choice(shape), |r, key| {
            match key {
                Key::Usual(CHOICE_INDEX) => {
                    once(&mut seen[0])?;
                    index = r.optional_integer()?;
                    index.is_none_or(|i| i <= u64::from(u32::MAX)).then_some(())?;
                }
                Key::Usual(CHOICE_FINISH_REASON) => {
                    once(&mut seen[1])?;
                    choice.finish_reason = r.optional_string()?;
                }
                Key::Usual(CHOICE_TEXT) if shape == Shape::Completions => {
                    once(&mut seen[2])?;
                    r.text(choice)?;
                }
                // Chat: `delta` when streamed, `message` in a whole body; serde keeps both, the
                // builtin reads `delta` first. Both at once is left to serde.
                Key::Usual(CHOICE_TEXT) | Key::Other(b"message") if shape == Shape::Chat => {
                    once(&mut seen[2])?;
                    if !r.null() {
                        r.content(choice)?;
                    }
                }
                _ => r.skip_field()?,
            }
            Some(())
        })?;
        Some(index)
    }

    /// A chat `delta` or `message` object.
    fn content(&mut self, choice: &mut ChoiceRead<'a>) -> Option<()> {
        let (mut seen, mut reasoning_content, mut reasoning) = ([false; 3], None, None);
        self.object(USUAL_DELTA, |r, key| {
            match key {
                Key::Usual(DELTA_CONTENT) => {
                    once(&mut seen[0])?;
                    r.text(choice)?;
                }
                Key::Other(b"reasoning_content") => {
                    once(&mut seen[1])?;
                    reasoning_content = r.optional_string()?;
                }
                Key::Other(b"reasoning") => {
                    once(&mut seen[2])?;
                    reasoning = r.optional_string()?;
                }
                _ => r.skip_field()?,
            }
            Some(())
        })?;
        choice.reasoning = reasoning_content.or(reasoning);
        Some(())
    }

    /// A `usage` object.
    fn usage(&mut self) -> Option<WireUsage> {
        let (mut usage, mut seen) = (WireUsage::default(), [false; 4]);
        self.object(&[], |r, key| {
            match key {
                Key::Other(b"prompt_tokens") => (once(&mut seen[0])?, usage.prompt_tokens = r.optional_integer()?).0,
                Key::Other(b"completion_tokens") => (once(&mut seen[1])?, usage.completion_tokens = r.optional_integer()?).0,
                Key::Other(b"total_tokens") => (once(&mut seen[2])?, usage.total_tokens = r.optional_integer()?).0,
                Key::Other(b"completion_tokens_details") => {
                    once(&mut seen[3])?;
                    usage.completion_tokens_details = if r.null() { None } else { Some(r.usage_details()?) };
                }
                _ => r.skip_field()?,
            }
            Some(())
        })?;
        Some(usage)
    }

    /// A `completion_tokens_details` object.
    fn usage_details(&mut self) -> Option<WireUsageDetails> {
        let (mut details, mut seen) = (WireUsageDetails::default(), false);
        self.object(&[], |r, key| {
            match key {
                Key::Other(b"reasoning_tokens") => (once(&mut seen)?, details.reasoning_tokens = r.optional_integer()?).0,
                _ => r.skip_field()?,
            }
            Some(())
        })?;
        Some(details)
    }
}

mod keys;
mod skip;
mod strings;

#[cfg(test)]
mod tests;
