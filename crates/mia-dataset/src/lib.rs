//! HDF5 dataset creation and reading, compatible with pymia 0.3.4 in both directions.
//!
//! Not implemented yet: this crate is being filled by the dataset work (issue 4).
#![warn(missing_docs)]
