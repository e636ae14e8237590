//! Decoding the pixel data of one DICOM file into typed values, with the rescale GDCM applies.

use std::path::Path;

use dicom_object::DefaultDicomObject;
use dicom_pixeldata::{DecodedPixelData, PixelDecoder, PlanarConfiguration};
use mia_core::{Element, PixelType};

use super::header::DicomHeader;
use super::jpeg_frames;
use crate::{IoError, Result};

/// The pixel type of the stored values (before rescale), as GDCM maps Bits Allocated and Pixel Representation.
pub(crate) fn stored_type(header: &DicomHeader) -> PixelType {
    match (header.bits_allocated, header.signed) {
        (8, false) => PixelType::U8,
        (8, true) => PixelType::I8,
        (16, false) => PixelType::U16,
        (16, true) => PixelType::I16,
        (_, false) => PixelType::U32,
        (_, true) => PixelType::I32,
    }
}

/// The pixel type after Rescale Slope/Intercept, as GDCM's `Rescaler::ComputeInterceptSlopePixelType` (and so
/// SimpleITK) chooses it: the stored type without rescale; `f64` for a non-integer slope or intercept; otherwise
/// the smallest integer type holding the rescaled range of every value that Bits Stored allows.
///
/// For several slices (a series), the type must hold every slice's range.
pub(crate) fn output_type(headers: &[&DicomHeader]) -> PixelType {
    let Some(first) = headers.first() else { return PixelType::F64 };
    if headers.iter().all(|h| !h.has_rescale()) {
        return stored_type(first);
    }
    if headers.iter().any(|h| h.slope.fract() != 0.0 || h.intercept.fract() != 0.0) {
        return PixelType::F64;
    }
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for h in headers {
        let (lo, hi) = h.stored_range();
        let (a, b) = (lo * h.slope + h.intercept, hi * h.slope + h.intercept);
        min = min.min(a.min(b));
        max = max.max(a.max(b));
    }
    best_fit(min, max)
}

fn best_fit(min: f64, max: f64) -> PixelType {
    if min >= 0.0 {
        if max <= u8::MAX as f64 {
            PixelType::U8
        } else if max <= u16::MAX as f64 {
            PixelType::U16
        } else if max <= u32::MAX as f64 {
            PixelType::U32
        } else {
            PixelType::F64
        }
    } else if min >= i8::MIN as f64 && max <= i8::MAX as f64 {
        PixelType::I8
    } else if min >= i16::MIN as f64 && max <= i16::MAX as f64 {
        PixelType::I16
    } else if min >= i32::MIN as f64 && max <= i32::MAX as f64 {
        PixelType::I32
    } else {
        PixelType::F64
    }
}

/// Decodes every frame of `obj` and appends the (rescaled) values to `out` in array order
/// (frame, row, column[, sample]).
pub(crate) fn decode_into<T: Element>(
    path: &Path,
    header: &DicomHeader,
    obj: &DefaultDicomObject,
    out: &mut Vec<T>,
) -> Result<()> {
    // 12-bit lossy JPEG: mia's own decoder (dicom-pixeldata's JPEG decoder has no 12-bit precision), also when
    // dicom-pixeldata fails on a 12-bit JPEG stream under another transfer syntax.
    let decoded = if jpeg_frames::wants_own_decoder(obj) {
        None
    } else {
        match obj.decode_pixel_data() {
            Ok(d) => Some(d),
            Err(_) if jpeg_frames::first_precision(obj) == Some(12) => None,
            Err(e) => return Err(decode_error(path, obj, e)),
        }
    };
    let own;
    let pixels = match &decoded {
        Some(decoded) => {
            check_decoded_size(path, header, decoded)?;
            let three = header.samples_per_pixel == 3;
            Pixels {
                data: decoded.data(),
                planar: three && matches!(decoded.planar_configuration(), PlanarConfiguration::PixelFirst),
                ybr: three
                    && header.bits_allocated == 8
                    && matches!(decoded.photometric_interpretation().as_str(), "YBR_FULL" | "YBR_FULL_422"),
            }
        }
        None => {
            own = jpeg_frames::decode_frames(path, header, obj)?;
            Pixels { data: &own, planar: false, ybr: false }
        }
    };
    let samples = header.samples_per_pixel;
    let bytes_per_sample = usize::from(header.bits_allocated / 8);
    let count = header.frames.checked_mul(header.frame_samples());
    let needed = count.and_then(|c| c.checked_mul(bytes_per_sample));
    let (Some(count), Some(needed)) = (count, needed) else {
        return Err(IoError::data(
            path,
            format!("{} frames of {} samples overflow", header.frames, header.frame_samples()),
        ));
    };
    let data = pixels.data;
    if data.len() < needed {
        return Err(IoError::data(
            path,
            format!(
                "{} bytes of pixel data, but {} frames of {} x {} x {} samples need {needed}",
                data.len(),
                header.frames,
                header.columns,
                header.rows,
                samples
            ),
        ));
    }
    out.try_reserve_exact(count)
        .map_err(|e| IoError::data(path, format!("cannot allocate {count} values: {e}")))?;

    let (slope, intercept) = (header.slope, header.intercept);
    let rescale = header.has_rescale();
    if samples == 1 {
        // One pass from bytes to the output type (the common case).
        let convert = stored_converter(header);
        let map = |raw: u64| {
            let v = convert(raw);
            T::from_f64(if rescale { v * slope + intercept } else { v })
        };
        let data = &data[..needed];
        match header.bits_allocated {
            8 => out.extend(data.iter().map(|&b| map(u64::from(b)))),
            16 => out.extend(data.chunks_exact(2).map(|c| map(u64::from(u16::from_ne_bytes([c[0], c[1]]))))),
            _ => out.extend(
                data.chunks_exact(4).map(|c| map(u64::from(u32::from_ne_bytes([c[0], c[1], c[2], c[3]])))),
            ),
        }
        return Ok(());
    }
    let stored = stored_values(header, &data[..needed]);
    let (planar, ybr) = (pixels.planar, pixels.ybr && !rescale);
    let frame_pixels = header.rows * header.columns;
    for frame in 0..header.frames {
        let base = frame * frame_pixels * samples;
        for p in 0..frame_pixels {
            let at = |s: usize| {
                if planar {
                    stored[base + s * frame_pixels + p]
                } else {
                    stored[base + p * 3 + s]
                }
            };
            let mut px = [at(0), at(1), at(2)];
            if ybr {
                px = ybr_to_rgb(px);
            }
            for v in px {
                out.push(T::from_f64(if rescale { v * slope + intercept } else { v }));
            }
        }
    }
    Ok(())
}

