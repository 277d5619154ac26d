//! The `o200k_base` pre-tokenizer: text cut into the pieces byte-pair encoding works on.
//!
//! `tiktoken` cuts text with one regular expression, and that expression needs `fancy_regex` for
//! one look-ahead (`\s+(?!\S)`), which makes the cut the most costly part of counting a short
//! answer. Here the cut is a plain `regex_automata` search over three patterns, the look-ahead
//! done by hand (as GitHub's `bpe-openai` does): `\s+(?!\S)` is a whitespace run at the end of
//! the text (`\s+$`, in the first pattern), or a run followed by more whitespace (`\s+\s`, whose
//! last character is given back). Where the text is ASCII the piece is found by hand (`ascii.rs`;
//! a property test requires the search's piece at every position), and the search is left what
//! may involve other characters. Property tests in `lib.rs` require tiktoken's tokens.

use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input};

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

/// The `o200k_base` pre-tokenizer.
pub(crate) struct Splitter {
    regex: Regex,
}

impl Splitter {
    /// Builds the search (a few ms).
    pub(crate) fn new() -> Result<Self, String> {
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

    /// The pieces of `text`, in order.
    pub(crate) fn pieces<'t>(&self, text: &'t str) -> impl Iterator<Item = &'t str> {
        let mut at = 0;
        std::iter::from_fn(move || {
            while at < text.len() {
                if let Some(piece) = self.next_piece(text, at) {
                    at += piece.len();
                    return Some(piece);
                }
                // Not expected (every character belongs to some pattern): as tiktoken's search
                // does, what no pattern matches is skipped.
                at += text[at..].chars().next().map_or(1, char::len_utf8);
            }
            None
        })
    }
}

mod ascii;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn splitter() -> &'static Splitter {
        static SPLITTER: std::sync::OnceLock<Splitter> = std::sync::OnceLock::new();
        SPLITTER.get_or_init(|| Splitter::new().expect("valid patterns"))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

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
        fn pieces_cover_the_text(text in "\\PC{0,40}") {
            prop_assert_eq!(splitter().pieces(&text).collect::<String>(), text);
        }
    }
}
