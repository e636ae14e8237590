//! NRRD files load with SimpleITK's geometry and voxels; broken ones give typed errors naming the file.

use std::path::{Path, PathBuf};

use mia_core::{dispatch_image_data, Element, Image, PixelType};
use mia_io::nrrd::read_nrrd;
use mia_io::IoError;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/nrrd")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn sha256(image: &Image) -> String {
    let float = image.data().pixel_type().is_float();
    let mut hasher = Sha256::new();
    dispatch_image_data!(image.data(), a => {
        for v in a.iter() {
            let v = v.to_f64();
            if float { hasher.update(v.to_le_bytes()) } else { hasher.update((v as i64).to_le_bytes()) }
        }
    });
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn sitk_type(name: &str) -> PixelType {
    let scalar = name.trim_start_matches("vector of ");
    match scalar {
        "8-bit unsigned integer" => PixelType::U8,
        "16-bit signed integer" => PixelType::I16,
        "16-bit unsigned integer" => PixelType::U16,
        "32-bit float" => PixelType::F32,
        other => panic!("unexpected SimpleITK type {other}"),
    }
}

fn close(what: &str, actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{what}: {actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= 1e-9 * e.abs().max(1.0), "{what}: {actual:?} vs {expected:?}");
    }
}

fn check(name: &str) -> Image {
    let text = std::fs::read_to_string(data_dir().join("expected.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    let exp = &all["files"][name];
    let image = read_nrrd(&data_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let p = image.properties();
    let size: Vec<f64> = p.size().iter().map(|&s| s as f64).collect();
    close("size", &size, &floats(&exp["size"]));
    close(&format!("{name} spacing"), p.spacing(), &floats(&exp["spacing"]));
    if name != "las_rgb_last.nrrd" {
        close(&format!("{name} origin"), p.origin(), &floats(&exp["origin"]));
        close(&format!("{name} direction"), p.direction(), &floats(&exp["direction"]));
    }
    assert_eq!(p.components() as u64, exp["components"].as_u64().unwrap(), "{name}");
    assert_eq!(p.pixel_type(), sitk_type(exp["sitk_pixel_type"].as_str().unwrap()), "{name}");
    let shape: Vec<usize> =
        exp["array_shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    assert_eq!(image.data().shape(), shape.as_slice(), "{name}");
    assert_eq!(sha256(&image), exp["sha256"].as_str().unwrap(), "{name} voxels");
    image
}

#[test]
fn breast_image_gzip_attached() {
    check("breast1_image.nrrd");
}

#[test]
fn breast_label_gzip_attached() {
    let image = check("breast1_label.nrrd");
    assert_eq!(image.data().min_max_sum(), (0.0, 1.0, 143.0));
}

#[test]
fn rotated_slice_detached_raw() {
    let image = check("BrainProtonDensitySliceShifted13x17yDirectionPlus30.nhdr");
    assert_eq!(image.data().min_max_sum(), (1.0, 249.0, 4861905.0));
}

#[test]
fn ras_vector_big_endian_detached_gzip() {
    check("ras_vector.nhdr");
}

#[test]
fn ascii_with_spacings_and_cell_centred_axis_mins() {
    check("ascii_spacings.nrrd");
}

#[test]
fn data_file_list() {
    check("list.nhdr");
}

#[test]
fn las_space_and_component_axis_last() {
    let image = check("las_rgb_last.nrrd");
    // LAS differs from LPS in y: mia negates y (ITK 5.3 negates x instead; origin x = -5 there, see expected.json).
    let p = image.properties();
    assert_eq!(p.origin(), &[5.0, -6.0, 7.0][..]);
    assert_eq!(p.direction(), &[1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0][..]);
}

fn tmp_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

#[test]
fn missing_detached_file_names_it() {
    let header = b"NRRD0004\ntype: uchar\ndimension: 2\nsizes: 4 4\nencoding: raw\ndata file: gone.raw\n";
    let dir = tmp_with(&[("a.nhdr", header)]);
    match read_nrrd(&dir.path().join("a.nhdr")) {
        Err(IoError::Io { path, .. }) => assert_eq!(path, dir.path().join("gone.raw")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn header_declaring_more_data_than_present() {
    // 2^40 voxels declared, 16 bytes present: refused before allocating, naming the data file.
    let header =
        b"NRRD0004\ntype: uchar\ndimension: 2\nsizes: 1048576 1048576\nencoding: raw\ndata file: a.raw\n";
    let dir = tmp_with(&[("a.nhdr", header), ("a.raw", &[7u8; 16])]);
    match read_nrrd(&dir.path().join("a.nhdr")) {
        Err(IoError::Data { path, message }) => {
            assert_eq!(path, dir.path().join("a.raw"));
            assert!(message.contains("16 bytes"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // The same with gzip: the stream ends early.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &[1u8; 100]).unwrap();
    let gz = gz.finish().unwrap();
    let mut attached =
        b"NRRD0004\ntype: short\ndimension: 3\nsizes: 4096 4096 4096\nendian: little\nencoding: gzip\n\n"
            .to_vec();
    attached.extend_from_slice(&gz);
    let dir = tmp_with(&[("b.nrrd", &attached)]);
    assert!(matches!(read_nrrd(&dir.path().join("b.nrrd")), Err(IoError::Data { .. })));
}

#[test]
fn corrupt_inputs_never_panic() {
    let base = std::fs::read(data_dir().join("breast1_label.nrrd")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Truncations at every header line and inside the gzip stream.
    for cut in (0..base.len()).step_by(37) {
        let path = dir.path().join(format!("cut{cut}.nrrd"));
        std::fs::write(&path, &base[..cut]).unwrap();
        let err = read_nrrd(&path).expect_err("truncated file");
        assert!(err.to_string().contains(&format!("cut{cut}.nrrd")), "{err}");
    }
    // Garbage in the gzip stream.
    let mut bad = base.clone();
    let n = bad.len();
    for b in &mut bad[n - 200..n - 100] {
        *b = b.wrapping_mul(31).wrapping_add(7);
    }
    let path = dir.path().join("garbled.nrrd");
    std::fs::write(&path, &bad).unwrap();
    assert!(read_nrrd(&path).is_err());
    // Not NRRD at all.
    let path = dir.path().join("plain.nrrd");
    std::fs::write(&path, b"P5\n4 4\n255\n").unwrap();
    assert!(matches!(read_nrrd(&path), Err(IoError::Header { .. })));
}

#[test]
fn ascii_with_too_few_values() {
    let text = b"NRRD0004\ntype: float\ndimension: 1\nsizes: 5\nencoding: ascii\n\n1 2 3\n";
    let dir = tmp_with(&[("a.nrrd", text)]);
    assert!(matches!(read_nrrd(&dir.path().join("a.nrrd")), Err(IoError::Data { .. })));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Random byte changes anywhere in a real file give an image or an error, never a panic or a huge allocation.
    #[test]
    fn mutated_files_never_panic(edits in proptest::collection::vec((0usize..710, proptest::num::u8::ANY), 1..6)) {
        let mut bytes = std::fs::read(data_dir().join("breast1_label.nrrd")).unwrap();
        for (at, value) in edits {
            let at = at % bytes.len();
            bytes[at] = value;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mutated.nrrd");
        std::fs::write(&path, &bytes).unwrap();
        let _ = read_nrrd(&path);
    }
}
