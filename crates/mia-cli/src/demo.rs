//! `mia demo`: the whole pipeline on built-in demo data (or on your data with `--data`/`--config`).
//!
//! 1. generate a deterministic cohort like pymia's example data (T1, T2, 5-structure labels, brain mask,
//!    demographics) and its subject description `subjects.toml` — skipped with `--config`;
//! 2. create the HDF5 dataset (z-scored images, as pymia's example);
//! 3. extract 2-D slices and fit a per-voxel intensity classifier (the baseline "network") on the training
//!    subjects;
//! 4. predict every subject slice by slice, assemble the slices into volumes, write them as NIfTI;
//! 5. evaluate against the labels with pymia's full segmentation metric set: CSV, statistics, HTML report.

mod classifier;
mod cohort;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use mia_assemble::{AssemblerConfig, SubjectAssembler, SubjectSpec, PREDICTION};
use mia_core::PixelType;
use mia_dataset::{
    create_dataset, CreateOptions, Dataset, FileLoader, IntensityNormalization, SubjectsConfig,
};
use mia_extract::{DataExtractor, DataSource};
use mia_index::SliceIndexing;
use mia_report::{
    ConsoleStatisticsWriter, CsvStatisticsWriter, CsvWriter, Evaluator, HtmlReport, JsonWriter, LabelSpec,
    Results, Statistic, StatisticsConfig, Writer,
};
use ndarray::{Axis, Ix3};

use classifier::HistogramTrainer;

/// Label list of pymia's example data (and of the demo phantom).
const DEFAULT_LABELS: &str = "1=WHITEMATTER,2=GREYMATTER,3=HIPPOCAMPUS,4=AMYGDALA,5=THALAMUS";

