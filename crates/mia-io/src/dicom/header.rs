//! The attributes of one DICOM file that decide its voxel layout and geometry.

use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_object::mem::InMemDicomObject;
use dicom_object::Tag;

use crate::{IoError, Result};

/// SOP classes whose in-plane spacing GDCM takes from Nominal Scanned Pixel Spacing (0018,2010).
const SECONDARY_CAPTURE: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.7",
    "1.2.840.10008.5.1.4.1.1.7.1",
    "1.2.840.10008.5.1.4.1.1.7.2",
    "1.2.840.10008.5.1.4.1.1.7.3",
    "1.2.840.10008.5.1.4.1.1.7.4",
];

/// SOP classes whose in-plane spacing GDCM takes from Imager Pixel Spacing (0018,1164): CR, DX, MG, XA, RF.
const PROJECTION: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.1",
    "1.2.840.10008.5.1.4.1.1.1.1",
    "1.2.840.10008.5.1.4.1.1.1.1.1",
    "1.2.840.10008.5.1.4.1.1.1.2",
    "1.2.840.10008.5.1.4.1.1.1.2.1",
    "1.2.840.10008.5.1.4.1.1.12.1",
    "1.2.840.10008.5.1.4.1.1.12.2",
];

/// RT Dose Storage: frame spacing from Grid Frame Offset Vector (3004,000C).
const RT_DOSE: &str = "1.2.840.10008.5.1.4.1.1.481.2";

/// SOP classes whose slice spacing GDCM takes from Spacing Between Slices (0018,0088): MR and NM.
const SPACING_BETWEEN_SLICES: &[&str] = &["1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.20"];

/// Enhanced multi-frame SOP classes: geometry lives in the functional group sequences only.
const ENHANCED: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.2.1",
    "1.2.840.10008.5.1.4.1.1.2.2",
    "1.2.840.10008.5.1.4.1.1.4.1",
    "1.2.840.10008.5.1.4.1.1.4.3",
    "1.2.840.10008.5.1.4.1.1.4.4",
    "1.2.840.10008.5.1.4.1.1.6.2",
    "1.2.840.10008.5.1.4.1.1.13.1.1",
    "1.2.840.10008.5.1.4.1.1.13.1.2",
    "1.2.840.10008.5.1.4.1.1.13.1.3",
    "1.2.840.10008.5.1.4.1.1.128.1",
    "1.2.840.10008.5.1.4.1.1.130",
];

/// Layout, value mapping and geometry of one DICOM file (everything but the pixel data).
#[derive(Debug, Clone)]
pub(crate) struct DicomHeader {
    pub(crate) rows: usize,
    pub(crate) columns: usize,
    pub(crate) frames: usize,
    pub(crate) samples_per_pixel: usize,
    pub(crate) bits_allocated: u16,
    pub(crate) bits_stored: u16,
    pub(crate) signed: bool,
    pub(crate) slope: f64,
    pub(crate) intercept: f64,
    /// In-plane spacing in ITK order (x = column spacing, y = row spacing).
    pub(crate) spacing_xy: [f64; 2],
    /// Image Position (Patient) of the first frame.
    pub(crate) position: Option<[f64; 3]>,
    /// Image Orientation (Patient): row cosine then column cosine.
    pub(crate) orientation: Option<[f64; 6]>,
    /// Distance between frames of a multi-frame file, when the file states one.
    pub(crate) frame_spacing: Option<f64>,
    pub(crate) series_uid: Option<String>,
}

