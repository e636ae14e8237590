//! Property: padding a patch equals cutting the same window out of the whole volume padded numpy-style.

use mia_core::ImageData;
use mia_extract::*;
use mia_index::IndexExpression;
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

fn volume() -> ArrayD<i32> {
    ArrayD::from_shape_fn(IxDyn(&[5, 6, 7, 1]), |i| (i[0] * 100 + i[1] * 10 + i[2]) as i32 + 1)
}

/// numpy.pad semantics on one position.
fn reference(v: isize, n: isize, mode: PadMode) -> Option<isize> {
    if (0..n).contains(&v) {
        return Some(v);
    }
    match mode {
        PadMode::Edge => Some(v.clamp(0, n - 1)),
        PadMode::Reflect => {
            let mut v = v;
            while !(0..n).contains(&v) {
                v = if v < 0 { -v } else { 2 * (n - 1) - v };
            }
            Some(v)
        }
        PadMode::Symmetric => {
            let mut v = v;
            while !(0..n).contains(&v) {
                v = if v < 0 { -v - 1 } else { 2 * n - 1 - v };
            }
            Some(v)
        }
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn padded_patch_matches_reference(
        start in proptest::collection::vec(0usize..5, 3),
        size in proptest::collection::vec(1usize..4, 3),
        pad in proptest::collection::vec((0usize..4, 0usize..4), 3),
        mode_i in 0usize..4,
    ) {
        let shape = [5usize, 6, 7];
        let start: Vec<usize> = start.iter().zip(&shape).map(|(&s, &n)| s.min(n - 1)).collect();
        let size: Vec<usize> = size.iter().zip(&start).zip(&shape).map(|((&z, &s), &n)| z.min(n - s)).collect();
        let mode = [PadMode::Zero, PadMode::Edge, PadMode::Reflect, PadMode::Symmetric][mode_i];
        let src = MemorySource::new(vec!["A".into()])
            .with_category("images", None, vec![ImageData::I32(volume())])
            .unwrap();
        let ex = PadDataExtractor::new(pad.clone(), DataExtractor::default()).mode(mode);
        let params = ExtractParams::new(0, IndexExpression::patch(&start, &size));
        let mut sample = Sample::new();
        ex.extract(&src, &params, &mut sample_rng(0, 0, 0), &mut sample).unwrap();
        let got = sample.array::<i32>("images").unwrap().to_owned();
        let out: Vec<usize> = (0..3).map(|a| size[a] + pad[a].0 + pad[a].1).collect();
        prop_assert_eq!(got.shape(), &[out[0], out[1], out[2], 1][..]);
        let vol = volume();
        for (idx, &g) in got.indexed_iter() {
            let mut pos = Vec::new();
            for a in 0..3 {
                let v = start[a] as isize - pad[a].0 as isize + idx[a] as isize;
                pos.push(reference(v, shape[a] as isize, mode));
            }
            let expected = if pos.iter().all(Option::is_some) {
                vol[[pos[0].unwrap() as usize, pos[1].unwrap() as usize, pos[2].unwrap() as usize, 0]]
            } else {
                0
            };
            prop_assert_eq!(g, expected);
        }
    }
}
