//! The parts of Go's `strconv` that `fmt` builds on: `FormatFloat` and the quoting
//! functions (`Quote`, `QuoteToASCII`, `QuoteRune`, `CanBackquote`, `IsPrint`).
//!
//! Decimal digits come from Rust's float formatting, which, like Go's, produces either the
//! shortest digit string that reads back to the same float or the exactly rounded digits of
//! the binary value (ties to even). Only the layout (exponent style, trailing zeros, the
//! `%g` switch between forms) is Go's and is done here.

use unicode_general_category_15::{get_general_category, GeneralCategory};

/// The decimal digits of a finite, non-negative float: the value is `0.DIGITS × 10^point`.
/// `digits` has no leading or trailing zeros; zero has no digits and `point == 0`.
struct Decimal {
    digits: Vec<u8>,
    point: i32,
}

impl Decimal {
    /// Parses Rust's `{:e}` output (`1.2345e6`, `0e0`, `1.000e-3`) of a non-negative value.
    fn from_exp_text(text: &str) -> Decimal {
        let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let mut digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).collect();
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
        if digits.is_empty() {
            return Decimal { digits, point: 0 };
        }
        // Rust's mantissa always has one digit before the point, and it is non-zero for a
        // non-zero value.
        Decimal { digits, point: exponent + 1 }
    }

    /// The shortest digits that read back as `v`.
    fn shortest(v: f64) -> Decimal {
        let v = v.abs();
        let shortest = Decimal::from_exp_text(&format!("{v:e}"));
        // Integers below 2^53 print all their digits exactly: no choice to make.
        if v.fract() == 0.0 && v < 9_007_199_254_740_992.0 {
            return shortest;
        }
        // Two n-digit candidates can both read back as a normal float only when their
        // spacing is within one ulp, which needs n > 52·log10(2), i.e. n >= 16.
        if shortest.digits.len() < 16 && v >= f64::MIN_POSITIVE {
            return shortest;
        }
        // When two shortest candidates are equally close to the exact binary value, Rust
        // takes the upper one and Go the even one (it rounds the exact value half-to-even
        // to that many digits). The correctly rounded candidate is the one to print
        // whenever it reads back as `v`.
        let rounded = Decimal::rounded(v, shortest.digits.len().max(1));
        if rounded.digits != shortest.digits && rounded.reads_back_as(v) {
            return rounded;
        }
        shortest
    }

    /// Whether the decimal, parsed as Go or Rust parse floats, gives `v`.
    fn reads_back_as(&self, v: f64) -> bool {
        let digits = std::str::from_utf8(&self.digits).unwrap_or("0");
        format!("0.{digits}e{}", self.point).parse::<f64>().is_ok_and(|x| x == v)
    }

    /// `v` rounded to `significant` (at least 1) significant digits, ties to even.
    fn rounded(v: f64, significant: usize) -> Decimal {
        Decimal::from_exp_text(&format!("{:.*e}", significant.saturating_sub(1), v.abs()))
    }

    fn len(&self) -> i32 {
        i32::try_from(self.digits.len()).unwrap_or(i32::MAX)
    }

    /// The digit at `index` (0-based), or `0` past the end.
    fn digit(&self, index: i32) -> u8 {
        usize::try_from(index).ok().and_then(|i| self.digits.get(i)).copied().unwrap_or(b'0')
    }
}

/// Go's `strconv.FormatFloat(v, format, prec, 64)`: `format` is one of `b e E f g G x X`
/// (anything else gives `%` followed by the format character, as Go does); a negative
/// `prec` asks for the shortest representation that reads back as `v`.
pub fn format_float(v: f64, format: char, prec: i32) -> String {
    let mut out = String::new();
    append_float(&mut out, v, format, prec);
    out
}

