//! Sample selection (pymia's `selection` module), evaluated with only the data a strategy needs.

use std::sync::Arc;

use crate::transform::percentile_of;
use crate::{DataExtractor, DataSource, ExtractError, Extractor, Result, Sample, SubjectExtractor};

/// What a [`SelectionStrategy`] needs extracted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirements {
    /// Categories whose data is read (at the sample's index expression).
    pub categories: Vec<String>,
    /// Whether the subject's name is needed.
    pub subject: bool,
}

impl Requirements {
    fn merge(mut self, other: Requirements) -> Requirements {
        for c in other.categories {
            if !self.categories.contains(&c) {
                self.categories.push(c);
            }
        }
        self.subject |= other.subject;
        self
    }
}

/// Decides whether a sample is used (pymia's `SelectionStrategy`).
pub trait SelectionStrategy: Send + Sync {
    /// What must be extracted for [`SelectionStrategy::select`].
    fn requirements(&self) -> Requirements;
    /// Whether the sample is selected.
    fn select(&self, sample: &Sample) -> Result<bool>;
}

macro_rules! forward_selection {
    ($($t:ty),*) => {$(
        impl<S: SelectionStrategy + ?Sized> SelectionStrategy for $t {
            fn requirements(&self) -> Requirements { (**self).requirements() }
            fn select(&self, sample: &Sample) -> Result<bool> { (**self).select(sample) }
        }
    )*};
}
forward_selection!(&S, Box<S>, Arc<S>);

/// All strategies must select the sample (pymia's `ComposeSelection`, logical AND).
impl<S: SelectionStrategy> SelectionStrategy for Vec<S> {
    fn requirements(&self) -> Requirements {
        self.iter().fold(Requirements::default(), |r, s| r.merge(s.requirements()))
    }
    fn select(&self, sample: &Sample) -> Result<bool> {
        for s in self {
            if !s.select(sample)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Indices of the samples of `ds` that `strategy` selects (pymia's `select_indices`).
///
/// Only the categories and metadata the strategy asks for are extracted (pymia extracts every sample completely,
/// through the data source's own extractor and transform); the data is the raw stored data at each sample's index
/// expression, without the data source's transform. Use [`select_indices_with`] to select on other extracted data.
pub fn select_indices(ds: &DataSource, strategy: &dyn SelectionStrategy) -> Result<Vec<usize>> {
    let req = strategy.requirements();
    let mut extractor: Vec<Box<dyn Extractor>> = Vec::new();
    if !req.categories.is_empty() {
        let cats: Vec<&str> = req.categories.iter().map(String::as_str).collect();
        extractor.push(Box::new(DataExtractor::new(&cats)));
    }
    if req.subject {
        extractor.push(Box::new(SubjectExtractor));
    }
    select_indices_with(ds, strategy, &extractor)
}

/// Like [`select_indices`] with a given extractor (e.g. a [`crate::PadDataExtractor`]).
pub fn select_indices_with(
    ds: &DataSource,
    strategy: &dyn SelectionStrategy,
    extractor: &dyn Extractor,
) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for (i, (subject, expr)) in ds.indices().iter().enumerate() {
        let mut rng = crate::sample_rng(ds.seed(), 0, i);
        let mut sample = ds.direct_extract(extractor, *subject, expr.clone(), None, &mut rng)?;
        sample.subject_index = Some(*subject);
        sample.sample_index = Some(i);
        if strategy.select(&sample)? {
            out.push(i);
        }
    }
    Ok(out)
}

fn req(categories: &[&str]) -> Requirements {
    Requirements { categories: categories.iter().map(|c| c.to_string()).collect(), subject: false }
}

/// Selects samples whose `images` are not constant (pymia's `NonConstantSelection`); with `loop_axis`, samples
/// with at least one non-constant slice along that axis.
#[derive(Debug, Clone, Default)]
pub struct NonConstantSelection {
    /// Axis along which slices are tested separately.
    pub loop_axis: Option<usize>,
}

impl SelectionStrategy for NonConstantSelection {
    fn requirements(&self) -> Requirements {
        req(&["images"])
    }
    fn select(&self, sample: &Sample) -> Result<bool> {
        let a = sample.data("images")?.to_f64();
        let non_constant = |v: ndarray::ArrayViewD<'_, f64>| {
            let mut it = v.iter();
            match it.next() {
                Some(first) => it.any(|x| x != first),
                None => false,
            }
        };
        match self.loop_axis {
            None => Ok(non_constant(a.view())),
            Some(ax) if ax < a.ndim() => Ok(a.axis_iter(ndarray::Axis(ax)).any(non_constant)),
            Some(ax) => {
                Err(ExtractError::shape("NonConstantSelection", "images", a.shape(), format!("no axis {ax}")))
            }
        }
    }
}

/// Selects samples with an `images` value above `black_value` (pymia's `NonBlackSelection`).
#[derive(Debug, Clone, Default)]
pub struct NonBlackSelection {
    /// Values at or below this are black.
    pub black_value: f64,
}

impl SelectionStrategy for NonBlackSelection {
    fn requirements(&self) -> Requirements {
        req(&["images"])
    }
    fn select(&self, sample: &Sample) -> Result<bool> {
        Ok(sample.data("images")?.to_f64().iter().any(|&v| v > self.black_value))
    }
}

/// Selects samples whose `labels` contain a non-zero value (pymia's `WithForegroundSelection`).
#[derive(Debug, Clone, Default)]
pub struct WithForegroundSelection;

impl SelectionStrategy for WithForegroundSelection {
    fn requirements(&self) -> Requirements {
        req(&["labels"])
    }
    fn select(&self, sample: &Sample) -> Result<bool> {
        Ok(sample.data("labels")?.to_f64().iter().any(|&v| v != 0.0))
    }
}

/// pymia's `PercentileSelection`: selected if every `images` value is at least the sample's own `percentile`
/// (true only for near-constant samples; kept for compatibility).
#[derive(Debug, Clone)]
pub struct PercentileSelection {
    /// The percentile in `[0, 100]`.
    pub percentile: f64,
}

impl SelectionStrategy for PercentileSelection {
    fn requirements(&self) -> Requirements {
        req(&["images"])
    }
    fn select(&self, sample: &Sample) -> Result<bool> {
        let v: Vec<f64> = sample.data("images")?.to_f64().iter().copied().collect();
        let p = percentile_of(&v, self.percentile);
        Ok(v.iter().all(|&x| x >= p))
    }
}

/// Selects the samples of some subjects, by name or by index (pymia's `SubjectSelection`).
#[derive(Debug, Clone, Default)]
pub struct SubjectSelection {
    names: Vec<String>,
    indices: Vec<usize>,
}

impl SubjectSelection {
    /// Subjects by name.
    pub fn names(names: &[&str]) -> Self {
        SubjectSelection { names: names.iter().map(|n| n.to_string()).collect(), indices: Vec::new() }
    }
    /// Subjects by index.
    pub fn indices(indices: &[usize]) -> Self {
        SubjectSelection { names: Vec::new(), indices: indices.to_vec() }
    }
}

impl SelectionStrategy for SubjectSelection {
    fn requirements(&self) -> Requirements {
        Requirements { categories: Vec::new(), subject: !self.names.is_empty() }
    }
    fn select(&self, sample: &Sample) -> Result<bool> {
        let by_name = sample.subject.as_ref().is_some_and(|s| self.names.contains(s));
        let by_index = sample.subject_index.is_some_and(|i| self.indices.contains(&i));
        Ok(by_name || by_index)
    }
}
