//! Surface-distance properties: brute-force agreement on random masks, analytic cases, pymia's hand-checked values,
//! invariances (padding, spacing scaling, symmetry), edge cases and bad input.

use mia_metrics::surface::{
    average_hausdorff_itk, Connectivity, SurfaceConfig, SurfaceDistances, SurfaceElements, SurfaceError,
    TwoDMode,
};
use ndarray::{s, Array2, Array3, ArrayD, IxDyn};
use proptest::prelude::*;

fn compute(p: &ArrayD<bool>, r: &ArrayD<bool>, spacing: &[f64], config: SurfaceConfig) -> SurfaceDistances {
    SurfaceDistances::compute(p.view(), r.view(), spacing, &config).expect("valid input")
}

fn rel_eq(a: f64, b: f64, rtol: f64) -> bool {
    a == b || (a - b).abs() <= rtol * a.abs().max(b.abs())
}

/// Border corners of a 3-D mask straight from the definition (code ∉ {0, 255} of the 2×2×2 neighbourhood).
fn border_corners(m: &Array3<bool>) -> Vec<[i64; 3]> {
    let (n0, n1, n2) = m.dim();
    let at = |i: i64, j: i64, k: i64| -> bool {
        i >= 0
            && j >= 0
            && k >= 0
            && (i as usize) < n0
            && (j as usize) < n1
            && (k as usize) < n2
            && m[[i as usize, j as usize, k as usize]]
    };
    let mut out = Vec::new();
    for i in 0..=n0 as i64 {
        for j in 0..=n1 as i64 {
            for k in 0..=n2 as i64 {
                let inside = (0..8)
                    .filter(|b| at(i - 1 + (b >> 2 & 1), j - 1 + (b >> 1 & 1), k - 1 + (b & 1)))
                    .count();
                if inside != 0 && inside != 8 {
                    out.push([i, j, k]);
                }
            }
        }
    }
    out
}

