//! Random augmentation (pymia's `augmentation` module), reproducible through the explicit RNG.
//!
//! Every augmentation has a probability `p` of being applied to a sample (drawn once per sample) and applies the
//! same random choice (offset, axis, angle, shift, deformation) to all its entries, so images and labels stay
//! aligned. Defaults follow pymia, including `p = 1.0` for mirror, rotation and shift (always applied).

use mia_core::{dispatch_image_data, Element, IntoImageData};
use ndarray::{ArrayD, Axis, Slice};
use rand::{Rng, RngCore};

use crate::transform::{owned, resolve_axis, Transform};
use crate::{ExtractError, Result, Sample};

mod elastic;

pub use elastic::{Interpolation, RandomElasticDeformation};

fn applies(p: f64, rng: &mut dyn RngCore) -> bool {
    p >= 1.0 || (p > 0.0 && rng.gen::<f64>() < p)
}

/// The shape shared by all entries (the first entry's), checked on the axes an augmentation touches.
fn common_shape(sample: &Sample, entries: &[String], axes: &[usize], op: &'static str) -> Result<Vec<usize>> {
    let first = entries.first().ok_or_else(|| ExtractError::params(op, "no entries"))?;
    let shape = sample.data(first)?.shape().to_vec();
    for e in entries {
        let s = sample.data(e)?.shape();
        for &a in axes {
            if s.get(a) != shape.get(a) {
                return Err(ExtractError::shape(
                    op,
                    e,
                    s,
                    format!("axis {a} differs from '{first}' {shape:?}"),
                ));
            }
        }
    }
    Ok(shape)
}

/// Crops a random window of a fixed size (pymia's augmentation `RandomCrop`).
///
/// `shape[i]` is the window size along `axes[i]` (default: the leading axes; `None` skips an axis). The window
/// start is drawn uniformly from `0..=size - window` (pymia draws from `0..size - window`, never choosing the last
/// position and failing when the window equals the size).
#[derive(Debug, Clone)]
pub struct RandomCrop {
    shape: Vec<Option<usize>>,
    axes: Option<Vec<usize>>,
    p: f64,
    entries: Vec<String>,
}

