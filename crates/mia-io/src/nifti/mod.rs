//! NIfTI-1 and NIfTI-2 (`.nii`, `.nii.gz`, `.hdr`/`.img[.gz]` pairs, Analyze 7.5 headers), read and written as
//! SimpleITK/ITK's `NiftiImageIO` does.
//!
//! * Pixel types: every NIfTI integer and float type; `RGB24`/`RGBA32` become `u8` images with 3/4 components.
//!   Complex and 128-bit float data are refused with a typed error.
//! * Dimensions: trailing singleton dimensions beyond the third are dropped (a `dim = [4, x, y, z, 1]` file is a
//!   3-D image); `intent_code` `VECTOR` (1007) or `SYMMATRIX` (1005) makes `dim[5]` the number of components.
//! * Scaling: when `scl_slope != 0` and `(scl_slope, scl_inter) != (1, 0)`, integer data become `f32`
//!   (`f32(v) · slope + inter`, computed in `f64` and rounded to `f32`, as ITK does); float data keep their type.
//! * Geometry: see [`geometry`](self) — ITK's choice between sform and qform and its RAS → LPS conversion.
//!
//! The `nifti` crate was evaluated for this module; it reads NIfTI-1 only and decodes through an intermediate
//! buffer, so headers are parsed here (both versions) and voxels are read straight into the final array.

mod geometry;
mod header;

use std::io::Read;
use std::path::{Path, PathBuf};

use mia_core::{dispatch_image_data, Image, ImageData, ImageProperties, IntoImageData, PixelType};
use ndarray::IxDyn;

use crate::MappedImage;

pub use header::NiftiVersion;
use header::{sniff, NiftiHeader, NIFTI1_HEADER_SIZE, NIFTI2_HEADER_SIZE};

use crate::fsutil::{is_gzip_file, lower_name, open_maybe_gz, skip, write_atomic, write_maybe_gz};
use crate::raw::{encode_data, read_data, ByteOrder};
use crate::{IoError, Result};

const INTENT_SYMMATRIX: i32 = 1005;
const INTENT_VECTOR: i32 = 1007;

/// Whether the file name ends in a NIfTI/Analyze extension.
pub fn is_nifti_name(path: &Path) -> bool {
    let n = lower_name(path);
    [".nii", ".nii.gz", ".hdr", ".img", ".hdr.gz", ".img.gz"].iter().any(|e| n.ends_with(e))
}

/// The header file and the data file of a NIfTI path (the same file for `.nii[.gz]`).
fn header_and_data_paths(path: &Path) -> (PathBuf, Option<PathBuf>) {
    let name = lower_name(path);
    let with = |from: &str, to: &[&str]| -> Vec<PathBuf> {
        let s = path.to_string_lossy();
        let stem = &s[..s.len() - from.len()];
        to.iter().map(|t| PathBuf::from(format!("{stem}{t}"))).collect()
    };
    let pick = |candidates: Vec<PathBuf>| {
        candidates.iter().find(|p| p.exists()).cloned().or(candidates.into_iter().next())
    };
    for (ext, _) in [(".hdr.gz", ()), (".hdr", ())] {
        if name.ends_with(ext) {
            let data = pick(with(ext, &[".img", ".img.gz", ".IMG"]));
            return (path.to_path_buf(), data);
        }
    }
    for ext in [".img.gz", ".img"] {
        if name.ends_with(ext) {
            let hdr = pick(with(ext, &[".hdr", ".hdr.gz", ".HDR"])).unwrap_or_default();
            return (hdr, Some(path.to_path_buf()));
        }
    }
    (path.to_path_buf(), None)
}

