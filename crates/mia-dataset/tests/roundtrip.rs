//! Round trips through an HDF5 file with synthetic in-memory subjects.

use std::path::{Path, PathBuf};

use mia_core::{Image, ImageData, ImageProperties, PixelType};
use mia_dataset::{
    create_dataset, CreateError, CreateOptions, Dataset, IntensityNormalization, Loaded, MemoryLoader,
    Progress, StoragePolicy, SubjectFiles, Transform, Values,
};
use mia_index::{AxisIndex, IndexExpression};
use ndarray::{ArrayD, Dimension, IxDyn};

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    subjects: Vec<SubjectFiles>,
    loader: MemoryLoader,
}

fn touch(p: &Path) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, p.to_string_lossy().as_bytes()).unwrap();
}

fn volume(shape: &[usize], seed: f32) -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(shape), |ix: IxDyn| {
        seed + ix.slice().iter().fold(0usize, |a, &v| a * 10 + v) as f32 * 0.5
    })
}

/// `n` subjects with images {T1, T2} f32 (z, y, x) = (4, 5, 6), labels {GT} u8, numerical {AGE, GPA}, gender.
fn fixture(n: usize, shape: &[usize]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("raw");
    let mut subjects = Vec::new();
    let mut loader = MemoryLoader::new();
    for i in 0..n {
        let id = format!("Subject_{}", i + 1);
        let p = |name: &str| root.join(&id).join(format!("{id}_{name}"));
        let mut s = SubjectFiles::new(&id);
        let size: Vec<usize> = shape.iter().rev().copied().collect();
        let dim = size.len();
        let props = |t| {
            ImageProperties::new(
                size.clone(),
                (1..=dim).map(|d| d as f64).collect(),
                (0..dim).map(|d| 10.0 * (d + 1) as f64 + i as f64).collect(),
                None,
                1,
                t,
            )
            .unwrap()
        };
        for (k, name) in ["T1", "T2"].iter().enumerate() {
            let f = p(&format!("{name}.mha"));
            touch(&f);
            let img = Image::new(ImageData::F32(volume(shape, (i * 10 + k) as f32)), props(PixelType::F32))
                .unwrap();
            loader.insert_image(&f, img);
            s.add("images", *name, f).unwrap();
        }
        let gt = p("GT.mha");
        touch(&gt);
        let labels = ArrayD::from_shape_fn(IxDyn(shape), |ix| ((ix[0] + ix[1] + i) % 4) as u8);
        loader.insert_image(&gt, Image::new(ImageData::U8(labels), props(PixelType::U8)).unwrap());
        s.add("labels", "GT", gt).unwrap();
        let demo = p("demographic.txt");
        touch(&demo);
        loader.insert(
            &demo,
            Loaded { values: Values::from_record_field(&(20 + i).to_string()), properties: None },
        );
        s.add("numerical", "AGE", &demo).unwrap();
        let gpa = p("gpa.txt");
        touch(&gpa);
        loader.insert(&gpa, Loaded { values: Values::from_record_field("2.5"), properties: None });
        s.add("numerical", "GPA", &gpa).unwrap();
        let g = p("gender.txt");
        touch(&g);
        loader.insert_text(&g, if i % 2 == 0 { "F" } else { "M" });
        s.add("gender", "GENDER", g).unwrap();
        subjects.push(s);
    }
    Fixture { _dir: dir, root, subjects, loader }
}

fn quiet() -> CreateOptions {
    CreateOptions { progress: Progress::Quiet, ..CreateOptions::default() }
}

