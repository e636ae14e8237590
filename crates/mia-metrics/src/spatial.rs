//! Mask metrics beyond the confusion matrix: ICCORR, PROBDST, MAHLNBS, areas and volumes.

use ndarray::{ArrayViewD, Axis};

use crate::categorical::reason;
use crate::error::{MetricError, Result};
use crate::macros::simple_metric;
use crate::value::{MetricKind, MetricValue, NotComputable, ParamValue};
use crate::{EvaluationContext, Metric};

/// Exact integer coordinate moments of a mask's foreground voxels (numpy axis order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Moments {
    /// Number of foreground voxels.
    pub(crate) n: u64,
    /// Σ coordinate per axis.
    sum: Vec<i128>,
    /// Σ coordinate_i · coordinate_j, row-major d×d.
    sum_products: Vec<i128>,
}

/// The runs `[a, b)` of ones in a lane of 0/1 bytes, found by `memchr`.
fn runs(lane: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let a = at + memchr::memchr(1, &lane[at..])?;
        at = memchr::memchr(0, &lane[a..]).map_or(lane.len(), |len| a + len);
        Some((a, at))
    })
}

/// `(n, Σx, Σx²)` over the positions `x` of the ones in a lane of 0/1 bytes, run by run: each run's sums have closed
/// forms.
fn lane_sums(lane: &[u8]) -> (i128, i128, i128) {
    // Σ_{x<k} x² < k³/3: for lanes up to 2^20 voxels every partial sum fits in a u64, and the divisions by 2 and 6
    // stay 64-bit (a 128-bit division is a library call).
    if lane.len() <= 1 << 20 {
        let s1 = |k: u64| k * k.saturating_sub(1) / 2;
        let s2 = |k: u64| k.saturating_sub(1) * k * (2 * k).saturating_sub(1) / 6;
        let (n, sx, sxx) = runs(lane).fold((0u64, 0u64, 0u64), |(n, sx, sxx), (a, b)| {
            let (a, b) = (a as u64, b as u64);
            (n + b - a, sx + s1(b) - s1(a), sxx + s2(b) - s2(a))
        });
        return (i128::from(n), i128::from(sx), i128::from(sxx));
    }
    // Σ_{x<k} x and Σ_{x<k} x².
    let s1 = |k: i128| k * (k - 1) / 2;
    let s2 = |k: i128| (k - 1) * k * (2 * k - 1) / 6;
    runs(lane).fold((0, 0, 0), |(n, sx, sxx), (a, b)| {
        let (a, b) = (a as i128, b as i128);
        (n + b - a, sx + s1(b) - s1(a), sxx + s2(b) - s2(a))
    })
}

impl Moments {
    pub(crate) fn of_mask(mask: ArrayViewD<'_, bool>) -> Self {
        let d = mask.ndim();
        let shape = mask.shape().to_vec();
        if let (3, Some(values)) = (d, mask.as_slice()) {
            return Self::of_contiguous_3d(
                crate::surface::bool_bytes(values),
                [shape[0], shape[1], shape[2]],
            );
        }
        let mut sum = vec![0i128; d];
        let mut sum_products = vec![0i128; d * d];
        let mut n = 0u64;
        // Accumulate per innermost lane: the last axis varies fastest in logical order.
        let last = d - 1;
        let mut outer = vec![0usize; last];
        let lanes = mask.lanes(Axis(last));
        for lane in lanes {
            // lane_n, Σx, Σx² along the last axis for this lane.
            let (ln, lx, lxx) = match lane.as_slice() {
                Some(values) => lane_sums(crate::surface::bool_bytes(values)),
                None => {
                    let (mut ln, mut lx, mut lxx) = (0i128, 0i128, 0i128);
                    for (x, &v) in lane.iter().enumerate() {
                        if v {
                            let x = x as i128;
                            ln += 1;
                            lx += x;
                            lxx += x * x;
                        }
                    }
                    (ln, lx, lxx)
                }
            };
            if ln > 0 {
                n += ln as u64;
                for i in 0..last {
                    let ci = outer[i] as i128;
                    sum[i] += ci * ln;
                    for j in 0..last {
                        sum_products[i * d + j] += ci * outer[j] as i128 * ln;
                    }
                    sum_products[i * d + last] += ci * lx;
                    sum_products[last * d + i] += ci * lx;
                }
                sum[last] += lx;
                sum_products[last * d + last] += lxx;
            }
            // Advance the odometer of the outer axes.
            for k in (0..last).rev() {
                outer[k] += 1;
                if outer[k] < shape[k] {
                    break;
                }
                outer[k] = 0;
            }
        }
        Self { n, sum, sum_products }
    }