impl RandomCrop {
    /// Crops windows of `shape` from `images` and `labels`, always (`p = 1`).
    pub fn new(shape: &[Option<usize>]) -> Self {
        RandomCrop { shape: shape.to_vec(), axes: None, p: 1.0, entries: owned(&["images", "labels"]) }
    }
    /// The axes the sizes refer to.
    pub fn axes(mut self, axes: &[usize]) -> Self {
        self.axes = Some(axes.to_vec());
        self
    }
    /// Probability of applying.
    pub fn p(mut self, p: f64) -> Self {
        self.p = p;
        self
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for RandomCrop {
    fn apply(&self, sample: &mut Sample, rng: &mut dyn RngCore) -> Result<()> {
        if !applies(self.p, rng) {
            return Ok(());
        }
        let axes = self.axes.clone().unwrap_or_else(|| (0..self.shape.len()).collect());
        if axes.len() != self.shape.len() {
            return Err(ExtractError::params(
                "RandomCrop",
                format!("{} sizes for axes {axes:?}", self.shape.len()),
            ));
        }
        let shape = common_shape(sample, &self.entries, &axes, "RandomCrop")?;
        let mut windows = Vec::new();
        for (&a, &size) in axes.iter().zip(&self.shape) {
            let Some(size) = size else { continue };
            let n = *shape.get(a).ok_or_else(|| {
                ExtractError::shape("RandomCrop", &self.entries[0], &shape, format!("no axis {a}"))
            })?;
            if size > n || size == 0 {
                return Err(ExtractError::shape(
                    "RandomCrop",
                    &self.entries[0],
                    &shape,
                    format!("cannot crop {size} from axis {a}"),
                ));
            }
            let start = rng.gen_range(0..=n - size);
            windows.push((a, start..start + size));
        }
        for e in &self.entries {
            let d = sample.data_mut(e)?;
            *d = dispatch_image_data!(&*d, a => {
                let mut v = a.view();
                for (ax, r) in &windows {
                    v.slice_axis_inplace(Axis(*ax), Slice::from(r.clone()));
                }
                IntoImageData::wrap(v.as_standard_layout().into_owned())
            });
        }
        Ok(())
    }
}

/// Flips along an axis (pymia's `RandomMirror`, numpy `flip`).
#[derive(Debug, Clone)]
pub struct RandomMirror {
    axis: isize,
    p: f64,
    entries: Vec<String>,
}

impl RandomMirror {
    /// Flips `images` and `labels` along `axis` (pymia's default `-2`), always (`p = 1`, as pymia).
    pub fn new(axis: isize) -> Self {
        RandomMirror { axis, p: 1.0, entries: owned(&["images", "labels"]) }
    }
    /// Probability of applying.
    pub fn p(mut self, p: f64) -> Self {
        self.p = p;
        self
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

impl Transform for RandomMirror {
    fn apply(&self, sample: &mut Sample, rng: &mut dyn RngCore) -> Result<()> {
        if !applies(self.p, rng) {
            return Ok(());
        }
        for e in &self.entries {
            let d = sample.data_mut(e)?;
            let shape = d.shape().to_vec();
            let a = resolve_axis(self.axis, shape.len(), "RandomMirror", e, &shape)?;
            *d = dispatch_image_data!(&*d, x => {
                let mut v = x.view();
                v.invert_axis(Axis(a));
                IntoImageData::wrap(v.as_standard_layout().into_owned())
            });
        }
        Ok(())
    }
}

/// Rotates by 90°, 180° or 270° in a plane (pymia's `RandomRotation90`, numpy `rot90` with `k` ∈ {1, 2, 3}).
#[derive(Debug, Clone)]
pub struct RandomRotation90 {
    axes: (isize, isize),
    p: f64,
    entries: Vec<String>,
}

impl RandomRotation90 {
    /// Rotates `images` and `labels` in the plane of `axes` (pymia's default `(-3, -2)`), always (`p = 1`).
    pub fn new(axes: (isize, isize)) -> Self {
        RandomRotation90 { axes, p: 1.0, entries: owned(&["images", "labels"]) }
    }
    /// Probability of applying.
    pub fn p(mut self, p: f64) -> Self {
        self.p = p;
        self
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

/// numpy `rot90(a, k, axes=(a0, a1))`.
pub(crate) fn rot90<T: Clone>(a: &ArrayD<T>, k: usize, a0: usize, a1: usize) -> ArrayD<T> {
    let mut v = a.view();
    match k % 4 {
        0 => {}
        1 => {
            v.invert_axis(Axis(a1));
            v.swap_axes(a0, a1);
        }
        2 => {
            v.invert_axis(Axis(a0));
            v.invert_axis(Axis(a1));
        }
        _ => {
            v.swap_axes(a0, a1);
            v.invert_axis(Axis(a1));
        }
    }
    v.as_standard_layout().into_owned()
}

impl Transform for RandomRotation90 {
    fn apply(&self, sample: &mut Sample, rng: &mut dyn RngCore) -> Result<()> {
        if !applies(self.p, rng) {
            return Ok(());
        }
        let k = rng.gen_range(1..4);
        for e in &self.entries {
            let d = sample.data_mut(e)?;
            let shape = d.shape().to_vec();
            let a0 = resolve_axis(self.axes.0, shape.len(), "RandomRotation90", e, &shape)?;
            let a1 = resolve_axis(self.axes.1, shape.len(), "RandomRotation90", e, &shape)?;
            if a0 == a1 {
                return Err(ExtractError::params(
                    "RandomRotation90",
                    format!("axes {:?} are the same axis", self.axes),
                ));
            }
            *d = dispatch_image_data!(&*d, x => IntoImageData::wrap(rot90(x, k, a0, a1)));
        }
        Ok(())
    }
}

/// How [`RandomShift`] fills the positions a shift uncovers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ShiftFill {
    /// Wrap around (numpy `roll`, pymia's behaviour).
    #[default]
    Wrap,
    /// A constant (e.g. 0 for background), converted to the entry's pixel type.
    Constant(f64),
}

/// Shifts by a random number of positions (pymia's `RandomShift`).
///
/// `shift[i]` is a fraction of the size of `axes[i]` (default the leading axes): the shift is drawn uniformly from
/// `-s..=s` with `s = floor(fraction * size)`, the same for all entries. pymia rolls (wrap-around, the default
/// here); [`ShiftFill::Constant`] fills the uncovered border instead.
#[derive(Debug, Clone)]
pub struct RandomShift {
    shift: Vec<f64>,
    axes: Option<Vec<usize>>,
    fill: ShiftFill,
    p: f64,
    entries: Vec<String>,
}

impl RandomShift {
    /// Shifts `images` and `labels` by up to these fractions of the leading axes, always (`p = 1`).
    pub fn new(shift: &[f64]) -> Self {
        RandomShift {
            shift: shift.to_vec(),
            axes: None,
            fill: ShiftFill::Wrap,
            p: 1.0,
            entries: owned(&["images", "labels"]),
        }
    }
    /// The axes the fractions refer to.
    pub fn axes(mut self, axes: &[usize]) -> Self {
        self.axes = Some(axes.to_vec());
        self
    }
    /// How uncovered positions are filled.
    pub fn fill(mut self, fill: ShiftFill) -> Self {
        self.fill = fill;
        self
    }
    /// Probability of applying.
    pub fn p(mut self, p: f64) -> Self {
        self.p = p;
        self
    }
    /// The entries transformed.
    pub fn entries(mut self, entries: &[&str]) -> Self {
        self.entries = owned(entries);
        self
    }
}

fn shift_axis<T: Element>(a: &ArrayD<T>, axis: usize, s: isize, fill: ShiftFill) -> ArrayD<T> {
    let n = a.shape()[axis] as isize;
    if n == 0 || s == 0 {
        return a.clone();
    }
    let map: Vec<Option<usize>> = (0..n)
        .map(|i| {
            let src = i - s;
            match fill {
                ShiftFill::Wrap => Some(src.rem_euclid(n) as usize),
                ShiftFill::Constant(_) => (0..n).contains(&src).then_some(src as usize),
            }
        })
        .collect();
    let value = match fill {
        ShiftFill::Constant(v) => T::from_f64(v),
        ShiftFill::Wrap => T::default(),
    };
    let mut maps: Vec<Vec<Option<usize>>> =
        (0..axis).map(|ax| (0..a.shape()[ax]).map(Some).collect()).collect();
    maps.push(map);
    crate::util::gather(a, &maps, value)
}

impl Transform for RandomShift {
    fn apply(&self, sample: &mut Sample, rng: &mut dyn RngCore) -> Result<()> {
        if !applies(self.p, rng) {
            return Ok(());
        }
        let axes = self.axes.clone().unwrap_or_else(|| (0..self.shift.len()).collect());
        if axes.len() != self.shift.len() || self.shift.iter().any(|f| !(0.0..=1.0).contains(f)) {
            return Err(ExtractError::params(
                "RandomShift",
                format!("fractions {:?} for axes {axes:?}", self.shift),
            ));
        }
        let shape = common_shape(sample, &self.entries, &axes, "RandomShift")?;
        let mut shifts = Vec::new();
        for (&a, &f) in axes.iter().zip(&self.shift) {
            let n = *shape.get(a).ok_or_else(|| {
                ExtractError::shape("RandomShift", &self.entries[0], &shape, format!("no axis {a}"))
            })?;
            let s_max = (f * n as f64).floor() as isize;
            shifts.push((a, rng.gen_range(-s_max..=s_max)));
        }
        for e in &self.entries {
            let d = sample.data_mut(e)?;
            for &(a, s) in &shifts {
                *d = dispatch_image_data!(&*d, x => IntoImageData::wrap(shift_axis(x, a, s, self.fill)));
            }
        }
        Ok(())
    }
}
