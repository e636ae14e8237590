//! [`FileLoader`]: the default [`Load`] — images through `mia_io`, record fields from key/value files.

use std::collections::HashMap;
use std::path::Path;

use mia_core::PixelType;

use crate::traverser::{BoxError, Load};
use crate::values::{Loaded, Values};

/// Loads images with a `mia_io` loader (every format mia reads by default) and record fields from text files.
///
/// * **Images** (anything the image loader accepts): the voxel array in numpy order and its geometry, optionally
///   cast per category (pymia's example loads `images` as float32 and labels as uint8).
/// * **Records** (`.txt`, `.json`): the field whose key matches the entry id, ignoring case and `_`/`-`/space
///   (entry `AGE` reads `Age: 29`). Text files hold `Key: value` or `Key = value` lines; JSON files an object.
///   Integers become `i64`, other numbers `f64` (shape `(1,)`, as pymia's example `np.asarray([value])`), anything
///   else a string (0-d, as `np.array(str)`), so a category `numerical = {AGE, GPA}` is stored `(1, 2)` float64
///   and `gender = {GENDER}` as `(1,)` strings — exactly pymia's example dataset.
pub struct FileLoader {
    images: Box<dyn mia_io::Load>,
    casts: HashMap<String, PixelType>,
}

impl std::fmt::Debug for FileLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileLoader").field("images", &self.images.name()).field("casts", &self.casts).finish()
    }
}

impl Default for FileLoader {
    fn default() -> Self {
        FileLoader { images: Box::new(mia_io::DefaultLoader), casts: HashMap::new() }
    }
}

impl FileLoader {
    /// Images through `mia_io::DefaultLoader`, no casts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Images through another loader (e.g. a `Vec<Box<dyn mia_io::Load>>` with a format of your own).
    pub fn with_image_loader(mut self, images: Box<dyn mia_io::Load>) -> Self {
        self.images = images;
        self
    }

    /// Casts the images of `category` to `pixel_type` (Rust `as` semantics, like SimpleITK's `Cast`).
    pub fn cast(mut self, category: impl Into<String>, pixel_type: PixelType) -> Self {
        self.casts.insert(category.into(), pixel_type);
        self
    }
}

fn is_record(path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    name.ends_with(".txt") || name.ends_with(".json")
}

fn normalize_key(k: &str) -> String {
    k.chars().filter(|c| !matches!(c, '_' | '-' | ' ')).flat_map(char::to_lowercase).collect()
}

/// Reads the record fields of a key/value text file or a JSON object, in file order.
pub fn read_record(path: &Path) -> Result<Vec<(String, String)>, BoxError> {
    let text = std::fs::read_to_string(path)?;
    let lower = path.to_string_lossy().to_lowercase();
    if lower.ends_with(".json") {
        let v: serde_json::Value = serde_json::from_str(&text)?;
        let obj = v.as_object().ok_or("a JSON record must be an object")?;
        return Ok(obj
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect());
    }
    let mut fields = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once(':')
            .or_else(|| line.split_once('='))
            .ok_or_else(|| format!("line {}: {line:?} is not `key: value`", i + 1))?;
        fields.push((k.trim().to_string(), v.trim().to_string()));
    }
    Ok(fields)
}

impl Load for FileLoader {
    fn load(&self, path: &Path, entry: &str, category: &str, _subject: &str) -> Result<Loaded, BoxError> {
        if is_record(path) && !self.images.can_load(path) {
            let fields = read_record(path)?;
            let key = normalize_key(entry);
            let (_, value) = fields.iter().find(|(k, _)| normalize_key(k) == key).ok_or_else(|| {
                format!(
                    "no field {entry:?} (fields: {:?})",
                    fields.iter().map(|(k, _)| k).collect::<Vec<_>>()
                )
            })?;
            let mut values = Values::from_record_field(value);
            if let (Some(&p), Values::Numeric(d)) = (self.casts.get(category), &values) {
                values = Values::Numeric(d.cast(p));
            }
            return Ok(Loaded { values, properties: None });
        }
        let image = self.images.load(path)?;
        let image = match self.casts.get(category) {
            Some(&p) if p != image.properties().pixel_type() => image.cast(p),
            _ => image,
        };
        let (data, props) = image.into_parts();
        Ok(Loaded { values: Values::Numeric(data), properties: Some(props) })
    }

    /// Images whose voxels need no decoding (with the default image loader: uncompressed MetaImage and NIfTI in
    /// this machine's byte order, NIfTI without intensity scaling; see [`mia_io::Load::map_voxels`]) and no cast
    /// for their category.
    fn map_voxels(
        &self,
        path: &Path,
        _entry: &str,
        category: &str,
        _subject: &str,
    ) -> Result<Option<mia_io::MappedImage>, BoxError> {
        if is_record(path) && !self.images.can_load(path) {
            return Ok(None);
        }
        let Some(mapped) = self.images.map_voxels(path)? else { return Ok(None) };
        match self.casts.get(category) {
            Some(&p) if p != mapped.pixel_type() => Ok(None),
            _ => Ok(Some(mapped)),
        }
    }
}
