//! The built-in strategies.

mod grid;
mod patch;
mod simple;
mod slab;

pub use grid::{Border, GridIndexing};
pub use patch::PatchWiseIndexing;
pub use simple::{EmptyIndexing, SliceIndexing, VoxelWiseIndexing};
pub use slab::SlabIndexing;

use crate::{IndexError, IndexExpression, Result};

/// Patch ranges `(start, stop)` along one axis of length `n` for patch size `p` and step `stride`.
pub(crate) fn axis_ranges(
    strategy: &dyn Fn() -> String,
    shape: &[usize],
    axis: usize,
    p: usize,
    stride: usize,
    border: Border,
) -> Result<Vec<(usize, usize)>> {
    let n = shape[axis];
    let too_large = || IndexError::PatchLargerThanVolume {
        strategy: strategy(),
        axis,
        patch: p,
        size: n,
        shape: shape.to_vec(),
    };
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    match border {
        Border::Drop => {
            if p > n {
                return Err(too_large());
            }
            let mut s = 0;
            while s + p <= n {
                out.push((s, s + p));
                s += stride;
            }
        }
        Border::Clip => {
            let mut s = 0;
            loop {
                out.push((s, (s + p).min(n)));
                if s + p >= n {
                    break;
                }
                s += stride;
            }
        }
        Border::ShiftInward => {
            if p > n {
                return Err(too_large());
            }
            let mut s = 0;
            while s + p <= n {
                out.push((s, s + p));
                s += stride;
            }
            if out.last().is_some_and(|&(_, e)| e < n) {
                out.push((n - p, n));
            }
        }
        Border::Spread => {
            if p > n {
                return Err(too_large());
            }
            // nnU-Net's compute_steps_for_sliding_window: as few steps of at most `stride` as reach the end,
            // spread evenly, rounded to the nearest voxel.
            let steps = (n - p).div_ceil(stride) + 1;
            if steps == 1 {
                out.push((0, p));
            } else {
                let actual = (n - p) as f64 / (steps - 1) as f64;
                for i in 0..steps {
                    let s = (actual * i as f64).round() as usize;
                    out.push((s, s + p));
                }
            }
        }
    }
    Ok(out)
}

/// All combinations of per-axis ranges in C order (last axis fastest), as patches on the leading axes.
pub(crate) fn cartesian(per_axis: &[Vec<(usize, usize)>]) -> Vec<IndexExpression> {
    let total: usize = per_axis.iter().map(Vec::len).product();
    if per_axis.is_empty() {
        return vec![IndexExpression::whole()];
    }
    let mut out = Vec::with_capacity(total);
    let mut counter = vec![0usize; per_axis.len()];
    for _ in 0..total {
        out.push(IndexExpression::new(
            counter
                .iter()
                .zip(per_axis)
                .map(|(&k, r)| crate::AxisIndex::Range { start: r[k].0, stop: r[k].1 })
                .collect(),
        ));
        for a in (0..counter.len()).rev() {
            counter[a] += 1;
            if counter[a] < per_axis[a].len() {
                break;
            }
            counter[a] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(n: usize, p: usize, s: usize, b: Border) -> Vec<(usize, usize)> {
        axis_ranges(&|| "t".into(), &[n], 0, p, s, b).unwrap()
    }

    #[test]
    fn borders() {
        assert_eq!(ranges(10, 4, 4, Border::Drop), vec![(0, 4), (4, 8)]);
        assert_eq!(ranges(10, 4, 4, Border::Clip), vec![(0, 4), (4, 8), (8, 10)]);
        assert_eq!(ranges(10, 4, 4, Border::ShiftInward), vec![(0, 4), (4, 8), (6, 10)]);
        assert_eq!(ranges(10, 4, 4, Border::Spread), vec![(0, 4), (3, 7), (6, 10)]);
        assert_eq!(ranges(8, 4, 4, Border::ShiftInward), vec![(0, 4), (4, 8)]);
        assert_eq!(ranges(10, 4, 2, Border::Clip), vec![(0, 4), (2, 6), (4, 8), (6, 10)]);
        assert_eq!(ranges(3, 4, 4, Border::Clip), vec![(0, 3)]);
        assert_eq!(ranges(4, 4, 2, Border::Spread), vec![(0, 4)]);
        // nnU-Net: image 181, patch 128, step 0.5 -> 64 voxels: 2 steps, [0, 53]
        assert_eq!(ranges(181, 128, 64, Border::Spread), vec![(0, 128), (53, 181)]);
        let e = axis_ranges(&|| "t".into(), &[3], 0, 4, 4, Border::Drop);
        assert!(matches!(e, Err(IndexError::PatchLargerThanVolume { patch: 4, size: 3, .. })));
    }

    #[test]
    fn cartesian_is_c_order() {
        let c = cartesian(&[vec![(0, 1), (1, 2)], vec![(0, 2), (2, 4)]]);
        let s: Vec<String> = c.iter().map(|e| e.to_string()).collect();
        assert_eq!(s, vec!["[0:1, 0:2]", "[0:1, 2:4]", "[1:2, 0:2]", "[1:2, 2:4]"]);
    }
}
