//! A directory holding one DICOM series → one 3-D volume.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use mia_core::Image;
use rayon::prelude::*;

use super::header::{dot, DicomHeader};
use super::pixels::{decode_into, output_type};
use super::single::{header_of, open, open_header, read_file, sop_class};
use super::{with_pixel_type, Volume};
use crate::{IoError, Result};

/// Media Storage Directory (DICOMDIR): an index, not an image.
const DICOMDIR: &str = "1.2.840.10008.1.3.10";

/// Tolerances for deciding whether the slices of a series form one regular volume.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesConfig {
    /// Largest allowed deviation of a slice distance from the mean slice distance, relative to the mean
    /// (also bounds how far a slice may sit off the line along the slice normal). Default `0.01`.
    pub spacing_tolerance: f64,
    /// Largest allowed difference between the direction cosines of two slices. Default `1e-4`.
    pub orientation_tolerance: f64,
}

impl Default for SeriesConfig {
    fn default() -> Self {
        SeriesConfig { spacing_tolerance: 0.01, orientation_tolerance: 1e-4 }
    }
}

struct Slice {
    path: PathBuf,
    header: DicomHeader,
    /// Position along the slice normal.
    location: f64,
}

/// Reads every DICOM image file of directory `dir` (not recursing) as one volume sorted along the slice normal.
///
/// Files without the `DICM` signature that do not parse as DICOM, DICOMDIR indexes and non-image objects
/// (no Rows attribute) are skipped; a file with the signature that does not parse is an error.
pub fn read_dicom_series(dir: &Path, config: &SeriesConfig) -> Result<Image> {
    let files = list_files(dir)?;
    let mut slices = Vec::new();
    for path in files {
        let signed = has_dicm_signature(&path).map_err(|e| IoError::io(&path, e))?;
        let obj = match open_header(&path) {
            Ok(obj) => obj,
            Err(_) if !signed => continue,
            Err(e) => return Err(e),
        };
        if sop_class(&obj) == DICOMDIR || obj.get(dicom_dictionary_std::tags::ROWS).is_none() {
            continue;
        }
        let header = header_of(&path, &obj)?;
        slices.push(Slice { path, header, location: 0.0 });
    }
    let series_error = |message: String| IoError::Series { path: dir.to_path_buf(), message };
    match slices.len() {
        0 => return Err(series_error("no DICOM image files in the directory".into())),
        1 => return read_file(&slices[0].path),
        _ => {}
    }

    check_one_series(&slices).map_err(series_error)?;
    check_same_layout(&slices, config).map_err(series_error)?;
    sort_and_space(&mut slices, config).map_err(series_error)?;
    let spacing_z = if slices.len() > 1 {
        (slices[slices.len() - 1].location - slices[0].location) / (slices.len() - 1) as f64
    } else {
        1.0
    };

    let first = &slices[0].header;
    let volume = Volume {
        size: [first.columns, first.rows, slices.len()],
        spacing: [first.spacing_xy[0], first.spacing_xy[1], spacing_z],
        origin: first.position.unwrap_or([0.0; 3]),
        direction: first.direction(),
        components: first.samples_per_pixel,
    };
    let headers: Vec<&DicomHeader> = slices.iter().map(|s| &s.header).collect();
    with_pixel_type!(output_type(&headers), T => {
        let mut values: Vec<T> = Vec::new();
        let total = first.frame_samples().checked_mul(slices.len()).ok_or_else(|| {
            series_error(format!("{} slices of {} samples overflow", slices.len(), first.frame_samples()))
        })?;
        values.try_reserve_exact(total).map_err(|e| IoError::data(dir, format!("cannot allocate {total} values: {e}")))?;
        // Slices decode in parallel, each into its own buffer (sized by its decoded data), then join in order.
        let decoded: Vec<Result<Vec<T>>> = slices
            .par_iter()
            .map(|slice| {
                let obj = open(&slice.path)?;
                let header = header_of(&slice.path, &obj)?;
                let mut part = Vec::new();
                decode_into(&slice.path, &header, &obj, &mut part)?;
                Ok(part)
            })
            .collect();
        for part in decoded {
            values.extend_from_slice(&part?);
        }
        volume.into_image(dir, values)
    })
}

