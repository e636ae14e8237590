//! One DICOM file: a single frame or a multi-frame volume.

use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, OpenFileOptions};
use mia_core::Image;

use super::header::DicomHeader;
use super::pixels::{decode_into, output_type};
use super::{with_pixel_type, Volume};
use crate::{IoError, Result};

/// Opens a DICOM file completely (pixel data included).
pub(crate) fn open(path: &Path) -> Result<DefaultDicomObject> {
    std::fs::metadata(path).map_err(|e| IoError::io(path, e))?;
    OpenFileOptions::new().open_file(path).map_err(|e| parse_error(path, &e))
}

/// Opens a DICOM file up to (not including) its pixel data.
pub(crate) fn open_header(path: &Path) -> Result<DefaultDicomObject> {
    std::fs::metadata(path).map_err(|e| IoError::io(path, e))?;
    OpenFileOptions::new().read_until(tags::PIXEL_DATA).open_file(path).map_err(|e| parse_error(path, &e))
}

fn parse_error(path: &Path, e: &dyn std::error::Error) -> IoError {
    // The full chain: dicom-object's top-level messages ("Could not parse data set") hide the cause.
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    IoError::header(path, "DICOM data set", format!("not a readable DICOM file: {message}"))
}

/// The SOP class of a file (from its meta group), without padding.
pub(crate) fn sop_class(obj: &DefaultDicomObject) -> String {
    obj.meta().media_storage_sop_class_uid().trim_end_matches(['\0', ' ']).to_string()
}

/// The header of a fully or partially opened file.
pub(crate) fn header_of(path: &Path, obj: &DefaultDicomObject) -> Result<DicomHeader> {
    DicomHeader::from_object(path, obj, &sop_class(obj))
}

/// Reads one DICOM file (single or multi-frame) as a 3-D image.
pub(crate) fn read_file(path: &Path) -> Result<Image> {
    let obj = open(path)?;
    if obj.get(tags::PIXEL_DATA).is_none() {
        return Err(IoError::data(path, "no Pixel Data element (7FE0,0010): not an image, or truncated"));
    }
    let header = header_of(path, &obj)?;
    let volume = Volume {
        size: [header.columns, header.rows, header.frames],
        spacing: [header.spacing_xy[0], header.spacing_xy[1], header.frame_spacing.unwrap_or(1.0)],
        origin: header.position.unwrap_or([0.0; 3]),
        direction: header.direction(),
        components: header.samples_per_pixel,
    };
    with_pixel_type!(output_type(&[&header]), T => {
        let mut values: Vec<T> = Vec::new();
        decode_into(path, &header, &obj, &mut values)?;
        volume.into_image(path, values)
    })
}
