//! The evaluator: metrics of a prediction against a reference, per label (segmentation) or on the whole images
//! (continuous metrics, label `image`).

use mia_core::{GeometryMismatch, GeometryTolerance, Image, ImageData};
use mia_metrics::surface::SurfaceConfig;
use mia_metrics::{EvaluationContext, Metric, MetricError, MetricKind, MetricValue};
use rayon::prelude::*;

use crate::labels::{label_confusions, label_masks_reusing, LabelError, LabelSpec, MaskBuffers};
use crate::results::EvaluationResult;

/// Label name of continuous-metric results (whole images).
pub const IMAGE_LABEL: &str = "image";

/// Why a pair could not be evaluated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluationError {
    /// Prediction and reference differ in size, spacing, origin or direction (beyond the tolerance).
    #[error("prediction and reference differ in {}: {:?} (prediction) vs {:?} (reference)", .0.field, .0.left, .0.right)]
    Geometry(GeometryMismatch),
    /// A metric list mixes the kinds the evaluator was set up for.
    #[error("metric {metric} compares {kind}, but this evaluator {expected}")]
    MetricKind {
        /// Column of the metric.
        metric: String,
        /// What it compares.
        kind: &'static str,
        /// What the evaluator does.
        expected: &'static str,
    },
    /// No metric to compute.
    #[error("no metrics to compute")]
    NoMetrics,
    /// Images with several components per pixel cannot be evaluated.
    #[error("the {which} image has {components} components per pixel; evaluation needs scalar images")]
    VectorImage {
        /// `prediction` or `reference`.
        which: &'static str,
        /// Components per pixel.
        components: usize,
    },
    /// A label list or label image problem.
    #[error(transparent)]
    Label(#[from] LabelError),
    /// A metric failed on its input.
    #[error("label {label}")]
    Metric {
        /// Label name.
        label: String,
        /// The metric error.
        #[source]
        source: MetricError,
    },
}

/// What an [`Evaluator`] compares.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Segmentation: per label, the binary masks of the label images (pymia's `SegmentationEvaluator`).
    Labels(Vec<LabelSpec>),
    /// Continuous metrics on the whole intensity images, results under the label [`IMAGE_LABEL`].
    Images,
}

/// Evaluates a list of metrics on prediction/reference pairs.
///
/// Unlike pymia, inputs are checked: images must share size, spacing, origin and direction within
/// [`Evaluator::tolerance`] (DECISIONS.md #7); the spacing (numpy order) comes from the images.
///
/// ```
/// use mia_core::Image;
/// use mia_report::{Evaluator, LabelSpec};
/// use ndarray::{ArrayD, IxDyn};
///
/// let cube = |lo: usize| ArrayD::from_shape_fn(IxDyn(&[10, 10, 10]), move |i: IxDyn| {
///     u8::from((0..3).all(|a| i[a] >= lo && i[a] < lo + 4))
/// });
/// let (reference, prediction) = (Image::from_array(cube(2))?, Image::from_array(cube(3))?);
/// let evaluator = Evaluator::segmentation(
///     mia_metrics::metrics_from_list("DICE,TP")?,
///     LabelSpec::parse_list("1=FG")?,
/// )?;
/// let results = evaluator.evaluate(&prediction, &reference, "case_a")?;
/// assert_eq!((results[0].metric.as_str(), results[0].value), ("DICE", 0.421875));
/// assert_eq!((results[1].value, results[1].integer), (27.0, true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Evaluator {
    metrics: Vec<Box<dyn Metric>>,
    target: Target,
    tolerance: GeometryTolerance,
    surface: SurfaceConfig,
    /// The label masks' buffers, kept from one evaluation for the next (same-sized volumes, e.g. a cohort).
    masks: MaskBuffers,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let specs: Vec<String> = self.metrics.iter().map(|m| m.spec()).collect();
        f.debug_struct("Evaluator")
            .field("metrics", &specs)
            .field("target", &self.target)
            .field("tolerance", &self.tolerance)
            .field("surface", &self.surface)
            .finish()
    }
}

impl Evaluator {
    /// A segmentation evaluator: every metric must compare masks; at least one label.
    pub fn segmentation(
        metrics: Vec<Box<dyn Metric>>,
        labels: Vec<LabelSpec>,
    ) -> Result<Self, EvaluationError> {
        if labels.is_empty() {
            return Err(LabelError::Syntax { entry: String::new(), reason: "no labels given".into() }.into());
        }
        Self::new(metrics, Target::Labels(labels))
    }

    /// A continuous evaluator: every metric must compare intensity images.
    pub fn continuous(metrics: Vec<Box<dyn Metric>>) -> Result<Self, EvaluationError> {
        Self::new(metrics, Target::Images)
    }

    fn new(metrics: Vec<Box<dyn Metric>>, target: Target) -> Result<Self, EvaluationError> {
        if metrics.is_empty() {
            return Err(EvaluationError::NoMetrics);
        }
        let (want, expected) = match target {
            Target::Labels(_) => (MetricKind::Categorical, "evaluates label masks (--labels given)"),
            Target::Images => (MetricKind::Continuous, "evaluates intensity images (no labels given)"),
        };
        if let Some(m) = metrics.iter().find(|m| m.kind() != want) {
            let kind = if m.kind() == MetricKind::Categorical { "label masks" } else { "intensity images" };
            return Err(EvaluationError::MetricKind { metric: m.column().to_owned(), kind, expected });
        }
        Ok(Evaluator {
            metrics,
            target,
            tolerance: GeometryTolerance::default(),
            surface: SurfaceConfig::default(),
            masks: MaskBuffers::default(),
        })
    }

