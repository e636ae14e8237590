//! Shared helpers of the parity tests: the shared reference data, NIfTI cases, value comparison.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use mia_metrics::MetricValue;
use ndarray::ArrayD;
use nifti::{IntoNdArray, NiftiObject, ReaderOptions};
use serde_json::Value;

/// `shared/parity` beside the repository (`/work/shared` locally, `../shared` next to the CI clone).
/// Missing data is a failure, not a skip: the CI runner lays `shared/` beside the clone.
pub fn parity_dir() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/parity"));
    assert!(
        dir.join("pymia_values.json").is_file(),
        "parity data missing: expected {} (shared/ must lie beside the repository)",
        dir.display()
    );
    dir.to_path_buf()
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A NIfTI image as SimpleITK + `GetArrayFromImage` give it: array in numpy (z, y, x) order, spacing
/// from pixdim (f32 → f64, exactly) reversed to numpy order.
pub struct Volume {
    pub data: ArrayD<f64>,
    pub data_f32: ArrayD<f32>,
    pub spacing_zyx: Vec<f64>,
}

pub fn read_nifti(path: &Path) -> Volume {
    let obj = ReaderOptions::new().read_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = obj.header().clone();
    let ndim = usize::from(header.dim[0]);
    let spacing_xyz: Vec<f64> = header.pixdim[1..=ndim].iter().map(|&s| f64::from(s)).collect();
    let data_f32 =
        obj.into_volume().into_ndarray::<f32>().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let data_f32 = data_f32.reversed_axes().as_standard_layout().into_owned();
    Volume { data: data_f32.mapv(f64::from), data_f32, spacing_zyx: spacing_xyz.into_iter().rev().collect() }
}

/// A reference value from the JSON files: a number or "inf"/"-inf"/"nan".
pub fn json_number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("number"),
        Value::String(s) => match s.as_str() {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            "nan" => f64::NAN,
            other => panic!("unexpected value {other:?}"),
        },
        other => panic!("unexpected value {other:?}"),
    }
}

/// Compare one value; returns a mismatch description or `None`.
///
/// Exact for non-finite values and integers; otherwise relative `rtol` (absolute `rtol` near 0).
/// Every non-finite value must carry a reason, every finite value none.
pub fn mismatch(got: &MetricValue, expected: f64, integer: Option<bool>, rtol: f64) -> Option<String> {
    if got.value.is_finite() != got.reason.is_none() {
        return Some(format!("value {} with reason {:?}", got.value, got.reason));
    }
    if let Some(int) = integer {
        if got.integer != int {
            return Some(format!("integer flag {} but pymia type int={int}", got.integer));
        }
    }
    let ok = if expected.is_nan() {
        got.value.is_nan()
    } else if !expected.is_finite() || integer == Some(true) {
        got.value == expected
    } else {
        (got.value - expected).abs() <= rtol * expected.abs().max(1e-300)
            || (got.value - expected).abs() <= 1e-15
    };
    (!ok).then(|| format!("got {:?}, expected {expected:?} (rtol {rtol:e})", got.value))
}
