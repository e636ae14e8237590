//! Transforms applied to extracted samples (pymia's `transformation` module).
//!
//! Every transform works on named entries of a [`Sample`] (defaults as in pymia, e.g. `images` and `labels`); a
//! missing entry is an [`ExtractError::MissingEntry`] (pymia's default `raise_error_if_entry_not_extracted`).
//! Transforms that draw random numbers use the explicit `rng`, so a seeded run is reproducible.

use std::sync::Arc;

use mia_core::{dispatch_image_data, Element, ImageData, IntoImageData};
use ndarray::{ArrayD, Axis, IxDyn, Slice};
use rand::RngCore;

use crate::{ExtractError, Result, Sample};

mod intensity;

pub(crate) use intensity::percentile_of;
pub use intensity::{ClipPercentile, IntensityNormalization, IntensityRescale, Mask, Relabel};

/// Changes a sample in place (pymia's `Transform`).
///
/// Object-safe; a `Vec<Box<dyn Transform>>` applies its elements in order (pymia's `ComposeTransform`).
pub trait Transform: Send + Sync {
    /// Applies the transform; random choices come from `rng`.
    fn apply(&self, sample: &mut Sample, rng: &mut dyn RngCore) -> Result<()>;
}

macro_rules! forward_transform {
    ($($t:ty),*) => {$(
        impl<T: Transform + ?Sized> Transform for $t {
            fn apply(&self, sample: &mut Sample, rng: &mut dyn RngCore) -> Result<()> {
                (**self).apply(sample, rng)
            }
        }
    )*};
}
forward_transform!(&T, Box<T>, Arc<T>);

impl<T: Transform> Transform for Vec<T> {
    fn apply(&self, sample: &mut Sample, rng: &mut dyn RngCore) -> Result<()> {
        for t in self {
            t.apply(sample, rng)?;
        }
        Ok(())
    }
}

pub(crate) fn owned(entries: &[&str]) -> Vec<String> {
    entries.iter().map(|e| e.to_string()).collect()
}

/// Resolves a possibly negative axis (`-1` = last) against `ndim`.
pub(crate) fn resolve_axis(
    axis: isize,
    ndim: usize,
    op: &'static str,
    entry: &str,
    shape: &[usize],
) -> Result<usize> {
    let a = if axis < 0 { ndim as isize + axis } else { axis };
    if a < 0 || a as usize >= ndim {
        return Err(ExtractError::shape(op, entry, shape, format!("axis {axis} does not exist")));
    }
    Ok(a as usize)
}

/// Applies `f` to every listed entry's array.
pub(crate) fn for_entries(
    sample: &mut Sample,
    entries: &[String],
    mut f: impl FnMut(&str, &mut ImageData) -> Result<()>,
) -> Result<()> {
    for e in entries {
        let d = sample.data_mut(e)?;
        f(e, d)?;
    }
    Ok(())
}

type EntryFn = Box<dyn Fn(&str, &mut ImageData) -> Result<()> + Send + Sync>;

/// A transform from a closure over one entry's array (pymia's `LambdaTransform`).
pub struct Lambda {
    f: EntryFn,
    entries: Vec<String>,
}

impl Lambda {
    /// Runs `f(entry_name, array)` on each entry (default `images`).
    pub fn new(f: impl Fn(&str, &mut ImageData) -> Result<()> + Send + Sync + 'static) -> Self {
        Lambda { f: Box::new(f), entries: owned(&["images"]) }
    }

    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for Lambda {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        for_entries(sample, &self.entries, |e, d| (self.f)(e, d))
    }
}

fn map_array(d: &mut ImageData, f: impl Fn(&ImageData) -> Result<ImageData>) -> Result<()> {
    *d = f(d)?;
    Ok(())
}

/// Permutes the axes (pymia's `Permute`, numpy `transpose`).
#[derive(Debug, Clone)]
pub struct Permute {
    permutation: Vec<usize>,
    entries: Vec<String>,
}