/// Samples of all frames as native-endian integers of Bits Allocated, with their layout.
struct Pixels<'a> {
    data: &'a [u8],
    /// Colour planes one after another in each frame (Planar Configuration 1).
    planar: bool,
    /// 8-bit YBR_FULL(_422) samples to convert to RGB.
    ybr: bool,
}

/// The decoded image must have the size the header declares.
fn check_decoded_size(path: &Path, header: &DicomHeader, decoded: &DecodedPixelData<'_>) -> Result<()> {
    let samples = header.samples_per_pixel;
    if decoded.rows() as usize != header.rows
        || decoded.columns() as usize != header.columns
        || decoded.samples_per_pixel() as usize != samples
    {
        return Err(IoError::data(
            path,
            format!(
                "decoded {} x {} x {} samples, header declares {} x {} x {}",
                decoded.columns(),
                decoded.rows(),
                decoded.samples_per_pixel(),
                header.columns,
                header.rows,
                samples
            ),
        ));
    }
    Ok(())
}

/// Maps a raw sample to its stored value: masked to Bits Stored, sign-extended when signed.
fn stored_converter(header: &DicomHeader) -> impl Fn(u64) -> f64 {
    let bits = u32::from(header.bits_stored);
    let mask: u64 = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
    let signed = header.signed;
    move |raw: u64| -> f64 {
        let v = raw & mask;
        if signed && bits < 64 && v >> (bits - 1) & 1 == 1 {
            (v as i64 - (1i64 << bits)) as f64
        } else {
            v as f64
        }
    }
}

/// The stored sample values (native byte order, masked to Bits Stored, sign-extended when signed).
fn stored_values(header: &DicomHeader, data: &[u8]) -> Vec<f64> {
    let convert = stored_converter(header);
    match header.bits_allocated {
        8 => data.iter().map(|&b| convert(u64::from(b))).collect(),
        16 => data.chunks_exact(2).map(|c| convert(u64::from(u16::from_ne_bytes([c[0], c[1]])))).collect(),
        _ => data
            .chunks_exact(4)
            .map(|c| convert(u64::from(u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))))
            .collect(),
    }
}

/// YBR_FULL → RGB with the full-range (JFIF) equations, rounded and clamped: what SimpleITK 2.3.1 (GDCM)
/// returns for native 8-bit YBR_FULL data.
fn ybr_to_rgb([y, cb, cr]: [f64; 3]) -> [f64; 3] {
    let (cb, cr) = (cb - 128.0, cr - 128.0);
    let f = |v: f64| v.round().clamp(0.0, 255.0);
    [f(y + 1.402 * cr), f(y - 0.344136 * cb - 0.714136 * cr), f(y + 1.772 * cb)]
}

fn decode_error(path: &Path, obj: &DefaultDicomObject, e: dicom_pixeldata::Error) -> IoError {
    let ts = obj.meta().transfer_syntax().trim_end_matches(['\0', ' ']).to_string();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("unsupported") || lower.contains("unknown transfer syntax") {
        IoError::unsupported(path, format!("cannot decode transfer syntax {ts}: {message}"))
    } else {
        IoError::data(path, format!("cannot decode pixel data (transfer syntax {ts}): {message}"))
    }
}
