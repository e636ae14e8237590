//! A self-contained HTML report: statistics table, per-label box/strip plots (inline SVG), worst cases per
//! metric, not-computable values with their reasons, and the subjects that failed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use super::svg::{box_strip_plot, short};
use super::{WriteError, Writer};
use crate::pyfmt::python_value;
use crate::results::{EvaluationResult, Results};
use crate::statistics::{Direction, StatisticsConfig};

/// Writes one HTML file without external resources (styles inline, plots as inline SVG).
#[derive(Debug, Clone)]
pub struct HtmlReport {
    title: String,
    config: StatisticsConfig,
    worst: usize,
}

impl Default for HtmlReport {
    fn default() -> Self {
        HtmlReport { title: "mia evaluation report".into(), config: StatisticsConfig::default(), worst: 3 }
    }
}

impl HtmlReport {
    /// A report with the given statistics (e.g. mean, std, median, min, max, count of finite values).
    pub fn new(config: StatisticsConfig) -> Self {
        HtmlReport { config, ..Default::default() }
    }

    /// Sets the page title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// How many worst subjects to list per metric (default 3).
    pub fn worst_cases(mut self, n: usize) -> Self {
        self.worst = n;
        self
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222;max-width:1500px}\
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}h3{font-size:1.05em}\
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}\
th{background:#f3f3f3}td.l,th.l{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:6px}\
svg.plot{border:1px solid #eee;background:#fff}svg .t{font-size:12px;font-weight:600}svg .tk{font-size:10px;fill:#555}\
svg .na{font-size:11px;fill:#b00}svg .ax{stroke:#999}svg .wh{stroke:#555}svg .bx{fill:#cfe0f5;stroke:#36c}\
svg .md{stroke:#036;stroke-width:2}svg .pt{fill:#e66;fill-opacity:.75;stroke:#900;stroke-width:.5}\
.fail{color:#b00}.muted{color:#666}";

impl Writer for HtmlReport {
    fn write_to(&self, results: &Results, out: &mut dyn Write) -> Result<(), WriteError> {
        let stats = self.config.aggregate(results)?;
        let mut h = String::new();
        let title = escape(&self.title);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n"
        );
        let (subjects, labels, metrics) = (results.subjects(), results.labels(), results.metrics());
        let _ = writeln!(
            h,
            "<p class=\"muted\">{} subjects evaluated, {} failed; {} labels; {} metrics; {} values, {} not finite.</p>",
            subjects.len(),
            results.failures().len(),
            labels.len(),
            metrics.len(),
            results.len(),
            results.records().iter().filter(|r| !r.value.is_finite()).count()
        );
        if !results.failures().is_empty() {
            h.push_str("<h2 id=\"failures\">Subjects that could not be evaluated</h2>\n<table><tr><th class=\"l\">Subject</th><th class=\"l\">Error</th></tr>\n");
            for f in results.failures() {
                let _ = writeln!(
                    h,
                    "<tr><td class=\"l\">{}</td><td class=\"l fail\">{}</td></tr>",
                    escape(&f.subject),
                    escape(&f.message)
                );
            }
            h.push_str("</table>\n");
        }

        // Statistics: one row per label and metric, one column per statistic.
        h.push_str("<h2 id=\"statistics\">Statistics</h2>\n");
        let mut columns: Vec<&str> = Vec::new();
        let mut rows: BTreeMap<(&str, &str), BTreeMap<&str, f64>> = BTreeMap::new();
        for s in &stats {
            if !columns.contains(&s.statistic.as_str()) {
                columns.push(&s.statistic);
            }
            rows.entry((&s.label, &s.metric)).or_default().insert(&s.statistic, s.value);
        }
        h.push_str("<table><tr><th class=\"l\">Label</th><th class=\"l\">Metric</th>");
        for c in &columns {
            let _ = write!(h, "<th>{}</th>", escape(c));
        }
        h.push_str("</tr>\n");
        for ((label, metric), values) in &rows {
            let _ = write!(
                h,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td>",
                escape(label),
                escape(metric)
            );
            for c in &columns {
                let v = values.get(c).copied().unwrap_or(f64::NAN);
                let _ = write!(
                    h,
                    "<td title=\"{}\">{}</td>",
                    escape(&crate::pyfmt::python_repr(v)),
                    escape(&short(v))
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");

        // Per label: plots and worst cases.
        for label in &labels {
            let _ = write!(h, "<h2 id=\"label-{0}\">Label {0}</h2>\n<div class=\"plots\">\n", escape(label));
            for metric in &metrics {
                let points: Vec<(&str, f64)> =
                    results.of(label, metric).map(|r| (r.subject.as_str(), r.value)).collect();
                if !points.is_empty() {
                    h.push_str(&box_strip_plot(metric, &points));
                    h.push('\n');
                }
            }
            h.push_str("</div>\n");
            self.worst_table(&mut h, results, label, &metrics);
        }

        // Not computable values.
        let nc: Vec<&EvaluationResult> =
            results.records().iter().filter(|r| !r.value.is_finite() || r.reason.is_some()).collect();
        h.push_str("<h2 id=\"not-computable\">Not computable values</h2>\n");
        if nc.is_empty() {
            h.push_str("<p>Every value is finite.</p>\n");
        } else {
            h.push_str("<table><tr><th class=\"l\">Subject</th><th class=\"l\">Label</th><th class=\"l\">Metric</th><th>Value</th><th class=\"l\">Reason</th></tr>\n");
            for r in nc {
                let _ = writeln!(
                    h,
                    "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
                    escape(&r.subject),
                    escape(&r.label),
                    escape(&r.metric),
                    escape(&python_value(r.value, r.integer)),
                    escape(r.reason.as_deref().unwrap_or("(no reason given)"))
                );
            }
            h.push_str("</table>\n");
        }
        h.push_str("</body></html>\n");
        out.write_all(h.as_bytes())?;
        Ok(())
    }
}

impl HtmlReport {
    /// The `worst` subjects per metric with a known direction (non-finite values first).
    fn worst_table(&self, h: &mut String, results: &Results, label: &str, metrics: &[&str]) {
        if self.worst == 0 {
            return;
        }
        let mut rows = String::new();
        for metric in metrics {
            let Some(direction) = self.config.direction(metric) else { continue };
            let mut v: Vec<&EvaluationResult> = results.of(label, metric).collect();
            // badness: non-finite worst, then by direction
            v.sort_by(|a, b| {
                let key = |r: &EvaluationResult| match (r.value.is_finite(), direction) {
                    (false, _) => f64::INFINITY,
                    (true, Direction::HigherIsBetter) => -r.value,
                    (true, Direction::LowerIsBetter) => r.value,
                };
                key(b).total_cmp(&key(a)).then_with(|| a.subject.cmp(&b.subject))
            });
            let cells: Vec<String> = v
                .iter()
                .take(self.worst)
                .map(|r| format!("{} ({})", escape(&r.subject), escape(&short(r.value))))
                .collect();
            let dir =
                if direction == Direction::HigherIsBetter { "higher is better" } else { "lower is better" };
            let _ = writeln!(
                rows,
                "<tr><td class=\"l\">{}</td><td class=\"l muted\">{dir}</td><td class=\"l\">{}</td></tr>",
                escape(metric),
                cells.join(", ")
            );
        }
        if !rows.is_empty() {
            let _ = write!(
                h,
                "<h3>Worst cases</h3>\n<table><tr><th class=\"l\">Metric</th><th class=\"l\">Direction</th><th class=\"l\">Worst {} subjects (value)</th></tr>\n{rows}</table>\n",
                self.worst
            );
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}
