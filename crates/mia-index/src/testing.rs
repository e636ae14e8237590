//! Conformance kit for [`IndexingStrategy`] implementations (feature `testing`).
//!
//! [`check_strategy`] runs a strategy on a few shapes and checks what every strategy must guarantee: it has a
//! name, it succeeds, its expressions are valid (inside the array, no empty ranges, no more axes than the array)
//! and it is deterministic (a second call gives the same expressions in the same order). It also counts how often
//! every array element is covered; uncovered elements are reported, not treated as an error, because some
//! strategies leave borders out by design (pymia's `PatchWiseIndexing`). Call [`Report::require_full_coverage`]
//! when every voxel must be covered.
//!
//! ```
//! use mia_index::testing::check_strategy;
//! use mia_index::{PatchWiseIndexing, SliceIndexing};
//!
//! let report = check_strategy(&SliceIndexing::new(0), &[&[6, 8, 10, 2]]).unwrap();
//! assert!(report.require_full_coverage().is_ok());
//!
//! let report = check_strategy(&PatchWiseIndexing::new(&[4, 4, 4]), &[&[6, 8, 10, 2]]).unwrap();
//! assert_eq!(report.shapes[0].uncovered_count, (480 - 256) * 2);
//! ```

use std::collections::HashSet;

use crate::{IndexError, IndexExpression, IndexingStrategy};

/// Largest array (in elements) the kit checks coverage for; use small shapes.
pub const MAX_ELEMENTS: usize = 1 << 24;

/// Number of uncovered positions listed in a [`ShapeReport`].
pub const MAX_LISTED: usize = 16;

/// Why a strategy does not conform.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConformanceError {
    /// No shapes were given.
    #[error("no shapes to check")]
    NoShapes,
    /// `name()` returned an empty string.
    #[error("the strategy's name is empty")]
    EmptyName,
    /// A shape is too large for the coverage check.
    #[error("shape {shape:?} has more than {max} elements; check with smaller shapes")]
    ShapeTooLarge {
        /// The shape.
        shape: Vec<usize>,
        /// The limit.
        max: usize,
    },
    /// The strategy failed on a shape.
    #[error("{strategy} failed on shape {shape:?}: {source}")]
    Failed {
        /// The strategy.
        strategy: String,
        /// The shape.
        shape: Vec<usize>,
        /// Its error.
        source: Box<IndexError>,
    },
    /// An expression does not fit the array.
    #[error("{strategy}: expression #{position} {expression} is invalid for shape {shape:?}: {source}")]
    InvalidExpression {
        /// The strategy.
        strategy: String,
        /// The shape.
        shape: Vec<usize>,
        /// Position of the expression in the list.
        position: usize,
        /// The expression, as text.
        expression: String,
        /// Why.
        source: Box<IndexError>,
    },
    /// An expression selects nothing (an empty range).
    #[error("{strategy}: expression #{position} {expression} selects no element of shape {shape:?}")]
    EmptyExpression {
        /// The strategy.
        strategy: String,
        /// The shape.
        shape: Vec<usize>,
        /// Position of the expression in the list.
        position: usize,
        /// The expression, as text.
        expression: String,
    },
    /// Two calls with the same shape gave different expressions.
    #[error("{strategy} is not deterministic on shape {shape:?}: {detail}")]
    NotDeterministic {
        /// The strategy.
        strategy: String,
        /// The shape.
        shape: Vec<usize>,
        /// The first difference.
        detail: String,
    },
    /// Some element is covered more than once (from [`Report::require_no_overlap`]).
    #[error("{strategy}: an element of shape {shape:?} is covered {max_overlap} times")]
    Overlapping {
        /// The strategy.
        strategy: String,
        /// The shape.
        shape: Vec<usize>,
        /// Largest number of expressions covering one element.
        max_overlap: usize,
    },
    /// Some elements are covered by no expression (from [`Report::require_full_coverage`]).
    #[error("{strategy} leaves {count} elements of shape {shape:?} uncovered, e.g. {examples:?}")]
    Uncovered {
        /// The strategy.
        strategy: String,
        /// The shape.
        shape: Vec<usize>,
        /// Number of uncovered elements.
        count: usize,
        /// The first uncovered positions.
        examples: Vec<Vec<usize>>,
    },
}

