//! Sample extraction from datasets: data sources, extractors, transforms, augmentation, batching loaders.
#![warn(missing_docs)]

mod datasource;
mod error;
mod extractor;
mod indexing;
mod sample;
mod source;
mod transform;
mod util;

pub use datasource::{sample_rng, DataSource};
pub use error::{ExtractError, Result};
pub use extractor::*;
pub use indexing::IndexingStrategy;
pub use sample::{Entry, Sample};
pub use source::{MemorySource, MemoryValue, Source};
pub use transform::*;
