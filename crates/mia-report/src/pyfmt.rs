//! Number formatting exactly as Python prints it: `repr(float)` (what pymia's CSV files contain) and
//! `f'{x:.Nf}'` (what pymia's console tables contain).

/// Formats `value` as Python's `repr(float)` (and `str(float)`) does: the shortest decimal string that reads back to
/// the same `f64`, in fixed notation when the decimal exponent is in `-4 ..= 15`, else in scientific notation with a
/// signed two-digit exponent; `inf`, `-inf`, `nan`, `-0.0`.
///
/// ```
/// use mia_report::python_repr;
/// assert_eq!(python_repr(2.0), "2.0");
/// assert_eq!(python_repr(1e-5), "1e-05");
/// assert_eq!(python_repr(1e16), "1e+16");
/// assert_eq!(python_repr(0.31337324502412095), "0.31337324502412095");
/// assert_eq!(python_repr(f64::NEG_INFINITY), "-inf");
/// ```
pub fn python_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf".to_owned() } else { "-inf".to_owned() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, like Python's dtoa mode 0: "d.ddde±x". Where two
    // shortest strings are equally near the exact binary value, Python takes the even last digit; the correctly
    // rounded (ties to even) string of the same length is that one whenever it reads back to the same value.
    let shortest = format!("{:e}", value.abs());
    let ndigits = shortest.split('e').next().map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
    let rounded = format!("{:.*e}", ndigits.saturating_sub(1), value.abs());
    let sci = if rounded.parse::<f64>() == Ok(value.abs()) { rounded } else { shortest };
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if value.is_sign_negative() { "-" } else { "" };
    // Python's decpt: position of the decimal point relative to the start of the digits.
    let decpt = exponent + 1;
    let body = if (-4 < decpt) && (decpt <= 16) {
        fixed(&digits, decpt)
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() { first.to_owned() } else { format!("{first}.{rest}") };
        let esign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{esign}{:02}", exponent.abs())
    };
    format!("{sign}{body}")
}

/// Fixed notation of the digit string `digits` with the decimal point after `decpt` digits; always has a `.`.
fn fixed(digits: &str, decpt: i32) -> String {
    let n = digits.len() as i32;
    if decpt <= 0 {
        format!("0.{}{}", "0".repeat((-decpt) as usize), digits)
    } else if decpt >= n {
        format!("{}{}.0", digits, "0".repeat((decpt - n) as usize))
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        format!("{int}.{frac}")
    }
}

/// Formats a metric value as pymia's CSV writer does: integers (Python `int` / `numpy.int64` results such as `TP`
/// or an edge-case `0`) as `27`, floats as [`python_repr`].
pub fn python_value(value: f64, integer: bool) -> String {
    if integer && value.is_finite() && value.fract() == 0.0 && value.abs() < 9.2e18 {
        format!("{}", value as i64)
    } else {
        python_repr(value)
    }
}

/// Formats `value` as Python's `f'{value:.{precision}f}'`: correctly rounded (ties to even on the exact binary
/// value), `inf`, `-inf`, `nan`, `-0.000` for negative values that round to zero.
pub fn python_fixed(value: f64, precision: usize) -> String {
    if value.is_nan() {
        "nan".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 {
            "inf".to_owned()
        } else {
            "-inf".to_owned()
        }
    } else {
        format!("{value:.precision$}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (27.0, "27.0"),
            (0.1, "0.1"),
            (0.30000000000000004, "0.30000000000000004"),
            (1e-4, "0.0001"),
            (1.5e-4, "0.00015"),
            (1e-5, "1e-05"),
            (1.2345e-7, "1.2345e-07"),
            (1e15, "1000000000000000.0"),
            (1.2345678901234567e15, "1234567890123456.8"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (-4.440892098500626e-16, "-4.440892098500626e-16"),
            (9.16515138991168, "9.16515138991168"),
            (123456.0, "123456.0"),
            (f64::from_bits(0xc260_ccd9_10d5_0100), "-577250035368.0312"), // a tie between two shortest strings: Python takes even
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for &(v, s) in cases {
            assert_eq!(python_repr(v), s, "{v:e}");
        }
    }

    #[test]
    fn integers_and_fixed() {
        assert_eq!(python_value(27.0, true), "27");
        assert_eq!(python_value(-1.0, true), "-1");
        assert_eq!(python_value(27.0, false), "27.0");
        assert_eq!(python_fixed(27.0, 3), "27.000");
        assert_eq!(python_fixed(0.0004, 3), "0.000");
        assert_eq!(python_fixed(-0.0004, 3), "-0.000");
        assert_eq!(python_fixed(0.0125, 3), "0.013"); // 0.0125 is slightly above in binary
        assert_eq!(python_fixed(0.125, 2), "0.12");
        assert_eq!(python_fixed(f64::NAN, 3), "nan");
        assert_eq!(python_fixed(f64::NEG_INFINITY, 3), "-inf");
    }
}
