//! Surface-distance benchmarks: HD95 (surface extraction + kd-tree queries + percentile) per label on the shared
//! parity cases `brain_multilabel` (160×192×160, 5 labels; pymia 0.3.4 ≈ 7 s) and `large_256` (256³, 2 labels),
//! single-threaded and with two threads; plus pymia's AVGDIST (ITK average Hausdorff) on `brain_multilabel`.
//!
//! Needs `shared/parity` beside the repository clone (as CI lays it out); without it the benchmarks are skipped.

#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use mia_metrics::surface::{average_hausdorff_itk, SurfaceConfig, SurfaceDistances};
use ndarray::ArrayD;
use nifti::{IntoNdArray, NiftiObject, ReaderOptions};

type Case = (Vec<(ArrayD<bool>, ArrayD<bool>)>, Vec<f64>);

fn load(case: &str, labels: &[u8]) -> Option<Case> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/parity/cases")).join(case);
    let read = |which: &str| -> Option<(ArrayD<u8>, Vec<f64>)> {
        let obj = ReaderOptions::new().read_file(dir.join(format!("{which}.nii.gz"))).ok()?;
        let header = obj.header().clone();
        let data: ArrayD<u8> = obj.into_volume().into_ndarray::<u8>().ok()?;
        let ndim = data.ndim();
        let data = data.reversed_axes().as_standard_layout().into_owned();
        Some((data, (1..=ndim).rev().map(|i| f64::from(header.pixdim[i])).collect()))
    };
    let (r, spacing) = read("ref")?;
    let (p, _) = read("pred")?;
    let masks = labels.iter().map(|&l| (p.mapv(|v| v == l), r.mapv(|v| v == l))).collect();
    Some((masks, spacing))
}

fn hd95_all(case: &Case) -> f64 {
    let config = SurfaceConfig::pymia();
    case.0
        .iter()
        .map(|(p, r)| {
            SurfaceDistances::compute(p.view(), r.view(), &case.1, &config).expect("valid").hausdorff(95.0)
        })
        .sum()
}

fn avgdist_all(case: &Case) -> f64 {
    case.0
        .iter()
        .map(|(p, r)| {
            let (a, b) = average_hausdorff_itk(p.view(), r.view(), &case.1).expect("valid");
            0.5 * (a + b)
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let cases = [("brain_multilabel", &[1u8, 2, 3, 4, 5][..]), ("large_256", &[1u8, 2][..])];
    for (name, labels) in cases {
        let Some(case) = load(name, labels) else {
            eprintln!("shared/parity/cases/{name} not found: skipping the surface benchmarks");
            return;
        };
        let mut group = c.benchmark_group(format!("surface/{name}"));
        group.sample_size(10).measurement_time(Duration::from_secs(5));
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            group.bench_function(format!("hd95_{threads}thread"), |b| {
                b.iter(|| pool.install(|| black_box(hd95_all(&case))))
            });
            if name == "brain_multilabel" {
                group.bench_function(format!("avgdist_{threads}thread"), |b| {
                    b.iter(|| pool.install(|| black_box(avgdist_all(&case))))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
