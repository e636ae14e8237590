//! The pymia paper's Table 1, row by row: extract (in memory) → identity "network" → assemble → the original.

mod common;

use common::{extract, extract_padded, shuffled, volume};
use mia_assemble::{
    AssemblerConfig, CentreCrop, Combine, PlaneAssembler, SubjectAssembler, SubjectSpec, UncoveredPolicy,
    Weighting, PREDICTION,
};
use mia_index::{
    AxisIndex, Border, EmptyIndexing, GridIndexing, IndexExpression, IndexingStrategy, PatchWiseIndexing,
    SlabIndexing, SliceIndexing,
};
use ndarray::{ArrayD, Axis};

const SPATIAL: [usize; 3] = [6, 8, 10];
const FULL: [usize; 4] = [6, 8, 10, 2];

fn round_trip(strategy: &dyn IndexingStrategy, config: AssemblerConfig, seed: u64) -> ArrayD<f32> {
    let v = volume(&FULL);
    let expressions = strategy.indices(&FULL).unwrap();
    let mut a = SubjectAssembler::new(config);
    a.register(3, SubjectSpec::new(&SPATIAL).expect(expressions.clone())).unwrap();
    let order = shuffled(&expressions, seed);
    for (i, e) in order.iter().enumerate() {
        assert!(!a.is_finished(3));
        let finished = a.add_prediction(3, e, extract(&v, e).view()).unwrap();
        assert_eq!(finished, i + 1 == order.len());
    }
    let out = a.take(3).unwrap();
    assert_eq!(a.in_flight(), 0);
    let p = out.prediction().unwrap();
    assert_eq!(p.uncovered, 0);
    p.data.view::<f32>().unwrap().to_owned()
}

fn configs() -> Vec<AssemblerConfig> {
    [
        Combine::Average(Weighting::Uniform),
        Combine::Average(Weighting::NNUNET_GAUSSIAN),
        Combine::Average(Weighting::Hann),
        Combine::LastWriteWins,
    ]
    .into_iter()
    .map(|combine| AssemblerConfig { combine, ..Default::default() })
    .collect()
}

#[test]
fn slice_2d() {
    for (i, c) in configs().into_iter().enumerate() {
        for axis in 0..3 {
            assert_eq!(round_trip(&SliceIndexing::new(axis), c, i as u64), volume(&FULL));
        }
    }
}

#[test]
fn slab_overlapping_and_not() {
    for (i, c) in configs().into_iter().enumerate() {
        assert_eq!(round_trip(&SlabIndexing::new(0, 4), c, i as u64), volume(&FULL));
        assert_eq!(round_trip(&SlabIndexing::new(1, 3).stride(1), c, i as u64), volume(&FULL));
        assert_eq!(round_trip(&SlabIndexing::new(2, 3).stride(2).border(Border::Clip), c, 9), volume(&FULL));
    }
}

#[test]
fn slab_context_in_slice_out() {
    // 2.5-D input: the slice with one neighbour on each side (zero beyond the volume); output: the slice.
    let v = volume(&FULL);
    let expressions = SliceIndexing::new(0).indices(&FULL).unwrap();
    let mut a = SubjectAssembler::default();
    a.register(0, SubjectSpec::new(&SPATIAL).expect(expressions.clone())).unwrap();
    for e in shuffled(&expressions, 1) {
        let input = extract_padded(&v, &e, &[(1, 1)]);
        assert_eq!(input.shape(), &[3, 8, 10, 2]);
        let output = input.index_axis(Axis(0), 1); // "network": the centre slice
        a.add_prediction(0, &e, output).unwrap();
    }
    assert_eq!(a.take(0).unwrap().prediction().unwrap().data.view::<f32>().unwrap(), v.view());
}