#[test]
fn pymia_layout_round_trip() {
    let f = fixture(3, &[4, 5, 6]);
    let out = f.root.parent().unwrap().join("data.h5");
    let summary = create_dataset(&f.subjects, &out, &f.loader, &[], &quiet()).unwrap();
    assert_eq!(summary.subjects, 3);
    let ds = Dataset::open(&out).unwrap();
    assert_eq!(ds.subjects(), &["Subject_1", "Subject_2", "Subject_3"]);
    assert_eq!(ds.categories(), &["images", "labels", "numerical", "gender"]);
    assert_eq!(ds.names("images").unwrap(), vec!["T1", "T2"]);
    assert_eq!(ds.names("numerical").unwrap(), vec!["AGE", "GPA"]);
    assert_eq!(ds.shape("images", 1).unwrap(), vec![4, 5, 6, 2]);
    assert_eq!(ds.shape("numerical", 0).unwrap(), vec![1, 2]);
    assert_eq!(ds.shape("gender", 0).unwrap(), vec![1]);
    assert_eq!(ds.dtype("images").unwrap(), Some(PixelType::F32));
    assert_eq!(ds.dtype("labels").unwrap(), Some(PixelType::U8));
    assert_eq!(ds.dtype("numerical").unwrap(), Some(PixelType::F64));
    assert_eq!(ds.dtype("gender").unwrap(), None);
    assert!(!ds.is_meta_only());

    // whole volume: channels stacked last
    let all = ds.read("images", 2, &IndexExpression::whole()).unwrap();
    let a = all.view::<f32>().unwrap();
    assert_eq!(a.shape(), &[4, 5, 6, 2]);
    assert_eq!(a[[1, 2, 3, 0]], volume(&[4, 5, 6], 20.0)[[1, 2, 3]]);
    assert_eq!(a[[1, 2, 3, 1]], volume(&[4, 5, 6], 21.0)[[1, 2, 3]]);
    // slice and patch equal the same part of the whole read
    let slice = ds.read("images", 2, &IndexExpression::at_axis(0, AxisIndex::Index(3))).unwrap();
    assert_eq!(slice.view::<f32>().unwrap(), a.index_axis(ndarray::Axis(0), 3).into_dyn());
    let patch = ds.read("images", 2, &IndexExpression::patch(&[1, 2, 3], &[2, 3, 2])).unwrap();
    assert_eq!(patch.view::<f32>().unwrap(), a.slice(ndarray::s![1..3, 2..5, 3..5, ..]).into_dyn(),);
    // reused buffer
    let mut buf = vec![0f32; 5 * 6 * 2];
    let shape =
        ds.read_into("images", 2, &IndexExpression::at_axis(0, AxisIndex::Index(3)), &mut buf).unwrap();
    assert_eq!(shape, vec![5, 6, 2]);
    assert_eq!(&buf[..], slice.view::<f32>().unwrap().as_slice().unwrap());
    let mut wrong = vec![0u8; 60];
    assert!(ds.read_into("images", 2, &IndexExpression::whole(), &mut wrong).is_err());

    let num = ds.read("numerical", 1, &IndexExpression::whole()).unwrap();
    assert_eq!(num.view::<f64>().unwrap().as_slice().unwrap(), &[21.0, 2.5]);
    assert_eq!(ds.read_strings("gender", 1).unwrap(), vec!["M"]);

    let props = ds.image_properties(1).unwrap();
    assert_eq!(props.size(), &[6, 5, 4]);
    assert_eq!(props.spacing(), &[1.0, 2.0, 3.0]);
    assert_eq!(props.origin(), &[11.0, 21.0, 31.0]);
    assert_eq!(ds.file_root().unwrap(), f.root);
    assert_eq!(
        ds.files("images", 0).unwrap(),
        vec![f.root.join("Subject_1/Subject_1_T1.mha"), f.root.join("Subject_1/Subject_1_T2.mha")]
    );
    let hashes = ds.file_hashes("labels", 0).unwrap().unwrap();
    assert_eq!(hashes.len(), 1);
    assert_eq!(hashes[0], mia_dataset::sha256_file(&f.subjects[0].categories[1].entries[0].1).unwrap());
    assert!(ds.mia_version().is_some());
    assert!(ds.raw_bytes("images", 0).unwrap().is_some());

    // zero-copy views equal the reads (f32 and u8 data of mia's contiguous datasets are aligned in the file)
    for index in [
        IndexExpression::whole(),
        IndexExpression::at_axis(0, AxisIndex::Index(3)),
        IndexExpression::patch(&[1, 2, 3], &[2, 3, 2]),
        IndexExpression::at_axis(2, AxisIndex::Range { start: 1, stop: 4 }),
    ] {
        let view = ds.view::<f32>("images", 2, &index).unwrap().expect("contiguous, aligned");
        assert_eq!(ImageData::F32(view.to_owned()), ds.read("images", 2, &index).unwrap(), "{index}");
        let labels = ds.view::<u8>("labels", 1, &index).unwrap().expect("contiguous");
        assert_eq!(ImageData::U8(labels.to_owned()), ds.read("labels", 1, &index).unwrap(), "{index}");
    }
    assert!(ds.view::<f64>("images", 0, &IndexExpression::whole()).is_err());
    assert!(ds.view::<f32>("images", 0, &IndexExpression::patch(&[3, 0, 0], &[2, 1, 1])).is_err());
}

