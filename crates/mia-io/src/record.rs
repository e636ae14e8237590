//! Non-image records (demographics, clinical values): key/value text files like pymia's example
//! (`Age: 29`, `GPA: 2.25`, `Gender: F`), CSV and JSON, with each value a number or a string.

use std::fmt;
use std::path::Path;

use crate::fsutil::lower_name;
use crate::{IoError, Result};

/// Largest record file read (records are small; this guards against reading a volume by mistake).
const MAX_RECORD_BYTES: u64 = 64 << 20;

/// One value of a record.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// An integer (`29`).
    Int(i64),
    /// A real number (`2.25`).
    Number(f64),
    /// Anything else (`F`).
    Text(String),
}

impl Value {
    /// Parses a scalar: integer, then real number, else text (surrounding quotes removed).
    pub fn parse(text: &str) -> Value {
        let t = text.trim();
        if let Ok(i) = t.parse::<i64>() {
            return Value::Int(i);
        }
        if t.bytes().any(|b| b.is_ascii_digit()) {
            if let Ok(f) = t.parse::<f64>() {
                return Value::Number(f);
            }
        }
        let unquoted = t
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .or_else(|| t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
            .unwrap_or(t);
        Value::Text(unquoted.to_string())
    }

    /// The value as `f64` if it is numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Number(f) => Some(*f),
            Value::Text(_) => None,
        }
    }

    /// The value as text if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Number(x) => write!(f, "{x}"),
            Value::Text(s) => f.write_str(s),
        }
    }
}

/// An ordered map from keys to values (keys keep the file's order; a repeated key keeps its first position and
/// its last value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    entries: Vec<(String, Value)>,
}

impl Record {
    /// An empty record.
    pub fn new() -> Self {
        Record::default()
    }

    /// Sets a value, keeping the key's position if it exists.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value of a key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of a key, comparing keys case-insensitively.
    pub fn get_ignore_case(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the record has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn read_text(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| IoError::io(path, e))?;
    if meta.len() > MAX_RECORD_BYTES {
        return Err(IoError::Record {
            path: path.into(),
            line: 0,
            message: format!("{} bytes is too large for a record", meta.len()),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| IoError::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| IoError::Record {
        path: path.into(),
        line: 0,
        message: format!("not UTF-8: {e}"),
    })
}

/// Reads a record: `.json` (one flat object), `.csv` (header + one row, or `key,value` rows) or any other
/// extension as key/value text (`Key: value` or `Key = value` per line, `#` comments).
pub fn read_record(path: impl AsRef<Path>) -> Result<Record> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let name = lower_name(path);
    if name.ends_with(".json") {
        parse_json_record(path, &text)
    } else if name.ends_with(".csv") {
        parse_csv_record(path, &text)
    } else {
        parse_key_values(path, &text)
    }
}

/// Parses key/value text: one `Key: value` (or `Key = value`) per line; blank lines and `#` comments skipped.
pub fn parse_key_values(path: &Path, text: &str) -> Result<Record> {
    let mut record = Record::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let split = match (line.find(':'), line.find('=')) {
            (Some(c), Some(e)) => c.min(e),
            (Some(c), None) => c,
            (None, Some(e)) => e,
            (None, None) => {
                return Err(IoError::Record {
                    path: path.into(),
                    line: i + 1,
                    message: format!("'{}' is not 'Key: value'", line.chars().take(80).collect::<String>()),
                })
            }
        };
        let key = line[..split].trim();
        if key.is_empty() {
            return Err(IoError::Record { path: path.into(), line: i + 1, message: "empty key".into() });
        }
        record.insert(key, Value::parse(&line[split + 1..]));
    }
    Ok(record)
}

/// Parses a CSV record: a header row and exactly one data row (columns become keys), or two-column
/// `key,value` rows (an optional `key,value` header row is skipped).
pub fn parse_csv_record(path: &Path, text: &str) -> Result<Record> {
    let rows = csv_rows(path, text)?;
    let mut record = Record::new();
    if rows.len() == 2 && rows[0].len() == rows[1].len() {
        for (k, v) in rows[0].iter().zip(&rows[1]) {
            record.insert(k.trim(), Value::parse(v));
        }
        return Ok(record);
    }
    for (i, row) in rows.iter().enumerate() {
        if row.len() != 2 {
            return Err(IoError::Record {
                path: path.into(),
                line: i + 1,
                message: format!("{} columns: expected a header and one row, or key,value rows", row.len()),
            });
        }
        if i == 0 && row[0].trim().eq_ignore_ascii_case("key") {
            continue;
        }
        record.insert(row[0].trim(), Value::parse(&row[1]));
    }
    Ok(record)
}

/// Reads a CSV table (header + rows) as one record per row, e.g. a demographics table of all subjects.
pub fn read_record_table(path: impl AsRef<Path>) -> Result<Vec<Record>> {
    let path = path.as_ref();
    let rows = csv_rows(path, &read_text(path)?)?;
    let Some((header, body)) = rows.split_first() else { return Ok(Vec::new()) };
    body.iter()
        .enumerate()
        .map(|(i, row)| {
            if row.len() != header.len() {
                return Err(IoError::Record {
                    path: path.into(),
                    line: i + 2,
                    message: format!("{} fields, header has {}", row.len(), header.len()),
                });
            }
            let mut r = Record::new();
            for (k, v) in header.iter().zip(row) {
                r.insert(k.trim(), Value::parse(v));
            }
            Ok(r)
        })
        .collect()
}

fn csv_rows(path: &Path, text: &str) -> Result<Vec<Vec<String>>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            r.map(|r| r.iter().map(str::to_string).collect::<Vec<String>>()).map_err(|e| IoError::Record {
                path: path.into(),
                line: i + 1,
                message: e.to_string(),
            })
        })
        .filter(|r| !matches!(r, Ok(v) if v.iter().all(|s: &String| s.trim().is_empty())))
        .collect()
}

