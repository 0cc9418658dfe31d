//! Helm's `--set` syntax (`pkg/strvals`): `a.b=c,d[0].e={x,y}` parsed into values.
//!
//! The parser follows Helm's character by character, including its quirks, because users'
//! command lines depend on them: `a={}` is `[""]`, `a[0]` alone sets `a: []`, an index that
//! never closes (`a[x`) silently stops parsing, a key reached through the wrong type fails
//! with the text of Go's failed type assertion, and so on.
//!
//! Values are written into an existing map (Go's `ParseInto*`): later `--set` flags see and
//! overwrite what earlier ones wrote.

use gotmpl::{MapRef, Value};

use crate::goquote::{quote, quote_rune_list};

/// The largest list index `--set` accepts (Helm's `MaxIndex`).
pub const MAX_INDEX: i64 = 65536;

/// How deep `a.b.c...` may nest (Helm's `MaxNestedNameLevel`).
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// How the text after `=` becomes a value.
pub enum ValueMode<'a> {
    /// `--set`: `true`/`false`/`null` (any case), integers as `int64`, the rest strings.
    Typed,
    /// `--set-string`: always a string.
    String,
    /// `--set-json`: the value is a JSON document.
    Json,
    /// `--set-file`: the value is a path; the reader returns the file's content (or the
    /// error message Helm would show for it).
    File(&'a dyn Fn(&str) -> Result<String, String>),
    /// `--set-literal` (Helm's `literalParser`): no `\` escapes, commas belong to the key
    /// or value, and the value is everything after the `=` as a string.
    Literal,
}

/// Why a parse step stopped.
enum Stop {
    /// The input ran out (Go's `io.EOF`, also when wrapped): parsing ends without error.
    Eof,
    /// A real error, with Helm's message.
    Failed(String),
}

type Step<T> = Result<T, Stop>;

fn fail<T>(msg: impl Into<String>) -> Step<T> {
    Err(Stop::Failed(msg.into()))
}

/// Parses a `--set`-style line into `dest` (Helm's `ParseInto`, `ParseIntoString`,
/// `ParseJSON`, `ParseIntoFile`, `ParseLiteralInto`). The error is the message without the
/// CLI's `failed parsing --set data: ` prefix.
pub fn parse_into(line: &str, dest: &MapRef, mode: ValueMode<'_>) -> Result<(), String> {
    let mut parser = Parser { input: line.chars().collect(), pos: 0, mode };
    loop {
        match parser.key(dest, 0) {
            Ok(()) => continue,
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::Failed(msg)) => return Err(msg),
        }
    }
}

/// Parses a `--set` line into a new map (Helm's `Parse`).
pub fn parse(line: &str) -> Result<Value, String> {
    let dest = MapRef::default();
    parse_into(line, &dest, ValueMode::Typed)?;
    Ok(Value::Map(dest))
}

/// `--set`'s typing of a scalar (Helm's `typedVal`).
pub fn typed_value(text: &str, force_string: bool) -> Value {
    if force_string {
        return Value::str(text);
    }
    if text.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if text.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if text.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if text == "0" {
        return Value::Int64(0);
    }
    // Helm only tries integers that do not start with 0, so "007" stays a string.
    if !text.is_empty() && !text.starts_with('0') {
        if let Some(i) = parse_go_int(text) {
            return Value::Int64(i);
        }
    }
    Value::str(text)
}

/// Go's `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits only.
fn parse_go_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok()
}

/// Go's `strconv.Atoi` with its error text.
fn go_atoi(text: &str) -> Result<i64, String> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {}: invalid syntax", quote(text)));
    }
    text.parse::<i64>()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", quote(text)))
}

/// The text of the panic Go raises for `v.([]interface{})` / `v.(map[string]interface{})`
/// on a value of another type; Helm turns it into an error.
fn assertion_panic(found: &Value, wanted: &str) -> String {
    let found = match found {
        Value::Nil => "nil".to_string(),
        other => other.type_name(),
    };
    format!("unable to parse key: interface conversion: interface {{}} is {found}, not {wanted}")
}

