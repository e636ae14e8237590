//! Statistics over subjects per (label, metric), as pymia's `StatisticsAggregator`, with more functions and an
//! explicit policy for non-finite values.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::numpy;
use crate::results::Results;

/// A statistic over the subjects' values of one label and metric.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Statistic {
    /// `MEAN` (`np.mean`, numpy's pairwise summation in evaluation order).
    Mean,
    /// `STD`: population standard deviation (`np.std`, ddof 0), as pymia.
    Std,
    /// `MEDIAN` (`np.median`).
    Median,
    /// `MIN` (`np.min`; nan if any value is nan).
    Min,
    /// `MAX` (`np.max`; nan if any value is nan).
    Max,
    /// `P<q>`: the q-th percentile, `np.percentile` with linear interpolation (q in 0..=100).
    Percentile(f64),
    /// `COUNT`: the number of values.
    Count,
    /// `COUNT_FINITE`: the number of finite values (always of the raw values, whatever the policy).
    CountFinite,
}

impl Statistic {
    /// pymia's defaults: `MEAN`, `STD`.
    pub fn pymia_defaults() -> Vec<Statistic> {
        vec![Statistic::Mean, Statistic::Std]
    }

    /// The name in the `STATISTIC` column (`MEAN`, `STD`, `P95`, `P2.5`, `COUNT_FINITE`, ...).
    pub fn name(&self) -> String {
        match self {
            Statistic::Mean => "MEAN".into(),
            Statistic::Std => "STD".into(),
            Statistic::Median => "MEDIAN".into(),
            Statistic::Min => "MIN".into(),
            Statistic::Max => "MAX".into(),
            Statistic::Percentile(q) => format!("P{q}"),
            Statistic::Count => "COUNT".into(),
            Statistic::CountFinite => "COUNT_FINITE".into(),
        }
    }

    /// Computes the statistic of `values` (nan for statistics of no values, except the counts).
    pub fn compute(&self, values: &[f64]) -> f64 {
        match *self {
            Statistic::Mean => numpy::mean(values),
            Statistic::Std => numpy::std(values),
            Statistic::Median => numpy::median(values),
            Statistic::Min => numpy::min(values),
            Statistic::Max => numpy::max(values),
            Statistic::Percentile(q) => numpy::percentile(values, q),
            Statistic::Count => values.len() as f64,
            Statistic::CountFinite => values.iter().filter(|v| v.is_finite()).count() as f64,
        }
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A statistic name that could not be parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "unknown statistic '{0}' (expected mean, std, median, min, max, count, count_finite or p<q> with 0 <= q <= 100, \
     e.g. p95)"
)]
pub struct ParseStatisticError(pub String);

impl FromStr for Statistic {
    type Err = ParseStatisticError;

    /// Parses `mean`, `std`, `median`, `min`, `max`, `count`, `count_finite`, `p95` / `percentile95` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let stat = match lower.as_str() {
            "mean" => Statistic::Mean,
            "std" => Statistic::Std,
            "median" => Statistic::Median,
            "min" => Statistic::Min,
            "max" => Statistic::Max,
            "count" => Statistic::Count,
            "count_finite" | "countfinite" => Statistic::CountFinite,
            other => {
                let q = other.strip_prefix("percentile").or_else(|| other.strip_prefix('p'));
                match q.and_then(|q| q.parse::<f64>().ok()) {
                    Some(q) if (0.0..=100.0).contains(&q) => Statistic::Percentile(q),
                    _ => return Err(ParseStatisticError(s.to_owned())),
                }
            }
        };
        Ok(stat)
    }
}

/// Whether a larger value of a metric is better (for worst-case substitution and "worst cases" in the report).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Larger is better (DICE, JACRD, SURFDICE, ...).
    HigherIsBetter,
    /// Smaller is better (HDRFDST, AVGDIST, FP, MAE, ...).
    LowerIsBetter,
}

