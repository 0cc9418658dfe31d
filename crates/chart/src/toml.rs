//! `toToml` and `fromToml`: TOML as Helm writes and reads it (Helm uses BurntSushi/toml).
//!
//! The encoder reproduces BurntSushi's layout: in each table, plain keys first (sorted),
//! then sub-tables and arrays of tables (sorted); a blank line before each top-level table
//! and before each `[[array]]` entry; nested tables indented by two spaces per level; nil
//! values left out; floats in Go's shortest `%g` form with `.0` added to whole numbers.

use gotmpl::{Map, Value};

/// Encodes `v` as Helm's `toToml` does. On an encoding error, returns the error text (which
/// `toToml` prints in place of the document, as Helm does).
pub fn to_toml(v: &Value) -> Result<String, String> {
    let mut enc = Encoder { out: String::new() };
    match v {
        Value::Map(m) => {
            let map = m.read().clone();
            enc.table_body(&[], &map)?;
        }
        other => enc.element(other)?,
    }
    Ok(enc.out)
}

struct Encoder {
    out: String,
}

impl Encoder {
    /// BurntSushi's `newline()`: a newline, but only once something has been written.
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(&mut self, key: &[String]) {
        for _ in 1..key.len() {
            self.out.push_str("  ");
        }
    }

    fn table_body(&mut self, key: &[String], map: &Map) -> Result<(), String> {
        let (mut direct, mut sub): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        for (k, v) in &map.entries {
            if is_table(v) {
                sub.push(k);
            } else {
                direct.push(k);
            }
        }
        for names in [direct, sub] {
            for name in names {
                let v = &map.entries[name];
                if v.is_nil() {
                    continue;
                }
                let mut child = key.to_vec();
                child.push(name.to_string());
                self.encode(&child, v)?;
            }
        }
        Ok(())
    }

    fn encode(&mut self, key: &[String], v: &Value) -> Result<(), String> {
        match v {
            Value::Map(m) => {
                if key.len() == 1 {
                    self.newline();
                }
                self.indent(key);
                self.out.push('[');
                self.out.push_str(&dotted(key));
                self.out.push(']');
                self.newline();
                let map = m.read().clone();
                self.table_body(key, &map)
            }
            Value::List(l) if is_table_array(&l.items) => {
                for item in &l.items {
                    let Value::Map(m) = item else { continue };
                    self.newline();
                    self.indent(key);
                    self.out.push_str("[[");
                    self.out.push_str(&dotted(key));
                    self.out.push_str("]]");
                    self.newline();
                    let map = m.read().clone();
                    self.table_body(key, &map)?;
                }
                Ok(())
            }
            _ => {
                self.indent(key);
                self.out.push_str(&quote_key(key.last().map(String::as_str).unwrap_or("")));
                self.out.push_str(" = ");
                self.element(v)?;
                self.newline();
                Ok(())
            }
        }
    }

    fn element(&mut self, v: &Value) -> Result<(), String> {
        match v {
            // Only array items get here (nil map values are skipped), and BurntSushi's check
            // of an array's element types is what rejects them.
            Value::Nil => return Err("toml: cannot encode array with nil element".into()),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) | Value::Int64(i) => self.out.push_str(&i.to_string()),
            Value::Float(f) => self.out.push_str(&format_float(*f)),
            Value::String(s) => self.out.push_str(&quote(s)),
            Value::List(l) => {
                self.out.push('[');
                for (i, item) in l.items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.element(item)?;
                }
                self.out.push(']');
            }
            Value::Map(m) => {
                let map = m.read().clone();
                let (mut direct, mut sub): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
                for (k, v) in &map.entries {
                    if is_table(v) {
                        sub.push(k);
                    } else {
                        direct.push(k);
                    }
                }
                self.out.push('{');
                let trailing_comma = !sub.is_empty();
                for (group, names) in [direct, sub].into_iter().enumerate() {
                    let n = names.len();
                    for (i, name) in names.into_iter().enumerate() {
                        let v = &map.entries[name];
                        if v.is_nil() {
                            continue;
                        }
                        self.out.push_str(&quote_key(name));
                        self.out.push_str(" = ");
                        self.element(v)?;
                        if (group == 0 && trailing_comma) || i + 1 != n {
                            self.out.push_str(", ");
                        }
                    }
                }
                self.out.push('}');
            }
            Value::Object(o) => self.out.push_str(&quote(&o.format_v())),
        }
        Ok(())
    }
}

fn is_table(v: &Value) -> bool {
    match v {
        Value::Map(_) => true,
        Value::List(l) => is_table_array(&l.items),
        _ => false,
    }
}

/// BurntSushi treats a non-empty array whose items are all tables as an array of tables.
fn is_table_array(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().all(|i| matches!(i, Value::Map(_)))
}

fn dotted(key: &[String]) -> String {
    key.iter().map(|k| quote_key(k)).collect::<Vec<_>>().join(".")
}

fn quote_key(k: &str) -> String {
    let bare = !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        k.to_string()
    } else {
        quote(k)
    }
}

/// A TOML basic string, escaped as BurntSushi escapes it.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` with `.0` added when the result has neither a
/// point nor an exponent; `nan`, `inf`, `-inf` for the special values.
fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = gotmpl::gofmt::sprintf("%v", &[Value::Float(f)]);
    if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    }
}

/// `fromToml`: a TOML document as a map; a parse error goes under the key "Error".
pub fn from_toml(text: &str) -> Value {
    match text.parse::<::toml::Table>() {
        Ok(table) => convert_table(&table),
        Err(e) => Value::map([("Error", Value::str(e.message().to_string()))]),
    }
}

fn convert_table(t: &::toml::Table) -> Value {
    Value::map(t.iter().map(|(k, v)| (k.as_str(), convert(v))))
}

fn convert(v: &::toml::Value) -> Value {
    match v {
        ::toml::Value::String(s) => Value::str(s.as_str()),
        ::toml::Value::Integer(i) => Value::Int64(*i),
        ::toml::Value::Float(f) => Value::Float(*f),
        ::toml::Value::Boolean(b) => Value::Bool(*b),
        ::toml::Value::Datetime(d) => Value::str(d.to_string()),
        ::toml::Value::Array(a) => Value::list(a.iter().map(convert).collect()),
        ::toml::Value::Table(t) => convert_table(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_burntsushi() {
        let v = Value::map([
            ("b", Value::Bool(true)),
            ("i", Value::Float(3.0)),
            ("big", Value::Float(1e6)),
            ("s", Value::str("q\"")),
            ("n", Value::Nil),
            ("empty", Value::empty_map()),
            (
                "nested",
                Value::map([
                    ("x", Value::Float(1.0)),
                    ("arr", Value::list(vec![Value::map([("a", Value::Float(1.0))])])),
                    ("deeper", Value::map([("true", Value::str("z"))])),
                ]),
            ),
        ]);
        assert_eq!(
            to_toml(&v).unwrap(),
            "b = true\nbig = 1e+06\ni = 3.0\ns = \"q\\\"\"\n\n[empty]\n\n[nested]\n  x = 1.0\n\n  [[nested.arr]]\n    a = 1.0\n  [nested.deeper]\n    true = \"z\"\n"
        );
        assert_eq!(to_toml(&Value::list(vec![Value::Int(1), Value::Int(2)])).unwrap(), "[1, 2]");
        assert_eq!(
            to_toml(&Value::map([("a", Value::list(vec![Value::list(vec![Value::Int(1)]), Value::map([("x", Value::Int(1))])]))])).unwrap(),
            "a = [[1], {x = 1}]\n"
        );
    }
}
