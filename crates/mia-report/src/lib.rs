//! Evaluation of predictions against references, and the writers of the results: pymia-compatible CSV, statistics
//! and console tables, JSON, an HTML report.
//!
//! Results are [`EvaluationResult`] records (subject, label, metric, value, integer flag, not-computable reason)
//! in a [`Results`] collection; writers implement the object-safe [`Writer`] trait.
//!
//! ```
//! use mia_report::{CsvWriter, CsvStatisticsWriter, EvaluationResult, Results, StatisticsConfig, Writer};
//!
//! let mut results = Results::new();
//! results.push(EvaluationResult::new("Subject_1", "WHITEMATTER", "DICE", 0.6420209637040026));
//! results.push(EvaluationResult::new("Subject_1", "WHITEMATTER", "TP", 159895.0).integer(true));
//! let csv = CsvWriter::new().write_string(&results).unwrap();
//! assert_eq!(csv, "SUBJECT;LABEL;DICE;TP\r\nSubject_1;WHITEMATTER;0.6420209637040026;159895\r\n");
//! let stats = CsvStatisticsWriter::new(StatisticsConfig::default()).write_string(&results).unwrap();
//! assert!(stats.starts_with("LABEL;METRIC;STATISTIC;VALUE\r\nWHITEMATTER;DICE;MEAN;0.6420209637040026\r\n"));
//! ```
//!
//! Training-time use (pymia's "logging the training progress" example): evaluate the assembled volumes of an
//! epoch, aggregate, log to TensorBoard with tags `<split>/<label>/<metric>-<statistic>`:
//!
//! ```
//! use mia_core::ImageData;
//! use mia_report::{Evaluator, LabelSpec, Results, StatisticsConfig, TensorBoardWriter};
//! use ndarray::{ArrayD, IxDyn};
//!
//! let metrics = mia_metrics::metrics_from_list("DICE")?;
//! let evaluator = Evaluator::segmentation(metrics, LabelSpec::parse_list("1=FG,2=BG2")?)?;
//! let log_dir = tempfile::tempdir()?;
//! let mut tensorboard = TensorBoardWriter::create(log_dir.path())?;
//! for epoch in 0..2 {
//!     let mut results = Results::new();
//!     for subject in ["s1", "s2"] {
//!         let volume = |shift: usize| {
//!             ArrayD::from_shape_fn(IxDyn(&[8, 8, 8]), move |i: IxDyn| ((i[0] + shift) / 4 + 1).min(2) as u8)
//!         };
//!         // the assembled prediction of this subject, and its reference
//!         let (prediction, reference) = (ImageData::U8(volume(epoch)), ImageData::U8(volume(0)));
//!         results.extend(evaluator.evaluate_data(&prediction, &reference, &[1.0; 3], subject)?);
//!     }
//!     let statistics = StatisticsConfig::default().aggregate(&results)?;
//!     tensorboard.add_statistics("valid", &statistics, epoch as i64)?;
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod cohort;
mod evaluator;
mod labels;
mod numpy;
mod pyfmt;
mod results;
mod statistics;
mod tensorboard;
mod writer;

pub use cohort::{
    evaluate_cohort, pairs_from_csv, pairs_from_dirs, subject_id, CohortError, CohortOptions, ImageReader,
    Pair, Unmatched,
};
pub use evaluator::{EvaluationError, Evaluator, Target, IMAGE_LABEL};
pub use labels::{label_confusions, label_masks, LabelError, LabelSpec};
pub use pyfmt::{python_fixed, python_repr, python_value};
pub use results::{EvaluationResult, Results, SubjectFailure};
pub use statistics::{
    Direction, NonFinitePolicy, ParseStatisticError, Statistic, StatisticResult, StatisticsConfig,
    StatisticsError,
};
pub use tensorboard::TensorBoardWriter;
pub use writer::{
    ConsoleStatisticsWriter, ConsoleWriter, CsvStatisticsWriter, CsvWriter, HtmlReport, JsonWriter,
    WriteError, Writer,
};
