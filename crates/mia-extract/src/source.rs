//! The dataset abstraction extraction works on.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mia_core::{ImageData, ImageProperties, PixelType};
use mia_index::IndexExpression;

use crate::util::slice_data;
use crate::{ExtractError, Result};

/// A dataset that samples are extracted from: an HDF5 dataset (with pixel data) or a metadata-only dataset (file
/// paths, shapes and properties; the pixels are loaded from the files by [`crate::FilesystemDataExtractor`]).
///
/// Implemented for `mia_dataset::Dataset` (feature `hdf5`, on by default) and for the in-memory [`MemorySource`].
/// Subjects are addressed by their index in the dataset (file order); arrays are in numpy order
/// (`z, y, x, entries`: the last axis holds a category's entries, e.g. T1 and T2).
///
/// Thread safety: the trait requires `Send + Sync` so one source can serve several loader workers. An HDF5 source
/// passes every call through the HDF5 C library, which serialises all calls behind one global lock; parallel
/// readers therefore overlap only their work outside the library (copies, transforms, decompression done by mia).
pub trait Source: Send + Sync {
    /// Subject identifiers in dataset order.
    fn subjects(&self) -> Result<Vec<String>>;
    /// Category names (e.g. `images`, `labels`).
    fn categories(&self) -> Result<Vec<String>>;
    /// Entry (channel) names of a category (`meta/names/<cat>_names`).
    fn names(&self, category: &str) -> Result<Vec<String>>;
    /// Array shape of a category for one subject, numpy order with the entry axis last (`z, y, x, c`).
    fn shape(&self, category: &str, subject: usize) -> Result<Vec<usize>>;
    /// Pixel type of a category; `None` for string categories.
    fn pixel_type(&self, category: &str) -> Result<Option<PixelType>>;
    /// Image properties of a subject (`meta/image_props`).
    fn image_properties(&self, subject: usize) -> Result<ImageProperties>;
    /// Whether the dataset holds no pixel data (metadata-only).
    fn is_meta_only(&self) -> bool;
    /// The common root directory of the subjects' files (`meta/files/file_root`).
    fn file_root(&self) -> Result<PathBuf>;
    /// The files a subject's category was created from, relative to [`Source::file_root`].
    fn files(&self, category: &str, subject: usize) -> Result<Vec<PathBuf>>;
    /// Reads the part of a subject's array selected by `index` (every range inside the array).
    fn read(&self, category: &str, subject: usize, index: &IndexExpression) -> Result<ImageData>;
    /// Reads a string category of a subject.
    fn read_strings(&self, category: &str, subject: usize) -> Result<Vec<String>>;
}

macro_rules! forward_source {
    ($($t:ty),*) => {$(
        impl<S: Source + ?Sized> Source for $t {
            fn subjects(&self) -> Result<Vec<String>> { (**self).subjects() }
            fn categories(&self) -> Result<Vec<String>> { (**self).categories() }
            fn names(&self, category: &str) -> Result<Vec<String>> { (**self).names(category) }
            fn shape(&self, category: &str, subject: usize) -> Result<Vec<usize>> { (**self).shape(category, subject) }
            fn pixel_type(&self, category: &str) -> Result<Option<PixelType>> { (**self).pixel_type(category) }
            fn image_properties(&self, subject: usize) -> Result<ImageProperties> { (**self).image_properties(subject) }
            fn is_meta_only(&self) -> bool { (**self).is_meta_only() }
            fn file_root(&self) -> Result<PathBuf> { (**self).file_root() }
            fn files(&self, category: &str, subject: usize) -> Result<Vec<PathBuf>> { (**self).files(category, subject) }
            fn read(&self, category: &str, subject: usize, index: &IndexExpression) -> Result<ImageData> {
                (**self).read(category, subject, index)
            }
            fn read_strings(&self, category: &str, subject: usize) -> Result<Vec<String>> {
                (**self).read_strings(category, subject)
            }
        }
    )*};
}
forward_source!(&S, Box<S>, Arc<S>);