#[test]
fn tri_planar_2_5d() {
    let v = volume(&FULL);
    let expressions = SliceIndexing::tri_planar().indices(&FULL).unwrap();
    assert_eq!(expressions.len(), 24);
    for (i, c) in configs().into_iter().enumerate() {
        let mut a = PlaneAssembler::new(c);
        a.register(1, SubjectSpec::new(&SPATIAL).expect(expressions.clone())).unwrap();
        for e in shuffled(&expressions, i as u64) {
            a.add(1, "probabilities", &e, extract(&v, &e).view()).unwrap();
        }
        assert_eq!(a.finished(), vec![1]);
        let out = a.take(1).unwrap();
        assert_eq!(out.get("probabilities").unwrap().data.view::<f32>().unwrap(), v.view());
    }
}

#[test]
fn tri_planar_merges_planes() {
    // Each plane predicts its own constant (0, 1, 2): the mean merge gives 1 everywhere (pymia's intent).
    let expressions = SliceIndexing::tri_planar().indices(&SPATIAL).unwrap();
    let mut a = PlaneAssembler::default();
    a.register(0, SubjectSpec::new(&SPATIAL).expect(expressions.clone())).unwrap();
    for e in &expressions {
        let plane = (0..3).find(|&ax| matches!(e.axis(ax), AxisIndex::Index(_))).unwrap();
        let shape = e.output_shape(&SPATIAL).unwrap();
        a.add_prediction(0, e, ArrayD::from_elem(shape, plane as f64).view()).unwrap();
    }
    let out = a.take(0).unwrap();
    assert!(out.prediction().unwrap().data.view::<f64>().unwrap().iter().all(|&x| x == 1.0));
    let mut a = PlaneAssembler::default().with_merge(mia_assemble::MaxMerge);
    a.register(0, SubjectSpec::new(&SPATIAL).expect(expressions.clone())).unwrap();
    for e in &expressions {
        let plane = (0..3).find(|&ax| matches!(e.axis(ax), AxisIndex::Index(_))).unwrap();
        let shape = e.output_shape(&SPATIAL).unwrap();
        a.add_prediction(0, e, ArrayD::from_elem(shape, plane as f32).view()).unwrap();
    }
    assert!(a.take(0).unwrap().prediction().unwrap().data.view::<f32>().unwrap().iter().all(|&x| x == 2.0));
}

#[test]
fn patch_equal() {
    for (i, c) in configs().into_iter().enumerate() {
        let p = PatchWiseIndexing::new(&[4, 4, 4]).ignore_incomplete(false);
        assert_eq!(round_trip(&p, c, i as u64), volume(&FULL));
        assert_eq!(round_trip(&PatchWiseIndexing::new(&[3, 4, 5]), c, i as u64), volume(&FULL));
    }
}

#[test]
fn patch_padded_with_centre_crop() {
    // Inputs with 2 voxels of context per side; the "network" returns its whole (padded) input; the hook
    // centre-crops it back to the patch.
    let v = volume(&FULL);
    let expressions = GridIndexing::new(&[4, 4, 4]).indices(&FULL).unwrap();
    for (i, c) in configs().into_iter().enumerate() {
        let mut a = SubjectAssembler::new(c).with_interaction(CentreCrop);
        a.register(0, SubjectSpec::new(&SPATIAL).expect(expressions.clone())).unwrap();
        for e in shuffled(&expressions, i as u64) {
            let input = extract_padded(&v, &e, &[(2, 2), (2, 2), (2, 2)]);
            assert_eq!(input.shape(), &[8, 8, 8, 2]);
            a.add_prediction(0, &e, input.view()).unwrap();
        }
        assert_eq!(a.take(0).unwrap().prediction().unwrap().data.view::<f32>().unwrap(), v.view());
    }
}

#[test]
fn whole_volume() {
    for c in configs() {
        assert_eq!(round_trip(&EmptyIndexing, c, 0), volume(&FULL));
    }
}

#[test]
fn overlapping_grids_every_weighting_and_border() {
    for border in [Border::ShiftInward, Border::Spread, Border::Clip] {
        for (i, c) in configs().into_iter().enumerate() {
            let g = GridIndexing::new(&[4, 5, 4]).overlap(&[2, 3, 1]).border(border);
            assert_eq!(round_trip(&g, c, i as u64), volume(&FULL), "{border:?} {c:?}");
            let g = GridIndexing::new(&[3, 3, 3]).stride(&[1, 2, 2]).border(border);
            assert_eq!(round_trip(&g, c, 7), volume(&FULL), "{border:?} {c:?}");
        }
    }
}

