//! [`MemoryLoader`]: serves loaded values from memory (tests, benchmarks, generated data).

use std::collections::HashMap;
use std::path::Path;

use ndarray::{ArrayD, IxDyn};

use crate::traverser::{BoxError, Load};
use crate::values::{Loaded, Values};

/// A loader over images kept in memory, keyed by path (tests, benchmarks, generated data).
#[derive(Debug, Clone, Default)]
pub struct MemoryLoader {
    entries: HashMap<std::path::PathBuf, Loaded>,
}

impl MemoryLoader {
    /// An empty loader.
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `loaded` for `path`.
    pub fn insert(&mut self, path: impl Into<std::path::PathBuf>, loaded: Loaded) -> &mut Self {
        self.entries.insert(path.into(), loaded);
        self
    }

    /// Serves an image for `path`.
    pub fn insert_image(&mut self, path: impl Into<std::path::PathBuf>, image: mia_core::Image) -> &mut Self {
        let (data, props) = image.into_parts();
        self.insert(path, Loaded { values: Values::Numeric(data), properties: Some(props) })
    }

    /// Serves a string for `path`.
    pub fn insert_text(&mut self, path: impl Into<std::path::PathBuf>, text: &str) -> &mut Self {
        self.insert(
            path,
            Loaded {
                values: Values::Text(ArrayD::from_elem(IxDyn(&[]), text.to_string())),
                properties: None,
            },
        )
    }
}

impl Load for MemoryLoader {
    fn load(&self, path: &Path, _entry: &str, _category: &str, _subject: &str) -> Result<Loaded, BoxError> {
        self.entries
            .get(path)
            .cloned()
            .ok_or_else(|| format!("{}: not in the memory loader", path.display()).into())
    }
}
