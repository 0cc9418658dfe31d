//! Go's `json.Decoder` with `UseNumber`, over bytes, with Go's error messages. Two things
//! read JSON this way: chart schemas (`values.schema.json`, decoded as the jsonschema library
//! does, then checked for trailing text) and `--set-json` (Helm decodes one value from the
//! rest of the line and goes on after it). Plain values go through `godata::json`, whose
//! numbers are float64s as `json.Unmarshal` makes them.

use std::collections::BTreeMap;

/// A decoded JSON value. Numbers keep their text (Go's `json.Number`), so a schema's
/// `minimum: 0.1` is compared exactly, not as the nearest float64.
#[derive(Clone, Debug)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(BTreeMap<String, Json>),
}

impl Json {
    pub(crate) fn as_object(&self) -> Option<&BTreeMap<String, Json>> {
        match self {
            Json::Object(m) => Some(m),
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        self.as_object().and_then(|m| m.get(key))
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// Follows a JSON pointer (already split and unescaped).
    pub(crate) fn lookup(&self, tokens: &[String]) -> Option<&Json> {
        let mut current = self;
        for token in tokens {
            current = match current {
                Json::Object(m) => m.get(token)?,
                Json::Array(items) => {
                    // strconv.Atoi: optional sign, decimal digits.
                    let index: i64 = token.parse().ok()?;
                    items.get(usize::try_from(index).ok()?)?
                }
                _ => return None,
            };
        }
        Some(current)
    }
}



/// Deep documents are taken apart level by level, not by recursive drop glue (see
/// [`Parser::value`] for why the depth matters).
impl Drop for Json {
    fn drop(&mut self) {
        let mut pending: Vec<Json> = Vec::new();
        let take_children = |json: &mut Json, pending: &mut Vec<Json>| match json {
            Json::Array(items) if !items.is_empty() => pending.append(items),
            Json::Object(map) if !map.is_empty() => {
                pending.extend(std::mem::take(map).into_values())
            }
            _ => {}
        };
        take_children(self, &mut pending);
        while let Some(mut child) = pending.pop() {
            take_children(&mut child, &mut pending);
        }
    }
}

const MAX_DEPTH: usize = 10000;

/// `Decoder.Decode`: the first JSON value of `bytes` (leading whitespace skipped) and how
/// many bytes it took, whatever follows it.
pub(crate) fn decode_first(bytes: &[u8]) -> Result<(Json, usize), String> {
    let mut p = Parser { s: bytes, pos: 0 };
    p.skip_ws();
    if p.pos >= p.s.len() {
        return Err("EOF".to_string());
    }
    let value = p.value()?;
    Ok((value, p.pos))
}

/// A whole JSON document, as the jsonschema library reads a schema: one value, then
/// nothing but whitespace (its own message otherwise).
pub(crate) fn decode_document(bytes: &[u8]) -> Result<Json, String> {
    let (value, end) = decode_first(bytes)?;
    if bytes[end..].iter().any(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        return Err("invalid character after top-level value".to_string());
    }
    Ok(value)
}

struct Parser<'s> {
    s: &'s [u8],
    pos: usize,
}

/// Go's `quoteChar`: how the scanner shows the offending byte.
fn quote_char(b: u8) -> String {
    match b {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let quoted = gotmpl::lex::go_quote(&char::from(b).to_string());
            format!("'{}'", &quoted[1..quoted.len() - 1])
        }
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// The error for the byte at the current position (or the input's end).
    fn unexpected(&self, context: &str) -> String {
        match self.peek() {
            None => "unexpected EOF".to_string(),
            Some(b) => format!("invalid character {} {context}", quote_char(b)),
        }
    }

    /// One value. Containers are walked with an explicit stack, not recursion: Go accepts
    /// 10,000 levels, more than a 1 MiB wasm stack (or a 2 MiB test thread) holds as frames.
    fn value(&mut self) -> Result<Json, String> {
        enum Open {
            Array(Vec<Json>),
            Object(BTreeMap<String, Json>, String),
        }
        let mut stack: Vec<Open> = Vec::new();
        loop {
            // Read one value; containers are opened and read on in the loop below.
            let mut done = match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err("exceeded max depth".to_string());
                    }
                    self.pos += 1;
                    self.skip_ws();
                    if open == b'[' {
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            Json::Array(Vec::new())
                        } else {
                            stack.push(Open::Array(Vec::new()));
                            self.skip_ws();
                            continue;
                        }
                    } else if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Json::Object(BTreeMap::new())
                    } else {
                        let key = self.object_key()?;
                        stack.push(Open::Object(BTreeMap::new(), key));
                        continue;
                    }
                }
                Some(b'"') => Json::String(self.string()?),
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal(b"true", Json::Bool(true))?,
                Some(b'f') => self.literal(b"false", Json::Bool(false))?,
                Some(b'n') => self.literal(b"null", Json::Null)?,
                _ => return Err(self.unexpected("looking for beginning of value")),
            };
            // Hand the finished value to the innermost open container; close containers
            // whose last element it was.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(done);
                };
                self.skip_ws();
                match top {
                    Open::Array(items) => {
                        items.push(done);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                break;
                            }
                            Some(b']') => self.pos += 1,
                            _ => return Err(self.unexpected("after array element")),
                        }
                    }
                    Open::Object(map, key) => {
                        // A repeated key keeps its last value, as a Go map assignment does.
                        map.insert(std::mem::take(key), done);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                *key = self.object_key()?;
                                break;
                            }
                            Some(b'}') => self.pos += 1,
                            _ => return Err(self.unexpected("after object key:value pair")),
                        }
                    }
                }
                done = match stack.pop() {
                    Some(Open::Array(items)) => Json::Array(items),
                    Some(Open::Object(map, _)) => Json::Object(map),
                    None => unreachable!("the stack had a top"),
                };
            }
        }
    }

    /// `"key" :` inside an object, leaving the position at the value.
    fn object_key(&mut self) -> Result<String, String> {
        self.skip_ws();
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("looking for beginning of object key string"));
        }
        let key = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("after object key"));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(key)
    }

    fn literal(&mut self, word: &[u8], value: Json) -> Result<Json, String> {
        let name = String::from_utf8_lossy(word).into_owned();
        for (i, &expected) in word.iter().enumerate() {
            match self.peek() {
                Some(b) if b == expected => self.pos += 1,
                _ if i == 0 => return Err(self.unexpected("looking for beginning of value")),
                _ => {
                    let context =
                        format!("in literal {name} (expecting {})", quote_char(expected));
                    return Err(self.unexpected(&context));
                }
            }
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.peek() {
                    self.pos += 1;
                }
            }
            _ => return Err(self.unexpected("in numeric literal")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("after decimal point in numeric literal"));
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
                return Err(self.unexpected("in exponent of numeric literal"));
            }
            while let Some(b'0'..=b'9') = self.peek() {
                self.pos += 1;
            }
        }
        Ok(Json::Number(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = match self.peek() {
                Some(b) => (b as char).to_digit(16),
                None => None,
            };
            match digit {
                Some(d) => {
                    value = value * 16 + d;
                    self.pos += 1;
                }
                None => return Err(self.unexpected("in \\u hexadecimal character escape")),
            }
        }
        Ok(value)
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1; // opening quote
        // Most strings have no escapes: take them whole.
        let rest = &self.s[self.pos..];
        if let Some(len) = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20) {
            if rest[len] == b'"' {
                self.pos += len + 1;
                // Go replaces invalid UTF-8 by U+FFFD.
                return Ok(String::from_utf8_lossy(&rest[..len]).into_owned());
            }
        }
        let mut raw: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err("unexpected EOF".to_string());
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    // Go replaces invalid UTF-8 by U+FFFD.
                    return Ok(String::from_utf8_lossy(&raw).into_owned());
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err("unexpected EOF".to_string());
                    };
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(self.unexpected("in string escape code")),
                    };
                    self.pos += 1;
                    if let Some(c) = simple {
                        raw.push(c);
                        continue;
                    }
                    let first = self.hex4()?;
                    let mut c = char::from_u32(first);
                    if (0xD800..0xDC00).contains(&first)
                        && self.s.get(self.pos..self.pos + 2) == Some(b"\\u")
                    {
                        // A surrogate pair is decoded only when the second half follows;
                        // otherwise the lone half becomes U+FFFD and the next escape is
                        // read on its own.
                        let save = self.pos;
                        self.pos += 2;
                        let second = self.hex4()?;
                        if (0xDC00..0xE000).contains(&second) {
                            c = char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00));
                        } else {
                            self.pos = save;
                        }
                    }
                    let c = c.unwrap_or('\u{fffd}');
                    let mut buf = [0u8; 4];
                    raw.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(self.unexpected("in string literal")),
                _ => {
                    raw.push(b);
                    self.pos += 1;
                }
            }
        }
    }

}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_len(text: &str) -> Result<usize, String> {
        decode_first(text.as_bytes()).map(|(_, len)| len)
    }

    #[test]
    fn decode_first_stops_after_one_value() {
        assert_eq!(first_len("[1,2],b=3"), Ok(5));
        assert_eq!(first_len(" {\"a\": [1, {}]} ,x"), Ok(15));
        assert_eq!(first_len("\"a\\\"b\",c"), Ok(6));
        assert_eq!(first_len("-1.5e3,"), Ok(6));
        assert_eq!(first_len("truex"), Ok(4));
        assert_eq!(first_len("nul"), Err("unexpected EOF".into()));
        assert_eq!(first_len("tru,"), Err("invalid character ',' in literal true (expecting 'e')".into()));
        assert_eq!(first_len("[1,"), Err("unexpected EOF".into()));
        assert_eq!(first_len("  "), Err("EOF".into()));
    }

    #[test]
    fn documents_keep_number_text() {
        let doc = decode_document(br#"{"min": 1.50, "list": [1e3]} "#).unwrap();
        assert!(matches!(doc.get("min"), Some(Json::Number(text)) if text == "1.50"));
        assert_eq!(
            decode_document(b"{} x").unwrap_err(),
            "invalid character after top-level value"
        );
    }

    #[test]
    fn ten_thousand_levels_fit_a_small_stack() {
        // Go's limit: 10,000 levels decode, one more is refused. A 256 KiB thread shows
        // the depth costs no stack.
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let deep = |n: usize| format!("{}1{}", "[{\"a\":".repeat(n / 2), "}]".repeat(n / 2));
                assert!(decode_document(deep(10_000).as_bytes()).is_ok());
                assert_eq!(decode_document(deep(10_002).as_bytes()).unwrap_err(), "exceeded max depth");
                assert_eq!(first_len("[[1,[2]],{\"k\":[]}] x"), Ok(18));
                assert_eq!(first_len("{\"a\":1,}"), Err("invalid character '}' looking for beginning of object key string".into()));
                assert_eq!(first_len("[1 2]"), Err("invalid character '2' after array element".into()));
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
