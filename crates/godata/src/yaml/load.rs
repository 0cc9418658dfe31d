//! Reading YAML the way `sigs.k8s.io/yaml.Unmarshal` does: go-yaml v2 decodes into
//! `interface{}` (YAML 1.1 scalar resolution, `map[interface{}]interface{}`), keys are
//! turned into strings, the result is written as JSON and read back with
//! `encoding/json`, so every number ends up a `float64`.
//!
//! Syntax comes from `saphyr-parser` (an event parser descended from libyaml, like
//! go-yaml's own parser); everything after the events is done here, following go-yaml v2.

use std::borrow::Cow;
use std::collections::HashMap;

use gotmpl::{Map, MapRef, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use super::resolve::{resolve, Resolved};
use super::YamlError;
use crate::gofloat;

const TAG_PREFIX: &str = "tag:yaml.org,2002:";
const STR_TAG: &str = "tag:yaml.org,2002:str";
const BINARY_TAG: &str = "tag:yaml.org,2002:binary";
const MERGE_TAG: &str = "tag:yaml.org,2002:merge";

/// Deepest nesting of collections accepted in YAML input. go-yaml v2 allows 10000; the
/// syntax parser used here stops flow collections at 255, block collections are held to
/// the same, which keeps the recursive conversion well inside a browser's stack (real
/// charts nest a few dozen levels at most).
pub const MAX_DEPTH: usize = 255;

/// go-yaml's node tree for one document. Scalars borrow from the text where they can.
#[derive(Debug, PartialEq)]
pub(super) enum Node<'t> {
    Scalar { value: Cow<'t, str>, style: ScalarStyle, tag: Option<String> },
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>),
    /// An alias: the anchor's name and the node it refers to.
    Alias { name: String, target: usize },
}

/// A value as go-yaml v2 decodes it into `interface{}`.
#[derive(Clone, Debug)]
pub(crate) enum GoValue {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<GoValue>),
    Map(Vec<(GoValue, GoValue)>),
}

impl GoValue {
    /// Go's `==` on interface values holding these types (map key identity).
    fn same_key(&self, other: &GoValue) -> bool {
        match (self, other) {
            (GoValue::Nil, GoValue::Nil) => true,
            (GoValue::Bool(a), GoValue::Bool(b)) => a == b,
            (GoValue::Int(a), GoValue::Int(b)) => a == b,
            (GoValue::Uint(a), GoValue::Uint(b)) => a == b,
            (GoValue::Float(a), GoValue::Float(b)) => a == b,
            (GoValue::Str(a), GoValue::Str(b)) => a == b,
            _ => false,
        }
    }
}

fn yaml_error(message: String) -> YamlError {
    YamlError { message, line: None, column: None }
}

fn convert_error(msg: impl std::fmt::Display) -> YamlError {
    yaml_error(format!("error converting YAML to JSON: {msg}"))
}

// ---------------------------------------------------------------------------------------
// Events to nodes

#[derive(Debug, PartialEq)]
pub(super) struct Document<'t> {
    pub(super) nodes: Vec<Node<'t>>,
    pub(super) root: Option<usize>,
}

/// Reads the documents of `text`. `limit` stops after that many documents, as go-yaml's
/// `Unmarshal` reads only the first and never looks at the rest.
fn read_documents(text: &str, limit: Option<usize>) -> Result<Vec<Document<'_>>, YamlError> {
    // Everyday YAML is read by the fast reader; whatever it declines (anything unusual,
    // and every error) by saphyr, which builds the same documents.
    if let Some(docs) = super::fast::read_documents(text, limit) {
        return Ok(docs);
    }
    read_documents_with_saphyr(text, limit)
}

