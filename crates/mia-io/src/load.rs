//! The [`Load`] extension point, format detection (extension + magic bytes) and the [`read_image`] /
//! [`write_image`] entry points.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use mia_core::Image;

use crate::fsutil::{lower_name, GZIP_MAGIC};
use crate::{dicom, metaimage, nifti, nrrd, raster, IoError, MappedImage, Result};

/// Something that loads images from paths: implement it to plug in a format of your own.
///
/// Object safe and `Send + Sync`, so loaders travel as `Box<dyn Load>` / `Arc<dyn Load>` (e.g. into a dataset
/// builder that loads subjects in parallel). A `Vec<Box<dyn Load>>` is itself a loader that asks each in turn.
pub trait Load: Send + Sync {
    /// A short human-readable name (`"nifti"`, `"my-format"`), used in messages.
    fn name(&self) -> &str;

    /// Whether this loader recognises the path (by extension and/or content). Must be cheap and never fail.
    fn can_load(&self, path: &Path) -> bool;

    /// Loads the image at `path`.
    fn load(&self, path: &Path) -> Result<Image>;

    /// The voxels of `path` memory-mapped where they lie, when [`Load::load`] would return exactly those bytes as
    /// its array (uncompressed, C order, this machine's byte order); `Ok(None)` when they need decoding. Dataset
    /// creation stacks channels straight from such maps. The default maps nothing.
    ///
    /// # Errors
    /// As [`Load::load`] for a bad header, a missing file or truncated data.
    fn map_voxels(&self, path: &Path) -> Result<Option<MappedImage>> {
        let _ = path;
        Ok(None)
    }
}

impl<T: Load + ?Sized> Load for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn can_load(&self, path: &Path) -> bool {
        (**self).can_load(path)
    }
    fn load(&self, path: &Path) -> Result<Image> {
        (**self).load(path)
    }
    fn map_voxels(&self, path: &Path) -> Result<Option<MappedImage>> {
        (**self).map_voxels(path)
    }
}

impl<T: Load + ?Sized> Load for Box<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn can_load(&self, path: &Path) -> bool {
        (**self).can_load(path)
    }
    fn load(&self, path: &Path) -> Result<Image> {
        (**self).load(path)
    }
    fn map_voxels(&self, path: &Path) -> Result<Option<MappedImage>> {
        (**self).map_voxels(path)
    }
}

impl<T: Load + ?Sized> Load for Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn can_load(&self, path: &Path) -> bool {
        (**self).can_load(path)
    }
    fn load(&self, path: &Path) -> Result<Image> {
        (**self).load(path)
    }
    fn map_voxels(&self, path: &Path) -> Result<Option<MappedImage>> {
        (**self).map_voxels(path)
    }
}

