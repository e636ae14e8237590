//! Loading pixel data from the files of a metadata-only dataset.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use mia_core::ImageData;
use rand::RngCore;

use super::{ExtractParams, Extractor};
use crate::util::{clip_expression, slice_data, stack_last};
use crate::{ExtractError, Result, Sample, Source};

/// Loads one image file into an array in numpy order (pymia's `load_fn`).
///
/// Implemented for closures `Fn(&Path, &str) -> Result<ImageData>` (path and category) and by
/// [`crate::MiaIoLoader`], which reads any format `mia-io` knows.
pub trait FileLoader: Send + Sync {
    /// Loads the file `path` of category `category`.
    fn load(&self, path: &Path, category: &str) -> Result<ImageData>;
}

impl<F> FileLoader for F
where
    F: Fn(&Path, &str) -> Result<ImageData> + Send + Sync,
{
    fn load(&self, path: &Path, category: &str) -> Result<ImageData> {
        self(path, category)
    }
}

type CacheKey = (usize, String, usize);

#[derive(Debug, Default)]
struct CacheState {
    entries: VecDeque<(CacheKey, Arc<ImageData>)>,
    bytes: usize,
}

/// A least-recently-used cache of loaded volumes, bounded by bytes, shared between clones (and loader workers).
///
/// Used by [`FilesystemDataExtractor`] so that slice and patch samples of one subject decode the subject's files
/// once, not once per sample. A volume larger than the capacity is not cached.
///
/// Loads are single-flight: when several loader workers miss the same volume at once, one decodes it and the
/// others wait for it instead of decoding it again.
#[derive(Debug, Clone)]
pub struct VolumeCache {
    id: usize,
    capacity: usize,
    state: Arc<Mutex<CacheState>>,
    /// One gate per volume being loaded.
    loading: Arc<Mutex<HashMap<CacheKey, Arc<Mutex<()>>>>>,
}

impl VolumeCache {
    /// A cache holding at most `capacity_bytes` of pixel data.
    pub fn new(capacity_bytes: usize) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        VolumeCache {
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            capacity: capacity_bytes,
            state: Arc::default(),
            loading: Arc::default(),
        }
    }

    /// The cached volume, or the one `load` returns (cached if it fits); concurrent misses of one key load once.
    fn get_or_load(&self, key: CacheKey, load: impl FnOnce() -> Result<ImageData>) -> Result<Arc<ImageData>> {
        if let Some(v) = self.get(&key) {
            return Ok(v);
        }
        let gate = {
            let mut loading = self.loading.lock().unwrap_or_else(|e| e.into_inner());
            loading.entry(key.clone()).or_default().clone()
        };
        let result = {
            let _turn = gate.lock().unwrap_or_else(|e| e.into_inner());
            match self.get(&key) {
                Some(v) => Ok(v),
                None => load().map(|v| {
                    let v = Arc::new(v);
                    self.put(key.clone(), v.clone());
                    v
                }),
            }
        };
        let mut loading = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        if loading.get(&key).is_some_and(|g| Arc::ptr_eq(g, &gate)) && Arc::strong_count(&gate) <= 2 {
            loading.remove(&key);
        }
        result
    }

    /// Bytes currently held.
    pub fn bytes(&self) -> usize {
        self.state.lock().map(|s| s.bytes).unwrap_or(0)
    }

    /// Number of volumes currently held.
    pub fn len(&self) -> usize {
        self.state.lock().map(|s| s.entries.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn get(&self, key: &CacheKey) -> Option<Arc<ImageData>> {
        let mut s = self.state.lock().ok()?;
        let pos = s.entries.iter().position(|(k, _)| k == key)?;
        let item = s.entries.remove(pos)?;
        let v = item.1.clone();
        s.entries.push_back(item);
        Some(v)
    }

    fn put(&self, key: CacheKey, value: Arc<ImageData>) {
        let size = value.len() * value.pixel_type().size_bytes();
        if size > self.capacity {
            return;
        }
        let Ok(mut s) = self.state.lock() else { return };
        if s.entries.iter().any(|(k, _)| *k == key) {
            return;
        }
        while s.bytes + size > self.capacity {
            match s.entries.pop_front() {
                Some((_, v)) => s.bytes -= v.len() * v.pixel_type().size_bytes(),
                None => break,
            }
        }
        s.bytes += size;
        s.entries.push_back((key, value));
    }
}

impl Default for VolumeCache {
    /// 1 GiB.
    fn default() -> Self {
        VolumeCache::new(1 << 30)
    }
}

/// Loads categories from the files of a metadata-only dataset (pymia's `FilesystemDataExtractor`).
///
/// For each category, the subject's files (`meta/files/<cat>_files`, relative to `meta/files/file_root` or to an
/// override) are loaded with the [`FileLoader`], stacked along a new last axis (numpy `stack(axis=-1)`) and then
/// indexed with the sample's expression. Loaded volumes are kept in a [`VolumeCache`], so the slices or patches
/// of one subject are cut from one decoded volume (pymia re-reads and re-decodes every file for every sample).
/// The result equals [`super::DataExtractor`] on the HDF5 dataset created from the same files.
pub struct FilesystemDataExtractor {
    categories: Vec<String>,
    loader: Arc<dyn FileLoader>,
    ignore_indexing: bool,
    file_root: Option<PathBuf>,
    cache: VolumeCache,
}

impl std::fmt::Debug for FilesystemDataExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilesystemDataExtractor")
            .field("categories", &self.categories)
            .field("ignore_indexing", &self.ignore_indexing)
            .field("file_root", &self.file_root)
            .field("cache", &self.cache)
            .finish()
    }
}

