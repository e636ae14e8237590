//! **mia**: data handling and evaluation for deep learning in medical image analysis.
//!
//! A Rust re-creation of the Python package pymia (Jungo et al., CMPB 2021), faster, stricter with bad input and
//! more complete. This facade re-exports the workspace's crates behind features; depend on the individual crates
//! if you need only one part.
//!
//! | module | crate | what |
//! |---|---|---|
//! | [`core`] | `mia-core` | images, pixel types, spatial properties, axis conventions |
//! | `io` | `mia-io` | NIfTI, MetaImage, NRRD, DICOM, 2-D images, records |
//! | `dataset` | `mia-dataset` | pymia-compatible HDF5 datasets, metadata-only datasets |
//! | `index` | `mia-index` | indexing strategies (slices, patches, ...) |
//! | `extract` | `mia-extract` | data sources, extractors, transforms, loaders |
//! | `assemble` | `mia-assemble` | putting network outputs back into volumes |
//! | `metrics` | `mia-metrics` | segmentation and reconstruction metrics |
//! | `report` | `mia-report` | evaluators and writers (CSV, statistics, HTML) |
#![warn(missing_docs)]

#[cfg(feature = "assemble")]
pub use mia_assemble as assemble;
pub use mia_core as core;
#[cfg(feature = "dataset")]
pub use mia_dataset as dataset;
#[cfg(feature = "extract")]
pub use mia_extract as extract;
#[cfg(feature = "index")]
pub use mia_index as index;
#[cfg(feature = "io")]
pub use mia_io as io;
#[cfg(feature = "metrics")]
pub use mia_metrics as metrics;
#[cfg(feature = "report")]
pub use mia_report as report;
