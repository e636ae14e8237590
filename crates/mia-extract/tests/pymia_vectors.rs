//! pymia 0.3.4's extraction vectors (pymia-reference §10.2) on an in-memory copy of the synthetic dataset.

mod common;

use common::*;
use mia_extract::*;
use mia_index::{AxisIndex, IndexExpression};
use mia_index::{EmptyIndexing, PatchWiseIndexing, SliceIndexing};

fn pymia_extractor() -> Vec<Box<dyn Extractor>> {
    vec![
        Box::new(DataExtractor::new(&["images", "labels"])),
        Box::new(SubjectExtractor),
        Box::new(IndexingExtractor),
        Box::new(ImagePropertiesExtractor),
        Box::new(ImagePropertyShapeExtractor::default()),
    ]
}

#[test]
fn slice_indexing_samples() {
    let ds =
        DataSource::new(memory_source(), SliceIndexing::new(0)).unwrap().with_extractor(pymia_extractor());
    assert_eq!(ds.len(), 18);
    assert_eq!(ds.indices()[0], (0, IndexExpression::at_axis(0, AxisIndex::Index(0))));
    assert_eq!(ds.indices()[1], (0, IndexExpression::at_axis(0, AxisIndex::Index(1))));
    let s = ds.get(7).unwrap();
    assert_eq!(s.sample_index, Some(7));
    assert_eq!(s.subject_index, Some(1));
    assert_eq!(s.subject.as_deref(), Some("Subject_2"));
    assert_eq!(s.array::<f32>("images").unwrap().shape(), &[8, 10, 2]);
    assert_eq!(s.array::<u8>("labels").unwrap().shape(), &[8, 10, 1]);
    assert_eq!(s.shape.as_deref(), Some(&[6, 8, 10][..]));
    assert_eq!(s.properties.as_ref().unwrap().size(), &[10, 8, 6]);
    // Sample 7 is slice 1 of subject 1.
    assert_eq!(s.array::<f32>("images").unwrap(), image(1).index_axis(ndarray::Axis(0), 1).into_dyn());
}

#[test]
fn subject_subset_keeps_global_indices() {
    let ds = DataSource::new(memory_source(), SliceIndexing::new(0))
        .unwrap()
        .with_subject_subset(&["Subject_2"])
        .unwrap();
    assert_eq!(ds.len(), 6);
    assert_eq!(ds.indices()[0].0, 1);
    let err =
        DataSource::new(memory_source(), SliceIndexing::new(0)).unwrap().with_subject_subset(&["Nobody"]);
    assert!(matches!(err, Err(ExtractError::OutOfRange { what: "subject", .. })));
}

#[test]
fn patch_counts_and_incomplete_patches() {
    let ds = DataSource::new(memory_source(), PatchWiseIndexing::new(&[4, 4, 4])).unwrap();
    assert_eq!(ds.len(), 3 * 4);
    let ds = DataSource::new(memory_source(), PatchWiseIndexing::new(&[4, 4, 4]).ignore_incomplete(false))
        .unwrap();
    assert_eq!(ds.len(), 3 * 12);
    // The last patch of a subject runs past the end: clipped like h5py, (2, 4, 2) instead of (4, 4, 4).
    let last = ds.get(11).unwrap();
    assert_eq!(last.data("images").unwrap().shape(), &[2, 4, 2, 2]);
}

#[test]
fn pad_patch_like_pymia() {
    let pad = PadDataExtractor::symmetric(&[2, 2, 2], DataExtractor::new(&["images"]));
    let ds =
        DataSource::new(memory_source(), PatchWiseIndexing::new(&[4, 4, 4])).unwrap().with_extractor(pad);
    let before = ds.indices().to_vec();
    let s = ds.get(0).unwrap();
    let a = s.array::<f32>("images").unwrap();
    assert_eq!(a.shape(), &[8, 8, 8, 2]);
    // Low-side border (first two positions on every axis) is zero, the rest is the data of 0:6 on each axis.
    assert!(a.slice(ndarray::s![0..2, .., .., ..]).iter().all(|&v| v == 0.0));
    assert!(a.slice(ndarray::s![.., 0..2, .., ..]).iter().all(|&v| v == 0.0));
    assert!(a.slice(ndarray::s![.., .., 0..2, ..]).iter().all(|&v| v == 0.0));
    let img = image(0);
    assert_eq!(a.slice(ndarray::s![2.., 2.., 2.., ..]), img.slice(ndarray::s![0..6, 0..6, 0..6, ..]));
    // The data source's expressions are untouched (pymia mutates them).
    assert_eq!(ds.indices(), &before[..]);
}

