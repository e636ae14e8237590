//! Records from files: pymia's example demographics (key/value text), CSV tables and JSON.

use std::path::Path;

use mia_io::{read_record, read_record_table, Value};

#[test]
fn pymia_example_demographics() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/records/Subject_1_demographic.txt");
    let r = read_record(path).unwrap();
    assert_eq!(r.keys().collect::<Vec<_>>(), vec!["Age", "GPA", "Gender"]);
    assert_eq!(r.get("Age"), Some(&Value::Int(29)));
    assert_eq!(r.get("GPA").and_then(Value::as_f64), Some(2.257597390161916));
    assert_eq!(r.get("Gender").and_then(Value::as_str), Some("F"));
}

#[test]
fn csv_json_and_tables_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    std::fs::write(&csv, "Age,GPA,Gender\n29,2.25,M\n").unwrap();
    let r = read_record(&csv).unwrap();
    assert_eq!(r.get("GPA"), Some(&Value::Number(2.25)));
    let json = dir.path().join("s.json");
    std::fs::write(&json, r#"{"Age": 31, "Gender": "F"}"#).unwrap();
    assert_eq!(read_record(&json).unwrap().get("Age"), Some(&Value::Int(31)));
    let table = dir.path().join("all.csv");
    std::fs::write(&table, "subject,Age\nSubject_1,29\nSubject_2,31\n").unwrap();
    let rows = read_record_table(&table).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].get("subject").and_then(Value::as_str), Some("Subject_2"));
    std::fs::write(&table, "subject,Age\nSubject_1\n").unwrap();
    let err = read_record_table(&table).unwrap_err();
    assert!(err.to_string().contains("all.csv:2"), "{err}");
    assert!(read_record(dir.path().join("missing.txt")).is_err());
}
