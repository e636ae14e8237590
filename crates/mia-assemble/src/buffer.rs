//! Per-(subject, key) buffers and the write kernels.

use std::ops::Range;

use mia_core::{ImageData, PixelType};
use ndarray::{
    ArrayD, ArrayView, ArrayViewD, ArrayViewMut, ArrayViewMutD, Axis, Dimension, Ix1, Ix2, Ix3, Ix4, Ix5,
    IxDyn, Slice, Zip,
};

use crate::Combine;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// Element types the assembler accepts: `f32` and `f64` (network outputs).
pub trait AssembleElement: sealed::Sealed + Copy + Default + Send + Sync + 'static {
    #[doc(hidden)]
    const PIXEL_TYPE: PixelType;
    #[doc(hidden)]
    fn values_mut(v: &mut Values) -> Option<&mut ArrayD<Self>>;
    #[doc(hidden)]
    fn new_values(a: ArrayD<Self>) -> Values;
    #[doc(hidden)]
    fn running_mean(m: Self, v: Self, ratio: f32) -> Self;
    #[doc(hidden)]
    fn from_f64(v: f64) -> Self;
}

impl AssembleElement for f32 {
    const PIXEL_TYPE: PixelType = PixelType::F32;
    fn values_mut(v: &mut Values) -> Option<&mut ArrayD<f32>> {
        match v {
            Values::F32(a) => Some(a),
            Values::F64(_) => None,
        }
    }
    fn new_values(a: ArrayD<f32>) -> Values {
        Values::F32(a)
    }
    #[inline(always)]
    fn running_mean(m: f32, v: f32, ratio: f32) -> f32 {
        m + (v - m) * ratio
    }
    fn from_f64(v: f64) -> f32 {
        v as f32
    }
}

impl AssembleElement for f64 {
    const PIXEL_TYPE: PixelType = PixelType::F64;
    fn values_mut(v: &mut Values) -> Option<&mut ArrayD<f64>> {
        match v {
            Values::F64(a) => Some(a),
            Values::F32(_) => None,
        }
    }
    fn new_values(a: ArrayD<f64>) -> Values {
        Values::F64(a)
    }
    #[inline(always)]
    fn running_mean(m: f64, v: f64, ratio: f32) -> f64 {
        m + (v - m) * ratio as f64
    }
    fn from_f64(v: f64) -> f64 {
        v
    }
}

/// The typed value buffer of one key.
#[derive(Debug, Clone)]
#[doc(hidden)]
pub enum Values {
    F32(ArrayD<f32>),
    F64(ArrayD<f64>),
}

impl Values {
    pub(crate) fn pixel_type(&self) -> PixelType {
        match self {
            Values::F32(_) => PixelType::F32,
            Values::F64(_) => PixelType::F64,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Values::F32(a) => a.len(),
            Values::F64(a) => a.len(),
        }
    }

    pub(crate) fn shape(&self) -> &[usize] {
        match self {
            Values::F32(a) => a.shape(),
            Values::F64(a) => a.shape(),
        }
    }

    pub(crate) fn into_image_data(self) -> ImageData {
        match self {
            Values::F32(a) => ImageData::F32(a),
            Values::F64(a) => ImageData::F64(a),
        }
    }

    pub(crate) fn fill_where_zero(&mut self, weights: &ArrayD<f32>, value: f64) {
        match self {
            Values::F32(a) => Zip::from(a).and(weights).for_each(|m, &w| {
                if w == 0.0 {
                    *m = value as f32
                }
            }),
            Values::F64(a) => Zip::from(a).and(weights).for_each(|m, &w| {
                if w == 0.0 {
                    *m = value
                }
            }),
        }
    }
}

/// Allocates a zeroed array without aborting on huge sizes.
pub(crate) fn try_zeros<T: Clone + Default>(shape: &[usize]) -> Option<ArrayD<T>> {
    let n = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
    ArrayD::from_shape_vec(IxDyn(shape), mia_core::try_zeroed_vec(n)?).ok()
}

/// The sub-view of `a` selected by per-axis ranges (one per leading axis; later axes whole).
pub(crate) fn region_mut<'a, T>(a: &'a mut ArrayD<T>, ranges: &[Range<usize>]) -> ArrayViewMutD<'a, T> {
    let mut v = a.view_mut();
    for (axis, r) in ranges.iter().enumerate() {
        v.slice_axis_inplace(Axis(axis), Slice::from(r.clone()));
    }
    v
}

