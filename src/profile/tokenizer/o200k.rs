//! Counting `o200k_base` tokens fast, with the same result as `tiktoken`.
//!
//! `tiktoken` splits text with one regular expression before its byte-pair encoding, and that
//! expression needs `fancy_regex` for one look-ahead (`\s+(?!\S)`), which makes the split the most
//! costly part of counting a short answer. Here the split is a plain `regex_automata` search over
//! three patterns, the look-ahead done by hand (as GitHub's `bpe-openai` does): `\s+(?!\S)` is a
//! whitespace run at the end of the text (`\s+$`, in the first pattern), or a run followed by
//! more whitespace (`\s+\s`, whose last character is given back). Where the text is ASCII the
//! piece is found by hand (`ascii.rs`; a property test requires the search's piece at every
//! position), and the search is left what may involve other characters. Each piece's count comes from
//! `tiktoken` itself (`encode_ordinary` of the piece) and is kept in a small per-thread cache, so
//! the pieces an answer repeats (" the", " of", ...) cost one lookup. Property tests require the
//! same count as `tiktoken` on arbitrary text.

use std::cell::RefCell;

use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input};
use rustc_hash::FxHashMap;
use tiktoken_rs::CoreBPE;

/// `tiktoken`'s `O200K_BASE_PAT_STR` with `\s+(?!\S)` and `\s+` taken out (they are the second
/// and third patterns), and `\s+$` (the look-ahead's case at the end of the text) put in.
const WORDS: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    r"|\p{N}{1,3}",
    r"| ?[^\s\p{L}\p{N}]+[\r\n/]*",
    r"|\s*[\r\n]+",
    r"|\s+$",
);
/// A whitespace run followed by whitespace: its last character is given back.
const SPACES_BEFORE_SPACE: &str = r"\s+\s";
/// Any other whitespace run.
const SPACES: &str = r"\s+";

/// Pieces longer than this are counted but not cached.
const MAX_CACHED_PIECE: usize = 64;
/// Cached pieces per thread; the cache starts over when full.
const MAX_CACHED: usize = 16 << 10;

thread_local! {
    static COUNTS: RefCell<FxHashMap<Box<str>, u32>> = RefCell::new(FxHashMap::default());
}

/// The `o200k_base` pre-tokenizer, and counting with it.
pub(super) struct Splitter {
    regex: Regex,
}

impl Splitter {
    /// Builds the search (a few ms).
    pub(super) fn new() -> Result<Self, String> {
        Regex::new_many(&[WORDS, SPACES_BEFORE_SPACE, SPACES]).map(|regex| Self { regex }).map_err(|e| e.to_string())
    }

    /// The piece `tiktoken` cuts from `text` at `at`, or `None` if the search finds none there.
    fn next_piece<'t>(&self, text: &'t str, at: usize) -> Option<&'t str> {
        match ascii::piece_end(text.as_bytes(), at) {
            Some(end) => Some(&text[at..end]),
            None => self.search_piece(text, at),
        }
    }

    /// [`Self::next_piece`] by the regular expressions alone.
    fn search_piece<'t>(&self, text: &'t str, at: usize) -> Option<&'t str> {
        let found = self.regex.find(Input::new(text).range(at..).anchored(Anchored::Yes))?;
        let mut end = found.end();
        if found.pattern().as_usize() == 1 {
            // `\s+\s`: the last whitespace character is the look-ahead's, not the piece's.
            end -= text[..end].chars().next_back().map_or(0, char::len_utf8);
        }
        (end > at).then(|| &text[at..end])
    }

    /// Tokens of `text`, as `bpe.encode_ordinary(text).len()`.
    pub(super) fn count(&self, bpe: &CoreBPE, text: &str) -> u64 {
        COUNTS.with(|counts| {
            let mut counts = counts.borrow_mut();
            let mut at = 0;
            let mut total = 0;
            while at < text.len() {
                let Some(piece) = self.next_piece(text, at) else {
                    // Not expected (every character belongs to some pattern): tiktoken counts the rest.
                    return total + bpe.encode_ordinary(&text[at..]).len() as u64;
                };
                at += piece.len();
                total += u64::from(match counts.get(piece) {
                    Some(&n) => n,
                    None => {
                        let n = u32::try_from(bpe.encode_ordinary(piece).len()).unwrap_or(u32::MAX);
                        if piece.len() <= MAX_CACHED_PIECE {
                            if counts.len() >= MAX_CACHED {
                                counts.clear();
                            }
                            counts.insert(piece.into(), n);
                        }
                        n
                    }
                });
            }
            total
        })
    }
}

mod ascii;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn bpe() -> &'static CoreBPE {
        static BPE: std::sync::OnceLock<CoreBPE> = std::sync::OnceLock::new();
        BPE.get_or_init(|| tiktoken_rs::o200k_base().expect("o200k"))
    }

    fn splitter() -> &'static Splitter {
        static SPLITTER: std::sync::OnceLock<Splitter> = std::sync::OnceLock::new();
        SPLITTER.get_or_init(|| Splitter::new().expect("valid patterns"))
    }

    #[test]
    fn counts_are_tiktokens_on_what_servers_write() {
        for text in [
            "",
            " token latency",
            "Hello, world! It's 2026: 12345 tokens/s.\n\n  Next line\t\tand   spaces   ",
            "Grüße 世界 émigré 😀 don't WE'LL 's",
            "   leading and trailing   ",
            "\r\n\r\n\n  \n",
            "a\u{301}bc MIXEDcase camelCaseWord",
            "// comments, code: fn main() { println!(\"{}\", 1_000); }",
        ] {
            assert_eq!(splitter().count(bpe(), text), bpe().encode_ordinary(text).len() as u64, "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn counts_are_tiktokens_on_arbitrary_text(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    " ", "  ", "\t", "\n", "\r\n", "\r", "\u{a0}", "the", " The", "WORD", "camelCase", "'s", "'LL", "'t",
                    "12", "3456", "7", ".", ",", "!?", "/", "//", "-", "é", "e\u{301}", "世界", "😀", "Ω", "\u{200b}", "_", "$",
                ]),
                0..24,
            ),
        ) {
            let text: String = parts.concat();
            prop_assert_eq!(splitter().count(bpe(), &text), bpe().encode_ordinary(&text).len() as u64, "{:?}", text);
        }

        #[test]
        fn ascii_pieces_are_the_searchs_pieces(
            parts in prop::collection::vec(
                prop::sample::select(vec![
                    " ", "  ", "\t", "\n", "\r\n", "\r", "\x0b", "\x0c", "\u{a0}", "\u{85}", "the", "The", "WORD", "x", "'", "'s", "'S",
                    "'re", "'LL", "'ve", "'d", "'m", "'t", "'x", "'\u{17f}", "1", "12", "3456", "\u{661}", ".", ",", "!?", "/", "//", "-", "é",
                    "\u{301}", "世", "\u{1}", "\u{7f}", "_",
                ]),
                0..16,
            ),
        ) {
            let text: String = parts.concat();
            for at in (0..text.len()).filter(|&at| text.is_char_boundary(at)) {
                if let Some(end) = ascii::piece_end(text.as_bytes(), at) {
                    prop_assert_eq!(Some(&text[at..end]), splitter().search_piece(&text, at), "{:?} at {}", text, at);
                }
            }
        }

        #[test]
        fn counts_are_tiktokens_on_any_string(text in "\\PC{0,40}") {
            prop_assert_eq!(splitter().count(bpe(), &text), bpe().encode_ordinary(&text).len() as u64, "{:?}", text);
        }
    }
}
