//! Extraction from real HDF5 datasets written by mia-dataset from MetaImage files, and from the matching
//! metadata-only dataset (pixels loaded from the files): pymia's extraction vectors and equality of both routes.

use std::path::{Path, PathBuf};

use mia_core::{Image, ImageData};
use mia_dataset::{create_dataset, CreateOptions, Dataset, FileLoader, Progress, SubjectFiles};
use mia_extract::*;
use mia_index::{AxisIndex, EmptyIndexing, IndexExpression, PatchWiseIndexing, SliceIndexing};
use ndarray::{ArrayD, IxDyn};

fn volume(subject: usize, channel: usize) -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(&[6, 8, 10]), |i| {
        (subject * 10000 + i[0] * 1000 + i[1] * 100 + i[2] * 10 + channel) as f32
    })
}

fn label(subject: usize) -> ArrayD<u8> {
    ArrayD::from_shape_fn(IxDyn(&[6, 8, 10]), |i| ((i[0] + i[1] + i[2] + subject) % 3) as u8)
}

fn write(path: &Path, data: ImageData) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let image = match data {
        ImageData::F32(a) => {
            Image::from_array_with_geometry(a, vec![1.0, 2.0, 3.0], vec![10.0, 20.0, 30.0], None)
        }
        ImageData::U8(a) => {
            Image::from_array_with_geometry(a, vec![1.0, 2.0, 3.0], vec![10.0, 20.0, 30.0], None)
        }
        _ => unreachable!(),
    }
    .unwrap();
    mia_io::write_image(path, &image).unwrap();
}

/// Writes 3 subjects of (6, 8, 10) MetaImage files and creates the HDF5 and the metadata-only dataset.
fn datasets(dir: &Path, image_category: &str) -> (PathBuf, PathBuf) {
    let raw = dir.join("raw");
    let mut subjects = Vec::new();
    for s in 0..3 {
        let name = format!("Subject_{}", s + 1);
        let files: Vec<PathBuf> =
            ["T1", "T2", "GT"].iter().map(|e| raw.join(&name).join(format!("{name}_{e}.mha"))).collect();
        write(&files[0], ImageData::F32(volume(s, 0)));
        write(&files[1], ImageData::F32(volume(s, 1)));
        write(&files[2], ImageData::U8(label(s)));
        let sf = SubjectFiles::new(name)
            .with("images", "T1", &files[0])
            .unwrap()
            .with("images", "T2", &files[1])
            .unwrap()
            .with("labels", "GT", &files[2])
            .unwrap();
        subjects.push(sf);
    }
    let opts = CreateOptions {
        progress: Progress::Quiet,
        hashes: false,
        image_category: image_category.to_string(),
        ..Default::default()
    };
    let full = dir.join("full.h5");
    create_dataset(&subjects, &full, &FileLoader::new(), &[], &opts).unwrap();
    let meta = dir.join("meta.h5");
    create_dataset(&subjects, &meta, &FileLoader::new(), &[], &CreateOptions { meta_only: true, ..opts })
        .unwrap();
    (full, meta)
}

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
fn pymia_vectors_on_hdf5_and_metadata_datasets_agree() {
    let dir = tempfile::tempdir().unwrap();
    let (full, meta) = datasets(dir.path(), "images");
    let h5 = Dataset::open(&full).unwrap();
    let ds = DataSource::new(h5, SliceIndexing::new(0)).unwrap().with_extractor(pymia_extractor());
    assert_eq!(ds.len(), 18);
    let s = ds.get(7).unwrap();
    assert_eq!(s.subject_index, Some(1));
    assert_eq!(s.subject.as_deref(), Some("Subject_2"));
    assert_eq!(s.array::<f32>("images").unwrap().shape(), &[8, 10, 2]);
    assert_eq!(s.array::<u8>("labels").unwrap().shape(), &[8, 10, 1]);
    assert_eq!(s.array::<f32>("images").unwrap()[[2, 3, 1]], volume(1, 1)[[1, 2, 3]]);
    assert_eq!(s.shape.as_deref(), Some(&[6, 8, 10][..]));
    assert_eq!(s.properties.as_ref().unwrap().size(), &[10, 8, 6]);
    assert_eq!(s.properties.as_ref().unwrap().spacing(), &[1.0, 2.0, 3.0]);

    let subset = DataSource::new(Dataset::open(&full).unwrap(), SliceIndexing::new(0))
        .unwrap()
        .with_subject_subset(&["Subject_2"])
        .unwrap();
    assert_eq!(subset.len(), 6);
    assert_eq!(subset.indices()[0].0, 1);
    assert_eq!(
        DataSource::new(Dataset::open(&full).unwrap(), PatchWiseIndexing::new(&[4, 4, 4])).unwrap().len(),
        12
    );

    let pad = PadDataExtractor::symmetric(&[2, 2, 2], DataExtractor::new(&["images"]));
    let ds_pad = DataSource::new(Dataset::open(&full).unwrap(), PatchWiseIndexing::new(&[4, 4, 4]))
        .unwrap()
        .with_extractor(pad);
    let p = ds_pad.get(0).unwrap();
    let a = p.array::<f32>("images").unwrap();
    assert_eq!(a.shape(), &[8, 8, 8, 2]);
    assert!(a.slice(ndarray::s![0..2, .., .., ..]).iter().all(|&v| v == 0.0));
    assert_eq!(a[[2, 2, 2, 0]], volume(0, 0)[[0, 0, 0]]);

    // The metadata-only dataset, loading the MetaImage files, gives the same samples for every strategy.
    let m = Dataset::open(&meta).unwrap();
    assert!(Source::is_meta_only(&m));
    let strategies: Vec<Box<dyn mia_index::IndexingStrategy>> = vec![
        Box::new(SliceIndexing::new(1)),
        Box::new(PatchWiseIndexing::new(&[4, 4, 4]).ignore_incomplete(false)),
        Box::new(EmptyIndexing),
    ];
    let h5 = std::sync::Arc::new(Dataset::open(&full).unwrap());
    let md = std::sync::Arc::new(m);
    let cache = VolumeCache::new(1 << 20);
    for strategy in strategies {
        let strategy: std::sync::Arc<dyn mia_index::IndexingStrategy> = strategy.into();
        let a = DataSource::from_parts(h5.clone(), Box::new(strategy.clone()))
            .unwrap()
            .with_extractor(DataExtractor::new(&["images", "labels"]));
        let b = DataSource::from_parts(md.clone(), Box::new(strategy.clone()))
            .unwrap()
            .with_extractor(FilesystemDataExtractor::mia_io(&["images", "labels"]).cache(cache.clone()));
        assert_eq!(a.len(), b.len());
        for i in 0..a.len() {
            assert_eq!(a.get(i).unwrap(), b.get(i).unwrap(), "sample {i}");
        }
    }
    // One subject's two categories stay cached (bounded by bytes), not re-decoded per sample.
    assert!(cache.bytes() <= 1 << 20 && !cache.is_empty());
    // Reading pixels from a metadata-only dataset without the file system extractor is a typed error.
    let plain = DataSource::from_parts(md.clone(), Box::new(SliceIndexing::new(0))).unwrap();
    assert!(matches!(plain.get(0), Err(ExtractError::Missing { .. })));
}