fn list_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| IoError::io(dir, e))? {
        let entry = entry.map_err(|e| IoError::io(dir, e))?;
        let path = entry.path();
        if std::fs::metadata(&path).map(|m| m.is_file()).unwrap_or(false) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn has_dicm_signature(path: &Path) -> std::io::Result<bool> {
    let mut head = [0u8; 132];
    let mut file = std::fs::File::open(path)?;
    let mut read = 0;
    while read < head.len() {
        match file.read(&mut head[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read == head.len() && &head[128..] == b"DICM")
}

fn name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

fn check_one_series(slices: &[Slice]) -> std::result::Result<(), String> {
    let mut by_uid: BTreeMap<String, Vec<&Path>> = BTreeMap::new();
    for s in slices {
        let uid = s.header.series_uid.clone().unwrap_or_else(|| "(no SeriesInstanceUID)".into());
        by_uid.entry(uid).or_default().push(&s.path);
    }
    if by_uid.len() > 1 {
        let list: Vec<String> = by_uid
            .iter()
            .map(|(uid, files)| format!("{uid} ({} files, e.g. {})", files.len(), name(files[0])))
            .collect();
        return Err(format!("the directory mixes {} series: {}", by_uid.len(), list.join("; ")));
    }
    Ok(())
}

fn check_same_layout(slices: &[Slice], config: &SeriesConfig) -> std::result::Result<(), String> {
    let (f, fh) = (&slices[0].path, &slices[0].header);
    for s in slices {
        let h = &s.header;
        if h.frames != 1 {
            return Err(format!(
                "{} is a multi-frame file ({} frames) inside a series of files",
                name(&s.path),
                h.frames
            ));
        }
        let layout = |h: &DicomHeader| (h.columns, h.rows, h.samples_per_pixel, h.bits_allocated, h.signed);
        if layout(h) != layout(fh) {
            return Err(format!(
                "slices differ in size or pixel format: {} has columns, rows, samples, bits, signed = {:?}, {} has {:?}",
                name(f),
                layout(fh),
                name(&s.path),
                layout(h)
            ));
        }
        let tol = config.spacing_tolerance * fh.spacing_xy[0].min(fh.spacing_xy[1]);
        if (0..2).any(|i| (h.spacing_xy[i] - fh.spacing_xy[i]).abs() > tol) {
            return Err(format!(
                "slices differ in pixel spacing: {} has {:?}, {} has {:?} (x, y)",
                name(f),
                fh.spacing_xy,
                name(&s.path),
                h.spacing_xy
            ));
        }
        let (Some(o), Some(fo)) = (h.orientation, fh.orientation) else {
            let missing = if h.orientation.is_none() { &s.path } else { f };
            return Err(format!(
                "{} has no ImageOrientationPatient: slices cannot be ordered",
                name(missing)
            ));
        };
        if h.position.is_none() {
            return Err(format!("{} has no ImagePositionPatient: slices cannot be ordered", name(&s.path)));
        }
        let (n, fnormal) = (h.normal(), fh.normal());
        if dot(n, fnormal) < 1.0 - config.orientation_tolerance {
            return Err(format!(
                "slices are not parallel: {} has normal {:?}, {} has normal {:?}",
                name(f),
                fnormal,
                name(&s.path),
                n
            ));
        }
        if o.iter().zip(&fo).any(|(a, b)| (a - b).abs() > config.orientation_tolerance) {
            return Err(format!(
                "slices differ in orientation: {} has ImageOrientationPatient {:?}, {} has {:?}",
                name(f),
                fo,
                name(&s.path),
                o
            ));
        }
    }
    Ok(())
}

/// Sorts the slices along the normal of the first slice and checks that they are evenly spaced along it.
fn sort_and_space(slices: &mut [Slice], config: &SeriesConfig) -> std::result::Result<(), String> {
    let normal = slices[0].header.normal();
    for s in slices.iter_mut() {
        s.location = dot(s.header.position.unwrap_or([0.0; 3]), normal);
    }
    slices.sort_by(|a, b| a.location.total_cmp(&b.location));
    let n = slices.len();
    let mean = (slices[n - 1].location - slices[0].location) / (n - 1) as f64;
    let tol = (config.spacing_tolerance * mean).max(1e-4);
    for w in slices.windows(2) {
        let d = w[1].location - w[0].location;
        if d <= tol {
            return Err(format!(
                "{} and {} lie at the same position along the slice normal ({:.4} mm apart): several \
                 acquisitions or time points in one series cannot form one volume",
                name(&w[0].path),
                name(&w[1].path),
                d
            ));
        }
    }
    // Report the pair that deviates most: a missing slice shows as one distance of about twice the others.
    let worst = slices
        .windows(2)
        .map(|w| (w, w[1].location - w[0].location))
        .max_by(|a, b| (a.1 - mean).abs().total_cmp(&(b.1 - mean).abs()));
    if let Some((w, d)) = worst {
        if (d - mean).abs() > tol {
            let smallest =
                slices.windows(2).map(|w| w[1].location - w[0].location).fold(f64::INFINITY, f64::min);
            return Err(format!(
                "slices are not evenly spaced: {} and {} are {:.4} mm apart, the closest slices {:.4} mm, the mean \
                 distance is {:.4} mm (a missing slice leaves a gap)",
                name(&w[0].path),
                name(&w[1].path),
                d,
                smallest,
                mean
            ));
        }
    }
    // Every slice must lie on the line through the first slice along the normal (no in-plane shift).
    let p0 = slices[0].header.position.unwrap_or([0.0; 3]);
    for s in slices.iter() {
        let p = s.header.position.unwrap_or([0.0; 3]);
        let d = [p[0] - p0[0], p[1] - p0[1], p[2] - p0[2]];
        let along = dot(d, normal);
        let off = [d[0] - along * normal[0], d[1] - along * normal[1], d[2] - along * normal[2]];
        let off = dot(off, off).sqrt();
        if off > tol {
            return Err(format!(
                "{} is shifted {:.4} mm in-plane from the first slice {} (gantry tilt or sheared stack)",
                name(&s.path),
                off,
                name(&slices[0].path)
            ));
        }
    }
    Ok(())
}
