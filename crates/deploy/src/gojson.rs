//! JSON text as Go's `encoding/json.Marshal` writes it, so the records Chartroom stores are
//! byte-for-byte what Helm would have stored for the same release.
//!
//! serde_json already matches Go on structure (struct fields in declaration order, map keys
//! sorted by byte order); Go differs in two details this formatter supplies:
//! - HTML-sensitive characters `<`, `>`, `&` and the line/paragraph separators U+2028/U+2029
//!   are written as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`;
//! - float64 numbers use `strconv.FormatFloat(f, 'f' or 'e', -1, 64)`: plain decimals for
//!   1e-6 <= |f| < 1e21, else exponent form with a sign and at least one digit (`1e+21`, `1e-7`).

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

/// Serializes `value` as Go's `json.Marshal` would.
pub fn to_go_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// A compact formatter with Go's string escaping and float spelling.
#[derive(Clone, Copy, Debug, Default)]
pub struct GoFormatter;

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut plain_start = 0;
        for (index, character) in fragment.char_indices() {
            let escape = match character {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[plain_start..index])?;
            writer.write_all(escape.as_bytes())?;
            plain_start = index + character.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[plain_start..])
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(format_go_float(value).as_bytes())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(writer, f64::from(value))
    }

    fn write_null<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        CompactFormatter.write_null(writer)
    }
}

/// Go's float64 spelling in JSON (see the module comment). Non-finite numbers never reach here
/// from serde_json values; they print as `null` would be wrong, so they are spelled as Rust does.
pub fn format_go_float(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-6..1e21).contains(&magnitude) {
        // Rust's Display is the shortest round-tripping decimal, never in exponent form.
        return format!("{value}");
    }
    // Rust's LowerExp is also shortest round-trip: "1e21", "1.5e-7". Go writes the exponent
    // with a sign and at least two digits, then drops a leading zero of a negative two-digit
    // exponent ("e-07" -> "e-7"); the net effect is a sign and no padding.
    let exponent_form = format!("{value:e}");
    match exponent_form.split_once('e') {
        Some((mantissa, exponent)) if !exponent.starts_with('-') => format!("{mantissa}e+{exponent}"),
        _ => exponent_form,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_like_go() {
        let text = String::from_utf8(to_go_json(&json!({"m": "a<b>&c\u{2028}\n\"é"})).unwrap()).unwrap();
        assert_eq!(text, r#"{"m":"a\u003cb\u003e\u0026c\u2028\n\"é"}"#);
    }

    #[test]
    fn spells_floats_like_go() {
        for (value, expected) in [
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (0.000001, "0.000001"),
            (1e-7, "1e-7"),
            (1.5e-10, "1.5e-10"),
            (-2.5e300, "-2.5e+300"),
            (0.1, "0.1"),
            (3.0, "3"),
            (0.0, "0"),
        ] {
            assert_eq!(format_go_float(value), expected, "{value}");
        }
    }

    #[test]
    fn sorts_map_keys_like_go() {
        // Go sorts map keys; serde_json's map must too (this fails if some crate in the
        // workspace turns on serde_json's `preserve_order`).
        let mut map = serde_json::Map::new();
        map.insert("b".into(), json!(1));
        map.insert("a".into(), json!(2));
        assert_eq!(to_go_json(&map).unwrap(), br#"{"a":2,"b":1}"#);
    }
}
