use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::{CoreError, Element, ImageProperties, PixelType, Result};

/// Voxel data of one of the ten pixel types, as an n-dimensional array in numpy order (`z, y, x[, c]`).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum ImageData {
    U8(ArrayD<u8>),
    I8(ArrayD<i8>),
    U16(ArrayD<u16>),
    I16(ArrayD<i16>),
    U32(ArrayD<u32>),
    I32(ArrayD<i32>),
    U64(ArrayD<u64>),
    I64(ArrayD<i64>),
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
}

/// Calls `$body` with `$a` bound to the typed array inside an [`ImageData`].
#[macro_export]
macro_rules! dispatch_image_data {
    ($data:expr, $a:ident => $body:expr) => {
        match $data {
            $crate::ImageData::U8($a) => $body,
            $crate::ImageData::I8($a) => $body,
            $crate::ImageData::U16($a) => $body,
            $crate::ImageData::I16($a) => $body,
            $crate::ImageData::U32($a) => $body,
            $crate::ImageData::I32($a) => $body,
            $crate::ImageData::U64($a) => $body,
            $crate::ImageData::I64($a) => $body,
            $crate::ImageData::F32($a) => $body,
            $crate::ImageData::F64($a) => $body,
        }
    };
}

/// Conversion between typed arrays and [`ImageData`].
pub trait IntoImageData: Element {
    /// Wraps a typed array.
    fn wrap(array: ArrayD<Self>) -> ImageData;
    /// Borrows the typed array if the pixel type matches.
    fn view_of(data: &ImageData) -> Option<ArrayViewD<'_, Self>>;
}

macro_rules! into_image_data {
    ($t:ty, $v:ident) => {
        impl IntoImageData for $t {
            fn wrap(array: ArrayD<Self>) -> ImageData {
                ImageData::$v(array)
            }
            fn view_of(data: &ImageData) -> Option<ArrayViewD<'_, Self>> {
                match data {
                    ImageData::$v(a) => Some(a.view()),
                    _ => None,
                }
            }
        }
        impl From<ArrayD<$t>> for ImageData {
            fn from(a: ArrayD<$t>) -> Self {
                ImageData::$v(a)
            }
        }
    };
}

into_image_data!(u8, U8);
into_image_data!(i8, I8);
into_image_data!(u16, U16);
into_image_data!(i16, I16);
into_image_data!(u32, U32);
into_image_data!(i32, I32);
into_image_data!(u64, U64);
into_image_data!(i64, I64);
into_image_data!(f32, F32);
into_image_data!(f64, F64);

impl ImageData {
    /// The pixel type of the data.
    pub fn pixel_type(&self) -> PixelType {
        dispatch_image_data!(self, a => element_type(a))
    }

    /// The array shape (`z, y, x[, c]`).
    pub fn shape(&self) -> &[usize] {
        dispatch_image_data!(self, a => a.shape())
    }

    /// Number of array elements (voxels × components).
    pub fn len(&self) -> usize {
        dispatch_image_data!(self, a => a.len())
    }