#[test]
fn chunked_compressed_reads_match_contiguous() {
    let f = fixture(2, &[20, 30, 40]);
    let dir = f.root.parent().unwrap();
    let plain = dir.join("plain.h5");
    let packed = dir.join("packed.h5");
    create_dataset(&f.subjects, &plain, &f.loader, &[], &quiet()).unwrap();
    let opts = CreateOptions { storage: StoragePolicy::compressed(4), ..quiet() };
    create_dataset(&f.subjects, &packed, &f.loader, &[], &opts).unwrap();
    let (p, c) = (Dataset::open(&plain).unwrap(), Dataset::open(&packed).unwrap());
    let st = c.storage("images", 0).unwrap();
    assert_eq!(st.layout, "chunked");
    assert_eq!(st.chunks, Some(vec![8, 30, 40, 2]));
    assert!(st.stored_bytes < st.array_bytes, "{st:?}");
    assert!(c.raw_bytes("images", 0).unwrap().is_none());
    assert!(c.view::<f32>("images", 0, &IndexExpression::whole()).unwrap().is_none());
    for index in [
        IndexExpression::whole(),
        IndexExpression::at_axis(0, AxisIndex::Index(11)),
        IndexExpression::patch(&[3, 4, 5], &[9, 10, 11]),
        IndexExpression::at_axis(2, AxisIndex::Range { start: 7, stop: 9 }),
    ] {
        assert_eq!(p.read("images", 1, &index).unwrap(), c.read("images", 1, &index).unwrap(), "{index}");
    }
}

