//! Hand-written inline SVG: a box plot with the individual subjects as points (strip plot) for one metric.

use std::fmt::Write as _;

use super::html::escape;

/// Width and height of one plot in pixels.
const W: f64 = 360.0;
const H: f64 = 86.0;
const PAD_X: f64 = 14.0;

/// Short number text for axis labels: 4 significant digits, scientific outside 1e-3 ..= 1e5.
pub(crate) fn short(v: f64) -> String {
    if !v.is_finite() {
        return crate::pyfmt::python_repr(v);
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e5).contains(&a) {
        format!("{v:.3e}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".to_owned()
        } else {
            s.to_owned()
        }
    }
}

/// Quartiles (numpy linear interpolation) of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    crate::numpy::percentile(sorted, q)
}

/// A box-and-strip plot of `(subject, value)` points; non-finite values are counted under the axis.
pub(crate) fn box_strip_plot(title: &str, points: &[(&str, f64)]) -> String {
    let mut finite: Vec<f64> = points.iter().map(|p| p.1).filter(|v| v.is_finite()).collect();
    finite.sort_by(f64::total_cmp);
    let non_finite = points.len() - finite.len();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="plot" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" aria-label="{}">"#,
        escape(title)
    );
    let _ = write!(s, r##"<text x="{PAD_X}" y="13" class="t">{}</text>"##, escape(title));
    if finite.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{PAD_X}" y="48" class="na">no finite value ({non_finite} not computable)</text></svg>"#
        );
        return s;
    }
    let (lo, hi) = (finite[0], finite[finite.len() - 1]);
    let (lo_axis, hi_axis) = if hi > lo {
        (lo, hi)
    } else {
        let d = if lo == 0.0 { 0.5 } else { lo.abs() * 0.05 };
        (lo - d, hi + d)
    };
    let x = |v: f64| PAD_X + (v - lo_axis) / (hi_axis - lo_axis) * (W - 2.0 * PAD_X);
    let mid = 40.0;
    // axis
    let _ = write!(s, r#"<line x1="{PAD_X}" y1="62" x2="{}" y2="62" class="ax"/>"#, W - PAD_X);
    let _ = write!(s, r#"<text x="{PAD_X}" y="76" class="tk">{}</text>"#, escape(&short(lo_axis)));
    let _ = write!(
        s,
        r#"<text x="{}" y="76" class="tk" text-anchor="end">{}</text>"#,
        W - PAD_X,
        escape(&short(hi_axis))
    );
    // box: quartiles, median, whiskers at min and max
    let (q1, med, q3) = (quantile(&finite, 25.0), quantile(&finite, 50.0), quantile(&finite, 75.0));
    let _ = write!(s, r#"<line x1="{:.2}" y1="{mid}" x2="{:.2}" y2="{mid}" class="wh"/>"#, x(lo), x(hi));
    let _ = write!(
        s,
        r#"<rect x="{:.2}" y="{}" width="{:.2}" height="20" class="bx"><title>Q1 {} · median {} · Q3 {}</title></rect>"#,
        x(q1),
        mid - 10.0,
        (x(q3) - x(q1)).max(1.0),
        escape(&short(q1)),
        escape(&short(med)),
        escape(&short(q3))
    );
    let _ = write!(
        s,
        r#"<line x1="{0:.2}" y1="{1}" x2="{0:.2}" y2="{2}" class="md"/>"#,
        x(med),
        mid - 10.0,
        mid + 10.0
    );
    // points, deterministic jitter by index
    for (i, (subject, v)) in points.iter().enumerate() {
        if v.is_finite() {
            let jitter = ((i * 7919) % 17) as f64 - 8.0;
            let _ = write!(
                s,
                r#"<circle cx="{:.2}" cy="{:.2}" r="3" class="pt"><title>{}: {}</title></circle>"#,
                x(*v),
                mid + jitter,
                escape(subject),
                escape(&crate::pyfmt::python_repr(*v))
            );
        }
    }
    if non_finite > 0 {
        let _ = write!(
            s,
            r#"<text x="{}" y="13" class="na" text-anchor="end">{non_finite} not computable</text>"#,
            W - PAD_X
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.5), "0.5");
        assert_eq!(short(2.0), "2");
        assert_eq!(short(0.123456), "0.1235");
        assert_eq!(short(123456.0), "1.235e5");
        assert_eq!(short(f64::INFINITY), "inf");
    }

    #[test]
    fn plot_has_points_and_counts_non_finite() {
        let svg = box_strip_plot("DICE <x>", &[("a", 0.5), ("b", 0.7), ("c", f64::NAN)]);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("1 not computable"));
        assert!(svg.contains("DICE &lt;x&gt;"));
        let empty = box_strip_plot("HD", &[("a", f64::INFINITY)]);
        assert!(empty.contains("no finite value"));
        let constant = box_strip_plot("HD", &[("a", 2.0), ("b", 2.0)]);
        assert!(!constant.contains("NaN"));
    }
}