/// What [`check_strategy`] found for one shape.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeReport {
    /// The shape.
    pub shape: Vec<usize>,
    /// Number of expressions.
    pub expressions: usize,
    /// Number of distinct expressions.
    pub distinct: usize,
    /// Number of array elements (channel axis included).
    pub elements: usize,
    /// Number of elements covered by no expression.
    pub uncovered_count: usize,
    /// The first [`MAX_LISTED`] uncovered positions, in C order.
    pub uncovered: Vec<Vec<usize>>,
    /// Largest number of expressions covering one element.
    pub max_overlap: usize,
}

/// What [`check_strategy`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The strategy's `describe()`.
    pub strategy: String,
    /// One entry per shape, in the given order.
    pub shapes: Vec<ShapeReport>,
}

impl Report {
    /// Whether every element of every shape is covered.
    pub fn fully_covered(&self) -> bool {
        self.shapes.iter().all(|s| s.uncovered_count == 0)
    }

    /// The report if every element is covered, otherwise [`ConformanceError::Uncovered`] for the first shape
    /// with uncovered elements.
    pub fn require_full_coverage(self) -> Result<Self, ConformanceError> {
        if let Some(s) = self.shapes.iter().find(|s| s.uncovered_count > 0) {
            return Err(ConformanceError::Uncovered {
                strategy: self.strategy.clone(),
                shape: s.shape.clone(),
                count: s.uncovered_count,
                examples: s.uncovered.clone(),
            });
        }
        Ok(self)
    }

    /// The report if no element is covered more than once (a partition of the covered elements).
    pub fn require_no_overlap(self) -> Result<Self, ConformanceError> {
        if let Some(s) = self.shapes.iter().find(|s| s.max_overlap > 1) {
            return Err(ConformanceError::Overlapping {
                strategy: self.strategy.clone(),
                shape: s.shape.clone(),
                max_overlap: s.max_overlap,
            });
        }
        Ok(self)
    }
}

/// Checks a strategy on each shape: name, success, validity, determinism; counts coverage.
pub fn check_strategy(
    strategy: &dyn IndexingStrategy,
    shapes: &[&[usize]],
) -> Result<Report, ConformanceError> {
    if shapes.is_empty() {
        return Err(ConformanceError::NoShapes);
    }
    if strategy.name().is_empty() {
        return Err(ConformanceError::EmptyName);
    }
    let name = strategy.describe();
    let mut reports = Vec::with_capacity(shapes.len());
    for &shape in shapes {
        reports.push(check_shape(strategy, &name, shape)?);
    }
    Ok(Report { strategy: name, shapes: reports })
}

fn check_shape(
    strategy: &dyn IndexingStrategy,
    name: &str,
    shape: &[usize],
) -> Result<ShapeReport, ConformanceError> {
    let elements = shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n)).unwrap_or(usize::MAX);
    if elements > MAX_ELEMENTS {
        return Err(ConformanceError::ShapeTooLarge { shape: shape.to_vec(), max: MAX_ELEMENTS });
    }
    let failed = |source| ConformanceError::Failed {
        strategy: name.to_string(),
        shape: shape.to_vec(),
        source: Box::new(source),
    };
    let first = strategy.indices(shape).map_err(failed)?;
    let second = strategy.indices(shape).map_err(failed)?;
    if first != second {
        let detail = match first.iter().zip(&second).position(|(a, b)| a != b) {
            Some(i) => format!("expression #{i} is {} then {}", first[i], second[i]),
            None => format!("{} expressions, then {}", first.len(), second.len()),
        };
        return Err(ConformanceError::NotDeterministic {
            strategy: name.to_string(),
            shape: shape.to_vec(),
            detail,
        });
    }
    let mut counts = vec![0u32; elements];
    let strides: Vec<usize> = (0..shape.len()).map(|a| shape[a + 1..].iter().product()).collect();
    for (position, e) in first.iter().enumerate() {
        let ranges = e.resolve(shape).map_err(|source| ConformanceError::InvalidExpression {
            strategy: name.to_string(),
            shape: shape.to_vec(),
            position,
            expression: e.to_string(),
            source: Box::new(source),
        })?;
        if elements > 0 && ranges.iter().any(|(r, _)| r.is_empty()) {
            return Err(ConformanceError::EmptyExpression {
                strategy: name.to_string(),
                shape: shape.to_vec(),
                position,
                expression: e.to_string(),
            });
        }
        add_coverage(&mut counts, &strides, &ranges);
    }
    let distinct = first.iter().collect::<HashSet<&IndexExpression>>().len();
    let mut uncovered = Vec::new();
    let mut uncovered_count = 0;
    for (flat, &c) in counts.iter().enumerate() {
        if c == 0 {
            uncovered_count += 1;
            if uncovered.len() < MAX_LISTED {
                uncovered.push(strides.iter().zip(shape).map(|(&s, &n)| (flat / s) % n).collect());
            }
        }
    }
    Ok(ShapeReport {
        shape: shape.to_vec(),
        expressions: first.len(),
        distinct,
        elements,
        uncovered_count,
        uncovered,
        max_overlap: counts.iter().copied().max().unwrap_or(0) as usize,
    })
}

