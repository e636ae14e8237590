//! NIfTI ↔ ITK geometry, following ITK's `NiftiImageIO` (ITK 5.3+, as SimpleITK reads NIfTI):
//!
//! * **Choice of transform** (`SetImageIOOrientationFromNIfTI`): with `qform_code == sform_code == 0` the origin
//!   is zero and the direction the identity. Otherwise the sform is preferred when it equals the qform element
//!   by element; else, if the sform is an invertible affine whose scale-free 3×3 part is orthonormal (tolerance
//!   1e-4), it is preferred when the qform is unset, when `sform_code` is `SCANNER_ANAT` (1), or when both codes
//!   are set and sform and qform describe the same rotation, spacing and offset (tolerance 1e-4). Otherwise the
//!   qform is used; with no usable qform either, the file is refused as ITK refuses it.
//! * **RAS → LPS**: origin `(-m03, -m13, m23)`; direction column `j` is column `j` of the chosen matrix with its
//!   first two rows negated, normalised.
//! * **Spacing** is `pixdim[1..]` (zero or non-finite values read as 1, as niftilib does); the first three are
//!   scaled to mm by the space unit of `xyzt_units` (the time unit is ignored, as in ITK).
//!
//! NIfTI-1 matrices are single precision (niftilib's `mat44` is `float`); the values are rounded to `f32` before
//! use so that origin and direction come out bit-for-bit as SimpleITK reports them.

// Matrix code indexes rows and columns explicitly; iterators would hide the formulas.
#![allow(clippy::needless_range_loop)]

use std::path::Path;

use super::header::{NiftiHeader, NiftiVersion};
use crate::{IoError, Result};

/// A 4×4 matrix, row-major.
pub(crate) type Mat4 = [[f64; 4]; 4];

/// Geometry in ITK order (LPS).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Geometry {
    pub(crate) spacing: Vec<f64>,
    pub(crate) origin: Vec<f64>,
    pub(crate) direction: Vec<f64>,
}

/// Rounds to single precision when the header is NIfTI-1 (niftilib's `float` matrices).
fn precision(h: &NiftiHeader) -> fn(f64) -> f64 {
    match h.version {
        NiftiVersion::Nifti2 => |v| v,
        _ => |v| f64::from(v as f32),
    }
}

/// niftilib's grid spacing: `pixdim[i]`, with 0 or non-finite values replaced by 1.
pub(crate) fn pixdim(h: &NiftiHeader, i: usize) -> f64 {
    let p = h.pixdim[i];
    if p == 0.0 || !p.is_finite() {
        1.0
    } else {
        p
    }
}

/// niftilib's `nifti_quatern_to_mat44`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn quatern_to_mat44(q: [f64; 3], offset: [f64; 3], d: [f64; 3], qfac: f64) -> Mat4 {
    let (mut b, mut c, mut dd) = (q[0], q[1], q[2]);
    let mut a = 1.0 - (b * b + c * c + dd * dd);
    if a < 1e-7 {
        a = 1.0 / (b * b + c * c + dd * dd).sqrt();
        b *= a;
        c *= a;
        dd *= a;
        a = 0.0;
    } else {
        a = a.sqrt();
    }
    let xd = if d[0] > 0.0 { d[0] } else { 1.0 };
    let yd = if d[1] > 0.0 { d[1] } else { 1.0 };
    let mut zd = if d[2] > 0.0 { d[2] } else { 1.0 };
    if qfac < 0.0 {
        zd = -zd;
    }
    [
        [
            (a * a + b * b - c * c - dd * dd) * xd,
            2.0 * (b * c - a * dd) * yd,
            2.0 * (b * dd + a * c) * zd,
            offset[0],
        ],
        [
            2.0 * (b * c + a * dd) * xd,
            (a * a + c * c - b * b - dd * dd) * yd,
            2.0 * (c * dd - a * b) * zd,
            offset[1],
        ],
        [
            2.0 * (b * dd - a * c) * xd,
            2.0 * (c * dd + a * b) * yd,
            (a * a + dd * dd - c * c - b * b) * zd,
            offset[2],
        ],
        [0.0, 0.0, 0.0, 1.0],
    ]
}

