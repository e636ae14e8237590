//! The NIfTI-1 (348 bytes) and NIfTI-2 (540 bytes) headers, parsed into one version-independent struct and
//! written back in either version and byte order.

use std::path::Path;

use crate::raw::ByteOrder;
use crate::{IoError, Result};

/// Size of a NIfTI-1 header in bytes.
pub(crate) const NIFTI1_HEADER_SIZE: usize = 348;
/// Size of a NIfTI-2 header in bytes.
pub(crate) const NIFTI2_HEADER_SIZE: usize = 540;

/// The NIfTI version of a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NiftiVersion {
    /// Analyze 7.5 (a 348-byte header without NIfTI magic): no orientation, no scaling.
    Analyze,
    /// NIfTI-1 (348-byte header, `n+1`/`ni1` magic, single-precision geometry).
    Nifti1,
    /// NIfTI-2 (540-byte header, `n+2`/`ni2` magic, double-precision geometry, 64-bit sizes).
    Nifti2,
}

/// The fields of a NIfTI header that reading and writing need, widened to the NIfTI-2 types.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NiftiHeader {
    pub(crate) version: NiftiVersion,
    pub(crate) order: ByteOrder,
    /// Whether the magic says header and data are in one file (`n+1`, `n+2`).
    pub(crate) single_file: bool,
    pub(crate) dim: [i64; 8],
    pub(crate) intent_code: i32,
    pub(crate) datatype: i16,
    pub(crate) bitpix: i16,
    pub(crate) pixdim: [f64; 8],
    pub(crate) vox_offset: f64,
    pub(crate) scl_slope: f64,
    pub(crate) scl_inter: f64,
    pub(crate) xyzt_units: i32,
    pub(crate) descrip: [u8; 80],
    pub(crate) qform_code: i32,
    pub(crate) sform_code: i32,
    pub(crate) quatern: [f64; 3],
    pub(crate) qoffset: [f64; 3],
    pub(crate) srow: [[f64; 4]; 3],
    /// Analyze 7.5 `orient` byte (offset 252), only meaningful for [`NiftiVersion::Analyze`].
    pub(crate) analyze_orient: u8,
}

impl Default for NiftiHeader {
    fn default() -> Self {
        NiftiHeader {
            version: NiftiVersion::Nifti1,
            order: ByteOrder::Little,
            single_file: true,
            dim: [0, 1, 1, 1, 1, 1, 1, 1],
            intent_code: 0,
            datatype: 0,
            bitpix: 0,
            pixdim: [1.0; 8],
            vox_offset: 0.0,
            scl_slope: 1.0,
            scl_inter: 0.0,
            xyzt_units: 0,
            descrip: [0; 80],
            qform_code: 0,
            sform_code: 0,
            quatern: [0.0; 3],
            qoffset: [0.0; 3],
            srow: [[0.0; 4]; 3],
            analyze_orient: 0,
        }
    }
}

/// Little reader of fixed-offset fields in either byte order.
struct Fields<'a> {
    bytes: &'a [u8],
    order: ByteOrder,
}

impl Fields<'_> {
    fn array<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut a = [0u8; N];
        a.copy_from_slice(&self.bytes[at..at + N]);
        if self.order == ByteOrder::Big {
            a.reverse();
        }
        a
    }
    fn i16(&self, at: usize) -> i16 {
        i16::from_le_bytes(self.array(at))
    }
    fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes(self.array(at))
    }
    fn i64(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.array(at))
    }
    fn f32(&self, at: usize) -> f64 {
        f64::from(f32::from_le_bytes(self.array(at)))
    }
    fn f64(&self, at: usize) -> f64 {
        f64::from_le_bytes(self.array(at))
    }
}

/// Header size (348 or 540) and byte order from the first four bytes, if they look like a NIfTI/Analyze header.
pub(crate) fn sniff(first4: [u8; 4]) -> Option<(usize, ByteOrder)> {
    for (size, order) in [
        (NIFTI1_HEADER_SIZE, ByteOrder::Little),
        (NIFTI1_HEADER_SIZE, ByteOrder::Big),
        (NIFTI2_HEADER_SIZE, ByteOrder::Little),
        (NIFTI2_HEADER_SIZE, ByteOrder::Big),
    ] {
        let v = match order {
            ByteOrder::Little => i32::from_le_bytes(first4),
            ByteOrder::Big => i32::from_be_bytes(first4),
        };
        if v == size as i32 {
            return Some((size, order));
        }
    }
    None
}