/// [`format_float`], appending to `out`.
pub fn append_float(out: &mut String, v: f64, format: char, prec: i32) {
    if v.is_nan() {
        out.push_str("NaN");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    let negative = v.is_sign_negative();
    match format {
        'b' => return append_binary_exponent(out, v),
        'x' | 'X' => return append_hex(out, v, format, prec),
        'e' | 'E' | 'f' | 'g' | 'G' => {}
        other => {
            out.push('%');
            out.push(other);
            return;
        }
    }
    if negative {
        out.push('-');
    }
    if format == 'f' && prec >= 0 {
        // Exactly rounded fixed notation is what Rust prints too.
        out.push_str(&format!("{:.*}", prec as usize, v.abs()));
        return;
    }
    let shortest = prec < 0;
    let mut prec = prec;
    let decimal = if shortest {
        let d = Decimal::shortest(v);
        prec = match format {
            'e' | 'E' => d.len() - 1,
            'f' => (d.len() - d.point).max(0),
            _ => d.len(),
        };
        d
    } else if format == 'e' || format == 'E' {
        Decimal::rounded(v, prec as usize + 1)
    } else {
        if prec == 0 {
            prec = 1;
        }
        Decimal::rounded(v, prec as usize)
    };
    match format {
        'e' | 'E' => append_exponent_form(out, &decimal, prec, format),
        'f' => append_fixed_form(out, &decimal, prec),
        _ => {
            // %e is used if the exponent is below -4 or at least the precision; the
            // shortest form decides with precision 6 (so 1e+06 but 100000).
            let mut exponent_limit = prec;
            if exponent_limit > decimal.len() && decimal.len() >= decimal.point {
                exponent_limit = decimal.len();
            }
            if shortest {
                exponent_limit = 6;
            }
            let exponent = decimal.point - 1;
            if exponent < -4 || exponent >= exponent_limit {
                let digits = prec.min(decimal.len());
                let e = if format == 'g' { 'e' } else { 'E' };
                append_exponent_form(out, &decimal, digits - 1, e);
            } else {
                let digits = if prec > decimal.point { decimal.len() } else { prec };
                append_fixed_form(out, &decimal, (digits - decimal.point).max(0));
            }
        }
    }
}

/// `d.ddddde±dd` with `prec` digits after the point.
fn append_exponent_form(out: &mut String, d: &Decimal, prec: i32, e: char) {
    out.push(char::from(if d.digits.is_empty() { b'0' } else { d.digits[0] }));
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(char::from(d.digit(i)));
        }
    }
    out.push(e);
    let exponent = if d.digits.is_empty() { 0 } else { d.point - 1 };
    out.push(if exponent < 0 { '-' } else { '+' });
    let magnitude = exponent.unsigned_abs();
    if magnitude < 10 {
        out.push('0');
    }
    out.push_str(&magnitude.to_string());
}

/// `ddd.ddd` with `prec` digits after the point.
fn append_fixed_form(out: &mut String, d: &Decimal, prec: i32) {
    if d.point > 0 {
        for i in 0..d.point {
            out.push(char::from(d.digit(i)));
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            out.push(char::from(d.digit(d.point + i - 1)));
        }
    }
}

/// The IEEE 754 fields of a finite float64 as Go's strconv sees them: the value is
/// `mantissa × 2^(exponent - 52)`, with the implicit leading bit made explicit.
fn binary_parts(v: f64) -> (u64, i32) {
    const MANTISSA_BITS: u32 = 52;
    let bits = v.to_bits();
    let biased = ((bits >> MANTISSA_BITS) & 0x7ff) as i32;
    let mut mantissa = bits & ((1u64 << MANTISSA_BITS) - 1);
    let exponent = if biased == 0 {
        // Subnormal: no implicit bit, and the exponent of the smallest normal.
        1
    } else {
        mantissa |= 1u64 << MANTISSA_BITS;
        biased
    };
    (mantissa, exponent - 1023)
}

/// Go's `%b` of a float: `-123456p-78`, a decimal mantissa and a power-of-two exponent.
fn append_binary_exponent(out: &mut String, v: f64) {
    let (mantissa, exponent) = binary_parts(v);
    if v.is_sign_negative() {
        out.push('-');
    }
    out.push_str(&mantissa.to_string());
    out.push('p');
    let exponent = exponent - 52;
    if exponent >= 0 {
        out.push('+');
    }
    out.push_str(&exponent.to_string());
}