/// Sets `data[key] = value` unless the key is empty (Helm's `set`).
fn set(data: &MapRef, key: &str, value: Value) {
    if !key.is_empty() {
        data.insert(key, value);
    }
}

/// Helm's `setIndex`: grows the list with nils as needed.
fn set_index(mut list: Vec<Value>, index: i64, value: Value) -> (Vec<Value>, Option<String>) {
    if index < 0 {
        return (list, Some(format!("negative {index} index not allowed")));
    }
    if index > MAX_INDEX {
        return (
            list,
            Some(format!("index of {index} is greater than maximum supported index of {MAX_INDEX}")),
        );
    }
    let index = index as usize;
    if list.len() <= index {
        list.resize(index + 1, Value::Nil);
    }
    list[index] = value;
    (list, None)
}

fn list_step(result: (Vec<Value>, Option<String>)) -> (Vec<Value>, Step<()>) {
    match result {
        (list, None) => (list, Ok(())),
        (list, Some(msg)) => (list, Err(Stop::Failed(msg))),
    }
}

/// The list currently stored under `key`, as Helm's `data[kk].([]interface{})` reads it.
fn existing_list(data: &MapRef, key: &str) -> Step<Vec<Value>> {
    match data.get(key) {
        None => Ok(Vec::new()),
        Some(Value::List(l)) if l.elem == gotmpl::Type::Any => Ok(l.items.clone()),
        Some(other) => fail(assertion_panic(&other, "[]interface {}")),
    }
}

/// The map currently stored under `key`, as Helm's `data[k].(map[string]interface{})` reads it.
fn existing_map(data: &MapRef, key: &str) -> Step<MapRef> {
    match data.get(key) {
        None => Ok(MapRef::default()),
        Some(Value::Map(m)) if m.elem() == gotmpl::Type::Any => Ok(m),
        Some(other) => fail(assertion_panic(&other, "map[string]interface {}")),
    }
}

struct Parser<'a> {
    input: Vec<char>,
    pos: usize,
    mode: ValueMode<'a>,
}