/// [`read_documents`] from saphyr's event stream.
pub(super) fn read_documents_with_saphyr(text: &str, limit: Option<usize>) -> Result<Vec<Document<'_>>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut current: Option<Document> = None;
    // Open collections: node index, plus a pending key for maps.
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    let mut anchors: HashMap<usize, usize> = HashMap::new();
    let mut anchor_names: HashMap<usize, String> = HashMap::new();

    // A refused character, and the first character (as saphyr counts them) of the reader
    // chunk that holds it: reaching that chunk fails.
    let control = first_control_character(text).map(|at| {
        let chunk_start = at / READER_CHUNK * READER_CHUNK;
        (at, text.char_indices().take_while(|&(i, _)| i < chunk_start).count())
    });
    while let Some(item) = parser.next_event() {
        let (event, span) = match item {
            Ok(ok) => ok,
            Err(e) => {
                return Err(match control {
                    Some((at, chunk)) if e.marker().index() >= chunk => control_error(text, at),
                    _ => syntax_error(text, &e),
                });
            }
        };
        if let Some((at, chunk)) = control {
            if span.end.index().max(span.start.index()) >= chunk || matches!(event, Event::StreamEnd) {
                return Err(control_error(text, at));
            }
        }
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                current = Some(Document { nodes: Vec::new(), root: None });
                stack.clear();
                anchors.clear();
            }
            Event::DocumentEnd => {
                if let Some(doc) = current.take() {
                    docs.push(doc);
                }
                if limit.is_some_and(|l| docs.len() >= l) {
                    // go-yaml still reads on past an implicit end (Helm fails on a control
                    // character in a later document); an explicit `...` stops it.
                    let explicit_end = text.chars().skip(span.start.index()).take(3).eq("...".chars());
                    if let (Some((at, _)), false) = (control, explicit_end) {
                        return Err(control_error(text, at));
                    }
                    break;
                }
            }
            Event::Alias(id) => {
                let doc = current.get_or_insert_with(|| Document { nodes: Vec::new(), root: None });
                let target = match anchors.get(&id) {
                    Some(&t) => t,
                    None => {
                        return Err(convert_error(format!(
                            "yaml: unknown anchor '{}' referenced",
                            anchor_names.get(&id).cloned().unwrap_or_default()
                        )))
                    }
                };
                let name = anchor_name_at(text, &span);
                let idx = push(doc, Node::Alias { name, target });
                attach(doc, &mut stack, idx);
            }
            Event::Scalar(value, style, anchor_id, tag) => {
                let doc = current.get_or_insert_with(|| Document { nodes: Vec::new(), root: None });
                let tag = tag.map(|t| full_tag(&t.handle, &t.suffix));
                let idx = push(doc, Node::Scalar { value, style, tag });
                register(&mut anchors, &mut anchor_names, text, &span, anchor_id, idx);
                attach(doc, &mut stack, idx);
            }
            Event::SequenceStart(anchor_id, _) | Event::MappingStart(anchor_id, _) => {
                let is_map = matches!(event, Event::MappingStart(..));
                let doc = current.get_or_insert_with(|| Document { nodes: Vec::new(), root: None });
                if stack.len() >= MAX_DEPTH {
                    return Err(convert_error(format!(
                        "yaml: line {}: exceeded max depth of {MAX_DEPTH}",
                        span.start.line()
                    )));
                }
                let idx = push(doc, if is_map { Node::Map(Vec::new()) } else { Node::Seq(Vec::new()) });
                register(&mut anchors, &mut anchor_names, text, &span, anchor_id, idx);
                attach(doc, &mut stack, idx);
                stack.push((idx, None));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
            }
        }
    }
    Ok(docs)
}

fn push<'t>(doc: &mut Document<'t>, node: Node<'t>) -> usize {
    doc.nodes.push(node);
    doc.nodes.len() - 1
}

/// Adds a finished (or just opened) node to its parent collection.
fn attach(doc: &mut Document, stack: &mut [(usize, Option<usize>)], idx: usize) {
    let Some((parent, pending_key)) = stack.last_mut() else {
        if doc.root.is_none() {
            doc.root = Some(idx);
        }
        return;
    };
    match &mut doc.nodes[*parent] {
        Node::Seq(items) => items.push(idx),
        Node::Map(entries) => match pending_key.take() {
            Some(key) => entries.push((key, idx)),
            None => *pending_key = Some(idx),
        },
        _ => {}
    }
}

fn register(
    anchors: &mut HashMap<usize, usize>,
    names: &mut HashMap<usize, String>,
    text: &str,
    span: &Span,
    anchor_id: usize,
    idx: usize,
) {
    // saphyr numbers anchors from 1; 0 means "no anchor".
    if anchor_id != 0 {
        anchors.insert(anchor_id, idx);
        names.insert(anchor_id, anchor_name_at(text, span));
    }
}

/// The anchor or alias name written at or just before a node (for messages only).
fn anchor_name_at(text: &str, span: &Span) -> String {
    let start: String = text.chars().skip(span.start.index()).take(256).collect();
    let rest = start.trim_start_matches(['*', '&']);
    rest.chars().take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c)).collect()
}