#[test]
fn bad_input_on_hdf5() {
    let dir = tempfile::tempdir().unwrap();
    let (full, _) = datasets(dir.path(), "none");
    let ds = DataSource::new(Dataset::open(&full).unwrap(), SliceIndexing::new(0)).unwrap();
    // No meta/image_props (the dataset was created without an image category for it).
    let e = ds.direct_extract(
        &ImagePropertiesExtractor,
        0,
        IndexExpression::whole(),
        None,
        &mut sample_rng(0, 0, 0),
    );
    assert!(matches!(e, Err(ExtractError::Missing { .. })), "{e:?}");
    let e = ds.direct_extract(
        &DataExtractor::new(&["masks"]),
        0,
        IndexExpression::whole(),
        None,
        &mut sample_rng(0, 0, 0),
    );
    assert!(matches!(e, Err(ExtractError::UnknownCategory { .. })), "{e:?}");
    let sel = SelectiveDataExtractor::new(Some(&["FLAIR"]), "images");
    let e = ds.direct_extract(&sel, 0, IndexExpression::whole(), None, &mut sample_rng(0, 0, 0));
    assert!(matches!(e, Err(ExtractError::UnknownChannel { .. })), "{e:?}");
    let e = ds.direct_extract(
        &DataExtractor::default(),
        0,
        IndexExpression::at_axis(1, AxisIndex::Index(8)),
        None,
        &mut sample_rng(0, 0, 0),
    );
    assert!(matches!(e, Err(ExtractError::Index(_))), "{e:?}");
    let e = ds.direct_extract(
        &DataExtractor::default(),
        3,
        IndexExpression::whole(),
        None,
        &mut sample_rng(0, 0, 0),
    );
    assert!(matches!(e, Err(ExtractError::OutOfRange { what: "subject", .. })), "{e:?}");
    assert!(matches!(ds.get(100), Err(ExtractError::OutOfRange { what: "sample", .. })));
}
