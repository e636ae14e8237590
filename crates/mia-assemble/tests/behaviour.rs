//! Averaging semantics, pymia's last-write-wins, batches, images, memory, and typed errors on bad input.

mod common;

use common::{extract, volume};
use mia_assemble::{
    AssembleError, AssemblerConfig, Combine, LeadingCrop, PlaneAssembler, Region, SubjectAssembler,
    SubjectSpec, UncoveredPolicy, Weighting,
};
use mia_core::{ImageProperties, PixelType};
use mia_index::{
    AxisIndex, Border, GridIndexing, IndexError, IndexExpression, IndexingStrategy, SliceIndexing,
};
use ndarray::{ArrayD, IxDyn};

fn range(start: usize, stop: usize) -> AxisIndex {
    AxisIndex::Range { start, stop }
}

fn config(combine: Combine) -> AssemblerConfig {
    AssemblerConfig { combine, ..Default::default() }
}

#[test]
fn overlaps_are_averaged_with_weights() {
    // Two 4-voxel samples overlapping on 2 voxels of a 6-voxel line: values 1 and 3.
    let a_expr = IndexExpression::new(vec![range(0, 4)]);
    let b_expr = IndexExpression::new(vec![range(2, 6)]);
    let ones = ArrayD::from_elem(IxDyn(&[4]), 1.0f64);
    let threes = ArrayD::from_elem(IxDyn(&[4]), 3.0f64);
    let run = |combine: Combine, first_b: bool| -> Vec<f64> {
        let mut a = SubjectAssembler::new(config(combine));
        a.register(0, SubjectSpec::new(&[6]).expect_count(2)).unwrap();
        if first_b {
            a.add_prediction(0, &b_expr, threes.view()).unwrap();
            a.add_prediction(0, &a_expr, ones.view()).unwrap();
        } else {
            a.add_prediction(0, &a_expr, ones.view()).unwrap();
            a.add_prediction(0, &b_expr, threes.view()).unwrap();
        }
        a.take(0).unwrap().prediction().unwrap().data.view::<f64>().unwrap().iter().copied().collect()
    };
    assert_eq!(run(Combine::Average(Weighting::Uniform), false), vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
    assert_eq!(run(Combine::Average(Weighting::Uniform), true), vec![1.0, 1.0, 2.0, 2.0, 3.0, 3.0]);
    // pymia: the later sample wins.
    assert_eq!(run(Combine::LastWriteWins, false), vec![1.0, 1.0, 3.0, 3.0, 3.0, 3.0]);
    assert_eq!(run(Combine::LastWriteWins, true), vec![1.0, 1.0, 1.0, 1.0, 3.0, 3.0]);
    // Hann on 4 voxels: [s, 1, 1, s] with s = sin²(π/8) / sin²(3π/8); voxel 2 is sample a's 3rd (1) and b's 1st (s).
    let s = (std::f64::consts::PI / 8.0).sin().powi(2) / (3.0 * std::f64::consts::PI / 8.0).sin().powi(2);
    let h = run(Combine::Average(Weighting::Hann), false);
    let expected = (1.0 * 1.0 + 3.0 * s) / (1.0 + s);
    assert!((h[2] - expected).abs() < 1e-6, "{} vs {expected}", h[2]);
    assert!((h[3] - (1.0 * s + 3.0 * 1.0) / (1.0 + s)).abs() < 1e-6);
    let g = run(Combine::Average(Weighting::NNUNET_GAUSSIAN), true);
    assert!(g[2] > 1.0 && g[2] < 2.0 && g[3] > 2.0 && g[3] < 3.0, "{g:?}");
}

#[test]
fn channels_differ_from_the_input() {
    // The input has 2 channels; the network outputs 5 scores per voxel; the expressions come from the input shape.
    let expressions = SliceIndexing::new(2).indices(&[4, 5, 6, 2]).unwrap();
    let mut a = SubjectAssembler::default();
    a.register(0, SubjectSpec::new(&[4, 5, 6]).expect(expressions.clone())).unwrap();
    for e in &expressions {
        let AxisIndex::Index(i) = e.axis(2) else { panic!() };
        a.add(0, "scores", e, ArrayD::from_elem(IxDyn(&[4, 5, 5]), i as f32).view()).unwrap();
        a.add(0, "labels", e, ArrayD::from_elem(IxDyn(&[4, 5]), 2.0 * i as f32).view()).unwrap();
    }
    let out = a.take(0).unwrap();
    let scores = out.get("scores").unwrap().data.view::<f32>().unwrap().to_owned();
    assert_eq!(scores.shape(), &[4, 5, 6, 5]);
    assert!(scores.indexed_iter().all(|(i, &v)| v == i[2] as f32));
    assert_eq!(out.get("labels").unwrap().data.shape(), &[4, 5, 6]);
}

#[test]
fn batches_and_finished_subjects() {
    let shape = [3, 4, 5];
    let v = volume(&shape);
    let expressions = SliceIndexing::new(0).indices(&shape).unwrap();
    let mut a = SubjectAssembler::default();
    for s in 0..2 {
        a.register(s, SubjectSpec::new(&shape).expect(expressions.clone())).unwrap();
    }
    // Interleaved batches of 2 from both subjects.
    let order: Vec<(usize, &IndexExpression)> =
        vec![(1, &expressions[2]), (0, &expressions[0]), (1, &expressions[0]), (0, &expressions[2])];
    let stack = |pairs: &[(usize, &IndexExpression)]| {
        let parts: Vec<ArrayD<f32>> = pairs.iter().map(|(_, e)| extract(&v, e)).collect();
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        ndarray::stack(ndarray::Axis(0), &views).unwrap()
    };
    assert!(a.add_batch("prediction", &order[..2], stack(&order[..2]).view()).unwrap().is_empty());
    assert!(a.add_batch("prediction", &order[2..], stack(&order[2..]).view()).unwrap().is_empty());
    let last = [(1, &expressions[1])];
    assert_eq!(a.add_batch("prediction", &last, stack(&last).view()).unwrap(), vec![1]);
    assert_eq!(a.finished(), vec![1]);
    assert_eq!(a.progress(0, "prediction"), Some((2, Some(3))));
    let err = a.take(0).unwrap_err();
    assert!(matches!(err, AssembleError::NotFinished { received: 2, expected: 3, .. }), "{err}");
    assert_eq!(a.take_finished().unwrap().len(), 1);
    assert_eq!(a.in_flight(), 1); // subject 1's buffers are gone
    let err = a.add_batch("prediction", &last, ArrayD::<f32>::zeros(IxDyn(&[0, 4, 5])).view()).unwrap_err();
    assert!(matches!(err, AssembleError::BatchMismatch { .. }), "{err}");
    // finish() takes a subject out early, reporting what is missing.
    let err = a.finish(0).unwrap_err();
    assert!(
        matches!(err, AssembleError::Uncovered { count: 20, ref first, .. } if first == &vec![1, 0, 0]),
        "{err}"
    );
    assert!(a.contains(0));
}

#[test]
fn into_image_keeps_properties() {
    let props =
        ImageProperties::new(vec![5, 4, 3], vec![0.5, 1.0, 2.0], vec![1.0, 2.0, 3.0], None, 1, PixelType::U8)
            .unwrap();
    let mut a = SubjectAssembler::default();
    a.register(0, SubjectSpec::from_properties(props.clone()).expect_count(1)).unwrap();
    a.add_prediction(0, &IndexExpression::whole(), ArrayD::from_elem(IxDyn(&[3, 4, 5, 1]), 0.5f32).view())
        .unwrap();
    let out = a.take(0).unwrap().remove("prediction").unwrap();
    let image = out.into_image("prediction").unwrap();
    assert_eq!(image.properties().spacing(), props.spacing());
    assert_eq!(image.properties().pixel_type(), PixelType::F32);
    assert_eq!(image.data().shape(), &[3, 4, 5]);

    let mut a = SubjectAssembler::default();
    a.register(0, SubjectSpec::from_properties(props.clone()).expect_count(1)).unwrap();
    a.add(0, "p", &IndexExpression::whole(), ArrayD::from_elem(IxDyn(&[3, 4, 5, 3]), 0.5f64).view()).unwrap();
    let image = a.take(0).unwrap().remove("p").unwrap().into_image("p").unwrap();
    assert_eq!(image.properties().components(), 3);
    let bad = SubjectSpec::new(&[3, 4, 6]).properties(props);
    assert!(matches!(SubjectAssembler::default().register(0, bad), Err(AssembleError::InvalidSpec { .. })));
}

#[test]
fn clipped_border_patches_with_leading_crop() {
    // Border::Clip + fixed-size network inputs: samples padded at their far end, cropped back by LeadingCrop.
    let shape = [6, 8, 10];
    let v = volume(&shape);
    let expressions = GridIndexing::new(&[4, 4, 4]).border(Border::Clip).indices(&shape).unwrap();
    let mut a = SubjectAssembler::default().with_interaction(LeadingCrop);
    a.register(0, SubjectSpec::new(&shape).expect(expressions.clone())).unwrap();
    for e in &expressions {
        let part = extract(&v, e);
        let mut padded = ArrayD::<f32>::zeros(IxDyn(&[4, 4, 4]));
        padded.slice_each_axis_mut(|ax| ndarray::Slice::from(0..part.shape()[ax.axis.index()])).assign(&part);
        a.add_prediction(0, e, padded.view()).unwrap();
    }
    assert_eq!(a.take(0).unwrap().prediction().unwrap().data.view::<f32>().unwrap(), v.view());
}

#[test]
fn bad_input_gives_typed_errors() {
    let shape = [6, 8, 10];
    let mut a = SubjectAssembler::default();
    a.register(0, SubjectSpec::new(&shape).expect_count(2)).unwrap();
    let data = ArrayD::<f32>::zeros(IxDyn(&[8, 10]));
    let slice = IndexExpression::at_axis(0, AxisIndex::Index(0));
    // unknown subject
    let err = a.add_prediction(9, &slice, data.view()).unwrap_err();
    assert!(matches!(err, AssembleError::UnknownSubject { subject: 9 }), "{err}");
    assert!(matches!(a.take(9), Err(AssembleError::UnknownSubject { .. })));
    // registered twice
    assert!(matches!(a.register(0, SubjectSpec::new(&shape)), Err(AssembleError::AlreadyRegistered { .. })));
    // index out of range
    let err =
        a.add_prediction(0, &IndexExpression::at_axis(0, AxisIndex::Index(6)), data.view()).unwrap_err();
    assert!(
        matches!(err, AssembleError::Index { source: IndexError::OutOfBounds { axis: 0, .. }, .. }),
        "{err}"
    );
    // patch larger than the volume
    let big = IndexExpression::patch(&[0, 0, 0], &[8, 8, 8]);
    let err = a.add_prediction(0, &big, ArrayD::<f32>::zeros(IxDyn(&[8, 8, 8])).view()).unwrap_err();
    assert!(matches!(err, AssembleError::Index { .. }), "{err}");
    let err = GridIndexing::new(&[8, 8, 8]).indices(&shape).unwrap_err();
    assert!(matches!(err, IndexError::PatchLargerThanVolume { axis: 0, patch: 8, size: 6, .. }), "{err}");
    // expression with more axes than the subject
    let e4 = IndexExpression::at_axis(3, AxisIndex::Index(0));
    assert!(matches!(a.add_prediction(0, &e4, data.view()), Err(AssembleError::Index { .. })));
    // wrong data shape
    let err = a.add_prediction(0, &slice, ArrayD::<f32>::zeros(IxDyn(&[8, 9])).view()).unwrap_err();
    assert!(
        matches!(err, AssembleError::ShapeMismatch { ref expected, .. } if expected == &vec![8, 10]),
        "{err}"
    );
    // channels and types must stay the same per key
    a.add_prediction(0, &slice, data.view()).unwrap();
    let err = a.add_prediction(0, &slice, ArrayD::<f32>::zeros(IxDyn(&[8, 10, 2])).view()).unwrap_err();
    assert!(matches!(err, AssembleError::ChannelMismatch { .. }), "{err}");
    let err = a.add_prediction(0, &slice, ArrayD::<f64>::zeros(IxDyn(&[8, 10])).view()).unwrap_err();
    assert!(matches!(err, AssembleError::TypeMismatch { .. }), "{err}");
    // more samples than expected
    a.add_prediction(0, &slice, data.view()).unwrap();
    let err = a.add_prediction(0, &slice, data.view()).unwrap_err();
    assert!(matches!(err, AssembleError::UnexpectedSample { .. }), "{err}");
    // an expression that is not in the list
    let mut b = SubjectAssembler::default();
    b.register(0, SubjectSpec::new(&shape).expect(vec![slice.clone()])).unwrap();
    let other = IndexExpression::at_axis(0, AxisIndex::Index(1));
    assert!(matches!(b.add_prediction(0, &other, data.view()), Err(AssembleError::UnexpectedSample { .. })));
    assert!(matches!(b.finish(0), Err(AssembleError::Empty { .. })));
    // expected expressions outside the shape are rejected at registration
    let bad = SubjectSpec::new(&shape).expect(vec![other.clone(), IndexExpression::patch(&[5], &[2])]);
    assert!(matches!(b.register(1, bad), Err(AssembleError::Index { .. })));
    // an interaction hook that returns nonsense
    let hook = |_: &str, _: &[usize], e: &IndexExpression, _: &[usize]| -> Result<Region, String> {
        Ok(Region { crop: vec![0..100, 0..1], expression: e.clone() })
    };
    let mut c = SubjectAssembler::default().with_interaction(hook);
    c.register(0, SubjectSpec::new(&shape)).unwrap();
    assert!(matches!(c.add_prediction(0, &slice, data.view()), Err(AssembleError::Interaction { .. })));
    // the plane assembler needs expressions, and a plane for each
    let mut p = PlaneAssembler::default();
    assert!(matches!(
        p.register(0, SubjectSpec::new(&shape).expect_count(3)),
        Err(AssembleError::InvalidSpec { .. })
    ));
    let whole = SubjectSpec::new(&shape).expect(vec![IndexExpression::whole()]);
    assert!(matches!(p.register(0, whole), Err(AssembleError::InvalidSpec { .. })));
    let _ = UncoveredPolicy::default();
}

#[test]
fn uncovered_elements_are_filled_and_reported_without_overlaps() {
    // Two disjoint samples of a 6-voxel line leave voxels 2 and 3 uncovered: filled with -1, mask reported.
    let mut a = SubjectAssembler::new(AssemblerConfig {
        uncovered: UncoveredPolicy::Fill(-1.0),
        ..Default::default()
    });
    a.register(0, SubjectSpec::new(&[6]).expect_count(2)).unwrap();
    let twos = ArrayD::from_elem(IxDyn(&[2]), 2.0f32);
    a.add_prediction(0, &IndexExpression::new(vec![range(0, 2)]), twos.view()).unwrap();
    a.add_prediction(0, &IndexExpression::new(vec![range(4, 6)]), twos.view()).unwrap();
    let out = a.take(0).unwrap();
    let p = out.prediction().unwrap();
    assert_eq!(p.uncovered, 2);
    assert_eq!(
        p.data.view::<f32>().unwrap().iter().copied().collect::<Vec<_>>(),
        vec![2.0, 2.0, -1.0, -1.0, 2.0, 2.0]
    );
    let covered: Vec<bool> = p.covered.as_ref().unwrap().iter().copied().collect();
    assert_eq!(covered, vec![true, true, false, false, true, true]);
}

#[test]
fn recycled_volumes_give_what_fresh_ones_give() {
    // Large enough to be recycled (16 MiB and more). The recycled buffer still holds the previous subject: NaN,
    // the worst garbage for a running mean. Overlaps, weightings and uncovered elements must not see it.
    let shape = [66usize, 256, 257];
    let v = volume(&shape);
    let slabs = mia_index::SlabIndexing::new(0, 4).stride(3);
    // Overlapping slabs; the last slices stay uncovered (the grid does not reach them).
    let expressions: Vec<IndexExpression> = slabs
        .indices(&shape)
        .unwrap()
        .into_iter()
        .filter(|e| !matches!(e.axis(0), AxisIndex::Range { stop, .. } if stop > 60))
        .collect();
    for combine in
        [Combine::Average(Weighting::Uniform), Combine::Average(Weighting::Hann), Combine::LastWriteWins]
    {
        let config = AssemblerConfig { combine, uncovered: UncoveredPolicy::Fill(-1.0) };
        let assemble = |a: &mut SubjectAssembler, subject: usize| {
            a.register(subject, SubjectSpec::new(&shape).expect(expressions.clone())).unwrap();
            for e in expressions.iter().rev() {
                a.add_prediction(subject, e, extract(&v, e).view()).unwrap();
            }
            a.take(subject).unwrap()
        };
        let fresh = assemble(&mut SubjectAssembler::new(config), 0);

        let mut a = SubjectAssembler::new(config);
        let whole = mia_index::EmptyIndexing.indices(&shape).unwrap();
        a.register(9, SubjectSpec::new(&shape).expect(whole.clone())).unwrap();
        a.add_prediction(9, &whole[0], ArrayD::from_elem(IxDyn(&shape), f32::NAN).view()).unwrap();
        let poisoned = a.take(9).unwrap();
        let address = poisoned.prediction().unwrap().data.view::<f32>().unwrap().as_ptr() as usize;
        a.recycle(poisoned);
        let recycled = assemble(&mut a, 1);
        let (f, r) = (fresh.prediction().unwrap(), recycled.prediction().unwrap());
        let r_data = r.data.view::<f32>().unwrap();
        assert_eq!(r_data.as_ptr() as usize, address, "the recycled buffer was used");
        assert!(f.uncovered > 0);
        assert_eq!((f.uncovered, &f.covered), (r.uncovered, &r.covered));
        assert_eq!(f.data.view::<f32>().unwrap(), r_data, "{combine:?}");
    }
}
