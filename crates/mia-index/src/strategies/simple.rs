//! Whole arrays, slices and single voxels.

use crate::strategy::py_tuple;
use crate::{AxisIndex, IndexError, IndexExpression, IndexingStrategy, Result};

/// The whole array as one sample (pymia's `EmptyIndexing`, the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EmptyIndexing;

impl IndexingStrategy for EmptyIndexing {
    fn indices(&self, _shape: &[usize]) -> Result<Vec<IndexExpression>> {
        Ok(vec![IndexExpression::whole()])
    }
    fn name(&self) -> String {
        "EmptyIndexing".into()
    }
}

/// Every slice along one axis, or along several axes in turn (pymia's `SliceIndexing`).
///
/// For each axis in the given order, one expression `IndexExpression::at_axis(axis, Index(i))` per position `i`:
/// axis 0 gives `[i]`, axis 1 `[:, i]`, axis 2 `[:, :, i]`. Axes `(0, 1, 2)` on a `(6, 8, 10, c)` array give
/// 6 + 8 + 10 = 24 samples (tri-planar 2.5-D), exactly pymia's order.
///
/// ```
/// use mia_index::{IndexingStrategy, SliceIndexing};
///
/// let e = SliceIndexing::axes(&[0, 1, 2]).indices(&[6, 8, 10, 2]).unwrap();
/// assert_eq!(e.len(), 24);
/// assert_eq!(e[6].to_string(), "[:, 0]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceIndexing {
    axes: Vec<usize>,
}

impl SliceIndexing {
    /// Slices along one axis (pymia's `SliceIndexing(axis)`).
    pub fn new(axis: usize) -> Self {
        SliceIndexing { axes: vec![axis] }
    }

    /// Slices along each of the axes in turn (pymia's `SliceIndexing((0, 1, 2))`).
    pub fn axes(axes: &[usize]) -> Self {
        SliceIndexing { axes: axes.to_vec() }
    }

    /// The three planes of a 3-D volume: axes 0, 1, 2 in turn.
    pub fn tri_planar() -> Self {
        SliceIndexing::axes(&[0, 1, 2])
    }

    /// The slicing axes, in order.
    pub fn slice_axes(&self) -> &[usize] {
        &self.axes
    }
}

impl IndexingStrategy for SliceIndexing {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        let mut out = Vec::with_capacity(self.axes.iter().map(|&a| shape.get(a).copied().unwrap_or(0)).sum());
        for &axis in &self.axes {
            let Some(&n) = shape.get(axis) else {
                return Err(IndexError::TooFewAxes {
                    strategy: self.describe(),
                    needed: axis + 1,
                    shape: shape.to_vec(),
                    ndim: shape.len(),
                });
            };
            out.extend((0..n).map(|i| IndexExpression::at_axis(axis, AxisIndex::Index(i))));
        }
        Ok(out)
    }
    fn name(&self) -> String {
        "SliceIndexing".into()
    }
    fn describe(&self) -> String {
        format!("SliceIndexing ({})", py_tuple(&self.axes))
    }
}

/// One sample per voxel of the leading `image_dimension` axes, in C order (pymia's `VoxelWiseIndexing`).
///
/// Each expression indexes every image axis with a position, so a sample is the voxel's channel vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoxelWiseIndexing {
    image_dimension: usize,
}

impl VoxelWiseIndexing {
    /// Voxels of the leading `image_dimension` axes (pymia's default is 3).
    pub fn new(image_dimension: usize) -> Self {
        VoxelWiseIndexing { image_dimension }
    }
}

impl Default for VoxelWiseIndexing {
    fn default() -> Self {
        VoxelWiseIndexing::new(3)
    }
}

impl IndexingStrategy for VoxelWiseIndexing {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        let d = self.image_dimension;
        if d == 0 || d > shape.len() {
            return Err(IndexError::TooFewAxes {
                strategy: self.describe(),
                needed: d.max(1),
                shape: shape.to_vec(),
                ndim: shape.len(),
            });
        }
        let image = &shape[..d];
        let total: usize = image.iter().product();
        let mut out = Vec::new();
        out.try_reserve_exact(total).map_err(|_| IndexError::InvalidParameters {
            strategy: self.describe(),
            message: format!("cannot allocate {total} voxel expressions for shape {shape:?}"),
        })?;
        let mut pos = vec![0usize; d];
        for _ in 0..total {
            out.push(IndexExpression::new(pos.iter().map(|&i| AxisIndex::Index(i)).collect()));
            for a in (0..d).rev() {
                pos[a] += 1;
                if pos[a] < image[a] {
                    break;
                }
                pos[a] = 0;
            }
        }
        Ok(out)
    }
    fn name(&self) -> String {
        "VoxelWiseIndexing".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(e: &[IndexExpression]) -> Vec<String> {
        e.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn pymia_vectors() {
        // pymia: SliceIndexing(0) on (6, 8, 10, 2) -> (0,), (1,), ...
        let e = SliceIndexing::new(0).indices(&[6, 8, 10, 2]).unwrap();
        assert_eq!(e.len(), 6);
        assert_eq!(e[1], IndexExpression::new(vec![AxisIndex::Index(1)]));
        // pymia: SliceIndexing((1, 0)) on (2, 3, 4) -> (:, 0), (:, 1), (:, 2), (0,), (1,)
        let e = SliceIndexing::axes(&[1, 0]).indices(&[2, 3, 4]).unwrap();
        assert_eq!(strings(&e), vec!["[:, 0]", "[:, 1]", "[:, 2]", "[0]", "[1]"]);
        // pymia: VoxelWiseIndexing(2) on (2, 2, 3) -> (0, 0), (0, 1), (1, 0), (1, 1)
        let e = VoxelWiseIndexing::new(2).indices(&[2, 2, 3]).unwrap();
        assert_eq!(strings(&e), vec!["[0, 0]", "[0, 1]", "[1, 0]", "[1, 1]"]);
        assert_eq!(EmptyIndexing.indices(&[3]).unwrap(), vec![IndexExpression::whole()]);
        assert_eq!(SliceIndexing::tri_planar().describe(), "SliceIndexing ((0, 1, 2))");
        assert_eq!(VoxelWiseIndexing::default().describe(), "VoxelWiseIndexing");
    }

    #[test]
    fn bad_axes() {
        assert!(matches!(
            SliceIndexing::new(3).indices(&[2, 2, 2]),
            Err(IndexError::TooFewAxes { needed: 4, .. })
        ));
        assert!(matches!(VoxelWiseIndexing::new(3).indices(&[2, 2]), Err(IndexError::TooFewAxes { .. })));
    }
}