/// The pixel type and components per pixel of a NIfTI `datatype`.
fn pixel_type_of(path: &Path, datatype: i16) -> Result<(PixelType, usize)> {
    Ok(match datatype {
        2 => (PixelType::U8, 1),
        4 => (PixelType::I16, 1),
        8 => (PixelType::I32, 1),
        16 => (PixelType::F32, 1),
        64 => (PixelType::F64, 1),
        256 => (PixelType::I8, 1),
        512 => (PixelType::U16, 1),
        768 => (PixelType::U32, 1),
        1024 => (PixelType::I64, 1),
        1280 => (PixelType::U64, 1),
        128 => (PixelType::U8, 3),
        2304 => (PixelType::U8, 4),
        32 | 1792 | 2048 => {
            return Err(IoError::unsupported(path, format!("complex NIfTI data (datatype {datatype})")))
        }
        1536 => return Err(IoError::unsupported(path, "128-bit float NIfTI data (datatype 1536)")),
        other => return Err(IoError::header(path, "datatype", format!("unknown NIfTI datatype {other}"))),
    })
}

/// Reads and parses the header at the start of `reader`; also returns its size in bytes.
fn read_header(hdr_path: &Path, reader: &mut dyn Read) -> Result<(NiftiHeader, usize)> {
    let mut first = [0u8; 4];
    reader
        .read_exact(&mut first)
        .map_err(|_| IoError::header(hdr_path, "sizeof_hdr", "file is empty or shorter than 4 bytes"))?;
    let (size, _) = sniff(first).ok_or_else(|| {
        IoError::header(hdr_path, "sizeof_hdr", format!("{first:?} is neither 348 nor 540: not a NIfTI file"))
    })?;
    let mut bytes = vec![0u8; size];
    bytes[..4].copy_from_slice(&first);
    reader.read_exact(&mut bytes[4..]).map_err(|_| {
        IoError::header(hdr_path, "sizeof_hdr", format!("file ends inside the {size}-byte header"))
    })?;
    Ok((NiftiHeader::parse(hdr_path, &bytes)?, size))
}

/// The voxels of an uncompressed NIfTI/Analyze image memory-mapped where they lie (`.nii`, `.hdr` + `.img`), when
/// a read would return exactly those bytes: this machine's byte order, no intensity scaling, components not stored
/// slowest (vector intents). `None` otherwise, and for files that do not open (a read reports those).
///
/// # Errors
/// As [`read_nifti`] for a bad header, or data shorter than the header declares.
pub fn map_nifti(path: &Path) -> Result<Option<MappedImage>> {
    let (hdr_path, data_path) = header_and_data_paths(path);
    let data_file = data_path.clone().unwrap_or_else(|| hdr_path.clone());
    // Gzip files need decoding; files that do not open (or are too short) are left to the read, which reports them.
    if is_gzip_file(&hdr_path) != Some(false) || is_gzip_file(&data_file) != Some(false) {
        return Ok(None);
    }
    let file = std::fs::File::open(&hdr_path).map_err(|e| IoError::io(&hdr_path, e))?;
    let (h, size) = read_header(&hdr_path, &mut std::io::BufReader::with_capacity(1024, file))?;
    let layout = Layout::of(&hdr_path, &h)?;
    if h.order != ByteOrder::NATIVE || scaling(&h).is_some() || (layout.vector && layout.components > 1) {
        return Ok(None);
    }
    let offset = h.vox_offset as u64;
    if data_path.is_none() && offset < size as u64 {
        return Err(IoError::header(
            &hdr_path,
            "vox_offset",
            format!("{offset} points inside the {size}-byte header of a single-file NIfTI"),
        ));
    }
    let props = layout.properties(&hdr_path, &h, layout.pixel_type)?;
    MappedImage::open(&data_file, offset, props).map(Some)
}