    /// Whether the array holds no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A typed view if the pixel type is `T`.
    pub fn view<T: IntoImageData>(&self) -> Option<ArrayViewD<'_, T>> {
        T::view_of(self)
    }

    /// A copy in standard layout, in a fresh buffer whose pages a [`crate::Prefault`] helper maps in while this
    /// thread copies: a large volume copies at memory speed instead of page-fault speed (a plain `clone` of a
    /// 57 MB volume spends most of its time in 4 KiB page faults). `None` when the memory is not there.
    pub fn try_clone_fast(&self) -> Option<ImageData> {
        dispatch_image_data!(self, a => {
            let mut buf = crate::PrefaultedVec::for_overwrite(a.len())?;
            match a.as_slice() {
                Some(s) => buf.as_mut_slice().copy_from_slice(s),
                None => buf.as_mut_slice().iter_mut().zip(a.iter()).for_each(|(o, &v)| *o = v),
            }
            Some(IntoImageData::wrap(ArrayD::from_shape_vec(a.raw_dim(), buf.into_vec()).ok()?))
        })
    }

    /// Hands the array's buffer back for reuse by the next volume of the same type and size ([`crate::recycle`]),
    /// instead of freeing it; call it where a loop is done with a volume or sample. Arrays that do not own their
    /// whole buffer in standard layout, and small ones, are simply dropped.
    pub fn recycle(self) {
        dispatch_image_data!(self, a => {
            if a.is_standard_layout() {
                let n = a.len();
                let (v, offset) = a.into_raw_vec_and_offset();
                if v.len() == n && offset.unwrap_or(0) == 0 {
                    crate::recycle(v);
                }
            }
        })
    }

    /// Every value converted to `f64` (same shape).
    pub fn to_f64(&self) -> ArrayD<f64> {
        dispatch_image_data!(self, a => a.mapv(Element::to_f64))
    }

    /// Converts the values to another pixel type with Rust's `as` semantics (saturating float → int).
    pub fn cast(&self, pixel_type: PixelType) -> ImageData {
        macro_rules! cast_to {
            ($t:ty) => {
                dispatch_image_data!(self, a => <$t as IntoImageData>::wrap(a.mapv(|v| <$t>::from_f64(v.to_f64()))))
            };
        }
        match pixel_type {
            PixelType::U8 => cast_to!(u8),
            PixelType::I8 => cast_to!(i8),
            PixelType::U16 => cast_to!(u16),
            PixelType::I16 => cast_to!(i16),
            PixelType::U32 => cast_to!(u32),
            PixelType::I32 => cast_to!(i32),
            PixelType::U64 => cast_to!(u64),
            PixelType::I64 => cast_to!(i64),
            PixelType::F32 => cast_to!(f32),
            PixelType::F64 => cast_to!(f64),
        }
    }

    /// Minimum, maximum and sum of all values in `f64` (NaN values are skipped for min/max).
    pub fn min_max_sum(&self) -> (f64, f64, f64) {
        dispatch_image_data!(self, a => {
            let mut min = f64::INFINITY;
            let mut max = f64::NEG_INFINITY;
            let mut sum = 0.0;
            for &v in a.iter() {
                let v = v.to_f64();
                if v < min { min = v; }
                if v > max { max = v; }
                sum += v;
            }
            (min, max, sum)
        })
    }

    /// The data with a new shape of the same length, in standard (C) order.
    pub fn into_shape(self, shape: &[usize]) -> Result<ImageData> {
        let old = self.shape().to_vec();
        dispatch_image_data!(self, a => {
            let a = if a.is_standard_layout() { a } else { a.as_standard_layout().into_owned() };
            a.into_shape_with_order(IxDyn(shape))
                .map(IntoImageData::wrap)
                .map_err(|_| CoreError::ShapeMismatch { array: old, expected: shape.to_vec() })
        })
    }
}

fn element_type<T: Element>(_: &ArrayD<T>) -> PixelType {
    T::PIXEL_TYPE
}

/// An image: voxel data in numpy order plus its spatial properties in ITK order.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    data: ImageData,
    properties: ImageProperties,
}

impl Image {
    /// Combines data and properties; fails if the array shape or the pixel type disagree with the properties.
    pub fn new(data: ImageData, properties: ImageProperties) -> Result<Self> {
        let expected = properties.array_shape();
        if data.shape() != expected.as_slice() {
            return Err(CoreError::ShapeMismatch { array: data.shape().to_vec(), expected });
        }
        if data.pixel_type() != properties.pixel_type() {
            return Err(CoreError::PixelTypeMismatch {
                data: data.pixel_type(),
                properties: properties.pixel_type(),
            });
        }
        Ok(Image { data, properties })
    }

    /// An image with unit spacing, zero origin and identity direction from a scalar array in numpy order.
    pub fn from_array<T: IntoImageData>(array: ArrayD<T>) -> Result<Self> {
        let size: Vec<usize> = array.shape().iter().rev().copied().collect();
        let props = ImageProperties::with_size(size, 1, T::PIXEL_TYPE)?;
        Image::new(T::wrap(array), props)
    }

    /// An image from a scalar array in numpy order with the given geometry (ITK order).
    pub fn from_array_with_geometry<T: IntoImageData>(
        array: ArrayD<T>,
        spacing: Vec<f64>,
        origin: Vec<f64>,
        direction: Option<Vec<f64>>,
    ) -> Result<Self> {
        let size: Vec<usize> = array.shape().iter().rev().copied().collect();
        let props = ImageProperties::new(size, spacing, origin, direction, 1, T::PIXEL_TYPE)?;
        Image::new(T::wrap(array), props)
    }

    /// The voxel data.
    pub fn data(&self) -> &ImageData {
        &self.data
    }

    /// The spatial properties.
    pub fn properties(&self) -> &ImageProperties {
        &self.properties
    }

    /// A typed view of the voxels if the pixel type is `T`.
    pub fn view<T: IntoImageData>(&self) -> Option<ArrayViewD<'_, T>> {
        self.data.view()
    }

    /// Splits the image into its data and properties.
    pub fn into_parts(self) -> (ImageData, ImageProperties) {
        (self.data, self.properties)
    }

    /// The same geometry with the values converted to another pixel type.
    pub fn cast(&self, pixel_type: PixelType) -> Image {
        Image {
            data: self.data.cast(pixel_type),
            properties: self.properties.clone().with_pixel_type(pixel_type),
        }
    }
}

