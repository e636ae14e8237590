//! Entry points: evaluate a list of metrics on one pair, or on many labels of a label image in parallel.

use ndarray::{ArrayD, ArrayViewD};
use rayon::prelude::*;

use crate::context::EvaluationContext;
use crate::error::{MetricError, Result};
use crate::surface::SurfaceConfig;
use crate::value::MetricValue;
use crate::Metric;

/// Compute `metrics` in order on one context: `(column, value)` pairs.
pub fn evaluate(
    ctx: &EvaluationContext<'_>,
    metrics: &[Box<dyn Metric>],
) -> Result<Vec<(String, MetricValue)>> {
    metrics.iter().map(|m| Ok((m.column().to_string(), m.compute(ctx)?))).collect()
}

/// Compute `metrics` on the binary masks of one label (spacing in numpy order, mm).
///
/// ```
/// let p = ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(&[4, 4]), |i| i[0] < 2);
/// let r = ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(&[4, 4]), |i| i[0] < 3);
/// let metrics = mia_metrics::metrics_from_list("DICE,TP")?;
/// let values = mia_metrics::evaluate_label(p.view(), r.view(), &[1.0, 1.0], &metrics)?;
/// assert_eq!(values[0].1.value, 0.8);
/// assert!(values[1].1.integer);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate_label(
    prediction: ArrayViewD<'_, bool>,
    reference: ArrayViewD<'_, bool>,
    spacing: &[f64],
    metrics: &[Box<dyn Metric>],
) -> Result<Vec<(String, MetricValue)>> {
    let ctx = EvaluationContext::from_masks(prediction, reference, spacing)?;
    evaluate(&ctx, metrics)
}

/// Compute continuous `metrics` on two intensity images.
pub fn evaluate_images(
    prediction: ArrayViewD<'_, f64>,
    reference: ArrayViewD<'_, f64>,
    metrics: &[Box<dyn Metric>],
) -> Result<Vec<(String, MetricValue)>> {
    let ctx = EvaluationContext::from_images(prediction, reference)?;
    evaluate(&ctx, metrics)
}

/// A label of a label image: a name and the values whose union forms its mask (pymia's tuple labels).
#[derive(Debug, Clone, PartialEq)]
pub struct Label<T> {
    /// Name in the results (e.g. `WHITEMATTER`).
    pub name: String,
    /// Label values merged into the mask (one value for a plain label).
    pub values: Vec<T>,
}

impl<T> Label<T> {
    /// A label of one value.
    pub fn new(name: impl Into<String>, value: T) -> Self {
        Self { name: name.into(), values: vec![value] }
    }

    /// The union of several values.
    pub fn union(name: impl Into<String>, values: Vec<T>) -> Self {
        Self { name: name.into(), values }
    }
}

/// Options of [`evaluate_labels`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[non_exhaustive]
pub struct EvaluateOptions {
    /// Labels evaluated in parallel on at most this many threads (`None`: rayon's global pool; `Some(1)`:
    /// sequential).
    pub threads: Option<usize>,
    /// Surface-distance options (2-D contours or pymia's slab, surfels or boundary voxels).
    pub surface: SurfaceConfig,
}

impl EvaluateOptions {
    /// Cap the number of threads.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Surface-distance options.
    pub fn with_surface_config(mut self, surface: SurfaceConfig) -> Self {
        self.surface = surface;
        self
    }
}

/// The values of one label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelResult {
    /// Name of the label.
    pub label: String,
    /// `(column, value)` in metric order.
    pub values: Vec<(String, MetricValue)>,
}

fn binarize<T: PartialEq + Sync>(image: &ArrayViewD<'_, T>, values: &[T]) -> ArrayD<bool> {
    image.map(|v| values.contains(v))
}

/// Evaluate `metrics` for every label of a pair of label images, labels in parallel (rayon), results in
/// label order. Each label's masks are built once; its intermediates are shared by its metrics.
///
/// ```
/// use mia_metrics::{evaluate_labels, EvaluateOptions, Label};
/// let p = ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(&[6, 6]), |i| (i[0] / 2) as u8);
/// let r = ndarray::ArrayD::from_shape_fn(ndarray::IxDyn(&[6, 6]), |i| (i[1] / 2) as u8);
/// let labels = [Label::new("ONE", 1u8), Label::union("ONE_TWO", vec![1, 2])];
/// let metrics = mia_metrics::metrics_from_list("DICE,TP")?;
/// let out = evaluate_labels(p.view(), r.view(), &[1.0, 1.0], &labels, &metrics, &EvaluateOptions::default().with_threads(2))?;
/// assert_eq!(out[1].label, "ONE_TWO");
/// assert_eq!(out[0].values[1].1.value, 4.0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate_labels<T: PartialEq + Sync>(
    prediction: ArrayViewD<'_, T>,
    reference: ArrayViewD<'_, T>,
    spacing: &[f64],
    labels: &[Label<T>],
    metrics: &[Box<dyn Metric>],
    options: &EvaluateOptions,
) -> Result<Vec<LabelResult>> {
    // Check shapes and spacing once, before any work.
    if prediction.shape() != reference.shape() {
        return Err(MetricError::ShapeMismatch {
            prediction: prediction.shape().to_vec(),
            reference: reference.shape().to_vec(),
        });
    }
    let one = |label: &Label<T>| -> Result<LabelResult> {
        let p = binarize(&prediction, &label.values);
        let r = binarize(&reference, &label.values);
        let values = EvaluationContext::from_masks(p.view(), r.view(), spacing)
            .and_then(|ctx| evaluate(&ctx.with_surface_config(options.surface), metrics))
            .map_err(|e| MetricError::Label { label: label.name.clone(), source: Box::new(e) })?;
        Ok(LabelResult { label: label.name.clone(), values })
    };
    match options.threads {
        Some(1) => labels.iter().map(one).collect(),
        Some(threads) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| MetricError::ThreadPool { threads, message: e.to_string() })?;
            pool.install(|| labels.par_iter().map(one).collect())
        }
        None => labels.par_iter().map(one).collect(),
    }
}
