//! Prompts of trace rows that give only lengths (`input_length`, with `hash_ids`), built when a
//! row is sent rather than when the file is read: a million-row trace holds its rows, not their
//! prompts.
//!
//! A prompt is its rows's blocks, `--isl-block-size` tokens each (the last one shorter when the
//! blocks would overrun `input_length`), then fresh tokens up to `input_length`. A block is a pure
//! function of the run's seed, the trace file and its hash id: a marker naming the id, then corpus
//! tokens from an offset drawn from the three. Equal ids give equal text wherever they appear, and
//! a shorter block is a prefix of the full one, so two prompts share exactly the prefix their
//! hash ids share, as the prefix cache that recorded the trace saw them. Different ids never give
//! the same block, however small the corpus: the marker differs.

use super::super::inputs::corpus::{Corpus, fit};
use super::super::tokenizer::Tokenizer;

/// Builds row prompts for one trace file and seed.
pub struct Synthesizer {
    corpus: Corpus,
    block_size: u32,
    /// The seed and the file's hash, mixed: every block and tail derives from it.
    key: u64,
}

/// Tag mixed into the key for a row's tail, so that tails never repeat blocks.
const TAIL: u64 = 0x7461_696c_5f74_6f6b;

impl Synthesizer {
    /// Blocks of `block_size` tokens cut from `corpus` (in the run's tokenizer's ids), keyed by
    /// `seed` and `trace` (a hash of the trace file's bytes).
    pub fn new(corpus: Corpus, block_size: u32, seed: u64, trace: u64) -> Self {
        assert!(block_size > 0, "a block size");
        Self { corpus, block_size, key: mix(seed ^ mix(trace)) }
    }

    /// The token ids of a prompt of `input_length` tokens whose blocks are `hash_ids`; `row`
    /// seeds the tail after the blocks (what [`Synthesizer::text`] fits, as ids).
    #[cfg(test)]
    fn tokens(&self, tokenizer: &Tokenizer, input_length: u32, hash_ids: &[u64], row: u64) -> Vec<u32> {
        let mut out = self.blocks(tokenizer, input_length, hash_ids);
        let tail = input_length as usize - out.len();
        self.extend(&mut out, tail, self.tail_seed(row));
        out
    }

    /// The text of a prompt of `input_length` tokens whose blocks are `hash_ids` (rows were checked
    /// with [`check_blocks`]), `row` seeding the tail after the blocks, made longer or shorter so that
    /// the text is `input_length` tokens when the tokenizer reads it again (`corpus::fit`): tokens cut
    /// from a stream may merge where they meet. The blocks are kept as they are.
    pub fn text(&self, tokenizer: &Tokenizer, input_length: u32, hash_ids: &[u64], row: u64) -> String {
        let blocks = self.blocks(tokenizer, input_length, hash_ids);
        let seed = self.tail_seed(row);
        fit(tokenizer, &blocks, input_length as usize, |out, n| self.extend(out, n, seed))
    }

    /// The tokens of a prompt's blocks, at most `input_length` of them.
    fn blocks(&self, tokenizer: &Tokenizer, input_length: u32, hash_ids: &[u64]) -> Vec<u32> {
        let total = input_length as usize;
        let mut out = Vec::with_capacity(total);
        for &id in hash_ids {
            let size = (self.block_size as usize).min(total - out.len());
            let marker = tokenizer.encode(&format!("[{id}] "));
            out.extend(marker.iter().take(size));
            self.extend(&mut out, size.saturating_sub(marker.len()), mix(self.key ^ mix(id)));
        }
        out
    }

    /// The seed of row `row`'s tail.
    fn tail_seed(&self, row: u64) -> u64 {
        mix(self.key ^ TAIL ^ mix(row))
    }

    /// `count` corpus tokens from an offset drawn from `seed`, wrapping at the corpus' end.
    fn extend(&self, out: &mut Vec<u32>, count: usize, seed: u64) {
        let start = fastrand::Rng::with_seed(seed).usize(..self.corpus.len());
        self.corpus.extend(out, start, count);
    }
}