/// Quaternion `(b, c, d)` and `qfac` of an orthonormal 3×3 rotation (niftilib's `nifti_mat44_to_quatern` for an
/// already orthogonal matrix).
pub(crate) fn rotation_to_quatern(r: [[f64; 3]; 3]) -> ([f64; 3], f64) {
    let mut r = r;
    let det = det3(&r);
    let qfac = if det < 0.0 {
        for row in &mut r {
            row[2] = -row[2];
        }
        -1.0
    } else {
        1.0
    };
    let trace = r[0][0] + r[1][1] + r[2][2] + 1.0;
    let (a, mut b, mut c, mut d): (f64, f64, f64, f64);
    if trace > 0.5 {
        a = 0.5 * trace.sqrt();
        b = 0.25 * (r[2][1] - r[1][2]) / a;
        c = 0.25 * (r[0][2] - r[2][0]) / a;
        d = 0.25 * (r[1][0] - r[0][1]) / a;
    } else {
        let xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
        let yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
        let zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
        if xd > 1.0 {
            b = 0.5 * xd.sqrt();
            c = 0.25 * (r[0][1] + r[1][0]) / b;
            d = 0.25 * (r[0][2] + r[2][0]) / b;
            a = 0.25 * (r[2][1] - r[1][2]) / b;
        } else if yd > 1.0 {
            c = 0.5 * yd.sqrt();
            b = 0.25 * (r[0][1] + r[1][0]) / c;
            d = 0.25 * (r[1][2] + r[2][1]) / c;
            a = 0.25 * (r[0][2] - r[2][0]) / c;
        } else {
            d = 0.5 * zd.sqrt();
            b = 0.25 * (r[0][2] + r[2][0]) / d;
            c = 0.25 * (r[1][2] + r[2][1]) / d;
            a = 0.25 * (r[1][0] - r[0][1]) / d;
        }
        if a < 0.0 {
            b = -b;
            c = -c;
            d = -d;
        }
    }
    ([b, c, d], qfac)
}

fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

fn top3(m: &Mat4) -> [[f64; 3]; 3] {
    let mut r = [[0.0; 3]; 3];
    for i in 0..3 {
        r[i].copy_from_slice(&m[i][..3]);
    }
    r
}

fn column_norm(m: &[[f64; 3]; 3], j: usize) -> f64 {
    (m[0][j] * m[0][j] + m[1][j] * m[1][j] + m[2][j] * m[2][j]).sqrt()
}

/// The 3×3 part with unit columns (scale removed).
fn unit_columns(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut r = *m;
    for j in 0..3 {
        let n = column_norm(m, j);
        if n != 0.0 {
            for row in &mut r {
                row[j] /= n;
            }
        }
    }
    r
}

/// `a · bᵀ` is the identity within `tol` (entry-wise).
fn times_transpose_is_identity(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3], tol: f64) -> bool {
    (0..3).all(|i| {
        (0..3).all(|j| {
            let v: f64 = (0..3).map(|k| a[i][k] * b[j][k]).sum();
            (v - if i == j { 1.0 } else { 0.0 }).abs() <= tol
        })
    })
}

/// ITK's `IsAffine` + orthonormality test of the sform ("decomposable without skew").
fn sform_decomposable_without_skew(s: &Mat4) -> bool {
    let m = top3(s);
    let det = det3(&m);
    let scale = (0..3).map(|j| column_norm(&m, j)).fold(0.0, f64::max);
    if !det.is_finite() || scale == 0.0 || det.abs() <= f64::EPSILON * scale * scale * scale {
        return false;
    }
    let r = unit_columns(&m);
    times_transpose_is_identity(&r, &r, 1e-4)
}

/// ITK's `qform_sform_are_similar`: 3×3 parts equal within 1e-5, translations within 1e-7 (one-norm).
fn element_wise_similar(s: &Mat4, q: &Mat4) -> bool {
    let rot = (0..3).all(|i| (0..3).all(|j| (s[i][j] - q[i][j]).abs() <= 1e-5));
    let col: f64 = (0..4).map(|i| (s[i][3] - q[i][3]).abs()).sum();
    let row: f64 = (0..4).map(|j| (s[3][j] - q[3][j]).abs()).sum();
    rot && col <= 1e-7 && row <= 1e-7
}

