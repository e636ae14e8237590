//! Metrics computed from the confusion matrix alone (pymia's `ConfusionMatrixMetric`s), plus MCC and
//! balanced accuracy. Notation: tp, fp, tn, fn voxel counts, n = tp+fp+tn+fn. Spacing is ignored.
//!
//! Arithmetic follows pymia's Python expressions operation by operation (counts as exact integers,
//! then IEEE f64), so values agree to the last bits; edge cases return pymia's values, and every
//! non-finite value carries a [`NotComputable`] reason.

use crate::confusion::ConfusionMatrix;
use crate::macros::confusion_metric;
use crate::value::{MetricValue, NotComputable};

/// Reason for a non-finite confusion-matrix value: which mask is empty, else a zero denominator
/// (a mask covering the whole image).
pub(crate) fn reason(cm: &ConfusionMatrix) -> NotComputable {
    match (cm.reference_count() == 0, cm.prediction_count() == 0) {
        (true, true) => NotComputable::BothEmpty,
        (true, false) => NotComputable::EmptyReference,
        (false, true) => NotComputable::EmptyPrediction,
        (false, false) => NotComputable::ZeroDenominator,
    }
}

fn value(cm: &ConfusionMatrix, v: f64) -> MetricValue {
    MetricValue::float_or(v, reason(cm))
}

/// Integer counts as i128 (exact products), as numpy int64 does below overflow.
fn counts(cm: &ConfusionMatrix) -> (i128, i128, i128, i128, i128) {
    (cm.tp as i128, cm.fp as i128, cm.tn as i128, cm.fn_ as i128, cm.n() as i128)
}

/// DICE: `2tp / (2tp + fp + fn)`; both masks empty → 1.0.
pub fn dice(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, _, fn_, _) = counts(cm);
    if tp == 0 && tp + fp + fn_ == 0 {
        return MetricValue::float(1.0);
    }
    value(cm, (2 * tp) as f64 / (2 * tp + fp + fn_) as f64)
}

/// JACRD: `tp / (tp + fp + fn)`; both masks empty → 1.0 (pymia ≥ 0.3.3).
pub fn jaccard(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, _, fn_, _) = counts(cm);
    if tp == 0 && tp + fp + fn_ == 0 {
        return MetricValue::float(1.0);
    }
    value(cm, tp as f64 / (tp + fp + fn_) as f64)
}

/// SNSVTY: `tp / (tp + fn)`; empty reference → −inf.
pub fn sensitivity(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, _, _, fn_, _) = counts(cm);
    if tp + fn_ == 0 {
        return MetricValue::not_computable(f64::NEG_INFINITY, reason(cm));
    }
    value(cm, tp as f64 / (tp + fn_) as f64)
}

/// SPCFTY: `tn / (tn + fp)`; no reference background → nan.
pub fn specificity(cm: &ConfusionMatrix) -> MetricValue {
    let (_, fp, tn, _, _) = counts(cm);
    value(cm, tn as f64 / (tn + fp) as f64)
}

/// FALLOUT: `1 − tn / (tn + fp)`; no reference background → nan.
pub fn fallout(cm: &ConfusionMatrix) -> MetricValue {
    let (_, fp, tn, _, _) = counts(cm);
    value(cm, 1.0 - tn as f64 / (tn + fp) as f64)
}

/// FNR: `1 − tp / (tp + fn)`; empty reference → nan.
pub fn false_negative_rate(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, _, _, fn_, _) = counts(cm);
    value(cm, 1.0 - tp as f64 / (tp + fn_) as f64)
}

/// ACURCY: `(tp + tn) / n`; n = 0 → integer 0.
pub fn accuracy(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, tn, fn_, _) = counts(cm);
    let sum = tp + tn + fp + fn_;
    if sum == 0 {
        return MetricValue::int(0);
    }
    value(cm, (tp + tn) as f64 / sum as f64)
}

/// PRCISON: `tp / (tp + fp)`; empty prediction → integer 0.
pub fn precision(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, _, _, _) = counts(cm);
    if tp + fp == 0 {
        return MetricValue::int(0);
    }
    value(cm, tp as f64 / (tp + fp) as f64)
}

