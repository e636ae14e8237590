//! `mia evaluate`: evaluation of one pair or whole cohorts.
//!
//! ```text
//! mia evaluate --reference REF --prediction PRED [--subject ID]
//!              | --reference-dir DIR --prediction-dir DIR | --pairs PAIRS.csv
//!              [--labels 1=WHITEMATTER,2=GREYMATTER,3+4=HIPPO_AMYG]   (omit for continuous metrics)
//!              [--metrics all | DICE,HDRFDST95=HDRFDST(percentile=95),...]
//!              [--csv FILE] [--stats FILE] [--json FILE] [--report FILE.html] [--threads N]
//! ```
//! Exit code 0 when every subject was evaluated; 1 otherwise (after writing what was computed).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use mia_report::{
    evaluate_cohort, pairs_from_csv, pairs_from_dirs, subject_id, CohortOptions, ConsoleStatisticsWriter,
    ConsoleWriter, CsvStatisticsWriter, CsvWriter, Evaluator, HtmlReport, JsonWriter, LabelSpec,
    NonFinitePolicy, Pair, Results, Statistic, StatisticsConfig, Unmatched, Writer,
};

/// Arguments of `mia evaluate` (boxed: the options are many).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    options: Box<Options>,
}

/// The options of `mia evaluate`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["prediction", "prediction_dir", "pairs"])))]
struct Options {
    /// Reference (ground-truth) image of a single pair.
    #[arg(long, requires = "prediction", conflicts_with_all = ["reference_dir", "prediction_dir", "pairs"])]
    reference: Option<PathBuf>,
    /// Prediction image of a single pair.
    #[arg(long, requires = "reference")]
    prediction: Option<PathBuf>,
    /// Subject id of a single pair (default: the prediction's file name without extensions).
    #[arg(long, requires = "prediction")]
    subject: Option<String>,
    /// Directory of reference images, matched to predictions by file name (subject id = name without extensions).
    #[arg(long, requires = "prediction_dir", conflicts_with = "pairs")]
    reference_dir: Option<PathBuf>,
    /// Directory of prediction images.
    #[arg(long, requires = "reference_dir")]
    prediction_dir: Option<PathBuf>,
    /// CSV file with the columns subject,reference,prediction (paths relative to the file).
    #[arg(long)]
    pairs: Option<PathBuf>,
    /// Labels: `VALUE[+VALUE...][=NAME]`, comma-separated, e.g. 1=WHITEMATTER,2=GREYMATTER,3+4=HIPPO_AMYG.
    /// Without labels, the metrics are continuous metrics on the whole images (label `image`).
    #[arg(long)]
    labels: Option<String>,
    /// `all` (pymia's 30 segmentation metrics, or the 7 continuous metrics without --labels) or a list of
    /// ABBR / COLUMN=ABBR(param=value,...), e.g. DICE,HDRFDST95=HDRFDST(percentile=95).
    #[arg(long, default_value = "all")]
    metrics: String,
    /// Write pymia's results CSV to exactly this path.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write pymia's statistics CSV (LABEL;METRIC;STATISTIC;VALUE) to this path.
    #[arg(long)]
    stats: Option<PathBuf>,
    /// Write {"subject": {"label": {"metric": value}}} JSON to this path.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write a self-contained HTML report (plots, statistics, worst cases, not-computable values).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Statistics for --stats, the console and the report: mean,std,median,min,max,count,count_finite,pQ.
    #[arg(long, default_value = "mean,std")]
    statistics: String,
    /// Non-finite values in statistics: propagate (pymia), exclude, or worst-case (named in the output).
    #[arg(long, value_enum, default_value_t = NonFinite::Propagate)]
    non_finite: NonFinite,
    /// Distance metrics of 2-D images as pymia 0.3.4 computes them (a one-voxel-thick 3-D slab) instead of true
    /// 2-D contours (DECISIONS.md #1).
    #[arg(long)]
    pymia_2d: bool,
    /// Threads for subjects and labels (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Do not print the console tables.
    #[arg(long, short)]
    quiet: bool,
}

