//! 2-D raster images: PNG and JPEG through the `image` crate, TIFF through the `tiff` crate, as SimpleITK reads
//! them.
//!
//! * A PNG or JPEG is a 2-D image of ITK size `(width, height)`, array `(height, width[, c])`: gray is scalar,
//!   gray+alpha, RGB and RGBA are vector images with 2, 3, 4 components; 8- and 16-bit samples stay `u8`/`u16`;
//!   palette PNGs become RGB(A), 1/2/4-bit gray is scaled to 8 bits (as libpng's expansion in ITK).
//! * Origin `(0, 0)`, identity direction. Spacing `(1, 1)`, except where ITK reads a resolution: TIFF
//!   `XResolution`/`YResolution` (inch or centimetre) and a JPEG's JFIF density give `25.4 / dpi` resp.
//!   `10 / dots-per-cm` millimetres. PNG's `pHYs` is ignored, as ITK 5.3 does.
//! * TIFF: every sample type (`u8` to `u64`, `i8` to `i64`, `f32`, `f64`; `f16` becomes `f32`), gray, gray+alpha,
//!   RGB, RGBA; several pages of equal size form a 3-D image (z spacing 1).
//! * Writing: PNG (`u8`, `u16`; 1 to 4 components) and TIFF (every pixel type; 1, 3 or 4 components; 3-D images
//!   as pages; spacing stored as centimetre resolution). A 3-D image with one slice is written as 2-D. PNG keeps no
//!   geometry, so spacing, origin and direction are dropped there, as SimpleITK does. JPEG is not written (lossy).

mod jpeg_density;
mod tiff_io;

use std::io::{BufWriter, Write};
use std::path::Path;

use image::{DynamicImage, ImageFormat, ImageReader};
use mia_core::{Image, ImageData, ImageProperties, IntoImageData};
use ndarray::{ArrayD, IxDyn};

use crate::{IoError, Result};

/// Reads a 2-D PNG, TIFF or JPEG image (a multi-page TIFF as 3-D).
pub fn read_raster(path: &Path) -> Result<Image> {
    let reader = ImageReader::open(path).map_err(|e| IoError::io(path, e))?;
    let reader = reader.with_guessed_format().map_err(|e| IoError::io(path, e))?;
    match reader.format() {
        Some(ImageFormat::Tiff) => tiff_io::read_tiff(path),
        Some(format @ (ImageFormat::Png | ImageFormat::Jpeg)) => {
            let spacing = if format == ImageFormat::Jpeg { jpeg_density::spacing(path)? } else { [1.0, 1.0] };
            let decoded = reader.decode().map_err(|e| image_error(path, e))?;
            from_dynamic(path, decoded, spacing)
        }
        Some(other) => {
            Err(IoError::unsupported(path, format!("{other:?} images (PNG, TIFF and JPEG are read)")))
        }
        None => Err(IoError::unsupported(path, "not a PNG, TIFF or JPEG file (unknown magic bytes)")),
    }
}

fn image_error(path: &Path, e: image::ImageError) -> IoError {
    match e {
        image::ImageError::IoError(source) => IoError::io(path, source),
        image::ImageError::Unsupported(u) => IoError::unsupported(path, u.to_string()),
        image::ImageError::Limits(l) => IoError::data(path, format!("image too large: {l}")),
        other => IoError::data(path, other.to_string()),
    }
}

/// A 2-D image from interleaved samples.
pub(crate) fn image_2d<T: IntoImageData>(
    path: &Path,
    width: usize,
    height: usize,
    components: usize,
    samples: Vec<T>,
    spacing: [f64; 2],
) -> Result<Image> {
    let props = ImageProperties::new(
        vec![width, height],
        spacing.to_vec(),
        vec![0.0; 2],
        None,
        components,
        T::PIXEL_TYPE,
    )
    .map_err(|source| IoError::Image { path: path.to_path_buf(), source })?;
    let shape = props.array_shape();
    let array = ArrayD::from_shape_vec(IxDyn(&shape), samples).map_err(|e| {
        IoError::data(path, format!("{e}: {width} x {height} x {components} samples expected"))
    })?;
    Image::new(T::wrap(array), props).map_err(|source| IoError::Image { path: path.to_path_buf(), source })
}

fn from_dynamic(path: &Path, decoded: DynamicImage, spacing: [f64; 2]) -> Result<Image> {
    let (w, h) = (decoded.width() as usize, decoded.height() as usize);
    match decoded {
        DynamicImage::ImageLuma8(b) => image_2d(path, w, h, 1, b.into_raw(), spacing),
        DynamicImage::ImageLumaA8(b) => image_2d(path, w, h, 2, b.into_raw(), spacing),
        DynamicImage::ImageRgb8(b) => image_2d(path, w, h, 3, b.into_raw(), spacing),
        DynamicImage::ImageRgba8(b) => image_2d(path, w, h, 4, b.into_raw(), spacing),
        DynamicImage::ImageLuma16(b) => image_2d(path, w, h, 1, b.into_raw(), spacing),
        DynamicImage::ImageLumaA16(b) => image_2d(path, w, h, 2, b.into_raw(), spacing),
        DynamicImage::ImageRgb16(b) => image_2d(path, w, h, 3, b.into_raw(), spacing),
        DynamicImage::ImageRgba16(b) => image_2d(path, w, h, 4, b.into_raw(), spacing),
        DynamicImage::ImageRgb32F(b) => image_2d(path, w, h, 3, b.into_raw(), spacing),
        DynamicImage::ImageRgba32F(b) => image_2d(path, w, h, 4, b.into_raw(), spacing),
        other => Err(IoError::unsupported(path, format!("pixel layout {:?}", other.color()))),
    }
}

