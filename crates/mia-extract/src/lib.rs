//! Sample extraction from datasets: data sources, extractors, transforms, augmentation, batching loaders.
#![warn(missing_docs)]

mod augment;
mod datasource;
mod error;
mod extractor;
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
pub use loader::{Batch, EpochIter, Loader, LoaderConfig};
pub use mia_index::{IndexExpression, IndexingStrategy};
pub use sample::{Entry, Sample};
pub use sampler::{sample_patches, LabelSampler, PatchSampler, WeightedSampler};
pub use selection::*;
pub use source::{MemorySource, MemoryValue, Source};
pub use transform::*;
