//! DICOM reading: single files, multi-frame files and series directories (one 3-D volume), with voxels and
//! geometry as SimpleITK (ITK's GDCMImageIO and ImageSeriesReader) reports them.
//!
//! * Every image is 3-D: size `(columns, rows, frames)` in ITK order, array `(frames, rows, columns[, 3])`.
//! * Spacing `x` is the column spacing (second value of Pixel Spacing), `y` the row spacing; `z` is the distance
//!   between slices of a series; for one file it follows GDCM: the functional groups of enhanced objects (Spacing
//!   Between Slices, else the distance of the first two frame positions), RT Dose's Grid Frame Offset Vector,
//!   Spacing Between Slices for MR and NM (single frames too), and `1` otherwise.
//! * Frames of a multi-frame file stay in stored order; rescale values of the shared or first frame's functional
//!   group apply to every frame (as GDCM).
//! * Origin is Image Position (Patient) of the first slice; the direction columns are the row cosine, the column
//!   cosine and their cross product (the slice normal), orthonormalised as ITK does.
//! * Rescale Slope/Intercept are applied; the pixel type follows GDCM's choice (the smallest integer type that
//!   holds every rescaled value Bits Stored allows; `f64` for a non-integer slope or intercept).
//! * Transfer syntaxes: implicit/explicit little endian, explicit big endian, deflate, RLE lossless, 8-bit JPEG
//!   baseline, JPEG 2000 (through `dicom-pixeldata` 0.10); JPEG-LS with the `jpeg-ls` feature
//!   (default; CharLS, built with cmake); and 12-bit lossy JPEG (JPEG Extended, Process 2 & 4,
//!   1.2.840.10008.1.2.4.51, or a 12-bit stream under JPEG Baseline's UID) through mia's own decoder: no maintained
//!   Rust crate decodes 12-bit lossy JPEG (`jpeg-decoder`, used by `dicom-pixeldata`, and `zune-jpeg` reject a
//!   sample precision of 12). Its IDCT is IJG libjpeg's accurate integer one, as in GDCM, so the voxels equal
//!   SimpleITK's; other decoders (pydicom with pylibjpeg) may differ by one in some samples, as lossy JPEG allows.
//!   Anything not decoded gives [`IoError::Unsupported`] naming the transfer syntax; a corrupt or truncated stream
//!   gives [`IoError::Data`].
//! * 8-bit native YBR_FULL is converted to RGB as SimpleITK does; PALETTE COLOR is not supported.
//!
//! A series directory must hold exactly one series that forms a regular volume; gaps, non-parallel slices, mixed
//! series, duplicated positions and differing image sizes are refused with [`IoError::Series`].

use std::path::Path;

use mia_core::Image;

use crate::{IoError, Result};

mod header;
mod jpeg12;
mod jpeg_frames;
mod pixels;
mod series;
mod single;

pub use series::{read_dicom_series, SeriesConfig};

/// Reads a DICOM file, or a directory holding one series, as one image (SimpleITK's geometry conventions).
pub fn read_dicom(path: &Path) -> Result<Image> {
    let meta = std::fs::metadata(path).map_err(|e| IoError::io(path, e))?;
    if meta.is_dir() {
        read_dicom_series(path, &SeriesConfig::default())
    } else {
        single::read_file(path)
    }
}

pub(crate) use crate::raw::with_pixel_type;

/// Geometry of the volume to build (ITK order).
pub(crate) struct Volume {
    pub(crate) size: [usize; 3],
    pub(crate) spacing: [f64; 3],
    pub(crate) origin: [f64; 3],
    pub(crate) direction: [f64; 9],
    pub(crate) components: usize,
}

impl Volume {
    /// Wraps decoded values (array order) into an image with this geometry.
    pub(crate) fn into_image<T: mia_core::IntoImageData>(self, path: &Path, values: Vec<T>) -> Result<Image> {
        let props = mia_core::ImageProperties::new(
            self.size.to_vec(),
            self.spacing.to_vec(),
            self.origin.to_vec(),
            Some(self.direction.to_vec()),
            self.components,
            T::PIXEL_TYPE,
        )
        .map_err(|source| IoError::Image { path: path.to_path_buf(), source })?;
        let shape = props.array_shape();
        let array = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), values).map_err(|e| {
            IoError::data(path, format!("decoded values do not fill the array of shape {shape:?}: {e}"))
        })?;
        Image::new(T::wrap(array), props)
            .map_err(|source| IoError::Image { path: path.to_path_buf(), source })
    }
}
