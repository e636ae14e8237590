//! Helpers of the integration tests: in-memory "extraction" by index expression.

#![allow(dead_code, unreachable_pub)]

use mia_index::IndexExpression;
use ndarray::{ArrayD, Axis, Dimension, IxDyn, Slice};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// A volume whose every element is distinct: `(z, y, x[, c])`.
pub fn volume(shape: &[usize]) -> ArrayD<f32> {
    let mut n = 0.0f32;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        n += 1.0;
        n * 0.37 - 11.0
    })
}

/// The part of `a` an expression selects (positions drop their axis), as numpy's `a[expr]`.
pub fn extract<T: Clone>(a: &ArrayD<T>, e: &IndexExpression) -> ArrayD<T> {
    let ranges = e.resolve(a.shape()).unwrap();
    let mut v = a.view();
    for (axis, (r, _)) in ranges.iter().enumerate() {
        v.slice_axis_inplace(Axis(axis), Slice::from(r.clone()));
    }
    for (axis, (_, keep)) in ranges.iter().enumerate().rev() {
        if !keep {
            v.index_axis_inplace(Axis(axis), 0);
        }
    }
    v.to_owned()
}

/// `extract` widened by `padding[a] = (before, after)` on the leading axes, zeros outside the array (what a
/// padded data extractor delivers to a network with "valid" convolutions). Positions keep their axis.
pub fn extract_padded(a: &ArrayD<f32>, e: &IndexExpression, padding: &[(usize, usize)]) -> ArrayD<f32> {
    let ranges = e.resolve(a.shape()).unwrap();
    let out_shape: Vec<usize> = ranges
        .iter()
        .enumerate()
        .map(|(ax, (r, _))| r.len() + padding.get(ax).map_or(0, |p| p.0 + p.1))
        .collect();
    let mut out = ArrayD::zeros(IxDyn(&out_shape));
    for (idx, v) in out.indexed_iter_mut() {
        let src: Option<Vec<usize>> = (0..idx.ndim())
            .map(|ax| {
                let before = padding.get(ax).map_or(0, |p| p.0) as isize;
                let pos = ranges[ax].0.start as isize + idx[ax] as isize - before;
                (pos >= 0 && (pos as usize) < a.shape()[ax]).then_some(pos as usize)
            })
            .collect();
        if let Some(src) = src {
            *v = a[IxDyn(&src)];
        }
    }
    out
}

/// The expressions in a seeded random order.
pub fn shuffled(e: &[IndexExpression], seed: u64) -> Vec<IndexExpression> {
    let mut v = e.to_vec();
    v.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    v
}
