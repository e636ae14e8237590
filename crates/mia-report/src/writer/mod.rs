//! Writers of evaluation results: pymia-compatible CSV and console tables, statistics, JSON, HTML report.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::results::Results;
use crate::statistics::StatisticsError;

mod console;
mod csv;
mod html;
mod json;
mod svg;

pub use console::{ConsoleStatisticsWriter, ConsoleWriter};
pub use csv::{CsvStatisticsWriter, CsvWriter};
pub use html::HtmlReport;
pub use json::JsonWriter;

/// Errors of the writers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// Writing to a stream failed.
    #[error("cannot write results")]
    Io(#[from] io::Error),
    /// Creating or writing a file failed.
    #[error("cannot write {path}")]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The statistics could not be computed.
    #[error(transparent)]
    Statistics(#[from] StatisticsError),
}

/// Writes results somewhere (pymia's `Writer`). Object safe: use as `Box<dyn Writer>`.
pub trait Writer: Send + Sync {
    /// Writes `results` to `out`.
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError>;

    /// Writes `results` to exactly the file `path` (created or overwritten; pymia's CSVWriter would turn a path
    /// without `.csv` into `<path>/.csv`, mia does not: DECISIONS.md #9).
    fn write_file(&self, results: &Results, path: &Path) -> Result<(), WriteError> {
        let file_err = |source| WriteError::File { path: path.to_owned(), source };
        let file = File::create(path).map_err(file_err)?;
        let mut out = BufWriter::new(file);
        match self.write_to(results, &mut out) {
            Err(WriteError::Io(source)) => return Err(file_err(source)),
            other => other?,
        }
        out.flush().map_err(file_err)
    }

    /// Writes `results` into a string.
    fn write_string(&self, results: &Results) -> Result<String, WriteError> {
        let mut buf = Vec::new();
        self.write_to(results, &mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}

impl<T: Writer + ?Sized> Writer for &T {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        (**self).write_to(results, out)
    }
}

impl<T: Writer + ?Sized> Writer for Box<T> {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        (**self).write_to(results, out)
    }
}

impl<T: Writer + ?Sized> Writer for Arc<T> {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        (**self).write_to(results, out)
    }
}

/// Several writers in turn (e.g. CSV and console) on the same stream.
impl Writer for Vec<Box<dyn Writer>> {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        for w in self {
            w.write_to(results, out)?;
        }
        Ok(())
    }
}
