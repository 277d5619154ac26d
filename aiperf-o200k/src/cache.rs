//! The per-thread cache of short pieces' counts behind [`crate::O200k::count`]: direct-mapped,
//! each piece held inline in its slot as two words, so a hit is a hash and two compares (no
//! pointer to follow, no `memcmp`) and the cache stays a fixed 48 KiB per thread.

use std::cell::RefCell;

/// Pieces longer than this are counted each time (few are: most pieces are a word).
const MAX_PIECE: usize = 16;
/// Slots per thread: a power of two.
const SLOTS_LOG2: u32 = 11;

#[derive(Clone, Copy, Default)]
struct Slot {
    /// The piece's bytes, zero-padded, as little-endian words.
    key: [u64; 2],
    /// Its length; 0 marks an empty slot (the empty piece is never cached).
    len: u8,
    count: u8,
}

thread_local! {
    static SLOTS: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

/// The count of `piece`: from the cache, else from `count` (then kept, replacing what shared its
/// slot).
pub fn count(piece: &[u8], count: impl FnOnce(&[u8]) -> usize) -> usize {
    if piece.is_empty() || piece.len() > MAX_PIECE {
        return count(piece);
    }
    let mut bytes = [0; MAX_PIECE];
    bytes[..piece.len()].copy_from_slice(piece);
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let (key, len) = ([word(0), word(8)], piece.len() as u8);
    let index = index(key, len);
    SLOTS.with(|slots| {
        let mut slots = slots.borrow_mut();
        if slots.is_empty() {
            slots.resize(1 << SLOTS_LOG2, Slot::default());
        }
        let slot = &mut slots[index];
        if slot.len == len && slot.key == key {
            return usize::from(slot.count);
        }
        let n = count(piece);
        // A piece of at most 16 bytes is at most 16 tokens.
        if let Ok(count) = u8::try_from(n) {
            *slot = Slot { key, len, count };
        }
        n
    })
}

/// The slot of a piece: an Fx-style multiply of its words and length, its top bits.
fn index(key: [u64; 2], len: u8) -> usize {
    let hash = (key[0] ^ key[1].rotate_left(29) ^ u64::from(len)).wrapping_mul(0x517c_c1b7_2722_0a95);
    (hash >> (64 - SLOTS_LOG2)) as usize
}

#[cfg(test)]
mod tests {
    use super::{count, index};

    /// A count that differs between pieces that differ.
    fn fingerprint(piece: &[u8]) -> usize {
        piece.iter().fold(piece.len(), |h, &b| h.wrapping_mul(31).wrapping_add(usize::from(b))) % 16
    }

    #[test]
    fn pieces_sharing_a_slot_and_their_first_word_do_not_mix() {
        // Pieces alike but for their second word, or their length (a trailing zero byte).
        let pieces: Vec<Vec<u8>> =
            (0..4000_u32).map(|i| format!("abcdefgh{i}").into_bytes()).chain([b"a".to_vec(), b"a\0".to_vec()]).collect();
        let slot = |p: &[u8]| {
            let mut bytes = [0; 16];
            bytes[..p.len()].copy_from_slice(p);
            index([u64::from_le_bytes(bytes[..8].try_into().unwrap()), u64::from_le_bytes(bytes[8..].try_into().unwrap())], p.len() as u8)
        };
        let shared = pieces.iter().enumerate().find_map(|(i, a)| pieces[..i].iter().find(|b| slot(b) == slot(a)).map(|b| (a, b)));
        let (a, b) = shared.expect("4000 pieces for 2048 slots share some");
        for piece in [a, b, a, b, &b"a".to_vec(), &b"a\0".to_vec(), &b"a".to_vec()] {
            assert_eq!(count(piece, fingerprint), fingerprint(piece), "{piece:?}");
        }
    }

    #[test]
    fn hits_give_what_was_counted_and_colliding_pieces_do_not_mix() {
        let computed = std::cell::Cell::new(0);
        let counted = |piece: &[u8]| {
            count(piece, |p| {
                computed.set(computed.get() + 1);
                p.len()
            })
        };
        // Thousands of pieces of up to 16 bytes for 2048 slots: many share a slot.
        let pieces: Vec<Vec<u8>> = (0..3000_u32).map(|i| format!("{i:x}").repeat(1 + (i as usize % 4)).into_bytes()).collect();
        for piece in &pieces {
            assert_eq!(counted(piece), piece.len());
        }
        let first = computed.get();
        for piece in &pieces {
            assert_eq!(counted(piece), piece.len(), "{piece:?}");
        }
        assert!(computed.get() < 2 * first, "most pieces were found in the cache the second time");
        assert!(computed.get() > first, "some slots were shared and recomputed");
        assert_eq!(counted(b"0123456789abcdefX"), 17, "a longer piece is counted");
    }
}