    /// [`Moments::of_mask`] of a C-ordered 3-D mask: the same exact sums, accumulated per plane in fixed-size
    /// integers (the row's index enters per row, the plane's once per plane) and empty planes skipped at SIMD speed.
    fn of_contiguous_3d(mask: &[u8], [n0, n1, n2]: [usize; 3]) -> Self {
        let mut n = 0i128;
        let mut sum = [0i128; 3];
        let mut products = [[0i128; 3]; 3];
        if n1 * n2 > 0 {
            for (i, plane) in mask.chunks_exact(n1 * n2).enumerate().take(n0) {
                if memchr::memchr(1, plane).is_none() {
                    continue;
                }
                // Per plane: Σ1, Σj, Σj², Σx, Σj·x, Σx² over its voxels (j the row, x the column).
                let (mut pn, mut pj, mut pjj, mut px, mut pjx, mut pxx) =
                    (0i128, 0i128, 0i128, 0i128, 0i128, 0i128);
                for (j, row) in plane.chunks_exact(n2).enumerate() {
                    let (ln, lx, lxx) = lane_sums(row);
                    if ln > 0 {
                        let j = j as i128;
                        pn += ln;
                        pj += j * ln;
                        pjj += j * j * ln;
                        px += lx;
                        pjx += j * lx;
                        pxx += lxx;
                    }
                }
                let i = i as i128;
                n += pn;
                sum[0] += i * pn;
                sum[1] += pj;
                sum[2] += px;
                products[0][0] += i * i * pn;
                products[0][1] += i * pj;
                products[0][2] += i * px;
                products[1][1] += pjj;
                products[1][2] += pjx;
                products[2][2] += pxx;
            }
        }
        let (p01, p02, p12) = (products[0][1], products[0][2], products[1][2]);
        products[1][0] = p01;
        products[2][0] = p02;
        products[2][1] = p12;
        Self { n: n as u64, sum: sum.to_vec(), sum_products: products.concat() }
    }

    fn mean(&self) -> Vec<f64> {
        self.sum.iter().map(|&s| s as f64 / self.n as f64).collect()
    }

    /// Sample covariance (ddof 1), exact up to the final division; nan for a single voxel.
    fn covariance(&self) -> Vec<f64> {
        let d = self.sum.len();
        let n = self.n as i128;
        let mut c = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                let numerator = n * self.sum_products[i * d + j] - self.sum[i] * self.sum[j];
                c[i * d + j] = numerator as f64 / (n as f64 * (n - 1) as f64);
            }
        }
        c
    }
}

