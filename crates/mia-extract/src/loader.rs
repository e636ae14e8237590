//! Batching loader with seeded shuffling, multi-threaded prefetch and sharding.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use mia_core::ImageData;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::datasource::mix;
use crate::util::stack_first;
use crate::{DataSource, ExtractError, Result, Sample};

/// Options of a [`Loader`].
#[derive(Debug, Clone, PartialEq)]
pub struct LoaderConfig {
    /// Samples per batch (≥ 1).
    pub batch_size: usize,
    /// Shuffle the samples each epoch (seeded by `seed` and the epoch).
    pub shuffle: bool,
    /// Seed of the shuffling (the samples' own RNGs come from the data source's seed).
    pub seed: u64,
    /// Drop a last, incomplete batch.
    pub drop_last: bool,
    /// Worker threads extracting batches; 0 extracts in the calling thread.
    pub workers: usize,
    /// Batches extracted ahead of the consumer (bounded queue, ≥ 1).
    pub prefetch: usize,
    /// Deliver batches in index order (otherwise in completion order; the content of each batch is the same).
    pub ordered: bool,
    /// This process's rank for distributed training.
    pub rank: usize,
    /// Number of processes; each gets every `world_size`-th sample of the (shuffled) order.
    pub world_size: usize,
    /// Entries that are stacked into one `(batch, ...)` array per batch where the batch is extracted (in the
    /// workers, like PyTorch's collate function), so the consuming thread receives them ready to use. They move
    /// from the samples into [`Batch::stacked`]; shapes and pixel types must agree within a batch.
    pub collate: Vec<String>,
}

impl Default for LoaderConfig {
    fn default() -> Self {
        LoaderConfig {
            batch_size: 1,
            shuffle: false,
            seed: 0,
            drop_last: false,
            workers: 0,
            prefetch: 2,
            ordered: true,
            rank: 0,
            world_size: 1,
            collate: Vec::new(),
        }
    }
}

/// A batch of samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Position of the batch in the epoch.
    pub batch_index: usize,
    /// The data source indices of the samples.
    pub indices: Vec<usize>,
    /// The samples (without the entries in [`LoaderConfig::collate`]).
    pub samples: Vec<Sample>,
    /// The entries of [`LoaderConfig::collate`], each stacked along a new first axis (`(batch, ...)`).
    pub stacked: BTreeMap<String, ImageData>,
}

impl Batch {
    /// Hands the batch's arrays (the samples' and the stacked ones) back for reuse ([`Sample::recycle`]).
    pub fn recycle(self) {
        for s in self.samples {
            s.recycle();
        }
        for (_, a) in self.stacked {
            a.recycle();
        }
    }

    /// The arrays of one entry stacked along a new first axis (`(batch, ...)`); shapes and types must agree.
    /// An entry collated by the loader is returned from [`Batch::stacked`] (a copy: borrow it there instead).
    pub fn stack(&self, key: &str) -> Result<ImageData> {
        if let Some(stacked) = self.stacked.get(key) {
            return Ok(stacked.clone());
        }
        let parts = self.samples.iter().map(|s| s.data(key)).collect::<Result<Vec<_>>>()?;
        stack_first(&parts, key)
    }
}

/// Iterates a [`DataSource`] in batches, epoch by epoch.
///
/// Each epoch's order is a function of `(seed, epoch)` only; every sample is extracted with
/// [`DataSource::get_in_epoch`], whose RNG depends on the data source's seed, the epoch and the sample index, so
/// the batches are identical whatever the number of workers (with `ordered`, also their order). Sharding pads the
/// order by repeating its first samples until it divides evenly (as PyTorch's `DistributedSampler`), then rank
/// `r` takes positions `r, r + world_size, ...`.
#[derive(Debug, Clone)]
pub struct Loader {
    ds: Arc<DataSource>,
    config: LoaderConfig,
    subset: Option<Vec<usize>>,
}

impl Loader {
    /// A loader over all samples of `ds`.
    pub fn new(ds: Arc<DataSource>, config: LoaderConfig) -> Result<Self> {
        if config.batch_size == 0
            || config.prefetch == 0
            || config.world_size == 0
            || config.rank >= config.world_size
        {
            return Err(ExtractError::params(
                "Loader",
                format!(
                    "batch_size {} and prefetch {} must be ≥ 1, rank {} < world_size {}",
                    config.batch_size, config.prefetch, config.rank, config.world_size
                ),
            ));
        }
        Ok(Loader { ds, config, subset: None })
    }

