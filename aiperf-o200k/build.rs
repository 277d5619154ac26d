//! Lays out `o200k_base` for lookups without building anything at startup: every token's bytes in
//! rank order (`tokens.bin`), where each starts (`offsets.bin`, little-endian `u32`, one more than
//! there are ranks), and an open-addressing table from bytes to rank (`table.bin`, little-endian
//! `u32` per slot: rank + 1, 0 for empty; linear probing from `hash::slot`). The vocabulary comes
//! from `tiktoken-rs`, which ships it: the build works offline.

use std::path::Path;

#[path = "src/hash.rs"]
mod hash;

/// Ranks past the vocabulary's last are not looked for.
const MAX_RANK: u32 = 1 << 18;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/hash.rs");
    let bpe = tiktoken_rs::o200k_base().unwrap_or_else(|e| panic!("aiperf-o200k build script: tiktoken-rs's o200k_base: {e}"));
    let specials = bpe.special_tokens();
    let mut tokens = Vec::new();
    let mut offsets = vec![0_u32];
    let mut table = vec![0_u32; 1 << hash::SLOTS_LOG2];
    let mask = table.len() - 1;
    for rank in 0..MAX_RANK {
        // Ranks the vocabulary lacks, and special tokens, are empty: never matched.
        if let Ok(bytes) = bpe.decode_bytes(&[rank])
            && !std::str::from_utf8(&bytes).is_ok_and(|s| specials.contains(s))
        {
            let mut slot = hash::slot(&bytes);
            while table[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            table[slot] = rank + 1;
            tokens.extend_from_slice(&bytes);
        }
        offsets.push(u32::try_from(tokens.len()).expect("the vocabulary is smaller than 4 GiB"));
    }
    // Trailing empty ranks carry nothing.
    while offsets.len() > 1 && offsets[offsets.len() - 1] == offsets[offsets.len() - 2] {
        offsets.pop();
    }
    let out = std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);
    let words = |values: &[u32]| values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>();
    for (name, bytes) in [("tokens.bin", tokens), ("offsets.bin", words(&offsets)), ("table.bin", words(&table))] {
        std::fs::write(out.join(name), bytes).unwrap_or_else(|e| panic!("aiperf-o200k build script: writing {name}: {e}"));
    }
}
