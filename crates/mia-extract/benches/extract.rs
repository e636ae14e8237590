//! Per-sample load time (pymia paper Fig. 5 cells) and loader throughput.
//!
//! Data: 2 subjects × (T1, T2) of 181×217×181 float32 (the brain phantom at 1 mm), written as uncompressed and
//! zlib-compressed MetaImage, an HDF5 dataset (contiguous, pymia's layout) and metadata-only datasets pointing at
//! each set of files. Cells: whole volume, 84³ patch, 2-D slice; a memcpy of the same bytes into a reused buffer
//! as the copy-limit baseline; file-system cells cold (cache off: every sample decodes its files, as pymia) and
//! warm (mia's per-subject volume cache); loader throughput in slices per second with 2 worker threads.
//!
//! Run: `cargo bench -p mia-extract --bench extract` (set `MIA_BENCH_DIR` to keep the generated data).

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mia_core::Image;
use mia_dataset::{create_dataset, CreateOptions, Dataset, FileLoader, Progress, SubjectFiles};
use mia_extract::*;
use mia_index::{EmptyIndexing, IndexingStrategy, PatchWiseIndexing, SliceIndexing};
use mia_io::metaimage::{write_metaimage_with, MetaImageWriteOptions};
use mia_testkit::BrainPhantom;

const SUBJECTS: u64 = 2;

struct Data {
    full: PathBuf,
    meta_mha: PathBuf,
    meta_gz: PathBuf,
}

fn prepare() -> Data {
    let dir = std::env::var_os("MIA_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("mia-extract-bench"));
    let data = Data {
        full: dir.join("full.h5"),
        meta_mha: dir.join("meta_mha.h5"),
        meta_gz: dir.join("meta_gz.h5"),
    };
    if data.full.exists() && data.meta_mha.exists() && data.meta_gz.exists() {
        return data;
    }
    let phantom = BrainPhantom { shape: [181, 217, 181], spacing: [1.0, 1.0, 1.0], noise: 0.03 };
    let (mut plain, mut gz) = (Vec::new(), Vec::new());
    for n in 1..=SUBJECTS {
        let s = phantom.generate(n);
        for (set, compress, list) in [("mha", false, &mut plain), ("gz", true, &mut gz)] {
            let root = dir.join(set).join(&s.id);
            std::fs::create_dir_all(&root).unwrap();
            let mut sf = SubjectFiles::new(s.id.clone());
            for (entry, array) in [("T1", &s.t1), ("T2", &s.t2)] {
                let path = root.join(format!("{}_{entry}.mha", s.id));
                let image: Image = s.image(array).unwrap();
                let options = MetaImageWriteOptions { compress, ..Default::default() };
                write_metaimage_with(&path, &image, options).unwrap();
                sf.add("images", entry, path).unwrap();
            }
            list.push(sf);
        }
    }
    let opts = CreateOptions { progress: Progress::Quiet, hashes: false, force: true, ..Default::default() };
    create_dataset(&plain, &data.full, &FileLoader::new(), &[], &opts).unwrap();
    let meta = CreateOptions { meta_only: true, ..opts };
    create_dataset(&plain, &data.meta_mha, &FileLoader::new(), &[], &meta).unwrap();
    create_dataset(&gz, &data.meta_gz, &FileLoader::new(), &[], &meta).unwrap();
    data
}

fn strategies() -> Vec<(&'static str, Arc<dyn IndexingStrategy>)> {
    vec![
        ("full", Arc::new(EmptyIndexing)),
        ("patch84", Arc::new(PatchWiseIndexing::new(&[84, 84, 84]))),
        ("slice", Arc::new(SliceIndexing::new(0))),
    ]
}

fn cycle(c: &mut Criterion, group: &str, name: &str, ds: &DataSource) {
    let mut g = c.benchmark_group(group);
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    let mut i = 0;
    g.bench_function(name, |b| {
        b.iter(|| {
            let s = ds.get(i % ds.len()).unwrap();
            i += 1;
            black_box(s)
        })
    });
    g.finish();
}

fn sample_bytes(ds: &DataSource) -> usize {
    ds.get(0).unwrap().data("images").unwrap().len() * 4
}

fn bench_load(c: &mut Criterion) {
    let data = prepare();
    let h5: Arc<dyn Source> = Arc::new(Dataset::open(&data.full).unwrap());
    for (name, strategy) in strategies() {
        let ds = DataSource::from_parts(h5.clone(), Box::new(strategy.clone())).unwrap();
        cycle(c, "load/hdf5", name, &ds);
        // The copy limit: the sample's bytes copied into a reused buffer.
        let n = sample_bytes(&ds);
        let src = vec![1u8; n];
        let mut dst = vec![0u8; n];
        let mut g = c.benchmark_group("load/memcpy");
        g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
        g.throughput(Throughput::Bytes(n as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&src));
                black_box(&dst);
            })
        });
        g.finish();
    }
    for (label, path) in [("mha", &data.meta_mha), ("mha-gz", &data.meta_gz)] {
        let meta: Arc<dyn Source> = Arc::new(Dataset::open(path).unwrap());
        for (name, strategy) in strategies() {
            for (cache_label, cache) in [("cold", VolumeCache::new(0)), ("cached", VolumeCache::default())] {
                if name == "full" && cache_label == "cached" {
                    continue; // whole volumes alternate between subjects: the cache only adds a copy
                }
                let ex = FilesystemDataExtractor::mia_io(&["images"]).cache(cache);
                let ds = DataSource::from_parts(meta.clone(), Box::new(strategy.clone()))
                    .unwrap()
                    .with_extractor(ex);
                if cache_label == "cold" && name != "full" {
                    // Cold patch/slice reads decode the whole files per sample (pymia's behaviour): one is enough.
                    let mut g = c.benchmark_group(format!("load/fs-{label}-cold"));
                    g.sample_size(10)
                        .warm_up_time(Duration::from_millis(500))
                        .measurement_time(Duration::from_secs(3));
                    g.bench_function(name, |b| b.iter(|| black_box(ds.get(0).unwrap())));
                    g.finish();
                    continue;
                }
                cycle(c, &format!("load/fs-{label}-{cache_label}"), name, &ds);
            }
        }
    }
}

fn bench_loader(c: &mut Criterion) {
    let data = prepare();
    let ds = Arc::new(DataSource::new(Dataset::open(&data.full).unwrap(), SliceIndexing::new(0)).unwrap());
    let n = ds.len();
    let mut g = c.benchmark_group("loader");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    g.throughput(Throughput::Elements(n as u64));
    for workers in [0, 2] {
        let loader = Loader::new(
            ds.clone(),
            LoaderConfig { batch_size: 16, shuffle: true, workers, prefetch: 4, ..Default::default() },
        )
        .unwrap();
        let mut epoch = 0;
        g.bench_function(format!("slices-epoch-{workers}-workers"), |b| {
            b.iter(|| {
                epoch += 1;
                for batch in loader.epoch(epoch) {
                    black_box(batch.unwrap());
                }
            })
        });
    }
    g.finish();
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, bench_load, bench_loader);
}
use group::benches;
criterion_main!(benches);