impl Parser<'_> {
    fn read(&mut self) -> Option<char> {
        let c = self.input.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// Reads up to one of `stop` (consumed), honouring `\` escapes (but for
    /// `--set-literal`). `None` as the stop rune means the input ran out.
    fn runes_until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let escapes = !matches!(self.mode, ValueMode::Literal);
        let mut out = String::new();
        loop {
            match self.read() {
                None => return (out, None),
                Some(c) if stop.contains(&c) => return (out, Some(c)),
                Some('\\') if escapes => match self.read() {
                    None => return (out, None),
                    Some(next) => out.push(next),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn scalar(&self, text: &str) -> Step<Value> {
        match &self.mode {
            ValueMode::Typed => Ok(typed_value(text, false)),
            ValueMode::String | ValueMode::Json | ValueMode::Literal => Ok(typed_value(text, true)),
            ValueMode::File(reader) => reader(text).map(Value::from).map_err(Stop::Failed),
        }
    }

    /// Everything left of the input, consumed (a `--set-literal` value).
    fn rest(&mut self) -> String {
        let rest: String = self.input[self.pos..].iter().collect();
        self.pos = self.input.len();
        rest
    }

    fn key(&mut self, data: &MapRef, mut nested_level: usize) -> Step<()> {
        // A literal key may contain commas: only `=` ends a literal line's key.
        let stops: &[char] =
            if matches!(self.mode, ValueMode::Literal) { &['=', '[', '.'] } else { &['=', '[', ',', '.'] };
        let (key, last) = self.runes_until(stops);
        match last {
            None => {
                if key.is_empty() {
                    Err(Stop::Eof)
                } else {
                    fail(format!("key {} has no value", quote(&key)))
                }
            }
            Some('[') => {
                // Helm wraps the index error, EOF included, and stops quietly on a wrapped EOF.
                let index = self.key_index()?;
                let list = existing_list(data, &key)?;
                let (list, result) = self.list_item(list, index, nested_level);
                set(data, &key, Value::list(list));
                result
            }
            Some('=') => {
                match self.mode {
                    ValueMode::Literal => {
                        let value = self.rest();
                        set(data, &key, Value::str(value));
                        return Ok(());
                    }
                    ValueMode::Json => {
                        if self.empty_value() {
                            set(data, &key, Value::Nil);
                            return Ok(());
                        }
                        let value = self.json_value()?;
                        set(data, &key, value);
                        self.empty_value();
                        return Ok(());
                    }
                    _ => {}
                }
                match self.value_list()? {
                    ListOrNot::List(items) => {
                        set(data, &key, Value::list(items));
                        Ok(())
                    }
                    ListOrNot::Eof => {
                        set(data, &key, Value::str(""));
                        Err(Stop::Eof)
                    }
                    ListOrNot::NotList => {
                        let (text, _) = self.runes_until(&[',']);
                        let value = self.scalar(&text)?;
                        set(data, &key, value);
                        Ok(())
                    }
                }
            }
            Some(',') => {
                set(data, &key, Value::str(""));
                fail(format!("key {} has no value (cannot end with ,)", quote(&key)))
            }
            Some(_) => {
                // '.': descend into a map.
                nested_level += 1;
                if nested_level > MAX_NESTED_NAME_LEVEL {
                    return fail(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    ));
                }
                let inner = existing_map(data, &key)?;
                let result = self.key(&inner, nested_level);
                if result.is_ok() && inner.is_empty() {
                    return fail(format!("key map {} has no value", quote(&key)));
                }
                if !inner.is_empty() {
                    set(data, &key, Value::Map(inner));
                }
                result
            }
        }
    }

    fn key_index(&mut self) -> Step<i64> {
        let (text, last) = self.runes_until(&[']']);
        if last.is_none() {
            return Err(Stop::Eof);
        }
        go_atoi(&text).map_err(|e| Stop::Failed(format!("error parsing index: {e}")))
    }

    fn list_item(&mut self, mut list: Vec<Value>, index: i64, nested_level: usize) -> (Vec<Value>, Step<()>) {
        if index < 0 {
            return (list, fail(format!("negative {index} index not allowed")));
        }
        let (key, last) = self.runes_until(&['[', '.', '=']);
        if !key.is_empty() {
            let chars: Vec<char> = key.chars().collect();
            return (
                list,
                fail(format!("unexpected data at end of array index: {}", quote_rune_list(&chars))),
            );
        }
        match last {
            None => (list, Err(Stop::Eof)),
            Some('=') => {
                if matches!(self.mode, ValueMode::Literal) {
                    let value = self.rest();
                    return list_step(set_index(list, index, Value::str(value)));
                }
                if matches!(self.mode, ValueMode::Json) {
                    if self.empty_value() {
                        return list_step(set_index(list, index, Value::Nil));
                    }
                    let value = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return (list, Err(e)),
                    };
                    let (list, result) = list_step(set_index(list, index, value));
                    if result.is_err() {
                        return (list, result);
                    }
                    self.empty_value();
                    return (list, Ok(()));
                }
                match self.value_list() {
                    Err(e) => (list, Err(e)),
                    Ok(ListOrNot::List(items)) => list_step(set_index(list, index, Value::list(items))),
                    Ok(ListOrNot::Eof) => list_step(set_index(list, index, Value::str(""))),
                    Ok(ListOrNot::NotList) => {
                        let (text, _) = self.runes_until(&[',']);
                        match self.scalar(&text) {
                            Ok(value) => list_step(set_index(list, index, value)),
                            Err(e) => (list, Err(e)),
                        }
                    }
                }
            }
            Some('[') => {
                let next_index = match self.key_index() {
                    Ok(i) => i,
                    Err(e) => return (list, Err(e)),
                };
                let mut current = Vec::new();
                if let Some(existing) = list.get(index as usize) {
                    match existing {
                        Value::Nil => {}
                        Value::List(l) if l.elem == gotmpl::Type::Any => current = l.items.clone(),
                        other => {
                            let msg = assertion_panic(other, "[]interface {}");
                            return (list, fail(msg));
                        }
                    }
                }
                let (inner, result) = self.list_item(current, next_index, nested_level);
                if result.is_err() {
                    return (list, result);
                }
                list_step(set_index(list, index, Value::list(inner)))
            }
            Some(_) => {
                // '.': a map inside the list.
                let mut inner = MapRef::default();
                if let Some(slot) = list.get_mut(index as usize) {
                    match slot {
                        Value::Map(m) if m.elem() == gotmpl::Type::Any => inner = m.clone(),
                        _ => {
                            // Indices out of order: Helm replaces the slot with an empty map.
                            *slot = Value::Map(inner.clone());
                        }
                    }
                }
                if let Err(e) = self.key(&inner, nested_level) {
                    return (list, Err(e));
                }
                list_step(set_index(list, index, Value::Map(inner)))
            }
        }
    }

    /// Helm's `valList`: a `{a,b}` list, or a signal that the value is not one.
    fn value_list(&mut self) -> Step<ListOrNot> {
        match self.read() {
            None => return Ok(ListOrNot::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Ok(ListOrNot::NotList);
            }
        }
        let mut items = Vec::new();
        loop {
            let (text, last) = self.runes_until(&[',', '}']);
            match last {
                None => return fail("list must terminate with '}'"),
                Some('}') => {
                    // A following ',' belongs to the list.
                    if let Some(c) = self.read() {
                        if c != ',' {
                            self.unread();
                        }
                    }
                    items.push(self.scalar(&text)?);
                    return Ok(ListOrNot::List(items));
                }
                Some(_) => items.push(self.scalar(&text)?),
            }
        }
    }

    /// Helm's `emptyVal`: skips blanks; true at a ',' (consumed) or the end.
    fn empty_value(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => continue,
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    /// Decodes one JSON value at the cursor, as Go's `json.Decoder` does, and moves past it.
    fn json_value(&mut self) -> Step<Value> {
        let rest: String = self.input[self.pos..].iter().collect();
        // The exact decoder finds where the value ends (and Go's syntax errors); godata
        // then builds it with float64 numbers, as Helm's `interface{}` target holds them.
        let (_, len) = crate::jsondecode::decode_first(rest.as_bytes()).map_err(Stop::Failed)?;
        let value = godata::json::parse(&rest[..len]).map_err(|e| Stop::Failed(e.to_string()))?;
        self.pos += rest[..len].chars().count();
        Ok(value)
    }
}

enum ListOrNot {
    List(Vec<Value>),
    NotList,
    Eof,
}


#[cfg(test)]
mod tests {
    use super::*;

    /// `--set-literal LINE` as Helm v4.1.4 answers it: the values as JSON, or the error.
    fn literal(line: &str) -> Result<String, String> {
        let dest = MapRef::default();
        parse_into(line, &dest, ValueMode::Literal)?;
        Ok(godata::json::to_json(&Value::Map(dest)).expect("parsed values encode"))
    }

    #[test]
    fn literal_lines_match_helm() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            (r"a,b.c=x\y,z", Ok(r#"{"a,b":{"c":"x\\y,z"}}"#)),
            ("a[0].b=1,2", Ok(r#"{"a":[{"b":"1,2"}]}"#)),
            (r"a\.b=1", Ok(r#"{"a\\":{"b":"1"}}"#)),
            ("x=", Ok(r#"{"x":""}"#)),
            ("a[1][0]=q", Ok(r#"{"a":[null,["q"]]}"#)),
            ("a.b[0]=1,c=2", Ok(r#"{"a":{"b":["1,c=2"]}}"#)),
            (",=1", Ok(r#"{",":"1"}"#)),
            ("a.", Ok("{}")),
            ("a[0", Ok("{}")),
            ("a", Err(r#"key "a" has no value"#)),
            ("a[0].b", Err(r#"key "b" has no value"#)),
            ("a[x]=1", Err(r#"error parsing index: strconv.Atoi: parsing "x": invalid syntax"#)),
            ("a[0]x=1", Err("unexpected data at end of array index: ['x']")),
            ("a[-1]=2", Err("negative -1 index not allowed")),
        ];
        for (line, want) in cases {
            let want = want.map(str::to_string).map_err(str::to_string);
            assert_eq!(literal(line), want, "--set-literal {line}");
        }
    }
}
