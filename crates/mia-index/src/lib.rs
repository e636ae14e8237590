//! Indexing strategies: shape in, index expressions out. Pure: no HDF5, no I/O.
//!
//! Not implemented yet: this crate is being filled by the extraction work (issue 5).
#![warn(missing_docs)]
