//! Round trip from pymia's example data (../shared/data/pymia-example, beside the repository): the description
//! file collects the subjects, FileLoader loads them through mia-io, and every stored array equals the raw file.

use std::path::{Path, PathBuf};

use mia_core::PixelType;
use mia_dataset::{create_dataset, CreateOptions, Dataset, FileLoader, Progress, SubjectsConfig};
use mia_index::IndexExpression;

fn example_data() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/pymia-example");
    assert!(
        p.is_dir(),
        "pymia example data missing at {} (the shared folder beside the repository)",
        p.display()
    );
    p
}

#[test]
fn example_data_round_trip() {
    let data = example_data();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("subjects.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pymia_interop/example_subjects.toml"),
    )
    .unwrap()
    .replace("root = \"../shared/data/pymia-example\"", &format!("root = {:?}", data.display().to_string()));
    std::fs::write(&config, text).unwrap();
    let cfg = SubjectsConfig::load(&config).unwrap();
    assert_eq!(cfg.subjects.len(), 4);
    let mut loader = FileLoader::new();
    for (c, p) in &cfg.casts {
        loader = loader.cast(c.clone(), *p);
    }
    let out = dir.path().join("example.h5");
    let options = CreateOptions { progress: Progress::Quiet, ..CreateOptions::default() };
    // two subjects keep the test quick on two cores
    create_dataset(&cfg.subjects[..2], &out, &loader, &[], &options).unwrap();
    let ds = Dataset::open(&out).unwrap();
    assert_eq!(ds.subjects(), &["Subject_1", "Subject_2"]);
    assert_eq!(ds.categories(), &["images", "labels", "mask", "numerical", "gender"]);
    assert_eq!(ds.dtype("images").unwrap(), Some(PixelType::F32));
    assert_eq!(ds.dtype("numerical").unwrap(), Some(PixelType::F64));
    assert_eq!(ds.shape("images", 0).unwrap(), vec![181, 217, 181, 2]);
    assert_eq!(ds.shape("numerical", 0).unwrap(), vec![1, 2]);
    assert_eq!(ds.shape("gender", 0).unwrap(), vec![1]);
    for (s, id) in ["Subject_1", "Subject_2"].iter().enumerate() {
        let gt = mia_io::read_image(data.join(id).join(format!("{id}_GT.mha"))).unwrap();
        let pred = mia_io::read_image(data.join(id).join(format!("{id}_PRED_eroded.mha"))).unwrap();
        let images = ds.read("images", s, &IndexExpression::whole()).unwrap();
        let a = images.view::<f32>().unwrap();
        let (g, p) = (gt.view::<u8>().unwrap(), pred.view::<u8>().unwrap());
        assert!(a.index_axis(ndarray::Axis(3), 0).iter().zip(g.iter()).all(|(&v, &l)| v == f32::from(l)));
        assert!(a.index_axis(ndarray::Axis(3), 1).iter().zip(p.iter()).all(|(&v, &l)| v == f32::from(l)));
        let props = ds.image_properties(s).unwrap();
        assert_eq!(props.size(), &[181, 217, 181]);
        assert_eq!(props.origin(), gt.properties().origin());
        assert_eq!(props.direction(), gt.properties().direction());
        assert_eq!(props.spacing(), gt.properties().spacing());
        let record = mia_dataset::read_record(&data.join(id).join(format!("{id}_demographic.txt"))).unwrap();
        let num = ds.read("numerical", s, &IndexExpression::whole()).unwrap();
        let expected: Vec<f64> = record[..2].iter().map(|(_, v)| v.parse().unwrap()).collect();
        assert_eq!(num.view::<f64>().unwrap().as_slice().unwrap(), expected.as_slice());
        assert_eq!(ds.read_strings("gender", s).unwrap(), vec![record[2].1.clone()]);
        assert_eq!(
            ds.files("mask", s).unwrap(),
            vec![data.canonicalize().unwrap().join(id).join(format!("{id}_MASK.nii.gz"))]
        );
        let hashes = ds.file_hashes("labels", s).unwrap().unwrap();
        assert_eq!(hashes[0], mia_dataset::sha256_file(&data.join(id).join(format!("{id}_GT.mha"))).unwrap());
    }
    let label_counts = {
        let l = ds.read("labels", 0, &IndexExpression::whole()).unwrap();
        let mut counts = [0usize; 6];
        for &v in l.view::<u8>().unwrap().iter() {
            counts[v as usize] += 1;
        }
        counts
    };
    // pymia-reference.md §9.1: Subject_1 label voxel counts
    assert_eq!(label_counts, [6351573, 338204, 397516, 6862, 2449, 12533]);
}
