//! TIFF reading and writing through the `tiff` crate (every sample type, several pages as a 3-D image).

use std::fs::File;
use std::io::{BufReader, Seek, Write};
use std::path::Path;

use mia_core::{Image, ImageData, ImageProperties, IntoImageData};
use ndarray::{ArrayD, IxDyn};
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::encoder::{colortype, Rational, TiffEncoder, TiffValue};
use tiff::tags::{ResolutionUnit, Tag};
use tiff::ColorType;

use super::samples;
use crate::{IoError, Result};

/// Largest decoded page accepted (the `tiff` crate refuses larger claims before allocating).
const MAX_PAGE_BYTES: usize = 1 << 30;

fn tiff_error(path: &Path, e: tiff::TiffError) -> IoError {
    match e {
        tiff::TiffError::IoError(source) => IoError::io(path, source),
        tiff::TiffError::UnsupportedError(u) => IoError::unsupported(path, format!("TIFF: {u}")),
        other => IoError::data(path, format!("TIFF: {other}")),
    }
}

/// Reads every page of a TIFF file; one page gives a 2-D image, several pages of equal layout a 3-D image.
pub(crate) fn read_tiff(path: &Path) -> Result<Image> {
    let file = File::open(path).map_err(|e| IoError::io(path, e))?;
    let mut limits = Limits::default();
    limits.decoding_buffer_size = MAX_PAGE_BYTES;
    let mut decoder =
        Decoder::new(BufReader::new(file)).map_err(|e| tiff_error(path, e))?.with_limits(limits);
    let spacing = resolution_spacing(path, &mut decoder)?;
    let mut pages: Vec<DecodingResult> = Vec::new();
    let mut layout = None;
    loop {
        let (w, h) = decoder.dimensions().map_err(|e| tiff_error(path, e))?;
        let color = decoder.colortype().map_err(|e| tiff_error(path, e))?;
        let components = components_of(path, color)?;
        let planar: Option<u16> =
            decoder.find_tag_unsigned(Tag::PlanarConfiguration).map_err(|e| tiff_error(path, e))?;
        if components > 1 && planar == Some(2) {
            return Err(IoError::unsupported(
                path,
                "TIFF with separate colour planes (planar configuration 2); interleaved samples are read",
            ));
        }
        let this = (w, h, color);
        match layout {
            None => layout = Some(this),
            Some(first) if first != this => {
                return Err(IoError::unsupported(
                    path,
                    format!(
                        "TIFF pages differ ({first:?} vs {this:?} on page {}): not one volume",
                        pages.len()
                    ),
                ))
            }
            Some(_) => {}
        }
        let page = decoder.read_image().map_err(|e| tiff_error(path, e))?;
        let expected = w as usize * h as usize * components;
        if page_len(&page) != expected {
            return Err(IoError::data(
                path,
                format!(
                    "page {} decoded to {} samples, {w} x {h} x {components} expected",
                    pages.len(),
                    page_len(&page)
                ),
            ));
        }
        pages.push(page);
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().map_err(|e| tiff_error(path, e))?;
    }
    let Some((w, h, color)) = layout else { return Err(IoError::data(path, "TIFF without pages")) };
    let components = components_of(path, color)?;
    let (w, h, n) = (w as usize, h as usize, pages.len());
    let size = if n == 1 { vec![w, h] } else { vec![w, h, n] };
    let spacing: Vec<f64> = if n == 1 { spacing.to_vec() } else { vec![spacing[0], spacing[1], 1.0] };
    let data = concat_pages(path, pages)?;
    let dim = size.len();
    let props = ImageProperties::new(size, spacing, vec![0.0; dim], None, components, data.pixel_type())
        .map_err(|source| IoError::Image { path: path.to_path_buf(), source })?;
    let data = data
        .into_shape(&props.array_shape())
        .map_err(|source| IoError::Image { path: path.to_path_buf(), source })?;
    Image::new(data, props).map_err(|source| IoError::Image { path: path.to_path_buf(), source })
}

fn page_len(page: &DecodingResult) -> usize {
    match page {
        DecodingResult::U8(v) => v.len(),
        DecodingResult::U16(v) => v.len(),
        DecodingResult::U32(v) => v.len(),
        DecodingResult::U64(v) => v.len(),
        DecodingResult::I8(v) => v.len(),
        DecodingResult::I16(v) => v.len(),
        DecodingResult::I32(v) => v.len(),
        DecodingResult::I64(v) => v.len(),
        DecodingResult::F16(v) => v.len(),
        DecodingResult::F32(v) => v.len(),
        DecodingResult::F64(v) => v.len(),
    }
}

