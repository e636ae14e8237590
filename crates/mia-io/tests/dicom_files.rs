//! Every DICOM file of the shared test data loads with SimpleITK's geometry and pixel type and pydicom's voxels.

use std::path::{Path, PathBuf};

use mia_core::{dispatch_image_data, Element, Image, PixelType};
use mia_io::dicom::read_dicom;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dicom")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(data_dir().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// SHA-256 of the values as little-endian i64 (integer types) or f64 (float types), in array order.
fn voxel_sha256(image: &Image, float: bool) -> String {
    let mut hasher = Sha256::new();
    dispatch_image_data!(image.data(), a => {
        for v in a.iter() {
            let v = v.to_f64();
            if float {
                hasher.update(v.to_le_bytes());
            } else {
                hasher.update((v as i64).to_le_bytes());
            }
        }
    });
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn sitk_type(name: &str) -> PixelType {
    match name {
        "8-bit unsigned integer" => PixelType::U8,
        "8-bit signed integer" => PixelType::I8,
        "16-bit unsigned integer" => PixelType::U16,
        "16-bit signed integer" => PixelType::I16,
        "32-bit unsigned integer" => PixelType::U32,
        "32-bit signed integer" => PixelType::I32,
        "32-bit float" => PixelType::F32,
        "64-bit float" => PixelType::F64,
        other => panic!("unexpected SimpleITK type {other}"),
    }
}

fn assert_close(what: &str, actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len(), "{what}: {actual:?} vs {expected:?}");
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= 1e-6 * e.abs().max(1.0), "{what}: {actual:?} vs {expected:?}");
    }
}

fn check_geometry(label: &str, image: &Image, exp: &Value) {
    let p = image.properties();
    let size: Vec<f64> = p.size().iter().map(|&s| s as f64).collect();
    assert_close(&format!("{label} size"), &size, &floats(&exp["size"]));
    assert_close(&format!("{label} spacing"), p.spacing(), &floats(&exp["spacing"]));
    assert_close(&format!("{label} origin"), p.origin(), &floats(&exp["origin"]));
    assert_close(&format!("{label} direction"), p.direction(), &floats(&exp["direction"]));
    assert_eq!(p.components() as u64, exp["components"].as_u64().unwrap(), "{label} components");
    assert_eq!(p.pixel_type(), sitk_type(exp["sitk_pixel_type"].as_str().unwrap()), "{label} pixel type");
}

/// Compares count, min, max, sum and the SHA-256 (over f64 values when `float`: pydicom's rescaled arrays are f64).
fn check_values(label: &str, image: &Image, exp: &Value, float: bool) {
    let (min, max, sum) = image.data().min_max_sum();
    assert_eq!(image.data().len() as u64, exp["n"].as_u64().unwrap(), "{label} count");
    assert_eq!(min, exp["min"].as_f64().unwrap(), "{label} min");
    assert_eq!(max, exp["max"].as_f64().unwrap(), "{label} max");
    assert_eq!(sum, exp["sum"].as_f64().unwrap(), "{label} sum");
    assert_eq!(voxel_sha256(image, float), exp["sha256_le_i8_or_f8"].as_str().unwrap(), "{label} sha256");
}

