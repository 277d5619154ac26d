//! The corpus synthetic prompts are cut from: Shakespeare's plays (public domain), in
//! `shakespeare.txt`, made by `scripts/make-corpus.py` (its header names the source and the
//! command). AIPerf 0.13 cuts its prompts from Shakespeare too, punctuation deleted, so prompts of
//! one `--isl` hold about as many characters with either tool, and a real text's variety: no two
//! prompts of a run share their text by chance, as they did when cut from one paragraph.

use super::super::ProfileError;
use super::super::tokenizer::Tokenizer;

/// The text: one line of verse per line.
const TEXT: &str = include_str!("shakespeare.txt");

/// About how many bytes of the text are tokenized at once (cut at a line's end): BPE tokenizers
/// are fast on pieces of this size, whatever the whole.
const PIECE: usize = 10_000;

/// Lengths tried before a prompt's text is taken at the nearest count ([`Corpus::fit`]).
const FITS: usize = 10;

/// The corpus in a tokenizer's ids.
#[derive(Debug)]
pub struct Corpus(Vec<u32>);

impl Corpus {
    /// The corpus tokenized with `tokenizer`: lines joined with spaces, tokenized in pieces.
    ///
    /// # Errors
    /// [`ProfileError::Tokenizer`] when the tokenizer turns the text into no tokens.
    pub fn new(tokenizer: &Tokenizer) -> Result<Self, ProfileError> {
        let mut tokens = Vec::with_capacity(TEXT.len() / 4);
        let mut piece = String::with_capacity(PIECE + 256);
        for (index, line) in TEXT.lines().enumerate() {
            // Every line but the first starts with its space, so words never run together at a
            // piece's start.
            if index > 0 {
                piece.push(' ');
            }
            piece.push_str(line);
            if piece.len() >= PIECE {
                tokens.extend(tokenizer.encode(&piece));
                piece.clear();
            }
        }
        tokens.extend(tokenizer.encode(&piece));
        if tokens.is_empty() {
            return Err(ProfileError::Tokenizer { spec: tokenizer.name(), reason: "it encodes English text into no tokens".to_owned() });
        }
        Ok(Self(tokens))
    }

    /// A corpus of `tokens`, when there are any.
    pub fn from_tokens(tokens: Vec<u32>) -> Option<Self> {
        (!tokens.is_empty()).then_some(Self(tokens))
    }

    /// How many tokens it has: the offsets a prompt may start at.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Appends `count` tokens from `start`, wrapping at the end.
    pub fn extend(&self, out: &mut Vec<u32>, start: usize, count: usize) {
        out.extend(self.0.iter().cycle().skip(start % self.0.len()).take(count));
    }
}

/// The text of `prefix` followed by `n` tokens that `extend` appends, with `n` chosen so that the
/// text is `length` tokens when the tokenizer reads it again (as the server and the records count
/// it): tokens cut from a stream may merge or split once decoded, so the count of the decoded text
/// is checked and `n` moved by the difference, a few times at most. If no `n` hits `length`, the
/// nearest text is taken.
pub fn fit(tokenizer: &Tokenizer, prefix: &[u32], length: usize, mut extend: impl FnMut(&mut Vec<u32>, usize)) -> String {
    let mut take = length.saturating_sub(prefix.len());
    let mut nearest: Option<(usize, String)> = None;
    let mut tokens = Vec::with_capacity(length + 8);
    for _ in 0..FITS {
        tokens.clear();
        tokens.extend_from_slice(prefix);
        extend(&mut tokens, take);
        let text = tokenizer.decode(&tokens);
        let count = tokenizer.count(&text) as usize;
        if count == length {
            return text;
        }
        let off = count.abs_diff(length);
        if nearest.as_ref().is_none_or(|(best, _)| off < *best) {
            nearest = Some((off, text));
        }
        let next = if count > length { take.saturating_sub(count - length) } else { take + (length - count) };
        if next == take {
            break;
        }
        take = next;
    }
    nearest.map(|(_, text)| text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_have_the_length_asked_and_shakespeares_words() {
        let tokenizer = Tokenizer::load("builtin").unwrap();
        let corpus = Corpus::new(&tokenizer).unwrap();
        assert!(corpus.len() > 200_000, "{} tokens", corpus.len());
        let mut rng = fastrand::Rng::with_seed(3);
        for length in [1, 2, 7, 128, 550, 3000] {
            for _ in 0..20 {
                let start = rng.usize(..corpus.len());
                let text = fit(&tokenizer, &[], length, |out, n| corpus.extend(out, start, n));
                assert_eq!(tokenizer.count(&text), length as u64, "{text:?}");
            }
        }
        // The end wraps to the start.
        let mut tail = Vec::new();
        corpus.extend(&mut tail, corpus.len() - 2, 4);
        assert_eq!(tail[2..], corpus.0[..2]);
        let text = fit(&tokenizer, &[], 200, |out, n| corpus.extend(out, 0, n));
        assert!(text.starts_with("First Citizen Before we proceed"), "{text}");
    }
}