/// ITK's `sform_and_qform_are_very_similar` (same rotation, spacing and offset within 1e-4). ITK compares the
/// SVD factors; for the orthonormal-times-scale matrices that reach this test that is the comparison of the
/// scale-free rotations and of the column norms done here.
fn very_similar(s: &Mat4, q: &Mat4) -> bool {
    let (ms, mq) = (top3(s), top3(q));
    let mut ns: Vec<f64> = (0..3).map(|j| column_norm(&ms, j)).collect();
    let mut nq: Vec<f64> = (0..3).map(|j| column_norm(&mq, j)).collect();
    ns.sort_by(f64::total_cmp);
    nq.sort_by(f64::total_cmp);
    let spacing = ns.iter().zip(&nq).all(|(a, b)| (a - b).abs() <= 1e-4);
    let rotation = times_transpose_is_identity(&unit_columns(&ms), &unit_columns(&mq), 1e-4);
    let offsets = (0..3).all(|i| (s[i][3] - q[i][3]).abs() <= 1e-4);
    spacing && rotation && offsets
}

/// The qform matrix as niftilib builds it (`qto_xyz`), in the header's precision.
pub(crate) fn qform_matrix(h: &NiftiHeader) -> Mat4 {
    let p = precision(h);
    let d = [pixdim(h, 1), pixdim(h, 2), pixdim(h, 3)];
    if h.qform_code <= 0 {
        let mut m = [[0.0; 4]; 4];
        for (i, &di) in d.iter().enumerate() {
            m[i][i] = p(di);
        }
        m[3][3] = 1.0;
        return m;
    }
    let qfac = if h.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
    let q = h.quatern.map(p);
    let o = h.qoffset.map(p);
    let m = quatern_to_mat44(q, o, d.map(p), qfac);
    m.map(|row| row.map(p))
}

/// The sform matrix (`sto_xyz`), zero when `sform_code <= 0`.
pub(crate) fn sform_matrix(h: &NiftiHeader) -> Mat4 {
    if h.sform_code <= 0 {
        return [[0.0; 4]; 4];
    }
    let p = precision(h);
    let mut m = [[0.0; 4]; 4];
    for i in 0..3 {
        for j in 0..4 {
            m[i][j] = p(h.srow[i][j]);
        }
    }
    m[3][3] = 1.0;
    m
}

/// Which matrix ITK uses, or `None` for "no orientation" (both codes unknown).
fn choose_matrix(path: &Path, h: &NiftiHeader) -> Result<Option<Mat4>> {
    if h.version == NiftiVersion::Analyze || (h.qform_code <= 0 && h.sform_code <= 0) {
        return Ok(None);
    }
    let (q, s) = (qform_matrix(h), sform_matrix(h));
    let mut prefer_sform = element_wise_similar(&s, &q);
    if (!prefer_sform || h.sform_code > 0) && sform_decomposable_without_skew(&s) {
        if h.qform_code <= 0 && h.sform_code > 0 || h.sform_code == 1 {
            prefer_sform = true;
        } else if h.qform_code > 0 && h.sform_code > 0 {
            prefer_sform = very_similar(&s, &q);
        }
    }
    if prefer_sform {
        Ok(Some(s))
    } else if h.qform_code > 0 {
        Ok(Some(q))
    } else {
        Err(IoError::header(
            path,
            "sform",
            "the sform is not an orthonormal rotation times spacing and there is no qform (ITK refuses such files)",
        ))
    }
}

/// Spacing, origin and direction (ITK order, LPS) of an image with `dims` dimensions.
pub(crate) fn itk_geometry(path: &Path, h: &NiftiHeader, dims: usize) -> Result<Geometry> {
    let space_scale = match h.xyzt_units & 0x07 {
        1 => 1e3,
        3 => 1e-3,
        _ => 1.0,
    };
    // ITK applies `XYZT_TO_TIME` to niftilib's space-only `xyz_units`, so the time unit never scales the
    // fourth spacing: SimpleITK reports `pixdim[4]` as is (checked against SimpleITK 2.3).
    let time_scale = 1.0;
    let spacing: Vec<f64> = (0..dims)
        .map(|i| {
            let scale = match i {
                0..=2 => space_scale,
                3 => time_scale,
                _ => 1.0,
            };
            (precision(h)(pixdim(h, i + 1)) * scale).abs()
        })
        .collect();
    let mut origin = vec![0.0; dims];
    let mut direction = vec![0.0; dims * dims];
    for i in 0..dims {
        direction[i * dims + i] = 1.0;
    }
    if let Some(m) = choose_matrix(path, h)? {
        let n = dims.min(3);
        let sign = |i: usize| if i < 2 { -1.0 } else { 1.0 };
        for (i, o) in origin.iter_mut().enumerate().take(n) {
            *o = sign(i) * m[i][3];
        }
        for j in 0..n {
            let col: Vec<f64> = (0..n).map(|i| sign(i) * m[i][j]).collect();
            let norm = col.iter().map(|v| v * v).sum::<f64>().sqrt();
            for (i, v) in col.iter().enumerate() {
                direction[i * dims + j] = if norm == 0.0 { *v } else { v / norm };
            }
        }
    }
    for (field, values) in [("pixdim", &spacing), ("origin", &origin)] {
        if values.iter().any(|v| !v.is_finite()) {
            return Err(IoError::header(path, field, format!("non-finite values {values:?}")));
        }
    }
    Ok(Geometry { spacing, origin, direction })
}

