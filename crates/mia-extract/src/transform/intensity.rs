//! Intensity transforms: rescale, z-score, percentile clipping, relabel, mask.

use mia_core::{dispatch_image_data, Element, ImageData};
use ndarray::{ArrayD, Axis, IxDyn};
use rand::RngCore;

use super::{for_entries, owned, Transform};
use crate::{ExtractError, Result, Sample};

/// Runs `f` on the values of the whole array (`loop_axis = None`) or of each index along `loop_axis`, as `f64`,
/// and writes the results back in the array's pixel type (pymia's `LoopEntryTransform`).
fn per_part(
    d: &mut ImageData,
    loop_axis: Option<usize>,
    op: &'static str,
    entry: &str,
    f: &dyn Fn(&mut [f64]) -> Result<()>,
) -> Result<()> {
    fn go<T: Element>(
        a: &mut ArrayD<T>,
        loop_axis: Option<usize>,
        f: &dyn Fn(&mut [f64]) -> Result<()>,
    ) -> Result<()> {
        let run = |mut view: ndarray::ArrayViewMutD<'_, T>| -> Result<()> {
            let mut vals: Vec<f64> = view.iter().map(|v| v.to_f64()).collect();
            f(&mut vals)?;
            for (dst, v) in view.iter_mut().zip(vals) {
                *dst = T::from_f64(v);
            }
            Ok(())
        };
        match loop_axis {
            None => run(a.view_mut()),
            Some(ax) => a.axis_iter_mut(Axis(ax)).try_for_each(run),
        }
    }
    if let Some(ax) = loop_axis {
        if ax >= d.shape().len() {
            return Err(ExtractError::shape(op, entry, d.shape(), format!("loop axis {ax} does not exist")));
        }
    }
    dispatch_image_data!(d, a => go(a, loop_axis, f))
}

/// Linear rescaling to `[lower, upper]` (pymia's `IntensityRescale`): `(a - min) / (max - min) * (upper - lower) +
/// lower`, computed in `f64` and written back in the entry's pixel type. A constant array is an error.
#[derive(Debug, Clone)]
pub struct IntensityRescale {
    lower: f64,
    upper: f64,
    loop_axis: Option<usize>,
    entries: Vec<String>,
}