/// Reads a NIfTI-1/NIfTI-2/Analyze image (`.nii`, `.nii.gz`, `.hdr`/`.img[.gz]`).
pub fn read_nifti(path: &Path) -> Result<Image> {
    let (hdr_path, data_path) = header_and_data_paths(path);
    let mut source = open_maybe_gz(&hdr_path).map_err(|e| match (e, data_path.is_some()) {
        (IoError::Io { source, .. }, true) if hdr_path != path => {
            IoError::Companion { path: path.to_path_buf(), companion: hdr_path.clone(), source }
        }
        (e, _) => e,
    })?;
    let (header, size) = read_header(&hdr_path, source.reader.as_mut())?;

    let (mut data_source, data_file, consumed) = match &data_path {
        None => (source, hdr_path.clone(), size as u64),
        Some(img) => {
            let s = open_maybe_gz(img).map_err(|e| match e {
                IoError::Io { source, .. } => {
                    IoError::Companion { path: hdr_path.clone(), companion: img.clone(), source }
                }
                e => e,
            })?;
            (s, img.clone(), 0)
        }
    };
    let offset = header.vox_offset as u64;
    if data_path.is_none() && offset < consumed {
        return Err(IoError::header(
            &hdr_path,
            "vox_offset",
            format!("{offset} points inside the {consumed}-byte header of a single-file NIfTI"),
        ));
    }
    let to_skip = offset.saturating_sub(consumed);
    skip(&data_file, data_source.reader.as_mut(), to_skip, "the header extensions")?;
    let available = data_source.available.saturating_sub(consumed + to_skip);
    decode(&hdr_path, &data_file, &header, data_source.reader.as_mut(), available)
}

/// How a header's voxels become an array: pixel type, components and where they are stored, the ITK size.
struct Layout {
    pixel_type: PixelType,
    /// Components per voxel (1 for scalars).
    components: usize,
    /// A vector intent: components stored slowest (ITK and numpy keep them fastest).
    vector: bool,
    dims: usize,
    /// ITK order.
    size: Vec<usize>,
}

impl Layout {
    fn of(hdr_path: &Path, h: &NiftiHeader) -> Result<Layout> {
        let (pixel_type, rgb_components) = pixel_type_of(hdr_path, h.datatype)?;
        let vector = h.intent_code == INTENT_VECTOR || h.intent_code == INTENT_SYMMATRIX;
        let (dims, components) = if vector {
            let d = (1..=4).rev().find(|&i| h.dim_or_one(i) > 1).unwrap_or(1);
            (d, usize::try_from(h.dim_or_one(5)).unwrap_or(0))
        } else {
            let mut d = h.dim[0] as usize;
            while d > 3 && h.dim[d] == 1 {
                d -= 1;
            }
            (d, rgb_components)
        };
        if vector && rgb_components != 1 {
            return Err(IoError::unsupported(hdr_path, "vector intent with RGB data"));
        }
        let size: Vec<usize> = (1..=dims)
            .map(|i| usize::try_from(h.dim_or_one(i)))
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| IoError::header(hdr_path, "dim", format!("{:?} does not fit in memory", h.dim)))?;
        if !vector {
            let extra: i64 = ((dims + 1)..=7).map(|i| h.dim_or_one(i)).product();
            if extra != 1 {
                return Err(IoError::header(
                    hdr_path,
                    "dim",
                    format!("{:?}: dimensions beyond the image", h.dim),
                ));
            }
        }
        Ok(Layout { pixel_type, components, vector, dims, size })
    }

    /// The image properties, for voxels of `pixel_type` (after scaling).
    fn properties(&self, hdr_path: &Path, h: &NiftiHeader, pixel_type: PixelType) -> Result<ImageProperties> {
        let geometry = geometry::itk_geometry(hdr_path, h, self.dims)?;
        ImageProperties::new(
            self.size.clone(),
            geometry.spacing,
            geometry.origin,
            Some(geometry.direction),
            self.components.max(1),
            pixel_type,
        )
        .map_err(|e| IoError::image(hdr_path, e))
    }
}

/// Decodes the voxels following the header into an image with ITK's geometry.
fn decode(
    hdr_path: &Path,
    data_file: &Path,
    h: &NiftiHeader,
    reader: &mut dyn Read,
    available: u64,
) -> Result<Image> {
    let layout = Layout::of(hdr_path, h)?;
    let (pixel_type, components) = (layout.pixel_type, layout.components);
    let spatial: Vec<usize> = layout.size.iter().rev().copied().collect();
    let data = if layout.vector && components > 1 {
        // NIfTI stores components slowest; ITK (and numpy) fastest.
        let mut stored = vec![components];
        stored.extend(&spatial);
        let raw = read_data(data_file, reader, pixel_type, h.order, &stored, Some(available))?;
        let mut shape = spatial.clone();
        shape.push(components);
        move_first_axis_last(raw, &shape)
    } else {
        let mut shape = spatial.clone();
        if components > 1 {
            shape.push(components);
        }
        read_data(data_file, reader, pixel_type, h.order, &shape, Some(available))?
    };
    let data = apply_scaling(h, data);
    let props = layout.properties(hdr_path, h, data.pixel_type())?;
    Image::new(data, props).map_err(|e| IoError::image(hdr_path, e))
}