/// Fills `qform`/`sform` of a header for writing from ITK geometry, as ITK writes (both codes `SCANNER_ANAT`,
/// sform = RAS direction × spacing + RAS origin, qform = quaternion of the orthonormalised direction).
pub(crate) fn set_orientation(h: &mut NiftiHeader, spacing: &[f64], origin: &[f64], direction: &[f64]) {
    let dims = spacing.len();
    let n = dims.min(3);
    let mut r = [[0.0; 3]; 3];
    for (i, row) in r.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for i in 0..n {
        for j in 0..n {
            r[i][j] = direction[i * dims + j];
        }
    }
    // LPS -> RAS.
    for row in r.iter_mut().take(2) {
        for v in row.iter_mut() {
            *v = -*v;
        }
    }
    let mut o = [0.0; 3];
    for i in 0..n {
        o[i] = if i < 2 { -origin[i] } else { origin[i] };
    }
    let mut sp = [1.0; 3];
    sp[..n].copy_from_slice(&spacing[..n]);
    for i in 0..3 {
        for j in 0..3 {
            h.srow[i][j] = r[i][j] * sp[j];
        }
        h.srow[i][3] = o[i];
    }
    let (quatern, qfac) = rotation_to_quatern(orthonormalize(r));
    h.quatern = quatern;
    h.qoffset = o;
    h.pixdim[0] = qfac;
    h.qform_code = 1;
    h.sform_code = 1;
}

/// The nearest orthonormal matrix (polar decomposition by Newton iteration), for writing the qform.
fn orthonormalize(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut x = m;
    for _ in 0..30 {
        let inv_t = match inverse3(&x) {
            Some(inv) => transpose3(&inv),
            None => return m,
        };
        let mut next = [[0.0; 3]; 3];
        let mut delta = 0.0f64;
        for i in 0..3 {
            for j in 0..3 {
                next[i][j] = 0.5 * (x[i][j] + inv_t[i][j]);
                delta = delta.max((next[i][j] - x[i][j]).abs());
            }
        }
        x = next;
        if delta < 1e-15 {
            break;
        }
    }
    x
}

fn transpose3(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut t = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            t[i][j] = m[j][i];
        }
    }
    t
}

fn inverse3(m: &[[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let det = det3(m);
    if det == 0.0 || !det.is_finite() {
        return None;
    }
    let mut inv = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            let (a, b) = ((j + 1) % 3, (j + 2) % 3);
            let (c, d) = ((i + 1) % 3, (i + 2) % 3);
            inv[i][j] = (m[a][c] * m[b][d] - m[a][d] * m[b][c]) / det;
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quaternion_round_trip() {
        let c = 30f64.to_radians().cos();
        let s = 30f64.to_radians().sin();
        for r in [
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            [[-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]],
            [[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, -1.0]],
            [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]],
        ] {
            let (q, qfac) = rotation_to_quatern(r);
            let m = quatern_to_mat44(q, [0.0; 3], [1.0; 3], qfac);
            for i in 0..3 {
                for j in 0..3 {
                    assert!((m[i][j] - r[i][j]).abs() < 1e-12, "{r:?} -> {m:?}");
                }
            }
        }
    }

    #[test]
    fn inverse_and_polar() {
        let m = [[2.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 3.0]];
        let inv = inverse3(&m).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| m[i][k] * inv[k][j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        let r = orthonormalize([[1.0, 0.01, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);
        assert!(times_transpose_is_identity(&r, &r, 1e-12));
    }
}