/// `dᵀ A⁻¹ d` by Gaussian elimination with partial pivoting; `None` if `A` is (numerically) singular.
fn quadratic_form_inverse(mut a: Vec<f64>, mut b: Vec<f64>) -> Option<f64> {
    let d = b.len();
    let original = b.clone();
    let scale = (0..d).map(|i| a[i * d + i].abs()).fold(0.0, f64::max);
    if scale <= 0.0 || !scale.is_finite() {
        return None;
    }
    for col in 0..d {
        let pivot_row = (col..d).max_by(|&x, &y| a[x * d + col].abs().total_cmp(&a[y * d + col].abs()))?;
        if a[pivot_row * d + col].abs() <= 1e-12 * scale {
            return None;
        }
        if pivot_row != col {
            for k in 0..d {
                a.swap(col * d + k, pivot_row * d + k);
            }
            b.swap(col, pivot_row);
        }
        for row in col + 1..d {
            let f = a[row * d + col] / a[col * d + col];
            for k in col..d {
                a[row * d + k] -= f * a[col * d + k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; d];
    for row in (0..d).rev() {
        let s: f64 = (row + 1..d).map(|k| a[row * d + k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row * d + row];
    }
    Some(original.iter().zip(&x).map(|(o, x)| o * x).sum())
}

fn mahalanobis(ctx: &EvaluationContext<'_>, column: &str) -> Result<MetricValue> {
    let (pred, reference) = ctx.moments(column)?;
    let cm = ctx.confusion_matrix(column)?;
    if reference.n == 0 {
        let r = if pred.n == 0 { NotComputable::BothEmpty } else { NotComputable::EmptyReference };
        return Ok(MetricValue::not_computable(f64::INFINITY, r));
    }
    if pred.n == 0 {
        return Ok(MetricValue::not_computable(f64::INFINITY, reason(cm)));
    }
    if reference.n == 1 || pred.n == 1 {
        return Ok(MetricValue::not_computable(f64::NAN, NotComputable::TooFewVoxels));
    }
    let (gc, sc) = (reference.covariance(), pred.covariance());
    let (gn, sn) = (reference.n as f64, pred.n as f64);
    let common: Vec<f64> = gc.iter().zip(&sc).map(|(g, s)| (gn * g + sn * s) / (gn + sn)).collect();
    let diff: Vec<f64> = reference.mean().iter().zip(pred.mean()).map(|(g, s)| g - s).collect();
    match quadratic_form_inverse(common, diff) {
        Some(q) if q >= 0.0 => Ok(MetricValue::float(q.sqrt())),
        _ => Ok(MetricValue::not_computable(f64::NAN, NotComputable::SingularCovariance)),
    }
}

fn interclass_correlation(ctx: &EvaluationContext<'_>, column: &str) -> Result<MetricValue> {
    let cm = ctx.confusion_matrix(column)?;
    let n = cm.n() as f64;
    let mean_gt = cm.reference_count() as f64 / n;
    let mean_seg = cm.prediction_count() as f64 / n;
    let mean = (mean_gt + mean_seg) / 2.0;
    // Voxel-wise m = (gt + seg) / 2 ∈ {0, 0.5, 1}; (gt − m)² = (seg − m)² = 0.25 where they differ.
    let ssw = 0.25 * (cm.fp + cm.fn_) as f64 * 2.0 / n;
    let ssb_sum = cm.tn as f64 * (0.0 - mean) * (0.0 - mean)
        + (cm.fp + cm.fn_) as f64 * (0.5 - mean) * (0.5 - mean)
        + cm.tp as f64 * (1.0 - mean) * (1.0 - mean);
    let ssb = ssb_sum / (n - 1.0) * 2.0;
    if ssb + ssw == 0.0 {
        return Ok(MetricValue::not_computable(f64::NEG_INFINITY, reason(cm)));
    }
    Ok(MetricValue::float_or((ssb - ssw) / (ssb + ssw), reason(cm)))
}

fn probabilistic_distance(ctx: &EvaluationContext<'_>, column: &str) -> Result<MetricValue> {
    let cm = ctx.confusion_matrix(column)?;
    if cm.tp == 0 {
        return Ok(MetricValue::int(-1));
    }
    Ok(MetricValue::float((cm.fp + cm.fn_) as f64 / (2.0 * cm.tp as f64)))
}

fn voxel_volume(spacing: &[f64]) -> f64 {
    spacing.iter().product()
}

simple_metric!(
    /// ICCORR, interclass correlation of the two binary images (pymia's formula with
    /// `ssw = Σ[(gt−m)² + (seg−m)²]/n`, `ssb = 2·Σ(m−μ)²/(n−1)`): `(ssb − ssw)/(ssb + ssw)`.
    /// Both masks empty or full → −inf.
    InterclassCorrelation, "ICCORR", MetricKind::Categorical,
    |m, ctx| interclass_correlation(ctx, &m.column)
);
simple_metric!(
    /// PROBDST, probabilistic distance `Σ|gt − seg| / (2·Σ gt·seg) = (fp + fn) / 2tp`. tp = 0 → integer −1.
    ProbabilisticDistance, "PROBDST", MetricKind::Categorical,
    |m, ctx| probabilistic_distance(ctx, &m.column)
);
simple_metric!(
    /// MAHLNBS, Mahalanobis distance between the foreground voxel-index distributions (no spacing):
    /// `sqrt((μ_g − μ_s)ᵀ Σ⁻¹ (μ_g − μ_s))`, Σ the count-weighted pooled sample covariance.
    /// Empty reference/prediction → +inf; a single-voxel mask → nan; singular Σ (flat objects) → nan with
    /// [`NotComputable::SingularCovariance`] (pymia raises `LinAlgError`, DECISIONS.md #2).
    MahalanobisDistance, "MAHLNBS", MetricKind::Categorical,
    |m, ctx| mahalanobis(ctx, &m.column)
);
simple_metric!(
    /// PREDVOL, prediction volume `count · Π spacing` (mm³ for mm spacing).
    PredictionVolume, "PREDVOL", MetricKind::Categorical,
    |m, ctx| {
        let count = ctx.confusion_matrix(&m.column)?.prediction_count();
        Ok(MetricValue::float(count as f64 * voxel_volume(ctx.spacing())))
    },
    needs_masks = false
);
simple_metric!(
    /// REFVOL, reference volume `count · Π spacing` (mm³ for mm spacing).
    ReferenceVolume, "REFVOL", MetricKind::Categorical,
    |m, ctx| {
        let count = ctx.confusion_matrix(&m.column)?.reference_count();
        Ok(MetricValue::float(count as f64 * voxel_volume(ctx.spacing())))
    },
    needs_masks = false
);

/// PREDAREA / REFAREA: foreground area of one slice (mm²). 2-D: the whole mask `count · s0 · s1`;
/// n-D: slice `slice_number` of axis 0 (−1 = the middle slice `shape[0] / 2`, other negatives count from
/// the end as in Python) `count · s1 · s2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    column: String,
    prediction: bool,
    slice_number: i64,
}

impl Area {
    /// PREDAREA with the given slice (pymia default −1).
    pub fn prediction(slice_number: i64) -> Self {
        Self { column: "PREDAREA".to_string(), prediction: true, slice_number }
    }

    /// REFAREA with the given slice (pymia default −1).
    pub fn reference(slice_number: i64) -> Self {
        Self { column: "REFAREA".to_string(), prediction: false, slice_number }
    }

    /// Use another column name.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = column.into();
        self
    }
}

impl Metric for Area {
    fn column(&self) -> &str {
        &self.column
    }
    fn abbreviation(&self) -> &str {
        if self.prediction {
            "PREDAREA"
        } else {
            "REFAREA"
        }
    }
    fn parameters(&self) -> Vec<(&'static str, ParamValue)> {
        vec![("slice_number", ParamValue::Int(self.slice_number))]
    }
    fn kind(&self) -> MetricKind {
        MetricKind::Categorical
    }
    fn compute(&self, ctx: &EvaluationContext<'_>) -> Result<MetricValue> {
        let (p, r) = ctx.masks(&self.column)?;
        let mask = if self.prediction { p } else { r };
        let s = ctx.spacing();
        match mask.ndim() {
            0 | 1 => Err(MetricError::UnsupportedDimension {
                metric: self.column.clone(),
                ndim: mask.ndim(),
                supported: "2-D or more",
            }),
            2 => {
                let cm = ctx.confusion_matrix(&self.column)?;
                let count = if self.prediction { cm.prediction_count() } else { cm.reference_count() };
                Ok(MetricValue::float(count as f64 * s[0] * s[1]))
            }
            _ => {
                let len = mask.shape()[0];
                let index = match self.slice_number {
                    -1 => Some(len / 2),
                    i if i < -1 => usize::try_from(len as i64 + i).ok(),
                    i => usize::try_from(i).ok().filter(|&i| i < len),
                };
                let Some(index) = index else {
                    return Err(MetricError::SliceOutOfRange {
                        metric: self.column.clone(),
                        slice: self.slice_number,
                        len,
                    });
                };
                let count = mask.index_axis(Axis(0), index).iter().filter(|&&v| v).count();
                Ok(MetricValue::float(count as f64 * s[1] * s[2]))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};

    fn cube(lo: usize, hi: usize) -> ArrayD<bool> {
        ArrayD::from_shape_fn(IxDyn(&[10, 10, 10]), |i| (0..3).all(|k| i[k] >= lo && i[k] < hi))
    }

    #[test]
    fn lane_sums_of_lanes_past_the_64_bit_path_equal_the_naive_sums() {
        // Longer than 2^20 voxels: the 128-bit closed forms.
        let lane: Vec<u8> =
            (0..(1usize << 20) + 37).map(|x| u8::from(x % 1000 < 600 || x > (1 << 20))).collect();
        assert_eq!(lane_sums(&lane), naive_sums(&lane));
        // Exactly 2^20 voxels: the 64-bit path at its limit.
        assert_eq!(lane_sums(&lane[..1 << 20]), naive_sums(&lane[..1 << 20]));
    }

    /// `(n, Σx, Σx²)` voxel by voxel.
    fn naive_sums(lane: &[u8]) -> (i128, i128, i128) {
        (0..lane.len() as i128)
            .filter(|&x| lane[x as usize] == 1)
            .fold((0, 0, 0), |(n, s, q), x| (n + 1, s + x, q + x * x))
    }

    #[test]
    fn lane_sums_by_runs_equal_the_naive_sums() {
        for bits in [0u32, 1, 0b1011_0110, 0xFFFF_FFFF, 0x8000_0001, 0x0F0F_F0F0] {
            let lane: Vec<u8> = (0..32).map(|i| (bits >> i & 1) as u8).collect();
            let naive = (0..32i128)
                .filter(|&x| lane[x as usize] == 1)
                .fold((0, 0, 0), |(n, s, q), x| (n + 1, s + x, q + x * x));
            assert_eq!(lane_sums(&lane), naive, "{bits:#x}");
        }
    }

    #[test]
    fn contiguous_3d_moments_equal_the_voxel_by_voxel_sums() {
        for shape in [[5usize, 6, 7], [1, 1, 1], [3, 70, 130], [2, 0, 4]] {
            let m = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
                (i[0] * 7 + i[1] * 3 + i[2] * 5) % 4 != 0 && i[1] != 2
            });
            let mut want = Moments { n: 0, sum: vec![0; 3], sum_products: vec![0; 9] };
            for (index, _) in m.indexed_iter().filter(|(_, &v)| v) {
                want.n += 1;
                for a in 0..3 {
                    want.sum[a] += index[a] as i128;
                    for b in 0..3 {
                        want.sum_products[a * 3 + b] += (index[a] * index[b]) as i128;
                    }
                }
            }
            assert_eq!(Moments::of_mask(m.view()), want, "{shape:?}");
        }
    }

    #[test]
    fn moments_of_strided_and_contiguous_masks_agree() {
        let m = ArrayD::from_shape_fn(IxDyn(&[5, 6, 7]), |i| (i[0] * 7 + i[1] * 3 + i[2] * 5) % 4 == 0);
        let mut reversed = m.clone();
        reversed.invert_axis(ndarray::Axis(2));
        let flipped_back = reversed.slice(ndarray::s![.., .., ..;-1]).into_dyn();
        assert_eq!(Moments::of_mask(m.view()), Moments::of_mask(flipped_back));
    }

    #[test]
    fn case_a_spatial_values() {
        let (r, p) = (cube(2, 6), cube(3, 7));
        let ctx = EvaluationContext::from_masks(p.view(), r.view(), &[1.0; 3]).unwrap();
        let v = |m: &dyn Metric| m.compute(&ctx).unwrap().value;
        assert!((v(&MahalanobisDistance::new()) - 1.5370426148939398).abs() < 1e-12);
        assert!((v(&InterclassCorrelation::new()) - 0.38277212346895334).abs() < 1e-15);
        assert!((v(&ProbabilisticDistance::new()) - 1.3703703703703705).abs() < 1e-15);
        assert_eq!(v(&Area::prediction(5)), 16.0);
        assert_eq!(v(&ReferenceVolume::new()), 64.0);
    }

    #[test]
    fn flat_objects_give_singular_covariance() {
        let r = ArrayD::from_shape_fn(IxDyn(&[4, 6, 6]), |i| i[0] == 1 && i[1] < 3);
        let p = ArrayD::from_shape_fn(IxDyn(&[4, 6, 6]), |i| i[0] == 1 && i[1] < 4);
        let ctx = EvaluationContext::from_masks(p.view(), r.view(), &[1.0; 3]).unwrap();
        let v = MahalanobisDistance::new().compute(&ctx).unwrap();
        assert!(v.value.is_nan());
        assert_eq!(v.reason, Some(NotComputable::SingularCovariance));
    }

    #[test]
    fn slice_out_of_range_is_an_error() {
        let r = cube(2, 6);
        let ctx = EvaluationContext::from_masks(r.view(), r.view(), &[1.0; 3]).unwrap();
        assert!(matches!(Area::reference(10).compute(&ctx), Err(MetricError::SliceOutOfRange { .. })));
        assert_eq!(Area::reference(-7).compute(&ctx).unwrap().value, 16.0);
    }
}