/// Command-line names of [`NonFinitePolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum NonFinite {
    Propagate,
    Exclude,
    WorstCase,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let args = *args.options;
    let labels = args.labels.as_deref().map(LabelSpec::parse_list).transpose()?;
    let mut evaluator = build_evaluator(&args.metrics, labels)?;
    if args.pymia_2d {
        evaluator = evaluator.surface_config(mia_metrics::surface::SurfaceConfig::pymia());
    }
    let statistics =
        args.statistics.split(',').map(|s| s.parse::<Statistic>()).collect::<Result<Vec<_>, _>>()?;
    let config = StatisticsConfig::with_statistics(statistics).non_finite(match args.non_finite {
        NonFinite::Propagate => NonFinitePolicy::Propagate,
        NonFinite::Exclude => NonFinitePolicy::Exclude,
        NonFinite::WorstCase => NonFinitePolicy::WorstCase,
    });

    let (pairs, unmatched) = collect_pairs(&args)?;
    let total = pairs.len();
    let bar = progress_bar(total);
    let progress = |_done: usize, _total: usize, subject: &str, ok: bool| {
        if let Some(bar) = &bar {
            bar.inc(1);
            if !ok {
                bar.println(format!("failed: {subject}"));
            }
        }
    };
    let read = |path: &Path| {
        mia_io::read_image(path).map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
    };
    let mut results =
        evaluate_cohort(&evaluator, &pairs, &read, CohortOptions { threads: args.threads }, &progress)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    for (subject, message) in unmatched {
        results.push_failure(subject, message);
    }

    write_outputs(&args, &results, &config)?;
    if !args.quiet && !results.is_empty() {
        let mut out = std::io::stdout().lock();
        ConsoleWriter::new().write_to(&results, &mut out)?;
        if results.subjects().len() > 1 {
            writeln!(out)?;
            ConsoleStatisticsWriter::new(config.clone()).write_to(&results, &mut out)?;
        }
    }
    let failures = results.failures();
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} of {} subjects could not be evaluated:", failures.len(), total.max(failures.len()));
        for f in failures {
            eprintln!("  {}: {}", f.subject, f.message);
        }
        Ok(ExitCode::FAILURE)
    }
}

fn build_evaluator(metrics: &str, labels: Option<Vec<LabelSpec>>) -> anyhow::Result<Evaluator> {
    let all = metrics.trim().eq_ignore_ascii_case("all");
    let evaluator = match labels {
        Some(labels) => {
            let metrics = if all {
                mia_metrics::segmentation_metrics()
            } else {
                mia_metrics::metrics_from_list(metrics)?
            };
            Evaluator::segmentation(metrics, labels)?
        }
        None => {
            let metrics = if all {
                let mut m = mia_metrics::regression_metrics();
                m.extend(mia_metrics::reconstruction_metrics());
                m
            } else {
                mia_metrics::metrics_from_list(metrics)?
            };
            Evaluator::continuous(metrics)
                .context("without --labels, only continuous metrics can be evaluated")?
        }
    };
    Ok(evaluator)
}

fn collect_pairs(args: &Options) -> anyhow::Result<(Vec<Pair>, Unmatched)> {
    if let (Some(reference), Some(prediction)) = (&args.reference, &args.prediction) {
        let subject = args.subject.clone().unwrap_or_else(|| subject_id(prediction));
        return Ok((
            vec![Pair { subject, reference: reference.clone(), prediction: prediction.clone() }],
            Vec::new(),
        ));
    }
    if let (Some(r), Some(p)) = (&args.reference_dir, &args.prediction_dir) {
        return Ok(pairs_from_dirs(r, p)?);
    }
    if let Some(pairs) = &args.pairs {
        return Ok((pairs_from_csv(pairs)?, Vec::new()));
    }
    anyhow::bail!("give --reference and --prediction, --reference-dir and --prediction-dir, or --pairs")
}

fn write_outputs(args: &Options, results: &Results, config: &StatisticsConfig) -> anyhow::Result<()> {
    let outputs: [(&Option<PathBuf>, Box<dyn Writer>); 4] = [
        (&args.csv, Box::new(CsvWriter::new())),
        (&args.stats, Box::new(CsvStatisticsWriter::new(config.clone()))),
        (&args.json, Box::new(JsonWriter::new())),
        (&args.report, Box::new(HtmlReport::new(config.clone()))),
    ];
    for (path, writer) in outputs {
        if let Some(path) = path {
            writer.write_file(results, path)?;
        }
    }
    Ok(())
}

fn progress_bar(total: usize) -> Option<indicatif::ProgressBar> {
    if total < 2 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} subjects  {elapsed} (eta {eta})")
    {
        bar.set_style(style);
    }
    Some(bar)
}
