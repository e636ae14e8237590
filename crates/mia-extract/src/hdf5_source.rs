//! [`Source`] for HDF5 datasets read with `mia_dataset::Dataset`.

use std::path::PathBuf;

use mia_core::{ImageData, ImageProperties, PixelType};
use mia_dataset::{Dataset, ReadError};
use mia_index::IndexExpression;

use crate::{ExtractError, Result, Source};

fn convert(e: ReadError, category: &str, subject: usize) -> ExtractError {
    match e {
        ReadError::UnknownCategory { category, available, .. } => {
            ExtractError::UnknownCategory { category, available }
        }
        ReadError::SubjectIndex { index, count, .. } => {
            ExtractError::OutOfRange { what: "subject", index: index.to_string(), len: count }
        }
        ReadError::Missing { location, message, .. } => ExtractError::Missing { what: location, message },
        ReadError::MetaOnly { category, path } => ExtractError::Missing {
            what: "pixel data".into(),
            message: format!(
                "{}: metadata-only dataset, category '{category}' must be loaded from its files \
                 (FilesystemDataExtractor)",
                path.display()
            ),
        },
        ReadError::Index { source, .. } => ExtractError::Index(source),
        other => ExtractError::Read {
            category: category.to_string(),
            subject,
            message: other.to_string(),
            source: Some(Box::new(other)),
        },
    }
}

/// An HDF5 dataset written by pymia or mia (pixel data or metadata-only).
///
/// Reads of unfiltered arrays, contiguous (pymia's layout, mia's default) or chunked, are copies out of a read-only
/// memory map of the file and do not take the HDF5 library's global lock (a chunked array takes it once per chunk,
/// to learn where the chunk lies), so loader workers read in parallel; compressed arrays are read through HDF5, one
/// thread at a time.
impl Source for Dataset {
    fn subjects(&self) -> Result<Vec<String>> {
        Ok(Dataset::subjects(self).to_vec())
    }

    fn categories(&self) -> Result<Vec<String>> {
        Ok(Dataset::categories(self).to_vec())
    }

    fn names(&self, category: &str) -> Result<Vec<String>> {
        Dataset::names(self, category).map_err(|e| convert(e, category, 0))
    }

    fn shape(&self, category: &str, subject: usize) -> Result<Vec<usize>> {
        Dataset::shape(self, category, subject).map_err(|e| convert(e, category, subject))
    }

    fn pixel_type(&self, category: &str) -> Result<Option<PixelType>> {
        Dataset::dtype(self, category).map_err(|e| convert(e, category, 0))
    }

    fn image_properties(&self, subject: usize) -> Result<ImageProperties> {
        Dataset::image_properties(self, subject).map_err(|e| convert(e, "meta/image_props", subject))
    }

    fn is_meta_only(&self) -> bool {
        Dataset::is_meta_only(self)
    }

    fn file_root(&self) -> Result<PathBuf> {
        Dataset::file_root(self).map_err(|e| convert(e, "meta/files", 0))
    }

    fn files(&self, category: &str, subject: usize) -> Result<Vec<PathBuf>> {
        Dataset::files(self, category, subject).map_err(|e| convert(e, category, subject))
    }

    fn read(&self, category: &str, subject: usize, index: &IndexExpression) -> Result<ImageData> {
        Dataset::read(self, category, subject, index).map_err(|e| convert(e, category, subject))
    }

    fn read_strings(&self, category: &str, subject: usize) -> Result<Vec<String>> {
        Dataset::read_strings(self, category, subject).map_err(|e| convert(e, category, subject))
    }
}

/// Loads image files with `mia-io` (NIfTI, MetaImage, NRRD, DICOM, ...): the default [`crate::FileLoader`] of
/// [`crate::FilesystemDataExtractor::mia_io`].
pub struct MiaIoLoader {
    loader: Option<Box<dyn mia_io::Load>>,
}

impl std::fmt::Debug for MiaIoLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiaIoLoader")
            .field("loader", &self.loader.as_ref().map(|l| l.name().to_string()))
            .finish()
    }
}

impl MiaIoLoader {
    /// Every format `mia_io::read_image` knows.
    pub fn new() -> Self {
        MiaIoLoader { loader: None }
    }

    /// A specific `mia_io` loader (e.g. one for a format of your own).
    pub fn with(loader: Box<dyn mia_io::Load>) -> Self {
        MiaIoLoader { loader: Some(loader) }
    }
}

impl Default for MiaIoLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl crate::FileLoader for MiaIoLoader {
    fn load(&self, path: &std::path::Path, _category: &str) -> Result<ImageData> {
        let image = match &self.loader {
            Some(l) => l.load(path),
            None => mia_io::read_image(path),
        }
        .map_err(|e| ExtractError::Load {
            path: path.to_path_buf(),
            message: e.to_string(),
            source: Some(Box::new(e)),
        })?;
        Ok(image.into_parts().0)
    }
}