#[test]
fn pad_slices_give_slabs_in_every_mode() {
    let img = image(0);
    for mode in [PadMode::Zero, PadMode::Edge, PadMode::Reflect, PadMode::Symmetric] {
        let pad = PadDataExtractor::new(vec![(1, 1)], DataExtractor::new(&["images"])).mode(mode);
        let ds = DataSource::new(memory_source(), SliceIndexing::new(0)).unwrap().with_extractor(pad);
        let s = ds.get(0).unwrap();
        let a = s.array::<f32>("images").unwrap();
        assert_eq!(a.shape(), &[3, 8, 10, 2]);
        let first = a.index_axis(ndarray::Axis(0), 0);
        match mode {
            PadMode::Zero => assert!(first.iter().all(|&v| v == 0.0)),
            PadMode::Edge | PadMode::Symmetric => assert_eq!(first, img.index_axis(ndarray::Axis(0), 0)),
            PadMode::Reflect => assert_eq!(first, img.index_axis(ndarray::Axis(0), 1)),
            PadMode::Constant(_) => unreachable!(),
        }
        assert_eq!(a.index_axis(ndarray::Axis(0), 1), img.index_axis(ndarray::Axis(0), 0));
    }
    // Slices along axis 2 with padding on all three axes (pymia gets (1, 4, 7, C) wrong here).
    let pad = PadDataExtractor::new(vec![(0, 0), (1, 2), (3, 3)], DataExtractor::new(&["images"]));
    let ds = DataSource::new(memory_source(), SliceIndexing::new(2)).unwrap().with_extractor(pad);
    assert_eq!(ds.get(0).unwrap().data("images").unwrap().shape(), &[6, 11, 7, 2]);
}

#[test]
fn selective_and_random_channels() {
    let sel = SelectiveDataExtractor::new(Some(&["T2", "T1"]), "images");
    let ds = DataSource::new(memory_source(), SliceIndexing::new(0)).unwrap().with_extractor(sel);
    let s = ds.get(0).unwrap();
    let a = s.array::<f32>("images").unwrap();
    assert_eq!(a.shape(), &[8, 10, 2]);
    assert_eq!(a[[0, 0, 0]], image(0)[[0, 0, 0, 1]]);
    assert_eq!(s.strings("images_names_selected").unwrap(), ["T2", "T1"]);
    assert_eq!(s.strings("images_names").unwrap(), ["T1", "T2"]);

    let bad = SelectiveDataExtractor::new(Some(&["FLAIR"]), "images");
    let ds = DataSource::new(memory_source(), SliceIndexing::new(0)).unwrap().with_extractor(bad);
    assert!(matches!(ds.get(0), Err(ExtractError::UnknownChannel { .. })));

    let rnd = RandomDataExtractor::new(None, "images");
    let ds =
        DataSource::new(memory_source(), SliceIndexing::new(0)).unwrap().with_extractor(rnd).with_seed(3);
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..ds.len() {
        let s = ds.get(i).unwrap();
        assert_eq!(s.data("images").unwrap().shape(), &[8, 10, 1]);
        assert_eq!(s, ds.get(i).unwrap(), "same seed, same sample");
        seen.insert(s.strings("images_names_selected").unwrap()[0].clone());
    }
    assert_eq!(seen.len(), 2);
}

#[test]
fn bad_input_is_a_typed_error() {
    let ds = DataSource::new(memory_source(), SliceIndexing::new(0))
        .unwrap()
        .with_extractor(DataExtractor::new(&["masks"]));
    assert!(matches!(ds.get(0), Err(ExtractError::UnknownCategory { .. })));
    let ds = DataSource::new(memory_source(), SliceIndexing::new(0)).unwrap();
    assert!(matches!(ds.get(18), Err(ExtractError::OutOfRange { what: "sample", .. })));
    // A dataset without meta/image_props.
    let src = mia_extract::MemorySource::new(vec!["A".into()])
        .with_category(
            "images",
            None,
            vec![mia_core::ImageData::U8(ndarray::ArrayD::zeros(vec![2, 2, 2, 1]))],
        )
        .unwrap();
    let ds = DataSource::new(src, EmptyIndexing).unwrap().with_extractor(ImagePropertiesExtractor);
    assert!(matches!(ds.get(0), Err(ExtractError::Missing { .. })));
    // Out-of-range positions in an expression.
    let ds = DataSource::new(memory_source(), EmptyIndexing).unwrap();
    let e = ds.direct_extract(
        &DataExtractor::default(),
        0,
        IndexExpression::at_axis(0, AxisIndex::Index(6)),
        None,
        &mut sample_rng(0, 0, 0),
    );
    assert!(matches!(e, Err(ExtractError::Index(_))));
}

#[test]
fn files_names_and_shape_extractors() {
    let src = memory_source();
    let ds = DataSource::new(src, EmptyIndexing).unwrap().with_extractor(NamesExtractor::default());
    let s = ds.get(0).unwrap();
    assert_eq!(s.strings("labels_names").unwrap(), ["GT"]);
    let ds =
        DataSource::new(memory_source(), EmptyIndexing).unwrap().with_extractor(FilesExtractor::default());
    assert!(matches!(ds.get(0), Err(ExtractError::Missing { .. })));
}