fn components_of(path: &Path, color: ColorType) -> Result<usize> {
    let (components, bits) = match color {
        ColorType::Gray(b) => (1, b),
        ColorType::GrayA(b) => (2, b),
        ColorType::RGB(b) => (3, b),
        ColorType::RGBA(b) => (4, b),
        ColorType::Multiband { bit_depth, num_samples } => (usize::from(num_samples), bit_depth),
        other => return Err(IoError::unsupported(path, format!("TIFF colour type {other:?}"))),
    };
    if !matches!(bits, 8 | 16 | 32 | 64) {
        return Err(IoError::unsupported(
            path,
            format!("TIFF with {bits}-bit samples (8, 16, 32, 64 are read)"),
        ));
    }
    Ok(components)
}

/// Pixel spacing (mm) from XResolution/YResolution as ITK's TIFFImageIO reads it (unit inch by default).
fn resolution_spacing(path: &Path, decoder: &mut Decoder<BufReader<File>>) -> Result<[f64; 2]> {
    let rational = |v: Option<tiff::decoder::ifd::Value>| match v {
        Some(tiff::decoder::ifd::Value::Rational(n, d)) if d != 0 => Some(f64::from(n) / f64::from(d)),
        Some(tiff::decoder::ifd::Value::Float(f)) => Some(f64::from(f)),
        Some(tiff::decoder::ifd::Value::Double(f)) => Some(f),
        _ => None,
    };
    let x = rational(decoder.find_tag(Tag::XResolution).map_err(|e| tiff_error(path, e))?);
    let y = rational(decoder.find_tag(Tag::YResolution).map_err(|e| tiff_error(path, e))?);
    let unit: u16 =
        decoder.find_tag_unsigned(Tag::ResolutionUnit).map_err(|e| tiff_error(path, e))?.unwrap_or(2);
    let per_unit = match unit {
        2 => 25.4,
        3 => 10.0,
        _ => return Ok([1.0, 1.0]),
    };
    match (x, y) {
        (Some(x), Some(y)) if x > 0.0 && y > 0.0 && x.is_finite() && y.is_finite() => {
            Ok([per_unit / x, per_unit / y])
        }
        _ => Ok([1.0, 1.0]),
    }
}

fn concat_pages(path: &Path, pages: Vec<DecodingResult>) -> Result<ImageData> {
    macro_rules! concat {
        ($variant:ident, $t:ty) => {{
            let mut all: Vec<$t> = Vec::new();
            for page in pages {
                match page {
                    DecodingResult::$variant(v) => all.extend_from_slice(&v),
                    _ => return Err(IoError::data(path, "TIFF pages with different sample types")),
                }
            }
            <$t as IntoImageData>::wrap(ArrayD::from_shape_vec(IxDyn(&[all.len()]), all).expect("1-D"))
        }};
    }
    let Some(first) = pages.first() else { return Err(IoError::data(path, "TIFF without pages")) };
    Ok(match first {
        DecodingResult::U8(_) => concat!(U8, u8),
        DecodingResult::U16(_) => concat!(U16, u16),
        DecodingResult::U32(_) => concat!(U32, u32),
        DecodingResult::U64(_) => concat!(U64, u64),
        DecodingResult::I8(_) => concat!(I8, i8),
        DecodingResult::I16(_) => concat!(I16, i16),
        DecodingResult::I32(_) => concat!(I32, i32),
        DecodingResult::I64(_) => concat!(I64, i64),
        DecodingResult::F32(_) => concat!(F32, f32),
        DecodingResult::F64(_) => concat!(F64, f64),
        DecodingResult::F16(_) => {
            let mut all: Vec<f32> = Vec::new();
            for page in pages {
                match page {
                    DecodingResult::F16(v) => all.extend(v.iter().map(|h| h.to_f32())),
                    _ => return Err(IoError::data(path, "TIFF pages with different sample types")),
                }
            }
            ImageData::from(ArrayD::from_shape_vec(IxDyn(&[all.len()]), all).expect("1-D"))
        }
    })
}

/// A rational close to `v` (> 0) whose numerator fits in 32 bits.
fn rational(v: f64) -> Rational {
    let mut d: u32 = 1_000_000;
    while d > 1 && v * f64::from(d) > f64::from(u32::MAX) {
        d /= 10;
    }
    Rational { n: (v * f64::from(d)).round().clamp(1.0, f64::from(u32::MAX)) as u32, d }
}

