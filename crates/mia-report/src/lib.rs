//! Evaluators and result writers (CSV as pymia, statistics, console tables, JSON, HTML report).
//!
//! Not implemented yet: this crate is being filled by the report work (issue 6).
#![warn(missing_docs)]
