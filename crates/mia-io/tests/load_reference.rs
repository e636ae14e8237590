//! Every NIfTI and MetaImage test file loads with the voxels and geometry SimpleITK reports
//! (`tests/data/nifti/sitk_reference.json`, written by `tests/data/nifti/generate_synthetic.py`), and the
//! NIfTI-2 file (which SimpleITK 2.3 cannot read) matches nibabel's affine under ITK's RAS → LPS rules.

use std::path::{Path, PathBuf};

use mia_core::{dispatch_image_data, Element, Image};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// SHA-256 of the voxels in array (storage) order, each as little-endian i64 (integers) or f64 (floats).
fn voxel_sha256(image: &Image) -> String {
    let mut hasher = Sha256::new();
    let is_float = image.properties().pixel_type().is_float();
    dispatch_image_data!(image.data(), a => {
        for &v in a.iter() {
            let v = Element::to_f64(v);
            if is_float {
                hasher.update(v.to_le_bytes());
            } else {
                hasher.update((v as i64).to_le_bytes());
            }
        }
    });
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn numpy_dtype(image: &Image) -> &'static str {
    use mia_core::PixelType::*;
    match image.properties().pixel_type() {
        U8 => "uint8",
        I8 => "int8",
        U16 => "uint16",
        I16 => "int16",
        U32 => "uint32",
        I32 => "int32",
        U64 => "uint64",
        I64 => "int64",
        F32 => "float32",
        F64 => "float64",
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn assert_close(what: &str, file: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{file}: {what} length: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol, "{file}: {what} {got:?} vs SimpleITK {want:?}");
    }
}

#[test]
fn every_file_matches_simpleitk() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir().join("nifti/sitk_reference.json")).unwrap())
            .unwrap();
    let mut checked = 0;
    for (file, expected) in reference.as_object().unwrap() {
        if file.starts_with('_') {
            continue;
        }
        let path = data_dir().join("nifti").join(file);
        let result = mia_io::read_image(&path);
        // SimpleITK 2.3 has no NIfTI-2 reader; mia reads it (checked against nibabel below).
        if expected.get("error").is_some() && file.contains("nifti2") {
            continue;
        }
        if expected.get("error").is_some() {
            assert!(result.is_err(), "{file}: SimpleITK refuses it ({}), mia read it", expected["error"]);
            checked += 1;
            continue;
        }
        let image = result.unwrap_or_else(|e| panic!("{file}: {e}"));
        let p = image.properties();
        let size: Vec<f64> = p.size().iter().map(|&s| s as f64).collect();
        assert_eq!(size, floats(&expected["size"]), "{file}: size");
        assert_eq!(p.components() as u64, expected["components"].as_u64().unwrap(), "{file}: components");
        assert_eq!(numpy_dtype(&image), expected["dtype"].as_str().unwrap(), "{file}: pixel type");
        assert_close("spacing", file, p.spacing(), &floats(&expected["spacing"]), 1e-12);
        assert_close("origin", file, p.origin(), &floats(&expected["origin"]), 1e-9);
        assert_close("direction", file, p.direction(), &floats(&expected["direction"]), 1e-9);
        let (min, max, sum) = image.data().min_max_sum();
        // serde_json parses decimals to within one f64 ulp; exactness is checked by the voxel hash below.
        let want = [expected["min"].as_f64().unwrap(), expected["max"].as_f64().unwrap()];
        assert_close("min/max", file, &[min, max], &want, 1e-12 * max.abs().max(1.0));
        let want_sum = expected["sum"].as_f64().unwrap();
        assert!((sum - want_sum).abs() <= 1e-9 * want_sum.abs().max(1.0), "{file}: sum {sum} vs {want_sum}");
        assert_eq!(voxel_sha256(&image), expected["sha256"].as_str().unwrap(), "{file}: voxels differ");
        checked += 1;
    }
    assert!(checked >= 29, "only {checked} reference files checked");
}

#[test]
#[allow(clippy::needless_range_loop)]
fn nifti2_matches_nibabel_under_itk_rules() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir().join("reference_values.json")).unwrap())
            .unwrap();
    let key = "nifti/nibabel_example_nifti2_4d.nii.gz";
    let expected = &reference[key];
    let image = mia_io::read_image(data_dir().join(key)).unwrap();
    let p = image.properties();
    assert_eq!(p.size(), &[32, 20, 12, 2]);
    assert_eq!(p.pixel_type(), mia_core::PixelType::I16);
    let affine: Vec<Vec<f64>> = expected["affine"].as_array().unwrap().iter().map(floats).collect();
    // LPS origin: first two rows negated; direction: normalised columns with the first two rows negated.
    assert_close("origin", key, &p.origin()[..3], &[-affine[0][3], -affine[1][3], affine[2][3]], 1e-5);
    for j in 0..3 {
        let col: Vec<f64> = (0..3).map(|i| if i < 2 { -affine[i][j] } else { affine[i][j] }).collect();
        let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - p.spacing()[j]).abs() < 1e-5, "{key}: spacing {j}");
        let got: Vec<f64> = (0..3).map(|i| p.direction()[i * 4 + j]).collect();
        assert_close("direction column", key, &got, &col.iter().map(|v| v / norm).collect::<Vec<_>>(), 1e-5);
    }
    let stored = &expected["stored"];
    let (min, max, sum) = image.data().min_max_sum();
    assert_eq!(
        (min, max, sum),
        (stored["min"].as_f64().unwrap(), stored["max"].as_f64().unwrap(), stored["sum"].as_f64().unwrap())
    );
    // nibabel hashes in (x, y, z, t) Fortran order = mia's C order over (t, z, y, x).
    assert_eq!(voxel_sha256(&image), stored["sha256_le_i8_or_f8"].as_str().unwrap());
}

#[test]
fn stored_voxels_match_nibabel_for_every_nifti1_file() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir().join("reference_values.json")).unwrap())
            .unwrap();
    for (key, expected) in reference.as_object().unwrap() {
        if !key.starts_with("nifti/") || expected.get("scl_slope_inter").is_some() {
            continue;
        }
        let image = mia_io::read_image(data_dir().join(key)).unwrap_or_else(|e| panic!("{key}: {e}"));
        let shape: Vec<u64> =
            expected["shape_xyz"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        let size: Vec<u64> = image.properties().size().iter().map(|&s| s as u64).collect();
        assert_eq!(size, shape, "{key}");
        assert_eq!(voxel_sha256(&image), expected["stored"]["sha256_le_i8_or_f8"].as_str().unwrap(), "{key}");
    }
}
