//! The hash of the token table, shared by the build script that lays the table out and the
//! library that looks tokens up in it (the build script includes this file as a module).

/// Slots in the token table: a power of two, about 2.6 per token, so most lookups probe once.
pub const SLOTS_LOG2: u32 = 19;

/// A slot for `bytes`: an Fx-style multiply-rotate hash over 8-byte words, its top bits.
pub fn slot(bytes: &[u8]) -> usize {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut w = [0; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    (h >> (64 - SLOTS_LOG2)) as usize
}