fn full_tag(handle: &str, suffix: &str) -> String {
    if handle == "!!" {
        format!("{TAG_PREFIX}{suffix}")
    } else {
        format!("{handle}{suffix}")
    }
}

fn short_tag(tag: &str) -> String {
    match tag.strip_prefix(TAG_PREFIX) {
        Some(rest) => format!("!!{rest}"),
        None => tag.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Characters libyaml's reader refuses

/// go-yaml's reader decodes its input in chunks of this many bytes (`input_raw_buffer_size`)
/// and checks every character of a chunk as it decodes it, before the scanner sees any.
const READER_CHUNK: usize = 512;

/// Byte offset of the first character libyaml's reader does not allow (C0 controls other
/// than tab, LF and CR, DEL, C1 controls other than NEL, surrogates, U+FFFE and U+FFFF).
fn first_control_character(text: &str) -> Option<usize> {
    text.char_indices().find(|&(_, c)| !yaml_reader_allows(c)).map(|(i, _)| i)
}

fn yaml_reader_allows(c: char) -> bool {
    matches!(c as u32,
        0x09 | 0x0A | 0x0D | 0x20..=0x7E | 0x85 | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// The reader's error: go-yaml prints it without a line. A chunk holding such a character
/// fails as soon as it is decoded, so it wins over a syntax error found in the same or a
/// later chunk; with no syntax error first, the whole input is read and it always fails.
fn control_error(text: &str, at: usize) -> YamlError {
    let line = text[..at].matches('\n').count() + 1;
    let column = text[..at].rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    YamlError {
        message: "error converting YAML to JSON: yaml: control characters are not allowed".to_string(),
        line: Some(line),
        column: Some(column),
    }
}

// ---------------------------------------------------------------------------------------
// Syntax errors, worded and positioned as go-yaml prints them

/// go-yaml prints libyaml's "problem" only (not its "while parsing ..." context), and the
/// line it prints is 1-based for scanner errors but the 0-based line for parser errors (a
/// long-standing go-yaml quirk); line 0 is not printed at all.
fn syntax_error(text: &str, e: &ScanError) -> YamlError {
    let info = e.info();
    let mark = e.marker();
    let (problem, origin) = translate_problem(info, text, mark.index());
    // saphyr's lines are 1-based.
    let mut line0 = mark.line().saturating_sub(1);
    let at_end = mark.index() >= text.chars().count();
    if problem == "found unexpected end of stream" {
        // libyaml reports this at the end of the input.
        line0 = text.matches('\n').count();
    }
    let mut shown = match origin {
        Origin::Scanner if line0 != 0 => line0 + 1,
        Origin::Scanner | Origin::NoLine => 0,
        Origin::Parser => line0,
    };
    // libyaml ends the stream with a forced line break: an error found at the end of input
    // that does not end in a newline is reported one line further down.
    if origin == Origin::Parser && at_end && mark.col() != 0 {
        shown += 1;
    }
    let where_ = if shown != 0 { format!("line {shown}: ") } else { String::new() };
    YamlError {
        message: format!("error converting YAML to JSON: yaml: {where_}{problem}"),
        line: Some(mark.line()),
        column: Some(mark.col() + 1),
    }
}

/// Which part of libyaml/go-yaml raises an error, which decides how its line is printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Scanner,
    Parser,
    /// go-yaml's own checks (unknown anchors), printed without a line.
    NoLine,
}

/// Maps saphyr's message to libyaml's problem text and where libyaml raises it.
fn translate_problem(info: &str, text: &str, index: usize) -> (String, Origin) {
    let parser_problems = [
        "did not find expected key",
        "did not find expected '-' indicator",
        "did not find expected node content",
        "did not find expected ',' or '}'",
        "did not find expected <document start>",
    ];
    let stripped = match info.split_once(", ") {
        Some((context, problem)) if context.starts_with("while ") => problem,
        _ => info,
    };
    if info == "while parsing node, found unknown anchor" {
        let name: String = text
            .chars()
            .skip(index)
            .skip_while(|c| *c == '*')
            .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
            .collect();
        return (format!("unknown anchor '{name}' referenced"), Origin::NoLine);
    }
    let mapped = match stripped {
        "expected ',' or ']'" => Some(("did not find expected ',' or ']'", Origin::Parser)),
        "misplaced bracket" => Some(("did not find expected key", Origin::Parser)),
        "a block scalar content cannot start with a tab" => {
            Some(("found a tab character where an indentation space is expected", Origin::Scanner))
        }
        "tabs disallowed within this context (block indentation)"
        | "tabs disallowed in this context"
        | "tab cannot be used as indentation"
        | "found a tab"
        | "did not find expected next token" => {
            Some(("found character that cannot start any token", Origin::Scanner))
        }
        "recursion limit exceeded" => Some(("exceeded max depth of 255", Origin::Scanner)),
        "simple key expected" | "simple key expect ':'" => {
            Some(("could not find expected ':'", Origin::Scanner))
        }
        "unexpected end of plain scalar" => Some(("did not find expected node content", Origin::Parser)),
        _ => None,
    };
    if let Some((text, origin)) = mapped {
        return (text.to_string(), origin);
    }
    if stripped.starts_with("unexpected character") {
        return ("found character that cannot start any token".to_string(), Origin::Scanner);
    }
    let origin = if parser_problems.contains(&stripped) || info.starts_with("while parsing") {
        Origin::Parser
    } else {
        Origin::Scanner
    };
    (stripped.to_string(), origin)
}

// ---------------------------------------------------------------------------------------
// Nodes to Go values (go-yaml v2's decoder)

/// go-yaml v2's defence against alias bombs: allowed ratio of alias-expanded nodes.
fn allowed_alias_ratio(decode_count: usize) -> f64 {
    const LOW: f64 = 400_000.0;
    const HIGH: f64 = 4_000_000.0;
    let n = decode_count as f64;
    if n <= LOW {
        0.99
    } else if n >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((n - LOW) / (HIGH - LOW))
    }
}

struct Decoder<'d> {
    doc: &'d Document<'d>,
    decode_count: usize,
    alias_count: usize,
    alias_depth: usize,
    /// Aliases being expanded right now (to detect an anchor that contains itself).
    active_aliases: Vec<usize>,
}

type DecodeResult<T> = Result<T, YamlError>;

fn fail(msg: impl std::fmt::Display) -> YamlError {
    convert_error(format!("yaml: {msg}"))
}

impl Decoder<'_> {
    fn count(&mut self) -> DecodeResult<()> {
        self.decode_count += 1;
        if self.alias_depth > 0 {
            self.alias_count += 1;
        }
        if self.alias_count > 100
            && self.decode_count > 1000
            && self.alias_count as f64 / self.decode_count as f64
                > allowed_alias_ratio(self.decode_count)
        {
            return Err(fail("document contains excessive aliasing"));
        }
        Ok(())
    }

    fn decode(&mut self, idx: usize, depth: usize) -> DecodeResult<GoValue> {
        self.count()?;
        if depth > MAX_DEPTH {
            return Err(fail(format!("exceeded max depth of {MAX_DEPTH}")));
        }
        match &self.doc.nodes[idx] {
            Node::Scalar { value, style, tag } => self.scalar(value, *style, tag.as_deref()),
            Node::Seq(items) => {
                let mut out = Vec::with_capacity(items.len());
                for &item in items {
                    out.push(self.decode(item, depth + 1)?);
                }
                Ok(GoValue::Seq(out))
            }
            Node::Map(_) => {
                let mut out = Vec::new();
                self.mapping_into(idx, &mut out, depth)?;
                Ok(GoValue::Map(out))
            }
            Node::Alias { name, target } => {
                if self.active_aliases.contains(&idx) {
                    return Err(fail(format!("anchor '{name}' value contains itself")));
                }
                self.active_aliases.push(idx);
                self.alias_depth += 1;
                let result = self.decode(*target, depth + 1);
                self.alias_depth -= 1;
                self.active_aliases.pop();
                result
            }
        }
    }

    fn scalar(&mut self, value: &str, style: ScalarStyle, tag: Option<&str>) -> DecodeResult<GoValue> {
        let plain = matches!(style, ScalarStyle::Plain);
        // A quoted or block scalar without a tag is a string; "!" marks a string too.
        let tag = match tag {
            None if !plain || resolves_to_itself(value) => return Ok(GoValue::Str(value.to_string())),
            None => "",
            Some("!") => return Ok(GoValue::Str(value.to_string())),
            Some(t) => t,
        };
        if tag == BINARY_TAG {
            return decode_base64(value)
                .map(|bytes| GoValue::Str(String::from_utf8_lossy(&bytes).into_owned()))
                .ok_or_else(|| fail("!!binary value contains invalid base64 data"));
        }
        let (rtag, resolved) = resolve(tag, value);
        let resolved = match check_tag(tag, &rtag, resolved) {
            Ok(v) => v,
            Err(r) => {
                return Err(fail(format!(
                    "cannot decode {} `{}` as a {}",
                    short_tag(&r),
                    value,
                    short_tag(tag)
                )))
            }
        };
        Ok(match resolved {
            Resolved::Null => GoValue::Nil,
            Resolved::Bool(b) => GoValue::Bool(b),
            Resolved::Int(i) => GoValue::Int(i),
            Resolved::Uint(u) => GoValue::Uint(u),
            Resolved::Float(x) => GoValue::Float(x),
            // Into interface{}, go-yaml v2 keeps timestamps as the original text.
            Resolved::Str(s) | Resolved::Timestamp(s) | Resolved::Merge(s) => GoValue::Str(s),
        })
    }

    /// Decodes a mapping node's entries into `out`, applying merge keys (`<<`) where they
    /// appear: merged entries overwrite earlier keys and are overwritten by later ones.
    fn mapping_into(&mut self, idx: usize, out: &mut Vec<(GoValue, GoValue)>, depth: usize) -> DecodeResult<()> {
        let Node::Map(entries) = &self.doc.nodes[idx] else {
            return Err(fail("map merge requires map or sequence of maps as the value"));
        };
        for &(k, v) in entries {
            if self.is_merge(k) {
                self.merge(v, out, depth)?;
                continue;
            }
            let key = self.decode(k, depth + 1)?;
            if matches!(key, GoValue::Map(_) | GoValue::Seq(_)) {
                return Err(fail(format!("invalid map key: {}", go_sharp_v(&key))));
            }
            let value = self.decode(v, depth + 1)?;
            set_key(out, key, value);
        }
        Ok(())
    }

    fn is_merge(&self, idx: usize) -> bool {
        match &self.doc.nodes[idx] {
            Node::Scalar { value, style, tag } => {
                value == "<<"
                    && ((matches!(style, ScalarStyle::Plain) && tag.is_none())
                        || tag.as_deref() == Some(MERGE_TAG))
            }
            _ => false,
        }
    }

    fn merge(&mut self, idx: usize, out: &mut Vec<(GoValue, GoValue)>, depth: usize) -> DecodeResult<()> {
        let want_map = || fail("map merge requires map or sequence of maps as the value");
        match &self.doc.nodes[idx] {
            Node::Map(_) => {
                self.count()?;
                self.mapping_into(idx, out, depth + 1)
            }
            Node::Alias { target, .. } => {
                if !matches!(self.doc.nodes[*target], Node::Map(_)) {
                    return Err(want_map());
                }
                self.merge_alias(idx, *target, out, depth)
            }
            Node::Seq(items) => {
                // Earlier maps in the list take precedence, so apply them last.
                for &item in items.iter().rev() {
                    match &self.doc.nodes[item] {
                        Node::Map(_) => {
                            self.count()?;
                            self.mapping_into(item, out, depth + 1)?;
                        }
                        Node::Alias { target, .. } => {
                            if !matches!(self.doc.nodes[*target], Node::Map(_)) {
                                return Err(want_map());
                            }
                            self.merge_alias(item, *target, out, depth)?;
                        }
                        _ => return Err(want_map()),
                    }
                }
                Ok(())
            }
            Node::Scalar { .. } => Err(want_map()),
        }
    }

    fn merge_alias(&mut self, alias: usize, target: usize, out: &mut Vec<(GoValue, GoValue)>, depth: usize) -> DecodeResult<()> {
        if self.active_aliases.contains(&alias) {
            let name = match &self.doc.nodes[alias] {
                Node::Alias { name, .. } => name.clone(),
                _ => String::new(),
            };
            return Err(fail(format!("anchor '{name}' value contains itself")));
        }
        self.count()?;
        self.active_aliases.push(alias);
        self.alias_depth += 1;
        self.count()?;
        let result = self.mapping_into(target, out, depth + 1);
        self.alias_depth -= 1;
        self.active_aliases.pop();
        result
    }
}

