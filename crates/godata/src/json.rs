//! Go's `encoding/json` over [`Value`]: `json.Marshal` (Helm's `toJson`, Sprig's
//! `toPrettyJson` and `toRawJson`) and `json.Unmarshal` into `interface{}` (`fromJson`).

use std::fmt;
use gotmpl::{Map, MapRef, Object, Value};

use crate::gofloat;

/// An error from encoding or decoding, with Go's message (e.g. `json: unsupported value:
/// NaN`, `invalid character 'x' looking for beginning of value`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub message: String,
    /// Byte offset into the input where decoding failed (Go's `SyntaxError.Offset`).
    pub offset: Option<usize>,
}

impl JsonError {
    fn new(message: impl Into<String>) -> JsonError {
        JsonError { message: message.into(), offset: None }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonError {}

/// How a Go value that is not plain data (a struct, `time.Time`, ...) marshals. Return
/// `None` to fall back to the default: the object's `%v` text as a JSON string.
pub type ObjectEncoder<'a> = &'a dyn Fn(&dyn Object) -> Option<Result<Value, JsonError>>;

/// Options for [`encode`].
#[derive(Clone, Copy, Default)]
pub struct EncodeOptions<'a> {
    /// Escape `<`, `>` and `&` as `\u003c`... (Go's default; off for `toRawJson`).
    pub no_html_escape: bool,
    /// Indentation: `(prefix, indent)` as in `json.MarshalIndent`.
    pub indent: Option<(&'a str, &'a str)>,
    /// Custom encoding of [`Value::Object`]s.
    pub object: Option<ObjectEncoder<'a>>,
}

/// Nesting limit for encoding, so a self-referencing map (possible through Sprig's `set`)
/// fails cleanly instead of overflowing the stack. Go starts detecting cycles after 1000
/// levels and reports them with this message; 500 keeps within a browser's stack even in
/// debug builds, far beyond what charts nest.
pub(crate) const MAX_ENCODE_DEPTH: usize = 500;

/// `json.Marshal(v)`.
pub fn to_json(v: &Value) -> Result<String, JsonError> {
    encode(v, &EncodeOptions::default())
}

/// `json.MarshalIndent(v, prefix, indent)` (Sprig's `toPrettyJson` uses `""`, `"  "`).
pub fn to_json_indent(v: &Value, prefix: &str, indent: &str) -> Result<String, JsonError> {
    encode(v, &EncodeOptions { indent: Some((prefix, indent)), ..Default::default() })
}

/// Sprig's `toRawJson`: an encoder with `SetEscapeHTML(false)`, without the trailing
/// newline `Encoder.Encode` writes (Sprig trims it).
pub fn to_json_raw(v: &Value) -> Result<String, JsonError> {
    encode(v, &EncodeOptions { no_html_escape: true, ..Default::default() })
}

/// Encodes with explicit options.
pub fn encode(v: &Value, options: &EncodeOptions<'_>) -> Result<String, JsonError> {
    let mut out = String::new();
    let mut enc = Encoder { out: &mut out, options };
    enc.value(v, 0)?;
    Ok(out)
}

struct Encoder<'o, 'a> {
    out: &'o mut String,
    options: &'o EncodeOptions<'a>,
}

impl Encoder<'_, '_> {
    fn newline(&mut self, depth: usize) {
        if let Some((prefix, indent)) = self.options.indent {
            self.out.push('\n');
            self.out.push_str(prefix);
            for _ in 0..depth {
                self.out.push_str(indent);
            }
        }
    }

    fn value(&mut self, v: &Value, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_ENCODE_DEPTH {
            return Err(JsonError::new(format!(
                "json: unsupported value: encountered a cycle via {}",
                v.type_name()
            )));
        }
        match v {
            Value::Nil => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) | Value::Int64(i) => self.out.push_str(&i.to_string()),
            Value::Float(x) => match gofloat::format_json(*x) {
                Some(s) => self.out.push_str(&s),
                None => {
                    return Err(JsonError::new(format!(
                        "json: unsupported value: {}",
                        gofloat::format_g(*x)
                    )))
                }
            },
            Value::String(s) => write_string(self.out, s, !self.options.no_html_escape),
            Value::List(list) => {
                if list.nil {
                    self.out.push_str("null");
                    return Ok(());
                }
                if list.items.is_empty() {
                    self.out.push_str("[]");
                    return Ok(());
                }
                self.out.push('[');
                for (i, item) in list.items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline(depth + 1);
                    self.value(item, depth + 1)?;
                }
                self.newline(depth);
                self.out.push(']');
            }
            Value::Map(map) => {
                let entries = map.entries();
                if entries.is_empty() {
                    self.out.push_str("{}");
                    return Ok(());
                }
                self.out.push('{');
                for (i, (key, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline(depth + 1);
                    write_string(self.out, key, !self.options.no_html_escape);
                    self.out.push(':');
                    if self.options.indent.is_some() {
                        self.out.push(' ');
                    }
                    self.value(item, depth + 1)?;
                }
                self.newline(depth);
                self.out.push('}');
            }
            Value::Object(obj) => {
                let custom = self.options.object.and_then(|hook| hook(obj.as_ref()));
                let custom = custom.or_else(|| obj.json_value().map(Ok));
                match custom {
                    Some(Ok(data)) => self.value(&data, depth + 1)?,
                    Some(Err(e)) => return Err(e),
                    None => write_string(self.out, &obj.format_v(), !self.options.no_html_escape),
                }
            }
        }
        Ok(())
    }
}

