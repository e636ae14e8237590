//! Metric specifications: `DICE`, `HDRFDST95=HDRFDST(percentile=95)`, `FMEASR(beta=2)`, ... → `Box<dyn Metric>`.

use crate::catalogue::{construct, ABBREVIATIONS};
use crate::error::SpecError;
use crate::Metric;

/// One parsed parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) value: String,
}

/// Parameter lookup with typed accessors and unknown-name detection.
#[derive(Debug)]
pub(crate) struct Params<'s> {
    abbreviation: &'s str,
    params: Vec<Param>,
    used: Vec<bool>,
}

impl Params<'_> {
    /// No parameters.
    pub(crate) fn empty() -> Self {
        Params { abbreviation: "", params: Vec::new(), used: Vec::new() }
    }

    fn take(&mut self, name: &str) -> Option<&Param> {
        let i = self.params.iter().position(|p| p.name == name)?;
        self.used[i] = true;
        Some(&self.params[i])
    }

    fn invalid(&self, p: &Param, message: &str) -> SpecError {
        SpecError::InvalidValue {
            abbreviation: self.abbreviation.to_string(),
            parameter: p.name.clone(),
            value: p.value.clone(),
            message: message.to_string(),
        }
    }

    /// A float parameter (default if absent), checked with `valid`.
    pub(crate) fn float(
        &mut self,
        name: &str,
        default: f64,
        valid: impl Fn(f64) -> bool,
        rule: &str,
    ) -> Result<f64, SpecError> {
        let Some(p) = self.take(name).cloned() else { return Ok(default) };
        match p.value.parse::<f64>() {
            Ok(v) if valid(v) => Ok(v),
            Ok(_) => Err(self.invalid(&p, rule)),
            Err(_) => Err(self.invalid(&p, "not a number")),
        }
    }

    /// An integer parameter.
    pub(crate) fn int(&mut self, name: &str, default: i64) -> Result<i64, SpecError> {
        let Some(p) = self.take(name).cloned() else { return Ok(default) };
        p.value.parse::<i64>().map_err(|_| self.invalid(&p, "not an integer"))
    }

    /// A boolean parameter (`true`/`false`, Python's `True`/`False`, `1`/`0`).
    pub(crate) fn bool(&mut self, name: &str, default: bool) -> Result<bool, SpecError> {
        let Some(p) = self.take(name).cloned() else { return Ok(default) };
        match p.value.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(self.invalid(&p, "not a boolean (true/false)")),
        }
    }

    /// Error if a parameter was not consumed; `known` lists the metric's parameters.
    pub(crate) fn finish(&self, known: &[&str]) -> Result<(), SpecError> {
        match self.params.iter().zip(&self.used).find(|(_, u)| !**u) {
            Some((p, _)) => Err(SpecError::UnknownParameter {
                abbreviation: self.abbreviation.to_string(),
                parameter: p.name.clone(),
                known: if known.is_empty() { "none".to_string() } else { known.join(", ") },
            }),
            None => Ok(()),
        }
    }
}