#[test]
fn pymia_grid_leaves_the_border_uncovered() {
    let v = volume(&FULL);
    let p = PatchWiseIndexing::new(&[4, 4, 4]);
    let expressions = p.indices(&FULL).unwrap();
    let mut a = SubjectAssembler::default();
    a.register(0, SubjectSpec::new(&SPATIAL).expect(expressions.clone())).unwrap();
    for e in &expressions {
        a.add_prediction(0, e, extract(&v, e).view()).unwrap();
    }
    let err = a.take(0).unwrap_err();
    assert!(
        matches!(&err, mia_assemble::AssembleError::Uncovered { count, first, .. } if *count == (480 - 256) * 2 && first == &vec![0, 0, 8, 0]),
        "{err}"
    );
    // The subject is still there; with Fill(0) the assembler reproduces pymia (zeros) and reports the mask.
    let mut a = SubjectAssembler::new(AssemblerConfig {
        uncovered: UncoveredPolicy::Fill(0.0),
        ..Default::default()
    });
    a.register(0, SubjectSpec::new(&SPATIAL).expect(expressions.clone())).unwrap();
    for e in &expressions {
        a.add_prediction(0, e, extract(&v, e).view()).unwrap();
    }
    let out = a.take(0).unwrap().remove(PREDICTION).unwrap();
    assert_eq!(out.uncovered, (480 - 256) * 2);
    let covered = out.covered.unwrap();
    let data = out.data.view::<f32>().unwrap();
    for (idx, &c) in covered.indexed_iter() {
        let expected = if c { v[&idx] } else { 0.0 };
        assert_eq!(data[&idx], expected);
        assert_eq!(c, idx[0] < 4 && idx[1] < 8 && idx[2] < 8);
    }
}

#[test]
fn f64_samples_with_weights() {
    let v = volume(&SPATIAL).mapv(|x| x as f64 / 3.0);
    let g = GridIndexing::new(&[4, 4, 4]).overlap(&[3, 3, 3]);
    let expressions = g.indices(&SPATIAL).unwrap();
    let config = AssemblerConfig { combine: Combine::Average(Weighting::Hann), ..Default::default() };
    let mut a = SubjectAssembler::new(config);
    a.register(0, SubjectSpec::new(&SPATIAL).expect_count(expressions.len())).unwrap();
    for e in shuffled(&expressions, 5) {
        a.add_prediction(0, &e, extract(&v, &e).view()).unwrap();
    }
    let out = a.take(0).unwrap();
    let data = out.prediction().unwrap().data.view::<f64>().unwrap().to_owned();
    for (x, y) in data.iter().zip(v.iter()) {
        assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0), "{x} vs {y}");
    }
}

#[test]
fn expressions_with_index_and_range_mixed() {
    // A patch in a single slice: [i, a:b, c:d] (an Index axis among Range axes).
    let v = volume(&FULL);
    let mut expressions = Vec::new();
    for i in 0..6 {
        for (a, b) in [(0, 5), (5, 8)] {
            for (c, d) in [(0, 4), (4, 10)] {
                expressions.push(IndexExpression::new(vec![
                    AxisIndex::Index(i),
                    AxisIndex::Range { start: a, stop: b },
                    AxisIndex::Range { start: c, stop: d },
                ]));
            }
        }
    }
    for c in configs() {
        let mut a = SubjectAssembler::new(c);
        a.register(0, SubjectSpec::new(&SPATIAL).expect(expressions.clone())).unwrap();
        for e in shuffled(&expressions, 3) {
            a.add_prediction(0, &e, extract(&v, &e).view()).unwrap();
        }
        assert_eq!(a.take(0).unwrap().prediction().unwrap().data.view::<f32>().unwrap(), v.view());
    }
}