fn set_key(out: &mut Vec<(GoValue, GoValue)>, key: GoValue, value: GoValue) {
    if let Some(slot) = out.iter_mut().find(|(k, _)| k.same_key(&key)) {
        slot.1 = value;
    } else {
        out.push((key, value));
    }
}

/// go-yaml's check that an explicitly tagged scalar resolved to its tag; `!!float` also
/// accepts integers. Returns the resolved tag on mismatch.
fn check_tag(tag: &str, rtag: &str, resolved: Resolved) -> Result<Resolved, String> {
    if tag.is_empty() || tag == rtag || tag == STR_TAG || tag == BINARY_TAG {
        return Ok(resolved);
    }
    if tag == "tag:yaml.org,2002:float" {
        if let Resolved::Int(i) = resolved {
            return Ok(Resolved::Float(i as f64));
        }
    }
    // Tags go-yaml cannot resolve (application tags like !foo) keep the text.
    if !tag.starts_with(TAG_PREFIX) {
        return Ok(resolved);
    }
    Err(rtag.to_string())
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    // Go's StdEncoding.DecodeString ignores \r and \n only.
    let clean: Vec<u8> = text.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
    if clean.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for (chunk_index, chunk) in clean.chunks(4).enumerate() {
        let last = chunk_index == clean.len() / 4 - 1;
        let mut vals = [0u8; 4];
        let mut pad = 0;
        for (i, &c) in chunk.iter().enumerate() {
            vals[i] = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' if last && i >= 2 => {
                    pad += 1;
                    0
                }
                _ => return None,
            };
            if pad > 0 && c != b'=' {
                return None;
            }
        }
        let n = (u32::from(vals[0]) << 18) | (u32::from(vals[1]) << 12) | (u32::from(vals[2]) << 6) | u32::from(vals[3]);
        out.push((n >> 16) as u8);
        if pad < 2 {
            out.push((n >> 8) as u8);
        }
        if pad < 1 {
            out.push(n as u8);
        }
    }
    Some(out)
}

