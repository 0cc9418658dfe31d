//! `sigs.k8s.io/yaml.Marshal`: `json.Marshal`, then go-yaml v2 reads the JSON back
//! (numbers get YAML types: `3` an int, `1.5` a float) and its emitter writes YAML.
//!
//! The emitter follows libyaml's (as ported in go-yaml v2) for the events that come out of
//! JSON data: block mappings with sorted keys, block sequences, empty `{}`/`[]`, and
//! scalars whose style (plain, single-quoted, double-quoted, literal) is chosen by
//! libyaml's scalar analysis, with long lines folded at 80 columns.

use gotmpl::Value;

use super::resolve::{is_base60_float, plain_resolves_to_str, resolve, Resolved};
use super::YamlError;
use crate::gofloat;
use crate::json::{self, EncodeOptions};
use crate::unicode::{is_go_digit, is_go_letter};

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: usize = 80;
/// libyaml writes a key longer than this in the explicit `? key` form.
const MAX_SIMPLE_KEY_LENGTH: usize = 128;

/// Data as go-yaml v2 holds it after reading the JSON text back.
enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// The number text `json.Marshal` writes, typed the way go-yaml reads it back.
fn number_node(text: &str) -> Node {
    match resolve("", text).1 {
        Resolved::Int(i) => Node::Int(i),
        Resolved::Uint(u) => Node::Uint(u),
        Resolved::Float(x) => Node::Float(x),
        _ => Node::Str(text.to_string()),
    }
}

/// Walks the value as `json.Marshal` would and builds what go-yaml sees of the JSON.
fn to_node(v: &Value, options: &EncodeOptions<'_>, depth: usize) -> Result<Node, YamlError> {
    if depth > json::MAX_ENCODE_DEPTH {
        return Err(marshal_error(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.type_name()
        )));
    }
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Node::Int(*i),
        Value::Float(x) => match gofloat::format_json(*x) {
            Some(text) => number_node(&text),
            None => {
                return Err(marshal_error(format!("json: unsupported value: {}", gofloat::format_g(*x))))
            }
        },
        Value::String(s) => Node::Str(fold_json_line_breaks(s)),
        // A nil slice marshals to JSON null, which go-yaml then writes as null.
        Value::List(list) if list.nil => Node::Null,
        Value::List(list) => {
            let mut items = Vec::with_capacity(list.items.len());
            for item in &list.items {
                items.push(to_node(item, options, depth + 1)?);
            }
            Node::Seq(items)
        }
        Value::Map(map) => {
            let mut entries = Vec::new();
            for (k, item) in map.entries() {
                entries.push((fold_json_line_breaks(&k), to_node(&item, options, depth + 1)?));
            }
            sort_keys(&mut entries);
            Node::Map(entries)
        }
        Value::Object(_) => {
            // Objects go through the JSON encoder (and its object hook) and come back as data.
            let text = json::encode(v, options).map_err(|e| marshal_error(e.message))?;
            let data = json::parse(&text).map_err(|e| marshal_error(e.message))?;
            to_node(&data, options, depth + 1)?
        }
    })
}

/// What go-yaml reads back from the JSON string `json.Marshal` wrote for `s`. JSON escapes
/// every line break YAML knows except NEL (U+0085), which go-yaml's scanner treats as a
/// line break inside the double-quoted scalar and folds like any other: spaces before it
/// are dropped, one break becomes a space, further breaks become newlines, and spaces
/// after the last break are indentation.
fn fold_json_line_breaks(s: &str) -> String {
    if !s.contains('\u{85}') {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != ' ' && chars[i] != '\u{85}' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\u{85}') {
            i += 1;
        }
        let run = &chars[start..i];
        let breaks = run.iter().filter(|&&c| c == '\u{85}').count();
        match breaks {
            0 => out.extend(run),
            1 => out.push(' '),
            n => out.extend(std::iter::repeat_n('\n', n - 1)),
        }
    }
    out
}

fn marshal_error(msg: impl std::fmt::Display) -> YamlError {
    YamlError { message: format!("error marshaling into JSON: {msg}"), line: None, column: None }
}

