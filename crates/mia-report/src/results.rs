//! Evaluation results: one record per (subject, label, metric), kept in evaluation order.

use std::collections::{BTreeSet, HashMap};

/// One metric value of one label of one subject (pymia's `Result(id_, label, metric, value)`, plus mia's
/// integer flag and not-computable reason).
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationResult {
    /// Subject identifier (pymia's `id_`).
    pub subject: String,
    /// Label name (pymia's label description, e.g. `WHITEMATTER`), or `image` for continuous metrics.
    pub label: String,
    /// Metric column name (pymia's `metric.metric`, e.g. `DICE` or `HDRFDST95`).
    pub metric: String,
    /// The value (±inf or nan where the metric is not computable, as pymia).
    pub value: f64,
    /// Whether pymia returns a Python/numpy integer here (counts, edge-case `0`/`-1`): CSV prints `27`, not `27.0`.
    pub integer: bool,
    /// Why the value is not computable (pymia's `NotComputableMetricWarning`), if it is not.
    pub reason: Option<String>,
}

impl EvaluationResult {
    /// A float result without a not-computable reason.
    pub fn new(
        subject: impl Into<String>,
        label: impl Into<String>,
        metric: impl Into<String>,
        value: f64,
    ) -> Self {
        EvaluationResult {
            subject: subject.into(),
            label: label.into(),
            metric: metric.into(),
            value,
            integer: false,
            reason: None,
        }
    }

    /// Marks the value as an integer (printed without `.0`).
    pub fn integer(mut self, integer: bool) -> Self {
        self.integer = integer;
        self
    }

    /// Attaches a not-computable reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// A subject that could not be evaluated (unreadable file, geometry mismatch, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectFailure {
    /// Subject identifier.
    pub subject: String,
    /// The error, with its cause chain.
    pub message: String,
}

/// A collection of results in evaluation order (the order matters for statistics: pymia sums in that order), and
/// the subjects that failed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    records: Vec<EvaluationResult>,
    failures: Vec<SubjectFailure>,
}

impl Results {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a result.
    pub fn push(&mut self, result: EvaluationResult) {
        self.records.push(result);
    }

    /// Appends a subject failure.
    pub fn push_failure(&mut self, subject: impl Into<String>, message: impl Into<String>) {
        self.failures.push(SubjectFailure { subject: subject.into(), message: message.into() });
    }

    /// Appends all results and failures of `other`.
    pub fn append(&mut self, other: Results) {
        self.records.extend(other.records);
        self.failures.extend(other.failures);
    }

    /// Removes all results and failures (pymia's `Evaluator.clear()`, e.g. after each epoch).
    pub fn clear(&mut self) {
        self.records.clear();
        self.failures.clear();
    }

    /// All results in evaluation order.
    pub fn records(&self) -> &[EvaluationResult] {
        &self.records
    }

    /// The subjects that could not be evaluated.
    pub fn failures(&self) -> &[SubjectFailure] {
        &self.failures
    }

    /// Number of results.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no results.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Sorted unique subject ids.
    pub fn subjects(&self) -> Vec<&str> {
        sorted_unique(self.records.iter().map(|r| r.subject.as_str()))
    }

    /// Sorted unique label names.
    pub fn labels(&self) -> Vec<&str> {
        sorted_unique(self.records.iter().map(|r| r.label.as_str()))
    }

    /// Sorted unique metric column names.
    pub fn metrics(&self) -> Vec<&str> {
        sorted_unique(self.records.iter().map(|r| r.metric.as_str()))
    }

    /// The first result for (subject, label, metric), as pymia's writers look it up.
    pub fn get(&self, subject: &str, label: &str, metric: &str) -> Option<&EvaluationResult> {
        self.records.iter().find(|r| r.subject == subject && r.label == label && r.metric == metric)
    }

    /// The results of one label and metric over all subjects, in evaluation order.
    pub fn of(&self, label: &str, metric: &str) -> impl Iterator<Item = &EvaluationResult> {
        let (label, metric) = (label.to_owned(), metric.to_owned());
        self.records.iter().filter(move |r| r.label == label && r.metric == metric)
    }

    /// A lookup table (first occurrence wins) for writers that visit every cell.
    pub(crate) fn index(&self) -> HashMap<(&str, &str, &str), &EvaluationResult> {
        let mut map = HashMap::with_capacity(self.records.len());
        for r in &self.records {
            map.entry((r.subject.as_str(), r.label.as_str(), r.metric.as_str())).or_insert(r);
        }
        map
    }
}

impl Extend<EvaluationResult> for Results {
    fn extend<T: IntoIterator<Item = EvaluationResult>>(&mut self, iter: T) {
        self.records.extend(iter);
    }
}

impl FromIterator<EvaluationResult> for Results {
    fn from_iter<T: IntoIterator<Item = EvaluationResult>>(iter: T) -> Self {
        Results { records: iter.into_iter().collect(), failures: Vec::new() }
    }
}

fn sorted_unique<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    it.collect::<BTreeSet<_>>().into_iter().collect()
}