/// Arguments of `mia demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Output folder (created; existing demo outputs in it are replaced).
    #[arg(long, default_value = "mia-demo-out")]
    out: PathBuf,
    /// Run on your data: the data root (only used to report where the data is; paths come from --config).
    #[arg(long, requires = "config")]
    data: Option<PathBuf>,
    /// Subject description (TOML/JSON, see `mia dataset create --help`) with categories `images` and `labels`.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Number of generated demo subjects (the last one is held out from training).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(2..=64))]
    subjects: u64,
    /// Labels to evaluate: VALUE=NAME or V1+V2=NAME, comma separated.
    #[arg(long, default_value = DEFAULT_LABELS)]
    labels: String,
    /// Number of subjects used for training (the first ones); default: all but the last.
    #[arg(long)]
    train: Option<usize>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let out = args.out.canonicalize().with_context(|| format!("resolving {}", args.out.display()))?;
    let labels = LabelSpec::parse_list(&args.labels).context("--labels")?;

    // 1. The cohort.
    let config_path = match &args.config {
        Some(c) => c.clone(),
        None => {
            let data = out.join("data");
            println!("[1/5] generating {} demo subjects in {}", args.subjects, data.display());
            cohort::write_cohort(&data, args.subjects)?
        }
    };
    if let Some(d) = &args.data {
        println!("[1/5] using your data in {} ({})", d.display(), config_path.display());
    }
    let config =
        SubjectsConfig::load(&config_path).with_context(|| format!("reading {}", config_path.display()))?;
    for needed in ["images", "labels"] {
        if config.subjects.first().and_then(|s| s.category(needed)).is_none() {
            bail!("{}: the demo needs a category named '{needed}'", config_path.display());
        }
    }

    // 2. The dataset.
    let dataset_path = out.join("dataset.h5");
    println!("[2/5] creating {}", dataset_path.display());
    let mut loader = FileLoader::new();
    for (category, pixel_type) in &config.casts {
        loader = loader.cast(category.clone(), *pixel_type);
    }
    let loader = loader.cast("images", PixelType::F32);
    let normalise: Vec<Box<dyn mia_dataset::Transform>> =
        vec![Box::new(IntensityNormalization::new(vec!["images".into()]))];
    let options = CreateOptions { force: true, ..CreateOptions::default() };
    create_dataset(&config.subjects, &dataset_path, &loader, &normalise, &options)
        .with_context(|| format!("creating {}", dataset_path.display()))?;

    // 3. Slices and the baseline classifier.
    let dataset = Dataset::open(&dataset_path)?;
    let subjects = dataset.subjects().to_vec();
    let n_train = args.train.unwrap_or(subjects.len().saturating_sub(1).max(1)).min(subjects.len());
    let classes = labels.iter().flat_map(|l| l.values.iter().copied()).max().unwrap_or(0).max(0) as usize + 1;
    let source = DataSource::new(Dataset::open(&dataset_path)?, SliceIndexing::new(0))?
        .with_extractor(DataExtractor::new(&["images", "labels"]));
    println!(
        "[3/5] fitting the baseline classifier on {} of {} subjects ({} slices in all)",
        n_train,
        subjects.len(),
        source.len()
    );
    let mut trainer = HistogramTrainer::new(classes.min(256));
    for i in 0..source.len() {
        let (subject, _) = &source.indices()[i];
        if *subject >= n_train {
            continue;
        }
        let sample = source.get(i)?;
        let images = sample.to_f32("images")?;
        let labels_slice = sample.to_f32("labels")?;
        let lab: Vec<u8> = labels_slice.iter().map(|&v| v.clamp(0.0, 255.0) as u8).collect();
        let (t1, t2) = channels(&images);
        trainer.add(&t1, &t2, &lab);
    }
    let model = trainer.fit();

    // 4. Predict, assemble, write.
    let pred_dir = out.join("predictions");
    std::fs::create_dir_all(&pred_dir)?;
    println!("[4/5] predicting slice by slice, assembling, writing NIfTI to {}", pred_dir.display());
    let mut assembler = SubjectAssembler::new(AssemblerConfig::default());
    let mut per_subject = vec![0usize; subjects.len()];
    for (s, _) in source.indices() {
        per_subject[*s] += 1;
    }
    for (s, &count) in per_subject.iter().enumerate() {
        let props = dataset.image_properties(s)?;
        assembler.register(s, SubjectSpec::from_properties(props).expect_count(count))?;
    }
    let mut predictions = Vec::new();
    for i in 0..source.len() {
        let (subject, expr) = source.indices()[i].clone();
        let sample = source.get(i)?;
        let images = sample.to_f32("images")?;
        let slice = images.into_dimensionality::<Ix3>().context("a 2-D slice with channels")?;
        let predicted = model.predict_slice(slice.view()).mapv(f32::from).insert_axis(Axis(2)).into_dyn();
        assembler.add_prediction(subject, &expr, predicted.view())?;
        for mut done in assembler.take_finished()? {
            let id = &subjects[done.subject];
            let assembled = done.remove(PREDICTION).context("assembled prediction")?;
            let image = assembled.into_image(PREDICTION)?.cast(PixelType::U8);
            let path = pred_dir.join(format!("{id}_PRED.nii.gz"));
            mia_io::write_image(&path, &image)?;
            predictions.push((id.clone(), path, image));
        }
    }

    // 5. Evaluate.
    println!(
        "[5/5] evaluating {} subjects with pymia's {} segmentation metrics",
        predictions.len(),
        mia_metrics::segmentation_metrics().len()
    );
    let evaluator = Evaluator::segmentation(mia_metrics::segmentation_metrics(), labels)?;
    let mut results = Results::new();
    for (id, _, prediction) in &predictions {
        let subject = config.subjects.iter().find(|s| &s.subject == id).context("subject of the dataset")?;
        let (_, gt_path) = &subject.category("labels").context("labels")?.entries[0];
        let reference = mia_io::read_image(gt_path)?;
        for r in evaluator.evaluate(prediction, &reference, id)? {
            results.push(r);
        }
    }
    let stats = StatisticsConfig::with_statistics(vec![
        Statistic::Mean,
        Statistic::Std,
        Statistic::Median,
        Statistic::Min,
        Statistic::Max,
    ]);
    let files = [
        (out.join("results.csv"), Box::new(CsvWriter::new()) as Box<dyn Writer>),
        (out.join("results_summary.csv"), Box::new(CsvStatisticsWriter::new(StatisticsConfig::default()))),
        (out.join("results.json"), Box::new(JsonWriter::new())),
        (
            out.join("report.html"),
            Box::new(HtmlReport::new(stats).title(format!("mia demo: {} subjects", predictions.len()))),
        ),
    ];
    for (path, writer) in &files {
        writer.write_file(&results, path).with_context(|| format!("writing {}", path.display()))?;
    }

    // Summary.
    let summary = results_for(&results, &["DICE", "HDRFDST"]);
    println!();
    print!("{}", ConsoleStatisticsWriter::new(StatisticsConfig::default()).write_string(&summary)?);
    println!();
    println!(
        "done in {:.1} s (train: subjects 1..{n_train}; the others are held out)",
        start.elapsed().as_secs_f64()
    );
    println!("  dataset      {}", dataset_path.display());
    println!("  predictions  {}", pred_dir.display());
    for (path, _) in &files {
        println!(
            "  {:<12} {}",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The first two channels of a (y, x, c) slice, flattened (a single channel is paired with zeros).
fn channels(images: &ndarray::ArrayD<f32>) -> (Vec<f32>, Vec<f32>) {
    let c = images.shape().last().copied().unwrap_or(1);
    let t1: Vec<f32> = images.index_axis(Axis(images.ndim() - 1), 0).iter().copied().collect();
    let t2: Vec<f32> = if c > 1 {
        images.index_axis(Axis(images.ndim() - 1), 1).iter().copied().collect()
    } else {
        vec![0.0; t1.len()]
    };
    (t1, t2)
}

/// The results of some metrics only.
fn results_for(results: &Results, metrics: &[&str]) -> Results {
    let mut out = Results::new();
    for r in results.records() {
        if metrics.contains(&r.metric.as_str()) {
            out.push(r.clone());
        }
    }
    out
}
