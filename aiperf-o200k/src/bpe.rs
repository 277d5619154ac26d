//! Byte-pair encoding of one piece of text, as tiktoken does it: start from single bytes and merge
//! the adjacent pair whose union is the lowest-ranked token (the leftmost on a tie), until no
//! adjacent pair is a token. The candidate merges wait in a heap ordered by (rank, position), and
//! the parts form a linked list, so a piece of n bytes costs O(n log n) however long it is.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::table;

/// Where the tokens of `piece` start, and its end (`[0, …, piece.len()]`).
pub fn bounds(piece: &[u8]) -> Vec<usize> {
    let n = piece.len();
    // Parts are named by where they start; `end[i]` is where part `i` ends (the next part's start).
    let mut end: Vec<usize> = (1..=n).collect();
    let mut prev: Vec<usize> = (0..n).map(|i| i.wrapping_sub(1)).collect();
    let mut dead = vec![false; n];
    // `pair[i]`: the rank of part `i` merged with the part after it (`u32::MAX`: not a token).
    let pair_rank = |end: &[usize], i: usize| match end[i] {
        next if next < n => table::rank(&piece[i..end[next]]).unwrap_or(u32::MAX),
        _ => u32::MAX,
    };
    let mut pair: Vec<u32> = (0..n).map(|i| pair_rank(&end, i)).collect();
    let mut heap: BinaryHeap<Reverse<(u32, usize)>> = (0..n).filter(|&i| pair[i] != u32::MAX).map(|i| Reverse((pair[i], i))).collect();
    while let Some(Reverse((rank, i))) = heap.pop() {
        // An entry outlived by a merge (its part gone, or its pair changed) is passed over.
        if dead[i] || pair[i] != rank {
            continue;
        }
        let gone = end[i];
        dead[gone] = true;
        end[i] = end[gone];
        if end[i] < n {
            prev[end[i]] = i;
        }
        for part in [prev[i], i] {
            if part < n {
                pair[part] = pair_rank(&end, part);
                if pair[part] != u32::MAX {
                    heap.push(Reverse((pair[part], part)));
                }
            }
        }
    }
    let mut bounds = Vec::with_capacity(n + 1);
    let mut at = 0;
    while at < n {
        bounds.push(at);
        at = end[at];
    }
    bounds.push(n);
    bounds
}

/// The tokens of `piece`, appended to `out`.
pub fn encode(piece: &[u8], out: &mut Vec<u32>) {
    if let Some(rank) = table::rank(piece) {
        out.push(rank);
        return;
    }
    let bounds = bounds(piece);
    // Every single byte is a token, so every part found is one.
    out.extend(bounds.windows(2).filter_map(|w| table::rank(&piece[w[0]..w[1]])));
}

/// How many tokens `piece` is.
pub fn count(piece: &[u8]) -> usize {
    if piece.is_empty() {
        0
    } else if table::rank(piece).is_some() {
        1
    } else {
        bounds(piece).len() - 1
    }
}
