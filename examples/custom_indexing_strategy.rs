//! A strategy defined outside the workspace crates, checked with mia-index's conformance kit.
//!
//! `RandomPatches` samples `count` patches whose centres are drawn uniformly from the volume with a seeded
//! generator (shifted inward so every patch lies inside), the kind of sampler used for training on large volumes.
//! It needs only `mia-index` (the `testing` feature for the kit).
//!
//! Run with `cargo run --example custom_indexing_strategy`.

use mia::index::testing::check_strategy;
use mia::index::{IndexError, IndexExpression, IndexingStrategy, Result};

/// `count` patches of `patch_shape` at seeded random positions (deterministic for a seed and shape).
struct RandomPatches {
    patch_shape: Vec<usize>,
    count: usize,
    seed: u64,
}

/// SplitMix64: a tiny, well-known generator, enough for sampling positions.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

impl IndexingStrategy for RandomPatches {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        if self.patch_shape.len() > shape.len() {
            return Err(IndexError::TooFewAxes {
                strategy: self.describe(),
                needed: self.patch_shape.len(),
                shape: shape.to_vec(),
                ndim: shape.len(),
            });
        }
        for (axis, (&p, &n)) in self.patch_shape.iter().zip(shape).enumerate() {
            if p == 0 || p > n {
                return Err(IndexError::PatchLargerThanVolume {
                    strategy: self.describe(),
                    axis,
                    patch: p,
                    size: n,
                    shape: shape.to_vec(),
                });
            }
        }
        // The same seed and shape give the same patches: mix the shape into the seed.
        let mut rng = SplitMix64(shape.iter().fold(self.seed, |s, &n| s.rotate_left(7) ^ n as u64));
        Ok((0..self.count)
            .map(|_| {
                let starts: Vec<usize> = self
                    .patch_shape
                    .iter()
                    .zip(shape)
                    .map(|(&p, &n)| {
                        let centre = rng.below(n);
                        centre.saturating_sub(p / 2).min(n - p)
                    })
                    .collect();
                IndexExpression::patch(&starts, &self.patch_shape)
            })
            .collect())
    }

    fn name(&self) -> String {
        "RandomPatches".into()
    }

    fn describe(&self) -> String {
        format!(
            "RandomPatches (patch shape={:?}, count={}, seed={})",
            self.patch_shape, self.count, self.seed
        )
    }
}

fn main() {
    let strategy: Box<dyn IndexingStrategy> =
        Box::new(RandomPatches { patch_shape: vec![4, 4, 4], count: 40, seed: 42 });
    let shapes: &[&[usize]] = &[&[6, 8, 10, 2], &[16, 16, 16], &[4, 4, 4, 1]];
    let report = check_strategy(strategy.as_ref(), shapes).expect("RandomPatches conforms");
    println!("{}", report.strategy);
    for s in &report.shapes {
        println!(
            "  shape {:?}: {} patches ({} distinct), {} of {} elements uncovered, max overlap {}",
            s.shape, s.expressions, s.distinct, s.uncovered_count, s.elements, s.max_overlap
        );
    }
    // Random sampling does not promise full coverage: the kit reports it instead of failing.
    assert!(report.shapes[2].uncovered_count == 0, "a 4×4×4 volume is one patch");
    // A bad parameter is a typed error, reported by the kit.
    let too_big = RandomPatches { patch_shape: vec![8, 8, 8], count: 1, seed: 0 };
    println!("{}", check_strategy(&too_big, &[&[6, 8, 10]]).unwrap_err());
}