/// Writes a 2-D PNG or TIFF image (by extension; a TIFF may be 3-D).
pub fn write_raster(path: &Path, image: &Image) -> Result<()> {
    let lower = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if lower.ends_with(".tif") || lower.ends_with(".tiff") {
        write_atomically(path, |w| tiff_io::write_tiff(path, w, image))
    } else if lower.ends_with(".png") {
        let dynamic = to_dynamic(path, image)?;
        write_atomically(path, |w| {
            dynamic.write_to(w, ImageFormat::Png).map_err(|e| match e {
                image::ImageError::IoError(source) => IoError::io(path, source),
                other => IoError::Unwritable { path: path.to_path_buf(), message: other.to_string() },
            })
        })
    } else if lower.ends_with(".jpg") || lower.ends_with(".jpeg") {
        Err(IoError::Unwritable {
            path: path.to_path_buf(),
            message: "JPEG is lossy and not written; use PNG or TIFF".into(),
        })
    } else {
        Err(IoError::unsupported(path, "2-D images are written as .png, .tif or .tiff"))
    }
}

/// The size of an image seen as 2-D: `(width, height)`; 3-D images with one slice count as 2-D.
pub(crate) fn plane_size(image: &Image) -> Option<(usize, usize)> {
    match image.properties().size() {
        [w, h] => Some((*w, *h)),
        [w, h, 1] => Some((*w, *h)),
        _ => None,
    }
}

/// Standard-layout samples of the image (array order), whatever the memory layout of the array.
pub(crate) fn samples<T: IntoImageData>(image: &Image) -> Option<Vec<T>> {
    image.view::<T>().map(|v| v.iter().copied().collect())
}

fn to_dynamic(path: &Path, image: &Image) -> Result<DynamicImage> {
    let unwritable = |message: String| IoError::Unwritable { path: path.to_path_buf(), message };
    let (w, h) = plane_size(image).ok_or_else(|| {
        unwritable(format!("PNG holds 2-D images; this one has size {:?}", image.properties().size()))
    })?;
    let (w32, h32) = (u32::try_from(w), u32::try_from(h));
    let (Ok(w32), Ok(h32)) = (w32, h32) else {
        return Err(unwritable(format!("{w} x {h} pixels exceed PNG's limits")));
    };
    let c = image.properties().components();
    let bad = || unwritable("buffer size mismatch".into());
    let dynamic = match (image.data(), c) {
        (ImageData::U8(_), 1) => DynamicImage::ImageLuma8(
            image::ImageBuffer::from_raw(w32, h32, samples::<u8>(image).ok_or_else(bad)?).ok_or_else(bad)?,
        ),
        (ImageData::U8(_), 2) => DynamicImage::ImageLumaA8(
            image::ImageBuffer::from_raw(w32, h32, samples::<u8>(image).ok_or_else(bad)?).ok_or_else(bad)?,
        ),
        (ImageData::U8(_), 3) => DynamicImage::ImageRgb8(
            image::ImageBuffer::from_raw(w32, h32, samples::<u8>(image).ok_or_else(bad)?).ok_or_else(bad)?,
        ),
        (ImageData::U8(_), 4) => DynamicImage::ImageRgba8(
            image::ImageBuffer::from_raw(w32, h32, samples::<u8>(image).ok_or_else(bad)?).ok_or_else(bad)?,
        ),
        (ImageData::U16(_), 1) => DynamicImage::ImageLuma16(
            image::ImageBuffer::from_raw(w32, h32, samples::<u16>(image).ok_or_else(bad)?).ok_or_else(bad)?,
        ),
        (ImageData::U16(_), 2) => DynamicImage::ImageLumaA16(
            image::ImageBuffer::from_raw(w32, h32, samples::<u16>(image).ok_or_else(bad)?).ok_or_else(bad)?,
        ),
        (ImageData::U16(_), 3) => DynamicImage::ImageRgb16(
            image::ImageBuffer::from_raw(w32, h32, samples::<u16>(image).ok_or_else(bad)?).ok_or_else(bad)?,
        ),
        (ImageData::U16(_), 4) => DynamicImage::ImageRgba16(
            image::ImageBuffer::from_raw(w32, h32, samples::<u16>(image).ok_or_else(bad)?).ok_or_else(bad)?,
        ),
        (data, c) => {
            return Err(unwritable(format!(
                "PNG holds u8 or u16 samples with 1 to 4 components; this image is {} with {c} components \
                 (cast it, or write TIFF)",
                data.pixel_type()
            )))
        }
    };
    Ok(dynamic)
}

/// Writes through a temporary file next to `path`, renamed into place only when `write` succeeded.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let file = std::fs::File::create(&tmp).map_err(|e| IoError::io(path, e))?;
    let mut writer = BufWriter::new(file);
    let result = write(&mut writer).and_then(|()| {
        writer.flush().map_err(|e| IoError::io(path, e))?;
        writer.get_ref().sync_all().map_err(|e| IoError::io(path, e))?;
        std::fs::rename(&tmp, path).map_err(|e| IoError::io(path, e))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
