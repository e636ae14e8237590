//! Invariants of the metrics on random masks (proptest), analytic cases, and bad input → typed errors.

use mia_metrics::{
    evaluate_label, metric_from_spec, metrics_from_list, EvaluationContext, Metric, MetricError, MetricValue,
};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

fn same(a: &MetricValue, b: &MetricValue, rtol: f64) -> bool {
    if a.value.is_nan() || b.value.is_nan() {
        return a.value.is_nan() && b.value.is_nan();
    }
    if !a.value.is_finite() || !b.value.is_finite() {
        return a.value == b.value;
    }
    (a.value - b.value).abs() <= rtol * a.value.abs().max(b.value.abs()) + 1e-12
}

fn values(p: &ArrayD<bool>, r: &ArrayD<bool>, spacing: &[f64], list: &str) -> Vec<(String, MetricValue)> {
    let metrics = metrics_from_list(list).expect("metric list");
    evaluate_label(p.view(), r.view(), spacing, &metrics).expect("evaluate")
}

/// The distances of `list` scale by `k` when the spacing `(1, 0.5, 2)` does.
fn assert_spacing_scales(
    p: &ArrayD<bool>,
    r: &ArrayD<bool>,
    k: f64,
    list: &str,
) -> Result<(), TestCaseError> {
    let a = values(p, r, &[1.0, 0.5, 2.0], list);
    let b = values(p, r, &[k, 0.5 * k, 2.0 * k], list);
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        let scaled = MetricValue { value: x.value * k, ..*x };
        prop_assert!(same(&scaled, y, 1e-9), "{name}: {x:?}·{k} vs {y:?}");
    }
    Ok(())
}

/// A random 3-D mask pair of shape `shape` from two bit vectors.
fn mask_pair() -> impl Strategy<Value = (ArrayD<bool>, ArrayD<bool>)> {
    (2usize..7, 2usize..7, 2usize..7).prop_flat_map(|(a, b, c)| {
        let n = a * b * c;
        (proptest::collection::vec(any::<bool>(), n), proptest::collection::vec(any::<bool>(), n)).prop_map(
            move |(p, r)| {
                (
                    ArrayD::from_shape_vec(IxDyn(&[a, b, c]), p).expect("shape"),
                    ArrayD::from_shape_vec(IxDyn(&[a, b, c]), r).expect("shape"),
                )
            },
        )
    })
}

