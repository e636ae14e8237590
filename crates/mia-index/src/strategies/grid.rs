//! Overlapping patch grids (beyond pymia).

use super::patch::check_patch;
use super::{axis_ranges, cartesian};
use crate::strategy::py_tuple;
use crate::{IndexError, IndexExpression, IndexingStrategy, Result};

/// What a grid does at the far border of an axis when the patches do not end exactly there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Border {
    /// The last patch is shifted inward so that it ends at the border: every patch is complete and inside the
    /// array, and every voxel is covered (the last two patches overlap more). Needs `patch <= size`.
    #[default]
    ShiftInward,
    /// nnU-Net's sliding window (`compute_steps_for_sliding_window`): the fewest steps no longer than the stride
    /// that reach the border, spread evenly (rounded). Complete patches, full coverage; needs `patch <= size`.
    Spread,
    /// The grid continues until the border and the last patch is clipped to the array (a smaller sample). To feed
    /// a network fixed-size inputs, pad the sample up to the patch shape when extracting and crop the output back
    /// when assembling: this is mia's "pad" border handling, and pymia's `ignore_incomplete=False`.
    Clip,
    /// Incomplete patches are left out; the far border may stay uncovered (pymia's `ignore_incomplete=True`).
    Drop,
}

/// Patches on a regular grid with a stride or overlap, possibly overlapping (beyond pymia), in C order.
///
/// The stride defaults to the patch shape (non-overlapping); `overlap(o)` sets `stride = patch - o`. The patch
/// covers the leading `patch_shape.len()` axes. Overlapping patches are averaged back together by mia-assemble's
/// `SubjectAssembler` (uniform, Gaussian or Hann weights).
///
/// ```
/// use mia_index::{Border, GridIndexing, IndexingStrategy};
///
/// // 4-voxel patches, half overlap, along a 10-voxel axis: 0:4, 2:6, 4:8, 6:10.
/// let g = GridIndexing::new(&[4]).overlap(&[2]);
/// assert_eq!(g.indices(&[10]).unwrap().len(), 4);
/// // non-overlapping with the last patch shifted inward: 0:4, 4:8, 6:10.
/// let e = GridIndexing::new(&[4]).border(Border::ShiftInward).indices(&[10]).unwrap();
/// assert_eq!(e[2].to_string(), "[6:10]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridIndexing {
    patch_shape: Vec<usize>,
    step: Step,
    border: Border,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Stride(Vec<usize>),
    Overlap(Vec<usize>),
}

impl GridIndexing {
    /// A non-overlapping grid of this patch shape with [`Border::ShiftInward`].
    pub fn new(patch_shape: &[usize]) -> Self {
        GridIndexing {
            patch_shape: patch_shape.to_vec(),
            step: Step::Stride(patch_shape.to_vec()),
            border: Border::default(),
        }
    }

    /// Distance between the starts of neighbouring patches, per axis.
    pub fn stride(mut self, stride: &[usize]) -> Self {
        self.step = Step::Stride(stride.to_vec());
        self
    }

    /// Overlap of neighbouring patches, per axis (`stride = patch - overlap`; must be smaller than the patch).
    pub fn overlap(mut self, overlap: &[usize]) -> Self {
        self.step = Step::Overlap(overlap.to_vec());
        self
    }

    /// Border handling (default [`Border::ShiftInward`]).
    pub fn border(mut self, border: Border) -> Self {
        self.border = border;
        self
    }

    /// The patch shape.
    pub fn patch_shape(&self) -> &[usize] {
        &self.patch_shape
    }

    /// The stride per axis (derived from the overlap if one was given).
    pub fn resolved_stride(&self) -> Result<Vec<usize>> {
        match &self.step {
            Step::Stride(s) => Ok(s.clone()),
            Step::Overlap(o) => {
                if o.len() != self.patch_shape.len() || o.iter().zip(&self.patch_shape).any(|(o, p)| o >= p) {
                    return Err(IndexError::InvalidParameters {
                        strategy: self.describe(),
                        message: format!(
                            "overlap {o:?} must have one value per patch axis, each smaller than the patch {:?}",
                            self.patch_shape
                        ),
                    });
                }
                Ok(self.patch_shape.iter().zip(o).map(|(p, o)| p - o).collect())
            }
        }
    }
}

impl IndexingStrategy for GridIndexing {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        let stride = self.resolved_stride()?;
        check_patch(&self.describe(), &self.patch_shape, Some(&stride), shape)?;
        let per_axis = self
            .patch_shape
            .iter()
            .zip(&stride)
            .enumerate()
            .map(|(a, (&p, &s))| axis_ranges(&|| self.describe(), shape, a, p, s, self.border))
            .collect::<Result<Vec<_>>>()?;
        Ok(cartesian(&per_axis))
    }
    fn name(&self) -> String {
        "GridIndexing".into()
    }
    fn describe(&self) -> String {
        let step = match &self.step {
            Step::Stride(s) => format!("stride={}", py_tuple(s)),
            Step::Overlap(o) => format!("overlap={}", py_tuple(o)),
        };
        format!(
            "GridIndexing (patch shape={}, {step}, border={:?})",
            py_tuple(&self.patch_shape),
            self.border
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_counts() {
        let g = GridIndexing::new(&[4, 4, 4]).overlap(&[2, 2, 2]);
        // axis 6: 0:4, 2:6 | axis 8: 0,2,4 | axis 10: 0,2,4,6
        assert_eq!(g.indices(&[6, 8, 10, 2]).unwrap().len(), 2 * 3 * 4);
        let g = GridIndexing::new(&[4, 4, 4]).border(Border::Drop);
        assert_eq!(g.indices(&[6, 8, 10, 2]).unwrap().len(), 4);
        let g = GridIndexing::new(&[4, 4, 4]).border(Border::Clip);
        assert_eq!(g.indices(&[6, 8, 10, 2]).unwrap().len(), 12);
        let g = GridIndexing::new(&[4, 4, 4]);
        assert_eq!(g.indices(&[6, 8, 10, 2]).unwrap().len(), 12);
        assert_eq!(
            g.describe(),
            "GridIndexing (patch shape=(4, 4, 4), stride=(4, 4, 4), border=ShiftInward)"
        );
    }

    #[test]
    fn bad_parameters() {
        let g = GridIndexing::new(&[4]).overlap(&[4]);
        assert!(matches!(g.indices(&[10]), Err(IndexError::InvalidParameters { .. })));
        let g = GridIndexing::new(&[4]).stride(&[0]);
        assert!(matches!(g.indices(&[10]), Err(IndexError::InvalidParameters { .. })));
        let g = GridIndexing::new(&[12]);
        assert!(matches!(g.indices(&[10]), Err(IndexError::PatchLargerThanVolume { .. })));
    }
}
