//! NRRD reading (`.nrrd`, `.nhdr` + detached raw/gzip data).

use std::path::Path;

use mia_core::Image;

use crate::{IoError, Result};

/// Reads a NRRD image (`.nrrd` attached or `.nhdr` detached header).
pub fn read_nrrd(path: &Path) -> Result<Image> {
    Err(IoError::unsupported(path, "NRRD reading is not implemented yet"))
}
