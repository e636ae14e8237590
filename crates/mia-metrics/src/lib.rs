//! Evaluation metrics for medical image segmentation and reconstruction.
//!
//! Not implemented yet: this crate is being filled by the metrics work (issue 3).
#![warn(missing_docs)]

pub mod surface;