/// Go's JSON string encoding: `\"`, `\\`, `\b\f\n\r\t`, other controls as `\u00XX`,
/// U+2028/U+2029 escaped (JavaScript line terminators) and, unless disabled, `<`, `>`, `&`.
pub fn write_string(out: &mut String, s: &str, escape_html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' if escape_html => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xF] as char);
            }
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xF] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------------------
// Decoding

/// Nesting limit for decoding; Go's decoder allows 10000 levels.
const MAX_DECODE_DEPTH: usize = 10000;

/// `json.Unmarshal(text, &v)` with `v interface{}`: objects become
/// `map[string]interface{}`, arrays `[]interface{}`, numbers `float64`.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let mut p = Decoder { s: text.as_bytes(), pos: 0, deferred: None };
    p.skip_ws();
    let v = p.value()?;
    p.skip_ws();
    if p.pos < p.s.len() {
        return Err(p.invalid("after top-level value"));
    }
    // Go validates the whole text before storing anything (`checkValid`), so a syntax error
    // anywhere wins; a number that does not fit a float64 is reported only after that.
    // Decoding into `interface{}` has no other type errors, so one pass gives the same
    // answer.
    match p.deferred {
        Some(e) => Err(e),
        None => Ok(v),
    }
}

/// `json.Unmarshal(text, &m)` with `m map[string]interface{}` (Helm's `fromJson`): an
/// object, or `null` (which leaves a nil map, returned as [`Value::Nil`]); any other
/// top-level value is Go's type error.
pub fn parse_object(text: &str) -> Result<Value, JsonError> {
    let v = parse(text)?;
    match &v {
        Value::Map(_) | Value::Nil => Ok(v),
        other => Err(JsonError::new(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(other)
        ))),
    }
}

/// The JSON kind name Go's `UnmarshalTypeError` uses for a decoded value.
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) | Value::Int64(_) | Value::Float(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "array",
        _ => "object",
    }
}

struct Decoder<'s> {
    s: &'s [u8],
    pos: usize,
    /// The first value that could not be stored (a number out of float64 range).
    deferred: Option<JsonError>,
}

/// Go's `quoteChar`: how a byte is shown in a syntax error.
fn quote_char(s: &[u8], pos: usize) -> String {
    // Positions are always at a character boundary of valid UTF-8 (the input is a &str);
    // anything else shows as U+FFFD, as Go shows an invalid byte.
    let c = s
        .get(pos..)
        .and_then(|rest| std::str::from_utf8(rest).ok())
        .and_then(|rest| rest.chars().next())
        .unwrap_or('\u{fffd}');
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let q = go_quote_rune(c);
            format!("'{q}'")
        }
    }
}

/// The inside of Go's `strconv.Quote(string(c))`.
fn go_quote_rune(c: char) -> String {
    match c {
        '\u{7}' => "\\a".into(),
        '\u{8}' => "\\b".into(),
        '\u{c}' => "\\f".into(),
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        '\u{b}' => "\\v".into(),
        '\\' => "\\\\".into(),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("\\x{:02x}", c as u32),
        c if !crate::unicode::is_go_printable(c) => {
            if (c as u32) < 0x10000 {
                format!("\\u{:04x}", c as u32)
            } else {
                format!("\\U{:08x}", c as u32)
            }
        }
        c => c.to_string(),
    }
}

