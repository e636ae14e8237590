//! [`EvaluationContext`]: the inputs of one evaluation and the intermediate results shared by metrics.

use std::sync::OnceLock;

use ndarray::{ArrayViewD, CowArray, Dimension, IxDyn};

use crate::confusion::ConfusionMatrix;
use crate::continuous::ImageStats;
use crate::distance::DistanceCache;
use crate::error::{MetricError, Result};
use crate::spatial::Moments;
use crate::surface::SurfaceConfig;
use crate::value::MetricKind;

/// The pair being compared.
enum Input<'a> {
    Masks {
        prediction: ArrayViewD<'a, bool>,
        reference: ArrayViewD<'a, bool>,
    },
    /// Only the confusion matrix of two masks of this shape (it is in `confusion`).
    Counts {
        shape: Vec<usize>,
    },
    Images {
        prediction: CowArray<'a, f64, IxDyn>,
        reference: CowArray<'a, f64, IxDyn>,
    },
}

/// One prediction/reference pair (the masks of one label of one subject, or two intensity images) with
/// its spacing and lazily computed, cached intermediates: the confusion matrix (one pass), the surface
/// distances (one surface extraction and nearest-neighbour query for all HDRFDST/SURFDICE/SURFOVLP
/// variants), the voxel distances of AVGDIST, the coordinate moments of MAHLNBS and the image statistics
/// of the continuous metrics. Each is computed at most once, on first use, thread-safely.
///
/// Axis convention: arrays in numpy order (z, y, x) and the spacing in the same order.
pub struct EvaluationContext<'a> {
    input: Input<'a>,
    spacing: Vec<f64>,
    confusion: OnceLock<ConfusionMatrix>,
    moments: OnceLock<(Moments, Moments)>,
    image_stats: OnceLock<ImageStats>,
    pub(crate) distances: DistanceCache,
}

fn validate_shapes(prediction: &[usize], reference: &[usize]) -> Result<()> {
    if prediction != reference {
        return Err(MetricError::ShapeMismatch {
            prediction: prediction.to_vec(),
            reference: reference.to_vec(),
        });
    }
    if prediction.is_empty() || prediction.contains(&0) {
        return Err(MetricError::EmptyArray { which: "prediction", shape: prediction.to_vec() });
    }
    Ok(())
}

fn validate_spacing(ndim: usize, spacing: &[f64]) -> Result<()> {
    if spacing.len() != ndim {
        return Err(MetricError::SpacingLength {
            expected: ndim,
            actual: spacing.len(),
            spacing: spacing.to_vec(),
        });
    }
    if let Some((axis, &value)) = spacing.iter().enumerate().find(|(_, s)| !(s.is_finite() && **s > 0.0)) {
        return Err(MetricError::InvalidSpacing { axis, value, spacing: spacing.to_vec() });
    }
    Ok(())
}

fn find_nan(which: &'static str, image: &ArrayViewD<'_, f64>) -> Result<()> {
    if image.iter().any(|v| v.is_nan()) {
        let index = image
            .indexed_iter()
            .find(|(_, v)| v.is_nan())
            .map(|(i, _)| i.slice().to_vec())
            .unwrap_or_default();
        return Err(MetricError::NanInImage { which, index });
    }
    Ok(())
}

impl<'a> EvaluationContext<'a> {
    fn with_input(input: Input<'a>, spacing: Vec<f64>) -> Self {
        Self {
            input,
            spacing,
            confusion: OnceLock::new(),
            moments: OnceLock::new(),
            image_stats: OnceLock::new(),
            distances: DistanceCache::default(),
        }
    }

    /// Context for categorical metrics: binary masks of one label and the spacing (numpy order, mm).
    ///
    /// Errors: shapes differ, no voxel, spacing of the wrong length, or not finite and positive.
    pub fn from_masks(
        prediction: ArrayViewD<'a, bool>,
        reference: ArrayViewD<'a, bool>,
        spacing: &[f64],
    ) -> Result<Self> {
        validate_shapes(prediction.shape(), reference.shape())?;
        validate_spacing(prediction.ndim(), spacing)?;
        Ok(Self::with_input(Input::Masks { prediction, reference }, spacing.to_vec()))
    }

    /// Context for categorical metrics that need only the confusion matrix ([`Metric::needs_masks`] false):
    /// the counts of two masks of `shape`, e.g. of every label at once from the joint histogram of two label
    /// images. A metric that asks for the masks gets [`MetricError::NeedsMasks`].
    ///
    /// Errors: the counts do not add up to the number of voxels of `shape`, no voxel, spacing of the wrong
    /// length, or not finite and positive.
    ///
    /// [`Metric::needs_masks`]: crate::Metric::needs_masks
    pub fn from_confusion(confusion: ConfusionMatrix, shape: &[usize], spacing: &[f64]) -> Result<Self> {
        validate_shapes(shape, shape)?;
        validate_spacing(shape.len(), spacing)?;
        let voxels = shape.iter().map(|&n| n as u64).product::<u64>();
        if confusion.n() != voxels {
            return Err(MetricError::ShapeMismatch { prediction: shape.to_vec(), reference: shape.to_vec() });
        }
        let ctx = Self::with_input(Input::Counts { shape: shape.to_vec() }, spacing.to_vec());
        ctx.confusion.get_or_init(|| confusion);
        Ok(ctx)
    }

    /// Context for continuous metrics: two intensity images (spacing 1; continuous metrics ignore it).
    ///
    /// Errors: shapes differ, no voxel, NaN in an image.
    pub fn from_images(prediction: ArrayViewD<'a, f64>, reference: ArrayViewD<'a, f64>) -> Result<Self> {
        validate_shapes(prediction.shape(), reference.shape())?;
        find_nan("prediction", &prediction)?;
        find_nan("reference", &reference)?;
        let ndim = prediction.ndim();
        Ok(Self::with_input(
            Input::Images { prediction: CowArray::from(prediction), reference: CowArray::from(reference) },
            vec![1.0; ndim],
        ))
    }

