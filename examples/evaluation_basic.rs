//! pymia's `examples/evaluation/basic.py` in Rust, on pymia's example subjects.
//!
//! Labels 1 WHITEMATTER, 2 GREYMATTER, 5 THALAMUS; metrics DICE, HDRFDST95, VOLSMTY; prediction = the ground truth
//! with every label eroded by a ball of radius 1 (`Subject_k_PRED_eroded.mha`, shipped with the data). Writes the
//! same CSV files as pymia (byte for byte) and prints pymia's console tables.
//!
//! Run with `cargo run --example evaluation_basic [-- DATA_DIR OUT_DIR]` (default data: `../shared/data/pymia-example`).

use std::path::PathBuf;

use mia::metrics::metric_from_spec;
use mia::report::{
    ConsoleStatisticsWriter, ConsoleWriter, CsvStatisticsWriter, CsvWriter, Evaluator, LabelSpec, Results,
    StatisticsConfig, Writer,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/pymia-example"));
    let out = args.next().map(PathBuf::from).unwrap_or_else(std::env::temp_dir);

    let metrics = ["DICE", "HDRFDST95=HDRFDST(percentile=95)", "VOLSMTY"]
        .into_iter()
        .map(metric_from_spec)
        .collect::<Result<Vec<_>, _>>()?;
    let labels = LabelSpec::parse_list("1=WHITEMATTER,2=GREYMATTER,5=THALAMUS")?;
    let evaluator = Evaluator::segmentation(metrics, labels)?;

    let mut results = Results::new();
    for k in 1..=4 {
        let subject = format!("Subject_{k}");
        let dir = data.join(&subject);
        let reference = mia::io::read_image(dir.join(format!("{subject}_GT.mha")))?;
        let prediction = mia::io::read_image(dir.join(format!("{subject}_PRED_eroded.mha")))?;
        for r in evaluator.evaluate(&prediction, &reference, &subject)? {
            results.push(r);
        }
    }

    let csv = out.join("results.csv");
    let summary = out.join("results_summary.csv");
    CsvWriter::new().write_file(&results, &csv)?;
    CsvStatisticsWriter::new(StatisticsConfig::default()).write_file(&results, &summary)?;
    println!("\nSubject-wise results...");
    print!("{}", ConsoleWriter::new().write_string(&results)?);
    println!("\nAggregated statistic results...");
    print!("{}", ConsoleStatisticsWriter::new(StatisticsConfig::default()).write_string(&results)?);
    println!("\nwrote {} and {}", csv.display(), summary.display());
    Ok(())
}
