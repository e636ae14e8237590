//! The `mia` command-line tool.
//!
//! Subcommands: `image` (info, convert), `dataset` (create, info), `evaluate`, `demo`. Each lives in its own
//! module; errors are reported on stderr with their full cause chain and a non-zero exit code.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod dataset;
mod demo;
mod evaluate;
mod image;

/// Data handling and evaluation for deep learning in medical image analysis.
#[derive(Debug, Parser)]
#[command(name = "mia", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect and convert images (NIfTI, MetaImage, NRRD, DICOM, PNG/TIFF/JPEG).
    Image(image::Args),
    /// Create and inspect HDF5 datasets (pymia-compatible).
    Dataset(dataset::Args),
    /// Evaluate predictions against references (segmentation and reconstruction metrics).
    Evaluate(evaluate::Args),
    /// Run the whole pipeline on built-in demo data (or on your data with --data/--config).
    Demo(demo::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Image(args) => image::run(args),
        Command::Dataset(args) => dataset::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Demo(args) => demo::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
