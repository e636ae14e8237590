//! Sample extraction from datasets: data sources, extractors, transforms, augmentation, batching loaders.
//!
//! Not implemented yet: this crate is being filled by the extraction work (issue 5).
#![warn(missing_docs)]