    /// Sets the geometry tolerance (default: ITK's 1e-6).
    pub fn tolerance(mut self, tolerance: GeometryTolerance) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Sets the surface-distance options of HDRFDST/SURFDICE/SURFOVLP (default: true 2-D contours for 2-D
    /// images; [`SurfaceConfig::pymia`] reproduces pymia's one-voxel slab, DECISIONS.md #1).
    pub fn surface_config(mut self, surface: SurfaceConfig) -> Self {
        self.surface = surface;
        self
    }

    /// The metrics, in evaluation order.
    pub fn metrics(&self) -> &[Box<dyn Metric>] {
        &self.metrics
    }

    /// What is compared.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Evaluates one pair of images: results label-major, then metric order (pymia's order).
    pub fn evaluate(
        &self,
        prediction: &Image,
        reference: &Image,
        subject: &str,
    ) -> Result<Vec<EvaluationResult>, EvaluationError> {
        let (pp, rp) = (prediction.properties(), reference.properties());
        for (which, p) in [("prediction", pp), ("reference", rp)] {
            if p.components() > 1 {
                return Err(EvaluationError::VectorImage { which, components: p.components() });
            }
        }
        pp.check_same_geometry(rp, self.tolerance).map_err(EvaluationError::Geometry)?;
        self.evaluate_data(prediction.data(), reference.data(), &pp.spacing_zyx(), subject)
    }

    /// Evaluates one pair of voxel arrays (numpy order) with the given spacing (numpy order): for assembled
    /// volumes during training, where no geometry is at hand.
    pub fn evaluate_data(
        &self,
        prediction: &ImageData,
        reference: &ImageData,
        spacing: &[f64],
        subject: &str,
    ) -> Result<Vec<EvaluationResult>, EvaluationError> {
        if prediction.shape() != reference.shape() {
            let f = |s: &[usize]| s.iter().map(|&v| v as f64).collect();
            return Err(EvaluationError::Geometry(GeometryMismatch {
                field: "shape",
                left: f(prediction.shape()),
                right: f(reference.shape()),
            }));
        }
        match &self.target {
            Target::Labels(labels) => {
                // Metrics of the confusion matrix alone (DICE, JACRD, VOLSMTY, ...): one joint-histogram pass over
                // both label images for every label, no masks.
                if self.metrics.iter().all(|m| !m.needs_masks()) {
                    if let Some(confusions) = label_confusions(prediction, reference, labels) {
                        let mut out = Vec::with_capacity(labels.len() * self.metrics.len());
                        for (label, cm) in labels.iter().zip(confusions) {
                            let ctx =
                                EvaluationContext::from_confusion(cm, prediction.shape(), spacing).map_err(
                                    |source| EvaluationError::Metric { label: label.name.clone(), source },
                                )?;
                            out.extend(self.compute_all(&ctx, subject, &label.name)?);
                        }
                        return Ok(out);
                    }
                }
                let pm = label_masks_reusing(prediction, labels, "prediction", &self.masks)?;
                let rm = label_masks_reusing(reference, labels, "reference", &self.masks)?;
                let per_label: Vec<Result<Vec<EvaluationResult>, EvaluationError>> = labels
                    .par_iter()
                    .zip(pm.par_iter().zip(rm.par_iter()))
                    .map(|(label, (p, r))| {
                        let ctx = EvaluationContext::from_masks(p.view(), r.view(), spacing)
                            .map_err(|source| EvaluationError::Metric { label: label.name.clone(), source })?
                            .with_surface_config(self.surface);
                        self.compute_all(&ctx, subject, &label.name)
                    })
                    .collect();
                // Two masks per label are kept for the next evaluation; evaluations running at the same time
                // take fresh ones where the spare buffers are taken.
                self.masks.give_back(pm.into_iter().chain(rm), 2 * labels.len());
                let mut out = Vec::with_capacity(labels.len() * self.metrics.len());
                for r in per_label {
                    out.extend(r?);
                }
                Ok(out)
            }
            Target::Images => {
                let converted;
                let ctx = match (prediction, reference) {
                    (ImageData::F32(p), ImageData::F32(r)) => {
                        EvaluationContext::from_images_f32(p.view(), r.view())
                    }
                    _ => {
                        converted = (as_f64(prediction), as_f64(reference));
                        EvaluationContext::from_images(converted.0.view(), converted.1.view())
                    }
                }
                .map_err(|source| EvaluationError::Metric { label: IMAGE_LABEL.into(), source })?;
                self.compute_all(&ctx, subject, IMAGE_LABEL)
            }
        }
    }

    fn compute_all(
        &self,
        ctx: &EvaluationContext<'_>,
        subject: &str,
        label: &str,
    ) -> Result<Vec<EvaluationResult>, EvaluationError> {
        self.metrics
            .iter()
            .map(|m| {
                let v = m
                    .compute(ctx)
                    .map_err(|source| EvaluationError::Metric { label: label.to_owned(), source })?;
                Ok(result(subject, label, m.column(), v))
            })
            .collect()
    }
}

fn as_f64(data: &ImageData) -> ndarray::CowArray<'_, f64, ndarray::IxDyn> {
    match data {
        ImageData::F64(a) => a.view().into(),
        other => other.to_f64().into(),
    }
}

fn result(subject: &str, label: &str, column: &str, v: MetricValue) -> EvaluationResult {
    EvaluationResult {
        subject: subject.to_owned(),
        label: label.to_owned(),
        metric: column.to_owned(),
        value: v.value,
        integer: v.integer,
        reason: v.reason.map(|r| format!("{}: {}", r.as_str(), r.description())),
    }
}
