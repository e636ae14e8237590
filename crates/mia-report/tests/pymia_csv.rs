//! The writers reproduce real pymia 0.3.4 output (`shared/parity/pymia_csv/`) byte for byte.
//!
//! The results are rebuilt from pymia's own results CSV (values parsed exactly from their text; integer where pymia
//! printed no decimal point), in pymia's evaluation order (the subjects' order in the parity manifest), then written
//! by every writer and compared with the files pymia wrote.

use std::path::PathBuf;

use mia_report::{
    ConsoleStatisticsWriter, ConsoleWriter, CsvStatisticsWriter, CsvWriter, EvaluationResult, Results,
    Statistic, StatisticsConfig, Writer,
};

fn parity_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/parity/pymia_csv"));
    assert!(
        dir.is_dir(),
        "shared parity data missing at {} (CI lays shared/ beside the clone)",
        dir.display()
    );
    dir
}

fn read(name: &str) -> String {
    let path = parity_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Results of pymia's results CSV, ordered subject (in `order`) → label → metric as pymia's evaluator made them.
fn results_from_csv(name: &str, order: &[&str]) -> Results {
    let text = read(name);
    let mut lines = text.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().unwrap().split(';').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(';').collect()).collect();
    let mut results = Results::new();
    for subject in order {
        for row in rows.iter().filter(|r| r[0] == *subject) {
            for (metric, text) in header[2..].iter().zip(&row[2..]) {
                let value: f64 = text.parse().unwrap_or_else(|_| panic!("bad number {text}"));
                let integer = !text.contains(['.', 'e', 'n']);
                results.push(EvaluationResult::new(*subject, row[1], *metric, value).integer(integer));
            }
        }
    }
    results
}

fn check(writer: &dyn Writer, results: &Results, expected_file: &str) {
    let got = writer.write_string(results).unwrap();
    let expected = read(expected_file);
    if got != expected {
        for (i, (g, e)) in got.lines().zip(expected.lines()).enumerate() {
            assert_eq!(g, e, "{expected_file}: first difference on line {}", i + 1);
        }
        assert_eq!(got.len(), expected.len(), "{expected_file}: lengths differ");
    }
}

fn mean_std_min_max() -> StatisticsConfig {
    StatisticsConfig::with_statistics(vec![Statistic::Mean, Statistic::Std, Statistic::Min, Statistic::Max])
}

#[test]
fn three_subjects_byte_for_byte() {
    let results =
        results_from_csv("three_subjects_results.csv", &["sphere_offset", "ellipsoids_holes", "pred_empty"]);
    assert_eq!(results.len(), 3 * 39);
    check(&CsvWriter::new(), &results, "three_subjects_results.csv");
    check(&CsvStatisticsWriter::default(), &results, "three_subjects_statistics.csv");
    check(
        &CsvStatisticsWriter::new(mean_std_min_max()),
        &results,
        "three_subjects_statistics_mean_std_min_max.csv",
    );
    check(&ConsoleWriter::new(), &results, "three_subjects_console.txt");
    check(&ConsoleStatisticsWriter::default(), &results, "three_subjects_console_statistics.txt");
}

#[test]
fn multilabel_byte_for_byte() {
    let results = results_from_csv("multilabel_results.csv", &["brain_multilabel"]);
    assert_eq!(results.len(), 6 * 39);
    check(&CsvWriter::new(), &results, "multilabel_results.csv");
    check(&CsvStatisticsWriter::default(), &results, "multilabel_statistics.csv");
    check(
        &CsvStatisticsWriter::new(mean_std_min_max()),
        &results,
        "multilabel_statistics_mean_std_min_max.csv",
    );
    check(&ConsoleWriter::new(), &results, "multilabel_console.txt");
    check(&ConsoleStatisticsWriter::default(), &results, "multilabel_console_statistics.txt");
}

/// `python_repr` agrees with CPython's `repr(float)` on many bit patterns (CI has python3).
#[test]
fn python_repr_agrees_with_cpython() {
    // Deterministic bit patterns across the whole range (xorshift), plus values around the notation switch points.
    let mut values =
        vec![1e-4, 9.999999999999999e-5, 1e-5, 1e15, 9999999999999998.0, 1e16, 1e17, 0.5, 123.456];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while values.len() < 3000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = f64::from_bits(x);
        if v.is_finite() {
            values.push(v);
            values.push((v.abs().log10() * 0.3).exp2() * if x & 1 == 0 { 1.0 } else { -1.0 });
        }
    }
    let script = "import sys,struct\nfor l in sys.stdin:\n    print(repr(struct.unpack('<d', bytes.fromhex(l.strip()))[0]))\n";
    let input: String = values.iter().map(|v| format!("{}\n", hex(v.to_le_bytes()))).collect();
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is needed for this test (the CI image has it)");
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let expected: Vec<&str> = text.lines().collect();
    assert_eq!(expected.len(), values.len());
    for (v, e) in values.iter().zip(expected) {
        assert_eq!(mia_report::python_repr(*v), e, "bits {:016x}", v.to_bits());
    }
}

fn hex(bytes: [u8; 8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