const SYMMETRIC: &str = "DICE,JACRD,VOLSMTY,RNDIND,ADJRIND,MUTINF,VARINFO,KAPPA,ICCORR,PROBDST,GCOERR,MAHLNBS,\
    ACURCY,MCC,HDRFDST,HDRFDST95=HDRFDST(percentile=95),AVGDIST,SURFDICE,SURFDICE_2=SURFDICE(tolerance=2),ASSD,MASD";

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]

    #[test]
    fn symmetric_metrics_are_symmetric((p, r) in mask_pair(), sz in 0.5f64..3.0) {
        let spacing = [sz, 1.0, 0.7];
        let a = values(&p, &r, &spacing, SYMMETRIC);
        let b = values(&r, &p, &spacing, SYMMETRIC);
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            prop_assert!(same(x, y, 1e-9), "{name}: {x:?} vs {y:?}");
        }
    }

    #[test]
    fn identical_masks_give_the_perfect_value((p, _r) in mask_pair()) {
        prop_assume!(p.iter().any(|&v| v));
        let v = values(&p, &p, &[1.0, 2.0, 0.5], "DICE,JACRD,VOLSMTY,PROBDST,FP,FN,HDRFDST,AVGDIST,SURFDICE,SURFOVLP,ASSD");
        let expect = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0];
        for ((name, got), e) in v.iter().zip(expect) {
            prop_assert_eq!(got.value, e, "{}", name);
        }
    }

    #[test]
    fn padding_with_background_changes_nothing_but_tn((p, r) in mask_pair(), pad in 1usize..4) {
        let padded = |m: &ArrayD<bool>| {
            let s = m.shape();
            let mut out = ArrayD::from_elem(IxDyn(&[s[0] + 2 * pad, s[1] + pad, s[2] + 3]), false);
            out.slice_each_axis_mut(|ax| {
                let lo = [pad, 0, 3][ax.axis.index()];
                ndarray::Slice::from(lo..lo + s[ax.axis.index()])
            })
            .assign(m);
            out
        };
        let list = "DICE,JACRD,VOLSMTY,PROBDST,TP,FP,FN,PREDVOL,REFVOL,MAHLNBS,HDRFDST,HDRFDST95=HDRFDST(percentile=95),AVGDIST,SURFDICE,SURFOVLP,ASSD";
        let spacing = [1.5, 1.0, 0.8];
        let a = values(&p, &r, &spacing, list);
        let b = values(&padded(&p), &padded(&r), &spacing, list);
        for ((name, x), (_, y)) in a.iter().zip(&b) {
            prop_assert!(same(x, y, 1e-9), "{name}: {x:?} vs {y:?}");
        }
    }

    #[test]
    fn scaling_the_spacing_scales_distances((p, r) in mask_pair(), k in 0.25f64..4.0) {
        // Percentiles are left out here: pymia's estimator compares a cumulative sum of areas with p/100, and at
        // a boundary the rounding of the k²-scaled areas may pick the neighbouring distance (see the next test).
        let list = "HDRFDST,AVGDIST,ASSD,MASD";
        assert_spacing_scales(&p, &r, k, list)?;
    }

    #[test]
    fn scaling_the_spacing_by_powers_of_two_scales_percentiles_exactly(
        (p, r) in mask_pair(),
        k in proptest::sample::select(vec![0.25f64, 0.5, 2.0, 4.0]),
    ) {
        // Scaling by a power of two is exact in floating point, so even boundary cases keep their order.
        let list = "HDRFDST95=HDRFDST(percentile=95),HDRFDST50=HDRFDST(percentile=50)";
        assert_spacing_scales(&p, &r, k, list)?;
    }

    #[test]
    fn every_non_finite_value_has_a_reason((p, r) in mask_pair()) {
        let all = mia_metrics::segmentation_metrics();
        let ctx = EvaluationContext::from_masks(p.view(), r.view(), &[1.0; 3]).expect("context");
        for m in &all {
            let v = m.compute(&ctx).expect("compute");
            prop_assert_eq!(v.value.is_finite(), v.reason.is_none(), "{} {:?}", m.column(), v);
        }
    }
}

fn cube(shape: [usize; 3], lo: [usize; 3], size: [usize; 3]) -> ArrayD<bool> {
    ArrayD::from_shape_fn(IxDyn(&shape), |i| (0..3).all(|k| i[k] >= lo[k] && i[k] < lo[k] + size[k]))
}

#[test]
fn offset_cubes_analytic() {
    // 4×4×4 cubes shifted by one voxel along x: overlap 48, Hausdorff 1 voxel = spacing x.
    let r = cube([10, 10, 10], [2, 2, 2], [4, 4, 4]);
    let p = cube([10, 10, 10], [2, 2, 3], [4, 4, 4]);
    let v = values(&p, &r, &[3.0, 2.0, 0.5], "DICE,JACRD,HDRFDST,TP,AVGDIST,PREDVOL");
    assert_eq!(v[0].1.value, 0.75);
    assert_eq!(v[1].1.value, 48.0 / 80.0);
    assert_eq!(v[2].1.value, 0.5);
    assert_eq!(v[3].1.value, 48.0);
    // 16 of 64 voxels on each side are 0.5 mm away, the rest inside: mean 0.125 per direction.
    assert!((v[4].1.value - 0.125).abs() < 1e-12);
    assert_eq!(v[5].1.value, 64.0 * 3.0);
}