/// Go's `%x` of a float: `-0x1.8p+01`; `prec` hex digits after the point, or as many as
/// needed when negative.
fn append_hex(out: &mut String, v: f64, format: char, prec: i32) {
    let (mut mantissa, mut exponent) = binary_parts(v);
    if mantissa == 0 {
        exponent = 0;
    }
    // Put the leading 1 at bit 60, so that each hex digit of the fraction is 4 bits below.
    mantissa <<= 60 - 52;
    while mantissa != 0 && mantissa & (1 << 60) == 0 {
        mantissa <<= 1;
        exponent -= 1;
    }
    if (0..15).contains(&prec) {
        let shift = (prec * 4) as u32;
        let dropped = (mantissa << shift) & ((1u64 << 60) - 1);
        mantissa >>= 60 - shift;
        // Round half to even.
        if dropped | (mantissa & 1) > 1 << 59 {
            mantissa += 1;
        }
        mantissa <<= 60 - shift;
        if mantissa & (1 << 61) != 0 {
            // Rounding carried into a new leading digit.
            mantissa >>= 1;
            exponent += 1;
        }
    }
    let hex: &[u8; 16] = if format == 'X' { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    if v.is_sign_negative() {
        out.push('-');
    }
    out.push('0');
    out.push(format);
    out.push(char::from(b'0' + ((mantissa >> 60) & 1) as u8));
    mantissa <<= 4;
    if prec < 0 && mantissa != 0 {
        out.push('.');
        while mantissa != 0 {
            out.push(char::from(hex[((mantissa >> 60) & 15) as usize]));
            mantissa <<= 4;
        }
    } else if prec > 0 {
        out.push('.');
        for _ in 0..prec {
            out.push(char::from(hex[((mantissa >> 60) & 15) as usize]));
            mantissa <<= 4;
        }
    }
    out.push(if format == 'X' { 'P' } else { 'p' });
    out.push(if exponent < 0 { '-' } else { '+' });
    let magnitude = exponent.unsigned_abs();
    if magnitude < 10 {
        out.push('0');
    }
    out.push_str(&magnitude.to_string());
}

/// Go's `strconv.IsPrint` (= `unicode.IsPrint`): letters, marks, numbers, punctuation,
/// symbols and the ASCII space, by the Unicode 15.0 tables of Go 1.25.
pub fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !matches!(
        get_general_category(c),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::PrivateUse
            | GeneralCategory::SpaceSeparator
            | GeneralCategory::Surrogate
            | GeneralCategory::Unassigned
    )
}

/// Go's `strconv.CanBackquote`: whether `s` can be a raw string literal unchanged (no
/// control characters other than tab, no backquote, no byte order mark).
pub fn can_backquote(s: &str) -> bool {
    s.chars().all(|c| {
        if c.len_utf8() > 1 {
            c != '\u{feff}'
        } else {
            !((c < ' ' && c != '\t') || c == '`' || c == '\u{7f}')
        }
    })
}

/// Go's `strconv.Quote`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    append_quoted(&mut out, s, false);
    out
}

/// Go's `strconv.QuoteToASCII`.
pub fn quote_to_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    append_quoted(&mut out, s, true);
    out
}

/// Go's `strconv.AppendQuote` (or `AppendQuoteToASCII` when `ascii_only`).
pub fn append_quoted(out: &mut String, s: &str, ascii_only: bool) {
    out.push('"');
    for c in s.chars() {
        append_escaped(out, c, '"', ascii_only);
    }
    out.push('"');
}

/// Go's `strconv.QuoteRune` (or `QuoteRuneToASCII`) of a code point; values that are not
/// Unicode scalar values become U+FFFD, as in Go.
pub fn append_quoted_rune(out: &mut String, code: u64, ascii_only: bool) {
    let c = u32::try_from(code).ok().and_then(char::from_u32).unwrap_or('\u{fffd}');
    out.push('\'');
    append_escaped(out, c, '\'', ascii_only);
    out.push('\'');
}

fn append_escaped(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    let literal = if ascii_only { c.is_ascii() && is_print(c) } else { is_print(c) };
    if literal {
        out.push(c);
        return;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let code = u32::from(c);
    let (prefix, digits) = match c {
        '\u{7}' => return out.push_str("\\a"),
        '\u{8}' => return out.push_str("\\b"),
        '\u{c}' => return out.push_str("\\f"),
        '\n' => return out.push_str("\\n"),
        '\r' => return out.push_str("\\r"),
        '\t' => return out.push_str("\\t"),
        '\u{b}' => return out.push_str("\\v"),
        _ if c < ' ' || c == '\u{7f}' => ("\\x", 2),
        _ if code < 0x10000 => ("\\u", 4),
        _ => ("\\U", 8),
    };
    out.push_str(prefix);
    for shift in (0..digits).rev() {
        out.push(char::from(HEX[((code >> (shift * 4)) & 15) as usize]));
    }
}
