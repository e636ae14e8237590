//! Medical image input/output for mia: NIfTI-1/2, MetaImage, NRRD, DICOM, 2-D PNG/TIFF/JPEG and non-image
//! records (demographics), with voxels and geometry exactly as SimpleITK reports them.
//!
//! Images come back as [`mia_core::Image`]: voxel arrays in numpy order `(z, y, x[, c])`, geometry in ITK order
//! `(x, y, z)`, LPS. [`read_image`] and [`write_image`] choose the format by extension (with magic-byte checks);
//! the [`Load`] trait lets users plug in their own formats.
#![warn(missing_docs)]

mod error;

pub use error::IoError;

/// Result type of this crate.
pub type Result<T, E = IoError> = std::result::Result<T, E>;

pub mod dicom;
pub mod nrrd;
pub mod raster;