/// One subject's value of a category in a [`MemorySource`].
#[derive(Debug, Clone, PartialEq)]
pub enum MemoryValue {
    /// An array (`z, y, x, c`).
    Data(ImageData),
    /// Strings.
    Strings(Vec<String>),
}

#[derive(Debug, Clone)]
struct MemoryCategory {
    name: String,
    names: Option<Vec<String>>,
    values: Vec<MemoryValue>,
    shapes: Vec<Vec<usize>>,
    files: Option<Vec<Vec<PathBuf>>>,
}

/// An in-memory dataset: for tests, examples and data that is already in memory.
///
/// ```
/// use mia_core::ImageData;
/// use mia_extract::{MemorySource, Source};
/// use ndarray::ArrayD;
///
/// let images = (0..2).map(|_| ImageData::F32(ArrayD::zeros(vec![4, 5, 6, 2]))).collect();
/// let src = MemorySource::new(vec!["A".into(), "B".into()])
///     .with_category("images", Some(vec!["T1".into(), "T2".into()]), images)
///     .unwrap();
/// assert_eq!(src.shape("images", 1).unwrap(), vec![4, 5, 6, 2]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    subjects: Vec<String>,
    categories: Vec<MemoryCategory>,
    properties: Option<Vec<ImageProperties>>,
    file_root: Option<PathBuf>,
    meta_only: bool,
}

impl MemorySource {
    /// A source with these subjects and no categories yet.
    pub fn new(subjects: Vec<String>) -> Self {
        MemorySource { subjects, ..Default::default() }
    }

    fn check_len(&self, what: &str, len: usize) -> Result<()> {
        if len != self.subjects.len() {
            return Err(ExtractError::params(
                "MemorySource",
                format!("{what}: {len} values for {} subjects", self.subjects.len()),
            ));
        }
        Ok(())
    }

    /// Adds an array category, one array per subject (entry axis last), with optional entry names.
    pub fn with_category(
        mut self,
        name: &str,
        names: Option<Vec<String>>,
        data: Vec<ImageData>,
    ) -> Result<Self> {
        self.check_len(name, data.len())?;
        let shapes = data.iter().map(|d| d.shape().to_vec()).collect();
        let values = data.into_iter().map(MemoryValue::Data).collect();
        self.categories.push(MemoryCategory { name: name.to_string(), names, values, shapes, files: None });
        Ok(self)
    }

    /// Adds a string category, one list per subject.
    pub fn with_string_category(mut self, name: &str, data: Vec<Vec<String>>) -> Result<Self> {
        self.check_len(name, data.len())?;
        let shapes = data.iter().map(|d| vec![d.len()]).collect();
        let values = data.into_iter().map(MemoryValue::Strings).collect();
        self.categories.push(MemoryCategory {
            name: name.to_string(),
            names: None,
            values,
            shapes,
            files: None,
        });
        Ok(self)
    }

    /// Adds a metadata-only category: shapes, entry names and the files (relative to `file_root`) per subject.
    pub fn with_file_category(
        mut self,
        name: &str,
        names: Option<Vec<String>>,
        shapes: Vec<Vec<usize>>,
        files: Vec<Vec<PathBuf>>,
    ) -> Result<Self> {
        self.check_len(name, shapes.len())?;
        self.check_len(name, files.len())?;
        self.categories.push(MemoryCategory {
            name: name.to_string(),
            names,
            values: Vec::new(),
            shapes,
            files: Some(files),
        });
        self.meta_only = true;
        Ok(self)
    }

    /// Sets the image properties, one per subject.
    pub fn with_properties(mut self, properties: Vec<ImageProperties>) -> Result<Self> {
        self.check_len("properties", properties.len())?;
        self.properties = Some(properties);
        Ok(self)
    }

    /// Sets the files' root directory.
    pub fn with_file_root(mut self, root: impl AsRef<Path>) -> Self {
        self.file_root = Some(root.as_ref().to_path_buf());
        self
    }

