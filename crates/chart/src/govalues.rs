//! Small Go-semantics helpers over [`Value`]s for values processing: what Go's
//! `map[string]interface{}` type assertions, `%v` and JSON type names give.

use gotmpl::{MapRef, Type, Value};

/// Helm's `istable`: is this a `map[string]interface{}`?
pub fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(m) if m.elem() == Type::Any)
}

/// The value as a table, if it is one.
pub fn as_table(v: &Value) -> Option<&MapRef> {
    match v {
        Value::Map(m) if m.elem() == Type::Any => Some(m),
        _ => None,
    }
}

/// A new map holding the same entries (Go's `maps.Copy` into a fresh map): nested maps
/// stay shared.
pub fn shallow_copy(m: &MapRef) -> MapRef {
    let src = m.read();
    MapRef::new(gotmpl::Map { elem: src.elem, entries: src.entries.clone() })
}

/// A deep copy of a table (Helm's `copystructure.Copy`).
pub fn deep_copy_table(m: &MapRef) -> MapRef {
    match Value::Map(m.clone()).deep_copy() {
        Value::Map(copy) => copy,
        _ => MapRef::default(),
    }
}

/// Go's `%v` of a value as Helm's warnings print it.
pub fn format_v(v: &Value) -> String {
    match v {
        Value::Nil => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        Value::Float(f) => format_float_g(*f, false),
        Value::String(s) => s.to_string(),
        Value::List(l) => {
            let items: Vec<String> = l.items.iter().map(format_v).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Map(m) => {
            let items: Vec<String> =
                m.entries().iter().map(|(k, v)| format!("{k}:{}", format_v(v))).collect();
            format!("map[{}]", items.join(" "))
        }
        Value::Object(o) => o.format_v(),
    }
}

/// Go's `%t` verb, which Helm misuses for non-bool values in one error message.
pub fn format_t(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Nil => "%!t(<nil>)".to_string(),
        other => format!("%!t({}={})", other.type_name(), format_v(other)),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` (or 32 bits when `single`), which is also
/// `%v` of a float: the shortest digits that round-trip, in exponent form when the decimal
/// exponent is < -4 or >= 6 (so 1000000.0 prints as `1e+06`).
pub fn format_float_g(f: f64, single: bool) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".to_string() } else { "-Inf".to_string() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".to_string() } else { "0".to_string() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.5e6", "-2e-7".
    let sci = if single { format!("{:e}", f as f32) } else { format!("{:e}", f) };
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    let eprec = 6;
    if exp < -4 || exp >= eprec {
        let mut m = String::new();
        m.push_str(&digits[..1]);
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{esign}{:02}", exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        format!("{sign}{digits}{}", "0".repeat(int_len - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
    }
}
