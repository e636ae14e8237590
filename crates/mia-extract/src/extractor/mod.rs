//! Extractors: read parts of a subject from a [`Source`] into a [`Sample`].

use std::sync::Arc;

use mia_index::IndexExpression;
use rand::RngCore;

use crate::util::clip_expression;
use crate::{Entry, Result, Sample, Source};

mod filesystem;
mod pad;
mod selective;

pub use filesystem::{FileLoader, FilesystemDataExtractor, VolumeCache};
pub use pad::{PadDataExtractor, PadMode};
pub use selective::{RandomDataExtractor, SelectiveDataExtractor};

/// What one extraction is about: the subject and the index expression (pymia's `params`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractParams {
    /// Index of the subject in the dataset.
    pub subject_index: usize,
    /// The part of the subject to extract ([`IndexExpression::whole`] for everything).
    pub index_expr: IndexExpression,
}

impl ExtractParams {
    /// Parameters for a subject and an expression.
    pub fn new(subject_index: usize, index_expr: IndexExpression) -> Self {
        ExtractParams { subject_index, index_expr }
    }
}

/// Reads something about a subject from a source into a sample (pymia's `Extractor`).
///
/// Object-safe; use as `Box<dyn Extractor>`. A `Vec<Box<dyn Extractor>>` is itself an extractor that runs its
/// elements in order (pymia's `ComposeExtractor`). Extractors that draw random numbers use the `rng` given to them,
/// so a seeded run is reproducible.
pub trait Extractor: Send + Sync {
    /// Adds this extractor's entries and metadata to `sample`.
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        rng: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()>;
}

macro_rules! forward_extractor {
    ($($t:ty),*) => {$(
        impl<E: Extractor + ?Sized> Extractor for $t {
            fn extract(&self, source: &dyn Source, params: &ExtractParams, rng: &mut dyn RngCore, sample: &mut Sample)
                -> Result<()> {
                (**self).extract(source, params, rng, sample)
            }
        }
    )*};
}
forward_extractor!(&E, Box<E>, Arc<E>);

impl<E: Extractor> Extractor for Vec<E> {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        rng: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        for e in self {
            e.extract(source, params, rng, sample)?;
        }
        Ok(())
    }
}

fn owned(categories: &[&str]) -> Vec<String> {
    categories.iter().map(|c| c.to_string()).collect()
}

/// Reads the data of categories at the sample's index expression (pymia's `DataExtractor`).
///
/// Ranges that run past the end of an axis are clipped (pymia/h5py behaviour for incomplete patches); positions
/// outside the array are an error. String categories become [`Entry::Strings`].
#[derive(Debug, Clone)]
pub struct DataExtractor {
    categories: Vec<String>,
    ignore_indexing: bool,
}

impl DataExtractor {
    /// Extracts these categories at the sample's index expression.
    pub fn new(categories: &[&str]) -> Self {
        DataExtractor { categories: owned(categories), ignore_indexing: false }
    }

    /// Extracts the whole arrays regardless of the index expression (pymia's `ignore_indexing=True`).
    pub fn ignore_indexing(mut self, ignore: bool) -> Self {
        self.ignore_indexing = ignore;
        self
    }

    /// The categories extracted.
    pub fn categories(&self) -> &[String] {
        &self.categories
    }
}

impl Default for DataExtractor {
    /// pymia's default: `categories=('images',)`.
    fn default() -> Self {
        DataExtractor::new(&["images"])
    }
}

pub(crate) fn read_category(
    source: &dyn Source,
    category: &str,
    subject: usize,
    expr: &IndexExpression,
) -> Result<Entry> {
    if source.pixel_type(category)?.is_none() {
        return Ok(Entry::Strings(source.read_strings(category, subject)?));
    }
    let shape = source.shape(category, subject)?;
    let clipped = clip_expression(expr, &shape)?;
    Ok(Entry::Data(source.read(category, subject, &clipped)?))
}

impl Extractor for DataExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        _: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        let whole = IndexExpression::whole();
        let expr = if self.ignore_indexing { &whole } else { &params.index_expr };
        for c in &self.categories {
            let entry = read_category(source, c, params.subject_index, expr)?;
            sample.insert(c.clone(), entry);
        }
        Ok(())
    }
}