/// FMEASR: `(1 + β²) · P·R / (β²P + R)` with P = PRCISON, R = SNSVTY; denominator 0 → integer 0;
/// empty reference → nan (R = −inf).
pub fn f_measure(cm: &ConfusionMatrix, beta: f64) -> MetricValue {
    let beta_squared = beta * beta;
    let p = precision(cm).value;
    let r = sensitivity(cm).value;
    let denominator = beta_squared * p + r;
    if denominator == 0.0 {
        return MetricValue::int(0);
    }
    value(cm, (1.0 + beta_squared) * ((p * r) / denominator))
}

/// The a, b, c, d pair counts of the Rand indices (pymia's formulas, exact integers halved).
fn pair_counts(cm: &ConfusionMatrix) -> (f64, f64, f64, f64) {
    let (tp, fp, tn, fn_, n) = counts(cm);
    let (fp_tn, tp_fn, tn_fn, tp_fp) = (tn + fp, fn_ + tp, tn + fn_, fp + tp);
    let nis = tn_fn * tn_fn + tp_fp * tp_fp;
    let njs = fp_tn * fp_tn + tp_fn * tp_fn;
    let sum_of_squares = tp * tp + tn * tn + fp * fp + fn_ * fn_;
    let a = (tp * (tp - 1) + fp * (fp - 1) + tn * (tn - 1) + fn_ * (fn_ - 1)) as f64 / 2.0;
    let b = (njs - sum_of_squares) as f64 / 2.0;
    let c = (nis - sum_of_squares) as f64 / 2.0;
    let d = (n * n + sum_of_squares - nis - njs) as f64 / 2.0;
    (a, b, c, d)
}

/// RNDIND: `(a + d) / (a + b + c + d)` over voxel pairs (a: same in both, d: different in both).
pub fn rand_index(cm: &ConfusionMatrix) -> MetricValue {
    let (a, b, c, d) = pair_counts(cm);
    value(cm, (a + d) / (a + b + c + d))
}

/// ADJRIND: Rand index adjusted for chance, `x1 / (x2 − x3)` (pymia's formula); zero denominator → integer 0.
pub fn adjusted_rand_index(cm: &ConfusionMatrix) -> MetricValue {
    let (a, b, c, d) = pair_counts(cm);
    let x1 = a - ((a + c) * (a + b) / (a + b + c + d));
    let x2 = ((a + c) + (a + b)) / 2.0;
    let x3 = ((a + c) * (a + b)) / (a + b + c + d);
    let denominator = x2 - x3;
    if denominator == 0.0 {
        return MetricValue::int(0);
    }
    value(cm, x1 / denominator)
}

/// AUC (one operating point): `(TPR − FPR + 1) / 2`; empty reference → −inf; no background → nan.
pub fn area_under_curve(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, tn, fn_, _) = counts(cm);
    let specificity = tn as f64 / (tn + fp) as f64;
    let false_positive_rate = 1.0 - specificity;
    if tp + fn_ == 0 {
        return MetricValue::not_computable(f64::NEG_INFINITY, reason(cm));
    }
    let true_positive_rate = tp as f64 / (tp + fn_) as f64;
    value(cm, (true_positive_rate - false_positive_rate + 1.0) / 2.0)
}

/// KAPPA (Cohen): `(agreement − chance) / (n − chance)`; zero denominator → −inf.
pub fn cohen_kappa(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, tn, fn_, _) = counts(cm);
    let agreement = (tp + tn) as f64;
    let chance0 = (tn + fn_) * (tn + fp);
    let chance1 = (fp + tp) * (fn_ + tp);
    let sum = (tn + fn_ + fp + tp) as f64;
    let chance = (chance0 + chance1) as f64 / sum;
    if sum - chance == 0.0 {
        return MetricValue::not_computable(f64::NEG_INFINITY, reason(cm));
    }
    value(cm, (agreement - chance) / (sum - chance))
}

