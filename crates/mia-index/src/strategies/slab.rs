//! Slabs: several neighbouring slices along one axis (beyond pymia).

use super::{axis_ranges, Border};
use crate::{AxisIndex, IndexError, IndexExpression, IndexingStrategy, Result};

/// Slabs of `thickness` neighbouring slices along one axis, `stride` slices apart (beyond pymia).
///
/// Each expression is a range on `axis`, whole on every other axis: `[:, 3:6]` for axis 1, thickness 3. The
/// stride defaults to the thickness (non-overlapping slabs); a stride of 1 gives one slab per position (each slice
/// then lies in up to `thickness` slabs, averaged back by the assembler). The border is handled as by
/// [`GridIndexing`](crate::GridIndexing) (default [`Border::ShiftInward`]). For "a slice with context" (a slab
/// centred on every slice, zero-padded at the borders), use `SliceIndexing` with mia-extract's `PadDataExtractor`.
///
/// ```
/// use mia_index::{IndexingStrategy, SlabIndexing};
///
/// let e = SlabIndexing::new(0, 3).indices(&[10, 4, 4]).unwrap();
/// let s: Vec<String> = e.iter().map(|e| e.to_string()).collect();
/// assert_eq!(s, vec!["[0:3]", "[3:6]", "[6:9]", "[7:10]"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlabIndexing {
    axis: usize,
    thickness: usize,
    stride: usize,
    border: Border,
}

impl SlabIndexing {
    /// Non-overlapping slabs of `thickness` slices along `axis`.
    pub fn new(axis: usize, thickness: usize) -> Self {
        SlabIndexing { axis, thickness, stride: thickness, border: Border::default() }
    }

    /// Distance between the first slices of neighbouring slabs.
    pub fn stride(mut self, stride: usize) -> Self {
        self.stride = stride;
        self
    }

    /// Border handling (default [`Border::ShiftInward`]).
    pub fn border(mut self, border: Border) -> Self {
        self.border = border;
        self
    }
}

impl IndexingStrategy for SlabIndexing {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        if self.thickness == 0 || self.stride == 0 {
            return Err(IndexError::InvalidParameters {
                strategy: self.describe(),
                message: format!(
                    "thickness ({}) and stride ({}) must be positive",
                    self.thickness, self.stride
                ),
            });
        }
        if self.axis >= shape.len() {
            return Err(IndexError::TooFewAxes {
                strategy: self.describe(),
                needed: self.axis + 1,
                shape: shape.to_vec(),
                ndim: shape.len(),
            });
        }
        let ranges =
            axis_ranges(&|| self.describe(), shape, self.axis, self.thickness, self.stride, self.border)?;
        Ok(ranges
            .into_iter()
            .map(|(start, stop)| IndexExpression::at_axis(self.axis, AxisIndex::Range { start, stop }))
            .collect())
    }
    fn name(&self) -> String {
        "SlabIndexing".into()
    }
    fn describe(&self) -> String {
        format!(
            "SlabIndexing (axis={}, thickness={}, stride={}, border={:?})",
            self.axis, self.thickness, self.stride, self.border
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slabs() {
        let e = SlabIndexing::new(1, 3).stride(1).indices(&[2, 5, 3]).unwrap();
        let s: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert_eq!(s, vec!["[:, 0:3]", "[:, 1:4]", "[:, 2:5]"]);
        assert!(matches!(SlabIndexing::new(3, 2).indices(&[2, 5, 3]), Err(IndexError::TooFewAxes { .. })));
        assert!(matches!(SlabIndexing::new(0, 0).indices(&[2]), Err(IndexError::InvalidParameters { .. })));
    }
}