impl Direction {
    /// The direction of pymia's metrics, by column name: the longest known abbreviation the name starts with
    /// (`HDRFDST95` → `HDRFDST`). `None` for volumes and areas (no better/worse) and unknown names.
    pub fn of_metric(column: &str) -> Option<Direction> {
        const LOWER: &[&str] = &[
            "HDRFDST", "AVGDIST", "MAHLNBS", "VARINFO", "GCOERR", "PROBDST", "FALLOUT", "FNR", "FP", "FN",
            "MAE", "MSE", "RMSE", "NRMSE",
        ];
        const HIGHER: &[&str] = &[
            "DICE", "JACRD", "SNSVTY", "SPCFTY", "ACURCY", "PRCISON", "FMEASR", "VOLSMTY", "RNDIND",
            "ADJRIND", "MUTINF", "KAPPA", "AUC", "ICCORR", "SURFDICE", "SURFOVLP", "TP", "TN", "R2", "PSNR",
            "SSIM",
        ];
        let mut best: Option<(usize, Direction)> = None;
        for (list, dir) in [(LOWER, Direction::LowerIsBetter), (HIGHER, Direction::HigherIsBetter)] {
            for abbr in list {
                if column.starts_with(abbr) && best.is_none_or(|(len, _)| abbr.len() > len) {
                    best = Some((abbr.len(), dir));
                }
            }
        }
        best.map(|(_, d)| d)
    }
}

/// What happens to non-finite values (±inf, nan: pymia's not-computable values) before a statistic is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NonFinitePolicy {
    /// Use them as they are (pymia's behaviour: one `inf` makes the mean `inf` and the std `nan`).
    #[default]
    Propagate,
    /// Leave them out; the statistic is named `<NAME>[finite-only]` so the exclusion is visible.
    Exclude,
    /// Replace each by the worst finite value of the same label and metric (direction from
    /// [`StatisticsConfig::direction`]); named `<NAME>[worst-case]`.
    WorstCase,
}

impl NonFinitePolicy {
    fn suffix(self) -> &'static str {
        match self {
            NonFinitePolicy::Propagate => "",
            NonFinitePolicy::Exclude => "[finite-only]",
            NonFinitePolicy::WorstCase => "[worst-case]",
        }
    }
}

/// Which statistics to compute and how to treat non-finite values.
#[derive(Debug, Clone, PartialEq)]
pub struct StatisticsConfig {
    /// The statistics, in output order (default: pymia's `MEAN`, `STD`).
    pub statistics: Vec<Statistic>,
    /// Non-finite value policy (default: propagate, as pymia).
    pub non_finite: NonFinitePolicy,
    /// Metric directions overriding [`Direction::of_metric`].
    pub directions: BTreeMap<String, Direction>,
}

impl Default for StatisticsConfig {
    fn default() -> Self {
        StatisticsConfig {
            statistics: Statistic::pymia_defaults(),
            non_finite: NonFinitePolicy::Propagate,
            directions: BTreeMap::new(),
        }
    }
}

impl StatisticsConfig {
    /// The given statistics with the default (pymia) policy.
    pub fn with_statistics(statistics: Vec<Statistic>) -> Self {
        StatisticsConfig { statistics, ..Default::default() }
    }

    /// Sets the non-finite policy.
    pub fn non_finite(mut self, policy: NonFinitePolicy) -> Self {
        self.non_finite = policy;
        self
    }

    /// The direction of a metric column: an override, else [`Direction::of_metric`].
    pub fn direction(&self, metric: &str) -> Option<Direction> {
        self.directions.get(metric).copied().or_else(|| Direction::of_metric(metric))
    }

    /// Computes every statistic for every label and metric (both sorted), pymia's order. Values of a label and
    /// metric are taken in evaluation order.
    pub fn aggregate(&self, results: &Results) -> Result<Vec<StatisticResult>, StatisticsError> {
        let mut groups: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
        for r in results.records() {
            groups.entry((r.label.as_str(), r.metric.as_str())).or_default().push(r.value);
        }
        let mut out = Vec::with_capacity(groups.len() * self.statistics.len());
        for ((label, metric), raw) in groups {
            let values = self.apply_policy(metric, &raw)?;
            for stat in &self.statistics {
                let (name, value) = match stat {
                    Statistic::CountFinite | Statistic::Count => (stat.name(), stat.compute(&raw)),
                    _ => (format!("{}{}", stat.name(), self.non_finite.suffix()), stat.compute(&values)),
                };
                out.push(StatisticResult {
                    label: label.to_owned(),
                    metric: metric.to_owned(),
                    statistic: name,
                    value,
                });
            }
        }
        Ok(out)
    }