/// go-yaml v2's map key order for string keys: letters compare by code point, a letter
/// sorts after a non-letter (unless it follows a digit), runs of digits compare by number.
fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut digits = false;
    let mut i = 0;
    while i < ar.len() && i < br.len() {
        if ar[i] == br[i] {
            digits = is_go_digit(ar[i]);
            i += 1;
            continue;
        }
        let al = is_go_letter(ar[i]);
        let bl = is_go_letter(br[i]);
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if digits { al } else { bl };
        }
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && is_go_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_go_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(i64::from(ar[ai] as u32).wrapping_sub('0' as i64));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_go_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(i64::from(br[bi] as u32).wrapping_sub('0' as i64));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// Sorts entries by go-yaml's key order. That order is not a total order for some keys
/// (digit runs that overflow int64), which Go's sort tolerates but Rust's `sort_by` may
/// panic on; a merge sort that only ever asks "is b before a?" cannot fail, and equals
/// `sort_by` whenever the order is total.
fn sort_keys<V>(entries: &mut Vec<(impl AsRef<str>, V)>) {
    let n = entries.len();
    if n < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut buf = order.clone();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                let before = key_order(entries[order[j]].0.as_ref(), entries[order[i]].0.as_ref())
                    == std::cmp::Ordering::Less;
                if before {
                    buf[k] = order[j];
                    j += 1;
                } else {
                    buf[k] = order[i];
                    i += 1;
                }
                k += 1;
            }
            buf[k..k + (mid - i)].copy_from_slice(&order[i..mid]);
            k += mid - i;
            buf[k..k + (end - j)].copy_from_slice(&order[j..end]);
            start = end;
        }
        std::mem::swap(&mut order, &mut buf);
        width *= 2;
    }
    let mut slots: Vec<Option<(_, V)>> = std::mem::take(entries).into_iter().map(Some).collect();
    entries.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    if key_less(a, b) {
        std::cmp::Ordering::Less
    } else if key_less(b, a) {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

/// Walks the value as goyaml.v3's encoder does, with no JSON round trip: numbers keep
/// their Go types (a float64 is written with `FormatFloat(f, 'g', -1, 64)`), strings are
/// not folded, and a nil slice is an empty sequence (v3 only writes nil pointers and
/// interfaces as `null`). Objects are written as `encoding/json` sees them.
fn to_node_v3(v: &Value, options: &EncodeOptions<'_>, depth: usize) -> Result<Node, YamlError> {
    if depth > json::MAX_ENCODE_DEPTH {
        return Err(YamlError { message: "yaml: value nested too deeply".into(), line: None, column: None });
    }
    Ok(match v {
        Value::Nil => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) | Value::Int64(i) => Node::Int(*i),
        Value::Float(x) => Node::Float(*x),
        Value::String(s) => Node::Str(s.to_string()),
        Value::List(list) => {
            let mut items = Vec::with_capacity(list.items.len());
            for item in &list.items {
                items.push(to_node_v3(item, options, depth + 1)?);
            }
            Node::Seq(items)
        }
        Value::Map(map) => {
            let mut entries = Vec::new();
            for (k, item) in map.entries() {
                entries.push((k.to_string(), to_node_v3(&item, options, depth + 1)?));
            }
            sort_keys(&mut entries);
            Node::Map(entries)
        }
        Value::Object(_) => to_node(v, options, depth)?,
    })
}

/// Layout differences between go-yaml v2 (Helm's `toYaml`, through sigs.k8s.io/yaml) and
/// goyaml.v3's `Encoder` with `SetIndent(2)` (Helm's `toYamlPretty`).
#[derive(Clone, Copy)]
struct Flavor {
    /// v2 writes a block sequence that is a mapping value at the key's column
    /// (`key:\n- a`); v3 indents it (`key:\n  - a`).
    indentless_sequences_in_maps: bool,
    /// v2 folds long plain/quoted scalars at 80 columns; v3 sets no width limit.
    width: usize,
    /// v3's scalar analysis lets a multi-line string with tabs use the literal style
    /// (tabs only rule out plain and single-quoted); v2 counts a tab as a special character
    /// and double-quotes.
    tabs_allow_literal: bool,
}

const V2: Flavor = Flavor { indentless_sequences_in_maps: true, width: BEST_WIDTH, tabs_allow_literal: false };
const V3: Flavor = Flavor { indentless_sequences_in_maps: false, width: usize::MAX, tabs_allow_literal: true };

/// goyaml.v3 `NewEncoder(w)` + `SetIndent(2)` + `Encode(v)`: what Helm's `toYamlPretty`
/// starts from (it trims the trailing newline).
pub fn marshal_v3(v: &Value, options: &EncodeOptions<'_>) -> Result<String, YamlError> {
    let node = to_node_v3(v, options, 0)?;
    let mut e = Emitter::new(V3);
    e.node(&node, Context::default());
    e.indent = -1;
    e.write_indent();
    Ok(e.out)
}