/// `(c, ...)` → `(..., c)` in standard layout.
fn move_first_axis_last(data: ImageData, shape: &[usize]) -> ImageData {
    dispatch_image_data!(data, a => {
        let n = a.ndim();
        let mut axes: Vec<usize> = (1..n).collect();
        axes.push(0);
        let moved = a.permuted_axes(IxDyn(&axes));
        let owned = moved.as_standard_layout().into_owned();
        IntoImageData::wrap(owned.into_shape_with_order(IxDyn(shape)).expect("same element count"))
    })
}

/// ITK's `MustRescale`: the `(slope, intercept)` to apply, `None` when they change nothing (or for Analyze).
fn scaling(h: &NiftiHeader) -> Option<(f64, f64)> {
    if h.version == NiftiVersion::Analyze {
        return None;
    }
    let slope = if h.scl_slope.abs() < f64::EPSILON || !h.scl_slope.is_finite() { 1.0 } else { h.scl_slope };
    let inter = if h.scl_inter.is_finite() { h.scl_inter } else { 0.0 };
    let must = (slope - 1.0).abs() > f64::EPSILON || inter.abs() > f64::EPSILON;
    must.then_some((slope, inter))
}

/// ITK's `MustRescale` and rescaling: integers become `f32`, floats keep their type.
fn apply_scaling(h: &NiftiHeader, data: ImageData) -> ImageData {
    let Some((slope, inter)) = scaling(h) else { return data };
    match data {
        ImageData::F64(a) => ImageData::F64(a.mapv_into(|v| v * slope + inter)),
        ImageData::F32(a) => ImageData::F32(a.mapv_into(|v| (f64::from(v) * slope + inter) as f32)),
        other => dispatch_image_data!(other, a => {
            ImageData::F32(a.mapv(|v| (f64::from(mia_core::Element::to_f64(v) as f32) * slope + inter) as f32))
        }),
    }
}

/// Options for writing NIfTI files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NiftiWriteOptions {
    /// Header version (NIfTI-1 by default, as SimpleITK writes; NIfTI-2 keeps double-precision geometry and
    /// allows sizes beyond 32767).
    pub version: NiftiVersion,
    /// gzip level 0-9 for `.nii.gz` / `.img.gz` (default 6, zlib's default, as ITK uses).
    pub compression_level: u32,
}

impl Default for NiftiWriteOptions {
    fn default() -> Self {
        NiftiWriteOptions { version: NiftiVersion::Nifti1, compression_level: 6 }
    }
}

fn datatype_of(pixel_type: PixelType) -> (i16, i16) {
    match pixel_type {
        PixelType::U8 => (2, 8),
        PixelType::I8 => (256, 8),
        PixelType::U16 => (512, 16),
        PixelType::I16 => (4, 16),
        PixelType::U32 => (768, 32),
        PixelType::I32 => (8, 32),
        PixelType::U64 => (1280, 64),
        PixelType::I64 => (1024, 64),
        PixelType::F32 => (16, 32),
        PixelType::F64 => (64, 64),
    }
}

/// Writes a NIfTI file with default options (NIfTI-1; `.nii`, `.nii.gz` or a `.hdr`/`.img` pair by extension).
pub fn write_nifti(path: &Path, image: &Image) -> Result<()> {
    write_nifti_with(path, image, NiftiWriteOptions::default())
}

