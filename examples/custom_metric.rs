//! A metric defined outside the workspace: a downstream crate implements `mia_metrics::Metric` and uses it
//! beside the built-in ones, evaluated by `mia_report::Evaluator` and written by pymia's CSV writer.
//!
//! The metric: the relative volume error `(|P| - |R|) / |R|` (signed), not computable for an empty reference.
//!
//! Run with `cargo run --example custom_metric`.

use mia::core::Image;
use mia::metrics::{
    metric_from_spec, EvaluationContext, Metric, MetricKind, MetricValue, NotComputable, Result,
};
use mia::report::{CsvWriter, Evaluator, LabelSpec, Results, Writer};
use ndarray::{Array3, IxDyn};

/// Signed relative volume error of the prediction against the reference.
struct RelativeVolumeError;

impl Metric for RelativeVolumeError {
    fn column(&self) -> &str {
        "RVE"
    }

    fn abbreviation(&self) -> &str {
        "RVE"
    }

    fn kind(&self) -> MetricKind {
        MetricKind::Categorical
    }

    fn compute(&self, ctx: &EvaluationContext<'_>) -> Result<MetricValue> {
        // The confusion matrix is computed once per (subject, label) and shared by every metric.
        let cm = ctx.confusion_matrix(self.column())?;
        let reference = (cm.tp + cm.fn_) as f64;
        let prediction = (cm.tp + cm.fp) as f64;
        if reference == 0.0 {
            return Ok(MetricValue::not_computable(f64::INFINITY, NotComputable::EmptyReference));
        }
        Ok(MetricValue::float((prediction - reference) / reference))
    }
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    // Two offset cubes (pymia's reference case A).
    let mut reference = Array3::<u8>::zeros((10, 10, 10));
    reference.slice_mut(ndarray::s![2..6, 2..6, 2..6]).fill(1);
    let mut prediction = Array3::<u8>::zeros((10, 10, 10));
    prediction.slice_mut(ndarray::s![3..8, 3..7, 3..7]).fill(1);
    let reference = Image::from_array(reference.into_shape_with_order(IxDyn(&[10, 10, 10]))?)?;
    let prediction = Image::from_array(prediction.into_shape_with_order(IxDyn(&[10, 10, 10]))?)?;

    let metrics: Vec<Box<dyn Metric>> = vec![
        metric_from_spec("DICE")?,
        metric_from_spec("HDRFDST95=HDRFDST(percentile=95)")?,
        Box::new(RelativeVolumeError),
    ];
    let evaluator = Evaluator::segmentation(metrics, LabelSpec::parse_list("1=CUBE")?)?;
    let mut results = Results::new();
    for r in evaluator.evaluate(&prediction, &reference, "case_A")? {
        results.push(r);
    }
    print!("{}", CsvWriter::new().write_string(&results)?);
    Ok(())
}