#[test]
fn bad_input_gives_typed_errors() {
    let a = cube([4, 5, 6], [1, 1, 1], [2, 2, 2]);
    let b = cube([4, 5, 7], [1, 1, 1], [2, 2, 2]);
    let dice = vec![metric_from_spec("DICE").expect("spec")];
    let e = evaluate_label(a.view(), b.view(), &[1.0; 3], &dice).unwrap_err();
    assert!(matches!(e, MetricError::ShapeMismatch { .. }), "{e}");
    let e = evaluate_label(a.view(), a.view(), &[1.0; 2], &dice).unwrap_err();
    assert!(matches!(e, MetricError::SpacingLength { expected: 3, actual: 2, .. }), "{e}");
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = evaluate_label(a.view(), a.view(), &[1.0, bad, 1.0], &dice).unwrap_err();
        assert!(matches!(e, MetricError::InvalidSpacing { axis: 1, .. }), "{e}");
    }
    let empty = ArrayD::<bool>::from_elem(IxDyn(&[0, 3]), false);
    assert!(matches!(
        evaluate_label(empty.view(), empty.view(), &[1.0; 2], &dice),
        Err(MetricError::EmptyArray { .. })
    ));
    let mut img = ArrayD::<f64>::zeros(IxDyn(&[8, 8]));
    img[[3, 4]] = f64::NAN;
    let ok = ArrayD::<f64>::zeros(IxDyn(&[8, 8]));
    let e = EvaluationContext::from_images(ok.view(), img.view()).unwrap_err();
    assert_eq!(e, MetricError::NanInImage { which: "reference", index: vec![3, 4] });
    // Metrics on the wrong kind of input.
    let ctx = EvaluationContext::from_images(ok.view(), ok.view()).expect("context");
    assert!(matches!(dice[0].compute(&ctx), Err(MetricError::WrongInput { .. })));
    let masks = EvaluationContext::from_masks(a.view(), a.view(), &[1.0; 3]).expect("context");
    let ssim = metric_from_spec("SSIM").expect("spec");
    assert!(matches!(ssim.compute(&masks), Err(MetricError::WrongInput { .. })));
    // 4-D masks: confusion metrics work, surface metrics report the engine's limit as an error.
    let four = ArrayD::from_shape_fn(IxDyn(&[2, 3, 3, 3]), |i| i[1] == 1);
    let ctx = EvaluationContext::from_masks(four.view(), four.view(), &[1.0; 4]).expect("context");
    assert_eq!(metric_from_spec("DICE").expect("spec").compute(&ctx).expect("dice").value, 1.0);
    assert!(matches!(metric_from_spec("HDRFDST").expect("spec").compute(&ctx), Err(MetricError::Surface(_))));
}

#[test]
fn labels_in_parallel_equal_sequential() {
    let p = ArrayD::from_shape_fn(IxDyn(&[12, 10, 9]), |i| ((i[0] + 2 * i[1] + i[2]) % 4) as u8);
    let r = ArrayD::from_shape_fn(IxDyn(&[12, 10, 9]), |i| ((i[0] + i[1] + 2 * i[2]) % 4) as u8);
    let labels: Vec<_> = (1u8..4).map(|l| mia_metrics::Label::new(format!("L{l}"), l)).collect();
    let metrics = mia_metrics::segmentation_metrics();
    let opts = mia_metrics::EvaluateOptions::default();
    let seq =
        mia_metrics::evaluate_labels(p.view(), r.view(), &[1.0; 3], &labels, &metrics, &opts.with_threads(1))
            .expect("sequential");
    let par =
        mia_metrics::evaluate_labels(p.view(), r.view(), &[1.0; 3], &labels, &metrics, &opts.with_threads(2))
            .expect("parallel");
    assert_eq!(format!("{seq:?}"), format!("{par:?}"));
    assert_eq!(seq.len(), 3);
    assert_eq!(seq[0].values.len(), 30);
}

#[test]
fn spec_round_trip_of_every_getter() {
    for m in mia_metrics::segmentation_metrics()
        .into_iter()
        .chain(mia_metrics::regression_metrics())
        .chain(mia_metrics::reconstruction_metrics())
    {
        let again = metric_from_spec(&m.spec()).expect("spec");
        assert_eq!(again.spec(), m.spec());
    }
}