fn syntax(spec: &str, message: &str) -> SpecError {
    SpecError::Syntax { spec: spec.to_string(), message: message.to_string() }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Parse one metric specification `[COLUMN=]ABBR[(name=value, ...)]` into a metric.
///
/// `ABBR` is a pymia abbreviation (case-insensitive) with pymia's parameter names and defaults:
/// `FMEASR(beta=1.0)`, `HDRFDST(percentile=100.0)`, `SURFDICE(tolerance=1)`,
/// `SURFOVLP(tolerance=1.0, prediction_to_reference=true)`, `PREDAREA(slice_number=-1)`, ...
/// The column defaults to the abbreviation.
///
/// ```
/// let m = mia_metrics::metric_from_spec("HDRFDST95=HDRFDST(percentile=95)")?;
/// assert_eq!((m.column(), m.abbreviation()), ("HDRFDST95", "HDRFDST"));
/// let f2 = mia_metrics::metric_from_spec("FMEASR(beta=2)")?;
/// assert_eq!(f2.column(), "FMEASR");
/// assert!(mia_metrics::metric_from_spec("DICE(beta=2)").is_err());
/// # Ok::<(), mia_metrics::SpecError>(())
/// ```
pub fn metric_from_spec(spec: &str) -> Result<Box<dyn Metric>, SpecError> {
    let text = spec.trim();
    let (head, args) = match text.find('(') {
        Some(open) => {
            let Some(inner) = text[open + 1..].strip_suffix(')') else {
                return Err(syntax(spec, "missing closing ')' at the end"));
            };
            (&text[..open], Some(inner))
        }
        None => (text, None),
    };
    let (column, abbreviation) = match head.split_once('=') {
        Some((c, a)) => (Some(c.trim()), a.trim()),
        None => (None, head.trim()),
    };
    if let Some(c) = column {
        if !is_name(c) {
            return Err(syntax(spec, "the column name must be letters, digits, '_', '.' or '-'"));
        }
    }
    if !is_name(abbreviation) {
        return Err(syntax(spec, "expected a metric abbreviation such as DICE"));
    }
    let mut params = Vec::new();
    if let Some(args) = args.filter(|a| !a.trim().is_empty()) {
        for part in args.split(',') {
            let Some((name, value)) = part.split_once('=') else {
                return Err(syntax(spec, &format!("parameter {:?} is not name=value", part.trim())));
            };
            let (name, value) = (name.trim(), value.trim().trim_matches(|c| c == '\'' || c == '"'));
            if !is_name(name) || value.is_empty() {
                return Err(syntax(spec, &format!("parameter {:?} is not name=value", part.trim())));
            }
            if params.iter().any(|p: &Param| p.name == name) {
                return Err(syntax(spec, &format!("parameter {name} given twice")));
            }
            params.push(Param { name: name.to_string(), value: value.to_string() });
        }
    }
    let upper = abbreviation.to_ascii_uppercase();
    let used = vec![false; params.len()];
    let mut p = Params { abbreviation: &upper, params, used };
    let column = column.map_or_else(|| upper.clone(), str::to_string);
    construct(&upper, column, &mut p)?.ok_or_else(|| SpecError::UnknownMetric {
        abbreviation: abbreviation.to_string(),
        spec: spec.to_string(),
        known: ABBREVIATIONS.join(", "),
    })
}

/// Parse a comma-separated list of specifications (commas inside parentheses belong to the parameters),
/// e.g. `DICE,HDRFDST95=HDRFDST(percentile=95),SURFOVLP(tolerance=2,prediction_to_reference=false)`.
/// `all` (alone) gives [`segmentation_metrics`](crate::segmentation_metrics).
pub fn metrics_from_list(list: &str) -> Result<Vec<Box<dyn Metric>>, SpecError> {
    if list.trim().eq_ignore_ascii_case("all") {
        return Ok(crate::segmentation_metrics());
    }
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in list.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(metric_from_spec(&list[start..i])?);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(metric_from_spec(&list[start..])?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParamValue;

    #[test]
    fn parses_columns_parameters_and_errors() {
        let m = metric_from_spec(" fmeasr_b2 = fmeasr ( beta = 2 ) ").unwrap();
        assert_eq!(m.column(), "fmeasr_b2");
        assert_eq!(m.parameters(), vec![("beta", ParamValue::Float(2.0))]);
        assert_eq!(metric_from_spec("DICE").unwrap().spec(), "DICE");
        assert_eq!(metric_from_spec("FMEASR(beta=0.5)").unwrap().spec(), "FMEASR=FMEASR(beta=0.5)");
        assert!(matches!(metric_from_spec("NOPE"), Err(SpecError::UnknownMetric { .. })));
        assert!(matches!(metric_from_spec("FMEASR(alpha=1)"), Err(SpecError::UnknownParameter { .. })));
        assert!(matches!(metric_from_spec("FMEASR(beta=x)"), Err(SpecError::InvalidValue { .. })));
        assert!(matches!(metric_from_spec("FMEASR(beta=1"), Err(SpecError::Syntax { .. })));
        assert!(matches!(metric_from_spec("=DICE"), Err(SpecError::Syntax { .. })));
        let list = metrics_from_list("DICE,F2=FMEASR(beta=2),PREDAREA(slice_number=3)").unwrap();
        let cols: Vec<&str> = list.iter().map(|m| m.column()).collect();
        assert_eq!(cols, ["DICE", "F2", "PREDAREA"]);
    }
}
