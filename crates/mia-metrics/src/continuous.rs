//! Continuous (regression/reconstruction) metrics on intensity images: R2, MAE, MSE, RMSE, NRMSE, PSNR.
//! SSIM is in [`crate::ssim`]. Spacing is ignored, as in pymia.
//!
//! Sums use compensated (Neumaier) summation in f64, so values match pymia's float64 computation to
//! ~1e-15 relative; pymia computes float32 inputs in float32 (agreement ~1e-6 then).

use ndarray::{ArrayViewD, Zip};

use crate::macros::simple_metric;
use crate::value::{MetricKind, MetricValue, NotComputable};

/// Neumaier compensated sum.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sum {
    sum: f64,
    compensation: f64,
}

impl Sum {
    pub(crate) fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.compensation += (self.sum - t) + x;
        } else {
            self.compensation += (x - t) + self.sum;
        }
        self.sum = t;
    }

    pub(crate) fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// Statistics of a prediction/reference image pair, shared by the continuous metrics.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ImageStats {
    n: f64,
    /// Σ (r − p)².
    sse: f64,
    /// Σ |r − p|.
    sae: f64,
    ref_min: f64,
    ref_max: f64,
    /// Σ (r − mean r)².
    ref_ss: f64,
}

impl ImageStats {
    pub(crate) fn of_images(prediction: ArrayViewD<'_, f64>, reference: ArrayViewD<'_, f64>) -> Self {
        let (mut sse, mut sae, mut sum) = (Sum::default(), Sum::default(), Sum::default());
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        Zip::from(&prediction).and(&reference).for_each(|&p, &r| {
            let d = r - p;
            sse.add(d * d);
            sae.add(d.abs());
            sum.add(r);
            lo = lo.min(r);
            hi = hi.max(r);
        });
        let n = reference.len() as f64;
        let mean = sum.value() / n;
        let mut ss = Sum::default();
        reference.for_each(|&r| ss.add((r - mean) * (r - mean)));
        Self { n, sse: sse.value(), sae: sae.value(), ref_min: lo, ref_max: hi, ref_ss: ss.value() }
    }

    fn mse(&self) -> f64 {
        self.sse / self.n
    }
}

fn stats<'c>(ctx: &'c crate::EvaluationContext<'_>, column: &str) -> crate::Result<&'c ImageStats> {
    ctx.image_stats(column)
}

simple_metric!(
    /// MAE, mean absolute error `mean|r − p|` (image units). pymia does not cast integer inputs
    /// (uint8 wraps around); mia computes in f64.
    MeanAbsoluteError, "MAE", MetricKind::Continuous,
    |m, ctx| { let s = stats(ctx, &m.column)?; Ok(MetricValue::float(s.sae / s.n)) }
);
simple_metric!(
    /// MSE, mean squared error `mean (r − p)²` (image units²).
    MeanSquaredError, "MSE", MetricKind::Continuous,
    |m, ctx| Ok(MetricValue::float(stats(ctx, &m.column)?.mse()))
);
simple_metric!(
    /// RMSE, root mean squared error `sqrt(MSE)` (image units).
    RootMeanSquaredError, "RMSE", MetricKind::Continuous,
    |m, ctx| Ok(MetricValue::float(stats(ctx, &m.column)?.mse().sqrt()))
);
simple_metric!(
    /// NRMSE, `RMSE / (max r − min r)`. Constant reference → +inf (nan if also identical).
    NormalizedRootMeanSquaredError, "NRMSE", MetricKind::Continuous,
    |m, ctx| {
        let s = stats(ctx, &m.column)?;
        Ok(MetricValue::float_or(s.mse().sqrt() / (s.ref_max - s.ref_min), NotComputable::ConstantReference))
    }
);
simple_metric!(
    /// R2, coefficient of determination `1 − SSE / ((n − 1)·var(r, ddof 1))`. Constant reference → −inf
    /// (nan if the prediction is identical too).
    CoefficientOfDetermination, "R2", MetricKind::Continuous,
    |m, ctx| {
        let s = stats(ctx, &m.column)?;
        let tse = (s.n - 1.0) * (s.ref_ss / (s.n - 1.0));
        let reason = if s.n < 2.0 { NotComputable::TooFewVoxels } else { NotComputable::ConstantReference };
        Ok(MetricValue::float_or(1.0 - s.sse / tse, reason))
    }
);
simple_metric!(
    /// PSNR, peak signal-to-noise ratio in dB, scikit-image's definition with pymia's data range
    /// (reference maximum): `10·log10(max(r)² / MSE)`. Identical images → +inf; max(r) = 0 → −inf.
    PeakSignalToNoiseRatio, "PSNR", MetricKind::Continuous,
    |m, ctx| {
        let s = stats(ctx, &m.column)?;
        let data_range = s.ref_max;
        let v = 10.0 * ((data_range * data_range) / s.mse()).log10();
        let reason = if s.mse() == 0.0 { NotComputable::ZeroError } else { NotComputable::ZeroDataRange };
        Ok(MetricValue::float_or(v, reason))
    }
);

/// Maximum of the reference image (pymia's data range for PSNR and SSIM).
pub(crate) fn reference_max(ctx: &crate::EvaluationContext<'_>, column: &str) -> crate::Result<f64> {
    Ok(stats(ctx, column)?.ref_max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EvaluationContext, Metric};
    use ndarray::{arr2, Array2};

    /// pymia-reference.md §10.2 "Continuous".
    #[test]
    fn reference_vector() {
        let r: Array2<f64> = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j + 1) as f64);
        let p = &r + &arr2(&[[0.5, -0.5, 1.0, 0.0], [0.0, 2.0, -1.0, 0.5], [0.25, 0.0, -0.25, 1.5]]);
        let ctx = EvaluationContext::from_images(p.view().into_dyn(), r.view().into_dyn()).unwrap();
        let v = |m: &dyn Metric| m.compute(&ctx).unwrap().value;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-14 * b.abs();
        assert!(close(v(&CoefficientOfDetermination::new()), 0.9361888111888111));
        assert!(close(v(&MeanAbsoluteError::new()), 0.625));
        assert!(close(v(&MeanSquaredError::new()), 0.7604166666666666));
        assert!(close(v(&RootMeanSquaredError::new()), 0.8720187306856813));
        assert!(close(v(&NormalizedRootMeanSquaredError::new()), 0.07927443006233466));
        assert!(close(v(&PeakSignalToNoiseRatio::new()), 22.773108650143623));
    }
}
