//! Sample extraction from datasets: the training loop's side of pymia (`pymia.data.extraction`,
//! `transformation`, `augmentation`), framework-independent.
//!
//! * A [`Source`] is a dataset: an HDF5 dataset ([`mia_dataset::Dataset`], with pixel data or metadata-only) or
//!   an in-memory [`MemorySource`].
//! * A [`DataSource`] (pymia's `PymiaDatasource`) lists the samples, `(subject_index, IndexExpression)` pairs from
//!   an [`IndexingStrategy`] (`mia_index`), and extracts one with [`DataSource::get`]: its [`Extractor`]s fill a
//!   [`Sample`] (named arrays and strings plus metadata), then its [`Transform`]s (including augmentation) change
//!   it. Random choices come from a per-sample RNG ([`sample_rng`]) seeded by the data source's seed, the epoch
//!   and the sample index, so runs are reproducible, whichever thread extracts a sample.
//! * [`select_indices`] filters samples (pymia's selection strategies) reading only what the strategy needs;
//!   [`WeightedSampler`] / [`LabelSampler`] draw patches (TorchIO semantics, border-correct); a [`Loader`] batches
//!   with seeded shuffling, worker threads, a bounded prefetch queue and sharding.
//!
//! ```
//! use mia_core::ImageData;
//! use mia_extract::{DataExtractor, DataSource, Extractor, MemorySource, PadDataExtractor, SubjectExtractor};
//! use mia_index::{PatchWiseIndexing, SliceIndexing};
//! use ndarray::ArrayD;
//!
//! // Two subjects with (z, y, x, channels) = (6, 8, 10, 2) images (pymia's layout).
//! let images = (0..2).map(|_| ImageData::F32(ArrayD::ones(vec![6, 8, 10, 2]))).collect();
//! let source = MemorySource::new(vec!["Subject_1".into(), "Subject_2".into()])
//!     .with_category("images", Some(vec!["T1".into(), "T2".into()]), images)?;
//!
//! // pymia: PymiaDatasource(path, SliceIndexing(0), ComposeExtractor([DataExtractor(), SubjectExtractor()]))
//! let extractor: Vec<Box<dyn Extractor>> = vec![Box::new(DataExtractor::default()), Box::new(SubjectExtractor)];
//! let ds = DataSource::new(source.clone(), SliceIndexing::new(0))?.with_extractor(extractor);
//! assert_eq!(ds.len(), 12);
//! let sample = ds.get(7)?;
//! assert_eq!(sample.subject.as_deref(), Some("Subject_2"));
//! assert_eq!(sample.data("images")?.shape(), &[8, 10, 2]);
//!
//! // 4³ patches with 2 voxels of context (zero outside the volume): 8³ inputs for valid convolutions.
//! let padded = PadDataExtractor::symmetric(&[2, 2, 2], DataExtractor::default());
//! let ds = DataSource::new(source, PatchWiseIndexing::new(&[4, 4, 4]))?.with_extractor(padded);
//! assert_eq!(ds.get(0)?.data("images")?.shape(), &[8, 8, 8, 2]);
//! # Ok::<(), mia_extract::ExtractError>(())
//! ```
//!
//! # For pymia users
//!
//! | pymia | mia |
//! |---|---|
//! | `PymiaDatasource(path, strategy, extractor, transform, subject_subset)` | `DataSource::new(Dataset::open(path)?, strategy)?.with_extractor(..).with_transform(..).with_subject_subset(..)?` |
//! | `datasource[i]` (a dict) | `ds.get(i)?` (a [`Sample`]: `entries` by pymia's key names, metadata fields) |
//! | `ComposeExtractor([...])` / `ComposeTransform([...])` | `Vec<Box<dyn Extractor>>` / `Vec<Box<dyn Transform>>` |
//! | `PadDataExtractor(padding, extractor)` | [`PadDataExtractor::new`] (no mutation of shared expressions, every index kind, zero/edge/reflect) |
//! | `FilesystemDataExtractor(load_fn=...)` | [`FilesystemDataExtractor::new`] with a [`FileLoader`], or `::mia_io` (volumes cached per subject) |
//! | `np.random` global state | explicit, seeded RNG per sample ([`DataSource::with_seed`], [`DataSource::get_in_epoch`]) |
//! | `select_indices(datasource, strategy)` | [`select_indices`]`(&ds, &strategy)` (extracts only what the strategy needs, without the transform) |
//! | torch `DataLoader` + `PytorchDatasetAdapter` | [`Loader`] (batches, shuffling, threads, prefetch, sharding) |
//!
//! Deliberate differences (each documented at the item): `ImagePropertyShapeExtractor` reverses the size for every
//! dimension; `ClipPercentile` computes both percentiles on the original values (pymia's order as an option);
//! augmentation `RandomCrop` can choose the last position and a full-size window; `RandomShift` takes fractions
//! per axis (never a bare-float TypeError) and can zero-fill instead of wrapping; elastic deformation interpolates
//! images linearly (pymia: cubic B-spline).
#![warn(missing_docs)]

mod augment;
mod datasource;
mod error;
mod extractor;
mod hdf5_source;
mod loader;
mod sample;
mod sampler;
mod selection;
mod source;
mod transform;
mod util;

pub use augment::*;
pub use datasource::{sample_rng, DataSource};
pub use error::{ExtractError, Result};
pub use extractor::*;
pub use hdf5_source::MiaIoLoader;
pub use loader::{Batch, EpochIter, Loader, LoaderConfig};
pub use mia_index::{IndexExpression, IndexingStrategy};
pub use sample::{Entry, Sample};
pub use sampler::{sample_patches, LabelSampler, PatchSampler, WeightedSampler};
pub use selection::*;
pub use source::{MemorySource, MemoryValue, Source};
pub use transform::*;
