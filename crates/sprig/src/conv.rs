//! Sprig's internal conversions, shared by every function family.
//!
//! Sprig leans on a few helpers whose exact Go behaviour shows through in template output:
//!
//! * `strval` (exposed as `toString`): a string as is, anything else through `fmt`'s `%v`
//!   (which already prefers a type's `String()`/`Error()` method).
//! * `strslice` (exposed as `toStrings`, used by `join` and `sortAlpha`).
//! * `cast.ToInt`, `cast.ToInt64`, `cast.ToFloat64` from spf13/cast v1.7.0 (the version Helm
//!   v4.1.4 links): numbers convert, strings are parsed (`strconv.ParseInt(s, 0, 0)` after
//!   dropping a trailing `.000`, or `strconv.ParseFloat`), booleans are 1/0, nil is 0, and
//!   anything unconvertible silently becomes 0 because Sprig ignores cast's errors.
//! * `empty`: Sprig's notion of an unset value, used by `default`, `empty`, `coalesce`,
//!   `compact`, `all` and `any`.

use gotmpl::gofmt;
use gotmpl::{Kind, Value};

/// Sprig's `strval`: what `toString`, `dict` keys, `quote` and `join` make of a value.
pub fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => gofmt::format_v(other),
    }
}

/// Sprig's `strslice` (`toStrings`): a `[]string` as is; the items of any other slice
/// through [`strval`], dropping nils; nil as no strings; any other value as one string.
pub fn to_strings(v: &Value) -> Vec<String> {
    match v {
        Value::List(list) => list.items.iter().filter(|item| !item.is_nil()).map(strval).collect(),
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// `cast.ToInt64`: 0 when the value does not convert.
pub fn to_int64(v: &Value) -> i64 {
    try_to_int64(v).unwrap_or(0)
}

/// `cast.ToInt`. Go's `int` is 64 bits wide on every platform Helm ships for, so this is the
/// same conversion as [`to_int64`].
pub fn to_int(v: &Value) -> i64 {
    to_int64(v)
}

/// `cast.ToInt64E`: the conversion, or cast's error message when it fails.
pub fn try_to_int64(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) | Value::Int64(i) => Ok(*i),
        Value::Float(f) => Ok(go_float_to_int(*f)),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Nil => Ok(0),
        Value::String(s) => gotmpl::parse::parse_int(trim_zero_decimal(s))
            .ok_or_else(|| format!("unable to cast {:?} of type string to int64", s.as_ref())),
        other => Err(format!(
            "unable to cast {} of type {} to int64",
            gofmt::format_v(other),
            other.type_name()
        )),
    }
}

/// `cast.ToFloat64`: 0 when the value does not convert.
pub fn to_float64(v: &Value) -> f64 {
    try_to_float64(v).unwrap_or(0.0)
}

/// `cast.ToFloat64E`: the conversion, or cast's error message when it fails.
pub fn try_to_float64(v: &Value) -> Result<f64, String> {
    match v {
        Value::Float(f) => Ok(*f),
        Value::Int(i) | Value::Int64(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::Nil => Ok(0.0),
        Value::String(s) => parse_go_float(s)
            .ok_or_else(|| format!("unable to cast {:?} of type string to float64", s.as_ref())),
        other => Err(format!(
            "unable to cast {} of type {} to float64",
            gofmt::format_v(other),
            other.type_name()
        )),
    }
}

/// Go's `int64(f)` conversion as compiled for amd64 (Helm's release platform): truncation
/// toward zero, and the "integer indefinite" value `math.MinInt64` for NaN and for values
/// outside the int64 range (Rust's `as` would saturate instead).
pub fn go_float_to_int(f: f64) -> i64 {
    // 2^63 is exactly representable; anything at or beyond it (or NaN) does not fit.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f.trunc() as i64
    }
}

/// cast's `trimZeroDecimal`: `"12.00"` becomes `"12"` so that it parses as an integer,
/// while `"12.01"` (and `"12."`) stay as they are and then fail to parse.
pub fn trim_zero_decimal(s: &str) -> &str {
    let bytes = s.as_bytes();
    let mut found_zero = false;
    for i in (0..bytes.len()).rev() {
        match bytes[i] {
            b'.' if found_zero => return &s[..i],
            b'.' => {}
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms charts use: decimal numbers with an
/// optional exponent, and `inf`/`infinity`/`nan` in any case with an optional sign.
/// A finite literal too large for float64 is a range error in Go, hence `None`.
/// (Hexadecimal float literals are not supported.)
pub fn parse_go_float(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let is_special = matches!(
        unsigned.to_ascii_lowercase().as_str(),
        "inf" | "infinity" | "nan"
    );
    if is_special {
        return s.parse::<f64>().ok();
    }
    // Rust accepts the same decimal syntax as Go, except that Go also allows underscores
    // only with a base prefix (so never in a plain decimal): reject anything else early.
    if !unsigned.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    let f = s.parse::<f64>().ok()?;
    if f.is_infinite() {
        return None;
    }
    Some(f)
}

/// Sprig's `empty`: whether a value is unset. nil, false, 0, and empty strings, slices and
/// maps are empty; structs never are; pointers and other references are empty when nil.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Bool(b) => !b,
        Value::Int(i) | Value::Int64(i) => *i == 0,
        Value::Float(f) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.items.is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(o) => match o.kind() {
            Kind::Struct => false,
            _ => !o.truth(),
        },
    }
}

/// Slices `s` by byte offsets as Go's `s[low:high]` does, or `Err` with the message Go's
/// runtime panics with (which `text/template` reports as `error calling NAME: ...`).
/// Go checks the high bound against the length first, then the low bound against the high.
/// Cutting inside a UTF-8 sequence yields invalid UTF-8 in Go; here the broken sequence
/// becomes U+FFFD, since our strings must be valid UTF-8.
pub fn go_slice_str(s: &str, low: Option<i64>, high: Option<i64>) -> Result<String, String> {
    const PREFIX: &str = "runtime error: slice bounds out of range";
    let len = s.len();
    let hi = match high {
        Some(h) if h < 0 => return Err(format!("{PREFIX} [:{h}]")),
        Some(h) if h as u64 > len as u64 => return Err(format!("{PREFIX} [:{h}] with length {len}")),
        Some(h) => h as usize,
        None => len,
    };
    let lo = match low {
        Some(l) if l < 0 => return Err(format!("{PREFIX} [{l}:]")),
        Some(l) if l as u64 > hi as u64 => return Err(format!("{PREFIX} [{l}:{hi}]")),
        Some(l) => l as usize,
        None => 0,
    };
    Ok(String::from_utf8_lossy(&s.as_bytes()[lo..hi]).into_owned())
}

/// Argument `i` as a string. The executor has already checked arguments against the
/// function's signature, so a missing or mistyped argument cannot happen; the empty string
/// keeps this total anyway.
pub fn arg_str(args: &[Value], i: usize) -> &str {
    args.get(i).and_then(Value::as_str).unwrap_or("")
}

/// Argument `i` as a Go `int` (see [`arg_str`] for why this never fails).
pub fn arg_int(args: &[Value], i: usize) -> i64 {
    args.get(i).and_then(Value::as_i64).unwrap_or(0)
}

/// Argument `i` as passed (nil if absent).
pub fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}
