//! The HTML report is well-formed (every element closed in order, every inline SVG well-formed XML) and holds
//! the plots, statistics, worst cases and not-computable reasons. Checked with Python's standard-library parsers
//! (CI has python3).

use std::io::Write as _;
use std::process::{Command, Stdio};

use mia_report::{
    EvaluationResult, HtmlReport, NonFinitePolicy, Results, Statistic, StatisticsConfig, Writer,
};

const CHECKER: &str = r#"
import sys, html.parser, xml.etree.ElementTree as ET
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr"}
text = sys.stdin.read()
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.count = {}
    def handle_starttag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
        if tag not in VOID: self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            sys.exit(f"unexpected </{tag}>, open: {self.stack[-5:]}")
        self.stack.pop()
p = P(); p.feed(text); p.close()
if p.stack: sys.exit(f"unclosed: {p.stack}")
start = 0
while True:
    i = text.find("<svg", start)
    if i < 0: break
    j = text.index("</svg>", i) + len("</svg>")
    ET.fromstring(text[i:j]); start = j
print(" ".join(f"{k}={v}" for k, v in sorted(p.count.items())))
"#;

fn results() -> Results {
    let mut r = Results::new();
    for (i, s) in ["s1", "s2", "s3", "s<4>"].iter().enumerate() {
        let dice = [0.9, 0.7, 0.0, 0.8][i];
        let hd = [2.0, 3.5, f64::INFINITY, 1.0][i];
        for label in ["WM", "GM&X"] {
            r.push(EvaluationResult::new(*s, label, "DICE", dice));
            let hd = EvaluationResult::new(*s, label, "HDRFDST95", hd);
            r.push(if hd.value.is_finite() {
                hd
            } else {
                hd.with_reason("empty_prediction: the prediction mask is empty")
            });
            r.push(EvaluationResult::new(*s, label, "TP", 10.0 * i as f64).integer(true));
        }
    }
    r.push_failure("s5", "cannot read s5.nii.gz: no such file");
    r
}

#[test]
fn report_is_well_formed_and_complete() {
    let config = StatisticsConfig::with_statistics(vec![
        Statistic::Mean,
        Statistic::Std,
        Statistic::Median,
        Statistic::Percentile(95.0),
        Statistic::CountFinite,
    ])
    .non_finite(NonFinitePolicy::Exclude);
    let html = HtmlReport::new(config).title("Test & report").write_string(&results()).unwrap();
    let mut child = Command::new("python3")
        .args(["-c", CHECKER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed (the CI image has it)");
    child.stdin.take().unwrap().write_all(html.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let counts = String::from_utf8_lossy(&out.stdout);
    // 2 labels × 3 metrics = 6 plots (each parsed as XML); a point per finite value: 2 × (4 + 3 + 4)
    assert!(counts.contains("svg=6"), "{counts}");
    assert!(counts.contains("circle=22"), "{counts}");
    assert!(html.contains("<title>Test &amp; report</title>"));
    assert!(
        html.contains("MEAN[finite-only]")
            && html.contains("P95[finite-only]")
            && html.contains("COUNT_FINITE")
    );
    assert!(html.contains("s3 (inf)"), "worst case of HDRFDST95 is the infinite one");
    assert!(html.contains("empty_prediction: the prediction mask is empty"));
    assert!(html.contains("cannot read s5.nii.gz"));
    assert!(html.contains("s&lt;4&gt;") && !html.contains("s<4>"));
    assert!(html.contains("Label GM&amp;X"));
}
