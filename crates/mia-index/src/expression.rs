use std::fmt;
use std::ops::Range;

/// Errors of index expressions and indexing strategies.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// The expression addresses more axes than the array has.
    #[error("index expression {expression} has {axes} axes, but the array shape {shape:?} has only {ndim}")]
    TooManyAxes {
        /// The expression, as text.
        expression: String,
        /// Number of axes of the expression.
        axes: usize,
        /// The array shape.
        shape: Vec<usize>,
        /// Number of array dimensions.
        ndim: usize,
    },
    /// A position or range lies outside the array.
    #[error("index {index} on axis {axis} is out of bounds for array shape {shape:?}")]
    OutOfBounds {
        /// The axis.
        axis: usize,
        /// The offending index or range, as text.
        index: String,
        /// The array shape.
        shape: Vec<usize>,
    },
    /// A patch (or slab) is larger than the volume along an axis, so no complete patch fits.
    #[error(
        "{strategy}: patch size {patch} on axis {axis} is larger than the array's {size} (shape {shape:?})"
    )]
    PatchLargerThanVolume {
        /// The strategy, as text.
        strategy: String,
        /// The axis.
        axis: usize,
        /// Patch size along the axis.
        patch: usize,
        /// Array size along the axis.
        size: usize,
        /// The array shape.
        shape: Vec<usize>,
    },
    /// The strategy needs more array axes than the shape has.
    #[error("{strategy}: needs at least {needed} axes, but the array shape {shape:?} has {ndim}")]
    TooFewAxes {
        /// The strategy, as text.
        strategy: String,
        /// Axes needed.
        needed: usize,
        /// The array shape.
        shape: Vec<usize>,
        /// Number of array dimensions.
        ndim: usize,
    },
    /// A strategy's parameters do not fit the shape it is applied to.
    #[error("{strategy}: {message}")]
    InvalidParameters {
        /// The strategy, as text.
        strategy: String,
        /// What is wrong.
        message: String,
    },
}

/// How one axis is indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum AxisIndex {
    /// The whole axis (`:`).
    All,
    /// One position; the axis is removed from the result (`i`).
    Index(usize),
    /// A half-open range `start..stop`; the axis is kept (`start:stop`).
    Range {
        /// First position.
        start: usize,
        /// One past the last position.
        stop: usize,
    },
}

/// Selects part of an array, axis by axis from the first; axes past the expression are whole.
///
/// The equivalent of pymia's `IndexExpression(indexing, axis)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct IndexExpression {
    axes: Vec<AxisIndex>,
}

impl IndexExpression {
    /// The whole array (pymia's `IndexExpression()`, `slice(None)`).
    pub fn whole() -> Self {
        IndexExpression { axes: Vec::new() }
    }

    /// An expression from per-axis indices, starting at axis 0.
    pub fn new(axes: Vec<AxisIndex>) -> Self {
        let mut e = IndexExpression { axes };
        e.trim();
        e
    }

    /// One index on one axis, every earlier axis whole (pymia's `IndexExpression(i, axis)`).
    pub fn at_axis(axis: usize, index: AxisIndex) -> Self {
        let mut axes = vec![AxisIndex::All; axis + 1];
        axes[axis] = index;
        IndexExpression::new(axes)
    }

    /// Ranges on the leading axes (a patch): `starts[i]..starts[i] + sizes[i]`.
    pub fn patch(starts: &[usize], sizes: &[usize]) -> Self {
        IndexExpression::new(
            starts.iter().zip(sizes).map(|(&s, &n)| AxisIndex::Range { start: s, stop: s + n }).collect(),
        )
    }

    /// The per-axis indices (axes past the end are whole).
    pub fn axes(&self) -> &[AxisIndex] {
        &self.axes
    }

    /// The index of one axis (`All` past the end).
    pub fn axis(&self, axis: usize) -> AxisIndex {
        self.axes.get(axis).copied().unwrap_or(AxisIndex::All)
    }

    /// Whether the expression selects the whole array.
    pub fn is_whole(&self) -> bool {
        self.axes.is_empty()
    }

    fn trim(&mut self) {
        while self.axes.last() == Some(&AxisIndex::All) {
            self.axes.pop();
        }
    }

    /// Resolves the expression against an array shape: one range per array axis (an `Index(i)` becomes
    /// `i..i+1`) and a flag per axis telling whether it is kept in the output.
    pub fn resolve(&self, shape: &[usize]) -> crate::Result<Vec<(Range<usize>, bool)>> {
        if self.axes.len() > shape.len() {
            return Err(IndexError::TooManyAxes {
                expression: self.to_string(),
                axes: self.axes.len(),
                shape: shape.to_vec(),
                ndim: shape.len(),
            });
        }
        shape
            .iter()
            .enumerate()
            .map(|(axis, &n)| {
                let oob = |index: String| IndexError::OutOfBounds { axis, index, shape: shape.to_vec() };
                match self.axis(axis) {
                    AxisIndex::All => Ok((0..n, true)),
                    AxisIndex::Index(i) if i < n => Ok((i..i + 1, false)),
                    AxisIndex::Index(i) => Err(oob(i.to_string())),
                    AxisIndex::Range { start, stop } if start <= stop && stop <= n => Ok((start..stop, true)),
                    AxisIndex::Range { start, stop } => Err(oob(format!("{start}:{stop}"))),
                }
            })
            .collect()
    }

    /// Shape of the selected part of an array of the given shape.
    pub fn output_shape(&self, shape: &[usize]) -> crate::Result<Vec<usize>> {
        Ok(self.resolve(shape)?.into_iter().filter(|(_, keep)| *keep).map(|(r, _)| r.len()).collect())
    }
}

impl fmt::Display for IndexExpression {
    /// numpy notation, e.g. `[:, 3, 0:4]`; the whole array is `[...]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.axes.is_empty() {
            return f.write_str("[...]");
        }
        f.write_str("[")?;
        for (i, a) in self.axes.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match a {
                AxisIndex::All => f.write_str(":")?,
                AxisIndex::Index(i) => write!(f, "{i}")?,
                AxisIndex::Range { start, stop } => write!(f, "{start}:{stop}")?,
            }
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pymia_forms() {
        let shape = [6, 8, 10, 2];
        assert_eq!(IndexExpression::whole().output_shape(&shape).unwrap(), vec![6, 8, 10, 2]);
        assert_eq!(
            IndexExpression::at_axis(0, AxisIndex::Index(1)).output_shape(&shape).unwrap(),
            vec![8, 10, 2]
        );
        assert_eq!(
            IndexExpression::at_axis(2, AxisIndex::Index(9)).output_shape(&shape).unwrap(),
            vec![6, 8, 2]
        );
        let p = IndexExpression::patch(&[0, 4, 4], &[4, 4, 4]);
        assert_eq!(p.output_shape(&shape).unwrap(), vec![4, 4, 4, 2]);
        assert_eq!(p.to_string(), "[0:4, 4:8, 4:8]");
    }

    #[test]
    fn out_of_bounds_is_an_error() {
        let e = IndexExpression::at_axis(0, AxisIndex::Index(6)).output_shape(&[6, 8]);
        assert!(matches!(e, Err(IndexError::OutOfBounds { axis: 0, .. })));
        let e = IndexExpression::patch(&[4], &[4]).output_shape(&[6]);
        assert!(matches!(e, Err(IndexError::OutOfBounds { .. })));
        let e = IndexExpression::patch(&[0, 0, 0], &[1, 1, 1]).output_shape(&[6, 8]);
        assert!(matches!(e, Err(IndexError::TooManyAxes { .. })));
    }
}
