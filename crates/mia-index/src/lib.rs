//! Indexing strategies: shape in, index expressions out. Pure: no HDF5, no I/O, so a downstream crate that adds
//! its own [`IndexingStrategy`] needs only this crate.
//!
//! An [`IndexExpression`] selects part of a subject's array, axis by axis, like pymia's `IndexExpression`: each
//! leading axis is either whole ([`AxisIndex::All`]), one position ([`AxisIndex::Index`], the axis is dropped from
//! the result) or a half-open range ([`AxisIndex::Range`]). Axes past the expression's length are whole.
//!
//! An [`IndexingStrategy`] turns a subject's array shape (numpy order, channel axis included) into the list of
//! expressions that become its samples:
//!
//! | strategy | pymia | samples |
//! |---|---|---|
//! | [`EmptyIndexing`] | `EmptyIndexing` | the whole array |
//! | [`SliceIndexing`] | `SliceIndexing` | slices along one axis, or several axes in turn (2.5-D) |
//! | [`PatchWiseIndexing`] | `PatchWiseIndexing` | non-overlapping patches (border dropped or clipped) |
//! | [`VoxelWiseIndexing`] | `VoxelWiseIndexing` | single voxels |
//! | [`GridIndexing`] | – | patches with a stride or overlap, [`Border`] handling (nnU-Net style) |
//! | [`SlabIndexing`] | – | several neighbouring slices along an axis, with a stride |
//!
//! The `testing` feature adds a conformance kit (`testing::check_strategy`) for strategies written elsewhere.
//!
//! ```
//! use mia_index::{AxisIndex, GridIndexing, IndexExpression, IndexingStrategy, SliceIndexing};
//!
//! // pymia: IndexExpression(3, axis=1) on a (6, 8, 10, 2) array -> [:, 3] -> shape (6, 10, 2)
//! let e = IndexExpression::at_axis(1, AxisIndex::Index(3));
//! assert_eq!(e.output_shape(&[6, 8, 10, 2]).unwrap(), vec![6, 10, 2]);
//!
//! let strategies: Vec<Box<dyn IndexingStrategy>> =
//!     vec![Box::new(SliceIndexing::new(0)), Box::new(GridIndexing::new(&[4, 4, 4]).overlap(&[2, 2, 2]))];
//! let counts: Vec<usize> = strategies.iter().map(|s| s.indices(&[6, 8, 10, 2]).unwrap().len()).collect();
//! assert_eq!(counts, vec![6, 24]);
//! ```
#![warn(missing_docs)]

mod expression;
mod strategies;
mod strategy;
#[cfg(feature = "testing")]
pub mod testing;

pub use expression::{AxisIndex, IndexError, IndexExpression};
pub use strategies::{
    Border, EmptyIndexing, GridIndexing, PatchWiseIndexing, SlabIndexing, SliceIndexing, VoxelWiseIndexing,
};
pub use strategy::IndexingStrategy;

/// Result type of this crate.
pub type Result<T, E = IndexError> = std::result::Result<T, E>;