/// GCOERR (Martin et al. 2001): `min(e1, e2)` of the local refinement errors; a zero marginal → +inf.
pub fn global_consistency_error(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, tn, fn_, _) = counts(cm);
    if tp + fn_ == 0 || tn + fp == 0 || tp + fp == 0 || tn + fn_ == 0 {
        return MetricValue::not_computable(f64::INFINITY, reason(cm));
    }
    let n = (tp + tn + fp + fn_) as f64;
    let e1 = ((fn_ * (fn_ + 2 * tp)) as f64 / (tp + fn_) as f64
        + (fp * (fp + 2 * tn)) as f64 / (tn + fp) as f64)
        / n;
    let e2 = ((fp * (fp + 2 * tp)) as f64 / (tp + fp) as f64
        + (fn_ * (fn_ + 2 * tn)) as f64 / (tn + fn_) as f64)
        / n;
    value(cm, e1.min(e2))
}

/// VOLSMTY: `1 − |fn − fp| / (2tp + fn + fp)`; both masks empty → −inf.
pub fn volume_similarity(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, _, fn_, _) = counts(cm);
    if tp + fn_ + fp == 0 {
        return MetricValue::not_computable(f64::NEG_INFINITY, reason(cm));
    }
    value(cm, 1.0 - (fn_ - fp).abs() as f64 / (2 * tp + fn_ + fp) as f64)
}

/// `(H1, H2, MI)` in bits, or `None` when a mask is empty or fills the image (log2 of 0).
fn entropies(cm: &ConfusionMatrix) -> Option<(f64, f64, f64)> {
    let (tp, fp, tn, fn_, n) = counts(cm);
    let n = n as f64;
    let (fn_tp, fp_tp) = ((fn_ + tp) as f64, (fp + tp) as f64);
    if fn_tp == 0.0 || fn_tp / n == 1.0 || fp_tp == 0.0 || fp_tp / n == 1.0 {
        return None;
    }
    let h1 = -((fn_tp / n) * (fn_tp / n).log2() + (1.0 - fn_tp / n) * (1.0 - fn_tp / n).log2());
    let h2 = -((fp_tp / n) * (fp_tp / n).log2() + (1.0 - fp_tp / n) * (1.0 - fp_tp / n).log2());
    let p = |k: i128| if k == 0 { 1.0 } else { k as f64 / n };
    let h12 = -((tn as f64 / n) * p(tn).log2()
        + (fn_ as f64 / n) * p(fn_).log2()
        + (fp as f64 / n) * p(fp).log2()
        + (tp as f64 / n) * p(tp).log2());
    Some((h1, h2, h1 + h2 - h12))
}

fn entropy_reason(cm: &ConfusionMatrix) -> NotComputable {
    match reason(cm) {
        NotComputable::ZeroDenominator => NotComputable::DegenerateEntropy,
        r => r,
    }
}

/// MUTINF: mutual information `H1 + H2 − H12` in bits; a mask empty or full → −inf.
pub fn mutual_information(cm: &ConfusionMatrix) -> MetricValue {
    match entropies(cm) {
        Some((_, _, mi)) => value(cm, mi),
        None => MetricValue::not_computable(f64::NEG_INFINITY, entropy_reason(cm)),
    }
}

/// VARINFO: variation of information `H1 + H2 − 2·MI` in bits; a mask empty or full → −inf.
pub fn variation_of_information(cm: &ConfusionMatrix) -> MetricValue {
    match entropies(cm) {
        Some((h1, h2, mi)) => value(cm, h1 + h2 - 2.0 * mi),
        None => MetricValue::not_computable(f64::NEG_INFINITY, entropy_reason(cm)),
    }
}

/// MCC (beyond pymia): Matthews correlation coefficient
/// `(tp·tn − fp·fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn))` (Matthews 1975). A zero marginal → nan with a
/// reason (scikit-learn returns 0 there; mia does not invent a value).
pub fn matthews_correlation(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, tn, fn_, _) = counts(cm);
    let numerator = (tp * tn - fp * fn_) as f64;
    let denominator = ((tp + fp) as f64 * (tp + fn_) as f64 * (tn + fp) as f64 * (tn + fn_) as f64).sqrt();
    if denominator == 0.0 {
        return MetricValue::not_computable(f64::NAN, reason(cm));
    }
    value(cm, numerator / denominator)
}

