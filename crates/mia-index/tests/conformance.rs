//! Every built-in strategy through the conformance kit, plus property tests of the invariants.

use mia_index::testing::{check_strategy, ConformanceError};
use mia_index::{
    AxisIndex, Border, EmptyIndexing, GridIndexing, IndexExpression, IndexingStrategy, PatchWiseIndexing,
    SlabIndexing, SliceIndexing, VoxelWiseIndexing,
};
use proptest::prelude::*;

const SHAPES: &[&[usize]] = &[&[6, 8, 10, 2], &[5, 7, 9], &[4, 4, 4, 1], &[9, 11, 13]];

#[test]
fn full_coverage_strategies() {
    let strategies: Vec<Box<dyn IndexingStrategy>> = vec![
        Box::new(EmptyIndexing),
        Box::new(SliceIndexing::new(0)),
        Box::new(SliceIndexing::new(2)),
        Box::new(SliceIndexing::tri_planar()),
        Box::new(VoxelWiseIndexing::default()),
        Box::new(PatchWiseIndexing::new(&[4, 4, 4]).ignore_incomplete(false)),
        Box::new(GridIndexing::new(&[4, 4, 4])),
        Box::new(GridIndexing::new(&[4, 4, 4]).overlap(&[2, 2, 2])),
        Box::new(GridIndexing::new(&[3, 4, 4]).stride(&[2, 3, 1]).border(Border::Spread)),
        Box::new(GridIndexing::new(&[4, 4]).border(Border::Clip)),
        Box::new(SlabIndexing::new(0, 3)),
        Box::new(SlabIndexing::new(1, 3).stride(1)),
        Box::new(SlabIndexing::new(2, 4).stride(3).border(Border::Clip)),
    ];
    for s in &strategies {
        let report = check_strategy(s.as_ref(), SHAPES).unwrap_or_else(|e| panic!("{}: {e}", s.describe()));
        report.require_full_coverage().unwrap();
    }
}

#[test]
fn non_overlapping_strategies() {
    let strategies: Vec<Box<dyn IndexingStrategy>> = vec![
        Box::new(EmptyIndexing),
        Box::new(SliceIndexing::new(1)),
        Box::new(VoxelWiseIndexing::default()),
        Box::new(PatchWiseIndexing::new(&[4, 4, 4])),
        Box::new(PatchWiseIndexing::new(&[4, 4, 4]).ignore_incomplete(false)),
        Box::new(GridIndexing::new(&[3, 3]).border(Border::Clip)),
        Box::new(SlabIndexing::new(0, 2).border(Border::Clip)),
    ];
    for s in &strategies {
        let report = check_strategy(s.as_ref(), SHAPES).unwrap();
        report.require_no_overlap().unwrap_or_else(|e| panic!("{}: {e}", s.describe()));
    }
    let r = check_strategy(&SliceIndexing::tri_planar(), &[&[3, 4, 5]]).unwrap();
    assert_eq!(r.shapes[0].max_overlap, 3);
}

#[test]
fn pymia_patch_grid_leaves_the_border() {
    let r = check_strategy(&PatchWiseIndexing::new(&[4, 4, 4]), &[&[6, 8, 10, 2]]).unwrap();
    assert_eq!(r.shapes[0].expressions, 4);
    assert_eq!(r.shapes[0].uncovered_count, (480 - 256) * 2);
    assert_eq!(r.shapes[0].uncovered[0], vec![0, 0, 8, 0]);
    assert!(matches!(r.require_full_coverage(), Err(ConformanceError::Uncovered { .. })));
    let r = check_strategy(&GridIndexing::new(&[4, 4, 4]).border(Border::Drop), &[&[6, 8, 10, 2]]).unwrap();
    assert_eq!(r.shapes[0].uncovered_count, (480 - 256) * 2);
}

#[test]
fn strategy_errors_are_reported() {
    let e = check_strategy(&GridIndexing::new(&[8, 8, 8]), &[&[6, 8, 10]]).unwrap_err();
    assert!(matches!(e, ConformanceError::Failed { .. }), "{e}");
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..9, 1..4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn grids_cover_everything(shape in shape(), seed in prop::collection::vec((1usize..6, 1usize..6), 3),
                              spread in any::<bool>()) {
        let d = shape.len();
        let patch: Vec<usize> = seed.iter().take(d).zip(&shape).map(|((p, _), &n)| (*p).min(n)).collect();
        let stride: Vec<usize> = seed.iter().take(d).zip(&patch).map(|((_, s), &p)| (*s).min(p)).collect();
        let border = if spread { Border::Spread } else { Border::ShiftInward };
        let g = GridIndexing::new(&patch).stride(&stride).border(border);
        let r = check_strategy(&g, &[&shape]).unwrap();
        prop_assert!(r.fully_covered());
        // every patch is complete
        for e in g.indices(&shape).unwrap() {
            prop_assert_eq!(e.output_shape(&shape).unwrap(), [patch.clone(), shape[d..].to_vec()].concat());
        }
    }

    #[test]
    fn clipped_grids_stay_in_bounds(shape in shape(), seed in prop::collection::vec((1usize..12, 1usize..12), 3)) {
        let d = shape.len();
        let patch: Vec<usize> = seed.iter().take(d).map(|(p, _)| *p).collect();
        let stride: Vec<usize> = seed.iter().take(d).zip(&patch).map(|((_, s), &p)| (*s).min(p)).collect();
        let g = GridIndexing::new(&patch).stride(&stride).border(Border::Clip);
        prop_assert!(check_strategy(&g, &[&shape]).unwrap().fully_covered());
    }

    #[test]
    fn patchwise_partitions(shape in shape(), patch in prop::collection::vec(1usize..5, 1..4), ignore in any::<bool>()) {
        let d = patch.len().min(shape.len());
        let patch = &patch[..d];
        let p = PatchWiseIndexing::new(patch).ignore_incomplete(ignore);
        match check_strategy(&p, &[&shape]) {
            Ok(r) => {
                let r = r.require_no_overlap().unwrap();
                let s = &r.shapes[0];
                // covered voxels: floor (ignore) or all (clip)
                let covered: usize = if ignore {
                    shape.iter().enumerate().map(|(a, &n)| if a < d { n / patch[a] * patch[a] } else { n }).product()
                } else {
                    s.elements
                };
                prop_assert_eq!(s.elements - s.uncovered_count, covered);
            }
            Err(ConformanceError::Failed { .. }) => prop_assert!(ignore && patch.iter().zip(&shape).any(|(p, n)| p > n)),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        }
    }

    #[test]
    fn slices_and_slabs(shape in shape(), axis in 0usize..3, thickness in 1usize..5, stride in 1usize..5) {
        prop_assume!(axis < shape.len());
        let r = check_strategy(&SliceIndexing::new(axis), &[&shape]).unwrap();
        prop_assert!(r.fully_covered());
        prop_assert_eq!(r.shapes[0].expressions, shape[axis]);
        let slab = SlabIndexing::new(axis, thickness).stride(stride.min(thickness)).border(Border::Clip);
        prop_assert!(check_strategy(&slab, &[&shape]).unwrap().fully_covered());
        let e = IndexExpression::at_axis(axis, AxisIndex::Index(shape[axis]));
        prop_assert!(e.resolve(&shape).is_err());
    }
}
