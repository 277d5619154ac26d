//! Strings: found a word at a time, borrowed when they hold no escape, unescaped when they do.

use std::borrow::Cow;

use super::Reader;

/// Flags, in its high bit, each byte of a little-endian word that ends or escapes a string, or may
/// not appear in one (`"`, `\\`, below 0x20); and separately the quotes. A flag can spill only
/// into bytes after a true one, so the lowest flag of each is exact.
#[inline(always)]
fn special_bytes(word: u64) -> (u64, u64) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quotes = zero_byte(word ^ (ONES * u64::from(b'"')));
    let special = quotes | zero_byte(word ^ (ONES * u64::from(b'\\'))) | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
    (special, quotes)
}

/// The position of the first special byte ([`special_bytes`]) of a little-endian word.
pub(super) fn special_byte(word: u64) -> Option<usize> {
    let (special, _) = special_bytes(word);
    (special != 0).then(|| special.trailing_zeros() as usize / 8)
}

impl<'a> Reader<'a> {
    /// The bytes of a string whose opening quote was consumed, escapes left in, and whether it
    /// holds any; checks that no control character appears and that every escape is one JSON
    /// allows. Plain bytes are skipped eight at a time ([`special_byte`]).
    #[inline(always)]
    pub(super) fn raw_string(&mut self) -> Option<(&'a [u8], bool)> {
        // Keys, ids, object names and most tokens are plain and short: one that ends within the
        // next four words is read here, inline, a word at a time; anything else by the loop.
        let (b, start) = (self.b, self.i);
        let mut at = start;
        for _ in 0..4 {
            let Some(word) = b.get(at..at + 8) else { break };
            let (special, quotes) = special_bytes(u64::from_le_bytes(word.try_into().ok()?));
            if special != 0 {
                // The first special byte ends the string when it is a quote.
                if special & special.wrapping_neg() & quotes == 0 {
                    break;
                }
                let end = at + quotes.trailing_zeros() as usize / 8;
                self.i = end + 1;
                return Some((&b[start..end], false));
            }
            at += 8;
        }
        self.raw_string_loop()
    }

    /// [`Self::raw_string`] for strings longer than a word or holding an escape.
    #[inline(never)]
    fn raw_string_loop(&mut self) -> Option<(&'a [u8], bool)> {
        let (b, start) = (self.b, self.i);
        let mut i = start;
        let mut escaped = false;
        loop {
            while let Some(word) = b.get(i..i + 8) {
                match special_byte(u64::from_le_bytes(word.try_into().ok()?)) {
                    Some(at) => {
                        i += at;
                        break;
                    }
                    None => i += 8,
                }
            }
            match *b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some((&b[start..i], escaped));
                }
                b'\\' => {
                    escaped = true;
                    match *b.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        b'u' if b.get(i + 2..i + 6)?.iter().all(u8::is_ascii_hexdigit) => i += 6,
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                _ => i += 1,
            }
        }
    }

    /// A string value as text: borrowed, or unescaped (`\u` escapes are left to serde).
    pub(super) fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let (raw, escaped) = self.raw_string()?;
        if !escaped {
            return std::str::from_utf8(raw).ok().map(Cow::Borrowed);
        }
        let mut out = Vec::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = memchr::memchr(b'\\', rest) {
            out.extend_from_slice(&rest[..at]);
            out.push(match rest[at + 1] {
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'u' => return None,
                other => other,
            });
            rest = &rest[at + 2..];
        }
        out.extend_from_slice(rest);
        String::from_utf8(out).ok().map(Cow::Owned)
    }
}
