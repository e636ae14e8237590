//! Metric values, not-computable reasons, metric kinds and parameters.

use std::fmt;

/// What a metric compares: label masks or intensity images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum MetricKind {
    /// Binary masks of one label (segmentation metrics: DICE, HDRFDST, ...).
    Categorical,
    /// Intensity images (reconstruction/regression metrics: MSE, PSNR, SSIM, ...).
    Continuous,
}

/// Why a metric has no finite value (machine-readable; pymia only warns).
///
/// Every non-finite value mia returns carries one of these; finite values carry none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum NotComputable {
    /// The reference mask is empty.
    EmptyReference,
    /// The prediction mask is empty.
    EmptyPrediction,
    /// Both masks are empty.
    BothEmpty,
    /// A ratio has a zero denominator (e.g. sensitivity with no reference voxel, specificity with no background).
    ZeroDenominator,
    /// A mask is empty or fills the whole image, so an entropy term needs `log2(0)` (MUTINF, VARINFO).
    DegenerateEntropy,
    /// The pooled covariance of the voxel coordinates is singular (flat objects; MAHLNBS).
    SingularCovariance,
    /// A mask has a single voxel, so its sample covariance is undefined (MAHLNBS).
    TooFewVoxels,
    /// The reference image is constant (R2, NRMSE).
    ConstantReference,
    /// The data range (reference maximum) is zero or negative (PSNR, SSIM).
    ZeroDataRange,
    /// Prediction and reference are identical, so the error is zero (PSNR is +inf).
    ZeroError,
}

impl NotComputable {
    /// Stable snake-case name, e.g. `empty_reference` (for CSV/JSON reports).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmptyReference => "empty_reference",
            Self::EmptyPrediction => "empty_prediction",
            Self::BothEmpty => "both_empty",
            Self::ZeroDenominator => "zero_denominator",
            Self::DegenerateEntropy => "degenerate_entropy",
            Self::SingularCovariance => "singular_covariance",
            Self::TooFewVoxels => "too_few_voxels",
            Self::ConstantReference => "constant_reference",
            Self::ZeroDataRange => "zero_data_range",
            Self::ZeroError => "zero_error",
        }
    }

    /// A sentence for humans.
    pub fn description(self) -> &'static str {
        match self {
            Self::EmptyReference => "the reference mask is empty",
            Self::EmptyPrediction => "the prediction mask is empty",
            Self::BothEmpty => "both masks are empty",
            Self::ZeroDenominator => "division by zero",
            Self::DegenerateEntropy => "a mask is empty or fills the image (log2 of 0)",
            Self::SingularCovariance => "the pooled coordinate covariance is singular",
            Self::TooFewVoxels => "a mask has a single voxel (covariance undefined)",
            Self::ConstantReference => "the reference image is constant",
            Self::ZeroDataRange => "the reference maximum (data range) is not positive",
            Self::ZeroError => "prediction equals reference (zero error)",
        }
    }
}

impl fmt::Display for NotComputable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of one metric for one (subject, label).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MetricValue {
    /// The value (±inf/nan where pymia returns them).
    pub value: f64,
    /// `true` where pymia returns a Python/numpy integer (TP, FP, TN, FN, and the integer edge cases
    /// of PRCISON, FMEASR, ADJRIND, PROBDST, ACURCY): CSV text `27`/`0`/`-1` instead of `27.0`.
    pub integer: bool,
    /// Why the value is not finite; `None` for every finite value.
    pub reason: Option<NotComputable>,
}

impl MetricValue {
    /// A floating-point value without reason.
    pub fn float(value: f64) -> Self {
        Self { value, integer: false, reason: None }
    }

    /// An integer value (pymia returns an int).
    pub fn int(value: i64) -> Self {
        Self { value: value as f64, integer: true, reason: None }
    }

    /// A non-finite (or degenerate) value with its reason.
    pub fn not_computable(value: f64, reason: NotComputable) -> Self {
        Self { value, integer: false, reason: Some(reason) }
    }

    /// A float that gets `reason` attached when it is not finite (IEEE arithmetic as numpy).
    pub fn float_or(value: f64, reason: NotComputable) -> Self {
        if value.is_finite() {
            Self::float(value)
        } else {
            Self::not_computable(value, reason)
        }
    }

    /// Whether the value is finite.
    pub fn is_finite(&self) -> bool {
        self.value.is_finite()
    }
}

/// A metric parameter value (for reports and for [`Metric::spec`](crate::Metric::spec)).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum ParamValue {
    /// A real number.
    Float(f64),
    /// An integer.
    Int(i64),
    /// A flag.
    Bool(bool),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Float(v) => write!(f, "{v}"),
            Self::Int(v) => write!(f, "{v}"),
            Self::Bool(v) => write!(f, "{v}"),
        }
    }
}
