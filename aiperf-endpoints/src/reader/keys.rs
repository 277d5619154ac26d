//! Objects and their keys: the keys servers send, in the order they send them, recognised by
//! comparing words and handed on by their position in that list; any other key read as a string.

use super::{Reader, Shape};

/// A stream chunk's keys as servers send them, in their order (see `Reader::object`).
pub(super) const USUAL_CHUNK: &[Known] =
    &[known(b"id"), known(b"object"), known(b"created"), known(b"model"), known(b"choices"), known(b"usage")];
/// `id`'s position in [`USUAL_CHUNK`].
pub(super) const CHUNK_ID: usize = position(USUAL_CHUNK, b"id");
/// `choices`' position in [`USUAL_CHUNK`].
pub(super) const CHUNK_CHOICES: usize = position(USUAL_CHUNK, b"choices");
/// `usage`'s position in [`USUAL_CHUNK`].
pub(super) const CHUNK_USAGE: usize = position(USUAL_CHUNK, b"usage");

/// A delta's usual keys: most deltas hold the content alone (the first one also has a role).
pub(super) const USUAL_DELTA: &[Known] = &[known(b"content")];
/// `content`'s position in [`USUAL_DELTA`].
pub(super) const DELTA_CONTENT: usize = position(USUAL_DELTA, b"content");

const CHAT_CHOICE: &[Known] = &[known(b"index"), known(b"delta"), known(b"logprobs"), known(b"finish_reason"), known(b"stop_reason")];
const COMPLETIONS_CHOICE: &[Known] = &[known(b"index"), known(b"text"), known(b"logprobs"), known(b"finish_reason"), known(b"stop_reason")];
/// `index`'s position in either shape's [`usual_choice`].
pub(super) const CHOICE_INDEX: usize = position_in_both(b"index", b"index");
/// The position of the text's holder, `delta` (chat) or `text` (completions).
pub(super) const CHOICE_TEXT: usize = position_in_both(b"delta", b"text");
/// `finish_reason`'s position in either shape's [`usual_choice`].
pub(super) const CHOICE_FINISH_REASON: usize = position_in_both(b"finish_reason", b"finish_reason");

/// A choice's usual keys, in order, for responses of `shape`.
pub(super) fn usual_choice(shape: Shape) -> &'static [Known] {
    match shape {
        Shape::Chat => CHAT_CHOICE,
        Shape::Completions => COMPLETIONS_CHOICE,
    }
}

/// Where `key` is in `usual` (a build error if it is not there).
const fn position(usual: &[Known], key: &[u8]) -> usize {
    let mut at = 0;
    while at < usual.len() {
        if same(usual[at].key, key) {
            return at;
        }
        at += 1;
    }
    panic!("not a usual key")
}

/// The position of `chat` in the chat choice's usual keys, which is that of `completions` in
/// the completions choice's (a build error otherwise).
const fn position_in_both(chat: &[u8], completions: &[u8]) -> usize {
    let at = position(CHAT_CHOICE, chat);
    assert!(at == position(COMPLETIONS_CHOICE, completions), "the shapes' usual choice keys differ there");
    at
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut at = 0;
    while at < a.len() {
        if a[at] != b[at] {
            return false;
        }
        at += 1;
    }
    true
}

/// A key as [`Reader::object`] read it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Key<'a> {
    /// The key at this position of the usual keys `object` was given (recognised by comparing
    /// words, or found in the list after reading it as a string).
    Usual(usize),
    /// Any other key.
    Other(&'a [u8]),
}

/// A key written `"key":` (at most 16 bytes so), as two little-endian words and the masks of
/// its bytes in them: recognised with two loads and two comparisons.
pub(super) struct Known {
    key: &'static [u8],
    words: [u64; 2],
    masks: [u64; 2],
}

/// The [`Known`] form of `key` (at most 13 bytes, plain ASCII).
const fn known(key: &'static [u8]) -> Known {
    assert!(key.len() <= 13, "a known key is at most 13 bytes");
    let (mut words, mut masks) = ([0u64; 2], [0u64; 2]);
    let mut at = 0;
    while at < key.len() + 3 {
        let byte = if at == 0 || at == key.len() + 1 {
            b'"'
        } else if at == key.len() + 2 {
            b':'
        } else {
            key[at - 1]
        };
        words[at / 8] |= (byte as u64) << (8 * (at % 8));
        masks[at / 8] |= 0xff << (8 * (at % 8));
        at += 1;
    }
    Known { key, words, masks }
}

impl<'a> Reader<'a> {
    /// An object, calling `field` with each [`Key`] (unescaped keys only) positioned at its value.
    /// `usual` lists, as `"key":`, keys servers send in the order they send them (OpenAI's field
    /// order, which vLLM, SGLang, TensorRT-LLM and NIM keep): the key expected next is recognised
    /// by comparing its bytes, not scanned as a string; any other key is read as usual, and the
    /// expectation resumes after it.
    pub(super) fn object(&mut self, usual: &[Known], mut field: impl FnMut(&mut Self, Key<'a>) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.closes(b'}')? {
            return Some(());
        }
        let mut next = 0;
        loop {
            let key = match usual.get(next) {
                Some(expected) if self.comes(expected) => {
                    self.i += expected.key.len() + 3;
                    next += 1;
                    Key::Usual(next - 1)
                }
                _ => {
                    let key = self.key()?;
                    match usual.iter().position(|k| k.key == key) {
                        Some(at) => {
                            next = at + 1;
                            Key::Usual(at)
                        }
                        None => Key::Other(key),
                    }
                }
            };
            field(self, key)?;
            if !self.more(b'}')? {
                return Some(());
            }
        }
    }

    /// Whether `"key":` of `known` comes next, byte for byte.
    #[inline(always)]
    fn comes(&self, known: &Known) -> bool {
        let Some(bytes) = self.b.get(self.i..self.i + 16) else {
            // The input's last bytes: compared one by one.
            let rest = &self.b[self.i..];
            return rest.len() >= known.key.len() + 3
                && rest[0] == b'"'
                && rest[1..].starts_with(known.key)
                && rest[known.key.len() + 1..].starts_with(b"\":");
        };
        let word = |at: usize| u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7].map(|i| bytes[at + i]));
        word(0) & known.masks[0] == known.words[0] && word(8) & known.masks[1] == known.words[1]
    }

    /// An object's key (unescaped keys only) and the `:` after it; compact JSON (`"key":`, what
    /// servers send) is read without looking for whitespace.
    #[inline(always)]
    fn key(&mut self) -> Option<&'a [u8]> {
        if self.b.get(self.i) == Some(&b'"') {
            self.i += 1;
        } else {
            self.eat(b'"')?;
        }
        let (key, escaped) = self.raw_string()?;
        (!escaped).then_some(())?;
        if self.b.get(self.i) == Some(&b':') {
            self.i += 1;
            return Some(key);
        }
        self.eat(b':').map(|()| key)
    }
}