impl IntensityRescale {
    /// Rescales `images` to `[lower, upper]`.
    pub fn new(lower: f64, upper: f64) -> Self {
        IntensityRescale { lower, upper, loop_axis: None, entries: owned(&["images"]) }
    }
    /// Rescales each index along this axis separately (e.g. each channel).
    pub fn loop_axis(mut self, axis: Option<usize>) -> Self {
        self.loop_axis = axis;
        self
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for IntensityRescale {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        let (lo, hi) = (self.lower, self.upper);
        for_entries(sample, &self.entries, |e, d| {
            per_part(d, self.loop_axis, "IntensityRescale", e, &|v| {
                let (min, max) =
                    v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
                if max.partial_cmp(&min) != Some(std::cmp::Ordering::Greater) {
                    return Err(ExtractError::NotComputable {
                        operation: "IntensityRescale",
                        entry: e.to_string(),
                        message: format!("min ({min}) equals max ({max})"),
                    });
                }
                v.iter_mut().for_each(|x| *x = (*x - min) / (max - min) * (hi - lo) + lo);
                Ok(())
            })
        })
    }
}

/// Z-score normalisation `(a - mean) / std` with the population standard deviation (pymia's
/// `IntensityNormalization`). Only floating-point entries; a constant array gives non-finite values, as in pymia.
#[derive(Debug, Clone)]
pub struct IntensityNormalization {
    loop_axis: Option<usize>,
    entries: Vec<String>,
}

impl IntensityNormalization {
    /// Normalises `images`.
    pub fn new() -> Self {
        IntensityNormalization { loop_axis: None, entries: owned(&["images"]) }
    }
    /// Normalises each index along this axis separately.
    pub fn loop_axis(mut self, axis: Option<usize>) -> Self {
        self.loop_axis = axis;
        self
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Default for IntensityNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl Transform for IntensityNormalization {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        for_entries(sample, &self.entries, |e, d| {
            if !d.pixel_type().is_float() {
                return Err(ExtractError::EntryType {
                    entry: e.to_string(),
                    expected: "a floating-point array".into(),
                    found: format!("{} array", d.pixel_type()),
                });
            }
            per_part(d, self.loop_axis, "IntensityNormalization", e, &|v| {
                let n = v.len() as f64;
                let mean = v.iter().sum::<f64>() / n;
                let std = (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
                v.iter_mut().for_each(|x| *x = (*x - mean) / std);
                Ok(())
            })
        })
    }
}

/// numpy's default (`linear`) percentile of unsorted values.
pub(crate) fn percentile_of(values: &[f64], q: f64) -> f64 {
    let mut s: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if s.is_empty() {
        return f64::NAN;
    }
    s.sort_by(|a, b| a.total_cmp(b));
    let pos = q.clamp(0.0, 100.0) / 100.0 * (s.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos - pos.floor());
    if i + 1 < s.len() {
        s[i] + (s[i + 1] - s[i]) * frac
    } else {
        s[i]
    }
}

/// Clips values to percentiles (pymia's `ClipPercentile`); the lower percentile defaults to `100 - upper`.
///
/// By default both percentiles are computed on the original values. pymia computes the lower percentile after
/// clipping at the upper one (`[1, 2, 3, 100]`, 50 → pymia `[2.25, 2.25, 2.5, 2.5]`, mia `[2.5; 4]`);
/// [`ClipPercentile::pymia_order`] reproduces that.
#[derive(Debug, Clone)]
pub struct ClipPercentile {
    upper: f64,
    lower: f64,
    pymia_order: bool,
    loop_axis: Option<usize>,
    entries: Vec<String>,
}

impl ClipPercentile {
    /// Clips `images` to the `[100 - upper, upper]` percentiles.
    pub fn new(upper: f64) -> Self {
        ClipPercentile {
            upper,
            lower: 100.0 - upper,
            pymia_order: false,
            loop_axis: None,
            entries: owned(&["images"]),
        }
    }
    /// Sets the lower percentile.
    pub fn lower(mut self, lower: f64) -> Self {
        self.lower = lower;
        self
    }
    /// Computes the lower percentile after the upper clipping, as pymia 0.3.4 does.
    pub fn pymia_order(mut self, on: bool) -> Self {
        self.pymia_order = on;
        self
    }
    /// Clips each index along this axis separately.
    pub fn loop_axis(mut self, axis: Option<usize>) -> Self {
        self.loop_axis = axis;
        self
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for ClipPercentile {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        for (name, q) in [("upper", self.upper), ("lower", self.lower)] {
            if !(0.0..=100.0).contains(&q) {
                return Err(ExtractError::params(
                    "ClipPercentile",
                    format!("{name} percentile {q} not in [0, 100]"),
                ));
            }
        }
        for_entries(sample, &self.entries, |e, d| {
            per_part(d, self.loop_axis, "ClipPercentile", e, &|v| {
                let hi = percentile_of(v, self.upper);
                if self.pymia_order {
                    v.iter_mut().for_each(|x| *x = x.min(hi));
                    let lo = percentile_of(v, self.lower);
                    v.iter_mut().for_each(|x| *x = x.max(lo));
                } else {
                    let lo = percentile_of(v, self.lower);
                    v.iter_mut().for_each(|x| *x = x.min(hi).max(lo));
                }
                Ok(())
            })
        })
    }
}

/// Replaces label values (pymia's `Relabel`): pairs `(new, old)` applied one after the other, so `[(1, 2), (2, 1)]`
/// on `[1, 2]` gives `[2, 2]` as in pymia.
#[derive(Debug, Clone)]
pub struct Relabel {
    changes: Vec<(f64, f64)>,
    entries: Vec<String>,
}

impl Relabel {
    /// `changes`: `(new, old)` pairs, applied in order to `labels`.
    pub fn new(changes: &[(f64, f64)]) -> Self {
        Relabel { changes: changes.to_vec(), entries: owned(&["labels"]) }
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for Relabel {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        for_entries(sample, &self.entries, |_, d| {
            dispatch_image_data!(d, a => {
                for &(new, old) in &self.changes {
                    let (new, old) = (Element::from_f64(new), old);
                    a.mapv_inplace(|v| if v.to_f64() == old { new } else { v });
                }
            });
            Ok(())
        })
    }
}

/// Sets values where a mask entry equals `mask_value` to `masking_value` (pymia's `Mask`).
///
/// The mask is broadcast to each entry's shape (numpy rules); with `loop_axis`, a mask lacking that axis is
/// repeated along it.
#[derive(Debug, Clone)]
pub struct Mask {
    mask_key: String,
    mask_value: f64,
    masking_value: f64,
    loop_axis: Option<usize>,
    entries: Vec<String>,
}

impl Mask {
    /// Masks `images` and `labels` where `mask_key == 0`, setting them to 0.
    pub fn new(mask_key: &str) -> Self {
        Mask {
            mask_key: mask_key.to_string(),
            mask_value: 0.0,
            masking_value: 0.0,
            loop_axis: None,
            entries: owned(&["images", "labels"]),
        }
    }
    /// The mask value that selects voxels to overwrite (default 0).
    pub fn mask_value(mut self, v: f64) -> Self {
        self.mask_value = v;
        self
    }
    /// The value written (default 0).
    pub fn masking_value(mut self, v: f64) -> Self {
        self.masking_value = v;
        self
    }
    /// Repeats the mask along this axis of the entries.
    pub fn loop_axis(mut self, axis: Option<usize>) -> Self {
        self.loop_axis = axis;
        self
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for Mask {
    fn apply(&self, sample: &mut Sample, _: &mut dyn RngCore) -> Result<()> {
        let mask = sample.data(&self.mask_key)?.to_f64();
        let hit = mask.mapv(|m| m == self.mask_value);
        for_entries(sample, &self.entries, |e, d| {
            let shape = d.shape().to_vec();
            let mut m = hit.clone();
            if let Some(ax) = self.loop_axis {
                if m.ndim() + 1 == shape.len() && ax <= m.ndim() {
                    m = m.insert_axis(Axis(ax));
                }
            }
            let b = m.broadcast(IxDyn(&shape)).ok_or_else(|| {
                ExtractError::shape(
                    "Mask",
                    e,
                    &shape,
                    format!("mask '{}' of shape {:?} does not broadcast", self.mask_key, hit.shape()),
                )
            })?;
            dispatch_image_data!(d, a => {
                let v = Element::from_f64(self.masking_value);
                ndarray::Zip::from(a).and(&b).for_each(|x, &h| if h { *x = v });
            });
            Ok(())
        })
    }
}
