//! pymia's metric getters and the constructor table used by the specification parser.

use crate::categorical::*;
use crate::continuous::*;
use crate::error::SpecError;
use crate::spatial::*;
use crate::spec::Params;
use crate::ssim::StructuralSimilarity;
use crate::Metric;

/// Every abbreviation [`metric_from_spec`](crate::metric_from_spec) knows.
pub const ABBREVIATIONS: &[&str] = &[
    "ACURCY", "ADJRIND", "ASSD", "AUC", "AVGDIST", "BALACC", "BAVGDIST", "DICE", "FALLOUT", "FMEASR", "FN",
    "FNR", "FP", "GCOERR", "HDDIR", "HDRFDST", "ICCORR", "JACRD", "KAPPA", "MAE", "MAHLNBS", "MASD", "MCC",
    "MSE", "MUTINF", "NRMSE", "PREDAREA", "PREDVOL", "PRCISON", "PROBDST", "PSNR", "R2", "REFAREA", "REFVOL",
    "RMSE", "RNDIND", "SNSVTY", "SPCFTY", "SSIM", "SURFDICE", "SURFOVLP", "TN", "TP", "VARINFO", "VOLSMTY",
];

/// Build the metric `abbreviation` (upper case) with `column` and the parsed parameters; `None` if unknown.
pub(crate) fn construct(
    abbreviation: &str,
    column: String,
    p: &mut Params<'_>,
) -> Result<Option<Box<dyn Metric>>, SpecError> {
    macro_rules! plain {
        ($t:ty) => {{
            p.finish(&[])?;
            Box::new(<$t>::new().with_column(column)) as Box<dyn Metric>
        }};
    }
    let metric: Box<dyn Metric> = match abbreviation {
        "ACURCY" => plain!(Accuracy),
        "ADJRIND" => plain!(AdjustedRandIndex),
        "AUC" => plain!(AreaUnderCurve),
        "BALACC" => plain!(BalancedAccuracy),
        "DICE" => plain!(DiceCoefficient),
        "FALLOUT" => plain!(Fallout),
        "FN" => plain!(FalseNegative),
        "FNR" => plain!(FalseNegativeRate),
        "FP" => plain!(FalsePositive),
        "GCOERR" => plain!(GlobalConsistencyError),
        "ICCORR" => plain!(InterclassCorrelation),
        "JACRD" => plain!(JaccardCoefficient),
        "KAPPA" => plain!(CohenKappaCoefficient),
        "MAHLNBS" => plain!(MahalanobisDistance),
        "MCC" => plain!(MatthewsCorrelation),
        "MUTINF" => plain!(MutualInformation),
        "PREDVOL" => plain!(PredictionVolume),
        "PRCISON" => plain!(Precision),
        "PROBDST" => plain!(ProbabilisticDistance),
        "REFVOL" => plain!(ReferenceVolume),
        "RNDIND" => plain!(RandIndex),
        "SNSVTY" => plain!(Sensitivity),
        "SPCFTY" => plain!(Specificity),
        "TN" => plain!(TrueNegative),
        "TP" => plain!(TruePositive),
        "VARINFO" => plain!(VariationOfInformation),
        "VOLSMTY" => plain!(VolumeSimilarity),
        "MAE" => plain!(MeanAbsoluteError),
        "MSE" => plain!(MeanSquaredError),
        "RMSE" => plain!(RootMeanSquaredError),
        "NRMSE" => plain!(NormalizedRootMeanSquaredError),
        "R2" => plain!(CoefficientOfDetermination),
        "PSNR" => plain!(PeakSignalToNoiseRatio),
        "SSIM" => plain!(StructuralSimilarity),
        "FMEASR" => {
            let beta = p.float("beta", 1.0, |b| b.is_finite() && b >= 0.0, "must be finite and >= 0")?;
            p.finish(&["beta"])?;
            Box::new(FMeasure::new(beta).with_column(column))
        }
        "PREDAREA" | "REFAREA" => {
            let slice = p.int("slice_number", -1)?;
            p.finish(&["slice_number"])?;
            let area =
                if abbreviation == "PREDAREA" { Area::prediction(slice) } else { Area::reference(slice) };
            Box::new(area.with_column(column))
        }
        other => match crate::distance::construct(other, column, p)? {
            Some(m) => m,
            None => return Ok(None),
        },
    };
    Ok(Some(metric))
}

/// pymia's `get_overlap_metrics()`: ADJRIND, AUC, KAPPA, DICE, ICCORR, JACRD, MUTINF, RNDIND, SURFOVLP,
/// SURFDICE, VOLSMTY (defaults).
pub fn overlap_metrics() -> Vec<Box<dyn Metric>> {
    from_names(&[
        "ADJRIND", "AUC", "KAPPA", "DICE", "ICCORR", "JACRD", "MUTINF", "RNDIND", "SURFOVLP", "SURFDICE",
        "VOLSMTY",
    ])
}

/// pymia's `get_distance_metrics()`: HDRFDST, AVGDIST, MAHLNBS, VARINFO, GCOERR, PROBDST.
pub fn distance_metrics() -> Vec<Box<dyn Metric>> {
    from_names(&["HDRFDST", "AVGDIST", "MAHLNBS", "VARINFO", "GCOERR", "PROBDST"])
}

/// pymia's `get_classical_metrics()`: SNSVTY, SPCFTY, PRCISON, FMEASR, ACURCY, FALLOUT, FNR, TP, FP, TN,
/// FN, REFVOL, PREDVOL.
pub fn classical_metrics() -> Vec<Box<dyn Metric>> {
    from_names(&[
        "SNSVTY", "SPCFTY", "PRCISON", "FMEASR", "ACURCY", "FALLOUT", "FNR", "TP", "FP", "TN", "FN",
        "REFVOL", "PREDVOL",
    ])
}

/// pymia's `get_segmentation_metrics()`: overlap + distance + classical (30 metrics, pymia's order).
pub fn segmentation_metrics() -> Vec<Box<dyn Metric>> {
    let mut m = overlap_metrics();
    m.extend(distance_metrics());
    m.extend(classical_metrics());
    m
}

/// pymia's `get_regression_metrics()`: R2, MAE, MSE, RMSE, NRMSE.
pub fn regression_metrics() -> Vec<Box<dyn Metric>> {
    from_names(&["R2", "MAE", "MSE", "RMSE", "NRMSE"])
}

/// pymia's `get_reconstruction_metrics()`: PSNR, SSIM.
pub fn reconstruction_metrics() -> Vec<Box<dyn Metric>> {
    from_names(&["PSNR", "SSIM"])
}

fn from_names(names: &[&str]) -> Vec<Box<dyn Metric>> {
    names
        .iter()
        .map(|n| {
            let mut p = Params::empty();
            match construct(n, n.to_string(), &mut p) {
                Ok(Some(m)) => m,
                _ => unreachable!("built-in metric {n} is in the constructor table"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_abbreviation_constructs_and_round_trips() {
        for a in ABBREVIATIONS {
            let m = crate::metric_from_spec(a).unwrap_or_else(|e| panic!("{a}: {e}"));
            assert_eq!(m.abbreviation(), *a);
            let again = crate::metric_from_spec(&m.spec()).unwrap();
            assert_eq!((again.column(), again.parameters()), (m.column(), m.parameters()));
        }
        assert_eq!(segmentation_metrics().len(), 30);
    }
}
