//! Array helpers shared by extractors and transforms.

use mia_core::{dispatch_image_data, Element, ImageData, IntoImageData};
use mia_index::{AxisIndex, IndexExpression};
use ndarray::{ArrayD, Axis, IxDyn, Slice};

use crate::{ExtractError, Result};

/// Clips ranges that run past the end of an axis, as h5py/numpy do for pymia's
/// `PatchWiseIndexing(ignore_incomplete=False)` patches. A position or a range start past the end stays an error.
pub(crate) fn clip_expression(expr: &IndexExpression, shape: &[usize]) -> Result<IndexExpression> {
    if expr.axes().len() > shape.len() {
        // Let resolve() produce the typed error.
        expr.resolve(shape)?;
    }
    let axes = expr
        .axes()
        .iter()
        .zip(shape)
        .map(|(a, &n)| match *a {
            AxisIndex::Range { start, stop } if stop > n && start < n => AxisIndex::Range { start, stop: n },
            other => other,
        })
        .collect();
    let clipped = IndexExpression::new(axes);
    clipped.resolve(shape)?;
    Ok(clipped)
}

/// The part of an array an index expression selects (owned, standard layout).
pub(crate) fn slice_array<T: Clone>(a: &ArrayD<T>, expr: &IndexExpression) -> Result<ArrayD<T>> {
    let resolved = expr.resolve(a.shape())?;
    let mut view = a.view();
    for (axis, (range, _)) in resolved.iter().enumerate() {
        view.slice_axis_inplace(Axis(axis), Slice::from(range.clone()));
    }
    let keep: Vec<usize> =
        resolved.iter().map(|(r, keep)| if *keep { r.len() } else { usize::MAX }).collect();
    let out_shape: Vec<usize> = keep.iter().copied().filter(|&n| n != usize::MAX).collect();
    let owned = view.as_standard_layout().into_owned();
    Ok(owned.into_shape_with_order(IxDyn(&out_shape)).expect("dropping unit axes keeps the length"))
}

/// [`slice_array`] for any pixel type; standard-layout arrays are copied as contiguous runs.
pub(crate) fn slice_data(d: &ImageData, expr: &IndexExpression) -> Result<ImageData> {
    if expr.is_whole() {
        return Ok(d.clone());
    }
    dispatch_image_data!(d, a => Ok(IntoImageData::wrap(slice_numeric(a, expr)?)))
}

fn slice_numeric<T: Element>(a: &ArrayD<T>, expr: &IndexExpression) -> Result<ArrayD<T>> {
    let Some(src) = a.as_slice() else { return slice_array(a, expr) };
    let resolved = expr.resolve(a.shape())?;
    let out_shape: Vec<usize> = resolved.iter().filter(|(_, keep)| *keep).map(|(r, _)| r.len()).collect();
    let ranges: Vec<std::ops::Range<usize>> = resolved.into_iter().map(|(r, _)| r).collect();
    let n: usize = ranges.iter().map(|r| r.len()).product();
    let mut out = vec![T::default(); n];
    mia_core::copy_region(src, a.shape(), &ranges, &mut out);
    Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).expect("one element per selected position"))
}

/// Stacks same-shaped arrays along a new last axis (numpy `stack(..., axis=-1)`).
pub(crate) fn stack_last(parts: &[ImageData], what: &str) -> Result<ImageData> {
    stack_at(&parts.iter().collect::<Vec<_>>(), what, true)
}

/// Stacks same-shaped arrays along a new first axis (a batch).
pub(crate) fn stack_first(parts: &[&ImageData], what: &str) -> Result<ImageData> {
    stack_at(parts, what, false)
}

fn stack_at(parts: &[&ImageData], what: &str, last: bool) -> Result<ImageData> {
    let first =
        parts.first().ok_or_else(|| ExtractError::params("stack", format!("{what}: nothing to stack")))?;
    for p in parts {
        if p.shape() != first.shape() || p.pixel_type() != first.pixel_type() {
            return Err(ExtractError::params(
                "stack",
                format!(
                    "{what}: cannot stack {} array {:?} with {} array {:?}",
                    first.pixel_type(),
                    first.shape(),
                    p.pixel_type(),
                    p.shape()
                ),
            ));
        }
    }
    stack_elem(first, parts, last).ok_or_else(|| {
        let elements = first.len() * parts.len();
        ExtractError::params("stack", format!("{what}: cannot allocate {elements} elements"))
    })
}