/// Go's `%#v` of a decoded value, for go-yaml's and sigs.k8s.io/yaml's messages.
pub(crate) fn go_sharp_v(v: &GoValue) -> String {
    match v {
        GoValue::Nil => "<nil>".into(),
        GoValue::Bool(b) => b.to_string(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Uint(u) => format!("0x{u:x}"),
        GoValue::Float(x) => gofloat::format_g(*x),
        GoValue::Str(s) => go_quote(s),
        GoValue::Seq(items) => {
            let inner: Vec<String> = items.iter().map(go_sharp_v).collect();
            format!("[]interface {{}}{{{}}}", inner.join(", "))
        }
        GoValue::Map(entries) => {
            let mut inner: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}:{}", go_sharp_v(k), go_sharp_v(v))).collect();
            inner.sort();
            format!("map[interface {{}}]interface {{}}{{{}}}", inner.join(", "))
        }
    }
}

/// Go's `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if crate::unicode::is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// go-yaml's name for a decoded value's Go type, as `reflect.TypeOf` prints it.
fn go_type_name(v: &GoValue) -> &'static str {
    match v {
        GoValue::Nil => "%!s(<nil>)",
        GoValue::Bool(_) => "bool",
        GoValue::Int(_) => "int",
        GoValue::Uint(_) => "uint64",
        GoValue::Float(_) => "float64",
        GoValue::Str(_) => "string",
        GoValue::Seq(_) => "[]interface {}",
        GoValue::Map(_) => "map[interface {}]interface {}",
    }
}

