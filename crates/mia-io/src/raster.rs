//! 2-D raster images (PNG, TIFF, JPEG) through the `image` crate.

use std::path::Path;

use mia_core::Image;

use crate::{IoError, Result};

/// Reads a 2-D PNG, TIFF or JPEG image.
pub fn read_raster(path: &Path) -> Result<Image> {
    Err(IoError::unsupported(path, "2-D image reading is not implemented yet"))
}

/// Writes a 2-D PNG, TIFF or JPEG image.
pub fn write_raster(path: &Path, _image: &Image) -> Result<()> {
    Err(IoError::unsupported(path, "2-D image writing is not implemented yet"))
}