impl DicomHeader {
    /// Reads the header attributes of `obj` (a file's data set), naming `path` in every error.
    pub(crate) fn from_object(path: &Path, obj: &InMemDicomObject, sop_class: &str) -> Result<Self> {
        let rows = required_uint(path, obj, tags::ROWS, "Rows")?;
        let columns = required_uint(path, obj, tags::COLUMNS, "Columns")?;
        if rows == 0 || columns == 0 {
            return Err(IoError::header(path, "Rows/Columns", format!("image of {columns} x {rows} pixels")));
        }
        let frames = match obj.get(tags::NUMBER_OF_FRAMES) {
            Some(e) => match e.to_int::<i64>() {
                Ok(n) if n >= 1 => n as usize,
                // An empty Number of Frames means one frame, as every toolkit reads it.
                Err(_) if e.to_str().map(|s| s.trim().is_empty()).unwrap_or(false) => 1,
                other => {
                    return Err(IoError::header(
                        path,
                        "NumberOfFrames",
                        format!("expected a positive integer, got {other:?}"),
                    ))
                }
            },
            None => 1,
        };
        let samples_per_pixel =
            optional_uint(path, obj, tags::SAMPLES_PER_PIXEL, "SamplesPerPixel")?.unwrap_or(1);
        if samples_per_pixel != 1 && samples_per_pixel != 3 {
            return Err(IoError::header(
                path,
                "SamplesPerPixel",
                format!("{samples_per_pixel} samples per pixel (1 or 3 supported)"),
            ));
        }
        let bits_allocated = required_uint(path, obj, tags::BITS_ALLOCATED, "BitsAllocated")? as u16;
        if !matches!(bits_allocated, 8 | 16 | 32) {
            return Err(IoError::unsupported(
                path,
                format!("BitsAllocated = {bits_allocated} (8, 16 and 32 are supported)"),
            ));
        }
        let bits_stored =
            optional_uint(path, obj, tags::BITS_STORED, "BitsStored")?.unwrap_or(bits_allocated as usize);
        if bits_stored == 0 || bits_stored > bits_allocated as usize {
            return Err(IoError::header(
                path,
                "BitsStored",
                format!("{bits_stored} bits stored in {bits_allocated} bits allocated"),
            ));
        }
        let signed =
            optional_uint(path, obj, tags::PIXEL_REPRESENTATION, "PixelRepresentation")?.unwrap_or(0) == 1;
        let photometric = obj
            .get(tags::PHOTOMETRIC_INTERPRETATION)
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim().to_ascii_uppercase())
            .unwrap_or_else(|| "MONOCHROME2".to_string());
        if photometric == "PALETTE COLOR" {
            return Err(IoError::unsupported(path, "PALETTE COLOR images (lookup table) are not supported"));
        }

        // Functional groups of enhanced multi-frame objects: shared first, then the first frame's.
        let shared = first_item(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
        let per_frame = obj.get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE).and_then(|e| e.items());
        let first_frame = per_frame.and_then(|items| items.first());
        let groups: Vec<&InMemDicomObject> = shared.into_iter().chain(first_frame).collect();
        let enhanced = !groups.is_empty() || ENHANCED.contains(&sop_class);

        let (slope, intercept) = rescale(path, obj, &groups)?;

        let from_groups =
            |seq: Tag, tag: Tag| groups.iter().find_map(|g| first_item(g, seq).and_then(|s| s.get(tag)));
        let spacing_element = if enhanced {
            from_groups(tags::PIXEL_MEASURES_SEQUENCE, tags::PIXEL_SPACING)
        } else if SECONDARY_CAPTURE.contains(&sop_class) {
            obj.get(tags::NOMINAL_SCANNED_PIXEL_SPACING)
        } else if PROJECTION.contains(&sop_class) {
            obj.get(tags::IMAGER_PIXEL_SPACING).or_else(|| obj.get(tags::PIXEL_SPACING))
        } else {
            obj.get(tags::PIXEL_SPACING)
        };
        let spacing_xy = match spacing_element.map(|e| e.to_multi_float64()) {
            None => [1.0, 1.0],
            Some(Ok(v)) if v.len() == 2 && v.iter().all(|x| x.is_finite() && *x > 0.0) => [v[1], v[0]],
            Some(other) => {
                return Err(IoError::header(
                    path,
                    "PixelSpacing",
                    format!("expected two positive numbers, got {other:?}"),
                ))
            }
        };

        let position_element = if enhanced {
            first_frame
                .and_then(|g| first_item(g, tags::PLANE_POSITION_SEQUENCE))
                .and_then(|s| s.get(tags::IMAGE_POSITION_PATIENT))
                .or_else(|| obj.get(tags::IMAGE_POSITION_PATIENT))
        } else {
            obj.get(tags::IMAGE_POSITION_PATIENT)
        };
        let position = fixed_floats::<3>(path, position_element, "ImagePositionPatient")?;
        let orientation_element = if enhanced {
            from_groups(tags::PLANE_ORIENTATION_SEQUENCE, tags::IMAGE_ORIENTATION_PATIENT)
                .or_else(|| obj.get(tags::IMAGE_ORIENTATION_PATIENT))
        } else {
            obj.get(tags::IMAGE_ORIENTATION_PATIENT)
        };
        let orientation = fixed_floats::<6>(path, orientation_element, "ImageOrientationPatient")?;
        if let Some(o) = orientation {
            let n = cross([o[0], o[1], o[2]], [o[3], o[4], o[5]]);
            if dot(n, n).sqrt() < 1e-3 {
                return Err(IoError::header(
                    path,
                    "ImageOrientationPatient",
                    format!("row and column cosines are parallel or zero: {o:?}"),
                ));
            }
        }

