//! Indexing strategies: shape in, index expressions out. Pure: no HDF5, no I/O, so a downstream crate that adds
//! its own [`IndexingStrategy`] needs only this crate.
//!
//! An [`IndexExpression`] selects part of a subject's array, axis by axis, like pymia's `IndexExpression`: each
//! leading axis is either whole ([`AxisIndex::All`]), one position ([`AxisIndex::Index`], the axis is dropped from
//! the result) or a half-open range ([`AxisIndex::Range`]). Axes past the expression's length are whole.
//!
//! ```
//! use mia_index::{AxisIndex, IndexExpression};
//!
//! // pymia: IndexExpression(3, axis=1) on a (6, 8, 10, 2) array -> [:, 3] -> shape (6, 10, 2)
//! let e = IndexExpression::at_axis(1, AxisIndex::Index(3));
//! assert_eq!(e.output_shape(&[6, 8, 10, 2]).unwrap(), vec![6, 10, 2]);
//! ```
#![warn(missing_docs)]

mod expression;

pub use expression::{AxisIndex, IndexError, IndexExpression};

/// Result type of this crate.
pub type Result<T, E = IndexError> = std::result::Result<T, E>;
