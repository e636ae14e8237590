//! pymia's example subjects (`shared/data/pymia-example`): every value of `expected_results_all_metrics.csv`
//! (pymia 0.3.4 on `*_PRED_eroded.mha` vs `*_GT.mha`, four subjects, six labels) reproduced.

mod common;

use std::path::{Path, PathBuf};

use common::mismatch;
use mia_metrics::{evaluate_labels, metric_from_spec, EvaluateOptions, Label, Metric};

fn example_dir() -> PathBuf {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/pymia-example"));
    assert!(
        dir.join("expected_results_all_metrics.csv").is_file(),
        "example data missing: expected {} (shared/ must lie beside the repository)",
        dir.display()
    );
    dir.to_path_buf()
}

fn spec(column: &str) -> String {
    match column {
        "HDRFDST95" => "HDRFDST95=HDRFDST(percentile=95)".to_string(),
        "SURFDICE_2MM" => "SURFDICE_2MM=SURFDICE(tolerance=2)".to_string(),
        other => other.to_string(),
    }
}

fn label(name: &str) -> Label<u8> {
    match name {
        "WHITEMATTER" => Label::new(name, 1),
        "GREYMATTER" => Label::new(name, 2),
        "HIPPOCAMPUS" => Label::new(name, 3),
        "AMYGDALA" => Label::new(name, 4),
        "THALAMUS" => Label::new(name, 5),
        "HIPPO+AMYG" => Label::union(name, vec![3, 4]),
        other => panic!("unknown label {other}"),
    }
}

#[test]
fn all_metrics_of_the_four_example_subjects() {
    let dir = example_dir();
    let text = std::fs::read_to_string(dir.join("expected_results_all_metrics.csv")).expect("csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(';').collect();
    let columns = &header[2..];
    let metrics: Vec<Box<dyn Metric>> =
        columns.iter().map(|c| metric_from_spec(&spec(c)).expect("spec")).collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    let mut failures = Vec::new();
    let mut checked = 0;
    for subject in ["Subject_1", "Subject_2", "Subject_3", "Subject_4"] {
        let gt = mia_io::read_image(dir.join(subject).join(format!("{subject}_GT.mha"))).expect("GT");
        let pred =
            mia_io::read_image(dir.join(subject).join(format!("{subject}_PRED_eroded.mha"))).expect("PRED");
        let reference = gt.view::<u8>().expect("uint8 GT");
        let prediction = pred.view::<u8>().expect("uint8 prediction");
        // pymia takes the spacing from the prediction.
        let spacing = pred.properties().spacing_zyx();
        let subject_rows: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == subject).collect();
        let labels: Vec<Label<u8>> = subject_rows.iter().map(|r| label(r[1])).collect();
        let results =
            evaluate_labels(prediction, reference, &spacing, &labels, &metrics, &EvaluateOptions::default())
                .expect("evaluate");
        for (row, result) in subject_rows.iter().zip(&results) {
            for ((column, text), (got_column, got)) in columns.iter().zip(&row[2..]).zip(&result.values) {
                assert_eq!(column, got_column);
                checked += 1;
                let expected: f64 =
                    text.parse().unwrap_or_else(|_| panic!("{subject}/{}/{column}: {text}", row[1]));
                let integer = !text.contains(['.', 'e', 'n']);
                if let Some(m) = mismatch(got, expected, Some(integer), 1e-9) {
                    failures.push(format!("{subject}/{}/{column}: {m}", row[1]));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} values differ:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked, 4 * 6 * columns.len());
}
