//! JSON: `{"<subject>": {"<label>": {"<metric>": value}}}`.

use std::collections::BTreeMap;
use std::io::Write;

use super::{WriteError, Writer};
use crate::pyfmt::python_value;
use crate::results::Results;

/// Writes `{"<subject>": {"<label>": {"<metric>": value}}}` (subjects, labels and metrics sorted; the first result
/// wins on duplicates). Numbers as Python prints them (valid JSON, e.g. `1e-05`, `27`); the non-finite values,
/// which JSON cannot hold, as the strings `"inf"`, `"-inf"`, `"nan"` (the format of `parity/pymia_values.json`).
#[derive(Debug, Clone, Default)]
pub struct JsonWriter {
    _private: (),
}

impl JsonWriter {
    /// A JSON writer.
    pub fn new() -> Self {
        Self::default()
    }
}

type Tree<'a> = BTreeMap<&'a str, BTreeMap<&'a str, BTreeMap<&'a str, String>>>;

impl Writer for JsonWriter {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        let mut tree: Tree<'_> = BTreeMap::new();
        for r in results.records() {
            let value = if r.value.is_finite() {
                python_value(r.value, r.integer)
            } else {
                quote(&python_value(r.value, r.integer))
            };
            tree.entry(&r.subject)
                .or_default()
                .entry(&r.label)
                .or_default()
                .entry(&r.metric)
                .or_insert(value);
        }
        let mut s = String::from("{");
        for (i, (subject, labels)) in tree.iter().enumerate() {
            s.push_str(if i == 0 { "\n  " } else { ",\n  " });
            s.push_str(&quote(subject));
            s.push_str(": {");
            for (j, (label, metrics)) in labels.iter().enumerate() {
                s.push_str(if j == 0 { "\n    " } else { ",\n    " });
                s.push_str(&quote(label));
                s.push_str(": {");
                for (k, (metric, value)) in metrics.iter().enumerate() {
                    s.push_str(if k == 0 { "\n      " } else { ",\n      " });
                    s.push_str(&quote(metric));
                    s.push_str(": ");
                    s.push_str(value);
                }
                s.push_str("\n    }");
            }
            s.push_str("\n  }");
        }
        s.push_str(if tree.is_empty() { "}\n" } else { "\n}\n" });
        out.write_all(s.as_bytes())?;
        Ok(())
    }
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\r' => q.push_str("\\r"),
            '\t' => q.push_str("\\t"),
            c if (c as u32) < 0x20 => q.push_str(&format!("\\u{:04x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::EvaluationResult;

    #[test]
    fn writes_nested_json_with_strings_for_non_finite() {
        let results: Results = [
            EvaluationResult::new("s\"1", "FG", "HDRFDST", f64::INFINITY),
            EvaluationResult::new("s\"1", "FG", "DICE", 0.5),
            EvaluationResult::new("s\"1", "BG", "TP", 3.0).integer(true),
            EvaluationResult::new("s2", "FG", "MUTINF", f64::NEG_INFINITY),
            EvaluationResult::new("s2", "FG", "FNR", f64::NAN),
        ]
        .into_iter()
        .collect();
        let s = JsonWriter::new().write_string(&results).unwrap();
        let expected = "{\n  \"s\\\"1\": {\n    \"BG\": {\n      \"TP\": 3\n    },\n    \"FG\": {\n      \"DICE\": 0.5,\n      \
                        \"HDRFDST\": \"inf\"\n    }\n  },\n  \"s2\": {\n    \"FG\": {\n      \"FNR\": \"nan\",\n      \
                        \"MUTINF\": \"-inf\"\n    }\n  }\n}\n";
        assert_eq!(s, expected);
        assert_eq!(JsonWriter::new().write_string(&Results::new()).unwrap(), "{}\n");
    }
}
