//! pymia's `ConsoleWriter` and `ConsoleStatisticsWriter`: aligned tables, values with a fixed precision.

use std::io::Write;

use super::{WriteError, Writer};
use crate::pyfmt::python_fixed;
use crate::results::Results;
use crate::statistics::StatisticsConfig;

/// pymia's `ConsoleWriter`: the CSV table with values as `f'{v:.3f}'` (integers too: `27.000`), each column
/// left-aligned to its widest cell plus two spaces (the last column without them).
#[derive(Debug, Clone)]
pub struct ConsoleWriter {
    precision: usize,
}

impl Default for ConsoleWriter {
    fn default() -> Self {
        ConsoleWriter { precision: 3 }
    }
}

impl ConsoleWriter {
    /// A writer with pymia's precision of 3 decimals.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses another number of decimals.
    pub fn precision(mut self, precision: usize) -> Self {
        self.precision = precision;
        self
    }
}

impl Writer for ConsoleWriter {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        let metrics = results.metrics();
        let labels = results.labels();
        let index = results.index();
        let mut header = vec!["SUBJECT".to_owned(), "LABEL".to_owned()];
        header.extend(metrics.iter().map(|m| m.to_string()));
        let mut lines = vec![header];
        for subject in results.subjects() {
            for label in &labels {
                let mut row = vec![subject.to_owned(), label.to_string()];
                for metric in &metrics {
                    row.push(match index.get(&(subject, *label, *metric)) {
                        Some(r) => python_fixed(r.value, self.precision),
                        None => "n/a".to_owned(),
                    });
                }
                lines.push(row);
            }
        }
        write_aligned(out, &lines)
    }
}

/// pymia's `ConsoleStatisticsWriter`: `LABEL METRIC STATISTIC VALUE` table.
#[derive(Debug, Clone)]
pub struct ConsoleStatisticsWriter {
    precision: usize,
    config: StatisticsConfig,
}

impl Default for ConsoleStatisticsWriter {
    fn default() -> Self {
        ConsoleStatisticsWriter { precision: 3, config: StatisticsConfig::default() }
    }
}

impl ConsoleStatisticsWriter {
    /// A writer with the given statistics and pymia's precision of 3 decimals.
    pub fn new(config: StatisticsConfig) -> Self {
        ConsoleStatisticsWriter { precision: 3, config }
    }

    /// Uses another number of decimals.
    pub fn precision(mut self, precision: usize) -> Self {
        self.precision = precision;
        self
    }
}

impl Writer for ConsoleStatisticsWriter {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        let mut lines = vec![["LABEL", "METRIC", "STATISTIC", "VALUE"].map(String::from).to_vec()];
        for s in self.config.aggregate(results)? {
            lines.push(vec![s.label, s.metric, s.statistic, python_fixed(s.value, self.precision)]);
        }
        write_aligned(out, &lines)
    }
}

/// pymia's `ConsoleWriterHelper.format_and_write`: widths in characters, two spaces between columns, every cell
/// (the last one included) padded to its column width, `\n` after each line.
pub(crate) fn write_aligned(out: &mut dyn Write, lines: &[Vec<String>]) -> Result<(), WriteError> {
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for line in lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for (i, w) in widths.iter_mut().enumerate() {
        if i + 1 < columns {
            *w += 2;
        }
    }
    let mut text = String::new();
    for line in lines {
        for (cell, &w) in line.iter().zip(&widths) {
            text.push_str(cell);
            text.extend(std::iter::repeat_n(' ', w.saturating_sub(cell.chars().count())));
        }
        text.push('\n');
    }
    out.write_all(text.as_bytes())?;
    Ok(())
}