// ---------------------------------------------------------------------------------------
// Go values to JSON values

/// sigs.k8s.io/yaml's key conversion: strings as they are, numbers and booleans printed;
/// anything else is an error.
fn key_string(key: &GoValue, value: &GoValue) -> Result<String, YamlError> {
    Ok(match key {
        GoValue::Str(s) => s.clone(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Bool(b) => b.to_string(),
        GoValue::Float(x) => match gofloat::format_g32(*x).as_str() {
            "+Inf" => ".inf".into(),
            "-Inf" => "-.inf".into(),
            "NaN" => ".nan".into(),
            s => s.to_string(),
        },
        other => {
            return Err(convert_error(format!(
                "unsupported map key of type: {}, key: {}, value: {}",
                go_type_name(other),
                go_sharp_v(other),
                go_sharp_v(value)
            )))
        }
    })
}

/// Converts to the value `encoding/json` would decode after `json.Marshal`. `nan` records
/// the first non-finite float, which `json.Marshal` rejects after key conversion succeeded.
fn to_json_value(
    v: GoValue,
    nan: &mut Option<f64>,
    path: &mut Vec<String>,
    string_target: StringTarget<'_>,
) -> Result<Value, YamlError> {
    if let Some(is_string) = string_target {
        if let Some(text) = scalar_text(&v) {
            if is_string(path) {
                return Ok(Value::String(text.into()));
            }
        }
    }
    Ok(match v {
        GoValue::Nil => Value::Nil,
        GoValue::Bool(b) => Value::Bool(b),
        GoValue::Int(i) => Value::Float(i as f64),
        GoValue::Uint(u) => Value::Float(u as f64),
        GoValue::Float(x) => {
            if !x.is_finite() && nan.is_none() {
                *nan = Some(x);
            }
            Value::Float(x)
        }
        GoValue::Str(s) => Value::String(s.into()),
        GoValue::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            path.push("[]".to_string());
            for item in items {
                out.push(to_json_value(item, nan, path, string_target)?);
            }
            path.pop();
            Value::list(out)
        }
        GoValue::Map(entries) => {
            let mut map = Map::default();
            for (k, v) in entries {
                let key = key_string(&k, &v)?;
                path.push(key.clone());
                let value = to_json_value(v, nan, path, string_target);
                path.pop();
                let value = value?;
                map.entries.insert(key.into(), value);
            }
            Value::Map(MapRef::new(map))
        }
    })
}