/// BALACC (beyond pymia): balanced accuracy `(TPR + TNR) / 2` (Brodersen et al. 2010); undefined
/// (nan) when the reference is empty or covers the whole image.
pub fn balanced_accuracy(cm: &ConfusionMatrix) -> MetricValue {
    let (tp, fp, tn, fn_, _) = counts(cm);
    if tp + fn_ == 0 || tn + fp == 0 {
        return MetricValue::not_computable(f64::NAN, reason(cm));
    }
    value(cm, (tp as f64 / (tp + fn_) as f64 + tn as f64 / (tn + fp) as f64) / 2.0)
}

fn tp(cm: &ConfusionMatrix) -> MetricValue {
    MetricValue::int(cm.tp as i64)
}
fn fp(cm: &ConfusionMatrix) -> MetricValue {
    MetricValue::int(cm.fp as i64)
}
fn tn(cm: &ConfusionMatrix) -> MetricValue {
    MetricValue::int(cm.tn as i64)
}
fn fn_(cm: &ConfusionMatrix) -> MetricValue {
    MetricValue::int(cm.fn_ as i64)
}

confusion_metric!(
    /// DICE, Dice coefficient `2tp / (2tp + fp + fn)` (unitless, 0..1). Both masks empty → 1.0.
    DiceCoefficient, "DICE", dice
);
confusion_metric!(
    /// JACRD, Jaccard index `tp / (tp + fp + fn)` (0..1). Both masks empty → 1.0.
    JaccardCoefficient, "JACRD", jaccard
);
confusion_metric!(
    /// SNSVTY, sensitivity (recall, TPR) `tp / (tp + fn)`. Empty reference → −inf.
    Sensitivity, "SNSVTY", sensitivity
);
confusion_metric!(
    /// SPCFTY, specificity (TNR) `tn / (tn + fp)`. Reference covering the image → nan.
    Specificity, "SPCFTY", specificity
);
confusion_metric!(
    /// FALLOUT, false positive rate `1 − tn / (tn + fp)`. Reference covering the image → nan.
    Fallout, "FALLOUT", fallout
);
confusion_metric!(
    /// FNR, false negative rate `1 − tp / (tp + fn)`. Empty reference → nan.
    FalseNegativeRate, "FNR", false_negative_rate
);
confusion_metric!(
    /// ACURCY, accuracy `(tp + tn) / n`.
    Accuracy, "ACURCY", accuracy
);
confusion_metric!(
    /// PRCISON, precision (PPV) `tp / (tp + fp)`. Empty prediction → integer 0.
    Precision, "PRCISON", precision
);
confusion_metric!(
    /// TP, number of true-positive voxels (integer).
    TruePositive, "TP", tp
);
confusion_metric!(
    /// FP, number of false-positive voxels (integer).
    FalsePositive, "FP", fp
);
confusion_metric!(
    /// TN, number of true-negative voxels (integer).
    TrueNegative, "TN", tn
);
confusion_metric!(
    /// FN, number of false-negative voxels (integer).
    FalseNegative, "FN", fn_
);
confusion_metric!(
    /// GCOERR, global consistency error (Martin et al. 2001), 0..1. A mask empty or full → +inf.
    GlobalConsistencyError, "GCOERR", global_consistency_error
);
confusion_metric!(
    /// VOLSMTY, volume similarity `1 − |fn − fp| / (2tp + fn + fp)`. Both masks empty → −inf.
    VolumeSimilarity, "VOLSMTY", volume_similarity
);
confusion_metric!(
    /// RNDIND, Rand index over voxel pairs, 0..1.
    RandIndex, "RNDIND", rand_index
);
confusion_metric!(
    /// ADJRIND, adjusted Rand index (pymia's formula). Zero denominator → integer 0.
    AdjustedRandIndex, "ADJRIND", adjusted_rand_index
);
confusion_metric!(
    /// MUTINF, mutual information of the two binary partitions, in bits. A mask empty or full → −inf.
    MutualInformation, "MUTINF", mutual_information
);
confusion_metric!(
    /// VARINFO, variation of information `H1 + H2 − 2·MI`, in bits. A mask empty or full → −inf.
    VariationOfInformation, "VARINFO", variation_of_information
);
confusion_metric!(
    /// KAPPA, Cohen's kappa. Zero denominator (e.g. both masks empty) → −inf.
    CohenKappaCoefficient, "KAPPA", cohen_kappa
);
confusion_metric!(
    /// AUC, area under the ROC curve of the single operating point `(TPR − FPR + 1) / 2`.
    /// Empty reference → −inf; reference covering the image → nan.
    AreaUnderCurve, "AUC", area_under_curve
);
confusion_metric!(
    /// MCC (beyond pymia), Matthews correlation coefficient, −1..1. A zero marginal → nan.
    MatthewsCorrelation, "MCC", matthews_correlation
);
confusion_metric!(
    /// BALACC (beyond pymia), balanced accuracy `(TPR + TNR) / 2`. Empty or full reference → nan.
    BalancedAccuracy, "BALACC", balanced_accuracy
);