/// Runs `$fixed` with the type `$d` bound to the fixed-rank dimension for ranks 1-5 (ndarray's `Zip` over fixed
/// dimensions is much faster than over `IxDyn`), `$dynamic` otherwise.
macro_rules! by_rank {
    ($ndim:expr, $d:ident => $fixed:expr, dynamic => $dynamic:expr) => {
        match $ndim {
            1 => {
                type $d = Ix1;
                $fixed
            }
            2 => {
                type $d = Ix2;
                $fixed
            }
            3 => {
                type $d = Ix3;
                $fixed
            }
            4 => {
                type $d = Ix4;
                $fixed
            }
            5 => {
                type $d = Ix5;
                $fixed
            }
            _ => $dynamic,
        }
    };
}

/// Copies `data` (already shaped like the region) into the region of `values`: contiguous regions (slices of a
/// C-ordered buffer) as one `copy_from_slice`, others with a fixed-rank `assign`.
pub(crate) fn assign_region<T: AssembleElement>(
    values: &mut ArrayD<T>,
    ranges: &[Range<usize>],
    data: ArrayViewD<'_, T>,
) {
    let mut m = region_mut(values, ranges);
    if let (Some(ms), Some(ds)) = (m.as_slice_mut(), data.as_slice().filter(|_| data.is_standard_layout())) {
        if ms.len() == ds.len() {
            ms.copy_from_slice(ds);
            return;
        }
    }
    by_rank!(m.ndim(), D => {
        let mut m = m.into_dimensionality::<D>().expect("rank checked");
        m.assign(&data.into_dimensionality::<D>().expect("rank checked"));
    }, dynamic => m.assign(&data))
}

/// Writes `data` (already shaped like the region) into the region of `values`/`weights`.
pub(crate) fn write<T: AssembleElement>(
    combine: Combine,
    values: &mut ArrayD<T>,
    weights: &mut ArrayD<f32>,
    ranges: &[Range<usize>],
    data: ArrayViewD<'_, T>,
    window: Option<ArrayViewD<'_, f32>>,
) {
    let m = region_mut(values, ranges);
    let w = region_mut(weights, ranges);
    let window =
        window.as_ref().map(|k| k.broadcast(data.raw_dim()).expect("window is shaped for broadcasting"));
    by_rank!(m.ndim(), D => kernel::<T, D>(
        combine,
        m.into_dimensionality().expect("rank checked"),
        w.into_dimensionality().expect("rank checked"),
        data.into_dimensionality().expect("rank checked"),
        window.map(|k| k.into_dimensionality().expect("rank checked")),
    ), dynamic => kernel::<T, IxDyn>(combine, m, w, data, window))
}

fn kernel<T: AssembleElement, D: Dimension>(
    combine: Combine,
    mut m: ArrayViewMut<'_, T, D>,
    mut w: ArrayViewMut<'_, f32, D>,
    data: ArrayView<'_, T, D>,
    window: Option<ArrayView<'_, f32, D>>,
) {
    match (combine, window) {
        (Combine::LastWriteWins, _) => {
            m.assign(&data);
            w.fill(1.0);
        }
        (Combine::Average(_), None) => {
            // Fast path: slices of C-ordered buffers and standard-layout samples are plain slices.
            if let (Some(ms), Some(ws), Some(ds)) =
                (m.as_slice_mut(), w.as_slice_mut(), data.as_slice().filter(|_| data.is_standard_layout()))
            {
                for ((m, w), &v) in ms.iter_mut().zip(ws.iter_mut()).zip(ds) {
                    uniform_step(m, w, v);
                }
                return;
            }
            Zip::from(&mut m).and(&mut w).and(&data).for_each(|m, w, &v| uniform_step(m, w, v));
        }
        (Combine::Average(_), Some(window)) => {
            Zip::from(&mut m).and(&mut w).and(&data).and(&window).for_each(|m, w, &v, &k| {
                if *w == 0.0 {
                    *m = v;
                    *w = k;
                } else {
                    *w += k;
                    *m = T::running_mean(*m, v, k / *w);
                }
            });
        }
    }
}

#[inline(always)]
fn uniform_step<T: AssembleElement>(m: &mut T, w: &mut f32, v: T) {
    if *w == 0.0 {
        *m = v;
        *w = 1.0;
    } else {
        *w += 1.0;
        *m = T::running_mean(*m, v, 1.0 / *w);
    }
}
