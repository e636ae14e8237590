//! SSIM, scikit-image's `structural_similarity` as pymia calls it, in any number of dimensions.

use ndarray::{ArrayD, ArrayViewD, Axis, Zip};

use crate::continuous::{reference_max, Sum};
use crate::error::{MetricError, Result};
use crate::macros::simple_metric;
use crate::value::{MetricKind, MetricValue, NotComputable};
use crate::EvaluationContext;

/// Window width (scikit-image default).
pub(crate) const WINDOW: usize = 7;
const K1: f64 = 0.01;
const K2: f64 = 0.03;

/// Mean over every full `WINDOW`-wide box ("valid" mode): each axis shrinks by `WINDOW − 1`.
///
/// Equals scikit-image's `uniform_filter` output cropped by `(WINDOW − 1) / 2` on every side, the only
/// part that enters the SSIM mean (so the filter's border mode does not matter).
fn valid_box_mean(image: ArrayViewD<'_, f64>) -> ArrayD<f64> {
    let mut current = image.to_owned();
    for axis in 0..image.ndim() {
        let mut shape = current.shape().to_vec();
        shape[axis] -= WINDOW - 1;
        let mut out = ArrayD::<f64>::zeros(shape);
        Zip::from(out.lanes_mut(Axis(axis))).and(current.lanes(Axis(axis))).for_each(|mut o, i| {
            for (j, o) in o.iter_mut().enumerate() {
                let mut s = 0.0;
                for k in 0..WINDOW {
                    s += i[j + k];
                }
                *o = s / WINDOW as f64;
            }
        });
        current = out;
    }
    current
}

/// SSIM of `image_test` against `image_true` with the given data range (scikit-image 0.22 defaults:
/// 7-wide uniform window, K1 = 0.01, K2 = 0.03, sample covariance `NP/(NP−1)`, mean over the image
/// cropped by 3 voxels on every side).
pub fn structural_similarity(
    image_true: ArrayViewD<'_, f64>,
    image_test: ArrayViewD<'_, f64>,
    data_range: f64,
) -> f64 {
    let np = (WINDOW as f64).powi(image_true.ndim() as i32);
    let cov_norm = np / (np - 1.0);
    let ux = valid_box_mean(image_true.view());
    let uy = valid_box_mean(image_test.view());
    let uxx = valid_box_mean((&image_true * &image_true).view());
    let uyy = valid_box_mean((&image_test * &image_test).view());
    let uxy = valid_box_mean((&image_true * &image_test).view());
    let c1 = (K1 * data_range) * (K1 * data_range);
    let c2 = (K2 * data_range) * (K2 * data_range);
    let mut sum = Sum::default();
    Zip::from(&ux).and(&uy).and(&uxx).and(&uyy).and(&uxy).for_each(|&ux, &uy, &uxx, &uyy, &uxy| {
        let vx = cov_norm * (uxx - ux * ux);
        let vy = cov_norm * (uyy - uy * uy);
        let vxy = cov_norm * (uxy - ux * uy);
        let a1 = 2.0 * ux * uy + c1;
        let a2 = 2.0 * vxy + c2;
        let b1 = ux * ux + uy * uy + c1;
        let b2 = vx + vy + c2;
        sum.add((a1 * a2) / (b1 * b2));
    });
    sum.value() / ux.len() as f64
}

fn ssim(ctx: &EvaluationContext<'_>, column: &str) -> Result<MetricValue> {
    let (p, r) = ctx.images(column)?;
    if r.shape().iter().any(|&s| s < WINDOW) {
        return Err(MetricError::ImageTooSmall {
            metric: column.to_string(),
            shape: r.shape().to_vec(),
            window: WINDOW,
        });
    }
    let data_range = reference_max(ctx, column)?;
    let v = structural_similarity(r, p, data_range);
    Ok(MetricValue::float_or(v, NotComputable::ZeroDataRange))
}

simple_metric!(
    /// SSIM, structural similarity index (Wang et al. 2004) as scikit-image 0.22 computes it with pymia's
    /// data range (reference maximum): 7-wide uniform window along every axis (a true 3-D SSIM for
    /// volumes), K1 = 0.01, K2 = 0.03, sample covariance, mean over the image without its 3-voxel border.
    /// Unitless, 1 for identical images. Images smaller than 7 along an axis → [`MetricError::ImageTooSmall`].
    /// pymia returns −inf for inputs that are neither 2-D nor 3-D; mia computes the n-D SSIM.
    StructuralSimilarity, "SSIM", MetricKind::Continuous,
    |m, ctx| ssim(ctx, &m.column)
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_images_give_one() {
        let a = ArrayD::from_shape_fn(ndarray::IxDyn(&[8, 9, 10]), |i| {
            (i[0] * 7 + i[1] * 3 + i[2]) as f64 % 11.0
        });
        let v = structural_similarity(a.view(), a.view(), 10.0);
        assert!((v - 1.0).abs() < 1e-12);
    }

    #[test]
    fn too_small_is_an_error() {
        let a = ArrayD::<f64>::zeros(ndarray::IxDyn(&[3, 4]));
        let ctx = EvaluationContext::from_images(a.view(), a.view()).unwrap();
        let e = crate::Metric::compute(&StructuralSimilarity::new(), &ctx);
        assert!(matches!(e, Err(MetricError::ImageTooSmall { .. })));
    }
}