/// Says, for a path of map keys (`"[]"` for list items), whether the Go field decoded there
/// is a `string`: sigs.k8s.io/yaml then turns a number or boolean into its text.
pub type StringTarget<'a> = Option<&'a dyn Fn(&[String]) -> bool>;

/// sigs.k8s.io/yaml's coercion of a scalar for a `string` target: ints in decimal,
/// floats with `FormatFloat(f, 'g', -1, 32)`, booleans as `true`/`false`.
fn scalar_text(v: &GoValue) -> Option<String> {
    Some(match v {
        GoValue::Int(i) => i.to_string(),
        GoValue::Uint(u) => u.to_string(),
        GoValue::Float(x) => gofloat::format_g32(*x),
        GoValue::Bool(b) => b.to_string(),
        _ => return None,
    })
}

fn document_to_value(doc: &Document) -> Result<Value, YamlError> {
    document_to_value_with(doc, None)
}

fn document_to_value_with(doc: &Document, string_target: StringTarget<'_>) -> Result<Value, YamlError> {
    let Some(root) = doc.root else { return Ok(Value::Nil) };
    if string_target.is_none() {
        if let Some(value) = direct_value(doc, root, 0) {
            return Ok(value);
        }
    }
    let mut decoder = Decoder { doc, decode_count: 0, alias_count: 0, alias_depth: 0, active_aliases: Vec::new() };
    let go = decoder.decode(root, 0)?;
    let mut nan = None;
    let value = to_json_value(go, &mut nan, &mut Vec::new(), string_target)?;
    if let Some(x) = nan {
        return Err(convert_error(format!("json: unsupported value: {}", gofloat::format_g(x))));
    }
    Ok(value)
}

// ---------------------------------------------------------------------------------------
// Nodes straight to JSON values

/// Nesting beyond which the direct conversion leaves a document to the decoder (which
/// reports go-yaml's depth error).
const DIRECT_DEPTH_LIMIT: usize = 200;

/// What [`Decoder`] and [`to_json_value`] make of the everyday document, built without the
/// Go values in between: `None` when the document has aliases, tags, merge keys, map keys
/// that are not strings or a float JSON cannot hold, and the decoder then reads it (and
/// reports its errors). With string keys only, go-yaml's key identity is the JSON key's,
/// so a duplicate key's last value wins both ways.
fn direct_value(doc: &Document, idx: usize, depth: usize) -> Option<Value> {
    if depth > DIRECT_DEPTH_LIMIT {
        return None;
    }
    match &doc.nodes[idx] {
        Node::Scalar { value, style, tag: None } => scalar_json_value(value, *style),
        Node::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for &item in items {
                out.push(direct_value(doc, item, depth + 1)?);
            }
            Some(Value::list(out))
        }
        Node::Map(entries) => {
            let mut map = Map::default();
            for &(k, v) in entries {
                let key = direct_key(&doc.nodes[k])?;
                let value = direct_value(doc, v, depth + 1)?;
                map.entries.insert(key, value);
            }
            Some(Value::Map(MapRef::new(map)))
        }
        Node::Scalar { tag: Some(_), .. } | Node::Alias { .. } => None,
    }
}