/// Asks each loader in order; the first whose [`Load::can_load`] accepts the path loads it.
impl<T: Load> Load for Vec<T> {
    fn name(&self) -> &str {
        "chain"
    }
    fn can_load(&self, path: &Path) -> bool {
        self.iter().any(|l| l.can_load(path))
    }
    fn load(&self, path: &Path) -> Result<Image> {
        match self.iter().find(|l| l.can_load(path)) {
            Some(l) => l.load(path),
            None => Err(IoError::unsupported(
                path,
                format!(
                    "none of the loaders [{}] accepts it",
                    self.iter().map(|l| l.name()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    fn map_voxels(&self, path: &Path) -> Result<Option<MappedImage>> {
        self.iter().find(|l| l.can_load(path)).map_or(Ok(None), |l| l.map_voxels(path))
    }
}

/// The image formats mia reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// NIfTI-1/2 and Analyze (`.nii`, `.nii.gz`, `.hdr`/`.img`).
    Nifti,
    /// MetaImage (`.mha`, `.mhd`).
    MetaImage,
    /// NRRD (`.nrrd`, `.nhdr`).
    Nrrd,
    /// DICOM file (`.dcm`) or series directory.
    Dicom,
    /// 2-D PNG, TIFF or JPEG.
    Raster,
}

impl Format {
    /// The format a file name suggests, if any.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let n = lower_name(path);
        let ends = |exts: &[&str]| exts.iter().any(|e| n.ends_with(e));
        if nifti::is_nifti_name(path) {
            Some(Format::Nifti)
        } else if ends(&[".mha", ".mhd"]) {
            Some(Format::MetaImage)
        } else if ends(&[".nrrd", ".nhdr"]) {
            Some(Format::Nrrd)
        } else if ends(&[".dcm", ".dicom", ".ima"]) {
            Some(Format::Dicom)
        } else if ends(&[".png", ".tif", ".tiff", ".jpg", ".jpeg"]) {
            Some(Format::Raster)
        } else {
            None
        }
    }

    /// The format the first bytes of a file reveal, if any (gzip content is looked into).
    pub fn from_content(path: &Path) -> Option<Format> {
        if path.is_dir() {
            return Some(Format::Dicom);
        }
        let mut head = Vec::with_capacity(1024);
        let file = std::fs::File::open(path).ok()?;
        file.take(1024).read_to_end(&mut head).ok()?;
        if head.starts_with(&GZIP_MAGIC) {
            let mut inner = Vec::with_capacity(1024);
            let _ = flate2::read::MultiGzDecoder::new(head.as_slice()).take(1024).read_to_end(&mut inner);
            return sniff_bytes(&inner);
        }
        sniff_bytes(&head)
    }

    /// Detects the format: the extension decides, unless the content clearly says otherwise (a DICOM file named
    /// `.img`, a NIfTI file without extension, ...).
    pub fn detect(path: &Path) -> Option<Format> {
        let by_name = Format::from_extension(path);
        let by_content = Format::from_content(path);
        match (by_name, by_content) {
            // `.img` files carry raw voxels: their header is the `.hdr` next to them.
            (Some(Format::Nifti), _) => Some(Format::Nifti),
            (Some(Format::MetaImage), _) => Some(Format::MetaImage),
            (Some(Format::Nrrd), _) => Some(Format::Nrrd),
            (_, Some(content)) => Some(content),
            (name, None) => name,
        }
    }

    /// Reads an image of this format.
    pub fn read(self, path: &Path) -> Result<Image> {
        match self {
            Format::Nifti => nifti::read_nifti(path),
            Format::MetaImage => metaimage::read_metaimage(path),
            Format::Nrrd => nrrd::read_nrrd(path),
            Format::Dicom => dicom::read_dicom(path),
            Format::Raster => raster::read_raster(path),
        }
    }

    /// The voxels of an image of this format memory-mapped where they lie, if they need no decoding (uncompressed
    /// MetaImage and NIfTI in this machine's byte order, NIfTI without intensity scaling); `Ok(None)` otherwise.
    ///
    /// # Errors
    /// As [`Format::read`] for a bad header, a missing file or truncated data.
    pub fn map_voxels(self, path: &Path) -> Result<Option<MappedImage>> {
        match self {
            Format::MetaImage => metaimage::map_metaimage(path),
            Format::Nifti => nifti::map_nifti(path),
            Format::Nrrd | Format::Dicom | Format::Raster => Ok(None),
        }
    }

    /// The short name of the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::Nifti => "nifti",
            Format::MetaImage => "metaimage",
            Format::Nrrd => "nrrd",
            Format::Dicom => "dicom",
            Format::Raster => "raster",
        }
    }
}

fn sniff_bytes(head: &[u8]) -> Option<Format> {
    if head.len() >= 4 {
        let first4 = [head[0], head[1], head[2], head[3]];
        let size = i32::from_le_bytes(first4);
        let size_be = i32::from_be_bytes(first4);
        if [348, 540].contains(&size) || [348, 540].contains(&size_be) {
            return Some(Format::Nifti);
        }
    }
    if head.len() >= 132 && &head[128..132] == b"DICM" {
        return Some(Format::Dicom);
    }
    if head.starts_with(b"\x89PNG")
        || head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
        || head.starts_with(&[0xff, 0xd8, 0xff])
    {
        return Some(Format::Raster);
    }
    if head.starts_with(b"NRRD000") {
        return Some(Format::Nrrd);
    }
    let text = String::from_utf8_lossy(&head[..head.len().min(512)]);
    if text.lines().take(5).any(|l| {
        let key = l.split('=').next().unwrap_or("").trim();
        ["ObjectType", "NDims", "DimSize"].contains(&key)
    }) {
        return Some(Format::MetaImage);
    }
    None
}

/// A loader for one fixed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormatLoader(pub Format);

impl Load for FormatLoader {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn can_load(&self, path: &Path) -> bool {
        Format::detect(path) == Some(self.0)
    }
    fn load(&self, path: &Path) -> Result<Image> {
        self.0.read(path)
    }
    fn map_voxels(&self, path: &Path) -> Result<Option<MappedImage>> {
        self.0.map_voxels(path)
    }
}

/// The default loader: every format mia reads, chosen by extension with magic-byte checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefaultLoader;

impl Load for DefaultLoader {
    fn name(&self) -> &str {
        "default"
    }
    fn can_load(&self, path: &Path) -> bool {
        Format::detect(path).is_some()
    }
    fn load(&self, path: &Path) -> Result<Image> {
        if !path.exists() {
            return Err(IoError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ));
        }
        match Format::detect(path) {
            Some(format) => format.read(path),
            None => Err(IoError::unsupported(
                path,
                "neither the extension nor the content is NIfTI, MetaImage, NRRD, DICOM, PNG, TIFF or JPEG",
            )),
        }
    }
    fn map_voxels(&self, path: &Path) -> Result<Option<MappedImage>> {
        match Format::detect(path) {
            Some(format) if path.is_file() => format.map_voxels(path),
            _ => Ok(None),
        }
    }
}

/// Reads an image of any supported format (see [`DefaultLoader`]).
pub fn read_image(path: impl AsRef<Path>) -> Result<Image> {
    DefaultLoader.load(path.as_ref())
}

/// Writes an image, choosing the format by extension: `.nii`, `.nii.gz`, `.hdr`/`.img` (NIfTI-1), `.mha`
/// (MetaImage, inline data), `.mhd` (+ `.raw`), `.png`/`.tif`/`.tiff`/`.jpg`/`.jpeg` (2-D). Writes are atomic:
/// a temporary file in the same directory is renamed over the target.
pub fn write_image(path: impl AsRef<Path>, image: &Image) -> Result<()> {
    let path = path.as_ref();
    match Format::from_extension(path) {
        Some(Format::Nifti) => nifti::write_nifti(path, image),
        Some(Format::MetaImage) => metaimage::write_metaimage(path, image),
        Some(Format::Raster) => raster::write_raster(path, image),
        Some(f) => Err(IoError::unsupported(path, format!("writing {} is not supported", f.name()))),
        None => Err(IoError::unsupported(
            path,
            "unknown extension; write .nii, .nii.gz, .mha, .mhd, .png, .tif or .jpg",
        )),
    }
}
