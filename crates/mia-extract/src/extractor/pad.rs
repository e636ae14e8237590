//! Context padding around samples.

use mia_core::{dispatch_image_data, Element, ImageData, IntoImageData};
use mia_index::{AxisIndex, IndexExpression};
use ndarray::{ArrayD, IxDyn};
use rand::RngCore;

use super::{ExtractParams, Extractor};
use crate::util::gather;
use crate::{Entry, ExtractError, Result, Sample, Source};

/// How positions outside the subject's array are filled by [`PadDataExtractor`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum PadMode {
    /// Zeros (pymia's `zero_pad`).
    #[default]
    Zero,
    /// A constant value (converted to the array's pixel type).
    Constant(f64),
    /// The nearest border value (numpy `edge`).
    Edge,
    /// Mirror without repeating the border value (numpy `reflect`: `d c b | a b c d | c b a`).
    Reflect,
    /// Mirror repeating the border value (numpy `symmetric`: `c b a | a b c d | d c b`).
    Symmetric,
}

/// Extracts data with context around the index expression (pymia's `PadDataExtractor`).
///
/// `padding[a] = (before, after)` widens axis `a` of the expression: a range `s..e` becomes `s-before..e+after`, a
/// position `i` becomes the range `i-before..i+1+after` (the axis is kept, as in pymia) and a whole axis is padded
/// at both ends. Positions outside the array are filled according to [`PadMode`]. The wrapped extractor is run with
/// the widened (clipped) expression and every array it produces is padded. Unlike pymia, the shared index
/// expressions of the data source are never modified, and every index kind works (mia DECISIONS #8).
///
/// pymia's patch example: `PadDataExtractor::symmetric(&[2, 2, 2], DataExtractor::default())` on the patch
/// `[0:4, 0:4, 0:4]` of a `(6, 8, 10, 2)` subject gives an `(8, 8, 8, 2)` array whose first two positions along each
/// axis are zero.
pub struct PadDataExtractor {
    padding: Vec<(usize, usize)>,
    inner: Box<dyn Extractor>,
    mode: PadMode,
    reference_category: Option<String>,
}

impl std::fmt::Debug for PadDataExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PadDataExtractor").field("padding", &self.padding).field("mode", &self.mode).finish()
    }
}

impl PadDataExtractor {
    /// Pads axis `a` by `padding[a] = (before, after)` around what `inner` extracts.
    pub fn new(padding: Vec<(usize, usize)>, inner: impl Extractor + 'static) -> Self {
        PadDataExtractor { padding, inner: Box::new(inner), mode: PadMode::Zero, reference_category: None }
    }

    /// The same padding on both sides of each axis (pymia's tuple-of-ints form).
    pub fn symmetric(padding: &[usize], inner: impl Extractor + 'static) -> Self {
        PadDataExtractor::new(padding.iter().map(|&p| (p, p)).collect(), inner)
    }

    /// Sets the fill mode (default [`PadMode::Zero`]).
    pub fn mode(mut self, mode: PadMode) -> Self {
        self.mode = mode;
        self
    }

    /// The category whose shape bounds the padded axes (default: `images`, else the dataset's first category).
    pub fn reference_category(mut self, category: &str) -> Self {
        self.reference_category = Some(category.to_string());
        self
    }

    fn reference_shape(&self, source: &dyn Source, subject: usize) -> Result<Vec<usize>> {
        let category = match &self.reference_category {
            Some(c) => c.clone(),
            None => {
                let cats = source.categories()?;
                if cats.iter().any(|c| c == "images") {
                    "images".to_string()
                } else {
                    cats.into_iter().next().ok_or_else(|| ExtractError::Missing {
                        what: "categories".into(),
                        message: "the dataset has no category".into(),
                    })?
                }
            }
        };
        source.shape(&category, subject)
    }
}

fn map_position(v: isize, n: usize, mode: PadMode) -> Option<usize> {
    let n_i = n as isize;
    if (0..n_i).contains(&v) {
        return Some(v as usize);
    }
    if n == 0 {
        return None;
    }
    match mode {
        PadMode::Zero | PadMode::Constant(_) => None,
        PadMode::Edge => Some(v.clamp(0, n_i - 1) as usize),
        PadMode::Reflect => {
            if n == 1 {
                return Some(0);
            }
            let period = 2 * (n_i - 1);
            let m = v.rem_euclid(period);
            Some(if m < n_i { m } else { period - m } as usize)
        }
        PadMode::Symmetric => {
            let period = 2 * n_i;
            let m = v.rem_euclid(period);
            Some(if m < n_i { m } else { period - 1 - m } as usize)
        }
    }
}

/// The read plan of one axis: the range read from the source and, for padded axes, the gather map.
struct AxisPlan {
    read: AxisIndex,
    map: Option<Vec<Option<usize>>>,
    drop: bool,
}

