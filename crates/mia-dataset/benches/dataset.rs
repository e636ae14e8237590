//! Dataset creation and reads on the pymia paper's benchmark shape: subjects with T1 + T2 of 181×217×181 float32
//! (MetaImage files written once into a temporary directory). pymia's figures: shared/bench/pymia_data_bench.py.
//!
//! * `create/{contiguous,deflate4}`: `create_dataset` of 2 subjects (loading the .mha files, SHA-256, writing).
//! * `read/<storage>/<selection>/<path>`: full volume (both channels), an 84³ patch, one axial slice; `mmap` is
//!   `Dataset::read_into` (memory-mapped fast path for contiguous data), `hdf5` is hdf5-metno's hyperslab read of
//!   the same selection, `memcpy` copies the same number of bytes between two buffers (the floor).

#![allow(missing_docs)] // criterion_group! generates an undocumented function.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mia_core::Image;
use mia_dataset::{
    create_dataset, CreateOptions, Dataset, FileLoader, Progress, StoragePolicy, SubjectFiles,
};
use mia_index::{AxisIndex, IndexExpression};
use ndarray::{ArrayD, IxDyn};

const SHAPE: [usize; 3] = [181, 217, 181];
const SUBJECTS: usize = 2;

fn volume(seed: usize) -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(&SHAPE), |ix| {
        let (z, y, x) = (ix[0] as f32, ix[1] as f32, ix[2] as f32);
        100.0 + 50.0 * ((z * 0.05 + seed as f32).sin() * (y * 0.04).cos() + (x * 0.03).sin())
    })
}

fn write_subjects(dir: &Path) -> Vec<SubjectFiles> {
    (0..SUBJECTS)
        .map(|i| {
            let id = format!("Subject_{i}");
            let mut s = SubjectFiles::new(&id);
            for (k, name) in ["T1", "T2"].iter().enumerate() {
                let p = dir.join(format!("{id}_{name}.mha"));
                let img =
                    Image::from_array_with_geometry(volume(2 * i + k), vec![1.0; 3], vec![0.0; 3], None)
                        .unwrap();
                mia_io::write_image(&p, &img).unwrap();
                s.add("images", *name, p).unwrap();
            }
            s
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let subjects = write_subjects(dir.path());
    let loader = FileLoader::new();
    let quiet = CreateOptions { progress: Progress::Quiet, force: true, ..CreateOptions::default() };
    let packed_opts = CreateOptions { storage: StoragePolicy::compressed(4), ..quiet.clone() };
    let plain: PathBuf = dir.path().join("plain.h5");
    let packed: PathBuf = dir.path().join("packed.h5");

    let mut g = c.benchmark_group("create");
    g.sample_size(10);
    for (name, opts, out) in [("contiguous", &quiet, &plain), ("deflate4", &packed_opts, &packed)] {
        g.bench_function(name, |b| b.iter(|| create_dataset(&subjects, out, &loader, &[], opts).unwrap()));
    }
    g.finish();
    eprintln!(
        "file sizes: contiguous {} bytes, deflate4 {} bytes",
        std::fs::metadata(&plain).unwrap().len(),
        std::fs::metadata(&packed).unwrap().len()
    );

    let selections = [
        ("full", IndexExpression::whole()),
        ("patch84", IndexExpression::patch(&[40, 60, 40], &[84, 84, 84])),
        ("slice", IndexExpression::at_axis(0, AxisIndex::Index(90))),
    ];
    let mut g = c.benchmark_group("read");
    g.sample_size(20);
    for (storage, path) in [("contiguous", &plain), ("deflate4", &packed)] {
        let ds = Dataset::open(path).unwrap();
        let h5 = ds.hdf5_file().dataset("data/images/0").unwrap();
        for (sel_name, sel) in &selections {
            let n: usize = ds.selection_shape("images", 0, sel).unwrap().iter().product();
            g.throughput(Throughput::Bytes((n * 4) as u64));
            let mut buf = vec![0f32; n];
            g.bench_function(BenchmarkId::new(format!("{storage}/{sel_name}"), "mmap"), |b| {
                b.iter(|| ds.read_into("images", 0, sel, &mut buf).unwrap())
            });
            let hs = match *sel_name {
                "full" => ndarray::s![.., .., .., ..],
                "patch84" => ndarray::s![40..124, 60..144, 40..124, ..],
                _ => ndarray::s![90..91, .., .., ..],
            };
            g.bench_function(BenchmarkId::new(format!("{storage}/{sel_name}"), "hdf5"), |b| {
                b.iter(|| h5.read_slice::<f32, _, IxDyn>(hs).unwrap())
            });
            if storage == "contiguous" {
                let src = vec![1f32; n];
                g.bench_function(BenchmarkId::new(format!("{storage}/{sel_name}"), "memcpy"), |b| {
                    b.iter(|| buf.copy_from_slice(std::hint::black_box(&src)))
                });
            }
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
