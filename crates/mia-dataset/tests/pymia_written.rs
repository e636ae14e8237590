//! mia reads datasets that pymia 0.3.4 wrote.

use std::path::{Path, PathBuf};

use mia_core::PixelType;
use mia_dataset::Dataset;
use mia_index::{AxisIndex, IndexExpression};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pymia_small.h5")
}

/// The values `scripts/pymia_interop/make_fixture.py` wrote.
fn t1(s: usize, z: usize, y: usize, x: usize) -> f32 {
    (1000 * s + 100 * z + 10 * y + x) as f32 + 0.25
}

#[test]
fn reads_the_pymia_fixture() {
    let ds = Dataset::open(&fixture()).unwrap();
    assert_eq!(ds.subjects(), &["S0", "S1", "S2"]);
    // pymia records no category order; HDF5 lists the shape tables of these (libver latest) files in creation order
    assert_eq!(ds.categories(), &["images", "labels", "numerical", "gender"]);
    assert!(!ds.is_meta_only());
    assert!(ds.mia_version().is_none());
    assert_eq!(ds.names("images").unwrap(), vec!["T1", "T2"]);
    assert_eq!(ds.names("numerical").unwrap(), vec!["AGE", "GPA"]);
    assert_eq!(ds.dtype("images").unwrap(), Some(PixelType::F32));
    assert_eq!(ds.dtype("labels").unwrap(), Some(PixelType::U8));
    assert_eq!(ds.dtype("numerical").unwrap(), Some(PixelType::F64));
    assert_eq!(ds.dtype("gender").unwrap(), None);
    for s in 0..3 {
        assert_eq!(ds.shape("images", s).unwrap(), vec![6, 8, 10, 2]);
        assert_eq!(ds.shape("labels", s).unwrap(), vec![6, 8, 10, 1]);
        let img = ds.read("images", s, &IndexExpression::whole()).unwrap();
        let a = img.view::<f32>().unwrap();
        for (z, y, x) in [(0, 0, 0), (5, 7, 9), (2, 3, 4)] {
            assert_eq!(a[[z, y, x, 0]], t1(s, z, y, x));
            assert_eq!(a[[z, y, x, 1]], -t1(s, z, y, x));
        }
        let labels = ds.read("labels", s, &IndexExpression::at_axis(0, AxisIndex::Index(4))).unwrap();
        let l = labels.view::<u8>().unwrap();
        assert_eq!(l.shape(), &[8, 10, 1]);
        assert_eq!(l[[3, 6, 0]], ((4 + 3 + 6 + s) % 4) as u8);
        let num = ds.read("numerical", s, &IndexExpression::whole()).unwrap();
        assert_eq!(num.view::<f64>().unwrap().as_slice().unwrap(), &[30.0 + s as f64, 2.5 + s as f64]);
        assert_eq!(ds.read_strings("gender", s).unwrap(), vec![["m", "f", "m"][s]]);
        let p = ds.image_properties(s).unwrap();
        assert_eq!(p.size(), &[10, 8, 6]);
        assert_eq!(p.spacing(), &[1.0, 2.0, 3.0]);
        assert_eq!(p.origin(), &[10.0 + s as f64, 20.0, 30.0]);
        assert_eq!(p.direction(), &[1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]);
        let files = ds.files("images", s).unwrap();
        let root = ds.file_root().unwrap();
        assert_eq!(
            files,
            vec![root.join(format!("S{s}/S{s}_T1.mha")), root.join(format!("S{s}/S{s}_T2.mha"))]
        );
        // pymia's layout is contiguous: the fast path serves it, and agrees with HDF5's hyperslab read
        assert!(ds.raw_bytes("images", s).unwrap().is_some());
        let patch = IndexExpression::patch(&[1, 2, 3], &[3, 4, 5]);
        let fast = ds.read("images", s, &patch).unwrap();
        let h5: ndarray::ArrayD<f32> = ds
            .hdf5_file()
            .dataset(&format!("data/images/{s}"))
            .unwrap()
            .read_slice(ndarray::s![1..4, 2..6, 3..8, ..])
            .unwrap();
        assert_eq!(fast.view::<f32>().unwrap(), h5.view());
    }
}

/// The pymia example dataset written by pymia itself (scripts/pymia_interop/run.sh sets the variables): every
/// array equals the raw files read with mia-io, cast as pymia's example loader casts them.
#[test]
#[ignore = "needs MIA_PYMIA_DATASET and MIA_PYMIA_DATA (run scripts/pymia_interop/run.sh)"]
fn pymia_written_example_dataset() {
    let path = PathBuf::from(std::env::var("MIA_PYMIA_DATASET").expect("MIA_PYMIA_DATASET"));
    let data = PathBuf::from(std::env::var("MIA_PYMIA_DATA").expect("MIA_PYMIA_DATA"));
    let ds = Dataset::open(&path).unwrap();
    assert_eq!(ds.subjects(), &["Subject_1", "Subject_2", "Subject_3", "Subject_4"]);
    for (s, id) in ds.subjects().iter().enumerate() {
        let gt = mia_io::read_image(data.join(id).join(format!("{id}_GT.mha"))).unwrap();
        let images = ds.read("images", s, &IndexExpression::whole()).unwrap();
        let a = images.view::<f32>().unwrap();
        let g = gt.view::<u8>().unwrap();
        assert_eq!(&a.shape()[..3], g.shape());
        assert!(a.index_axis(ndarray::Axis(3), 0).iter().zip(g.iter()).all(|(&v, &l)| v == l as f32));
        let labels = ds.read("labels", s, &IndexExpression::whole()).unwrap();
        assert!(labels.view::<u8>().unwrap().iter().zip(g.iter()).all(|(a, b)| a == b));
        let mask = mia_io::read_image(data.join(id).join(format!("{id}_MASK.nii.gz"))).unwrap();
        let m = ds.read("mask", s, &IndexExpression::whole()).unwrap();
        assert!(m
            .view::<u8>()
            .unwrap()
            .iter()
            .zip(mask.data().cast(PixelType::U8).view::<u8>().unwrap().iter())
            .all(|(a, b)| a == b));
        let p = ds.image_properties(s).unwrap();
        assert_eq!(p.size(), gt.properties().size());
        assert_eq!(p.origin(), gt.properties().origin());
        assert_eq!(p.direction(), gt.properties().direction());
        let record = mia_dataset::read_record(&data.join(id).join(format!("{id}_demographic.txt"))).unwrap();
        let num = ds.read("numerical", s, &IndexExpression::whole()).unwrap();
        let age: f64 = record[0].1.parse().unwrap();
        let gpa: f64 = record[1].1.parse().unwrap();
        assert_eq!(num.view::<f64>().unwrap().as_slice().unwrap(), &[age, gpa]);
        assert_eq!(ds.read_strings("gender", s).unwrap(), vec![record[2].1.clone()]);
    }
}
