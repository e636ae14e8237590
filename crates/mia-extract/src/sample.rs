use std::collections::BTreeMap;

use mia_core::{ImageData, ImageProperties, IntoImageData};
use mia_index::IndexExpression;
use ndarray::ArrayD;

use crate::{ExtractError, Result};

/// One named value of a [`Sample`]: an array of any pixel type, or strings (names, file paths, string data).
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// An array in numpy order (`z, y, x[, c]` for volumes) of one of the ten pixel types.
    Data(ImageData),
    /// Strings, e.g. `images_names`, `labels_files`, or a string category.
    Strings(Vec<String>),
}

impl Entry {
    /// A short description of the kind (`f32 array (8, 10, 2)`, `3 strings`) for error messages.
    pub fn describe(&self) -> String {
        match self {
            Entry::Data(d) => format!("{} array {:?}", d.pixel_type(), d.shape()),
            Entry::Strings(s) => format!("{} strings", s.len()),
        }
    }
}

impl From<ImageData> for Entry {
    fn from(d: ImageData) -> Self {
        Entry::Data(d)
    }
}

impl From<Vec<String>> for Entry {
    fn from(s: Vec<String>) -> Self {
        Entry::Strings(s)
    }
}

/// What one extraction produced: named entries plus metadata.
///
/// The equivalent of pymia's `extracted` dict. The metadata fields are set by the extractors that pymia uses for
/// them ([`crate::SubjectExtractor`] sets `subject`, [`crate::IndexingExtractor`] sets `subject_index` and
/// `index_expr`, [`crate::ImagePropertiesExtractor`] sets `properties`, [`crate::ImagePropertyShapeExtractor`] sets
/// `shape`); [`crate::DataSource::get`] sets `sample_index`. Arrays and strings live in `entries` under pymia's key
/// names (`images`, `labels`, `images_names`, `labels_names_selected`, `file_root`, `images_files`, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Position of the sample in its data source (pymia's `sample_index`).
    pub sample_index: Option<usize>,
    /// Index of the subject in the dataset (file order, pymia's `subject_index`).
    pub subject_index: Option<usize>,
    /// The subject's identifier (pymia's `subject`).
    pub subject: Option<String>,
    /// The index expression the sample was extracted with (pymia's `index_expr`).
    pub index_expr: Option<IndexExpression>,
    /// The subject's image properties (pymia's `properties`).
    pub properties: Option<ImageProperties>,
    /// The subject's image shape (pymia's `shape`).
    pub shape: Option<Vec<usize>>,
    /// Named arrays and strings.
    pub entries: BTreeMap<String, Entry>,
}

impl Sample {
    /// An empty sample.
    pub fn new() -> Self {
        Sample::default()
    }

    /// Hands the sample's arrays back for reuse by later samples and volumes of the same type and size
    /// ([`mia_core::recycle`]) instead of freeing them: a training loop that is done with a sample of whole volumes
    /// then extracts the next one without fresh page faults. Small arrays are simply freed.
    pub fn recycle(self) {
        for (_, entry) in self.entries {
            if let Entry::Data(a) = entry {
                a.recycle();
            }
        }
    }

    /// Inserts (or replaces) an entry.
    pub fn insert(&mut self, key: impl Into<String>, entry: impl Into<Entry>) {
        self.entries.insert(key.into(), entry.into());
    }

    /// The entry of this name, if present.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// Whether an entry of this name is present.
    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// Removes and returns an entry.
    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        self.entries.remove(key)
    }

    /// The entry names.
    pub fn keys(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    fn missing(&self, key: &str) -> ExtractError {
        ExtractError::MissingEntry { entry: key.to_string(), available: self.keys() }
    }

    /// The array entry of this name; an error if it is missing or holds strings.
    pub fn data(&self, key: &str) -> Result<&ImageData> {
        match self.entries.get(key) {
            Some(Entry::Data(d)) => Ok(d),
            Some(other) => Err(ExtractError::EntryType {
                entry: key.to_string(),
                expected: "an array".into(),
                found: other.describe(),
            }),
            None => Err(self.missing(key)),
        }
    }

    /// The array entry of this name, mutably.
    pub fn data_mut(&mut self, key: &str) -> Result<&mut ImageData> {
        if !self.entries.contains_key(key) {
            return Err(self.missing(key));
        }
        match self.entries.get_mut(key) {
            Some(Entry::Data(d)) => Ok(d),
            Some(other) => Err(ExtractError::EntryType {
                entry: key.to_string(),
                expected: "an array".into(),
                found: other.describe(),
            }),
            None => unreachable!("checked above"),
        }
    }

    /// The string entry of this name; an error if it is missing or holds an array.
    pub fn strings(&self, key: &str) -> Result<&[String]> {
        match self.entries.get(key) {
            Some(Entry::Strings(s)) => Ok(s),
            Some(other) => Err(ExtractError::EntryType {
                entry: key.to_string(),
                expected: "strings".into(),
                found: other.describe(),
            }),
            None => Err(self.missing(key)),
        }
    }

    /// A typed view of an array entry (`sample.array::<f32>("images")`).
    pub fn array<T: IntoImageData>(&self, key: &str) -> Result<ndarray::ArrayViewD<'_, T>> {
        let d = self.data(key)?;
        d.view::<T>().ok_or_else(|| ExtractError::EntryType {
            entry: key.to_string(),
            expected: format!("{} array", T::PIXEL_TYPE),
            found: format!("{} array", d.pixel_type()),
        })
    }

    /// An array entry converted to `f32` (copied; any pixel type).
    pub fn to_f32(&self, key: &str) -> Result<ArrayD<f32>> {
        let d = self.data(key)?;
        Ok(match d {
            ImageData::F32(a) => a.clone(),
            other => other.to_f64().mapv(|v| v as f32),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_access_and_errors() {
        let mut s = Sample::new();
        s.insert("images", ImageData::F32(ArrayD::zeros(vec![2, 3])));
        s.insert("images_names", vec!["T1".to_string()]);
        assert_eq!(s.array::<f32>("images").unwrap().shape(), &[2, 3]);
        assert!(matches!(s.array::<u8>("images"), Err(ExtractError::EntryType { .. })));
        assert!(matches!(s.data("labels"), Err(ExtractError::MissingEntry { .. })));
        assert!(matches!(s.data("images_names"), Err(ExtractError::EntryType { .. })));
        assert_eq!(s.strings("images_names").unwrap(), ["T1"]);
        assert_eq!(s.to_f32("images").unwrap().len(), 6);
    }
}
