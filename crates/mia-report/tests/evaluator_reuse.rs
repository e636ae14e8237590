//! An evaluator reused over a cohort (its label masks' buffers kept from one subject for the next) gives the same
//! values as a fresh evaluator per subject.

use mia_core::Image;
use mia_metrics::metrics_from_list;
use mia_report::{Evaluator, LabelSpec};
use ndarray::{ArrayD, IxDyn};

/// A 64 × 128 × 128 label image (2^20 voxels: its masks' buffers are kept): shifted blobs of labels 1-3.
fn labels(shift: usize) -> Image {
    let array = ArrayD::from_shape_fn(IxDyn(&[64, 128, 128]), |ix| {
        let (z, y, x) = (ix[0], ix[1], ix[2] + shift);
        let blob = |c: [usize; 3], r: usize| {
            z.abs_diff(c[0]).pow(2) + y.abs_diff(c[1]).pow(2) + x.abs_diff(c[2]).pow(2) < r * r
        };
        if blob([32, 64, 64], 20) {
            1u8
        } else if blob([20, 30, 40], 10) {
            2
        } else if blob([40, 90, 100], 12 + shift % 3) {
            3
        } else {
            0
        }
    });
    Image::from_array(array).unwrap()
}

#[test]
fn reused_evaluator_equals_fresh_ones() {
    let make = || {
        Evaluator::segmentation(
            metrics_from_list("DICE,HDRFDST,AVGDIST,SURFDICE").unwrap(),
            LabelSpec::parse_list("1=A,2=B,3=C").unwrap(),
        )
        .unwrap()
    };
    let reused = make();
    for (subject, (p, r)) in [(0, 3), (5, 1), (2, 7)].into_iter().enumerate() {
        let (p, r) = (labels(p), labels(r));
        let id = format!("s{subject}");
        let got = reused.evaluate(&p, &r, &id).unwrap();
        let want = make().evaluate(&p, &r, &id).unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((&g.label, &g.metric), (&w.label, &w.metric));
            assert_eq!(g.value.to_bits(), w.value.to_bits(), "{id} {} {}", g.label, g.metric);
        }
    }
}
