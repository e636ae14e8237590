//! The [`Metric`] trait: the extension point every metric implements.

use std::sync::Arc;

use crate::context::EvaluationContext;
use crate::error::Result;
use crate::value::{MetricKind, MetricValue, ParamValue};

/// One metric: a column name, an abbreviation with parameters, and a computation on an
/// [`EvaluationContext`] (one subject and one label, or one pair of intensity images).
///
/// Object safe, `Send + Sync`: evaluations hold `Vec<Box<dyn Metric>>` and run labels in parallel.
/// Shared intermediate results (confusion matrix, surface distances, ...) come from the context,
/// which computes each once per (subject, label), whatever the number of metrics needing it.
///
/// Implementing a custom metric:
/// ```
/// use mia_metrics::{EvaluationContext, Metric, MetricKind, MetricValue, ParamValue, Result};
///
/// /// Number of voxels where prediction and reference disagree.
/// struct Disagreement;
///
/// impl Metric for Disagreement {
///     fn column(&self) -> &str { "DISAGREE" }
///     fn abbreviation(&self) -> &str { "DISAGREE" }
///     fn kind(&self) -> MetricKind { MetricKind::Categorical }
///     fn compute(&self, ctx: &EvaluationContext<'_>) -> Result<MetricValue> {
///         let cm = ctx.confusion_matrix(self.column())?;
///         Ok(MetricValue::int((cm.fp + cm.fn_) as i64))
///     }
/// }
///
/// let p = ndarray::arr2(&[[true, false], [true, true]]).into_dyn();
/// let r = ndarray::arr2(&[[true, true], [false, true]]).into_dyn();
/// let ctx = EvaluationContext::from_masks(p.view(), r.view(), &[1.0, 1.0])?;
/// assert_eq!(Disagreement.compute(&ctx)?.value, 2.0);
/// # Ok::<(), mia_metrics::MetricError>(())
/// ```
pub trait Metric: Send + Sync {
    /// Column name in results (pymia's `metric` argument), e.g. `DICE`, `HDRFDST95`.
    fn column(&self) -> &str;

    /// The metric's abbreviation (pymia's default column), e.g. `HDRFDST` for `HDRFDST95`.
    fn abbreviation(&self) -> &str;

    /// Parameters and their values, in the order of pymia's constructor (empty for most metrics).
    fn parameters(&self) -> Vec<(&'static str, ParamValue)> {
        Vec::new()
    }

    /// Whether the metric compares masks or intensity images.
    fn kind(&self) -> MetricKind;

    /// Compute the value for the context's prediction/reference pair.
    ///
    /// Errors only on unusable input (wrong input kind, image too small, ...); edge cases of the data
    /// (empty masks, ...) give a value with a [`NotComputable`](crate::NotComputable) reason.
    fn compute(&self, ctx: &EvaluationContext<'_>) -> Result<MetricValue>;

    /// Whether [`Metric::compute`] reads more of a categorical context than its confusion matrix (and spacing).
    /// `false` lets an evaluator count the confusion matrices of every label in one pass over the two label images
    /// ([`EvaluationContext::from_confusion`]) instead of building masks. Default `true` (always correct).
    fn needs_masks(&self) -> bool {
        true
    }

    /// The specification that re-creates this metric with [`metric_from_spec`](crate::metric_from_spec),
    /// e.g. `HDRFDST95=HDRFDST(percentile=95)`, or just `DICE`.
    fn spec(&self) -> String {
        let params = self.parameters();
        let mut s = String::new();
        if self.column() != self.abbreviation() || !params.is_empty() {
            s.push_str(self.column());
            s.push('=');
        }
        s.push_str(self.abbreviation());
        if !params.is_empty() {
            let p: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push('(');
            s.push_str(&p.join(","));
            s.push(')');
        }
        s
    }
}

macro_rules! forward_metric {
    ($($t:ty),*) => {$(
        impl<M: Metric + ?Sized> Metric for $t {
            fn column(&self) -> &str { (**self).column() }
            fn abbreviation(&self) -> &str { (**self).abbreviation() }
            fn parameters(&self) -> Vec<(&'static str, ParamValue)> { (**self).parameters() }
            fn kind(&self) -> MetricKind { (**self).kind() }
            fn compute(&self, ctx: &EvaluationContext<'_>) -> Result<MetricValue> { (**self).compute(ctx) }
            fn needs_masks(&self) -> bool { (**self).needs_masks() }
            fn spec(&self) -> String { (**self).spec() }
        }
    )*};
}

forward_metric!(&M, Box<M>, Arc<M>);
