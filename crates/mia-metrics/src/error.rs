//! Errors of metric evaluation and of metric specifications.

use crate::value::MetricKind;

/// Result type of the metric operations.
pub type Result<T, E = MetricError> = std::result::Result<T, E>;

/// Why an evaluation could not run (bad input, not an edge case of a metric).
///
/// Edge cases of the data (empty masks, constant images, ...) are *not* errors: they give a
/// [`MetricValue`](crate::MetricValue) with a [`NotComputable`](crate::NotComputable) reason, as pymia does.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricError {
    /// Prediction and reference do not have the same shape.
    #[error("prediction shape {prediction:?} differs from reference shape {reference:?}")]
    ShapeMismatch {
        /// Shape of the prediction (numpy order).
        prediction: Vec<usize>,
        /// Shape of the reference (numpy order).
        reference: Vec<usize>,
    },
    /// The spacing has not one entry per array axis.
    #[error("spacing {spacing:?} has {actual} entries, the arrays have {expected} axes")]
    SpacingLength {
        /// Number of array axes.
        expected: usize,
        /// Number of spacing entries given.
        actual: usize,
        /// The spacing given.
        spacing: Vec<f64>,
    },
    /// A spacing entry is zero, negative, infinite or NaN.
    #[error("spacing {spacing:?}: entry {axis} ({value}) must be finite and > 0")]
    InvalidSpacing {
        /// Axis (numpy order) of the bad entry.
        axis: usize,
        /// The bad value.
        value: f64,
        /// The spacing given.
        spacing: Vec<f64>,
    },
    /// The arrays have no voxels or no axes.
    #[error("the {which} array has shape {shape:?}: metrics need at least one axis and one voxel")]
    EmptyArray {
        /// `"prediction"` or `"reference"`.
        which: &'static str,
        /// Its shape.
        shape: Vec<usize>,
    },
    /// A continuous image contains NaN.
    #[error("the {which} image contains NaN at index {index:?}")]
    NanInImage {
        /// `"prediction"` or `"reference"`.
        which: &'static str,
        /// Numpy-order index of the first NaN.
        index: Vec<usize>,
    },
    /// A metric was given the wrong kind of input (masks vs intensity images).
    #[error("metric {metric} needs {expected:?} input (label masks or intensity images), the context holds the other kind")]
    WrongInput {
        /// Column of the metric.
        metric: String,
        /// Input kind the metric needs.
        expected: MetricKind,
    },
    /// A metric that reads the masks was given a context that holds only their confusion matrix
    /// ([`EvaluationContext::from_confusion`](crate::EvaluationContext::from_confusion)).
    #[error("metric {metric} needs the label masks, the context holds only their confusion matrix")]
    NeedsMasks {
        /// Column of the metric.
        metric: String,
    },
    /// The images are smaller than a metric's window (SSIM: 7 voxels along every axis).
    #[error(
        "metric {metric}: image shape {shape:?} is smaller than the {window}-voxel window along some axis"
    )]
    ImageTooSmall {
        /// Column of the metric.
        metric: String,
        /// Image shape.
        shape: Vec<usize>,
        /// Window width.
        window: usize,
    },
    /// The metric does not support arrays of this dimension.
    #[error("metric {metric} does not support {ndim}-D arrays ({supported})")]
    UnsupportedDimension {
        /// Column of the metric.
        metric: String,
        /// Number of axes given.
        ndim: usize,
        /// What is supported.
        supported: &'static str,
    },
    /// A slice index (PREDAREA/REFAREA) lies outside the array.
    #[error("metric {metric}: slice {slice} is outside axis 0 of length {len}")]
    SliceOutOfRange {
        /// Column of the metric.
        metric: String,
        /// Requested slice.
        slice: i64,
        /// Length of axis 0.
        len: usize,
    },
    /// The surface-distance engine failed.
    #[error("surface distances: {0}")]
    Surface(String),
    /// The rayon thread pool could not be built.
    #[error("cannot build a thread pool with {threads} threads: {message}")]
    ThreadPool {
        /// Requested thread count.
        threads: usize,
        /// Message of rayon.
        message: String,
    },
    /// Evaluating the metric failed for a label (wraps the error with the label name).
    #[error("label {label}: {source}")]
    Label {
        /// Name of the label.
        label: String,
        /// The error.
        source: Box<MetricError>,
    },
}

/// Why a metric specification such as `HDRFDST95=HDRFDST(percentile=95)` was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The text does not follow `[COLUMN=]ABBR[(name=value,...)]`.
    #[error("metric specification {spec:?}: {message}")]
    Syntax {
        /// The specification.
        spec: String,
        /// What is wrong.
        message: String,
    },
    /// No metric has this abbreviation.
    #[error("unknown metric {abbreviation:?} in {spec:?} (known: {known})")]
    UnknownMetric {
        /// The abbreviation given.
        abbreviation: String,
        /// The specification.
        spec: String,
        /// Comma-separated list of the known abbreviations.
        known: String,
    },
    /// The metric has no parameter of this name.
    #[error("metric {abbreviation} has no parameter {parameter:?} (parameters: {known})")]
    UnknownParameter {
        /// The metric.
        abbreviation: String,
        /// The parameter given.
        parameter: String,
        /// Its parameters.
        known: String,
    },
    /// A parameter value cannot be parsed or is out of range.
    #[error("metric {abbreviation}: parameter {parameter}={value:?} is invalid: {message}")]
    InvalidValue {
        /// The metric.
        abbreviation: String,
        /// The parameter.
        parameter: String,
        /// The value given.
        value: String,
        /// What is wrong.
        message: String,
    },
}