impl NiftiHeader {
    /// Parses a header from its bytes (`bytes.len()` must be at least the size `sniff` reported).
    pub(crate) fn parse(path: &Path, bytes: &[u8]) -> Result<NiftiHeader> {
        let first4: [u8; 4] = bytes
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| IoError::header(path, "sizeof_hdr", "file is shorter than a NIfTI header"))?;
        let (size, order) = sniff(first4).ok_or_else(|| {
            IoError::header(
                path,
                "sizeof_hdr",
                format!("{first4:?} is neither 348 nor 540 in either byte order"),
            )
        })?;
        if bytes.len() < size {
            return Err(IoError::header(
                path,
                "sizeof_hdr",
                format!("header declares {size} bytes but the file holds only {}", bytes.len()),
            ));
        }
        let f = Fields { bytes, order };
        let mut h = NiftiHeader { order, ..NiftiHeader::default() };
        if size == NIFTI1_HEADER_SIZE {
            let magic = &bytes[344..348];
            (h.version, h.single_file) = match magic {
                b"n+1\0" => (NiftiVersion::Nifti1, true),
                b"ni1\0" => (NiftiVersion::Nifti1, false),
                _ => (NiftiVersion::Analyze, false),
            };
            for i in 0..8 {
                h.dim[i] = i64::from(f.i16(40 + 2 * i));
                h.pixdim[i] = f.f32(76 + 4 * i);
            }
            h.intent_code = i32::from(f.i16(68));
            h.datatype = f.i16(70);
            h.bitpix = f.i16(72);
            h.vox_offset = f.f32(108);
            h.scl_slope = f.f32(112);
            h.scl_inter = f.f32(116);
            h.xyzt_units = i32::from(bytes[123]);
            h.descrip.copy_from_slice(&bytes[148..228]);
            if h.version == NiftiVersion::Analyze {
                h.analyze_orient = bytes[252];
            } else {
                h.qform_code = i32::from(f.i16(252));
                h.sform_code = i32::from(f.i16(254));
            }
            for i in 0..3 {
                h.quatern[i] = f.f32(256 + 4 * i);
                h.qoffset[i] = f.f32(268 + 4 * i);
                for j in 0..4 {
                    h.srow[i][j] = f.f32(280 + 16 * i + 4 * j);
                }
            }
        } else {
            let magic = &bytes[4..12];
            (h.version, h.single_file) = match &magic[..4] {
                b"n+2\0" => (NiftiVersion::Nifti2, true),
                b"ni2\0" => (NiftiVersion::Nifti2, false),
                _ => {
                    return Err(IoError::header(
                        path,
                        "magic",
                        format!("540-byte header without NIfTI-2 magic: {magic:?}"),
                    ))
                }
            };
            h.datatype = f.i16(12);
            h.bitpix = f.i16(14);
            for i in 0..8 {
                h.dim[i] = f.i64(16 + 8 * i);
                h.pixdim[i] = f.f64(104 + 8 * i);
            }
            h.vox_offset = f.i64(168) as f64;
            h.scl_slope = f.f64(176);
            h.scl_inter = f.f64(184);
            h.descrip.copy_from_slice(&bytes[240..320]);
            h.qform_code = f.i32(344);
            h.sform_code = f.i32(348);
            for i in 0..3 {
                h.quatern[i] = f.f64(352 + 8 * i);
                h.qoffset[i] = f.f64(376 + 8 * i);
                for j in 0..4 {
                    h.srow[i][j] = f.f64(400 + 32 * i + 8 * j);
                }
            }
            h.xyzt_units = f.i32(500);
            h.intent_code = f.i32(504);
        }
        h.validate(path)?;
        Ok(h)
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let ndim = self.dim[0];
        if !(1..=7).contains(&ndim) {
            return Err(IoError::header(path, "dim[0]", format!("{ndim} is not a dimension count in 1..=7")));
        }
        for i in 1..=ndim as usize {
            if self.dim[i] < 1 {
                return Err(IoError::header(
                    path,
                    format!("dim[{i}]"),
                    format!("{} is not positive", self.dim[i]),
                ));
            }
        }
        if !self.vox_offset.is_finite() || self.vox_offset < 0.0 || self.vox_offset > 1e15 {
            return Err(IoError::header(
                path,
                "vox_offset",
                format!("{} is not a valid offset", self.vox_offset),
            ));
        }
        Ok(())
    }

    /// `dim[i]` for `i` in `1..=7`, with the dimensions beyond `dim[0]` read as 1 (as niftilib does).
    pub(crate) fn dim_or_one(&self, i: usize) -> i64 {
        if i as i64 <= self.dim[0] {
            self.dim[i]
        } else {
            1
        }
    }

    /// Serialises the header (without extension flag) in its version and byte order.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let big = self.order == ByteOrder::Big;
        let mut out = Vec::new();
        macro_rules! put {
            ($v:expr) => {{
                let v = $v;
                if big {
                    out.extend_from_slice(&v.to_be_bytes());
                } else {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }};
        }
        match self.version {
            NiftiVersion::Nifti2 => {
                put!(NIFTI2_HEADER_SIZE as i32);
                out.extend_from_slice(if self.single_file { b"n+2\0\r\n\x1a\n" } else { b"ni2\0\r\n\x1a\n" });
                put!(self.datatype);
                put!(self.bitpix);
                self.dim.iter().for_each(|&d| put!(d));
                for _ in 0..3 {
                    put!(0f64); // intent_p1..3
                }
                self.pixdim.iter().for_each(|&p| put!(p));
                put!(self.vox_offset as i64);
                put!(self.scl_slope);
                put!(self.scl_inter);
                put!(0f64); // cal_max
                put!(0f64); // cal_min
                put!(0f64); // slice_duration
                put!(0f64); // toffset
                put!(0i64); // slice_start
                put!(0i64); // slice_end
                out.extend_from_slice(&self.descrip);
                out.extend_from_slice(&[0u8; 24]); // aux_file
                put!(self.qform_code);
                put!(self.sform_code);
                self.quatern.iter().for_each(|&q| put!(q));
                self.qoffset.iter().for_each(|&q| put!(q));
                self.srow.iter().flatten().for_each(|&s| put!(s));
                put!(0i32); // slice_code
                put!(self.xyzt_units);
                put!(self.intent_code);
                out.extend_from_slice(&[0u8; 16]); // intent_name
                out.push(0); // dim_info
                out.extend_from_slice(&[0u8; 15]); // unused_str
                debug_assert_eq!(out.len(), NIFTI2_HEADER_SIZE);
            }
            NiftiVersion::Nifti1 | NiftiVersion::Analyze => {
                put!(NIFTI1_HEADER_SIZE as i32);
                out.extend_from_slice(&[0u8; 10 + 18]); // data_type, db_name
                put!(0i32); // extents
                put!(0i16); // session_error
                out.push(b'r'); // regular
                out.push(0); // dim_info
                self.dim.iter().for_each(|&d| put!(d as i16));
                for _ in 0..3 {
                    put!(0f32); // intent_p1..3
                }
                put!(self.intent_code as i16);
                put!(self.datatype);
                put!(self.bitpix);
                put!(0i16); // slice_start
                self.pixdim.iter().for_each(|&p| put!(p as f32));
                put!(self.vox_offset as f32);
                put!(self.scl_slope as f32);
                put!(self.scl_inter as f32);
                put!(0i16); // slice_end
                out.push(0); // slice_code
                out.push(self.xyzt_units as u8);
                for _ in 0..4 {
                    put!(0f32); // cal_max, cal_min, slice_duration, toffset
                }
                put!(0i32); // glmax
                put!(0i32); // glmin
                out.extend_from_slice(&self.descrip);
                out.extend_from_slice(&[0u8; 24]); // aux_file
                put!(self.qform_code as i16);
                put!(self.sform_code as i16);
                self.quatern.iter().for_each(|&q| put!(q as f32));
                self.qoffset.iter().for_each(|&q| put!(q as f32));
                self.srow.iter().flatten().for_each(|&s| put!(s as f32));
                out.extend_from_slice(&[0u8; 16]); // intent_name
                out.extend_from_slice(if self.single_file { b"n+1\0" } else { b"ni1\0" });
                debug_assert_eq!(out.len(), NIFTI1_HEADER_SIZE);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_versions_and_orders() {
        for version in [NiftiVersion::Nifti1, NiftiVersion::Nifti2] {
            for order in [ByteOrder::Little, ByteOrder::Big] {
                let mut h = NiftiHeader {
                    version,
                    order,
                    dim: [3, 4, 5, 6, 1, 1, 1, 1],
                    datatype: 4,
                    bitpix: 16,
                    pixdim: [-1.0, 0.5, 2.0, 3.0, 1.0, 1.0, 1.0, 1.0],
                    vox_offset: 352.0,
                    scl_slope: 2.0,
                    scl_inter: -1.0,
                    xyzt_units: 10,
                    qform_code: 1,
                    sform_code: 2,
                    quatern: [0.0, 0.5, 0.25],
                    qoffset: [1.0, -2.0, 3.5],
                    srow: [[1.0, 0.0, 0.0, 1.0], [0.0, 2.0, 0.0, -2.0], [0.0, 0.0, 3.0, 3.5]],
                    ..NiftiHeader::default()
                };
                h.descrip[..3].copy_from_slice(b"abc");
                let bytes = h.to_bytes();
                let back = NiftiHeader::parse(Path::new("t.nii"), &bytes).unwrap();
                assert_eq!(back, h);
            }
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(NiftiHeader::parse(Path::new("x"), &[1, 2, 3]).is_err());
        assert!(NiftiHeader::parse(Path::new("x"), &[0u8; 400]).is_err());
        let mut h =
            NiftiHeader { dim: [3, 4, 0, 6, 1, 1, 1, 1], datatype: 2, bitpix: 8, ..Default::default() };
        let e = NiftiHeader::parse(Path::new("x"), &h.to_bytes()).unwrap_err();
        assert!(e.to_string().contains("dim[2]"), "{e}");
        h.dim = [9, 1, 1, 1, 1, 1, 1, 1];
        assert!(NiftiHeader::parse(Path::new("x"), &h.to_bytes()).is_err());
    }
}
