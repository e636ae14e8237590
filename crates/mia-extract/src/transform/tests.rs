use mia_core::ImageData;
use ndarray::{ArrayD, IxDyn};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::{RandomCrop, RandomElasticDeformation, RandomMirror, RandomRotation90, RandomShift, ShiftFill};

fn rng() -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(7)
}

fn sample_f32(shape: &[usize], values: Vec<f32>) -> Sample {
    let mut s = Sample::new();
    s.insert("images", ImageData::F32(ArrayD::from_shape_vec(IxDyn(shape), values).unwrap()));
    s
}

fn values(s: &Sample, key: &str) -> Vec<f64> {
    s.data(key).unwrap().to_f64().iter().copied().collect()
}

#[test]
fn zscore_matches_pymia() {
    let mut s = sample_f32(&[4], vec![1.0, 2.0, 3.0, 4.0]);
    IntensityNormalization::new().apply(&mut s, &mut rng()).unwrap();
    let expected = [-1.3416407864999, -0.44721359549996, 0.44721359549996, 1.3416407864999];
    for (v, e) in values(&s, "images").iter().zip(expected) {
        assert!((v - e).abs() < 1e-6);
    }
    let mut s = Sample::new();
    s.insert("images", ImageData::U8(ArrayD::zeros(IxDyn(&[2]))));
    assert!(matches!(
        IntensityNormalization::new().apply(&mut s, &mut rng()),
        Err(ExtractError::EntryType { .. })
    ));
}

#[test]
fn rescale_and_its_error() {
    let mut s = sample_f32(&[2, 2], vec![0.0, 5.0, 10.0, 20.0]);
    IntensityRescale::new(-1.0, 1.0).loop_axis(Some(0)).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(values(&s, "images"), [-1.0, 1.0, -1.0, 1.0]);
    let mut s = sample_f32(&[2], vec![3.0, 3.0]);
    assert!(matches!(
        IntensityRescale::new(0.0, 1.0).apply(&mut s, &mut rng()),
        Err(ExtractError::NotComputable { .. })
    ));
}

#[test]
fn clip_percentile_both_orders() {
    let mut s = sample_f32(&[4], vec![1.0, 2.0, 3.0, 100.0]);
    ClipPercentile::new(50.0).pymia_order(true).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(values(&s, "images"), [2.25, 2.25, 2.5, 2.5]);
    let mut s = sample_f32(&[4], vec![1.0, 2.0, 3.0, 100.0]);
    ClipPercentile::new(50.0).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(values(&s, "images"), [2.5; 4]);
}

#[test]
fn relabel_is_sequential_and_mask_broadcasts() {
    let mut s = Sample::new();
    s.insert("labels", ImageData::U8(ArrayD::from_shape_vec(IxDyn(&[2]), vec![1, 2]).unwrap()));
    Relabel::new(&[(1.0, 2.0), (2.0, 1.0)]).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(values(&s, "labels"), [2.0, 2.0]);

    let mut s = sample_f32(&[2, 2], vec![1.0, 2.0, 3.0, 4.0]);
    s.insert("mask", ImageData::U8(ArrayD::from_shape_vec(IxDyn(&[2, 1]), vec![0, 1]).unwrap()));
    Mask::new("mask").masking_value(-5.0).entries(&["images"]).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(values(&s, "images"), [-5.0, -5.0, 3.0, 4.0]);
}

#[test]
fn size_correction_like_pymia_tests() {
    // pymia test_misc: 2-D (5, 5) -> (4, 6); 3-D (2, 4, 5) -> (4, 4, 3).
    let mut s = sample_f32(&[5, 5], (0..25).map(|v| v as f32).collect());
    SizeCorrection::new(&[Some(4), Some(6)]).entries(&["images"]).apply(&mut s, &mut rng()).unwrap();
    let a = s.array::<f32>("images").unwrap();
    assert_eq!(a.shape(), &[4, 6]);
    // crop 5 -> 4 removes the last row; pad 5 -> 6 adds one column at the end.
    assert_eq!(
        a.index_axis(ndarray::Axis(0), 0).iter().copied().collect::<Vec<_>>(),
        [0.0, 1.0, 2.0, 3.0, 4.0, 0.0]
    );
    let mut s = sample_f32(&[2, 4, 5], vec![1.0; 40]);
    SizeCorrection::new(&[Some(4), Some(4), Some(3)])
        .pad_value(1.0)
        .entries(&["images"])
        .apply(&mut s, &mut rng())
        .unwrap();
    assert_eq!(s.data("images").unwrap().shape(), &[4, 4, 3]);
    assert!(values(&s, "images").iter().all(|&v| v == 1.0));
}