    /// Context for continuous metrics on float32 images: converted exactly to f64 once.
    ///
    /// pymia computes MAE/MSE/RMSE/NRMSE and SSIM of float32 inputs in float32; mia computes in f64, so
    /// values agree with pymia's to about 1e-6 (relative) and with pymia on the f64-cast images to 1e-9.
    pub fn from_images_f32(prediction: ArrayViewD<'_, f32>, reference: ArrayViewD<'_, f32>) -> Result<Self> {
        validate_shapes(prediction.shape(), reference.shape())?;
        let p = prediction.mapv(f64::from);
        let r = reference.mapv(f64::from);
        find_nan("prediction", &p.view())?;
        find_nan("reference", &r.view())?;
        let ndim = p.ndim();
        Ok(Self::with_input(
            Input::Images { prediction: CowArray::from(p), reference: CowArray::from(r) },
            vec![1.0; ndim],
        ))
    }

    /// Use `config` for the surface-distance metrics (2-D contour vs pymia's slab, surfels vs boundary
    /// voxels). Default: [`SurfaceConfig::default`] (true 2-D contours, DeepMind surfels).
    pub fn with_surface_config(mut self, config: SurfaceConfig) -> Self {
        self.distances = DistanceCache::new(config);
        self
    }

    /// Spacing (numpy order).
    pub fn spacing(&self) -> &[f64] {
        &self.spacing
    }

    /// Shape (numpy order).
    pub fn shape(&self) -> &[usize] {
        match &self.input {
            Input::Masks { prediction, .. } => prediction.shape(),
            Input::Counts { shape } => shape,
            Input::Images { prediction, .. } => prediction.shape(),
        }
    }

    /// Kind of input held.
    pub fn kind(&self) -> MetricKind {
        match self.input {
            Input::Masks { .. } | Input::Counts { .. } => MetricKind::Categorical,
            Input::Images { .. } => MetricKind::Continuous,
        }
    }

    /// `(prediction, reference)` masks; error naming `metric` if the context holds images.
    pub fn masks(&self, metric: &str) -> Result<(ArrayViewD<'_, bool>, ArrayViewD<'_, bool>)> {
        match &self.input {
            Input::Masks { prediction, reference } => Ok((prediction.view(), reference.view())),
            Input::Counts { .. } => Err(MetricError::NeedsMasks { metric: metric.to_string() }),
            Input::Images { .. } => {
                Err(MetricError::WrongInput { metric: metric.to_string(), expected: MetricKind::Categorical })
            }
        }
    }

    /// `(prediction, reference)` images; error naming `metric` if the context holds masks.
    pub fn images(&self, metric: &str) -> Result<(ArrayViewD<'_, f64>, ArrayViewD<'_, f64>)> {
        match &self.input {
            Input::Images { prediction, reference } => Ok((prediction.view(), reference.view())),
            Input::Masks { .. } | Input::Counts { .. } => {
                Err(MetricError::WrongInput { metric: metric.to_string(), expected: MetricKind::Continuous })
            }
        }
    }

    /// The confusion matrix (computed once).
    pub fn confusion_matrix(&self, metric: &str) -> Result<&ConfusionMatrix> {
        if let Some(cm) = self.confusion.get() {
            return Ok(cm);
        }
        let (p, r) = self.masks(metric)?;
        Ok(self.confusion.get_or_init(|| ConfusionMatrix::from_masks(p, r)))
    }

    /// Coordinate moments of (prediction, reference) foreground voxels (computed once; MAHLNBS).
    pub(crate) fn moments(&self, metric: &str) -> Result<&(Moments, Moments)> {
        let (p, r) = self.masks(metric)?;
        Ok(self.moments.get_or_init(|| (Moments::of_mask(p), Moments::of_mask(r))))
    }

    /// Statistics of the image pair (computed once; continuous metrics).
    pub(crate) fn image_stats(&self, metric: &str) -> Result<&ImageStats> {
        let (p, r) = self.images(metric)?;
        Ok(self.image_stats.get_or_init(|| ImageStats::of_images(p, r)))
    }
}

impl std::fmt::Debug for EvaluationContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvaluationContext")
            .field("kind", &self.kind())
            .field("shape", &self.shape())
            .field("spacing", &self.spacing)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Metric;

    #[test]
    fn confusion_only_contexts_serve_confusion_metrics_and_refuse_mask_metrics() {
        let p = ndarray::arr3(&[[[true, false], [true, true]]]).into_dyn();
        let r = ndarray::arr3(&[[[true, true], [false, true]]]).into_dyn();
        let spacing = [1.0, 0.5, 2.0];
        let full = EvaluationContext::from_masks(p.view(), r.view(), &spacing).unwrap();
        let cm = *full.confusion_matrix("DICE").unwrap();
        let counts = EvaluationContext::from_confusion(cm, &[1, 2, 2], &spacing).unwrap();
        for m in crate::segmentation_metrics().iter().filter(|m| !m.needs_masks()) {
            assert_eq!(m.compute(&counts).unwrap(), m.compute(&full).unwrap(), "{}", m.column());
        }
        let hd = crate::metric_from_spec("HDRFDST").unwrap();
        assert!(hd.needs_masks());
        assert!(matches!(hd.compute(&counts), Err(MetricError::NeedsMasks { .. })));
        // Counts that do not fit the shape are refused.
        assert!(EvaluationContext::from_confusion(cm, &[3, 2, 2], &spacing).is_err());
    }
}
