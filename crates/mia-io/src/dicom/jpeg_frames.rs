//! 12-bit lossy JPEG pixel data (JPEG Extended, Process 2 & 4): the encapsulated frames of a DICOM object,
//! decoded with mia's own decoder ([`super::jpeg12`]), since `dicom-pixeldata`'s JPEG decoder has no 12-bit
//! precision.

use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;

use super::header::DicomHeader;
use super::jpeg12::{self, FrameInfo, JpegError};
use crate::{IoError, Result};

/// JPEG Baseline (Process 1).
const JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";
/// JPEG Extended (Process 2 & 4).
const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";

/// The transfer syntax of `obj`, without padding.
fn transfer_syntax(obj: &DefaultDicomObject) -> &str {
    obj.meta().transfer_syntax().trim_end_matches(['\0', ' '])
}

/// The encapsulated fragments of the pixel data, if it is encapsulated.
fn fragments(obj: &DefaultDicomObject) -> Option<&[Vec<u8>]> {
    obj.get(tags::PIXEL_DATA)?.value().fragments()
}

/// Whether mia decodes the pixel data itself: a JPEG baseline/extended transfer syntax whose first frame has
/// 12-bit precision.
pub(crate) fn wants_own_decoder(obj: &DefaultDicomObject) -> bool {
    matches!(transfer_syntax(obj), JPEG_BASELINE | JPEG_EXTENDED) && first_precision(obj) == Some(12)
}

/// The sample precision of the first frame's JPEG stream, when the pixel data holds one.
pub(crate) fn first_precision(obj: &DefaultDicomObject) -> Option<u8> {
    let first = fragments(obj)?.iter().find(|f| !f.is_empty())?;
    jpeg12::frame_info(first).map(|info| info.precision)
}

/// Decodes every frame of the pixel data and returns the samples as native-endian integers of Bits Allocated
/// (8, 16 or 32 bits), in array order (frame, row, column, sample).
pub(crate) fn decode_frames(path: &Path, header: &DicomHeader, obj: &DefaultDicomObject) -> Result<Vec<u8>> {
    let ts = transfer_syntax(obj).to_string();
    let fragments = fragments(obj).ok_or_else(|| {
        IoError::data(path, format!("transfer syntax {ts} but the pixel data is not encapsulated"))
    })?;
    let width = usize::from(header.bits_allocated / 8);
    if !matches!(width, 1 | 2 | 4) {
        return Err(IoError::data(
            path,
            format!("Bits Allocated {} for JPEG pixel data", header.bits_allocated),
        ));
    }
    // Grown frame by frame (a header that declares more frames than the data holds allocates nothing for them).
    let mut out: Vec<u8> = Vec::new();
    if fragments.len() == header.frames {
        // One fragment per frame.
        for (frame, data) in fragments.iter().enumerate() {
            decode_frame(path, header, &ts, data, frame, &mut out)?;
        }
    } else {
        // Frames spread over several fragments: the concatenated stream holds the frames one after another.
        let stream = concatenate(path, fragments)?;
        let mut pos = 0;
        for frame in 0..header.frames {
            let start = find_soi(&stream, pos).ok_or_else(|| {
                IoError::data(
                    path,
                    format!("pixel data holds {frame} JPEG frames, the header declares {}", header.frames),
                )
            })?;
            let rest = stream.get(start..).unwrap_or_default();
            pos = start + decode_frame(path, header, &ts, rest, frame, &mut out)?;
        }
    }
    Ok(out)
}

/// Decodes the JPEG stream at the start of `data` as frame `frame` (0-based), appends its samples to `out`;
/// returns the bytes the stream used.
fn decode_frame(
    path: &Path,
    header: &DicomHeader,
    ts: &str,
    data: &[u8],
    frame: usize,
    out: &mut Vec<u8>,
) -> Result<usize> {
    let info = jpeg12::frame_info(data).ok_or_else(|| {
        IoError::data(path, format!("frame {}: no JPEG frame header (SOF0/SOF1)", frame + 1))
    })?;
    check_info(path, header, &info, frame)?;
    let width = usize::from(header.bits_allocated / 8);
    let (image, used) = jpeg12::decode(data).map_err(|e| {
        let message = format!("frame {} of {} (transfer syntax {ts}): {e}", frame + 1, header.frames);
        match e {
            JpegError::Unsupported(_) => IoError::unsupported(path, message),
            JpegError::Corrupt(_) => IoError::data(path, message),
        }
    })?;
    let bytes = image.samples.len() * width;
    out.try_reserve(bytes).map_err(|e| IoError::data(path, format!("cannot allocate {bytes} bytes: {e}")))?;
    match width {
        // `check_info` refused a precision above Bits Allocated: 8-bit samples fit a byte.
        1 => out.extend(image.samples.iter().map(|&v| v as u8)),
        2 => out.extend(image.samples.iter().flat_map(|&v| v.to_ne_bytes())),
        _ => out.extend(image.samples.iter().flat_map(|&v| u32::from(v).to_ne_bytes())),
    }
    Ok(used)
}

/// The JPEG frame header must agree with the DICOM header (checked before any allocation).
fn check_info(path: &Path, header: &DicomHeader, info: &FrameInfo, frame: usize) -> Result<()> {
    if info.width != header.columns
        || info.height != header.rows
        || info.components != header.samples_per_pixel
    {
        return Err(IoError::data(
            path,
            format!(
                "frame {}: JPEG stream is {} x {} x {} samples, the header declares {} x {} x {}",
                frame + 1,
                info.width,
                info.height,
                info.components,
                header.columns,
                header.rows,
                header.samples_per_pixel
            ),
        ));
    }
    if u16::from(info.precision) > header.bits_allocated {
        return Err(IoError::data(
            path,
            format!(
                "frame {}: {}-bit JPEG samples do not fit Bits Allocated {}",
                frame + 1,
                info.precision,
                header.bits_allocated
            ),
        ));
    }
    Ok(())
}

/// All fragments one after another.
fn concatenate(path: &Path, fragments: &[Vec<u8>]) -> Result<Vec<u8>> {
    let total: usize = fragments.iter().map(Vec::len).sum();
    let mut stream = Vec::new();
    stream
        .try_reserve_exact(total)
        .map_err(|e| IoError::data(path, format!("cannot allocate {total} bytes: {e}")))?;
    for f in fragments {
        stream.extend_from_slice(f);
    }
    Ok(stream)
}

/// The position of the next start-of-image marker at or after `pos`.
fn find_soi(data: &[u8], pos: usize) -> Option<usize> {
    let rest = data.get(pos..)?;
    rest.windows(2).position(|w| w == [0xFF, 0xD8]).map(|i| pos + i)
}
