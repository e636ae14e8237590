//! Medical image input/output for mia: NIfTI-1/2, MetaImage, NRRD, DICOM, 2-D PNG/TIFF/JPEG and non-image
//! records (demographics), with voxels and geometry exactly as SimpleITK reports them.
//!
//! Images come back as [`mia_core::Image`]: voxel arrays in numpy order `(z, y, x[, c])`, geometry in ITK order
//! `(x, y, z)`, LPS. [`read_image`] and [`write_image`] choose the format by extension (with magic-byte checks);
//! the [`Load`] trait lets users plug in their own formats.
//!
//! ```
//! use mia_core::Image;
//! use ndarray::ArrayD;
//!
//! let dir = tempfile::tempdir()?;
//! let array = ArrayD::from_shape_fn(vec![2, 3, 4], |ix| (ix[0] * 12 + ix[1] * 4 + ix[2]) as i16);
//! let image = Image::from_array_with_geometry(array, vec![0.5, 1.0, 2.0], vec![10.0, -4.0, 2.5], None)?;
//!
//! // Format by extension: NIfTI-1 (gzip), MetaImage, ...
//! let path = dir.path().join("volume.nii.gz");
//! mia_io::write_image(&path, &image)?;
//! let back = mia_io::read_image(&path)?;
//! assert_eq!(back.data(), image.data());
//! assert_eq!(back.properties().spacing(), &[0.5, 1.0, 2.0]);
//!
//! // Loaders are trait objects: plug in your own format next to the default one.
//! use mia_io::{DefaultLoader, Load};
//! let loaders: Vec<Box<dyn Load>> = vec![Box::new(DefaultLoader)];
//! assert_eq!(loaders.load(&path)?.properties().size(), &[4, 3, 2]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod error;
mod fsutil;
mod load;
mod mapped;
mod raw;

pub mod metaimage;
pub mod nifti;
pub mod record;

pub use error::IoError;
pub use load::{read_image, write_image, DefaultLoader, Format, FormatLoader, Load};
pub use mapped::MappedImage;
pub use record::{read_record, read_record_table, Record, Value};

/// Result type of this crate.
pub type Result<T, E = IoError> = std::result::Result<T, E>;

pub mod dicom;
pub mod nrrd;
pub mod raster;
