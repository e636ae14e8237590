//! Raw voxel buffers: allocation checked against the data actually present, decoding straight into the final
//! typed buffer (no intermediate byte copy), byte swapping, and encoding for writers.

use std::io::Read;
use std::path::Path;

use mia_core::{dispatch_image_data, Element, ImageData, IntoImageData, PixelType};
use ndarray::{ArrayD, IxDyn};

use crate::{IoError, Result};

/// Largest expansion factor of zlib/deflate (about 1032:1). A compressed stream of `n` bytes cannot hold more
/// than `n * MAX_DEFLATE_RATIO + 64 KiB` bytes, so larger header claims are rejected before allocating.
pub(crate) const MAX_DEFLATE_RATIO: u64 = 1040;

/// Byte order of stored voxel values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ByteOrder {
    /// Little endian (least significant byte first).
    Little,
    /// Big endian (most significant byte first).
    Big,
}

impl ByteOrder {
    /// The byte order of this machine.
    pub(crate) const NATIVE: ByteOrder =
        if cfg!(target_endian = "big") { ByteOrder::Big } else { ByteOrder::Little };
}

/// Calls `$body` with the type alias `$t` bound to the Rust type of a [`PixelType`].
macro_rules! with_pixel_type {
    ($pt:expr, $t:ident => $body:expr) => {
        match $pt {
            mia_core::PixelType::U8 => {
                type $t = u8;
                $body
            }
            mia_core::PixelType::I8 => {
                type $t = i8;
                $body
            }
            mia_core::PixelType::U16 => {
                type $t = u16;
                $body
            }
            mia_core::PixelType::I16 => {
                type $t = i16;
                $body
            }
            mia_core::PixelType::U32 => {
                type $t = u32;
                $body
            }
            mia_core::PixelType::I32 => {
                type $t = i32;
                $body
            }
            mia_core::PixelType::U64 => {
                type $t = u64;
                $body
            }
            mia_core::PixelType::I64 => {
                type $t = i64;
                $body
            }
            mia_core::PixelType::F32 => {
                type $t = f32;
                $body
            }
            mia_core::PixelType::F64 => {
                type $t = f64;
                $body
            }
        }
    };
}

pub(crate) use with_pixel_type;

/// Number of bytes of `count` elements of `pixel_type`, or an error naming the file if it overflows.
pub(crate) fn byte_len(path: &Path, count: u64, pixel_type: PixelType) -> Result<u64> {
    count.checked_mul(pixel_type.size_bytes() as u64).ok_or_else(|| {
        IoError::data(path, format!("{count} voxels of {pixel_type} overflow the address space"))
    })
}

/// The bytes of a slice of plain numbers, mutably.
fn as_bytes_mut<T: Element>(values: &mut [T]) -> &mut [u8] {
    let len = std::mem::size_of_val(values);
    // SAFETY: every `Element` (sealed in mia-core) is a primitive integer or float without padding, for which
    // every bit pattern is a valid value; the byte slice covers exactly the memory of `values` and borrows it
    // mutably for its lifetime.
    unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), len) }
}

/// The bytes of a slice of plain numbers.
pub(crate) fn as_bytes<T: Element>(values: &[T]) -> &[u8] {
    let len = std::mem::size_of_val(values);
    // SAFETY: see `as_bytes_mut`; shared borrow of initialised plain numbers.
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), len) }
}

/// Reverses the bytes of every `size`-byte element in place.
pub(crate) fn swap_bytes(bytes: &mut [u8], size: usize) {
    match size {
        2 => bytes.chunks_exact_mut(2).for_each(|c| c.swap(0, 1)),
        4 => bytes.chunks_exact_mut(4).for_each(|c| {
            let v = u32::from_ne_bytes([c[0], c[1], c[2], c[3]]).swap_bytes();
            c.copy_from_slice(&v.to_ne_bytes());
        }),
        8 => bytes.chunks_exact_mut(8).for_each(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            c.copy_from_slice(&u64::from_ne_bytes(a).swap_bytes().to_ne_bytes());
        }),
        _ => {}
    }
}