/// Writes `image` as TIFF: 2-D as one page, 3-D as one page per slice.
pub(crate) fn write_tiff<W: Write + Seek>(path: &Path, writer: &mut W, image: &Image) -> Result<()> {
    let unwritable = |message: String| IoError::Unwritable { path: path.to_path_buf(), message };
    let props = image.properties();
    let (w, h, pages) = match props.size() {
        [w, h] => (*w, *h, 1),
        [w, h, n] => (*w, *h, *n),
        size => return Err(unwritable(format!("TIFF holds 2-D or 3-D images; this one has size {size:?}"))),
    };
    let (Ok(w32), Ok(h32)) = (u32::try_from(w), u32::try_from(h)) else {
        return Err(unwritable(format!("{w} x {h} pixels exceed TIFF's limits")));
    };
    let spacing = [props.spacing()[0], props.spacing()[1]];
    let mut encoder = TiffEncoder::new(writer).map_err(|e| tiff_error(path, e))?;
    let c = props.components();
    let page_len = w * h * c;

    macro_rules! pages_of {
        ($t:ty, $color:ty) => {{
            let all = samples::<$t>(image).ok_or_else(|| unwritable("sample type mismatch".into()))?;
            for page in 0..pages {
                write_page::<_, $color>(
                    path,
                    &mut encoder,
                    w32,
                    h32,
                    &all[page * page_len..(page + 1) * page_len],
                    spacing,
                )?;
            }
            Ok(())
        }};
    }
    match (image.data(), c) {
        (ImageData::U8(_), 1) => pages_of!(u8, colortype::Gray8),
        (ImageData::U8(_), 3) => pages_of!(u8, colortype::RGB8),
        (ImageData::U8(_), 4) => pages_of!(u8, colortype::RGBA8),
        (ImageData::U16(_), 1) => pages_of!(u16, colortype::Gray16),
        (ImageData::U16(_), 3) => pages_of!(u16, colortype::RGB16),
        (ImageData::U16(_), 4) => pages_of!(u16, colortype::RGBA16),
        (ImageData::U32(_), 1) => pages_of!(u32, colortype::Gray32),
        (ImageData::U32(_), 3) => pages_of!(u32, colortype::RGB32),
        (ImageData::U32(_), 4) => pages_of!(u32, colortype::RGBA32),
        (ImageData::U64(_), 1) => pages_of!(u64, colortype::Gray64),
        (ImageData::U64(_), 3) => pages_of!(u64, colortype::RGB64),
        (ImageData::U64(_), 4) => pages_of!(u64, colortype::RGBA64),
        (ImageData::I8(_), 1) => pages_of!(i8, colortype::GrayI8),
        (ImageData::I16(_), 1) => pages_of!(i16, colortype::GrayI16),
        (ImageData::I32(_), 1) => pages_of!(i32, colortype::GrayI32),
        (ImageData::I64(_), 1) => pages_of!(i64, colortype::GrayI64),
        (ImageData::F32(_), 1) => pages_of!(f32, colortype::Gray32Float),
        (ImageData::F32(_), 3) => pages_of!(f32, colortype::RGB32Float),
        (ImageData::F32(_), 4) => pages_of!(f32, colortype::RGBA32Float),
        (ImageData::F64(_), 1) => pages_of!(f64, colortype::Gray64Float),
        (ImageData::F64(_), 3) => pages_of!(f64, colortype::RGB64Float),
        (ImageData::F64(_), 4) => pages_of!(f64, colortype::RGBA64Float),
        (data, c) => Err(unwritable(format!(
            "TIFF is written with 1, 3 or 4 components (signed types: 1); this image is {} with {c}",
            data.pixel_type()
        ))),
    }
}

fn write_page<W: Write + Seek, C: colortype::ColorType>(
    path: &Path,
    encoder: &mut TiffEncoder<W>,
    w: u32,
    h: u32,
    data: &[C::Inner],
    spacing: [f64; 2],
) -> Result<()>
where
    [C::Inner]: TiffValue,
{
    let mut page = encoder.new_image::<C>(w, h).map_err(|e| tiff_error(path, e))?;
    if spacing != [1.0, 1.0] {
        // Dots per centimetre: ITK reads 10 / resolution millimetres back.
        page.resolution_unit(ResolutionUnit::Centimeter);
        page.x_resolution(rational(10.0 / spacing[0]));
        page.y_resolution(rational(10.0 / spacing[1]));
    }
    page.write_data(data).map_err(|e| tiff_error(path, e))
}