        // Slice spacing as GDCM's GetSpacingValue: functional groups (enhanced), Grid Frame Offset Vector (RT
        // Dose), Spacing Between Slices (MR, NM, also for a single frame); none otherwise. An enhanced object without
        // Spacing Between Slices falls back to the distance of its first two frames' positions (GDCM: none).
        let frame_spacing = if enhanced {
            match from_groups(tags::PIXEL_MEASURES_SEQUENCE, tags::SPACING_BETWEEN_SLICES) {
                Some(e) => positive(path, e.to_float64().ok(), "SpacingBetweenSlices")?,
                None => per_frame_spacing(per_frame.unwrap_or(&[]), orientation),
            }
        } else if sop_class == RT_DOSE {
            grid_frame_spacing(path, obj)?
        } else if SPACING_BETWEEN_SLICES.contains(&sop_class) {
            match obj.get(tags::SPACING_BETWEEN_SLICES) {
                Some(e) => positive(path, e.to_float64().ok(), "SpacingBetweenSlices")?,
                None => None,
            }
        } else {
            None
        };

        Ok(DicomHeader {
            rows,
            columns,
            frames,
            samples_per_pixel,
            bits_allocated,
            bits_stored: bits_stored as u16,
            signed,
            slope,
            intercept,
            spacing_xy,
            position,
            orientation,
            frame_spacing,
            series_uid: obj
                .get(tags::SERIES_INSTANCE_UID)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string()),
        })
    }

    /// Number of stored samples in one frame.
    pub(crate) fn frame_samples(&self) -> usize {
        self.rows * self.columns * self.samples_per_pixel
    }

    /// Whether values are mapped through Rescale Slope/Intercept.
    pub(crate) fn has_rescale(&self) -> bool {
        self.slope != 1.0 || self.intercept != 0.0
    }

    /// The range of stored values that Bits Stored and Pixel Representation allow.
    pub(crate) fn stored_range(&self) -> (f64, f64) {
        let bits = i32::from(self.bits_stored);
        if self.signed {
            (-(2f64.powi(bits - 1)), 2f64.powi(bits - 1) - 1.0)
        } else {
            (0.0, 2f64.powi(bits) - 1.0)
        }
    }

    /// Direction matrix (row-major 3 × 3) whose columns are the row cosine, column cosine and slice normal,
    /// orthonormalised as ITK's GDCMImageIO does; identity without Image Orientation (Patient).
    pub(crate) fn direction(&self) -> [f64; 9] {
        let Some(o) = self.orientation else {
            return [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        };
        let row = [o[0], o[1], o[2]];
        let col = [o[3], o[4], o[5]];
        let normal = normalize(cross(row, col));
        let row = normalize(cross(col, normal));
        let col = cross(normal, row);
        [row[0], col[0], normal[0], row[1], col[1], normal[1], row[2], col[2], normal[2]]
    }

    /// The slice normal (third direction column).
    pub(crate) fn normal(&self) -> [f64; 3] {
        let d = self.direction();
        [d[2], d[5], d[8]]
    }
}

fn required_uint(path: &Path, obj: &InMemDicomObject, tag: Tag, name: &str) -> Result<usize> {
    optional_uint(path, obj, tag, name)?
        .ok_or_else(|| IoError::header(path, name, "missing (required to decode the pixel data)"))
}

fn optional_uint(path: &Path, obj: &InMemDicomObject, tag: Tag, name: &str) -> Result<Option<usize>> {
    match obj.get(tag) {
        None => Ok(None),
        Some(e) => e
            .to_int::<u32>()
            .map(|v| Some(v as usize))
            .map_err(|err| IoError::header(path, name, format!("not an unsigned integer: {err}"))),
    }
}

fn first_item(obj: &InMemDicomObject, seq: Tag) -> Option<&InMemDicomObject> {
    obj.get(seq).and_then(|e| e.items()).and_then(|items| items.first())
}

