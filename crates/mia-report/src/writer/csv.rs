//! pymia's `CSVWriter` and `CSVStatisticsWriter`, byte for byte.

use std::io::Write;

use super::{WriteError, Writer};
use crate::pyfmt::{python_repr, python_value};
use crate::results::Results;
use crate::statistics::StatisticsConfig;

/// pymia's `CSVWriter`: header `SUBJECT;LABEL;<metrics sorted>`, one row per subject × label (both sorted), values as
/// Python prints them, `n/a` where a value is missing, CRLF line ends.
#[derive(Debug, Clone)]
pub struct CsvWriter {
    delimiter: char,
}

impl Default for CsvWriter {
    fn default() -> Self {
        CsvWriter { delimiter: ';' }
    }
}

impl CsvWriter {
    /// A writer with pymia's `;` delimiter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses another delimiter.
    pub fn delimiter(mut self, delimiter: char) -> Self {
        self.delimiter = delimiter;
        self
    }
}

impl Writer for CsvWriter {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        let metrics = results.metrics();
        let index = results.index();
        let mut header = vec!["SUBJECT".to_owned(), "LABEL".to_owned()];
        header.extend(metrics.iter().map(|m| m.to_string()));
        write_row(out, &header, self.delimiter)?;
        let labels = results.labels();
        for subject in results.subjects() {
            for label in &labels {
                let mut row = vec![subject.to_owned(), label.to_string()];
                for metric in &metrics {
                    row.push(match index.get(&(subject, *label, *metric)) {
                        Some(r) => python_value(r.value, r.integer),
                        None => "n/a".to_owned(),
                    });
                }
                write_row(out, &row, self.delimiter)?;
            }
        }
        Ok(())
    }
}

/// pymia's `CSVStatisticsWriter`: header `LABEL;METRIC;STATISTIC;VALUE`, labels and metrics sorted, statistics in
/// the configured order (default `MEAN`, `STD`), values as Python floats.
#[derive(Debug, Clone, Default)]
pub struct CsvStatisticsWriter {
    config: StatisticsConfig,
    delimiter: Option<char>,
}

impl CsvStatisticsWriter {
    /// A writer with the given statistics configuration.
    pub fn new(config: StatisticsConfig) -> Self {
        CsvStatisticsWriter { config, delimiter: None }
    }

    /// Uses another delimiter than `;`.
    pub fn delimiter(mut self, delimiter: char) -> Self {
        self.delimiter = Some(delimiter);
        self
    }
}

impl Writer for CsvStatisticsWriter {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        let delimiter = self.delimiter.unwrap_or(';');
        let header = ["LABEL", "METRIC", "STATISTIC", "VALUE"].map(String::from);
        write_row(out, &header, delimiter)?;
        for s in self.config.aggregate(results)? {
            write_row(out, &[s.label, s.metric, s.statistic, python_repr(s.value)], delimiter)?;
        }
        Ok(())
    }
}

/// One row as Python's `csv.writer` (minimal quoting, `"` doubled, CRLF) writes it.
fn write_row(out: &mut dyn Write, fields: &[String], delimiter: char) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            line.push(delimiter);
        }
        if f.contains([delimiter, '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&f.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(f);
        }
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::EvaluationResult;

    #[test]
    fn quotes_and_missing_values() {
        let results: Results = [
            EvaluationResult::new("b;1", "FG", "DICE", 0.5),
            EvaluationResult::new("a", "FG", "TP", 27.0).integer(true),
            EvaluationResult::new("a", "FG", "DICE", 1e-5),
        ]
        .into_iter()
        .collect();
        let s = CsvWriter::new().write_string(&results).unwrap();
        assert_eq!(s, "SUBJECT;LABEL;DICE;TP\r\na;FG;1e-05;27\r\n\"b;1\";FG;0.5;n/a\r\n");
    }
}