impl<'s> Decoder<'s> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn syntax(&self, msg: String) -> JsonError {
        JsonError { message: msg, offset: Some(self.pos) }
    }

    fn invalid(&self, context: &str) -> JsonError {
        if self.pos >= self.s.len() {
            // At the end of input Go's scanner feeds one space to the current state: inside
            // a literal or number that is the error; elsewhere the input just ended.
            if context.contains("literal") {
                return self.syntax(format!("invalid character ' ' {context}"));
            }
            return self.syntax("unexpected end of JSON input".into());
        }
        self.syntax(format!("invalid character {} {}", quote_char(self.s, self.pos), context))
    }

    /// One JSON value. Nesting is tracked on a heap stack of open arrays and objects rather
    /// than by recursion, so a document at Go's depth limit (10000) decodes on any thread
    /// stack, the browser's included.
    fn value(&mut self) -> Result<Value, JsonError> {
        /// An array or object whose closing bracket has not been read yet.
        enum Open {
            Array(Vec<Value>),
            /// The entries so far and the key of the value being read.
            Object(Map, String),
        }
        let mut open: Vec<Open> = Vec::new();
        loop {
            // Read a value, or open a container and go on to its first element.
            let mut done = match self.peek() {
                None => return Err(self.syntax("unexpected end of JSON input".into())),
                Some(b'{') => {
                    self.check_depth(open.len())?;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::Map(MapRef::new(Map::default()))
                    } else {
                        let key = self.object_key()?;
                        open.push(Open::Object(Map::default(), key));
                        continue;
                    }
                }
                Some(b'[') => {
                    self.check_depth(open.len())?;
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        Value::list(Vec::new())
                    } else {
                        open.push(Open::Array(Vec::new()));
                        continue;
                    }
                }
                Some(b'"') => Value::String(self.string()?.into()),
                Some(b't') => self.literal("true", Value::Bool(true))?,
                Some(b'f') => self.literal("false", Value::Bool(false))?,
                Some(b'n') => self.literal("null", Value::Nil)?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(_) => return Err(self.invalid("looking for beginning of value")),
            };
            // Store it in the innermost open container; close containers whose end follows.
            loop {
                self.skip_ws();
                match open.last_mut() {
                    None => return Ok(done),
                    Some(Open::Array(items)) => {
                        items.push(done);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                break;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                let Some(Open::Array(items)) = open.pop() else { unreachable!() };
                                done = Value::list(items);
                            }
                            _ => return Err(self.invalid("after array element")),
                        }
                    }
                    Some(Open::Object(map, key)) => {
                        map.entries.insert(std::mem::take(key).into(), done);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                *key = self.object_key()?;
                                break;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let Some(Open::Object(map, _)) = open.pop() else { unreachable!() };
                                done = Value::Map(MapRef::new(map));
                            }
                            _ => return Err(self.invalid("after object key:value pair")),
                        }
                    }
                }
            }
        }
    }

    /// Go's scanner refuses to open an array or object inside `open` others once that
    /// would pass its nesting limit, naming the bracket.
    fn check_depth(&self, open: usize) -> Result<(), JsonError> {
        if open + 1 > MAX_DECODE_DEPTH {
            return Err(self.invalid("exceeded max depth"));
        }
        Ok(())
    }

    /// An object key and its colon, leaving the position at the value.
    fn object_key(&mut self) -> Result<String, JsonError> {
        if self.peek() != Some(b'"') {
            return Err(self.invalid("looking for beginning of object key string"));
        }
        let key = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.invalid("after object key"));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(key)
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, JsonError> {
        let bytes = word.as_bytes();
        for (i, &expected) in bytes.iter().enumerate() {
            match self.peek() {
                Some(c) if c == expected => self.pos += 1,
                Some(_) if i == 0 => return Err(self.invalid("looking for beginning of value")),
                _ => {
                    return Err(self.invalid(&format!(
                        "in literal {word} (expecting {})",
                        quote_char(bytes, i)
                    )))
                }
            }
        }
        Ok(v)
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.invalid("in \\u hexadecimal character escape")),
            };
            v = v * 16 + u32::from(d);
            self.pos += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&String::from_utf8_lossy(&self.s[start..self.pos]));
            match self.peek() {
                None => return Err(self.syntax("unexpected end of JSON input".into())),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = match self.peek() {
                        None => return Err(self.syntax("unexpected end of JSON input".into())),
                        Some(c) => c,
                    };
                    match c {
                        b'"' | b'\\' | b'/' => out.push(c as char),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            self.pos += 1;
                            let first = self.hex4()?;
                            out.push(self.finish_unicode_escape(first));
                            continue;
                        }
                        _ => return Err(self.invalid("in string escape code")),
                    }
                    self.pos += 1;
                }
                Some(_) => return Err(self.invalid("in string literal")),
            }
        }
    }

    /// Combines a UTF-16 surrogate pair written as two `\u` escapes; a lone surrogate
    /// becomes U+FFFD, as in Go.
    fn finish_unicode_escape(&mut self, first: u32) -> char {
        if (0xD800..0xDC00).contains(&first) {
            let save = self.pos;
            if self.s.get(self.pos) == Some(&b'\\') && self.s.get(self.pos + 1) == Some(&b'u') {
                self.pos += 2;
                if let Ok(second) = self.hex4() {
                    if (0xDC00..0xE000).contains(&second) {
                        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        return char::from_u32(c).unwrap_or('\u{fffd}');
                    }
                }
            }
            self.pos = save;
            return '\u{fffd}';
        }
        char::from_u32(first).unwrap_or('\u{fffd}')
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.invalid("in numeric literal"));
            }
        }
        if self.peek() == Some(b'0') {
            self.pos += 1;
        } else {
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.invalid("after decimal point in numeric literal"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.invalid("in exponent of numeric literal"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Value::Float(x)),
            _ => {
                if self.deferred.is_none() {
                    self.deferred = Some(JsonError::new(format!(
                        "json: cannot unmarshal number {text} into Go value of type float64"
                    )));
                }
                Ok(Value::Nil)
            }
        }
    }
}
