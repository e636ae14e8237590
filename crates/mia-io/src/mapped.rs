//! Voxels used where they lie: a memory map of an uncompressed file whose bytes are exactly the array a loader
//! would decode (C order, this machine's byte order).
//!
//! Dataset creation stacks the channels of a subject straight from such maps ([`crate::Load::map_voxels`]): the
//! kernel's copy of every file into a read buffer is saved, and the pages come from the page cache.

use std::fs::File;
use std::path::{Path, PathBuf};

use mia_core::{ImageProperties, PixelType};

use crate::{IoError, Result};

/// The voxels of an uncompressed image file, memory-mapped: `bytes` is the array in C (numpy) order and in this
/// machine's byte order, `properties` its geometry and pixel type.
///
/// A map, like every memory-mapped reader, assumes that the file is not truncated or rewritten while it is mapped
/// (another process shrinking it makes reads of the lost pages fault).
pub struct MappedImage {
    map: memmap2::Mmap,
    start: usize,
    len: usize,
    properties: ImageProperties,
    path: PathBuf,
}

impl std::fmt::Debug for MappedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedImage")
            .field("path", &self.path)
            .field("start", &self.start)
            .field("len", &self.len)
            .field("properties", &self.properties)
            .finish()
    }
}

impl MappedImage {
    /// Maps the voxels of an image with `properties` stored uncompressed from byte `offset` of `data_path`, in C
    /// order and this machine's byte order (the caller, a loader that parsed the header, vouches for that).
    ///
    /// # Errors
    /// The file cannot be opened or mapped, or it holds fewer bytes than the header declares (the message names the
    /// file and both sizes, as a read of the same file reports it).
    pub fn open(data_path: &Path, offset: u64, properties: ImageProperties) -> Result<MappedImage> {
        let count = properties
            .size()
            .iter()
            .try_fold(properties.components() as u64, |a, &d| a.checked_mul(d as u64));
        let pixel_type = properties.pixel_type();
        let needed = count.and_then(|c| c.checked_mul(pixel_type.size_bytes() as u64)).ok_or_else(|| {
            IoError::data(data_path, format!("array size {:?} overflows", properties.size()))
        })?;
        let file = File::open(data_path).map_err(|e| IoError::io(data_path, e))?;
        let file_len = file.metadata().map_err(|e| IoError::io(data_path, e))?.len();
        if offset.checked_add(needed).is_none_or(|end| end > file_len) {
            return Err(IoError::data(
                data_path,
                format!(
                    "voxel data is truncated: header declares {needed} bytes ({} voxels of {pixel_type}) from byte \
                     {offset}, the file has {file_len}",
                    needed / pixel_type.size_bytes() as u64
                ),
            ));
        }
        let (start, len) = match (usize::try_from(offset), usize::try_from(needed)) {
            (Ok(s), Ok(l)) => (s, l),
            _ => {
                return Err(IoError::data(
                    data_path,
                    format!("{needed} bytes of voxels do not fit in memory"),
                ))
            }
        };
        // SAFETY: the map is read-only and lives as long as this value; the file is not modified while it is
        // mapped (documented on the type), so its bytes stay valid.
        let map = unsafe { memmap2::MmapOptions::new().map(&file) }
            .map_err(|e| IoError::data(data_path, format!("memory-mapping the voxel data: {e}")))?;
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(MappedImage { map, start, len, properties, path: data_path.to_path_buf() })
    }

    /// The geometry, pixel type and channels.
    pub fn properties(&self) -> &ImageProperties {
        &self.properties
    }

    /// The pixel type of the voxels.
    pub fn pixel_type(&self) -> PixelType {
        self.properties.pixel_type()
    }

    /// The array shape in numpy order, `(z, y, x[, c])`, as a loader returns it.
    pub fn shape(&self) -> Vec<usize> {
        let mut shape: Vec<usize> = self.properties.size().iter().rev().copied().collect();
        if self.properties.components() > 1 {
            shape.push(self.properties.components());
        }
        shape
    }

    /// The voxel bytes: C order, this machine's byte order, not necessarily aligned for the pixel type.
    pub fn bytes(&self) -> &[u8] {
        &self.map[self.start..self.start + self.len]
    }

    /// The whole file the voxels are mapped from, header included (to hash it without reading it again).
    pub fn file_bytes(&self) -> &[u8] {
        &self.map
    }

    /// The file the voxels are mapped from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
