//! Loader: batching, seeded shuffling, workers, ordering, sharding; selection and patch sampling end to end.

mod common;

use std::sync::Arc;

use common::*;
use mia_extract::*;
use mia_index::{EmptyIndexing, SliceIndexing};

fn ds() -> Arc<DataSource> {
    let extractor: Vec<Box<dyn Extractor>> =
        vec![Box::new(DataExtractor::new(&["images", "labels"])), Box::new(IndexingExtractor)];
    Arc::new(
        DataSource::new(memory_source(), SliceIndexing::new(0))
            .unwrap()
            .with_extractor(extractor)
            .with_transform(RandomMirror::new(-2).p(0.5))
            .with_seed(11),
    )
}

fn collect(loader: &Loader, epoch: u64) -> Vec<Batch> {
    loader.epoch(epoch).collect::<Result<Vec<_>>>().unwrap()
}

#[test]
fn workers_give_the_same_batches_as_the_calling_thread() {
    let base = LoaderConfig { batch_size: 4, shuffle: true, seed: 5, ..Default::default() };
    let sync = Loader::new(ds(), base.clone()).unwrap();
    let threaded = Loader::new(ds(), LoaderConfig { workers: 2, prefetch: 1, ..base.clone() }).unwrap();
    assert_eq!(sync.len(), 5);
    let a = collect(&sync, 1);
    assert_eq!(a, collect(&threaded, 1));
    assert_eq!(a.iter().map(|b| b.samples.len()).sum::<usize>(), 18);
    // Another epoch: another order, still a permutation.
    let b = collect(&sync, 2);
    assert_ne!(
        a.iter().flat_map(|b| b.indices.clone()).collect::<Vec<_>>(),
        b.iter().flat_map(|b| b.indices.clone()).collect::<Vec<_>>()
    );
    let mut all: Vec<usize> = b.iter().flat_map(|b| b.indices.clone()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..18).collect::<Vec<_>>());
    // Unordered delivery: same batches, maybe another order.
    let unordered = Loader::new(ds(), LoaderConfig { workers: 2, ordered: false, ..base.clone() }).unwrap();
    let mut u = collect(&unordered, 1);
    u.sort_by_key(|b| b.batch_index);
    assert_eq!(u, a);
    // Stacking a batch.
    assert_eq!(a[0].stack("images").unwrap().shape(), &[4, 8, 10, 2]);
    // Collated in the workers (and in the calling thread): the same arrays, moved out of the samples.
    for workers in [0, 2] {
        let collating = Loader::new(
            ds(),
            LoaderConfig { workers, prefetch: 1, collate: vec!["images".into()], ..base.clone() },
        )
        .unwrap();
        let c = collect(&collating, 1);
        assert_eq!(c.len(), a.len());
        for (c, a) in c.iter().zip(&a) {
            assert_eq!(c.indices, a.indices);
            assert_eq!(c.stacked["images"], a.stack("images").unwrap());
            assert_eq!(c.stack("images").unwrap(), c.stacked["images"]);
            assert!(c.samples.iter().all(|s| !s.contains("images") && s.contains("labels")));
        }
    }
    let bad = Loader::new(ds(), LoaderConfig { collate: vec!["nope".into()], ..base.clone() }).unwrap();
    assert!(bad.epoch(0).next().unwrap().is_err());
    // Dropping an epoch early stops the workers.
    let mut it = threaded.epoch(3);
    assert!(it.next().unwrap().is_ok());
    drop(it);
}

#[test]
fn shards_cover_everything_once_padded() {
    let mut seen = Vec::new();
    for rank in 0..4 {
        let l = Loader::new(
            ds(),
            LoaderConfig { shuffle: true, seed: 9, rank, world_size: 4, ..Default::default() },
        )
        .unwrap();
        let idx = l.epoch_indices(0);
        assert_eq!(idx.len(), 5);
        seen.extend(idx);
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen, (0..18).collect::<Vec<_>>());
    assert!(Loader::new(ds(), LoaderConfig { rank: 2, world_size: 2, ..Default::default() }).is_err());
    let l = Loader::new(ds(), LoaderConfig { batch_size: 4, drop_last: true, ..Default::default() }).unwrap();
    assert_eq!(l.len(), 4);
}

#[test]
fn selection_extracts_only_what_it_needs() {
    let ds = ds();
    let fg = select_indices(&ds, &WithForegroundSelection).unwrap();
    assert_eq!(fg.len(), 18);
    let subj = select_indices(&ds, &SubjectSelection::names(&["Subject_3"])).unwrap();
    assert_eq!(subj, (12..18).collect::<Vec<_>>());
    let both: Vec<Box<dyn SelectionStrategy>> =
        vec![Box::new(SubjectSelection::indices(&[0])), Box::new(NonBlackSelection { black_value: 5000.0 })];
    assert_eq!(select_indices(&ds, &both).unwrap(), vec![5]);
    assert_eq!(select_indices(&ds, &NonConstantSelection::default()).unwrap().len(), 18);
    assert!(select_indices(&ds, &PercentileSelection { percentile: 50.0 }).unwrap().is_empty());
    let loader = Loader::new(ds.clone(), LoaderConfig::default()).unwrap().with_subset(subj).unwrap();
    assert_eq!(loader.len(), 6);
}

#[test]
fn sampled_patches_feed_a_data_source() {
    let src = memory_source();
    let sampler = LabelSampler::new(&[4, 4, 4], "labels").label_probabilities(&[(1.0, 1.0), (2.0, 1.0)]);
    let mut rng = sample_rng(1, 0, 0);
    let idx = sample_patches(&src, &sampler, None, 5, &mut rng).unwrap();
    assert_eq!(idx.len(), 15);
    let mut ds = DataSource::new(src, EmptyIndexing).unwrap();
    ds.set_indices(idx).unwrap();
    for i in 0..ds.len() {
        assert_eq!(ds.get(i).unwrap().data("images").unwrap().shape(), &[4, 4, 4, 2]);
    }
}