/// Sorted nearest distances from every point of `from` to `to`, brute force.
fn brute_distances(from: &[[i64; 3]], to: &[[i64; 3]], s: [f64; 3]) -> Vec<f64> {
    let mut d: Vec<f64> = from
        .iter()
        .map(|a| {
            to.iter()
                .map(|b| {
                    let d = |x: usize| (a[x] - b[x]) as f64 * s[x];
                    ((d(0) * d(0) + d(1) * d(1)) + d(2) * d(2)).sqrt()
                })
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    d.sort_by(f64::total_cmp);
    d
}

fn mask3() -> impl Strategy<Value = Array3<bool>> {
    (1usize..6, 1usize..6, 1usize..6).prop_flat_map(|(a, b, c)| {
        proptest::collection::vec(proptest::bool::weighted(0.35), a * b * c)
            .prop_map(move |v| Array3::from_shape_vec((a, b, c), v).expect("shape"))
    })
}

fn pair3() -> impl Strategy<Value = (Array3<bool>, Array3<bool>)> {
    (1usize..6, 1usize..6, 1usize..6).prop_flat_map(|(a, b, c)| {
        let m = move || {
            proptest::collection::vec(proptest::bool::weighted(0.3), a * b * c)
                .prop_map(move |v| Array3::from_shape_vec((a, b, c), v).expect("shape"))
        };
        (m(), m())
    })
}

fn spacing3() -> impl Strategy<Value = [f64; 3]> {
    (
        prop_oneof![Just(1.0), 0.3f64..3.0],
        prop_oneof![Just(1.0), 0.3f64..3.0],
        prop_oneof![Just(1.0), 0.3f64..3.0],
    )
        .prop_map(|(a, b, c)| [a, b, c])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn surfel_distances_equal_brute_force((p, r) in pair3(), s in spacing3()) {
        let d = compute(&p.clone().into_dyn(), &r.clone().into_dyn(), &s, SurfaceConfig::default());
        let (bp, br) = (border_corners(&p), border_corners(&r));
        // Brute force works on full-volume corner indices; the engine on the crop: distances are translation-free.
        let want_rp = if bp.is_empty() { vec![f64::INFINITY; br.len()] } else { brute_distances(&br, &bp, s) };
        let want_pr = if br.is_empty() { vec![f64::INFINITY; bp.len()] } else { brute_distances(&bp, &br, s) };
        prop_assert_eq!(d.reference_to_prediction().distances(), &want_rp[..]);
        prop_assert_eq!(d.prediction_to_reference().distances(), &want_pr[..]);
    }

    #[test]
    fn voxel_average_equals_brute_force((p, r) in pair3(), s in spacing3()) {
        let pts = |m: &Array3<bool>| -> Vec<[i64; 3]> {
            m.indexed_iter().filter(|(_, &v)| v).map(|((i, j, k), _)| [i as i64, j as i64, k as i64]).collect()
        };
        let (pp, rp) = (pts(&p), pts(&r));
        let (a, b) = average_hausdorff_itk(p.view().into_dyn(), r.view().into_dyn(), &s).expect("valid");
        if pp.is_empty() || rp.is_empty() {
            prop_assert_eq!((a, b), (f64::INFINITY, f64::INFINITY));
        } else {
            let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
            prop_assert!(rel_eq(a, mean(brute_distances(&pp, &rp, s)), 1e-12));
            prop_assert!(rel_eq(b, mean(brute_distances(&rp, &pp, s)), 1e-12));
        }
    }

    #[test]
    fn padding_symmetry_and_scaling(m in mask3(), shift in 0usize..2, s in spacing3(), scale in 0.5f64..4.0) {
        let (a, b, c) = m.dim();
        let mut p = Array3::from_elem((a + 1, b + 1, c + 1), false);
        p.slice_mut(s![shift..shift + a, 0..b, shift..shift + c]).assign(&m);
        let mut r = Array3::from_elem((a + 1, b + 1, c + 1), false);
        r.slice_mut(s![0..a, 0..b, 0..c]).assign(&m);
        let (p, r) = (p.into_dyn(), r.into_dyn());
        let cfg = SurfaceConfig::default();
        let d = compute(&p, &r, &s, cfg);
        // Padding with background changes nothing.
        let mut pp = ArrayD::from_elem(IxDyn(&[a + 4, b + 3, c + 5]), false);
        pp.slice_mut(s![2..a + 3, 1..b + 2, 3..c + 4]).assign(&p);
        let mut rp = ArrayD::from_elem(IxDyn(&[a + 4, b + 3, c + 5]), false);
        rp.slice_mut(s![2..a + 3, 1..b + 2, 3..c + 4]).assign(&r);
        prop_assert_eq!(&compute(&pp, &rp, &s, cfg), &d);
        // Swapping prediction and reference swaps the directions.
        let swapped = compute(&r, &p, &s, cfg);
        prop_assert_eq!(swapped.reference_to_prediction(), d.prediction_to_reference());
        prop_assert_eq!(swapped.hausdorff(95.0), d.hausdorff(95.0));
        prop_assert_eq!(swapped.surface_dice(1.0), d.surface_dice(1.0));
        // Scaling the spacing scales the distances.
        let scaled = compute(&p, &r, &[s[0] * scale, s[1] * scale, s[2] * scale], cfg);
        prop_assert!(rel_eq(scaled.hausdorff(100.0), scale * d.hausdorff(100.0), 1e-12));
        prop_assert!(rel_eq(scaled.assd(), scale * d.assd(), 1e-12));
        // Identity is perfect (two empty masks are pymia's "not computable" instead).
        let same = compute(&r, &r, &s, cfg);
        if m.iter().any(|&v| v) {
            prop_assert_eq!(same.hausdorff(100.0), 0.0);
            prop_assert_eq!(same.surface_dice(0.0), 1.0);
        } else {
            prop_assert_eq!(same.hausdorff(100.0), f64::INFINITY);
            prop_assert_eq!(same.surface_dice(0.0), f64::NEG_INFINITY);
        }
    }
}

fn cube(shape: usize, lo: [usize; 3], side: [usize; 3]) -> ArrayD<bool> {
    let mut m = Array3::from_elem((shape, shape, shape), false);
    m.slice_mut(s![lo[0]..lo[0] + side[0], lo[1]..lo[1] + side[1], lo[2]..lo[2] + side[2]]).fill(true);
    m.into_dyn()
}

#[test]
fn pymia_case_a_values() {
    // pymia-reference §10.2 case A: ref[2:6]³, pred[3:7]³.
    let (r, p) = (cube(10, [2, 2, 2], [4, 4, 4]), cube(10, [3, 3, 3], [4, 4, 4]));
    let d = compute(&p, &r, &[1.0, 1.0, 1.0], SurfaceConfig::pymia());
    assert_eq!(d.hausdorff(100.0), 1.7320508075688772);
    assert_eq!(d.hausdorff(95.0), std::f64::consts::SQRT_2);
    assert!(rel_eq(d.surface_dice(1.0), 0.9109474824951221, 1e-12));
    assert!(rel_eq(d.surface_overlap(1.0, true), 0.9109474824951221, 1e-12));
    assert!(rel_eq(d.surface_overlap(1.0, false), 0.9109474824951221, 1e-12));
    assert_eq!(d.surface_dice(2.0), 1.0);
    let (a, b) = average_hausdorff_itk(p.view(), r.view(), &[1.0, 1.0, 1.0]).unwrap();
    assert!(rel_eq(0.5 * (a + b), 0.6478120760769801, 1e-12));
    // With sitk spacing (0.5, 1, 2) = numpy (2, 1, 0.5).
    let s = [2.0, 1.0, 0.5];
    let d = compute(&p, &r, &s, SurfaceConfig::pymia());
    assert!(rel_eq(d.hausdorff(100.0), 2.29128784747792, 1e-12));
    assert!(rel_eq(d.hausdorff(95.0), 2.0615528128088303, 1e-12));
    assert!(rel_eq(d.surface_dice(1.0), 0.8074870829641496, 1e-12));
    assert!(rel_eq(d.surface_dice(2.0), 0.9424390174164435, 1e-12));
    let (a, b) = average_hausdorff_itk(p.view(), r.view(), &s).unwrap();
    assert!(rel_eq(0.5 * (a + b), 0.7818476903852103, 1e-12));
}

#[test]
fn pymia_case_g_two_d_slab_and_contour() {
    // pymia-reference §10.2 case G: 8×8, ref[2:5, 2:6], pred[3:6, 1:5].
    let mut r = Array2::from_elem((8, 8), false);
    let mut p = r.clone();
    r.slice_mut(s![2..5, 2..6]).fill(true);
    p.slice_mut(s![3..6, 1..5]).fill(true);
    let (r, p) = (r.into_dyn(), p.into_dyn());
    let d = compute(&p, &r, &[1.0, 1.0], SurfaceConfig::pymia());
    assert!(rel_eq(d.surface_dice(1.0), 0.9844654586436288, 1e-12));
    assert_eq!(d.hausdorff(100.0), std::f64::consts::SQRT_2);
    assert_eq!(d.hausdorff(95.0), 1.0);
    let (a, b) = average_hausdorff_itk(p.view(), r.view(), &[1.0, 1.0]).unwrap();
    assert!(rel_eq(0.5 * (a + b), 0.5345177968644246, 1e-12));
    // sitk spacing (2, 1) = numpy (1, 2).
    let d = compute(&p, &r, &[1.0, 2.0], SurfaceConfig::pymia());
    assert!(rel_eq(d.surface_dice(1.0), 0.8871368304645565, 1e-12));
    assert!(rel_eq(d.hausdorff(100.0), 2.23606797749979, 1e-12));
    assert_eq!(d.hausdorff(95.0), 2.0);
    assert!(rel_eq(d.surface_dice(2.0), 0.9858262809504997, 1e-12));
    let (a, b) = average_hausdorff_itk(p.view(), r.view(), &[1.0, 2.0]).unwrap();
    assert!(rel_eq(0.5 * (a + b), 0.7696723314583158, 1e-12));
    // True contours: a 3×4 rectangle's outline is 10 unit edges plus four corner cuts of ½√2; no slab caps.
    let c = compute(&p, &r, &[1.0, 1.0], SurfaceConfig::default().with_two_d(TwoDMode::Contour));
    assert!(rel_eq(c.reference_to_prediction().total_weight(), 10.0 + 2.0 * 2f64.sqrt(), 1e-15));
    assert!(rel_eq(c.prediction_to_reference().total_weight(), 10.0 + 2.0 * 2f64.sqrt(), 1e-15));
    assert!(c.surface_dice(1.0) < 0.9844654586436288);
}

#[test]
fn offset_cubes_analytic() {
    for t in 1..4 {
        let (r, p) = (cube(14, [3, 3, 3], [5, 5, 5]), cube(14, [3, 3, 3 + t], [5, 5, 5]));
        for s in [[1.0, 1.0, 1.0], [2.0, 0.5, 1.5]] {
            let d = compute(&p, &r, &s, SurfaceConfig::default());
            // The far faces are t voxels apart along axis 2 and everything else is closer.
            assert!(rel_eq(d.hausdorff(100.0), t as f64 * s[2], 1e-15), "t={t} s={s:?}");
            assert_eq!(d.directed_percentile(true, 100.0), d.directed_percentile(false, 100.0));
        }
    }
    // Nested cubes: the inner surface is exactly 2 voxels inside everywhere (face centres), HD = corner gap √12.
    let (r, p) = (cube(12, [1, 1, 1], [9, 9, 9]), cube(12, [3, 3, 3], [5, 5, 5]));
    let d = compute(&p, &r, &[1.0, 1.0, 1.0], SurfaceConfig::default());
    assert_eq!(d.directed_percentile(true, 100.0), 2.0);
    assert_eq!(d.directed_percentile(false, 100.0), 12f64.sqrt());
    assert_eq!(d.prediction_to_reference().distances()[0], 2.0);
}

#[test]
fn concentric_spheres_are_close_to_the_radius_gap() {
    let ball = |radius: f64| {
        ArrayD::from_shape_fn(IxDyn(&[41, 41, 41]), |i| {
            let q = |x: usize| (i[x] as f64 - 20.0).powi(2);
            (q(0) + q(1) + q(2)).sqrt() <= radius
        })
    };
    let d = compute(&ball(12.0), &ball(16.0), &[1.0, 1.0, 1.0], SurfaceConfig::default());
    let assd = d.assd();
    assert!((assd - 4.0).abs() < 0.5, "ASSD {assd}");
    assert!((d.hausdorff(50.0) - 4.0).abs() <= 1.0);
    assert_eq!(d.surface_dice(1.0), 0.0);
}

#[test]
fn long_collinear_masks() {
    // 40 voxels on a line (many points sharing two coordinates) against a voxel beside it.
    let mut r = Array3::from_elem((3, 3, 44), false);
    r.slice_mut(s![1, 1, 2..42]).fill(true);
    let mut p = Array3::from_elem((3, 3, 44), false);
    p[[0, 0, 30]] = true;
    let d = compute(&p.clone().into_dyn(), &r.clone().into_dyn(), &[1.0, 1.0, 1.0], SurfaceConfig::default());
    let (bp, br) = (border_corners(&p), border_corners(&r));
    assert_eq!(d.reference_to_prediction().distances(), &brute_distances(&br, &bp, [1.0; 3])[..]);
    assert_eq!(d.prediction_to_reference().distances(), &brute_distances(&bp, &br, [1.0; 3])[..]);
}

#[test]
fn empty_mask_edge_values_follow_pymia() {
    let e = cube(6, [0, 0, 0], [0, 0, 0]);
    let f = cube(6, [1, 1, 1], [2, 2, 2]);
    let both = compute(&e, &e, &[1.0; 3], SurfaceConfig::pymia());
    assert!(both.is_both_empty());
    assert_eq!(both.hausdorff(100.0), f64::INFINITY);
    assert_eq!(both.surface_dice(1.0), f64::NEG_INFINITY);
    assert_eq!(both.surface_overlap(1.0, true), f64::NEG_INFINITY);
    // Empty prediction.
    let d = compute(&e, &f, &[1.0; 3], SurfaceConfig::pymia());
    assert!(d.is_empty_prediction() && !d.is_empty_reference());
    assert_eq!(d.hausdorff(95.0), f64::INFINITY);
    assert_eq!(d.surface_dice(1.0), 0.0);
    assert_eq!(d.surface_overlap(1.0, true), f64::NEG_INFINITY);
    assert_eq!(d.surface_overlap(1.0, false), 0.0);
    assert_eq!(d.masd(), f64::INFINITY);
    // Empty reference.
    let d = compute(&f, &e, &[1.0; 3], SurfaceConfig::pymia());
    assert!(d.is_empty_reference());
    assert_eq!(d.surface_overlap(1.0, true), 0.0);
    assert_eq!(d.surface_overlap(1.0, false), f64::NEG_INFINITY);
}

#[test]
fn boundary_voxel_mode_counts_voxels() {
    let (r, p) = (cube(10, [2, 2, 2], [4, 4, 4]), cube(10, [3, 3, 3], [4, 4, 4]));
    let cfg = SurfaceConfig::default().with_elements(SurfaceElements::BoundaryVoxels(Connectivity::Face));
    let d = compute(&p, &r, &[1.0; 3], cfg);
    // A 4³ cube has 4³ − 2³ = 56 boundary voxels; weights are counts.
    assert_eq!(d.reference_to_prediction().len(), 56);
    assert_eq!(d.reference_to_prediction().total_weight(), 56.0);
    // Brute force over boundary-voxel centres.
    let boundary = |m: &ArrayD<bool>| -> Vec<[i64; 3]> {
        let m3 = m.view().into_dimensionality::<ndarray::Ix3>().unwrap();
        m3.indexed_iter()
            .filter(|&((i, j, k), &v)| {
                v && (i == 0
                    || j == 0
                    || k == 0
                    || !m3[[i - 1, j, k]]
                    || !m3[[i + 1, j, k]]
                    || !m3[[i, j - 1, k]]
                    || !m3[[i, j + 1, k]]
                    || !m3[[i, j, k - 1]]
                    || !m3[[i, j, k + 1]])
            })
            .map(|((i, j, k), _)| [i as i64, j as i64, k as i64])
            .collect()
    };
    let (bp, br) = (boundary(&p), boundary(&r));
    assert_eq!(d.reference_to_prediction().distances(), &brute_distances(&br, &bp, [1.0; 3])[..]);
    let within = |v: &[f64]| v.iter().filter(|&&x| x <= 1.0).count() as f64;
    let nsd =
        (within(&brute_distances(&br, &bp, [1.0; 3])) + within(&brute_distances(&bp, &br, [1.0; 3]))) / 112.0;
    assert_eq!(d.surface_dice(1.0), nsd);
}

#[test]
fn bad_input_gives_typed_errors() {
    let a = ArrayD::from_elem(IxDyn(&[4, 4, 4]), false);
    let b = ArrayD::from_elem(IxDyn(&[4, 4, 5]), false);
    let c = SurfaceConfig::default();
    let err = |p: &ArrayD<bool>, r: &ArrayD<bool>, s: &[f64]| {
        SurfaceDistances::compute(p.view(), r.view(), s, &c).unwrap_err()
    };
    assert!(matches!(err(&a, &b, &[1.0; 3]), SurfaceError::ShapeMismatch { .. }));
    assert_eq!(err(&a, &a, &[1.0; 2]), SurfaceError::SpacingLength { expected: 3, actual: 2 });
    assert!(matches!(err(&a, &a, &[1.0, 0.0, 1.0]), SurfaceError::InvalidSpacing { axis: 1, .. }));
    assert!(matches!(err(&a, &a, &[1.0, 1.0, -2.0]), SurfaceError::InvalidSpacing { axis: 2, .. }));
    assert!(matches!(err(&a, &a, &[f64::NAN, 1.0, 1.0]), SurfaceError::InvalidSpacing { axis: 0, .. }));
    let four = ArrayD::from_elem(IxDyn(&[2, 2, 2, 2]), false);
    assert_eq!(err(&four, &four, &[1.0; 4]), SurfaceError::UnsupportedDimensionality { ndim: 4 });
    assert!(average_hausdorff_itk(a.view(), b.view(), &[1.0; 3]).is_err());
}
