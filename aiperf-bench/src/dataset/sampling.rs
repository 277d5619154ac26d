//! `--dataset-sampling-strategy`: which dataset entry the `index`-th request takes, as AIPerf 0.13
//! samples: `sequential` (in order, wrapping), `random` (uniform, with replacement), `shuffle` (every
//! entry once per pass, in a new order each pass).
//!
//! The choice is a pure function of the request's index and the seed, so the workers, which take
//! indices from one counter, share no sampler state and need no lock.

pub use crate::config::Sampling;

/// Picks entries for request indices: [`Sampling`] over `entries` entries, seeded.
#[derive(Clone, Copy, Debug)]
pub struct Sampler {
    strategy: Sampling,
    entries: u64,
    seed: u64,
}

impl Sampler {
    /// A sampler over `entries` (at least 1) entries.
    pub fn new(strategy: Sampling, entries: usize, seed: u64) -> Self {
        Self { strategy, entries: entries.max(1) as u64, seed }
    }

    /// The entry the `index`-th request sends.
    pub fn pick(&self, index: u64) -> usize {
        let n = self.entries;
        let pick = match self.strategy {
            Sampling::Sequential => index % n,
            Sampling::Random => below(mix(self.seed ^ mix(index)), n),
            Sampling::Shuffle => permute(index % n, n, mix(self.seed.wrapping_add(mix(index / n)))),
        };
        pick as usize
    }
}

/// SplitMix64's finalizer: a bijection of `u64` that scatters every input bit.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// `x` scaled into `0..n` (Lemire's multiply-shift).
fn below(x: u64, n: u64) -> u64 {
    ((u128::from(x) * u128::from(n)) >> 64) as u64
}

/// Position `at` of a permutation of `0..n` chosen by `key`: a four-round Feistel network on the
/// smallest even number of bits covering `n`, walking the cycle until it lands below `n` (each
/// step is a bijection of the larger domain, so the walk ends and the result is a bijection of
/// `0..n`).
fn permute(at: u64, n: u64, key: u64) -> u64 {
    let bits = (64 - (n - 1).max(1).leading_zeros()).div_ceil(2).max(1);
    let half_mask = (1u64 << bits) - 1;
    let mut x = at;
    loop {
        let (mut left, mut right) = (x >> bits, x & half_mask);
        for round in 0..4_u64 {
            let f = mix(right ^ key.rotate_left(16 * round as u32) ^ round) & half_mask;
            (left, right) = (right, left ^ f);
        }
        x = (left << bits) | right;
        if x < n {
            return x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_wraps_in_order() {
        let s = Sampler::new(Sampling::Sequential, 3, 7);
        assert_eq!((0..7).map(|i| s.pick(i)).collect::<Vec<_>>(), [0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn shuffle_takes_every_entry_once_per_pass_in_new_orders() {
        for n in [1, 2, 3, 5, 16, 17, 100, 1000] {
            let s = Sampler::new(Sampling::Shuffle, n, 42);
            let passes: Vec<Vec<usize>> = (0..3).map(|p| (0..n as u64).map(|i| s.pick(p * n as u64 + i)).collect()).collect();
            for pass in &passes {
                let mut sorted = pass.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "n = {n}");
            }
            if n >= 5 {
                assert_ne!(passes[0], passes[1], "n = {n}: each pass has its own order");
                assert_ne!(passes[0], (0..n).collect::<Vec<_>>(), "n = {n}: not the file's order");
            }
        }
    }

    #[test]
    fn random_is_uniform_with_repeats_and_seeded() {
        let s = Sampler::new(Sampling::Random, 10, 1);
        let mut counts = [0; 10];
        for i in 0..10_000 {
            counts[s.pick(i)] += 1;
        }
        assert!(counts.iter().all(|&c| (800..1200).contains(&c)), "{counts:?}");
        let first: Vec<usize> = (0..10).map(|i| s.pick(i)).collect();
        let mut distinct = first.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() < 10, "with replacement: a pass of 10 repeats some entry ({first:?})");
        assert_eq!(first, (0..10).map(|i| Sampler::new(Sampling::Random, 10, 1).pick(i)).collect::<Vec<_>>());
        assert_ne!(first, (0..10).map(|i| Sampler::new(Sampling::Random, 10, 2).pick(i)).collect::<Vec<_>>());
    }
}
