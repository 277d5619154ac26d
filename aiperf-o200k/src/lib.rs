//! AIPerf's builtin tokenizer: tiktoken's `o200k_base`, with the same tokens as tiktoken and
//! nothing built at startup.
//!
//! - The vocabulary is laid out at compile time (`build.rs`, from the copy `tiktoken-rs` ships:
//!   offline) into static tables: bytes by rank, and rank by bytes (`table.rs`). A program using
//!   it starts in microseconds instead of building hash maps of 200,000 tokens, and keeps the
//!   tables out of its heap.
//! - Text is cut into pieces by the o200k pre-tokenizer (`split.rs`), and each piece is
//!   byte-pair encoded as tiktoken does (`bpe.rs`). [`O200k::count`] keeps the counts of short
//!   pieces in a per-thread cache (`cache.rs`), so the pieces an answer repeats (" the", " of")
//!   cost a lookup.
//!
//! Dependency rule: no aiperf crate; `regex-automata` (and `tiktoken-rs` at build time and in
//! tests, as the source and the reference).

#![warn(missing_docs)]

mod bpe;
mod cache;
mod hash;
mod split;
mod table;

/// The `o200k_base` tokenizer (ordinary tokens only: special tokens are never produced).
pub struct O200k {
    splitter: split::Splitter,
}

impl std::fmt::Debug for O200k {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("O200k")
    }
}

impl O200k {
    /// The tokenizer (compiles the pre-tokenizer's search: a few ms).
    ///
    /// # Errors
    /// The search's compile error (not expected: its patterns are constants).
    pub fn new() -> Result<Self, String> {
        Ok(Self { splitter: split::Splitter::new()? })
    }

    /// The tokens of `text`, as tiktoken's `encode_ordinary`.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len() / 3);
        for piece in self.splitter.pieces(text) {
            bpe::encode(piece.as_bytes(), &mut out);
        }
        out
    }

    /// How many tokens `text` is: `encode(text).len()`, faster.
    pub fn count(&self, text: &str) -> u64 {
        self.splitter.pieces(text).map(|piece| cache::count(piece.as_bytes(), bpe::count) as u64).sum()
    }

    /// The bytes of `tokens` (not necessarily UTF-8: a token may hold part of a character), or
    /// `None` if one is not an ordinary token of the vocabulary.
    pub fn decode(&self, tokens: &[u32]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(tokens.len() * 4);
        for &token in tokens {
            out.extend_from_slice(table::bytes(token)?);
        }
        Some(out)
    }

    /// Ordinary tokens in the vocabulary (its highest rank plus one).
    pub fn vocabulary_size(&self) -> u32 {
        table::ranks()
    }
}

#[cfg(test)]
mod tests;