fn add_coverage(counts: &mut [u32], strides: &[usize], ranges: &[(std::ops::Range<usize>, bool)]) {
    fn rec(counts: &mut [u32], strides: &[usize], ranges: &[(std::ops::Range<usize>, bool)], base: usize) {
        match ranges.split_first() {
            None => counts[base] = counts[base].saturating_add(1),
            Some(((r, _), rest)) => {
                for i in r.clone() {
                    rec(counts, &strides[1..], rest, base + i * strides[0]);
                }
            }
        }
    }
    rec(counts, strides, ranges, 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AxisIndex, Result};

    struct Flaky(std::sync::atomic::AtomicUsize);
    impl IndexingStrategy for Flaky {
        fn indices(&self, _shape: &[usize]) -> Result<Vec<IndexExpression>> {
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(vec![IndexExpression::at_axis(0, AxisIndex::Index(n % 2))])
        }
        fn name(&self) -> String {
            "Flaky".into()
        }
    }

    struct Fixed(Vec<IndexExpression>);
    impl IndexingStrategy for Fixed {
        fn indices(&self, _shape: &[usize]) -> Result<Vec<IndexExpression>> {
            Ok(self.0.clone())
        }
        fn name(&self) -> String {
            "Fixed".into()
        }
    }

    #[test]
    fn catches_broken_strategies() {
        let e = check_strategy(&Flaky(Default::default()), &[&[2, 2]]).unwrap_err();
        assert!(matches!(e, ConformanceError::NotDeterministic { .. }), "{e}");
        let e = check_strategy(&Fixed(vec![IndexExpression::patch(&[0], &[5])]), &[&[4]]).unwrap_err();
        assert!(matches!(e, ConformanceError::InvalidExpression { position: 0, .. }), "{e}");
        let e = check_strategy(&Fixed(vec![IndexExpression::patch(&[1], &[0])]), &[&[4]]).unwrap_err();
        assert!(matches!(e, ConformanceError::EmptyExpression { .. }), "{e}");
        let r = check_strategy(&Fixed(vec![IndexExpression::patch(&[1], &[2])]), &[&[4, 2]]).unwrap();
        assert_eq!(r.shapes[0].uncovered_count, 4);
        assert_eq!(r.shapes[0].uncovered, vec![vec![0, 0], vec![0, 1], vec![3, 0], vec![3, 1]]);
        assert!(matches!(r.require_full_coverage(), Err(ConformanceError::Uncovered { count: 4, .. })));
        let two = Fixed(vec![IndexExpression::whole(), IndexExpression::whole()]);
        let r = check_strategy(&two, &[&[3]]).unwrap();
        assert_eq!((r.shapes[0].max_overlap, r.shapes[0].distinct), (2, 1));
        assert!(r.require_no_overlap().is_err());
        assert!(matches!(check_strategy(&two, &[]), Err(ConformanceError::NoShapes)));
        assert!(matches!(
            check_strategy(&two, &[&[1 << 13, 1 << 12]]),
            Err(ConformanceError::ShapeTooLarge { .. })
        ));
    }
}
