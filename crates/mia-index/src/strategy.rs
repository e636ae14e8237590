//! The [`IndexingStrategy`] extension point.

use std::sync::Arc;

use crate::{IndexExpression, Result};

/// Decides which parts of a subject's array become training samples: shape in, index expressions out.
///
/// `shape` is the subject's full array shape in numpy order, channel axis included (`(z, y, x, c)`), exactly as
/// pymia passes `meta/shapes` to its strategies. Implementations must be deterministic (the same shape gives the
/// same expressions in the same order) and return expressions that lie inside the shape; the conformance kit
/// (`mia_index::testing::check_strategy`, `testing` feature) checks both, and coverage.
///
/// The trait is object safe; data sources hold a `Box<dyn IndexingStrategy>`.
///
/// ```
/// use mia_index::{IndexingStrategy, SliceIndexing};
///
/// let strategy: Box<dyn IndexingStrategy> = Box::new(SliceIndexing::new(0));
/// assert_eq!(strategy.indices(&[6, 8, 10, 2]).unwrap().len(), 6);
/// assert_eq!(strategy.describe(), "SliceIndexing ((0,))");
/// ```
pub trait IndexingStrategy: Send + Sync {
    /// The index expressions for an array of this shape, in sample order.
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>>;

    /// Short name of the strategy (pymia's class name, e.g. `SliceIndexing`).
    fn name(&self) -> String;

    /// Name and parameters, as pymia's `__repr__` prints them (e.g. `SliceIndexing ((0,))`).
    fn describe(&self) -> String {
        self.name()
    }
}

impl<T: IndexingStrategy + ?Sized> IndexingStrategy for &T {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        (**self).indices(shape)
    }
    fn name(&self) -> String {
        (**self).name()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

impl<T: IndexingStrategy + ?Sized> IndexingStrategy for Box<T> {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        (**self).indices(shape)
    }
    fn name(&self) -> String {
        (**self).name()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

impl<T: IndexingStrategy + ?Sized> IndexingStrategy for Arc<T> {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        (**self).indices(shape)
    }
    fn name(&self) -> String {
        (**self).name()
    }
    fn describe(&self) -> String {
        (**self).describe()
    }
}

/// Several strategies in turn: the expressions of the first, then of the second, ... (e.g. slices along one axis
/// followed by patches). An empty list yields no expressions.
impl IndexingStrategy for Vec<Box<dyn IndexingStrategy>> {
    fn indices(&self, shape: &[usize]) -> Result<Vec<IndexExpression>> {
        let mut all = Vec::new();
        for s in self {
            all.extend(s.indices(shape)?);
        }
        Ok(all)
    }
    fn name(&self) -> String {
        "ConcatIndexing".to_string()
    }
    fn describe(&self) -> String {
        let parts: Vec<String> = self.iter().map(|s| s.describe()).collect();
        format!("ConcatIndexing [{}]", parts.join(", "))
    }
}

/// Formats a list of numbers as a Python tuple (`(0,)`, `(4, 4, 4)`), as pymia's `__repr__` shows parameters.
pub(crate) fn py_tuple(values: &[usize]) -> String {
    match values {
        [v] => format!("({v},)"),
        _ => format!("({})", values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EmptyIndexing, SliceIndexing};

    #[test]
    fn forwarding_and_concat() {
        let s = SliceIndexing::new(1);
        let r: &dyn IndexingStrategy = &s;
        assert_eq!((&r).indices(&[2, 3]).unwrap().len(), 3);
        let arc: Arc<dyn IndexingStrategy> = Arc::new(EmptyIndexing);
        assert_eq!(arc.indices(&[2, 3]).unwrap(), vec![IndexExpression::whole()]);
        let v: Vec<Box<dyn IndexingStrategy>> =
            vec![Box::new(SliceIndexing::new(0)), Box::new(EmptyIndexing)];
        assert_eq!(v.indices(&[2, 3]).unwrap().len(), 3);
        assert_eq!(v.describe(), "ConcatIndexing [SliceIndexing ((0,)), EmptyIndexing]");
        assert_eq!(py_tuple(&[4, 4, 4]), "(4, 4, 4)");
    }
}