    fn category(&self, name: &str) -> Result<&MemoryCategory> {
        self.categories.iter().find(|c| c.name == name).ok_or_else(|| ExtractError::UnknownCategory {
            category: name.to_string(),
            available: self.categories.iter().map(|c| c.name.clone()).collect(),
        })
    }

    fn check_subject(&self, subject: usize) -> Result<()> {
        if subject >= self.subjects.len() {
            return Err(ExtractError::OutOfRange {
                what: "subject",
                index: subject.to_string(),
                len: self.subjects.len(),
            });
        }
        Ok(())
    }

    fn value(&self, category: &str, subject: usize) -> Result<&MemoryValue> {
        self.check_subject(subject)?;
        let c = self.category(category)?;
        c.values.get(subject).ok_or_else(|| ExtractError::Missing {
            what: "pixel data".into(),
            message: format!("category '{category}' is metadata-only (load it with FilesystemDataExtractor)"),
        })
    }
}

impl Source for MemorySource {
    fn subjects(&self) -> Result<Vec<String>> {
        Ok(self.subjects.clone())
    }

    fn categories(&self) -> Result<Vec<String>> {
        Ok(self.categories.iter().map(|c| c.name.clone()).collect())
    }

    fn names(&self, category: &str) -> Result<Vec<String>> {
        self.category(category)?.names.clone().ok_or_else(|| ExtractError::Missing {
            what: format!("meta/names/{category}_names"),
            message: "the dataset stores no entry names for this category".into(),
        })
    }

    fn shape(&self, category: &str, subject: usize) -> Result<Vec<usize>> {
        self.check_subject(subject)?;
        Ok(self.category(category)?.shapes[subject].clone())
    }

    fn pixel_type(&self, category: &str) -> Result<Option<PixelType>> {
        let c = self.category(category)?;
        Ok(match c.values.first() {
            Some(MemoryValue::Data(d)) => Some(d.pixel_type()),
            Some(MemoryValue::Strings(_)) => None,
            None => Some(PixelType::F32),
        })
    }

    fn image_properties(&self, subject: usize) -> Result<ImageProperties> {
        self.check_subject(subject)?;
        let props = self.properties.as_ref().ok_or_else(|| ExtractError::Missing {
            what: "meta/image_props".into(),
            message: "the dataset was written without image properties".into(),
        })?;
        Ok(props[subject].clone())
    }

    fn is_meta_only(&self) -> bool {
        self.meta_only
    }

    fn file_root(&self) -> Result<PathBuf> {
        self.file_root.clone().ok_or_else(|| ExtractError::Missing {
            what: "meta/files/file_root".into(),
            message: "the dataset stores no file paths".into(),
        })
    }

    fn files(&self, category: &str, subject: usize) -> Result<Vec<PathBuf>> {
        self.check_subject(subject)?;
        let c = self.category(category)?;
        c.files.as_ref().map(|f| f[subject].clone()).ok_or_else(|| ExtractError::Missing {
            what: format!("meta/files/{category}_files"),
            message: "the dataset stores no file paths for this category".into(),
        })
    }

    fn read(&self, category: &str, subject: usize, index: &IndexExpression) -> Result<ImageData> {
        match self.value(category, subject)? {
            MemoryValue::Data(d) => slice_data(d, index),
            MemoryValue::Strings(_) => Err(ExtractError::EntryType {
                entry: category.to_string(),
                expected: "an array category".into(),
                found: "a string category".into(),
            }),
        }
    }

    fn read_strings(&self, category: &str, subject: usize) -> Result<Vec<String>> {
        match self.value(category, subject)? {
            MemoryValue::Strings(s) => Ok(s.clone()),
            MemoryValue::Data(d) => Err(ExtractError::EntryType {
                entry: category.to_string(),
                expected: "a string category".into(),
                found: format!("{} array", d.pixel_type()),
            }),
        }
    }
}