    /// Restricts the loader to these sample indices (e.g. from [`crate::select_indices`]).
    pub fn with_subset(mut self, indices: Vec<usize>) -> Result<Self> {
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.ds.len()) {
            return Err(ExtractError::OutOfRange {
                what: "sample",
                index: bad.to_string(),
                len: self.ds.len(),
            });
        }
        self.subset = Some(indices);
        Ok(self)
    }

    /// The sample indices of this rank in `epoch`, in delivery order.
    pub fn epoch_indices(&self, epoch: u64) -> Vec<usize> {
        let mut order: Vec<usize> = self.subset.clone().unwrap_or_else(|| (0..self.ds.len()).collect());
        if self.config.shuffle {
            let mut rng = ChaCha8Rng::seed_from_u64(mix(self.config.seed ^ mix(epoch.wrapping_add(1))));
            order.shuffle(&mut rng);
        }
        let w = self.config.world_size;
        if w > 1 && !order.is_empty() {
            let padded = order.len().div_ceil(w) * w;
            let extra: Vec<usize> = order.iter().cycle().take(padded - order.len()).copied().collect();
            order.extend(extra);
            order = order.into_iter().skip(self.config.rank).step_by(w).collect();
        }
        order
    }

    fn batches(&self, epoch: u64) -> Vec<Vec<usize>> {
        let idx = self.epoch_indices(epoch);
        let mut batches: Vec<Vec<usize>> =
            idx.chunks(self.config.batch_size).map(<[usize]>::to_vec).collect();
        if self.config.drop_last && batches.last().is_some_and(|b| b.len() < self.config.batch_size) {
            batches.pop();
        }
        batches
    }

    /// Number of batches per epoch.
    pub fn len(&self) -> usize {
        self.batches(0).len()
    }

    /// Whether an epoch has no batch.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The batches of one epoch.
    pub fn epoch(&self, epoch: u64) -> EpochIter {
        let batches = Arc::new(self.batches(epoch));
        let n = batches.len();
        let shared =
            Arc::new(Shared { state: Mutex::new((0, 0)), cv: Condvar::new(), stop: AtomicBool::new(false) });
        if self.config.workers == 0 {
            return EpochIter {
                inner: Inner::Sync {
                    ds: self.ds.clone(),
                    batches,
                    epoch,
                    collate: self.config.collate.clone(),
                },
                next: 0,
                n,
                shared,
            };
        }
        let capacity = self.config.prefetch;
        let (tx, rx) = sync_channel(capacity + self.config.workers);
        let handles = (0..self.config.workers)
            .map(|_| {
                let (ds, batches, shared, tx) =
                    (self.ds.clone(), batches.clone(), shared.clone(), tx.clone());
                let collate = self.config.collate.clone();
                std::thread::spawn(move || loop {
                    let k = {
                        let Ok(mut st) = shared.state.lock() else { return };
                        while st.0 < n && st.0 >= st.1 + capacity && !shared.stop.load(Ordering::Relaxed) {
                            st = match shared.cv.wait(st) {
                                Ok(s) => s,
                                Err(_) => return,
                            };
                        }
                        if st.0 >= n || shared.stop.load(Ordering::Relaxed) {
                            return;
                        }
                        st.0 += 1;
                        st.0 - 1
                    };
                    let batch = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        extract_batch(&ds, &batches[k], k, epoch, &collate)
                    }))
                    .unwrap_or_else(|_| Err(ExtractError::Loader(format!("extracting batch {k} panicked"))));
                    if tx.send((k, batch)).is_err() {
                        return;
                    }
                })
            })
            .collect();
        EpochIter {
            inner: Inner::Threads { rx, handles, pending: BTreeMap::new(), ordered: self.config.ordered },
            next: 0,
            n,
            shared,
        }
    }
}

fn extract_batch(
    ds: &DataSource,
    indices: &[usize],
    k: usize,
    epoch: u64,
    collate: &[String],
) -> Result<Batch> {
    let mut samples = indices.iter().map(|&i| ds.get_in_epoch(i, epoch)).collect::<Result<Vec<_>>>()?;
    let mut stacked = BTreeMap::new();
    for key in collate {
        let parts = samples.iter().map(|s| s.data(key)).collect::<Result<Vec<_>>>()?;
        stacked.insert(key.clone(), stack_first(&parts, key)?);
        for s in &mut samples {
            s.remove(key);
        }
    }
    Ok(Batch { batch_index: k, indices: indices.to_vec(), samples, stacked })
}

struct Shared {
    /// (next batch to claim, batches delivered)
    state: Mutex<(usize, usize)>,
    cv: Condvar,
    stop: AtomicBool,
}

enum Inner {
    Sync {
        ds: Arc<DataSource>,
        batches: Arc<Vec<Vec<usize>>>,
        epoch: u64,
        collate: Vec<String>,
    },
    Threads {
        rx: Receiver<(usize, Result<Batch>)>,
        handles: Vec<JoinHandle<()>>,
        pending: BTreeMap<usize, Result<Batch>>,
        ordered: bool,
    },
}

/// The batches of one epoch ([`Loader::epoch`]); dropping it stops the workers.
pub struct EpochIter {
    inner: Inner,
    next: usize,
    n: usize,
    shared: Arc<Shared>,
}

impl Iterator for EpochIter {
    type Item = Result<Batch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.n {
            return None;
        }
        let item = match &mut self.inner {
            Inner::Sync { ds, batches, epoch, collate } => {
                extract_batch(ds, &batches[self.next], self.next, *epoch, collate)
            }
            Inner::Threads { rx, pending, ordered, .. } => {
                let want = self.next;
                loop {
                    if *ordered {
                        if let Some(b) = pending.remove(&want) {
                            break b;
                        }
                    }
                    match rx.recv() {
                        Ok((k, b)) if !*ordered || k == want => break b,
                        Ok((k, b)) => {
                            pending.insert(k, b);
                        }
                        Err(_) => {
                            break Err(ExtractError::Loader("a worker thread stopped unexpectedly".into()))
                        }
                    }
                }
            }
        };
        self.next += 1;
        if let Ok(mut st) = self.shared.state.lock() {
            st.1 += 1;
        }
        self.shared.cv.notify_all();
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.n - self.next;
        (left, Some(left))
    }
}

impl Drop for EpochIter {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.shared.cv.notify_all();
        if let Inner::Threads { rx, handles, .. } = &mut self.inner {
            while rx.try_recv().is_ok() {}
            for h in handles.drain(..) {
                // Workers blocked on a full channel wake up when the receiver is dropped after this loop; drain
                // until each has finished.
                while !h.is_finished() {
                    while rx.try_recv().is_ok() {}
                    std::thread::yield_now();
                }
                let _ = h.join();
            }
        }
    }
}