#[test]
fn uncompressed_chunks_are_read_from_the_file_like_contiguous_arrays() {
    use mia_dataset::Chunking;
    let f = fixture(2, &[20, 30, 40]);
    let dir = f.root.parent().unwrap();
    let plain = dir.join("plain.h5");
    create_dataset(&f.subjects, &plain, &f.loader, &[], &quiet()).unwrap();
    let p = Dataset::open(&plain).unwrap();
    for (name, chunking) in [
        ("auto", Chunking::Auto),
        ("patch grid", Chunking::Shape(vec![10, 15, 20])),
        ("ragged", Chunking::Shape(vec![7, 11, 13, 1])),
    ] {
        let out = dir.join(format!("{name}.h5"));
        let opts =
            CreateOptions { storage: StoragePolicy { chunking, deflate: None, shuffle: false }, ..quiet() };
        create_dataset(&f.subjects, &out, &f.loader, &[], &opts).unwrap();
        let c = Dataset::open(&out).unwrap();
        assert_eq!(c.storage("images", 0).unwrap().layout, "chunked", "{name}");
        assert!(c.raw_bytes("images", 0).unwrap().is_none());
        let mut indices = vec![
            IndexExpression::whole(),
            IndexExpression::at_axis(0, AxisIndex::Index(11)),
            IndexExpression::at_axis(1, AxisIndex::Index(29)),
            IndexExpression::patch(&[10, 15, 20], &[10, 15, 20]),
            IndexExpression::patch(&[3, 4, 5], &[9, 10, 11]),
            IndexExpression::at_axis(2, AxisIndex::Range { start: 7, stop: 9 }),
            IndexExpression::at_axis(3, AxisIndex::Index(1)),
        ];
        for z in [0, 6, 13, 19] {
            for y in [0, 14, 29] {
                indices.push(IndexExpression::patch(&[z, y, 40 - 1 - z], &[1.max(20 - z).min(6), 1, z + 1]));
            }
        }
        for subject in 0..2 {
            for index in &indices {
                let want = p.read("images", subject, index).unwrap();
                assert_eq!(c.read("images", subject, index).unwrap(), want, "{name}: {index}");
                let mut buf = vec![0f32; want.len()];
                c.read_into("images", subject, index, &mut buf).unwrap();
                assert_eq!(&buf[..], want.view::<f32>().unwrap().as_slice().unwrap(), "{name}: {index}");
                let labels = p.read("labels", subject, index);
                if let Ok(labels) = labels {
                    assert_eq!(c.read("labels", subject, index).unwrap(), labels, "{name}: labels {index}");
                }
                // A selection inside one chunk is also a zero-copy view of the file.
                if let Some(view) = c.view::<f32>("images", subject, index).unwrap() {
                    assert_eq!(ImageData::F32(view.to_owned()), want, "{name}: view {index}");
                }
            }
        }
        let one_chunk = match name {
            "auto" => IndexExpression::at_axis(0, AxisIndex::Index(11)),
            "patch grid" => IndexExpression::patch(&[10, 15, 20], &[10, 15, 20]),
            _ => IndexExpression::new(vec![
                AxisIndex::Range { start: 7, stop: 14 },
                AxisIndex::Range { start: 11, stop: 22 },
                AxisIndex::Range { start: 13, stop: 26 },
                AxisIndex::Index(1),
            ]),
        };
        assert!(c.view::<f32>("images", 1, &one_chunk).unwrap().is_some(), "{name}: {one_chunk}");
        let spanning = IndexExpression::patch(&[3, 4, 5], &[9, 10, 11]);
        assert!(c.view::<f32>("images", 1, &spanning).unwrap().is_none(), "{name}: {spanning}");
    }
}

#[test]
fn metadata_only_has_no_pixels() {
    let f = fixture(2, &[4, 5, 6]);
    let out = f.root.parent().unwrap().join("meta.h5");
    create_dataset(&f.subjects, &out, &f.loader, &[], &CreateOptions { meta_only: true, ..quiet() }).unwrap();
    let ds = Dataset::open(&out).unwrap();
    assert!(ds.is_meta_only());
    assert!(!ds.hdf5_file().link_exists("data"));
    assert_eq!(ds.names("images").unwrap(), vec!["T1", "T2"]);
    assert_eq!(ds.shape("images", 0).unwrap(), vec![4, 5, 6, 2]);
    assert_eq!(ds.dtype("images").unwrap(), Some(PixelType::F32));
    assert_eq!(ds.dtype("gender").unwrap(), None);
    assert_eq!(ds.image_properties(0).unwrap().size(), &[6, 5, 4]);
    assert_eq!(ds.files("labels", 1).unwrap(), vec![f.root.join("Subject_2/Subject_2_GT.mha")]);
    let e = ds.read("images", 0, &IndexExpression::whole()).unwrap_err();
    assert!(e.to_string().contains("metadata-only"), "{e}");
}

#[test]
fn two_dimensional_images_get_two_column_properties() {
    let f = fixture(2, &[5, 6]);
    let out = f.root.parent().unwrap().join("flat.h5");
    create_dataset(&f.subjects, &out, &f.loader, &[], &quiet()).unwrap();
    let ds = Dataset::open(&out).unwrap();
    assert_eq!(ds.shape("images", 0).unwrap(), vec![5, 6, 2]);
    let p = ds.image_properties(1).unwrap();
    assert_eq!(
        (p.size(), p.spacing(), p.direction()),
        (&[6usize, 5][..], &[1.0, 2.0][..], &[1.0, 0.0, 0.0, 1.0][..])
    );
}

