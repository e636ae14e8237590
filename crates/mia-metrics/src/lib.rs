//! Evaluation metrics for medical image segmentation and reconstruction: pymia's complete metric
//! catalogue, value for value, with shared intermediates and fast surface distances.
//!
//! - [`Metric`]: the object-safe trait every metric implements (column, abbreviation, parameters, kind,
//!   `compute`). Metrics are used as `Box<dyn Metric>`; [`metric_from_spec`] builds them from text such
//!   as `HDRFDST95=HDRFDST(percentile=95)`, [`segmentation_metrics`] gives pymia's 30 default metrics.
//! - [`EvaluationContext`]: one prediction/reference pair (masks of one label, or intensity images) and
//!   the intermediates computed once and shared by all metrics (confusion matrix, surface distances, ...).
//! - [`MetricValue`]: the value, whether pymia returns an integer (CSV `27` vs `27.0`), and for every
//!   non-finite value a machine-readable [`NotComputable`] reason (pymia only warns).
//! - [`evaluate_label`], [`evaluate_images`], [`evaluate_labels`] (labels in parallel, thread cap).
//!
//! Conventions: masks are `ArrayViewD<bool>`, intensity images `ArrayViewD<f64>` (f32 via
//! [`EvaluationContext::from_images_f32`]), arrays and spacing in numpy order (z, y, x), spacing in mm.
//! Bad input (shape mismatch, wrong spacing, NaN) gives a typed [`MetricError`], never a panic.
//!
//! ```
//! use mia_metrics::{evaluate_label, metrics_from_list, NotComputable};
//! use ndarray::{ArrayD, Dimension, IxDyn};
//!
//! let cube = |lo: usize| ArrayD::from_shape_fn(IxDyn(&[10, 10, 10]), move |i| i.slice().iter().all(|&c| c >= lo && c < lo + 4));
//! let (reference, prediction) = (cube(2), cube(3));
//! let metrics = metrics_from_list("DICE,TP,SNSVTY,FMEASR_B2=FMEASR(beta=2)")?;
//! let values = evaluate_label(prediction.view(), reference.view(), &[1.0, 1.0, 1.0], &metrics)?;
//! assert_eq!(values[0], ("DICE".to_string(), mia_metrics::MetricValue::float(0.421875)));
//! assert_eq!(values[1].1.value, 27.0);
//!
//! // Empty reference: pymia's value (-inf) plus the reason.
//! let empty = ArrayD::from_elem(IxDyn(&[10, 10, 10]), false);
//! let values = evaluate_label(prediction.view(), empty.view(), &[1.0, 1.0, 1.0], &metrics)?;
//! assert_eq!(values[2].1.value, f64::NEG_INFINITY);
//! assert_eq!(values[2].1.reason, Some(NotComputable::EmptyReference));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # For pymia users
//!
//! | pymia 0.3.4 | mia |
//! |---|---|
//! | `metric.DiceCoefficient()`, `HausdorffDistance(percentile=95, metric='HDRFDST95')` | [`DiceCoefficient::new()`], [`HausdorffDistance::new(95.0).with_column("HDRFDST95")`](HausdorffDistance), or `metric_from_spec("HDRFDST95=HDRFDST(percentile=95)")` |
//! | `metric.get_segmentation_metrics()` (also overlap/distance/classical/regression/reconstruction) | [`segmentation_metrics()`] (and [`overlap_metrics`], [`distance_metrics`], [`classical_metrics`], [`regression_metrics`], [`reconstruction_metrics`]) |
//! | `SegmentationEvaluator(metrics, {1: 'WM', (3, 4): 'HIPPO_AMYG'}).evaluate(pred, ref, id)` | [`evaluate_labels`] with [`Label::new`] / [`Label::union`] (spacing given explicitly, numpy order) |
//! | `metric.reference = ref; metric.prediction = pred; metric.calculate()` (continuous) | [`evaluate_images`] or [`EvaluationContext::from_images`] + [`Metric::compute`] |
//! | value + `NotComputableMetricWarning` | [`MetricValue`] with `reason: Some(NotComputable::…)` |
//! | Python `int` results (TP, `0`, `-1`) | [`MetricValue::integer`] |
//!
//! Differences (spec/DECISIONS.md): 2-D surface metrics use true contours unless
//! [`surface::TwoDMode::PymiaSlab`] is chosen via [`EvaluationContext::with_surface_config`] /
//! [`EvaluateOptions::with_surface_config`]; MAHLNBS on a singular covariance returns nan with
//! [`NotComputable::SingularCovariance`] instead of raising; SSIM is computed for any dimension (pymia: −inf
//! unless 2-D/3-D); shapes and spacing are checked.
#![warn(missing_docs)]

mod catalogue;
mod categorical;
mod confusion;
mod context;
mod continuous;
mod distance;
mod error;
mod evaluate;
pub mod lesion;
mod macros;
mod metric;
mod spatial;
mod spec;
mod ssim;
pub mod surface;
mod value;

pub use catalogue::{
    classical_metrics, distance_metrics, overlap_metrics, reconstruction_metrics, regression_metrics,
    segmentation_metrics, ABBREVIATIONS,
};
pub use categorical::{
    Accuracy, AdjustedRandIndex, AreaUnderCurve, BalancedAccuracy, CohenKappaCoefficient, DiceCoefficient,
    FMeasure, Fallout, FalseNegative, FalseNegativeRate, FalsePositive, GlobalConsistencyError,
    JaccardCoefficient, MatthewsCorrelation, MutualInformation, Precision, RandIndex, Sensitivity,
    Specificity, TrueNegative, TruePositive, VariationOfInformation, VolumeSimilarity,
};
pub use confusion::ConfusionMatrix;
pub use context::EvaluationContext;
pub use continuous::{
    CoefficientOfDetermination, MeanAbsoluteError, MeanSquaredError, NormalizedRootMeanSquaredError,
    PeakSignalToNoiseRatio, RootMeanSquaredError,
};
pub use distance::{
    AverageDistance, AverageSymmetricSurfaceDistance, BalancedAverageDistance, DirectedHausdorffDistance,
    HausdorffDistance, MeanAverageSurfaceDistance, SurfaceDiceOverlap, SurfaceOverlap,
};
pub use error::{MetricError, Result, SpecError};
pub use evaluate::{
    evaluate, evaluate_images, evaluate_label, evaluate_labels, EvaluateOptions, Label, LabelResult,
};
pub use metric::Metric;
pub use spatial::{
    Area, InterclassCorrelation, MahalanobisDistance, PredictionVolume, ProbabilisticDistance,
    ReferenceVolume,
};
pub use spec::{metric_from_spec, metrics_from_list};
pub use ssim::{structural_similarity, StructuralSimilarity};
pub use value::{MetricKind, MetricValue, NotComputable, ParamValue};

/// Confusion-matrix formulas as plain functions (`fn(&ConfusionMatrix) -> MetricValue`).
pub mod formulas {
    pub use crate::categorical::{
        accuracy, adjusted_rand_index, area_under_curve, balanced_accuracy, cohen_kappa, dice, f_measure,
        fallout, false_negative_rate, global_consistency_error, jaccard, matthews_correlation,
        mutual_information, precision, rand_index, sensitivity, specificity, variation_of_information,
        volume_similarity,
    };
}