/// A map key that go-yaml decodes to a string (and not the merge key `<<`).
fn direct_key(node: &Node) -> Option<std::sync::Arc<str>> {
    let Node::Scalar { value, style, tag: None } = node else { return None };
    let plain = matches!(style, ScalarStyle::Plain);
    if plain && value == "<<" {
        return None;
    }
    if !plain || resolves_to_itself(value) {
        return Some(value.as_ref().into());
    }
    match resolve("", value).1 {
        Resolved::Str(s) | Resolved::Timestamp(s) => Some(s.into()),
        _ => None,
    }
}

/// An untagged scalar as the decoder and the JSON conversion leave it: numbers become
/// floats; `None` for infinities and NaN (which `json.Marshal` refuses).
fn scalar_json_value(value: &str, style: ScalarStyle) -> Option<Value> {
    if !matches!(style, ScalarStyle::Plain) || resolves_to_itself(value) {
        return Some(Value::String(value.into()));
    }
    Some(match resolve("", value).1 {
        Resolved::Null => Value::Nil,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Float(i as f64),
        Resolved::Uint(u) => Value::Float(u as f64),
        Resolved::Float(x) if x.is_finite() => Value::Float(x),
        Resolved::Float(_) => return None,
        Resolved::Str(s) | Resolved::Timestamp(s) | Resolved::Merge(s) => Value::String(s.into()),
    })
}

/// Whether an untagged plain scalar is a string without looking further: go-yaml's
/// `resolve` only considers other types for text starting with one of these bytes (empty
/// text is null).
fn resolves_to_itself(plain: &str) -> bool {
    match plain.as_bytes().first() {
        None => false,
        Some(b) => !matches!(
            b,
            b'+' | b'-' | b'0'..=b'9' | b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' | b'.'
        ),
    }
}

/// Reads every document of `text` both through the direct conversion and through the
/// decoder (tests and fuzzing): the number of documents the direct conversion took, or
/// the first difference.
#[doc(hidden)]
pub fn compare_direct_conversion(text: &str) -> Result<usize, String> {
    let Ok(docs) = read_documents(text, None) else { return Ok(0) };
    let mut converted = 0;
    for (n, doc) in docs.iter().enumerate() {
        let Some(root) = doc.root else { continue };
        let Some(direct) = direct_value(doc, root, 0) else { continue };
        converted += 1;
        let mut decoder = Decoder { doc, decode_count: 0, alias_count: 0, alias_depth: 0, active_aliases: Vec::new() };
        let decoded = decoder
            .decode(root, 0)
            .and_then(|go| to_json_value(go, &mut None, &mut Vec::new(), None))
            .map_err(|e| format!("document {n}: the decoder fails: {e}"))?;
        if !same_value(&direct, &decoded) {
            return Err(format!("document {n}: {direct:?}, decoder {decoded:?}"));
        }
    }
    Ok(converted)
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.elem == y.elem
                && x.nil == y.nil
                && x.items.len() == y.items.len()
                && x.items.iter().zip(&y.items).all(|(p, q)| same_value(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            let (x, y) = (x.read(), y.read());
            x.elem == y.elem
                && x.entries.len() == y.entries.len()
                && x.entries.iter().zip(&y.entries).all(|((kx, vx), (ky, vy))| kx == ky && same_value(vx, vy))
        }
        _ => false,
    }
}

/// The first document, as `sigs.k8s.io/yaml.Unmarshal` into `interface{}` sees it.
pub fn parse_first(text: &str) -> Result<Value, YamlError> {
    let docs = read_documents(text, Some(1))?;
    match docs.first() {
        Some(doc) => document_to_value(doc),
        None => Ok(Value::Nil),
    }
}

/// Every document of a stream.
pub fn parse_stream(text: &str) -> Result<Vec<Value>, YamlError> {
    read_documents(text, None)?.iter().map(document_to_value).collect()
}

/// The first document, decoded into a Go struct whose `string` fields are where
/// `string_target` says: numbers and booleans found there become text, as
/// sigs.k8s.io/yaml does before `encoding/json` fills the struct (Helm's `Chart.yaml`:
/// `version: 1.10` reads as `"1.1"`).
pub fn parse_first_with_string_targets(
    text: &str,
    string_target: &dyn Fn(&[String]) -> bool,
) -> Result<Value, YamlError> {
    let docs = read_documents(text, Some(1))?;
    match docs.first() {
        Some(doc) => document_to_value_with(doc, Some(string_target)),
        None => Ok(Value::Nil),
    }
}