/// `None` only when the stacked array cannot be allocated (shapes and types are checked by the caller).
fn stack_elem(first: &ImageData, parts: &[&ImageData], last: bool) -> Option<ImageData> {
    macro_rules! go {
        ($t:ty) => {{
            let views: Vec<_> = parts.iter().map(|p| p.view::<$t>().expect("types checked")).collect();
            let stacked = if last { mia_core::stack_last(&views)? } else { stack_first_axis(&views)? };
            Some(<$t as IntoImageData>::wrap(stacked))
        }};
    }
    match first {
        ImageData::U8(_) => go!(u8),
        ImageData::I8(_) => go!(i8),
        ImageData::U16(_) => go!(u16),
        ImageData::I16(_) => go!(i16),
        ImageData::U32(_) => go!(u32),
        ImageData::I32(_) => go!(i32),
        ImageData::U64(_) => go!(u64),
        ImageData::I64(_) => go!(i64),
        ImageData::F32(_) => go!(f32),
        ImageData::F64(_) => go!(f64),
    }
}

/// Stacks same-shaped views along a new first axis: one copy per part straight into a buffer that is never
/// zeroed (contiguous parts are appended as slices; others element by element, in logical order).
fn stack_first_axis<T: Element>(views: &[ndarray::ArrayViewD<'_, T>]) -> Option<ArrayD<T>> {
    let first = views.first()?;
    let total = first.len().checked_mul(views.len())?;
    let out = if total.saturating_mul(std::mem::size_of::<T>()) >= mia_core::LARGE_BUFFER_BYTES {
        // A recycled buffer, or fresh pages (zero at no cost) mapped in by a helper thread while the parts are
        // copied.
        let mut buf = mia_core::PrefaultedVec::<T>::for_overwrite(total)?;
        for (o, v) in buf.as_mut_slice().chunks_exact_mut(first.len()).zip(views) {
            match v.as_slice() {
                Some(s) => o.copy_from_slice(s),
                None => o.iter_mut().zip(v.iter()).for_each(|(o, &x)| *o = x),
            }
        }
        buf.into_vec()
    } else {
        // Heap memory reused from the last batch: appended without a zeroing pass.
        let mut out: Vec<T> = Vec::new();
        out.try_reserve_exact(total).ok()?;
        for v in views {
            match v.as_slice() {
                Some(s) => out.extend_from_slice(s),
                None => out.extend(v.iter().copied()),
            }
        }
        out
    };
    let mut shape = vec![views.len()];
    shape.extend_from_slice(first.shape());
    ArrayD::from_shape_vec(IxDyn(&shape), out).ok()
}

/// Gathers positions along each axis: `maps[axis][i]` is the source position of output position `i` along `axis`
/// (`None`: fill with `fill`). Axes past `maps` are copied whole.
pub(crate) fn gather<T: Element>(a: &ArrayD<T>, maps: &[Vec<Option<usize>>], fill: T) -> ArrayD<T> {
    let mut out_shape = a.shape().to_vec();
    for (axis, m) in maps.iter().enumerate() {
        out_shape[axis] = m.len();
    }
    let mut out = ArrayD::from_elem(IxDyn(&out_shape), fill);
    if out.is_empty() {
        return out;
    }
    // Select the mapped positions axis by axis (all `Some`), writing into the filled output.
    let mut cur = a.clone();
    let mut dst_ranges: Vec<Vec<usize>> = Vec::with_capacity(maps.len());
    for (axis, m) in maps.iter().enumerate() {
        let src: Vec<usize> = m.iter().filter_map(|x| *x).collect();
        dst_ranges.push(m.iter().enumerate().filter(|(_, x)| x.is_some()).map(|(i, _)| i).collect());
        cur = cur.select(Axis(axis), &src);
    }
    // `cur` now holds the values of every all-`Some` position; scatter them into `out`.
    let mut dst = out.view_mut();
    let mut contiguous = true;
    for (axis, d) in dst_ranges.iter().enumerate() {
        if d.is_empty() {
            return out;
        }
        let (lo, hi) = (d[0], d[d.len() - 1] + 1);
        contiguous &= hi - lo == d.len();
        dst.slice_axis_inplace(Axis(axis), Slice::from(lo..hi));
    }
    if contiguous {
        dst.assign(&cur);
    } else {
        // Holes inside an axis cannot occur with padding maps; handle them generally anyway.
        let mut full = out.clone();
        for (idx, v) in cur.indexed_iter() {
            let mut pos: Vec<usize> = ndarray::Dimension::slice(&idx).to_vec();
            for (axis, d) in dst_ranges.iter().enumerate() {
                pos[axis] = d[pos[axis]];
            }
            full[IxDyn(&pos)] = *v;
        }
        return full;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_and_slice() {
        let a = ArrayD::from_shape_fn(IxDyn(&[6, 8]), |i| (i[0] * 8 + i[1]) as i32);
        let e = IndexExpression::patch(&[4, 4], &[4, 4]);
        let c = clip_expression(&e, &[6, 8]).unwrap();
        assert_eq!(c, IndexExpression::patch(&[4, 4], &[2, 4]));
        let s = slice_array(&a, &c).unwrap();
        assert_eq!(s.shape(), &[2, 4]);
        assert_eq!(s[[0, 0]], 36);
        let row = slice_array(&a, &IndexExpression::at_axis(1, AxisIndex::Index(3))).unwrap();
        assert_eq!(row.shape(), &[6]);
        assert_eq!(row[[5]], 43);
        assert!(clip_expression(&IndexExpression::at_axis(0, AxisIndex::Index(6)), &[6, 8]).is_err());
    }

    #[test]
    fn gather_with_fill() {
        let a = ArrayD::from_shape_fn(IxDyn(&[3]), |i| i[0] as i32 + 1);
        let g = gather(&a, &[vec![None, Some(0), Some(1), Some(2), None]], 0);
        assert_eq!(g.as_slice().unwrap(), &[0, 1, 2, 3, 0]);
        let g = gather(&a, &[vec![Some(1), Some(0), Some(1), Some(2), Some(1)]], 0);
        assert_eq!(g.as_slice().unwrap(), &[2, 1, 2, 3, 2]);
    }

    #[test]
    fn stacks_channels() {
        let a = ImageData::U8(ArrayD::zeros(vec![2, 3]));
        let b = ImageData::U8(ArrayD::from_elem(vec![2, 3], 1));
        let s = stack_last(&[a.clone(), b], "t").unwrap();
        assert_eq!(s.shape(), &[2, 3, 2]);
        assert!(stack_last(&[a, ImageData::F32(ArrayD::zeros(vec![2, 3]))], "t").is_err());
    }

    #[test]
    fn stacks_a_batch_like_ndarray() {
        // Small (heap) and large (fresh, prefaulted pages) batches, contiguous and transposed parts.
        for (n, len) in [(3usize, 40usize), (5, (mia_core::LARGE_BUFFER_BYTES / 4) / 5 + 7)] {
            let parts: Vec<ArrayD<f32>> =
                (0..n).map(|k| ArrayD::from_shape_fn(IxDyn(&[len]), |i| (k * len + i[0]) as f32)).collect();
            let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
            assert_eq!(stack_first_axis(&views).unwrap(), ndarray::stack(Axis(0), &views).unwrap());
        }
        let a = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 4 + i[1]) as i16);
        let t = a.t().to_owned();
        let views = [a.t(), t.view()];
        let stacked = stack_first_axis(&views).unwrap();
        assert_eq!(stacked, ndarray::stack(Axis(0), &views).unwrap());
        let data = [ImageData::I16(a.t().into_owned()), ImageData::I16(t)];
        assert_eq!(stack_first(&[&data[0], &data[1]], "t").unwrap(), ImageData::I16(stacked));
    }
}