fn check_file(name: &str) {
    let exp = expected();
    let exp = &exp["files"][name];
    let image = read_dicom(&data_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    check_geometry(name, &image, exp);
    check_values(name, &image, &exp["values"], exp["rescaled"].as_bool().unwrap());
}

#[test]
fn ct_small_explicit_little_endian_with_rescale() {
    check_file("CT_small.dcm");
}

#[test]
fn mr_small_explicit_little_endian() {
    check_file("MR_small.dcm");
}

#[test]
fn mr_small_implicit_little_endian() {
    check_file("MR_small_implicit.dcm");
}

#[test]
fn mr_small_explicit_big_endian() {
    check_file("MR_small_bigendian.dcm");
}

#[test]
fn mr_small_rle_lossless() {
    check_file("MR_small_RLE.dcm");
}

#[test]
fn mr_small_jpeg_2000_lossless() {
    check_file("MR_small_jp2klossless.dcm");
}

/// 12-bit lossy JPEG (JPEG Extended, Process 2 & 4), decoded by mia's own decoder with the accurate integer IDCT
/// of IJG libjpeg, as GDCM does: the voxels equal SimpleITK's bit for bit (`sitk_values`, SHA-256 included).
///
/// pydicom's reference (pylibjpeg, i.e. T. Richter's libjpeg 2.x) rounds its IDCT differently: 3612 of the 262144
/// samples differ by one (3516 lower, 96 higher), so the sum is 3420 lower (3767007 vs 3770427) and its SHA-256
/// cannot match. Lossy JPEG decoders may differ by one in any sample (ITU-T T.83 decoder accuracy), so against
/// pydicom the count, min and max are exact and the sum may differ by one in at most 2% of the samples.
#[test]
fn jpeg_extended_12_bit() {
    let exp = expected();
    let exp = &exp["files"]["JPGExtended.dcm"];
    let image =
        read_dicom(&data_dir().join("JPGExtended.dcm")).unwrap_or_else(|e| panic!("12-bit JPEG: {e}"));
    check_geometry("jpeg 12-bit", &image, exp);
    check_values("jpeg 12-bit vs SimpleITK", &image, &exp["sitk_values"], false);

    let pydicom = &exp["values"];
    let (min, max, sum) = image.data().min_max_sum();
    let n = pydicom["n"].as_f64().unwrap();
    assert_eq!(image.data().len() as f64, n, "count");
    assert_eq!(min, pydicom["min"].as_f64().unwrap(), "min");
    assert_eq!(max, pydicom["max"].as_f64().unwrap(), "max");
    let reference = pydicom["sum"].as_f64().unwrap();
    assert!((sum - reference).abs() <= n * 0.02, "sum {sum} vs pydicom's {reference}");
}

#[test]
fn enhanced_mr_multi_frame() {
    check_file("emri_small.dcm");
}

#[test]
fn rt_dose_multi_frame_with_grid_frame_offsets() {
    check_file("rtdose.dcm");
}

#[test]
#[cfg(feature = "jpeg-ls")]
fn mr_small_jpeg_ls_lossless() {
    check_file("MR_small_jpeg_ls_lossless.dcm");
}

#[test]
#[cfg(not(feature = "jpeg-ls"))]
fn jpeg_ls_without_charls_is_unsupported() {
    let path = data_dir().join("MR_small_jpeg_ls_lossless.dcm");
    match read_dicom(&path) {
        Err(mia_io::IoError::Unsupported { path: p, message }) => {
            assert_eq!(p, path);
            assert!(message.contains("1.2.840.10008.1.2.4.80"), "{message}");
        }
        other => panic!("JPEG-LS without the jpeg-ls feature: {other:?}"),
    }
}

#[test]
fn ct_series_directory_forms_one_volume() {
    let exp = expected();
    let exp = &exp["series_ct5n"];
    let dir = data_dir().join("series_ct5n");
    let image = read_dicom(&dir).unwrap();
    check_geometry("series", &image, exp);
    check_values("series", &image, &exp["values"], false);
    // Slice k of the volume is the k-th file in SimpleITK's order, voxel for voxel.
    let slice_len = 16 * 16;
    let all = image.view::<i32>().unwrap();
    let all: Vec<i32> = all.iter().copied().collect();
    for (k, slice_exp) in exp["slice_values"].as_array().unwrap().iter().enumerate() {
        let values = all[k * slice_len..(k + 1) * slice_len].to_vec();
        let arr = ndarray::ArrayD::from_shape_vec(vec![1, 16, 16], values).unwrap();
        let slice = Image::from_array(arr).unwrap();
        check_values(&format!("slice {k}"), &slice, slice_exp, true);
    }
}

#[test]
fn directory_with_one_file_reads_that_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data_dir().join("MR_small.dcm"), dir.path().join("a.dcm")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a DICOM file").unwrap();
    let image = read_dicom(dir.path()).unwrap();
    assert_eq!(image.properties().size(), &[64, 64, 1]);
}
