//! Thin helpers over hdf5-metno: typed writes of [`ImageData`] and strings, pixel types of HDF5 datatypes.

use hdf5::types::{FloatSize, IntSize, TypeDescriptor, VarLenAscii, VarLenUnicode};
use hdf5::{Dataset as H5Dataset, Group, H5Type};
use mia_core::{dispatch_image_data, ImageData, PixelType};
use ndarray::{ArrayD, ArrayViewD, IxDyn};

/// How a data array is laid out in the file.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Storage {
    /// Chunk shape; `None` for contiguous storage.
    pub chunks: Option<Vec<usize>>,
    /// Deflate level (needs chunks).
    pub deflate: Option<u8>,
    /// Byte shuffle before deflate.
    pub shuffle: bool,
}

/// The pixel type of an HDF5 datatype; `None` for strings and anything that is not a plain number.
pub(crate) fn pixel_type_of(desc: &TypeDescriptor) -> Option<PixelType> {
    Some(match desc {
        TypeDescriptor::Integer(IntSize::U1) => PixelType::I8,
        TypeDescriptor::Integer(IntSize::U2) => PixelType::I16,
        TypeDescriptor::Integer(IntSize::U4) => PixelType::I32,
        TypeDescriptor::Integer(IntSize::U8) => PixelType::I64,
        TypeDescriptor::Unsigned(IntSize::U1) | TypeDescriptor::Boolean => PixelType::U8,
        TypeDescriptor::Unsigned(IntSize::U2) => PixelType::U16,
        TypeDescriptor::Unsigned(IntSize::U4) => PixelType::U32,
        TypeDescriptor::Unsigned(IntSize::U8) => PixelType::U64,
        TypeDescriptor::Float(FloatSize::U4) => PixelType::F32,
        TypeDescriptor::Float(FloatSize::U8) => PixelType::F64,
        _ => return None,
    })
}

/// Whether the datatype is a (variable- or fixed-length) string.
pub(crate) fn is_string(desc: &TypeDescriptor) -> bool {
    matches!(
        desc,
        TypeDescriptor::VarLenUnicode
            | TypeDescriptor::VarLenAscii
            | TypeDescriptor::FixedAscii(_)
            | TypeDescriptor::FixedUnicode(_)
    )
}

fn builder_for(group: &Group, shape: &[usize], storage: &Storage) -> hdf5::DatasetBuilder {
    let mut b = group.new_dataset_builder();
    if let Some(chunks) = &storage.chunks {
        // Chunk shapes are clamped to the array (HDF5 rejects chunks larger than fixed dimensions).
        let c: Vec<usize> = chunks.iter().zip(shape).map(|(&c, &n)| c.clamp(1, n.max(1))).collect();
        b = b.chunk(c);
        if storage.shuffle {
            b = b.shuffle();
        }
        if let Some(level) = storage.deflate {
            b = b.deflate(level);
        }
    }
    b
}

fn write_typed<T: H5Type + Clone>(
    group: &Group,
    name: &str,
    data: ArrayViewD<'_, T>,
    storage: &Storage,
) -> hdf5::Result<H5Dataset> {
    let shape = data.shape().to_vec();
    let use_storage = storage.chunks.is_some() && shape.iter().all(|&n| n > 0) && !shape.is_empty();
    let b = if use_storage { builder_for(group, &shape, storage) } else { group.new_dataset_builder() };
    // Create the dataset empty and hand HDF5 the contiguous buffer: the builder's `with_data` copies the array
    // element by element first (a third of a creation's time for 28 MB volumes).
    let ds = b.empty::<T>().shape(shape).create(name)?;
    match data.as_slice() {
        Some(slice) => ds.write_raw(slice)?,
        None => ds.write_raw(data.as_standard_layout().as_slice().expect("standard layout"))?,
    }
    Ok(ds)
}

/// Writes a numeric array (any of the ten pixel types) as a new dataset.
pub(crate) fn write_image_data(
    group: &Group,
    name: &str,
    data: &ImageData,
    storage: &Storage,
) -> hdf5::Result<H5Dataset> {
    dispatch_image_data!(data, a => write_typed(group, name, a.view(), storage))
}

/// Converts strings to HDF5 variable-length UTF-8 strings (interior NULs cannot be stored).
pub(crate) fn to_vlen(strings: &[String]) -> Result<Vec<VarLenUnicode>, String> {
    strings
        .iter()
        .map(|s| s.parse::<VarLenUnicode>().map_err(|e| format!("string {s:?} cannot be stored: {e}")))
        .collect()
}

/// Writes strings of the given shape as variable-length UTF-8 strings.
pub(crate) fn write_strings(
    group: &Group,
    name: &str,
    strings: &[String],
    shape: &[usize],
) -> Result<H5Dataset, StringWriteError> {
    let v = to_vlen(strings).map_err(StringWriteError::Invalid)?;
    let a = ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| {
        StringWriteError::Invalid(format!("{} strings for shape {shape:?}: {e}", strings.len()))
    })?;
    group.new_dataset_builder().with_data(a.view()).create(name).map_err(StringWriteError::Hdf5)
}

/// Writes a scalar variable-length UTF-8 string.
pub(crate) fn write_scalar_string(group: &Group, name: &str, s: &str) -> Result<H5Dataset, StringWriteError> {
    let v: VarLenUnicode = s.parse().map_err(|e| StringWriteError::Invalid(format!("string {s:?}: {e}")))?;
    let ds = group.new_dataset::<VarLenUnicode>().shape(()).create(name).map_err(StringWriteError::Hdf5)?;
    ds.write_scalar(&v).map_err(StringWriteError::Hdf5)?;
    Ok(ds)
}

/// Writes a scalar string attribute (variable-length UTF-8).
pub(crate) fn write_string_attr(loc: &hdf5::Location, name: &str, s: &str) -> Result<(), StringWriteError> {
    let v: VarLenUnicode = s.parse().map_err(|e| StringWriteError::Invalid(format!("string {s:?}: {e}")))?;
    let attr = loc.new_attr::<VarLenUnicode>().shape(()).create(name).map_err(StringWriteError::Hdf5)?;
    attr.write_scalar(&v).map_err(StringWriteError::Hdf5)
}

/// Reads a scalar string attribute.
pub(crate) fn read_string_attr(loc: &hdf5::Location, name: &str) -> hdf5::Result<String> {
    let attr = loc.attr(name)?;
    match attr.read_scalar::<VarLenUnicode>() {
        Ok(v) => Ok(v.as_str().to_string()),
        Err(_) => attr.read_scalar::<VarLenAscii>().map(|v| v.as_str().to_string()),
    }
}

/// Why strings could not be written.
#[derive(Debug)]
pub(crate) enum StringWriteError {
    Invalid(String),
    Hdf5(hdf5::Error),
}

/// Reads every string of a dataset (any shape) in C order.
pub(crate) fn read_strings(ds: &H5Dataset) -> hdf5::Result<Vec<String>> {
    if ds.is_scalar() {
        return match ds.read_scalar::<VarLenUnicode>() {
            Ok(v) => Ok(vec![v.as_str().to_string()]),
            Err(_) => ds.read_scalar::<VarLenAscii>().map(|v| vec![v.as_str().to_string()]),
        };
    }
    match ds.read_raw::<VarLenUnicode>() {
        Ok(v) => Ok(v.iter().map(|s| s.as_str().to_string()).collect()),
        Err(_) => ds.read_raw::<VarLenAscii>().map(|v| v.iter().map(|s| s.as_str().to_string()).collect()),
    }
}
