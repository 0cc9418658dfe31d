//! Go's `strconv.FormatFloat` for the two shapes Helm's encoders use: the shortest `'g'`
//! form (go-yaml's float output) and `encoding/json`'s number form.
//!
//! Rust's `{:e}` formatting already produces the shortest digit string that round-trips,
//! exactly the digits Go's shortest formatting picks; only the layout differs.

/// The shortest decimal digits of a finite, non-zero `|x|` and the decimal point position:
/// `x = 0.DIGITS * 10^point`.
fn shortest_digits(x: f64) -> (String, i32) {
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    (digits, exponent + 1)
}

fn special(x: f64) -> Option<&'static str> {
    if x.is_nan() {
        Some("NaN")
    } else if x == f64::INFINITY {
        Some("+Inf")
    } else if x == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// `%e` layout with all the given digits: `d.ddde±XX` (at least two exponent digits).
fn layout_e(neg: bool, digits: &str, point: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let mut chars = digits.chars();
    out.push(chars.next().unwrap_or('0'));
    let rest: String = chars.collect();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(&rest);
    }
    let exp = if digits == "0" { 0 } else { point - 1 };
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
    out
}

/// `%f` layout with exactly the digits needed.
fn layout_f(neg: bool, digits: &str, point: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if point <= 0 {
        out.push_str("0.");
        for _ in 0..(-point) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let point = point as usize;
        if digits.len() <= point {
            out.push_str(digits);
            for _ in digits.len()..point {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// `strconv.FormatFloat(x, 'g', -1, 64)`: `1e+06`, `1.5`, `1e-05`, `+Inf`, `NaN`.
pub fn format_g(x: f64) -> String {
    if let Some(s) = special(x) {
        return s.to_string();
    }
    let neg = x.is_sign_negative();
    if x == 0.0 {
        return if neg { "-0".into() } else { "0".into() };
    }
    let (digits, point) = shortest_digits(x);
    // Go decides between %e and %f as if the precision were 6 when formatting shortest.
    let exp = point - 1;
    if !(-4..6).contains(&exp) {
        layout_e(neg, &digits, point)
    } else {
        layout_f(neg, &digits, point)
    }
}

/// `strconv.FormatFloat(x, 'g', -1, 32)`: the value rounded to float32 first
/// (sigs.k8s.io/yaml prints float map keys this way).
pub fn format_g32(x: f64) -> String {
    let narrow = x as f32;
    if narrow.is_nan() || narrow.is_infinite() || narrow == 0.0 {
        return format_g(f64::from(narrow));
    }
    let sci = format!("{:e}", narrow.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let point = exponent.parse::<i32>().unwrap_or(0) + 1;
    let neg = narrow.is_sign_negative();
    if !(-4..6).contains(&(point - 1)) {
        layout_e(neg, &digits, point)
    } else {
        layout_f(neg, &digits, point)
    }
}

/// `encoding/json`'s float64 encoding: `'f'` unless the magnitude is below 1e-6 or at least
/// 1e21, then `'e'` with the exponent's leading zero dropped (`1e-07` -> `1e-7`).
/// Returns `None` for NaN and infinities, which JSON cannot represent.
pub fn format_json(x: f64) -> Option<String> {
    if special(x).is_some() {
        return None;
    }
    let neg = x.is_sign_negative();
    if x == 0.0 {
        return Some(if neg { "-0".into() } else { "0".into() });
    }
    let (digits, point) = shortest_digits(x);
    let abs = x.abs();
    if abs < 1e-6 || abs >= 1e21 {
        let mut s = layout_e(neg, &digits, point);
        let n = s.len();
        let bytes = s.as_bytes();
        if n >= 4 && bytes[n - 4] == b'e' && bytes[n - 3] == b'-' && bytes[n - 2] == b'0' {
            s.remove(n - 2);
        }
        Some(s)
    } else {
        Some(layout_f(neg, &digits, point))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format() {
        assert_eq!(format_g(123456789.5), "1.234567895e+08");
        assert_eq!(format_g(1e21), "1e+21");
        assert_eq!(format_g(1e-6), "1e-06");
        assert_eq!(format_g(1e20), "1e+20");
        assert_eq!(format_g(1.5), "1.5");
        assert_eq!(format_g(100000.0), "100000");
        assert_eq!(format_g(1000000.0), "1e+06");
        assert_eq!(format_g(0.0001), "0.0001");
        assert_eq!(format_g(0.00001), "1e-05");
        assert_eq!(format_g(-2.5), "-2.5");
        assert_eq!(format_g(1234567.0), "1.234567e+06");
        assert_eq!(format_g(f64::INFINITY), "+Inf");
    }

    #[test]
    fn json_format() {
        assert_eq!(format_json(1e21).unwrap(), "1e+21");
        assert_eq!(format_json(1e20).unwrap(), "100000000000000000000");
        assert_eq!(format_json(0.000001).unwrap(), "0.000001");
        assert_eq!(format_json(0.0000001).unwrap(), "1e-7");
        assert_eq!(format_json(1.5e-10).unwrap(), "1.5e-10");
        assert_eq!(format_json(-0.0).unwrap(), "-0");
        assert_eq!(format_json(3.0).unwrap(), "3");
        assert_eq!(format_json(0.1).unwrap(), "0.1");
        assert!(format_json(f64::NAN).is_none());
    }
}
