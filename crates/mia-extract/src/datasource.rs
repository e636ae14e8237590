//! The data source: indices over a dataset plus extraction and transformation of samples.

use std::sync::Arc;

use mia_index::IndexExpression;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    DataExtractor, ExtractError, ExtractParams, Extractor, IndexingStrategy, Result, Sample, Source,
    Transform,
};

/// Mixes a seed with sample coordinates into a well-spread 64-bit value (SplitMix64 finaliser).
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The RNG used for one sample: a function of the data source's seed, the epoch and the sample index only, so
/// results do not depend on which worker thread extracts a sample or in which order.
pub fn sample_rng(seed: u64, epoch: u64, sample_index: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(mix(seed ^ mix(epoch)) ^ sample_index as u64))
}

/// A dataset seen as a list of samples (pymia's `PymiaDatasource`).
///
/// On construction (and on [`DataSource::set_indexing_strategy`]) the indices are computed: for each subject in
/// dataset order (restricted to `subject_subset` by name), the strategy is applied to the shape of the `images`
/// category; it is recomputed only when the shape differs from the previous subject's, as in pymia. Each index is
/// `(subject_index, IndexExpression)` with the subject's global index in the dataset.
///
/// [`DataSource::get`] runs the extractor and then the transform; it takes `&self`, so one data source can serve
/// several threads (see [`crate::Loader`]). Random extractors and transforms draw from [`sample_rng`]`(seed, epoch,
/// sample_index)`, so a sample is the same whichever thread extracts it.
///
/// # Parallel reading and the HDF5 lock
/// The HDF5 C library serialises every call behind one global lock (hdf5-metno enables its thread-safe build), so
/// two threads never execute inside the library at the same time, whether they share one file handle or open one
/// each. A handle per reader gives no extra parallelism; what runs in parallel is everything outside the library:
/// padding, channel selection, transforms, augmentation and batching. Arrays stored without filters, contiguous
/// (pymia's layout, mia's default) or chunked (`--chunks` without `--compression`), are not read through the
/// library at all: `mia_dataset::Dataset` copies them out of a read-only memory map of the file (a chunked array
/// asks HDF5 once where each chunk lies), so those reads run in parallel. Compressed arrays are read through the
/// library, one thread at a time. For metadata-only datasets the file decoding (the expensive part) happens outside
/// the HDF5 library entirely.
pub struct DataSource {
    source: Arc<dyn Source>,
    strategy: Box<dyn IndexingStrategy>,
    extractor: Box<dyn Extractor>,
    transform: Option<Box<dyn Transform>>,
    subject_subset: Option<Vec<String>>,
    indices: Vec<(usize, IndexExpression)>,
    seed: u64,
}

impl std::fmt::Debug for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataSource")
            .field("len", &self.indices.len())
            .field("subject_subset", &self.subject_subset)
            .field("seed", &self.seed)
            .finish()
    }
}

impl DataSource {
    /// A data source over `source` with the given indexing strategy, extracting `images` with a
    /// [`DataExtractor`] and no transform (set them with the builder methods).
    pub fn new(source: impl Source + 'static, strategy: impl IndexingStrategy + 'static) -> Result<Self> {
        Self::from_parts(Arc::new(source), Box::new(strategy))
    }

    /// Like [`DataSource::new`] with shared and boxed parts.
    pub fn from_parts(source: Arc<dyn Source>, strategy: Box<dyn IndexingStrategy>) -> Result<Self> {
        let mut ds = DataSource {
            source,
            strategy,
            extractor: Box::new(DataExtractor::default()),
            transform: None,
            subject_subset: None,
            indices: Vec::new(),
            seed: 0,
        };
        ds.compute_indices()?;
        Ok(ds)
    }

    /// Sets the extractor (pymia's `set_extractor`).
    pub fn with_extractor(mut self, extractor: impl Extractor + 'static) -> Self {
        self.extractor = Box::new(extractor);
        self
    }

    /// Sets the transform applied after extraction (pymia's `set_transform`).
    pub fn with_transform(mut self, transform: impl Transform + 'static) -> Self {
        self.transform = Some(Box::new(transform));
        self
    }

    /// Sets the seed of the per-sample RNGs (default 0).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Restricts the samples to these subjects (by name); unknown names are an error.
    pub fn with_subject_subset(mut self, subjects: &[&str]) -> Result<Self> {
        self.subject_subset = Some(subjects.iter().map(|s| s.to_string()).collect());
        self.compute_indices()?;
        Ok(self)
    }

    /// Replaces the extractor.
    pub fn set_extractor(&mut self, extractor: Box<dyn Extractor>) {
        self.extractor = extractor;
    }

    /// Replaces (or removes) the transform.
    pub fn set_transform(&mut self, transform: Option<Box<dyn Transform>>) {
        self.transform = transform;
    }