fn fixed_floats<const N: usize>(
    path: &Path,
    element: Option<&dicom_object::mem::InMemElement>,
    name: &str,
) -> Result<Option<[f64; N]>> {
    let Some(element) = element else { return Ok(None) };
    let values = element.to_multi_float64().unwrap_or_default();
    if values.is_empty() {
        // Present but empty (type 2 attribute): treat as absent, as GDCM does.
        return Ok(None);
    }
    if values.len() != N || values.iter().any(|v| !v.is_finite()) {
        return Err(IoError::header(path, name, format!("expected {N} finite numbers, got {values:?}")));
    }
    let mut out = [0.0; N];
    out.copy_from_slice(&values);
    Ok(Some(out))
}

fn positive(path: &Path, value: Option<f64>, name: &str) -> Result<Option<f64>> {
    match value {
        Some(v) if v.is_finite() && v > 0.0 => Ok(Some(v)),
        // Zero or negative spacing between slices occurs in the wild; fall back to the default spacing.
        Some(v) if v.is_finite() => Ok(None),
        Some(v) => Err(IoError::header(path, name, format!("not a finite number: {v}"))),
        None => Ok(None),
    }
}

/// Rescale slope and intercept: top level, else the Pixel Value Transformation functional group.
fn rescale(path: &Path, obj: &InMemDicomObject, groups: &[&InMemDicomObject]) -> Result<(f64, f64)> {
    let find = |tag: Tag| {
        obj.get(tag).or_else(|| {
            groups.iter().find_map(|g| {
                first_item(g, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE).and_then(|s| s.get(tag))
            })
        })
    };
    let value = |tag: Tag, name: &str, default: f64| -> Result<f64> {
        match find(tag) {
            None => Ok(default),
            Some(e) => match e.to_float64() {
                Ok(v) if v.is_finite() => Ok(v),
                Ok(v) => Err(IoError::header(path, name, format!("not a finite number: {v}"))),
                Err(_) if e.to_str().map(|s| s.trim().is_empty()).unwrap_or(false) => Ok(default),
                Err(err) => Err(IoError::header(path, name, format!("not a number: {err}"))),
            },
        }
    };
    let slope = value(tags::RESCALE_SLOPE, "RescaleSlope", 1.0)?;
    let intercept = value(tags::RESCALE_INTERCEPT, "RescaleIntercept", 0.0)?;
    if slope == 0.0 {
        return Err(IoError::header(path, "RescaleSlope", "slope is zero"));
    }
    Ok((slope, intercept))
}

/// Frame spacing of RT Dose grids: the step of Grid Frame Offset Vector (must be uniform).
fn grid_frame_spacing(path: &Path, obj: &InMemDicomObject) -> Result<Option<f64>> {
    let Some(e) = obj.get(tags::GRID_FRAME_OFFSET_VECTOR) else { return Ok(None) };
    let offsets = e.to_multi_float64().unwrap_or_default();
    if offsets.len() < 2 {
        return Ok(None);
    }
    let step = offsets[1] - offsets[0];
    let uniform = offsets.windows(2).all(|w| ((w[1] - w[0]) - step).abs() <= 1e-4 * step.abs().max(1.0));
    if !uniform || step == 0.0 || !step.is_finite() {
        return Err(IoError::header(
            path,
            "GridFrameOffsetVector",
            format!("frames are not evenly spaced: {offsets:?}"),
        ));
    }
    Ok(Some(step.abs()))
}

/// Frame spacing from the first two frames' Plane Position Sequence, projected on the slice normal.
fn per_frame_spacing(per_frame: &[InMemDicomObject], orientation: Option<[f64; 6]>) -> Option<f64> {
    let position = |item: &InMemDicomObject| {
        first_item(item, tags::PLANE_POSITION_SEQUENCE)
            .and_then(|s| s.get(tags::IMAGE_POSITION_PATIENT))
            .and_then(|e| e.to_multi_float64().ok())
            .filter(|v| v.len() == 3)
    };
    let (a, b) = (position(per_frame.first()?)?, position(per_frame.get(1)?)?);
    let o = orientation.unwrap_or([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    let n = normalize(cross([o[0], o[1], o[2]], [o[3], o[4], o[5]]));
    let d = (0..3).map(|i| (b[i] - a[i]) * n[i]).sum::<f64>().abs();
    (d.is_finite() && d > 0.0).then_some(d)
}

pub(crate) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalize(v: [f64; 3]) -> [f64; 3] {
    let n = dot(v, v).sqrt();
    if n > 0.0 && n.is_finite() {
        [v[0] / n, v[1] / n, v[2] / n]
    } else {
        [0.0, 0.0, 1.0]
    }
}