#[test]
fn normalisation_and_anonymisation() {
    let f = fixture(2, &[4, 5, 6]);
    let out = f.root.parent().unwrap().join("norm.h5");
    let t: Vec<Box<dyn Transform>> = vec![Box::new(IntensityNormalization::new(vec!["images".into()]))];
    create_dataset(&f.subjects, &out, &f.loader, &t, &CreateOptions { anonymize: true, ..quiet() }).unwrap();
    let ds = Dataset::open(&out).unwrap();
    assert_eq!(ds.subjects(), &["subject_0", "subject_1"]);
    let d = ds.read("images", 0, &IndexExpression::whole()).unwrap();
    let a = d.view::<f32>().unwrap();
    for c in 0..2 {
        let ch = a.index_axis(ndarray::Axis(3), c);
        let mean = ch.iter().map(|&v| v as f64).sum::<f64>() / ch.len() as f64;
        let var = ch.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / ch.len() as f64;
        assert!(mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-5, "channel {c}: {mean} {var}");
    }
}

#[test]
fn failures_leave_nothing_at_the_target() {
    let f = fixture(3, &[4, 5, 6]);
    let dir = f.root.parent().unwrap();
    let out = dir.join("bad.h5");
    // inconsistent channel shapes within subject 2
    let mut loader = f.loader.clone();
    let t2 = f.subjects[1].categories[0].entries[1].1.clone();
    loader.insert_image(&t2, Image::from_array(volume(&[4, 5, 7], 0.0)).unwrap());
    let e = create_dataset(&f.subjects, &out, &loader, &[], &quiet()).unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(e, CreateError::Inconsistent { .. }) && msg.contains("Subject_2") && msg.contains("T2.mha"),
        "{msg}"
    );
    // a file the loader cannot load
    let mut loader = f.loader.clone();
    let gt = f.subjects[2].categories[1].entries[0].1.clone();
    loader.insert(
        &gt,
        Loaded { values: Values::Text(ArrayD::from_elem(IxDyn(&[4, 5, 6]), "x".into())), properties: None },
    );
    let e = create_dataset(&f.subjects, &out, &MemoryLoader::new(), &[], &quiet()).unwrap_err();
    assert!(matches!(e, CreateError::Load { index: 0, .. }) && e.to_string().contains("Subject_1"), "{e}");
    // missing file
    let mut subjects = f.subjects.clone();
    subjects[1].categories[0].entries[0].1 = dir.join("nope.mha");
    let e = create_dataset(&subjects, &out, &f.loader, &[], &quiet()).unwrap_err();
    assert!(e.to_string().contains("nope.mha") && e.to_string().contains("Subject_2"), "{e}");
    // duplicate subject ids
    let mut subjects = f.subjects.clone();
    subjects[2].subject = "Subject_1".into();
    assert!(create_dataset(&subjects, &out, &f.loader, &[], &quiet())
        .unwrap_err()
        .to_string()
        .contains("duplicate"));
    assert!(!out.exists());
    let leftovers: Vec<_> =
        std::fs::read_dir(dir).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert!(leftovers.iter().all(|n| !n.to_string_lossy().contains(".tmp-")), "{leftovers:?}");
    // existing target without force
    std::fs::write(&out, b"keep me").unwrap();
    let e = create_dataset(&f.subjects, &out, &f.loader, &[], &quiet()).unwrap_err();
    assert!(matches!(e, CreateError::TargetExists(_)), "{e}");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    create_dataset(&f.subjects, &out, &f.loader, &[], &CreateOptions { force: true, ..quiet() }).unwrap();
    assert_eq!(Dataset::open(&out).unwrap().subjects().len(), 3);
}