/// FMEASR, F-measure `(1 + β²)·P·R / (β²P + R)` (F1 for β = 1, the default; F2/F0.5 with β = 2/0.5).
/// Denominator 0 (e.g. no true positive) → integer 0; empty reference → nan.
#[derive(Debug, Clone, PartialEq)]
pub struct FMeasure {
    column: String,
    beta: f64,
}

impl FMeasure {
    /// The abbreviation.
    pub const ABBREVIATION: &'static str = "FMEASR";

    /// F-measure with the given β (pymia's default is 1.0) and the column `FMEASR`.
    pub fn new(beta: f64) -> Self {
        Self { column: Self::ABBREVIATION.to_string(), beta }
    }

    /// Use another column name.
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = column.into();
        self
    }
}

impl Default for FMeasure {
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl crate::Metric for FMeasure {
    fn column(&self) -> &str {
        &self.column
    }
    fn abbreviation(&self) -> &str {
        Self::ABBREVIATION
    }
    fn parameters(&self) -> Vec<(&'static str, crate::ParamValue)> {
        vec![("beta", crate::ParamValue::Float(self.beta))]
    }
    fn kind(&self) -> crate::MetricKind {
        crate::MetricKind::Categorical
    }
    fn compute(&self, ctx: &crate::EvaluationContext<'_>) -> crate::Result<MetricValue> {
        Ok(f_measure(ctx.confusion_matrix(&self.column)?, self.beta))
    }
    fn needs_masks(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pymia-reference.md §10.2 case A: tp 27, fp 37, fn 37, tn 899.
    const A: ConfusionMatrix = ConfusionMatrix { tp: 27, fp: 37, tn: 899, fn_: 37 };

    #[test]
    fn case_a_values() {
        assert_eq!(dice(&A).value, 0.421875);
        assert_eq!(adjusted_rand_index(&A).value, 0.35011180447064344);
        assert_eq!(area_under_curve(&A).value, 0.6911725427350428);
        assert_eq!(cohen_kappa(&A).value, 0.38234508547008544);
        assert_eq!(jaccard(&A).value, 0.26732673267326734);
        assert_eq!(mutual_information(&A).value, 0.055490438874398196);
        assert_eq!(rand_index(&A).value, 0.8628148148148148);
        assert_eq!(variation_of_information(&A).value, 0.5752649365152447);
        assert_eq!(global_consistency_error(&A).value, 0.12514676816239315);
        assert_eq!(accuracy(&A).value, 0.926);
        assert_eq!(fallout(&A).value, 0.0395299145299145);
        assert_eq!(f_measure(&A, 2.0).value, 0.421875);
    }

    #[test]
    fn both_empty_edge_cases() {
        let c = ConfusionMatrix { tp: 0, fp: 0, tn: 1000, fn_: 0 };
        let v = adjusted_rand_index(&c);
        assert!(v.integer && v.value == 0.0);
        assert_eq!(dice(&c).value, 1.0);
        assert_eq!(sensitivity(&c).reason, Some(NotComputable::BothEmpty));
        assert!(f_measure(&c, 1.0).value.is_nan());
        assert!(precision(&c).integer);
        assert_eq!(cohen_kappa(&c).value, f64::NEG_INFINITY);
        assert!(matthews_correlation(&c).value.is_nan());
    }
}
