//! Channel selection by name.

use mia_core::{dispatch_image_data, ImageData, IntoImageData};
use ndarray::Axis;
use rand::{Rng, RngCore};

use super::{read_category, ExtractParams, Extractor};
use crate::{Entry, ExtractError, Result, Sample, Source};

fn select_channels(data: &ImageData, channels: &[usize], category: &str) -> Result<ImageData> {
    let shape = data.shape();
    let Some(&last) = shape.last() else {
        return Err(ExtractError::shape("SelectiveDataExtractor", category, shape, "no channel axis"));
    };
    if let Some(&bad) = channels.iter().find(|&&c| c >= last) {
        return Err(ExtractError::shape(
            "SelectiveDataExtractor",
            category,
            shape,
            format!("channel {bad} does not exist (last axis has {last})"),
        ));
    }
    let axis = Axis(shape.len() - 1);
    Ok(dispatch_image_data!(data, a => IntoImageData::wrap(a.select(axis, channels))))
}

fn channel_positions(names: &[String], selection: &[String], category: &str) -> Result<Vec<usize>> {
    selection
        .iter()
        .map(|s| {
            names.iter().position(|n| n == s).ok_or_else(|| ExtractError::UnknownChannel {
                category: category.to_string(),
                name: s.clone(),
                available: names.to_vec(),
            })
        })
        .collect()
}

fn read_array(source: &dyn Source, category: &str, params: &ExtractParams) -> Result<ImageData> {
    match read_category(source, category, params.subject_index, &params.index_expr)? {
        Entry::Data(d) => Ok(d),
        Entry::Strings(_) => Err(ExtractError::EntryType {
            entry: category.to_string(),
            expected: "an array category".into(),
            found: "a string category".into(),
        }),
    }
}

/// Extracts chosen channels of a category by name, in the order given (pymia's `SelectiveDataExtractor`).
///
/// Adds `<cat>` (the selected channels along the last axis), `<cat>_names` (all names, if not present yet) and,
/// with a selection, `<cat>_names_selected`. An unknown name is an [`ExtractError::UnknownChannel`].
#[derive(Debug, Clone)]
pub struct SelectiveDataExtractor {
    selection: Option<Vec<String>>,
    category: String,
}

impl SelectiveDataExtractor {
    /// Selects `selection` (all channels if `None`) of `category`.
    pub fn new(selection: Option<&[&str]>, category: &str) -> Self {
        SelectiveDataExtractor {
            selection: selection.map(|s| s.iter().map(|x| x.to_string()).collect()),
            category: category.to_string(),
        }
    }
}

impl Default for SelectiveDataExtractor {
    /// pymia's default: all channels of `labels`.
    fn default() -> Self {
        SelectiveDataExtractor::new(None, "labels")
    }
}

impl Extractor for SelectiveDataExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        _: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        let cat = &self.category;
        let names = source.names(cat)?;
        let positions = match &self.selection {
            Some(sel) => Some(channel_positions(&names, sel, cat)?),
            None => None,
        };
        let data = read_array(source, cat, params)?;
        let data = match &positions {
            Some(p) => select_channels(&data, p, cat)?,
            None => data,
        };
        sample.insert(cat.clone(), data);
        if let Some(sel) = &self.selection {
            sample.insert(format!("{cat}_names_selected"), sel.clone());
        }
        let key = format!("{cat}_names");
        if !sample.contains(&key) {
            sample.insert(key, names);
        }
        Ok(())
    }
}

/// Extracts one channel of a category chosen uniformly at random (pymia's `RandomDataExtractor`).
///
/// The channel is drawn from `selection` (all channels if `None`) with the extraction's RNG; the last axis is kept
/// (length 1). Adds `<cat>`, `<cat>_names_selected` (the chosen name) and `<cat>_names`.
#[derive(Debug, Clone)]
pub struct RandomDataExtractor {
    selection: Option<Vec<String>>,
    category: String,
}

impl RandomDataExtractor {
    /// Draws one of `selection` (all channels if `None`) of `category`.
    pub fn new(selection: Option<&[&str]>, category: &str) -> Self {
        RandomDataExtractor {
            selection: selection.map(|s| s.iter().map(|x| x.to_string()).collect()),
            category: category.to_string(),
        }
    }
}

impl Default for RandomDataExtractor {
    /// pymia's default: any channel of `labels`.
    fn default() -> Self {
        RandomDataExtractor::new(None, "labels")
    }
}

impl Extractor for RandomDataExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        rng: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        let cat = &self.category;
        let names = source.names(cat)?;
        let candidates = self.selection.clone().unwrap_or_else(|| names.clone());
        if candidates.is_empty() {
            return Err(ExtractError::params(
                "RandomDataExtractor",
                format!("no channel to choose from in '{cat}'"),
            ));
        }
        let positions = channel_positions(&names, &candidates, cat)?;
        let pick = rng.gen_range(0..candidates.len());
        let data = read_array(source, cat, params)?;
        sample.insert(cat.clone(), select_channels(&data, &positions[pick..pick + 1], cat)?);
        sample.insert(format!("{cat}_names_selected"), vec![candidates[pick].clone()]);
        let key = format!("{cat}_names");
        if !sample.contains(&key) {
            sample.insert(key, names);
        }
        Ok(())
    }
}