/// Stacks same-shaped arrays along a new last axis (numpy's `stack(parts, axis=-1)`: channels last), or `None`
/// when there are no parts, their shapes differ or the output cannot be allocated.
///
/// Contiguous inputs are interleaved directly (about two passes over the output); `ndarray::stack` walks the
/// strided output element by element and is several times slower for whole volumes.
///
/// ```
/// use ndarray::{arr2, ArrayD};
/// let a = arr2(&[[1, 2], [3, 4]]).into_dyn();
/// let b = arr2(&[[5, 6], [7, 8]]).into_dyn();
/// let s: ArrayD<i32> = mia_core::stack_last(&[a.view(), b.view()]).unwrap();
/// assert_eq!(s.shape(), &[2, 2, 2]);
/// assert_eq!(s.as_slice().unwrap(), &[1, 5, 2, 6, 3, 7, 4, 8]);
/// ```
pub fn stack_last<T: Copy + Default + Send + 'static>(parts: &[ArrayViewD<'_, T>]) -> Option<ArrayD<T>> {
    let first = parts.first()?;
    if parts.iter().any(|p| p.shape() != first.shape()) {
        return None;
    }
    let mut shape = first.shape().to_vec();
    shape.push(parts.len());
    let slices: Option<Vec<&[T]>> = parts.iter().map(|p| p.as_slice()).collect();
    let Some(slices) = slices else {
        return ndarray::stack(ndarray::Axis(first.ndim()), parts).ok();
    };
    let n = parts.len();
    // Every element is written below: a recycled buffer, or a zeroed allocation (no memset pass) whose pages a
    // helper thread maps in while this one interleaves.
    let mut buffer = crate::PrefaultedVec::<T>::for_overwrite(first.len() * n)?;
    let out = buffer.as_mut_slice();
    match slices.as_slice() {
        [only] => out.copy_from_slice(only),
        [a, b] => {
            for (o, (&x, &y)) in out.chunks_exact_mut(2).zip(a.iter().zip(b.iter())) {
                o[0] = x;
                o[1] = y;
            }
        }
        _ => {
            for (i, o) in out.chunks_exact_mut(n).enumerate() {
                for (v, s) in o.iter_mut().zip(&slices) {
                    *v = s[i];
                }
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), buffer.into_vec()).ok()
}

/// [`stack_last`] of arrays given as their bytes: each part holds the elements of one array of `shape` and
/// `pixel_type` in C order and this machine's byte order, with any alignment (the voxels of a memory-mapped file,
/// e.g.). The result has shape `shape + (parts,)`. `None` without parts, or when a part's length is not the
/// shape's byte size.
pub fn stack_last_bytes(parts: &[&[u8]], pixel_type: PixelType, shape: &[usize]) -> Option<ImageData> {
    fn typed<T: IntoImageData>(parts: &[&[u8]], shape: &[usize]) -> Option<ImageData> {
        let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))?;
        let size = std::mem::size_of::<T>();
        if parts.is_empty() || parts.iter().any(|p| Some(p.len()) != count.checked_mul(size)) {
            return None;
        }
        let n = parts.len();
        let mut buffer = crate::PrefaultedVec::<T>::for_overwrite(count.checked_mul(n)?)?;
        let out = buffer.as_mut_slice();
        // SAFETY (every read below): element `i < count` of a part lies in its `count · size` bytes, checked above;
        // `T` is a plain number, valid for any bit pattern; unaligned reads need no alignment.
        let at = |part: &[u8], i: usize| unsafe { part.as_ptr().cast::<T>().add(i).read_unaligned() };
        match parts {
            [only] => {
                for (i, o) in out.iter_mut().enumerate() {
                    *o = at(only, i);
                }
            }
            [a, b] => {
                for (i, o) in out.chunks_exact_mut(2).enumerate() {
                    o[0] = at(a, i);
                    o[1] = at(b, i);
                }
            }
            _ => {
                for (i, o) in out.chunks_exact_mut(n).enumerate() {
                    for (v, part) in o.iter_mut().zip(parts) {
                        *v = at(part, i);
                    }
                }
            }
        }
        let mut full = shape.to_vec();
        full.push(n);
        ArrayD::from_shape_vec(IxDyn(&full), buffer.into_vec()).ok().map(T::wrap)
    }
    match pixel_type {
        PixelType::U8 => typed::<u8>(parts, shape),
        PixelType::I8 => typed::<i8>(parts, shape),
        PixelType::U16 => typed::<u16>(parts, shape),
        PixelType::I16 => typed::<i16>(parts, shape),
        PixelType::U32 => typed::<u32>(parts, shape),
        PixelType::I32 => typed::<i32>(parts, shape),
        PixelType::U64 => typed::<u64>(parts, shape),
        PixelType::I64 => typed::<i64>(parts, shape),
        PixelType::F32 => typed::<f32>(parts, shape),
        PixelType::F64 => typed::<f64>(parts, shape),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_stacks_equal_typed_stacks_at_any_alignment() {
        let shape = [3usize, 4, 5];
        let n: usize = shape.iter().product();
        for parts in 1..=3 {
            let arrays: Vec<ArrayD<f32>> = (0..parts)
                .map(|p| {
                    ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
                        (p * 1000 + ix[0] * 20 + ix[1] * 5 + ix[2]) as f32
                    })
                })
                .collect();
            let views: Vec<_> = arrays.iter().map(|a| a.view()).collect();
            let expected = ImageData::F32(stack_last(&views).unwrap());
            // Each part's bytes start one byte into a buffer: not aligned for f32.
            let buffers: Vec<Vec<u8>> = arrays
                .iter()
                .map(|a| std::iter::once(7u8).chain(a.iter().flat_map(|v| v.to_ne_bytes())).collect())
                .collect();
            let bytes: Vec<&[u8]> = buffers.iter().map(|b| &b[1..]).collect();
            assert_eq!(stack_last_bytes(&bytes, PixelType::F32, &shape), Some(expected), "{parts} parts");
            assert_eq!(bytes[0].len(), 4 * n);
        }
        let u16s: Vec<u8> = (0..6u16).flat_map(|v| v.to_ne_bytes()).collect();
        let got = stack_last_bytes(&[&u16s, &u16s], PixelType::U16, &[2, 3]).unwrap();
        assert_eq!(got.shape(), &[2, 3, 2]);
        assert_eq!(
            got.view::<u16>().unwrap().iter().copied().collect::<Vec<_>>(),
            [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
        );
        // Parts of the wrong length, or none.
        assert_eq!(stack_last_bytes(&[&u16s[..11]], PixelType::U16, &[2, 3]), None);
        assert_eq!(stack_last_bytes(&[&u16s, &u16s[..10]], PixelType::U16, &[2, 3]), None);
        assert_eq!(stack_last_bytes(&[], PixelType::U16, &[2, 3]), None);
    }

    #[test]
    fn recycled_volumes_are_reused_by_copies_and_stacks() {
        let _pool = crate::buffer::TEST_POOL_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Sizes of their own (the pool is process-wide): 16 MiB and more of i32.
        let n = (crate::LARGE_BUFFER_BYTES / 4) + 4320;
        let volume = ImageData::I32(ArrayD::from_elem(vec![n], 5));
        let copy = volume.try_clone_fast().unwrap();
        let address = copy.view::<i32>().unwrap().as_ptr() as usize;
        copy.recycle();
        let again = volume.try_clone_fast().unwrap();
        assert_eq!(again.view::<i32>().unwrap().as_ptr() as usize, address);
        assert!(again.view::<i32>().unwrap().iter().all(|&v| v == 5));
        // A stack of two halves of that length takes it too, and overwrites every element.
        again.recycle();
        let half = ArrayD::from_elem(vec![n / 2], 1i32);
        let other = ArrayD::from_elem(vec![n / 2], 2i32);
        let s: ArrayD<i32> = stack_last(&[half.view(), other.view()]).unwrap();
        assert_eq!(s.as_ptr() as usize, address);
        assert!(s.as_slice().unwrap().chunks_exact(2).all(|p| p == [1, 2]));
        // Views that do not own their whole buffer are not recycled.
        let sliced =
            ImageData::I32(ArrayD::from_elem(vec![n + 8], 0).slice_move(ndarray::s![4..n + 4]).into_dyn());
        sliced.recycle();
        assert!(crate::take_recycled::<i32>(n + 8).is_none());
    }

    #[test]
    fn shape_and_type_checked() {
        let props = ImageProperties::with_size(vec![4, 3], 1, PixelType::I16).unwrap();
        let ok = Image::new(ImageData::I16(ArrayD::zeros(vec![3, 4])), props.clone());
        assert!(ok.is_ok());
        let bad = Image::new(ImageData::I16(ArrayD::zeros(vec![4, 3])), props.clone());
        assert!(matches!(bad, Err(CoreError::ShapeMismatch { .. })));
        let bad = Image::new(ImageData::U8(ArrayD::zeros(vec![3, 4])), props);
        assert!(matches!(bad, Err(CoreError::PixelTypeMismatch { .. })));
    }

    #[test]
    fn cast_and_stats() {
        let a = ArrayD::from_shape_vec(vec![2, 2], vec![-1.5f32, 2.0, 300.0, 4.0]).unwrap();
        let img = Image::from_array(a).unwrap();
        assert_eq!(img.data().min_max_sum(), (-1.5, 300.0, 304.5));
        let c = img.cast(PixelType::U8);
        assert_eq!(c.view::<u8>().unwrap().iter().copied().collect::<Vec<_>>(), vec![0, 2, 255, 4]);
        assert_eq!(c.properties().pixel_type(), PixelType::U8);
    }
}