    fn apply_policy(&self, metric: &str, raw: &[f64]) -> Result<Vec<f64>, StatisticsError> {
        Ok(match self.non_finite {
            NonFinitePolicy::Propagate => raw.to_vec(),
            NonFinitePolicy::Exclude => raw.iter().copied().filter(|v| v.is_finite()).collect(),
            NonFinitePolicy::WorstCase => {
                if raw.iter().all(|v| v.is_finite()) {
                    return Ok(raw.to_vec());
                }
                let direction = self
                    .direction(metric)
                    .ok_or_else(|| StatisticsError::UnknownDirection { metric: metric.to_owned() })?;
                let finite = raw.iter().copied().filter(|v| v.is_finite());
                let worst = match direction {
                    Direction::HigherIsBetter => finite.fold(f64::NAN, f64::min),
                    Direction::LowerIsBetter => finite.fold(f64::NAN, f64::max),
                };
                raw.iter().map(|&v| if v.is_finite() { v } else { worst }).collect()
            }
        })
    }
}

/// Errors of statistics computation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StatisticsError {
    /// Worst-case substitution needs to know whether a metric is better high or low.
    #[error(
        "worst-case substitution of non-finite values needs the direction of metric '{metric}' (higher or lower is \
         better); set it in StatisticsConfig::directions"
    )]
    UnknownDirection {
        /// The metric column.
        metric: String,
    },
}

/// One aggregated value (pymia's `Result(fn_id, label, metric, value)`).
#[derive(Debug, Clone, PartialEq)]
pub struct StatisticResult {
    /// Label name.
    pub label: String,
    /// Metric column.
    pub metric: String,
    /// Statistic name, with the non-finite policy suffix (`MEAN`, `MEAN[finite-only]`, `P95`, ...).
    pub statistic: String,
    /// The value (a Python `float`: printed with `.0`).
    pub value: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::EvaluationResult;

    fn results() -> Results {
        [("a", 0.5), ("b", f64::INFINITY), ("c", 1.5)]
            .into_iter()
            .map(|(s, v)| EvaluationResult::new(s, "FG", "HDRFDST", v))
            .chain([
                EvaluationResult::new("a", "FG", "DICE", 0.8),
                EvaluationResult::new("b", "FG", "DICE", f64::NAN),
            ])
            .collect()
    }

    #[test]
    fn parses_statistics() {
        assert_eq!("MEAN".parse::<Statistic>().unwrap(), Statistic::Mean);
        assert_eq!("p95".parse::<Statistic>().unwrap(), Statistic::Percentile(95.0));
        assert_eq!("percentile2.5".parse::<Statistic>().unwrap(), Statistic::Percentile(2.5));
        assert_eq!(Statistic::Percentile(2.5).name(), "P2.5");
        assert!("p101".parse::<Statistic>().is_err());
        assert!("avg".parse::<Statistic>().is_err());
    }

    #[test]
    fn policies_are_explicit() {
        let r = results();
        let stats = vec![Statistic::Mean, Statistic::CountFinite];
        let prop = StatisticsConfig::with_statistics(stats.clone()).aggregate(&r).unwrap();
        assert_eq!(prop[0].metric, "DICE"); // sorted
        assert!(prop[0].value.is_nan());
        assert_eq!(prop[2].value, f64::INFINITY);
        assert_eq!((prop[3].statistic.as_str(), prop[3].value), ("COUNT_FINITE", 2.0));
        let excl = StatisticsConfig::with_statistics(stats.clone())
            .non_finite(NonFinitePolicy::Exclude)
            .aggregate(&r)
            .unwrap();
        assert_eq!((excl[2].statistic.as_str(), excl[2].value), ("MEAN[finite-only]", 1.0));
        let worst = StatisticsConfig::with_statistics(stats)
            .non_finite(NonFinitePolicy::WorstCase)
            .aggregate(&r)
            .unwrap();
        assert_eq!((worst[0].statistic.as_str(), worst[0].value), ("MEAN[worst-case]", 0.8));
        assert_eq!(worst[2].value, 3.5 / 3.0);
    }

    #[test]
    fn unknown_direction_is_an_error() {
        let r: Results = [EvaluationResult::new("a", "FG", "MYMETRIC", f64::NAN)].into_iter().collect();
        let e = StatisticsConfig::default().non_finite(NonFinitePolicy::WorstCase).aggregate(&r).unwrap_err();
        assert!(e.to_string().contains("MYMETRIC"));
    }

    #[test]
    fn directions() {
        assert_eq!(Direction::of_metric("HDRFDST95"), Some(Direction::LowerIsBetter));
        assert_eq!(Direction::of_metric("FNR"), Some(Direction::LowerIsBetter));
        assert_eq!(Direction::of_metric("FMEASR_B2"), Some(Direction::HigherIsBetter));
        assert_eq!(Direction::of_metric("REFVOL"), None);
        assert_eq!(Direction::of_metric("MSE"), Some(Direction::LowerIsBetter));
    }
}
