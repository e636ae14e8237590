//! Assembly round trip of one 181×217×181 subject from its 181 axial slices (pymia: ≈ 55 ms assemble-only).
//!
//! `cargo bench -p mia-assemble` (or `cargo xtask bench`). The slices are prepared once; each iteration
//! registers the subject, adds every slice (identity "network") and takes the assembled volume out.

#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mia_assemble::{AssemblerConfig, Combine, SubjectAssembler, SubjectSpec, Weighting};
use mia_index::{AxisIndex, GridIndexing, IndexingStrategy, SliceIndexing};
use ndarray::{ArrayD, Axis, IxDyn, Slice};

const SHAPE: [usize; 3] = [181, 217, 181];

fn volume() -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(&SHAPE), |i| (i[0] * 7 + i[1] * 3 + i[2]) as f32 * 0.01)
}

fn slices(c: &mut Criterion) {
    let v = volume();
    let expressions = SliceIndexing::new(0).indices(&SHAPE).unwrap();
    let samples: Vec<ArrayD<f32>> = expressions
        .iter()
        .map(|e| match e.axis(0) {
            AxisIndex::Index(i) => v.index_axis(Axis(0), i).to_owned(),
            _ => unreachable!("slices along axis 0"),
        })
        .collect();
    let mut group = c.benchmark_group("assemble_181_slices");
    group.sample_size(10);
    for (name, combine) in [
        ("average_uniform", Combine::Average(Weighting::Uniform)),
        ("last_write_wins", Combine::LastWriteWins),
    ] {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let mut a = SubjectAssembler::new(AssemblerConfig { combine, ..Default::default() });
                a.register(0, SubjectSpec::new(&SHAPE).expect_count(expressions.len())).unwrap();
                for (e, s) in expressions.iter().zip(&samples) {
                    a.add_prediction(0, e, s.view()).unwrap();
                }
                a.take(0).unwrap()
            })
        });
    }
    // Reference for this machine: writing the 181 slices into a fresh zeroed f32 volume (pymia's assignment,
    // without its float64 buffer), the floor for any assembler.
    group.bench_function(BenchmarkId::from_parameter("reference_copy_into_zeros"), |b| {
        b.iter(|| {
            let mut out = ArrayD::<f32>::zeros(IxDyn(&SHAPE));
            for (i, s) in samples.iter().enumerate() {
                out.index_axis_mut(Axis(0), i).assign(s);
            }
            out
        })
    });
    // Extraction (a copy of each slice out of the volume) plus assembly, as pymia's ≈ 127 ms figure.
    group.bench_function(BenchmarkId::from_parameter("extract_and_assemble"), |b| {
        b.iter(|| {
            let mut a = SubjectAssembler::default();
            a.register(0, SubjectSpec::new(&SHAPE).expect_count(expressions.len())).unwrap();
            for (i, e) in expressions.iter().enumerate() {
                let slice = v.index_axis(Axis(0), i).to_owned();
                a.add_prediction(0, e, slice.view()).unwrap();
            }
            a.take(0).unwrap()
        })
    });
    group.finish();
}

fn patches(c: &mut Criterion) {
    let v = volume();
    let grid = GridIndexing::new(&[96, 96, 96]).overlap(&[48, 48, 48]);
    let expressions = grid.indices(&SHAPE).unwrap();
    let samples: Vec<ArrayD<f32>> = expressions
        .iter()
        .map(|e| {
            let r = e.resolve(&SHAPE).unwrap();
            v.slice_each_axis(|ax| Slice::from(r[ax.axis.index()].0.clone())).to_owned()
        })
        .collect();
    let mut group = c.benchmark_group("assemble_overlapping_96_patches");
    group.sample_size(10);
    for (name, w) in [("uniform", Weighting::Uniform), ("gaussian", Weighting::NNUNET_GAUSSIAN)] {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let config = AssemblerConfig { combine: Combine::Average(w), ..Default::default() };
                let mut a = SubjectAssembler::new(config);
                a.register(0, SubjectSpec::new(&SHAPE).expect_count(expressions.len())).unwrap();
                for (e, s) in expressions.iter().zip(&samples) {
                    a.add_prediction(0, e, s.view()).unwrap();
                }
                a.take(0).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, slices, patches);
criterion_main!(benches);
