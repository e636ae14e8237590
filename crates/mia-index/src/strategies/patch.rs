//! pymia's non-overlapping patch grid.

use super::{axis_ranges, cartesian, Border};
use crate::strategy::py_tuple;
use crate::{IndexError, IndexExpression, IndexingStrategy, Result};

/// Non-overlapping patches on a regular grid (pymia's `PatchWiseIndexing`), in C order (last axis fastest).
///
/// The patch covers the leading `patch_shape.len()` axes. With `ignore_incomplete = true` (pymia's default) the
/// remainder at the far border of each axis is left out: `(4, 4, 4)` patches on a `(6, 8, 10, 2)` array give 4
/// patches covering 256 of the 480 voxels. With `false` the grid extends to cover the remainder; pymia produces
/// slices past the end there (which h5py clips when reading but which its assembler cannot write back), whereas mia
/// **clips the last patch to the array** (`8:10` instead of `8:12`), so the expression is valid everywhere and the
/// samples are exactly what pymia's reader returned (12 patches for the example above).
///
/// Unlike pymia (which returns no patches), a patch larger than the array with `ignore_incomplete = true` is an
/// error ([`IndexError::PatchLargerThanVolume`]). A patch with a zero size or more axes than the array is an error.
///
/// ```
/// use mia_index::{IndexingStrategy, PatchWiseIndexing};
///
/// let p = PatchWiseIndexing::new(&[4, 4, 4]);
/// assert_eq!(p.indices(&[6, 8, 10, 2]).unwrap().len(), 4);
/// let p = PatchWiseIndexing::new(&[4, 4, 4]).ignore_incomplete(false);
/// let e = p.indices(&[6, 8, 10, 2]).unwrap();
/// assert_eq!(e.len(), 12);
/// assert_eq!(e[11].to_string(), "[4:6, 4:8, 8:10]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchWiseIndexing {
    patch_shape: Vec<usize>,
    ignore_incomplete: bool,
}

impl PatchWiseIndexing {
    /// Patches of this shape, incomplete border patches ignored (pymia's default).
    pub fn new(patch_shape: &[usize]) -> Self {
        PatchWiseIndexing { patch_shape: patch_shape.to_vec(), ignore_incomplete: true }
    }

    /// Whether the incomplete patches at the far borders are left out (`true`) or clipped to the array (`false`).
    pub fn ignore_incomplete(mut self, ignore: bool) -> Self {
        self.ignore_incomplete = ignore;
        self
    }

    /// The patch shape.
    pub fn patch_shape(&self) -> &[usize] {
        &self.patch_shape
    }
}

impl IndexingStrategy for PatchWiseIndexing {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        check_patch(&self.describe(), &self.patch_shape, None, shape)?;
        let border = if self.ignore_incomplete { Border::Drop } else { Border::Clip };
        let per_axis = self
            .patch_shape
            .iter()
            .enumerate()
            .map(|(a, &p)| axis_ranges(&|| self.describe(), shape, a, p, p, border))
            .collect::<Result<Vec<_>>>()?;
        Ok(cartesian(&per_axis))
    }
    fn name(&self) -> String {
        "PatchWiseIndexing".into()
    }
    fn describe(&self) -> String {
        let b = if self.ignore_incomplete { "True" } else { "False" };
        format!("PatchWiseIndexing (patch shape={}, ignore incomplete={b})", py_tuple(&self.patch_shape))
    }
}

/// Validates a patch shape (and stride) against an array shape.
pub(crate) fn check_patch(
    strategy: &str,
    patch: &[usize],
    stride: Option<&[usize]>,
    shape: &[usize],
) -> Result<()> {
    let invalid = |message: String| IndexError::InvalidParameters { strategy: strategy.to_string(), message };
    if patch.is_empty() {
        return Err(invalid("the patch shape is empty".into()));
    }
    if patch.contains(&0) {
        return Err(invalid(format!("patch shape {patch:?} has a zero size")));
    }
    if let Some(stride) = stride {
        if stride.len() != patch.len() {
            return Err(invalid(format!("stride {stride:?} and patch shape {patch:?} differ in length")));
        }
        if stride.contains(&0) {
            return Err(invalid(format!("stride {stride:?} has a zero step")));
        }
    }
    if patch.len() > shape.len() {
        return Err(IndexError::TooFewAxes {
            strategy: strategy.to_string(),
            needed: patch.len(),
            shape: shape.to_vec(),
            ndim: shape.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AxisIndex;

    #[test]
    fn pymia_vectors() {
        let e = PatchWiseIndexing::new(&[4, 4, 4]).indices(&[6, 8, 10, 2]).unwrap();
        let s: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert_eq!(s, vec!["[0:4, 0:4, 0:4]", "[0:4, 0:4, 4:8]", "[0:4, 4:8, 0:4]", "[0:4, 4:8, 4:8]"]);
        // pymia (ignore_incomplete=False): 12 patches in C order, the last one [4:8, 4:8, 8:12] clipped here.
        let e = PatchWiseIndexing::new(&[4, 4, 4]).ignore_incomplete(false).indices(&[6, 8, 10, 2]).unwrap();
        assert_eq!(e.len(), 12);
        assert_eq!(e[2].to_string(), "[0:4, 0:4, 8:10]");
        assert_eq!(e[6].axis(0), AxisIndex::Range { start: 4, stop: 6 });
        assert_eq!(
            PatchWiseIndexing::new(&[4, 4, 4]).describe(),
            "PatchWiseIndexing (patch shape=(4, 4, 4), ignore incomplete=True)"
        );
    }

    #[test]
    fn bad_patches() {
        let p = PatchWiseIndexing::new(&[8, 8]);
        assert!(matches!(p.indices(&[6, 10]), Err(IndexError::PatchLargerThanVolume { axis: 0, .. })));
        assert_eq!(p.clone().ignore_incomplete(false).indices(&[6, 10]).unwrap().len(), 2);
        assert!(matches!(
            PatchWiseIndexing::new(&[0]).indices(&[6]),
            Err(IndexError::InvalidParameters { .. })
        ));
        assert!(matches!(PatchWiseIndexing::new(&[2, 2]).indices(&[6]), Err(IndexError::TooFewAxes { .. })));
    }
}