/// Writes a NIfTI file (`.nii`, `.nii.gz`, `.hdr` + `.img`, `.hdr.gz`/`.img.gz`) atomically.
pub fn write_nifti_with(path: &Path, image: &Image, options: NiftiWriteOptions) -> Result<()> {
    let name = lower_name(path);
    let props = image.properties();
    let dims = props.dimension();
    let components = props.components();
    if options.version == NiftiVersion::Analyze {
        return Err(IoError::unwritable(path, "writing Analyze 7.5 is not supported; use NIfTI-1"));
    }
    let limit = if options.version == NiftiVersion::Nifti1 { i16::MAX as usize } else { i64::MAX as usize };
    let max_dims = if components > 1 { 4 } else { 7 };
    if dims > max_dims {
        return Err(IoError::unwritable(
            path,
            format!("{dims}-D images with {components} components do not fit NIfTI"),
        ));
    }
    if let Some(s) = props.size().iter().chain(std::iter::once(&components)).find(|&&s| s > limit) {
        return Err(IoError::unwritable(
            path,
            format!("size {s} exceeds {limit}; use NIfTI-2 (NiftiWriteOptions)"),
        ));
    }
    let pair = name.ends_with(".hdr")
        || name.ends_with(".img")
        || name.ends_with(".hdr.gz")
        || name.ends_with(".img.gz");
    if !(pair || name.ends_with(".nii") || name.ends_with(".nii.gz")) {
        return Err(IoError::unsupported(path, "NIfTI files end in .nii, .nii.gz, .hdr or .img"));
    }
    let gzip = name.ends_with(".gz");
    let header_size =
        if options.version == NiftiVersion::Nifti2 { NIFTI2_HEADER_SIZE } else { NIFTI1_HEADER_SIZE };
    let (datatype, bitpix) = datatype_of(props.pixel_type());
    let mut h = NiftiHeader {
        version: options.version,
        order: ByteOrder::NATIVE,
        single_file: !pair,
        datatype,
        bitpix,
        xyzt_units: 2 | 8,
        vox_offset: if pair { 0.0 } else { (header_size + 4) as f64 },
        ..NiftiHeader::default()
    };
    if components > 1 {
        h.dim = [5, 1, 1, 1, 1, components as i64, 1, 1];
        h.intent_code = INTENT_VECTOR;
    } else {
        h.dim = [dims as i64, 1, 1, 1, 1, 1, 1, 1];
    }
    for (i, &s) in props.size().iter().enumerate() {
        h.dim[i + 1] = s as i64;
        h.pixdim[i + 1] = props.spacing()[i];
    }
    geometry::set_orientation(&mut h, props.spacing(), props.origin(), props.direction());
    let head = h.to_bytes();
    let permuted = if components > 1 { Some(move_last_axis_first(image.data())) } else { None };
    let bytes = encode_data(permuted.as_ref().unwrap_or(image.data()), ByteOrder::NATIVE);
    let level = options.compression_level.min(9);
    if pair {
        let (hdr, img) = pair_paths(path, gzip);
        write_atomic(&hdr, |w| write_maybe_gz(w, gzip, level, &[&head]))?;
        write_atomic(&img, |w| write_maybe_gz(w, gzip, level, &[&bytes]))
    } else {
        write_atomic(path, |w| write_maybe_gz(w, gzip, level, &[&head, &[0u8; 4], &bytes]))
    }
}

/// The `.hdr` and `.img` paths of a pair, whichever of the two was named.
fn pair_paths(path: &Path, gzip: bool) -> (PathBuf, PathBuf) {
    let s = path.to_string_lossy();
    let ext_len = if gzip { 7 } else { 4 };
    let stem = &s[..s.len() - ext_len];
    let gz = if gzip { ".gz" } else { "" };
    (PathBuf::from(format!("{stem}.hdr{gz}")), PathBuf::from(format!("{stem}.img{gz}")))
}

/// `(..., c)` → `(c, ...)` for NIfTI's component-slowest vector layout.
fn move_last_axis_first(data: &ImageData) -> ImageData {
    dispatch_image_data!(data, a => {
        let n = a.ndim();
        let mut axes = vec![n - 1];
        axes.extend(0..n - 1);
        IntoImageData::wrap(a.view().permuted_axes(IxDyn(&axes)).as_standard_layout().into_owned())
    })
}
