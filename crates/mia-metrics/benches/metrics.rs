//! Metric timings on the parity cases (`../shared/parity/cases`), the workloads pymia is timed on in
//! `../shared/bench` (full segmentation set on brain_multilabel ≈ 11 s in pymia, DICE alone ≈ 0.15 s,
//! HDRFDST95 alone ≈ 7 s).

#![allow(missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use mia_metrics::{evaluate_labels, metrics_from_list, segmentation_metrics, EvaluateOptions, Label};
use ndarray::ArrayD;

fn case(name: &str) -> (ArrayD<u8>, ArrayD<u8>, Vec<f64>) {
    let dir = common::parity_dir().join("cases").join(name);
    let r = common::read_nifti(&dir.join("ref.nii.gz"));
    let p = common::read_nifti(&dir.join("pred.nii.gz"));
    (p.data.mapv(|v| v as u8), r.data.mapv(|v| v as u8), p.spacing_zyx)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("metrics");
    group.sample_size(10);
    let (p, r, spacing) = case("brain_multilabel");
    let labels: Vec<Label<u8>> = (1..=5).map(|l| Label::new(format!("L{l}"), l)).collect();
    let all = segmentation_metrics();
    let dice = metrics_from_list("DICE").expect("spec");
    let hd95 = metrics_from_list("HDRFDST95=HDRFDST(percentile=95)").expect("spec");
    let one = EvaluateOptions::default().with_threads(1);
    let two = EvaluateOptions::default().with_threads(2);
    let mut run = |id: &str, metrics: &[Box<dyn mia_metrics::Metric>], opts: &EvaluateOptions| {
        group.bench_function(id, |b| {
            b.iter(|| {
                evaluate_labels(p.view(), r.view(), &spacing, &labels, metrics, opts).expect("evaluate")
            })
        });
    };
    run("full/brain_multilabel", &all, &one);
    run("full_2threads/brain_multilabel", &all, &two);
    run("dice/brain_multilabel", &dice, &one);
    run("hdrfdst95/brain_multilabel", &hd95, &one);
    let (p, r, spacing) = case("large_256");
    let labels: Vec<Label<u8>> = (1..=2).map(|l| Label::new(format!("L{l}"), l)).collect();
    group.bench_function("hdrfdst95/large_256", |b| {
        b.iter(|| evaluate_labels(p.view(), r.view(), &spacing, &labels, &hd95, &one).expect("evaluate"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
