//! Property tests: any covering strategy, any weighting, any order → the original volume, exactly.

mod common;

use common::{extract, shuffled, volume};
use mia_assemble::{AssemblerConfig, Combine, SubjectAssembler, SubjectSpec, UncoveredPolicy, Weighting};
use mia_index::{Border, GridIndexing, IndexingStrategy, PatchWiseIndexing, SlabIndexing};
use proptest::prelude::*;

fn combine() -> impl Strategy<Value = Combine> {
    prop_oneof![
        Just(Combine::Average(Weighting::Uniform)),
        (0.05f64..1.0).prop_map(|s| Combine::Average(Weighting::Gaussian { sigma_fraction: s })),
        Just(Combine::Average(Weighting::Hann)),
        Just(Combine::LastWriteWins),
    ]
}

fn border() -> impl Strategy<Value = Border> {
    prop_oneof![Just(Border::ShiftInward), Just(Border::Spread), Just(Border::Clip)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn grids_round_trip(shape in prop::collection::vec(1usize..9, 3), patch in prop::collection::vec(1usize..6, 3),
                        step in prop::collection::vec(1usize..6, 3), combine in combine(), border in border(),
                        channels in 0usize..3, seed in any::<u64>()) {
        let patch: Vec<usize> = patch.iter().zip(&shape).map(|(&p, &n)| p.min(n)).collect();
        let stride: Vec<usize> = step.iter().zip(&patch).map(|(&s, &p)| s.min(p)).collect();
        let full: Vec<usize> = shape.iter().copied().chain((channels > 0).then_some(channels)).collect();
        let v = volume(&full);
        let g = GridIndexing::new(&patch).stride(&stride).border(border);
        let expressions = g.indices(&full).unwrap();
        let mut a = SubjectAssembler::new(AssemblerConfig { combine, ..Default::default() });
        a.register(0, SubjectSpec::new(&shape).expect(expressions.clone())).unwrap();
        for e in shuffled(&expressions, seed) {
            a.add_prediction(0, &e, extract(&v, &e).view()).unwrap();
        }
        let out = a.take(0).unwrap();
        prop_assert_eq!(out.prediction().unwrap().data.view::<f32>().unwrap(), v.view());
    }

    #[test]
    fn incomplete_coverage_is_reported(shape in prop::collection::vec(2usize..9, 3),
                                       patch in prop::collection::vec(1usize..5, 3), seed in any::<u64>()) {
        let patch: Vec<usize> = patch.iter().zip(&shape).map(|(&p, &n)| p.min(n)).collect();
        let v = volume(&shape);
        let expressions = PatchWiseIndexing::new(&patch).indices(&shape).unwrap();
        let config = AssemblerConfig { uncovered: UncoveredPolicy::Fill(-1.0), ..Default::default() };
        let mut a = SubjectAssembler::new(config);
        a.register(0, SubjectSpec::new(&shape).expect(expressions.clone())).unwrap();
        for e in shuffled(&expressions, seed) {
            a.add_prediction(0, &e, extract(&v, &e).view()).unwrap();
        }
        let out = a.take(0).unwrap().remove("prediction").unwrap();
        let covered: usize = shape.iter().zip(&patch).map(|(&n, &p)| n / p * p).product();
        prop_assert_eq!(out.uncovered, v.len() - covered);
        let data = out.data.view::<f32>().unwrap();
        match &out.covered {
            None => prop_assert_eq!(data, v.view()),
            Some(mask) => {
                for (idx, &c) in mask.indexed_iter() {
                    prop_assert_eq!(data[&idx], if c { v[&idx] } else { -1.0 });
                }
            }
        }
    }

    #[test]
    fn slabs_round_trip(axis in 0usize..3, thickness in 1usize..5, stride in 1usize..5, combine in combine(),
                        seed in any::<u64>()) {
        let shape = [5, 6, 7];
        let v = volume(&shape);
        let s = SlabIndexing::new(axis, thickness).stride(stride.min(thickness)).border(Border::ShiftInward);
        let expressions = s.indices(&shape).unwrap();
        let mut a = SubjectAssembler::new(AssemblerConfig { combine, ..Default::default() });
        a.register(0, SubjectSpec::new(&shape).expect(expressions.clone())).unwrap();
        for e in shuffled(&expressions, seed) {
            a.add_prediction(0, &e, extract(&v, &e).view()).unwrap();
        }
        let out = a.take(0).unwrap();
        prop_assert_eq!(out.prediction().unwrap().data.view::<f32>().unwrap(), v.view());
    }
}