fn plan_axis(index: AxisIndex, n: usize, pad: Option<(usize, usize)>, mode: PadMode) -> Result<AxisPlan> {
    let (start, stop, was_index) = match index {
        AxisIndex::All => (0, n, false),
        AxisIndex::Index(i) => (i, i + 1, true),
        AxisIndex::Range { start, stop } => (start, stop, false),
    };
    let Some((before, after)) = pad else {
        let read = match index {
            AxisIndex::Index(i) => AxisIndex::Range { start: i, stop: i + 1 },
            AxisIndex::Range { start, stop } => {
                AxisIndex::Range { start, stop: stop.min(n).max(start.min(n)) }
            }
            AxisIndex::All => AxisIndex::All,
        };
        return Ok(AxisPlan { read, map: None, drop: was_index });
    };
    let lo = start as isize - before as isize;
    let hi = stop as isize + after as isize;
    let mapped: Vec<Option<usize>> = (lo..hi).map(|v| map_position(v, n, mode)).collect();
    let present = mapped.iter().flatten();
    let (rmin, rmax) = present.fold((usize::MAX, 0), |(a, b), &v| (a.min(v), b.max(v)));
    if rmin == usize::MAX {
        // Nothing of the array is inside the padded window: read an empty range.
        let read = AxisIndex::Range { start: 0, stop: 0 };
        return Ok(AxisPlan { read, map: Some(mapped), drop: false });
    }
    let map = mapped.iter().map(|m| m.map(|v| v - rmin)).collect();
    Ok(AxisPlan { read: AxisIndex::Range { start: rmin, stop: rmax + 1 }, map: Some(map), drop: false })
}

fn pad_typed<T: Element + IntoImageData>(
    a: &ArrayD<T>,
    plans: &[AxisPlan],
    fill: T,
    key: &str,
) -> Result<ImageData> {
    let mut maps = Vec::with_capacity(plans.len());
    for (axis, p) in plans.iter().enumerate() {
        let len = a.shape().get(axis).copied().ok_or_else(|| {
            ExtractError::shape(
                "PadDataExtractor",
                key,
                a.shape(),
                "fewer axes than the padded index expression",
            )
        })?;
        let expected = match p.read {
            AxisIndex::Range { start, stop } => Some(stop - start),
            _ => None,
        };
        if expected.is_some_and(|e| e != len) {
            return Err(ExtractError::shape(
                "PadDataExtractor",
                key,
                a.shape(),
                format!("axis {axis} has {len} positions, the padded read expects {}", expected.unwrap_or(0)),
            ));
        }
        maps.push(p.map.clone().unwrap_or_else(|| (0..len).map(Some).collect()));
    }
    let out = gather(a, &maps, fill);
    let shape: Vec<usize> = out
        .shape()
        .iter()
        .enumerate()
        .filter(|(i, _)| !plans.get(*i).is_some_and(|p| p.drop))
        .map(|(_, &n)| n)
        .collect();
    let out = out.into_shape_with_order(IxDyn(&shape)).expect("only unit axes are dropped");
    Ok(T::wrap(out))
}

impl Extractor for PadDataExtractor {
    fn extract(
        &self,
        source: &dyn Source,
        params: &ExtractParams,
        rng: &mut dyn RngCore,
        sample: &mut Sample,
    ) -> Result<()> {
        let shape = self.reference_shape(source, params.subject_index)?;
        let n_axes = params.index_expr.axes().len().max(self.padding.len());
        if n_axes > shape.len() {
            return Err(ExtractError::params(
                "PadDataExtractor",
                format!("padding {:?} has more axes than the subject's shape {shape:?}", self.padding),
            ));
        }
        let plans = (0..n_axes)
            .map(|a| plan_axis(params.index_expr.axis(a), shape[a], self.padding.get(a).copied(), self.mode))
            .collect::<Result<Vec<_>>>()?;
        // Validate positions the same way a plain read would.
        for (a, p) in plans.iter().enumerate() {
            if let AxisIndex::Range { start, stop } = p.read {
                if start > shape[a] || (p.map.is_none() && start >= shape[a] && stop > start) {
                    return Err(mia_index::IndexError::OutOfBounds {
                        axis: a,
                        index: format!("{}", params.index_expr),
                        shape: shape.clone(),
                    }
                    .into());
                }
            }
        }
        let read_expr = IndexExpression::new(plans.iter().map(|p| p.read).collect());
        let inner_params = ExtractParams::new(params.subject_index, read_expr);
        let mut inner = Sample::new();
        self.inner.extract(source, &inner_params, rng, &mut inner)?;
        for (key, entry) in inner.entries {
            let entry = match entry {
                Entry::Data(d) => {
                    let padded = dispatch_image_data!(&d, a => {
                        let fill = match self.mode { PadMode::Constant(v) => Element::from_f64(v), _ => Default::default() };
                        pad_typed(a, &plans, fill, &key)?
                    });
                    Entry::Data(padded)
                }
                other => other,
            };
            sample.entries.insert(key, entry);
        }
        sample.subject = inner.subject.or(sample.subject.take());
        sample.properties = inner.properties.or(sample.properties.take());
        sample.shape = inner.shape.or(sample.shape.take());
        if inner.subject_index.is_some() {
            sample.subject_index = inner.subject_index;
        }
        if inner.index_expr.is_some() {
            // Report the caller's expression, not the widened read.
            sample.index_expr = Some(params.index_expr.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_maps() {
        let m = |mode| (-3..7).map(|v| map_position(v, 4, mode)).collect::<Vec<_>>();
        assert_eq!(
            m(PadMode::Zero),
            [None, None, None, Some(0), Some(1), Some(2), Some(3), None, None, None]
        );
        let s = |mode| m(mode).into_iter().map(|v| v.unwrap()).collect::<Vec<_>>();
        assert_eq!(s(PadMode::Edge), [0, 0, 0, 0, 1, 2, 3, 3, 3, 3]);
        // numpy.pad(arange(4), 3, 'reflect') = [3 2 1 0 1 2 3 2 1 0]
        assert_eq!(s(PadMode::Reflect), [3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
        // numpy.pad(arange(4), 3, 'symmetric') = [2 1 0 0 1 2 3 3 2 1]
        assert_eq!(s(PadMode::Symmetric), [2, 1, 0, 0, 1, 2, 3, 3, 2, 1]);
    }
}