impl FilesystemDataExtractor {
    /// Loads `categories` with `loader`.
    pub fn new(categories: &[&str], loader: impl FileLoader + 'static) -> Self {
        FilesystemDataExtractor {
            categories: categories.iter().map(|c| c.to_string()).collect(),
            loader: Arc::new(loader),
            ignore_indexing: false,
            file_root: None,
            cache: VolumeCache::default(),
        }
    }

    /// Loads `categories` with `mia-io` ([`crate::MiaIoLoader`]): pymia's default `sitk.ReadImage`.
    pub fn mia_io(categories: &[&str]) -> Self {
        FilesystemDataExtractor::new(categories, crate::MiaIoLoader::new())
    }

    /// Returns whole volumes regardless of the index expression.
    pub fn ignore_indexing(mut self, ignore: bool) -> Self {
        self.ignore_indexing = ignore;
        self
    }

    /// Resolves the files against this directory instead of the dataset's `file_root` (pymia's
    /// `override_file_root`).
    pub fn file_root(mut self, root: impl AsRef<Path>) -> Self {
        self.file_root = Some(root.as_ref().to_path_buf());
        self
    }

    /// Uses this cache (e.g. a smaller one, or one shared with other extractors).
    pub fn cache(mut self, cache: VolumeCache) -> Self {
        self.cache = cache;
        self
    }

    fn volume(&self, source: &dyn Source, category: &str, subject: usize) -> Result<Arc<ImageData>> {
        let key = (self.cache.id, category.to_string(), subject);
        self.cache.get_or_load(key, || self.load_volume(source, category, subject))
    }

    fn load_volume(&self, source: &dyn Source, category: &str, subject: usize) -> Result<ImageData> {
        let root = match &self.file_root {
            Some(r) => r.clone(),
            None => source.file_root()?,
        };
        let files = source.files(category, subject)?;
        if files.is_empty() {
            return Err(ExtractError::Missing {
                what: format!("meta/files/{category}_files"),
                message: format!("no file listed for subject {subject}"),
            });
        }
        let parts =
            files.iter().map(|f| self.loader.load(&root.join(f), category)).collect::<Result<Vec<_>>>()?;
        stack_last(&parts, category)
    }
}

impl Extractor for FilesystemDataExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        _: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        for c in &self.categories {
            let volume = self.volume(source, c, params.subject_index)?;
            let data = if self.ignore_indexing || params.index_expr.is_whole() {
                volume.try_clone_fast().ok_or_else(|| ExtractError::Allocation {
                    what: format!("a copy of the {c} volume of subject {}", params.subject_index),
                    bytes: volume.len() * volume.pixel_type().size_bytes(),
                })?
            } else {
                let clipped = clip_expression(&params.index_expr, volume.shape())?;
                slice_data(&volume, &clipped)?
            };
            sample.insert(c.clone(), data);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DataSource, MemorySource};
    use mia_index::SliceIndexing;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn concurrent_misses_decode_a_volume_once() {
        let loads = Arc::new(AtomicUsize::new(0));
        let counter = loads.clone();
        let loader = move |_: &Path, _: &str| -> Result<ImageData> {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(50));
            Ok(ImageData::F32(ndarray::ArrayD::from_elem(ndarray::IxDyn(&[4, 3, 2]), 1.5)))
        };
        let source = MemorySource::new(vec!["a".into()])
            .with_file_category(
                "images",
                None,
                vec![vec![4, 3, 2, 2]],
                vec![vec!["t1.x".into(), "t2.x".into()]],
            )
            .unwrap()
            .with_file_root("/nowhere");
        let ds = DataSource::new(source, SliceIndexing::new(0))
            .unwrap()
            .with_extractor(FilesystemDataExtractor::new(&["images"], loader));
        std::thread::scope(|s| {
            for i in 0..4 {
                let ds = &ds;
                s.spawn(move || {
                    let sample = ds.get(i).unwrap();
                    assert_eq!(sample.data("images").unwrap().shape(), &[3, 2, 2]);
                });
            }
        });
        // Two files of one subject, decoded once although four workers missed the cache together.
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }
}
