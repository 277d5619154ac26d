//! Counting tokens: tiktoken's `o200k_base` (AIPerf's `builtin`, from `aiperf-o200k`: tables built
//! at compile time, so it works offline and starts at once) or a local Hugging Face
//! `tokenizer.json`.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::ProfileError;

/// The largest piece of text [`Tokenizer::count`] tokenizes at once.
pub const PIECE: usize = 16 << 10;

/// `text` cut into pieces of at most [`PIECE`] bytes, at the last whitespace before the limit when
/// there is one, else at a character boundary.
fn pieces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = rest.len().min(PIECE);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if end < rest.len()
            && let Some(space) = rest[..end].rfind(char::is_whitespace).filter(|&i| i > 0)
        {
            end = space;
        }
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

/// A tokenizer used to measure input and output lengths and to build synthetic prompts.
pub struct Tokenizer(Kind);

enum Kind {
    /// tiktoken's `o200k_base`.
    Builtin(aiperf_o200k::O200k),
    /// A Hugging Face tokenizer loaded from a local file.
    HuggingFace(Box<tokenizers::Tokenizer>, String),
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Tokenizer {
    /// `builtin`, or a path to a `tokenizer.json` (or a directory holding one).
    ///
    /// # Errors
    /// [`ProfileError::Tokenizer`] naming the file and why it cannot be used.
    pub fn load(spec: &str) -> Result<Self, ProfileError> {
        if spec == "builtin" {
            let o200k = aiperf_o200k::O200k::new().map_err(|reason| ProfileError::Tokenizer { spec: spec.to_owned(), reason })?;
            return Ok(Self(Kind::Builtin(o200k)));
        }
        let mut path = Path::new(spec).to_path_buf();
        if path.is_dir() {
            path = path.join("tokenizer.json");
        }
        if !path.is_file() {
            return Err(ProfileError::Tokenizer {
                spec: spec.to_owned(),
                reason: "no such file: pass `builtin` or the path of a local tokenizer.json (models are not downloaded)".to_owned(),
            });
        }
        let tokenizer = tokenizers::Tokenizer::from_file(&path)
            .map_err(|e| ProfileError::Tokenizer { spec: spec.to_owned(), reason: e.to_string() })?;
        Ok(Self(Kind::HuggingFace(Box::new(tokenizer), path.display().to_string())))
    }

    /// [`Tokenizer::load`], sharing the builtin: its search is compiled once per process (a few ms;
    /// its tables are static) and never torn down, so a sweep does not pay for it once per point.
    /// A file tokenizer is loaded for each run.
    ///
    /// # Errors
    /// As [`Tokenizer::load`].
    pub fn shared(spec: &str) -> Result<Arc<Self>, ProfileError> {
        static BUILTIN: OnceLock<Arc<Tokenizer>> = OnceLock::new();
        if spec != "builtin" {
            return Self::load(spec).map(Arc::new);
        }
        if let Some(builtin) = BUILTIN.get() {
            return Ok(Arc::clone(builtin));
        }
        let loaded = Arc::new(Self::load(spec)?);
        Ok(Arc::clone(BUILTIN.get_or_init(|| loaded)))
    }

    /// What to call it in exports (`builtin` or the file path).
    pub fn name(&self) -> String {
        match &self.0 {
            Kind::Builtin(_) => "builtin".to_owned(),
            Kind::HuggingFace(_, path) => path.clone(),
        }
    }

    /// Token ids of `text` (no special tokens added).
    pub fn encode(&self, text: &str) -> Vec<u32> {
        match &self.0 {
            Kind::Builtin(o200k) => o200k.encode(text),
            Kind::HuggingFace(tokenizer, _) => tokenizer.encode(text, false).map(|e| e.get_ids().to_vec()).unwrap_or_default(),
        }
    }

    /// Tokens the tokenizer adds to a prompt of its own (Llama's BOS): `tokenizer.json`'s post
    /// processor's, none for the builtin.
    pub fn added_tokens(&self) -> usize {
        match &self.0 {
            Kind::Builtin(_) => 0,
            Kind::HuggingFace(tokenizer, _) => {
                let with = tokenizer.encode("a", true).map_or(0, |e| e.get_ids().len());
                let without = tokenizer.encode("a", false).map_or(0, |e| e.get_ids().len());
                with.saturating_sub(without)
            }
        }
    }

    /// Number of tokens in `text`.
    /// Counted in pieces of at most [`PIECE`] bytes cut at whitespace, so that memory and time stay
    /// linear in the text however it is made (a long run without whitespace makes BPE tokenizers
    /// slow and hungry); a cut inside a word may count a token more than the whole would. The
    /// builtin counts with its own pre-tokenizer and a cache of piece counts (`aiperf-o200k`): the
    /// same counts as `tiktoken`, without its look-ahead regex.
    pub fn count(&self, text: &str) -> u64 {
        match &self.0 {
            Kind::Builtin(o200k) => pieces(text).map(|piece| o200k.count(piece)).sum(),
            Kind::HuggingFace(..) => pieces(text).map(|piece| self.encode(piece).len() as u64).sum(),
        }
    }

    /// Text of `tokens`.
    pub fn decode(&self, tokens: &[u32]) -> String {
        match &self.0 {
            // A slice of tokens may cut a character: decode lossily.
            Kind::Builtin(o200k) => o200k.decode(tokens).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default(),
            Kind::HuggingFace(tokenizer, _) => tokenizer.decode(tokens, false).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_counted_in_bounded_pieces() {
        let words = "the quick brown fox ".repeat(5000);
        let cut: Vec<&str> = pieces(&words).collect();
        assert!(cut.len() > 1 && cut.iter().all(|p| p.len() <= PIECE), "{}", cut.len());
        assert_eq!(cut.concat(), words, "nothing lost or repeated");
        let bpe = Tokenizer::load("builtin").unwrap();
        assert_eq!(bpe.count(&words), bpe.encode(&words).len() as u64, "cuts at whitespace do not change the count");
        let solid = "é".repeat(PIECE);
        assert!(pieces(&solid).all(|p| p.len() <= PIECE && !p.is_empty()), "character boundaries without whitespace");
        assert!(bpe.count(&"x".repeat(4 * PIECE)) > 0);
        assert_eq!(bpe.count(""), 0);
    }
}