/// `yaml.Marshal` of a value (sigs.k8s.io/yaml), with the trailing newline go-yaml writes.
pub fn marshal(v: &Value, options: &EncodeOptions<'_>) -> Result<String, YamlError> {
    let node = to_node(v, options, 0)?;
    let mut e = Emitter::new(V2);
    e.node(&node, Context::default());
    // Implicit document end.
    e.indent = -1;
    e.write_indent();
    Ok(e.out)
}

// ---------------------------------------------------------------------------------------
// Scalar analysis

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_blankz(c: char) -> bool {
    is_blank(c) || is_break(c) || c == '\0'
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze(value: &str, flavor: Flavor) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let chars: Vec<char> = value.chars().collect();
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut tab_characters = false;
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let (mut previous_space, mut previous_break) = (false, false);
    let n = chars.len();
    for i in 0..n {
        let c = chars[i];
        let followed_by_whitespace = i + 1 >= n || is_blank(chars[i + 1]);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%'
                | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if c == '\t' && flavor.tabs_allow_literal {
            tab_characters = true;
        } else if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || tab_characters || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

// ---------------------------------------------------------------------------------------
// The emitter

#[derive(Clone, Copy, Default)]
struct Context {
    /// The node is a mapping value (a block sequence there is written without indentation).
    mapping: bool,
    simple_key: bool,
}

struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: i64,
    indents: Vec<i64>,
    flavor: Flavor,
}

impl Emitter {
    fn new(flavor: Flavor) -> Emitter {
        Emitter {
            out: String::new(),
            column: 0,
            whitespace: true,
            indention: true,
            indent: -1,
            indents: Vec::new(),
            flavor,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// libyaml's `write_break`: a `\n` is a line break; other break characters are copied.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, indicator: &str, need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, node: &Node, ctx: Context) {
        match node {
            Node::Null => self.scalar("null", Style::Plain, ctx),
            Node::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Node::Int(i) => self.scalar(&i.to_string(), Style::Plain, ctx),
            Node::Uint(u) => self.scalar(&u.to_string(), Style::Plain, ctx),
            Node::Float(x) => {
                let text = match gofloat::format_g(*x).as_str() {
                    "+Inf" => ".inf".to_string(),
                    "-Inf" => "-.inf".to_string(),
                    "NaN" => ".nan".to_string(),
                    s => s.to_string(),
                };
                self.scalar(&text, Style::Plain, ctx)
            }
            Node::Str(s) => {
                // go-yaml's stringv: quote what would read back as another type.
                let can_use_plain = plain_resolves_to_str(s) && !is_base60_float(s);
                let style = if s.contains('\n') {
                    Style::Literal
                } else if can_use_plain {
                    Style::Plain
                } else {
                    Style::Double
                };
                self.scalar(s, style, ctx)
            }
            Node::Seq(items) if items.is_empty() => self.empty_flow("[", "]"),
            Node::Map(entries) if entries.is_empty() => self.empty_flow("{", "}"),
            Node::Seq(items) => self.block_sequence(items, ctx),
            Node::Map(entries) => self.block_mapping(entries),
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn block_sequence(&mut self, items: &[Node], ctx: Context) {
        let indentless = self.flavor.indentless_sequences_in_maps && ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::default());
        }
        self.pop_indent();
    }

    fn block_mapping(&mut self, entries: &[(String, Node)]) {
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            let simple = !analyze(key, self.flavor).multiline && key.len() <= MAX_SIMPLE_KEY_LENGTH;
            let key_node = Node::Str(key.clone());
            if simple {
                self.node(&key_node, Context { mapping: true, simple_key: true, ..Context::default() });
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.node(&key_node, Context { mapping: true, ..Context::default() });
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(value, Context { mapping: true, ..Context::default() });
        }
        self.pop_indent();
    }

    fn scalar(&mut self, value: &str, requested: Style, ctx: Context) {
        let analysis = analyze(value, self.flavor);
        let mut style = requested;
        if ctx.simple_key && analysis.multiline {
            style = Style::Double;
        }
        if style == Style::Plain && (!analysis.block_plain_allowed || (value.is_empty() && ctx.simple_key)) {
            style = Style::Single;
        }
        if style == Style::Single && !analysis.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!analysis.block_allowed || ctx.simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::Single => self.write_single(value, allow_breaks),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > self.flavor.width && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > self.flavor.width && i != 0 && i != n - 1 && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = c as u32;
                        let (letter, width) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for s in format!("{v:0width$X}").chars() {
                            self.put(s);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.flavor.width && i > 0 && i + 1 < n {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: an indentation indicator when the text starts with a space or
        // a line break, and the chomping indicator from how many line breaks end it.
        let first = value.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let mut rev = value.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break(before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}
