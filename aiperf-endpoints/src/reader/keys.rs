//! Objects and their keys: the keys servers send, in the order they send them, recognised by
//! comparing words; any other key read as a string.

use super::{Reader, Shape};

/// A stream chunk's keys as servers send them, in their order (see `Reader::object`).
pub(super) const USUAL_CHUNK: &[Known] =
    &[known(b"id"), known(b"object"), known(b"created"), known(b"model"), known(b"choices"), known(b"usage")];

/// A delta's usual keys: most deltas hold the content alone (the first one also has a role).
pub(super) const USUAL_DELTA: &[Known] = &[known(b"content")];

/// A choice's usual keys, in order, for responses of `shape`.
pub(super) fn usual_choice(shape: Shape) -> &'static [Known] {
    const CHAT: &[Known] = &[known(b"index"), known(b"delta"), known(b"logprobs"), known(b"finish_reason"), known(b"stop_reason")];
    const COMPLETIONS: &[Known] = &[known(b"index"), known(b"text"), known(b"logprobs"), known(b"finish_reason"), known(b"stop_reason")];
    match shape {
        Shape::Chat => CHAT,
        Shape::Completions => COMPLETIONS,
    }
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
    /// An object, calling `field` with each key (unescaped keys only) positioned at its value.
    /// `usual` lists, as `"key":`, keys servers send in the order they send them (OpenAI's field
    /// order, which vLLM, SGLang, TensorRT-LLM and NIM keep): the key expected next is recognised
    /// by comparing its bytes, not scanned as a string; any other key is read as usual, and the
    /// expectation resumes after it.
    pub(super) fn object(&mut self, usual: &[Known], mut field: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
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
                    expected.key
                }
                _ => {
                    let key = self.key()?;
                    next = usual.iter().position(|k| k.key == key).map_or(next, |at| at + 1);
                    key
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
