//! The vocabulary as the build script laid it out (`build.rs`): bytes by rank, and rank by bytes
//! through an open-addressing table. Static data mapped with the program: nothing is built at
//! startup, and only the pages lookups touch are read in.

use crate::hash;

static TOKENS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tokens.bin"));
static OFFSETS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/offsets.bin"));
static TABLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/table.bin"));

/// The `i`-th little-endian `u32` of `bytes`.
fn word(bytes: &[u8], i: usize) -> u32 {
    let w = &bytes[4 * i..4 * i + 4];
    u32::from_le_bytes([w[0], w[1], w[2], w[3]])
}

/// The bytes of token `rank`, or `None` for a rank the vocabulary lacks (or a special token).
pub fn bytes(rank: u32) -> Option<&'static [u8]> {
    let rank = rank as usize;
    if rank + 1 >= OFFSETS.len() / 4 {
        return None;
    }
    let (start, end) = (word(OFFSETS, rank) as usize, word(OFFSETS, rank + 1) as usize);
    (start < end).then(|| &TOKENS[start..end])
}

/// The rank of the token made of exactly `piece`, if there is one.
pub fn rank(piece: &[u8]) -> Option<u32> {
    let mask = (1 << hash::SLOTS_LOG2) - 1;
    let mut slot = hash::slot(piece);
    loop {
        let entry = word(TABLE, slot);
        // The table is never full (about 2.6 slots per token): an empty slot ends every probe.
        let rank = entry.checked_sub(1)?;
        if bytes(rank) == Some(piece) {
            return Some(rank);
        }
        slot = (slot + 1) & mask;
    }
}

/// Ranks past the last: what [`bytes`] answers for.
pub fn ranks() -> u32 {
    (OFFSETS.len() / 4).saturating_sub(1) as u32
}