impl Permute {
    /// Output axis `i` is input axis `permutation[i]`; entries `images`, `labels`.
    pub fn new(permutation: &[usize]) -> Self {
        Permute { permutation: permutation.to_vec(), entries: owned(&["images", "labels"]) }
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for Permute {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        for_entries(sample, &self.entries, |e, d| {
            let mut sorted = self.permutation.clone();
            sorted.sort_unstable();
            if sorted != (0..d.shape().len()).collect::<Vec<_>>() {
                return Err(ExtractError::shape(
                    "Permute",
                    e,
                    d.shape(),
                    format!("{:?} is no permutation of its axes", self.permutation),
                ));
            }
            map_array(d, |d| {
                Ok(
                    dispatch_image_data!(d, a => IntoImageData::wrap(a.clone().permuted_axes(IxDyn(&self.permutation)).as_standard_layout().into_owned())),
                )
            })
        })
    }
}

/// Removes axes of length one (pymia's `Squeeze`).
#[derive(Debug, Clone)]
pub struct Squeeze {
    axis: Option<isize>,
    entries: Vec<String>,
}

impl Squeeze {
    /// Removes every unit axis (`None`) or only `axis` (an error if its length is not one).
    pub fn new(axis: Option<isize>) -> Self {
        Squeeze { axis, entries: owned(&["images", "labels"]) }
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for Squeeze {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        for_entries(sample, &self.entries, |e, d| {
            let shape = d.shape().to_vec();
            let new: Vec<usize> = match self.axis {
                None => shape.iter().copied().filter(|&n| n != 1).collect(),
                Some(ax) => {
                    let a = resolve_axis(ax, shape.len(), "Squeeze", e, &shape)?;
                    if shape[a] != 1 {
                        return Err(ExtractError::shape(
                            "Squeeze",
                            e,
                            &shape,
                            format!("axis {ax} has length {}", shape[a]),
                        ));
                    }
                    shape.iter().enumerate().filter(|(i, _)| *i != a).map(|(_, &n)| n).collect()
                }
            };
            let taken = std::mem::replace(d, ImageData::U8(ArrayD::zeros(IxDyn(&[0]))));
            *d = taken
                .into_shape(&new)
                .map_err(|err| ExtractError::shape("Squeeze", e, &shape, err.to_string()))?;
            Ok(())
        })
    }
}

/// Inserts an axis of length one (pymia's `UnSqueeze`, numpy `expand_dims`).
#[derive(Debug, Clone)]
pub struct UnSqueeze {
    axis: isize,
    entries: Vec<String>,
}

impl UnSqueeze {
    /// Inserts at `axis` (`-1`: new last axis, pymia's default).
    pub fn new(axis: isize) -> Self {
        UnSqueeze { axis, entries: owned(&["images", "labels"]) }
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for UnSqueeze {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        for_entries(sample, &self.entries, |e, d| {
            let mut shape = d.shape().to_vec();
            let a = resolve_axis(self.axis, shape.len() + 1, "UnSqueeze", e, &shape)?;
            shape.insert(a, 1);
            let taken = std::mem::replace(d, ImageData::U8(ArrayD::zeros(IxDyn(&[0]))));
            *d = taken
                .into_shape(&shape)
                .map_err(|err| ExtractError::shape("UnSqueeze", e, &shape, err.to_string()))?;
            Ok(())
        })
    }
}

/// Reshapes entries in C order (pymia's `Reshape`); one `-1` per shape is inferred as in numpy.
#[derive(Debug, Clone)]
pub struct Reshape {
    shapes: Vec<(String, Vec<isize>)>,
}

impl Reshape {
    /// `shapes`: entry name and target shape.
    pub fn new(shapes: &[(&str, &[isize])]) -> Self {
        Reshape { shapes: shapes.iter().map(|(e, s)| (e.to_string(), s.to_vec())).collect() }
    }
}

impl Transform for Reshape {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        for (e, target) in &self.shapes {
            let d = sample.data_mut(e)?;
            let shape = d.shape().to_vec();
            let len: usize = shape.iter().product();
            let known: usize = target.iter().filter(|&&n| n >= 0).map(|&n| n as usize).product();
            let unknown = target.iter().filter(|&&n| n < 0).count();
            let bad = || ExtractError::shape("Reshape", e, &shape, format!("cannot reshape into {target:?}"));
            let new: Vec<usize> = match unknown {
                0 => target.iter().map(|&n| n as usize).collect(),
                1 if known > 0 && len % known == 0 => {
                    target.iter().map(|&n| if n < 0 { len / known } else { n as usize }).collect()
                }
                _ => return Err(bad()),
            };
            if new.iter().product::<usize>() != len || target.iter().any(|&n| n < -1) {
                return Err(bad());
            }
            let taken = std::mem::replace(d, ImageData::U8(ArrayD::zeros(IxDyn(&[0]))));
            *d = taken.into_shape(&new).map_err(|_| bad())?;
        }
        Ok(())
    }
}

/// Centred crop or pad of the leading axes to a size (pymia's `SizeCorrection`).
///
/// Per axis with a target: crop `before = (cur - size) / 2` from the start (the remainder from the end), or pad
/// `before = diff / 2`, `after = diff / 2 + diff % 2` with `pad_value`.
#[derive(Debug, Clone)]
pub struct SizeCorrection {
    shape: Vec<Option<usize>>,
    pad_value: f64,
    entries: Vec<String>,
}

impl SizeCorrection {
    /// Target sizes of the leading axes (`None`: leave the axis alone); entries `images`, `labels`.
    pub fn new(shape: &[Option<usize>]) -> Self {
        SizeCorrection { shape: shape.to_vec(), pad_value: 0.0, entries: owned(&["images", "labels"]) }
    }
    /// The constant used for padding (default 0).
    pub fn pad_value(mut self, value: f64) -> Self {
        self.pad_value = value;
        self
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

/// Centred crop/pad of one array (also used by assemblers through [`size_correct`]).
fn size_correct_typed<T: Element>(a: &ArrayD<T>, shape: &[Option<usize>], pad: T) -> ArrayD<T> {
    let mut out_shape = a.shape().to_vec();
    let mut src = a.view();
    let mut dst_ranges = Vec::new();
    for (axis, target) in shape.iter().enumerate() {
        let cur = a.shape()[axis];
        let Some(size) = *target else {
            dst_ranges.push(0..cur);
            continue;
        };
        out_shape[axis] = size;
        if cur >= size {
            let before = (cur - size) / 2;
            src.slice_axis_inplace(Axis(axis), Slice::from(before..before + size));
            dst_ranges.push(0..size);
        } else {
            let before = (size - cur) / 2;
            dst_ranges.push(before..before + cur);
        }
    }
    let mut out = ArrayD::from_elem(IxDyn(&out_shape), pad);
    let mut dst = out.view_mut();
    for (axis, r) in dst_ranges.into_iter().enumerate() {
        dst.slice_axis_inplace(Axis(axis), Slice::from(r));
    }
    dst.assign(&src);
    out
}

/// Centred crop/pad of the leading axes of an array to `shape` (`None`: keep the axis), pymia's `SizeCorrection`
/// on one array.
pub fn size_correct(d: &ImageData, shape: &[Option<usize>], pad_value: f64) -> Result<ImageData> {
    if shape.len() > d.shape().len() {
        return Err(ExtractError::shape(
            "SizeCorrection",
            "array",
            d.shape(),
            format!("target {shape:?} has more axes"),
        ));
    }
    Ok(
        dispatch_image_data!(d, a => IntoImageData::wrap(size_correct_typed(a, shape, Element::from_f64(pad_value)))),
    )
}

impl Transform for SizeCorrection {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        for_entries(sample, &self.entries, |_, d| {
            *d = size_correct(d, &self.shape, self.pad_value)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests;