/// Parses a flat JSON object: numbers, strings and booleans (as text).
pub fn parse_json_record(path: &Path, text: &str) -> Result<Record> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| IoError::Record {
        path: path.into(),
        line: e.line(),
        message: e.to_string(),
    })?;
    let serde_json::Value::Object(map) = json else {
        return Err(IoError::Record {
            path: path.into(),
            line: 0,
            message: "the JSON is not an object".into(),
        });
    };
    let mut record = Record::new();
    for (k, v) in map {
        let value = match v {
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Value::Text(s),
            serde_json::Value::Bool(b) => Value::Text(b.to_string()),
            other => {
                return Err(IoError::Record {
                    path: path.into(),
                    line: 0,
                    message: format!("key '{k}': {other} is not a number or string"),
                })
            }
        };
        record.insert(k, value);
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_values_like_pymia_example() {
        let r = parse_key_values(
            Path::new("d.txt"),
            "Age: 29\nGPA: 2.257597390161916\nGender: F\n\n# note\nURL = a:b",
        )
        .unwrap();
        assert_eq!(r.get("Age"), Some(&Value::Int(29)));
        assert_eq!(r.get("GPA"), Some(&Value::Number(2.257597390161916)));
        assert_eq!(r.get("Gender"), Some(&Value::Text("F".into())));
        assert_eq!(r.get("URL"), Some(&Value::Text("a:b".into())));
        assert_eq!(r.keys().collect::<Vec<_>>(), vec!["Age", "GPA", "Gender", "URL"]);
        let e = parse_key_values(Path::new("d.txt"), "Age 29").unwrap_err();
        assert!(e.to_string().contains("d.txt:1"), "{e}");
    }

    #[test]
    fn csv_and_json() {
        let r = parse_csv_record(Path::new("a.csv"), "Age,GPA,Gender\n29,2.5,\"F\"\n").unwrap();
        assert_eq!(r.get("GPA"), Some(&Value::Number(2.5)));
        assert_eq!(r.get("Gender").and_then(Value::as_str), Some("F"));
        let r = parse_csv_record(Path::new("a.csv"), "key,value\nAge,29\nGPA,2.5\nGender,F\n").unwrap();
        assert_eq!(r.len(), 3);
        assert!(parse_csv_record(Path::new("a.csv"), "a,b,c\n1,2,3\n4,5,6\n").is_err());
        let r =
            parse_json_record(Path::new("a.json"), r#"{"Age": 29, "GPA": 2.5, "Gender": "F", "ok": true}"#)
                .unwrap();
        assert_eq!(r.get("Age"), Some(&Value::Int(29)));
        assert_eq!(r.get("ok"), Some(&Value::Text("true".into())));
        assert!(parse_json_record(Path::new("a.json"), "[1]").is_err());
        assert!(parse_json_record(Path::new("a.json"), r#"{"a": [1]}"#).is_err());
    }
}