#[test]
fn shape_transforms() {
    let mut s = sample_f32(&[2, 3, 1], (0..6).map(|v| v as f32).collect());
    Squeeze::new(None).entries(&["images"]).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(s.data("images").unwrap().shape(), &[2, 3]);
    UnSqueeze::new(0).entries(&["images"]).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(s.data("images").unwrap().shape(), &[1, 2, 3]);
    Permute::new(&[2, 1, 0]).entries(&["images"]).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(s.data("images").unwrap().shape(), &[3, 2, 1]);
    assert_eq!(values(&s, "images"), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    Reshape::new(&[("images", &[-1, 2])]).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(s.data("images").unwrap().shape(), &[3, 2]);
    assert!(Reshape::new(&[("images", &[4, 2])]).apply(&mut s, &mut rng()).is_err());
    assert!(Squeeze::new(Some(0)).entries(&["images"]).apply(&mut s, &mut rng()).is_err());
    assert!(matches!(Squeeze::new(None).apply(&mut s, &mut rng()), Err(ExtractError::MissingEntry { .. })));
}

#[test]
fn rot90_matches_numpy() {
    // numpy: np.rot90(np.arange(6).reshape(2, 3)) = [[2, 5], [1, 4], [0, 3]]
    let a = ArrayD::from_shape_vec(IxDyn(&[2, 3]), (0..6).collect::<Vec<i32>>()).unwrap();
    let r = crate::augment::rot90(&a, 1, 0, 1);
    assert_eq!(r.shape(), &[3, 2]);
    assert_eq!(r.iter().copied().collect::<Vec<_>>(), [2, 5, 1, 4, 0, 3]);
    // k = 3: [[3, 0], [4, 1], [5, 2]]
    let r = crate::augment::rot90(&a, 3, 0, 1);
    assert_eq!(r.iter().copied().collect::<Vec<_>>(), [3, 0, 4, 1, 5, 2]);
    let r = crate::augment::rot90(&a, 2, 0, 1);
    assert_eq!(r.iter().copied().collect::<Vec<_>>(), [5, 4, 3, 2, 1, 0]);
}

fn paired() -> Sample {
    let mut s = Sample::new();
    let img = ArrayD::from_shape_fn(IxDyn(&[6, 6, 1]), |i| (i[0] * 6 + i[1]) as f32);
    s.insert("labels", ImageData::U8(img.mapv(|v| v as u8)));
    s.insert("images", ImageData::F32(img));
    s
}

fn aligned(s: &Sample) -> bool {
    values(s, "images") == values(s, "labels")
}

#[test]
fn augmentations_keep_images_and_labels_aligned_and_are_seeded() {
    let augs: Vec<Box<dyn Transform>> = vec![
        Box::new(RandomCrop::new(&[Some(4), Some(3)])),
        Box::new(RandomMirror::new(-2)),
        Box::new(RandomRotation90::new((0, 1))),
        Box::new(RandomShift::new(&[0.5, 0.5])),
        Box::new(RandomShift::new(&[0.5, 0.0]).fill(ShiftFill::Constant(0.0))),
    ];
    for a in &augs {
        let mut s1 = paired();
        let mut s2 = paired();
        a.apply(&mut s1, &mut rng()).unwrap();
        a.apply(&mut s2, &mut rng()).unwrap();
        assert!(aligned(&s1));
        assert_eq!(s1, s2);
    }
    // Crop a full-size window works (pymia fails) and is the identity.
    let mut s = paired();
    RandomCrop::new(&[Some(6), Some(6)]).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(s, paired());
    // p = 0 never applies.
    let mut s = paired();
    RandomMirror::new(0).p(0.0).apply(&mut s, &mut rng()).unwrap();
    assert_eq!(s, paired());
    // Wrap-around shift keeps the multiset of values.
    let mut s = paired();
    RandomShift::new(&[0.5, 0.5]).apply(&mut s, &mut rng()).unwrap();
    let mut v = values(&s, "images");
    v.sort_by(f64::total_cmp);
    assert_eq!(v, (0..36).map(|x| x as f64).collect::<Vec<_>>());
}

#[test]
fn elastic_deformation_is_seeded_and_labels_stay_labels() {
    let mut s = Sample::new();
    let img = ArrayD::from_shape_fn(IxDyn(&[32, 32, 1]), |i| ((i[0] / 8 + i[1] / 8) % 3) as f32);
    s.insert("labels", ImageData::U8(img.mapv(|v| v as u8)));
    s.insert("images", ImageData::F32(img));
    let t = RandomElasticDeformation::new().p(1.0);
    let mut a = s.clone();
    let mut b = s.clone();
    t.apply(&mut a, &mut rng()).unwrap();
    t.apply(&mut b, &mut rng()).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, s);
    assert!(values(&a, "labels").iter().all(|v| [0.0, 1.0, 2.0].contains(v)));
    assert!(values(&a, "images").iter().all(|&v| (0.0..=2.0).contains(&v)));
    let mut bad = s.clone();
    assert!(RandomElasticDeformation::new().p(1.0).spatial_rank(3).apply(&mut bad, &mut rng()).is_err());
}