    /// Replaces the indexing strategy and subject subset and recomputes the indices.
    pub fn set_indexing_strategy(
        &mut self,
        strategy: Box<dyn IndexingStrategy>,
        subject_subset: Option<Vec<String>>,
    ) -> Result<()> {
        self.strategy = strategy;
        self.subject_subset = subject_subset;
        self.compute_indices()
    }

    fn compute_indices(&mut self) -> Result<()> {
        let subjects = self.source.subjects()?;
        if let Some(subset) = &self.subject_subset {
            if let Some(unknown) = subset.iter().find(|s| !subjects.contains(s)) {
                return Err(ExtractError::OutOfRange {
                    what: "subject",
                    index: unknown.clone(),
                    len: subjects.len(),
                });
            }
        }
        let category = index_category(self.source.as_ref())?;
        let mut indices = Vec::new();
        let mut last: Option<(Vec<usize>, Vec<IndexExpression>)> = None;
        for (i, name) in subjects.iter().enumerate() {
            if self.subject_subset.as_ref().is_some_and(|s| !s.contains(name)) {
                continue;
            }
            let shape = self.source.shape(&category, i)?;
            let exprs = match &last {
                Some((s, e)) if *s == shape => e.clone(),
                _ => {
                    let e = self.strategy.indices(&shape)?;
                    last = Some((shape, e.clone()));
                    e
                }
            };
            indices.extend(exprs.into_iter().map(|e| (i, e)));
        }
        self.indices = indices;
        Ok(())
    }

    /// Replaces the indices with explicit `(subject_index, expression)` pairs (e.g. from
    /// [`crate::sample_patches`]); subjects out of range are an error.
    pub fn set_indices(&mut self, indices: Vec<(usize, IndexExpression)>) -> Result<()> {
        let n = self.source.subjects()?.len();
        if let Some((s, _)) = indices.iter().find(|(s, _)| *s >= n) {
            return Err(ExtractError::OutOfRange { what: "subject", index: s.to_string(), len: n });
        }
        self.indices = indices;
        Ok(())
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// `(subject_index, index_expression)` of every sample.
    pub fn indices(&self) -> &[(usize, IndexExpression)] {
        &self.indices
    }

    /// The underlying dataset.
    pub fn source(&self) -> &dyn Source {
        self.source.as_ref()
    }

    /// The shared dataset handle.
    pub fn source_arc(&self) -> Arc<dyn Source> {
        self.source.clone()
    }

    /// The subject names in dataset order.
    pub fn subjects(&self) -> Result<Vec<String>> {
        self.source.subjects()
    }

    /// The seed of the per-sample RNGs.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Sample `i` (epoch 0).
    pub fn get(&self, i: usize) -> Result<Sample> {
        self.get_in_epoch(i, 0)
    }

    /// Sample `i` with the RNG of `epoch` (different augmentations each epoch, reproducible).
    pub fn get_in_epoch(&self, i: usize, epoch: u64) -> Result<Sample> {
        let mut rng = sample_rng(self.seed, epoch, i);
        self.get_with_rng(i, &mut rng)
    }

    /// Sample `i` drawing random numbers from `rng`.
    pub fn get_with_rng(&self, i: usize, rng: &mut dyn RngCore) -> Result<Sample> {
        let (subject, expr) = self.indices.get(i).ok_or_else(|| ExtractError::OutOfRange {
            what: "sample",
            index: i.to_string(),
            len: self.indices.len(),
        })?;
        let mut sample = self.direct_extract(
            self.extractor.as_ref(),
            *subject,
            expr.clone(),
            self.transform.as_deref(),
            rng,
        )?;
        sample.sample_index = Some(i);
        Ok(sample)
    }

    /// Runs an extractor (and optionally a transform) on any subject and expression (pymia's `direct_extract`).
    pub fn direct_extract(
        &self,
        extractor: &dyn Extractor,
        subject_index: usize,
        index_expr: IndexExpression,
        transform: Option<&dyn Transform>,
        rng: &mut dyn RngCore,
    ) -> Result<Sample> {
        let n = self.source.subjects()?.len();
        if subject_index >= n {
            return Err(ExtractError::OutOfRange {
                what: "subject",
                index: subject_index.to_string(),
                len: n,
            });
        }
        let params = ExtractParams::new(subject_index, index_expr);
        let mut sample = Sample::new();
        extractor.extract(self.source.as_ref(), &params, rng, &mut sample)?;
        if let Some(t) = transform {
            t.apply(&mut sample, rng)?;
        }
        Ok(sample)
    }
}

/// The category whose shape drives indexing: `images` as in pymia, else the dataset's first category.
pub(crate) fn index_category(source: &dyn Source) -> Result<String> {
    let cats = source.categories()?;
    if cats.iter().any(|c| c == "images") {
        return Ok("images".into());
    }
    cats.into_iter().next().ok_or_else(|| ExtractError::Missing {
        what: "categories".into(),
        message: "the dataset has no category".into(),
    })
}
