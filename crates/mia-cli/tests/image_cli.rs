//! `mia image info` / `mia image convert` on real files (copied into mia-io's test data) and bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

fn mia() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mia"))
}

fn io_data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mia-io/tests/data").join(rel)
}

fn info(path: &Path) -> serde_json::Value {
    let out = mia().args(["image", "info", "--json"]).arg(path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.trim().lines().count(), 1, "one JSON object on one line: {text}");
    serde_json::from_str(&text).unwrap()
}

#[test]
fn info_json_reports_simpleitk_geometry_and_scaled_values() {
    let v = info(&io_data("nifti/nibabel_functional_4d_scaled.nii"));
    assert_eq!(v["size"], serde_json::json!([17, 21, 3, 20]));
    assert_eq!(v["components"], 1);
    assert_eq!(v["pixel_type"], "f32");
    assert_eq!(v["spacing"], serde_json::json!([4.0, 4.0, 8.0, 2.0]));
    assert_eq!(v["origin"], serde_json::json!([-32.0, 40.0, 0.0, 0.0]));
    assert_eq!(v["direction"].as_array().unwrap().len(), 16);
    // SimpleITK 2.3: min 629.826171875, max 5571.6220703125, sum 77913290.39703369 (f32 after scl_slope/inter).
    assert_eq!(v["min"].as_f64().unwrap(), 629.826171875);
    assert_eq!(v["max"].as_f64().unwrap(), 5571.6220703125);
    assert!((v["sum"].as_f64().unwrap() - 77913290.39703369).abs() < 1e-3);

    let v = info(&io_data("metaimage/itk_kmeans_seg.mha"));
    assert_eq!(v["size"], serde_json::json!([128, 128, 62]));
    assert_eq!(v["pixel_type"], "u8");
    assert_eq!(v["direction"], serde_json::json!([1.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 1.0, 0.0]));
    assert_eq!(v["sum"].as_f64().unwrap(), 1753763.0);
}

#[test]
fn info_table_is_readable() {
    let out = mia().args(["image", "info"]).arg(io_data("nifti/itk_kmeans_t1.nii.gz")).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("size        128 x 128 x 62"), "{text}");
    assert!(text.contains("pixel type  i16"), "{text}");
    assert!(text.contains("direction"), "{text}");
}

#[test]
fn convert_keeps_geometry_and_voxels() {
    let dir = tempfile::tempdir().unwrap();
    let input = io_data("nifti/dipy_aniso_vox_lps.nii.gz");
    let before = info(&input);
    for name in ["out.mha", "out.nii", "out.mhd"] {
        let output = dir.path().join(name);
        let status =
            mia().args(["image", "convert"]).arg(&input).arg(&output).arg("--compress").status().unwrap();
        assert!(status.success(), "{name}");
        let after = info(&output);
        for key in ["size", "components", "pixel_type", "spacing", "min", "max", "sum"] {
            assert_eq!(after[key], before[key], "{name}: {key}");
        }
        let close = |k: &str, tol: f64| {
            let (a, b) = (after[k].as_array().unwrap(), before[k].as_array().unwrap());
            a.iter().zip(b).all(|(x, y)| (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() <= tol)
        };
        // NIfTI stores geometry in single precision.
        assert!(close("origin", 1e-4) && close("direction", 1e-6), "{name}: {after} vs {before}");
    }
}

#[test]
fn bad_input_fails_with_a_message_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.nii");
    std::fs::write(&bad, b"not an image at all").unwrap();
    let out = mia().args(["image", "info", "--json"]).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.nii"), "{err}");

    let out = mia()
        .args(["image", "convert"])
        .arg(io_data("nifti/itk_kmeans_seg.nii.gz"))
        .arg(dir.path().join("x.xyz"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("x.xyz"));
}