/// Sets `subject_index` and `subject` (pymia's `SubjectExtractor`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SubjectExtractor;

impl Extractor for SubjectExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        _: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        let subjects = source.subjects()?;
        let name = subjects.get(params.subject_index).ok_or_else(|| crate::ExtractError::OutOfRange {
            what: "subject",
            index: params.subject_index.to_string(),
            len: subjects.len(),
        })?;
        sample.subject_index = Some(params.subject_index);
        sample.subject = Some(name.clone());
        Ok(())
    }
}

/// Sets `subject_index` and `index_expr` (pymia's `IndexingExtractor`); needed by assemblers.
#[derive(Debug, Clone, Copy, Default)]
pub struct IndexingExtractor;

impl Extractor for IndexingExtractor {
    fn extract(
        &self,
        _: &dyn Source,
        params: &ExtractParams,
        _: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        sample.subject_index = Some(params.subject_index);
        sample.index_expr = Some(params.index_expr.clone());
        Ok(())
    }
}

/// Sets `properties` from `meta/image_props` (pymia's `ImagePropertiesExtractor`, without allocating a volume).
#[derive(Debug, Clone, Copy, Default)]
pub struct ImagePropertiesExtractor;

impl Extractor for ImagePropertiesExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        _: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        sample.properties = Some(source.image_properties(params.subject_index)?);
        Ok(())
    }
}

/// Sets `shape`: the subject's image size from `meta/image_props` (pymia's `ImagePropertyShapeExtractor`).
///
/// With `numpy_format` (default) the ITK size `(x, y, z)` is reversed to numpy order `(z, y, x)`. pymia swaps only
/// the first and last value, which equals reversing for 3-D but not for 4-D; mia reverses for every dimension.
#[derive(Debug, Clone, Copy)]
pub struct ImagePropertyShapeExtractor {
    numpy_format: bool,
}

impl ImagePropertyShapeExtractor {
    /// `numpy_format`: reverse the ITK size into numpy order.
    pub fn new(numpy_format: bool) -> Self {
        ImagePropertyShapeExtractor { numpy_format }
    }
}

impl Default for ImagePropertyShapeExtractor {
    fn default() -> Self {
        ImagePropertyShapeExtractor::new(true)
    }
}

impl Extractor for ImagePropertyShapeExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        _: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        let props = source.image_properties(params.subject_index)?;
        let mut shape = props.size().to_vec();
        if self.numpy_format {
            shape.reverse();
        }
        sample.shape = Some(shape);
        Ok(())
    }
}

/// Adds `file_root` and `<cat>_files` (pymia's `FilesExtractor`): the files the subject was created from.
#[derive(Debug, Clone)]
pub struct FilesExtractor {
    categories: Vec<String>,
}

impl FilesExtractor {
    /// File paths of these categories.
    pub fn new(categories: &[&str]) -> Self {
        FilesExtractor { categories: owned(categories) }
    }
}

impl Default for FilesExtractor {
    /// pymia's default: `categories=('images', 'labels')`.
    fn default() -> Self {
        FilesExtractor::new(&["images", "labels"])
    }
}

impl Extractor for FilesExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        _: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        let root = source.file_root()?;
        sample.insert("file_root", vec![root.to_string_lossy().into_owned()]);
        for c in &self.categories {
            let files = source.files(c, params.subject_index)?;
            let files = files.iter().map(|p| p.to_string_lossy().into_owned()).collect::<Vec<_>>();
            sample.insert(format!("{c}_files"), files);
        }
        Ok(())
    }
}

/// Adds `<cat>_names`, the entry (channel) names of categories (pymia's `NamesExtractor`).
#[derive(Debug, Clone)]
pub struct NamesExtractor {
    categories: Vec<String>,
}

impl NamesExtractor {
    /// Names of these categories.
    pub fn new(categories: &[&str]) -> Self {
        NamesExtractor { categories: owned(categories) }
    }
}

impl Default for NamesExtractor {
    /// pymia's default: `categories=('images', 'labels')`.
    fn default() -> Self {
        NamesExtractor::new(&["images", "labels"])
    }
}

impl Extractor for NamesExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        _: &ExtractParams,
        _: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        for c in &self.categories {
            sample.insert(format!("{c}_names"), source.names(c)?);
        }
        Ok(())
    }
}