/// Reads `count` elements of `pixel_type` stored in `order` from `reader` straight into a new typed buffer of
/// array `shape`. `available` is an upper bound of the bytes the source can deliver (for compressed sources:
/// the decompressed bound), checked before allocating.
pub(crate) fn read_data(
    path: &Path,
    reader: &mut dyn Read,
    pixel_type: PixelType,
    order: ByteOrder,
    shape: &[usize],
    available: Option<u64>,
) -> Result<ImageData> {
    let count = shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d as u64));
    let count = count.ok_or_else(|| IoError::data(path, format!("array shape {shape:?} overflows")))?;
    let needed = byte_len(path, count, pixel_type)?;
    if let Some(available) = available {
        if needed > available {
            return Err(IoError::data(
                path,
                format!("header declares {needed} bytes of voxel data but at most {available} are present"),
            ));
        }
    }
    let n = usize::try_from(count)
        .map_err(|_| IoError::data(path, format!("{count} voxels do not fit in memory")))?;
    with_pixel_type!(pixel_type, T => {
        // A recycled buffer (every byte is read into it), or fresh pages that a helper thread maps in while this
        // one decodes into them.
        let mut buffer = mia_core::PrefaultedVec::<T>::for_overwrite(n).ok_or_else(|| {
            IoError::data(path, format!("cannot allocate {needed} bytes for {count} voxels of {pixel_type}"))
        })?;
        let bytes = as_bytes_mut(buffer.as_mut_slice());
        reader.read_exact(bytes).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => IoError::data(
                path,
                format!("voxel data is truncated: header declares {needed} bytes ({count} voxels of {pixel_type})"),
            ),
            _ => IoError::data(path, format!("reading voxel data: {e}")),
        })?;
        if order != ByteOrder::NATIVE {
            swap_bytes(bytes, std::mem::size_of::<T>());
        }
        let array = ArrayD::from_shape_vec(IxDyn(shape), buffer.into_vec())
            .map_err(|e| IoError::data(path, format!("array shape {shape:?}: {e}")))?;
        Ok(<T as IntoImageData>::wrap(array))
    })
}

/// The voxel values of `data` in C (storage) order as bytes in `order`, borrowed when no conversion is needed.
pub(crate) fn encode_data(data: &ImageData, order: ByteOrder) -> std::borrow::Cow<'_, [u8]> {
    dispatch_image_data!(data, a => {
        let size = std::mem::size_of_val(a.iter().next().unwrap_or(&Default::default()));
        match a.as_slice() {
            Some(s) if order == ByteOrder::NATIVE => std::borrow::Cow::Borrowed(as_bytes(s)),
            _ => {
                let owned: Vec<_> = a.iter().copied().collect();
                let mut bytes = as_bytes(&owned).to_vec();
                if order != ByteOrder::NATIVE {
                    swap_bytes(&mut bytes, size);
                }
                std::borrow::Cow::Owned(bytes)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_big_endian_into_typed_buffer() {
        let bytes: Vec<u8> = [1i16, -2, 300, 4, 5, 6].iter().flat_map(|v| v.to_be_bytes()).collect();
        let data =
            read_data(Path::new("x"), &mut bytes.as_slice(), PixelType::I16, ByteOrder::Big, &[2, 3], None)
                .unwrap();
        assert_eq!(
            data.view::<i16>().unwrap().iter().copied().collect::<Vec<_>>(),
            vec![1, -2, 300, 4, 5, 6]
        );
        let back = encode_data(&data, ByteOrder::Big);
        assert_eq!(&*back, bytes.as_slice());
    }

    #[test]
    fn truncated_and_oversized_are_errors() {
        let bytes = [0u8; 10];
        let e = read_data(Path::new("f"), &mut &bytes[..], PixelType::F32, ByteOrder::Little, &[4], None);
        assert!(matches!(e, Err(IoError::Data { .. })), "{e:?}");
        let e = read_data(
            Path::new("f"),
            &mut &bytes[..],
            PixelType::F64,
            ByteOrder::Little,
            &[1 << 40],
            Some(10),
        );
        assert!(e.unwrap_err().to_string().contains("at most 10"));
        let e = read_data(
            Path::new("f"),
            &mut &bytes[..],
            PixelType::F64,
            ByteOrder::Little,
            &[usize::MAX, 4],
            None,
        );
        assert!(e.is_err());
    }
}