/// Whether `hash_ids` fit `input_length` at `block_size`: every block but the last is full, and
/// the last keeps at least one token (AIPerf's rule).
///
/// # Errors
/// What does not fit, and what would.
pub fn check_blocks(input_length: u32, blocks: usize, block_size: u32) -> Result<(), String> {
    let full = u64::from(block_size) * blocks.saturating_sub(1) as u64;
    if blocks > 0 && u64::from(input_length) <= full {
        return Err(format!(
            "`hash_ids`: {blocks} blocks of {block_size} tokens need an `input_length` above {full} (all but the last block full); got {input_length}; check --isl-block-size"
        ));
    }
    Ok(())
}

/// SplitMix64's finalizer: a well-mixed 64-bit value from any input.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// FNV-1a, 64 bits: the trace file's hash, fed line by line as the file is read.
#[derive(Clone, Copy, Debug)]
pub struct FileHash(u64);

impl Default for FileHash {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl FileHash {
    /// Adds `bytes`.
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// The hash so far.
    pub fn finish(self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Tokenizer, Synthesizer) {
        let tokenizer = Tokenizer::load("builtin").unwrap();
        let corpus = tokenizer.encode("A small corpus: the blocks wrap around it many times over.");
        (tokenizer, Synthesizer::new(Corpus::from_tokens(corpus).unwrap(), 16, 7, 99))
    }

    #[test]
    fn equal_hash_ids_give_equal_prefixes_and_different_ones_differ() {
        let (tok, s) = setup();
        let a = s.tokens(&tok, 40, &[1, 2, 3], 0);
        let b = s.tokens(&tok, 40, &[1, 2, 4], 1);
        let c = s.tokens(&tok, 50, &[1, 2], 2);
        assert_eq!((a.len(), b.len(), c.len()), (40, 40, 50));
        assert_eq!(a[..32], b[..32], "blocks 1 and 2 are shared");
        assert_ne!(a[32..], b[32..], "block 3 is not block 4");
        assert_eq!(a[..32], c[..32]);
        assert_ne!(a[..16], s.tokens(&tok, 16, &[5], 0)[..], "another id, another block");
        // A partial last block is the start of the full block.
        let full = s.tokens(&tok, 48, &[8, 9, 10], 3);
        let partial = s.tokens(&tok, 37, &[8, 9, 10], 4);
        assert_eq!(full[..37], partial[..]);
        // Another seed or another file gives other blocks.
        let small = Corpus::from_tokens(tok.encode("A small corpus: the blocks wrap around it many times over.")).unwrap();
        let other = Synthesizer::new(small, 16, 8, 99);
        assert_ne!(other.tokens(&tok, 32, &[1, 2], 0)[..], a[..32]);
    }

    #[test]
    fn the_tail_after_the_blocks_is_the_rows_own() {
        let (tok, s) = setup();
        let a = s.tokens(&tok, 40, &[1], 0);
        let b = s.tokens(&tok, 40, &[1], 1);
        assert_eq!(a[..16], b[..16]);
        assert_ne!(a[16..], b[16..]);
        assert_eq!(s.tokens(&tok, 40, &[1], 0), a, "a row's prompt is the same every time");
        assert_eq!(s.tokens(&tok, 9, &[], 5).len(), 9);
    }

    #[test]
    fn a_rows_text_is_its_length_read_again_and_keeps_its_blocks() {
        let tok = Tokenizer::load("builtin").unwrap();
        let s = Synthesizer::new(Corpus::new(&tok).unwrap(), 16, 7, 99);
        for (row, length) in (0..40).zip((40..).step_by(7)) {
            let text = s.text(&tok, length, &[1, 2], row);
            assert_eq!(tok.count(&text), u64::from(length), "row {row}: {text:?}");
            assert!(text.starts_with(&tok.decode(&s.blocks(&tok, 32, &[1, 2]))), "row {row}: the blocks lead");
        }
    }

    #[test]
    fn blocks_must_leave_the_last_one_a_token() {
        assert!(check_blocks(1000, 2, 512).is_ok());
        assert!(check_blocks(513, 2, 512).is_ok());
        assert!(check_blocks(2048, 2, 512).is_ok(), "room after the blocks is a fresh tail");
        let error = check_blocks(512, 2, 512).unwrap_err();
        assert!(error.contains("above 512") && error.contains("--isl-block-size"), "{error}");
        assert!(check_blocks(1, 0, 512).is_ok());
    }
}
