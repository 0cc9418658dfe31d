//! Validation of chart values against `values.schema.json`, as Helm v4 does it.
//!
//! Helm 4 compiles the schema with `github.com/santhosh-tekuri/jsonschema/v6` (v6.0.2) under
//! the URL `file:///values.schema.json` and validates the coalesced values with it. What a
//! user sees is that library's error tree, printed by its `Error()` method, with the first
//! line (`jsonschema validation failed with 'file:///values.schema.json#'`) cut off by Helm.
//! This module reimplements the validator with the same keyword semantics, the same
//! evaluation order and the same message text, so the lines match Helm's byte for byte:
//!
//! ```text
//! - at '': missing property 'employmentInfo'
//! - at '/age': minimum: got -5, want 0
//! - at '/image': 'oneOf' failed, none matched
//!   - at '/image': got number, want string
//!   - at '/image': got number, want object
//! ```
//!
//! # Drafts
//! `$schema` picks the draft (04, 06, 07, 2019-09, 2020-12; `http://json-schema.org/schema#`
//! and a missing `$schema` mean 2020-12). As in the library, `format` is asserted only for
//! drafts before 2019-09; content keywords are never asserted (Helm does not turn them on).
//!
//! # What Helm does that this module cannot
//! * Helm fetches `http(s)://` `$ref`s (and unknown `$schema` URLs) over the network and reads
//!   `file://` ones from disk. This module is pure: such a reference is a
//!   [`SchemaError::BadSchema`] with Helm's "failing loading" wording. `urn:` references are
//!   permissive `true` schemas, as in Helm.
//! * The library also validates the schema document against its draft's metaschema. This
//!   module checks the schema only as far as it needs to compile it (JSON syntax, `$ref`
//!   targets, regular expressions); a schema that is well-formed for compilation but breaks
//!   a metaschema rule is accepted here where Helm would refuse it.
//! * Go iterates maps in random order, so when several sibling properties of one object fail,
//!   Helm prints them in a different order on every run. Here they come in byte-wise key
//!   order, which is one of the orders Helm can print.
//!
//! # The whole message over a chart and its subcharts
//! Helm's `ValidateAgainstSchema` walks the chart tree depth first: the chart itself (if it
//! has a schema) with all of its values, then each dependency in the order the chart lists
//! them, each with `values[<dependency name>]` — skipped if that key is missing or null, and
//! reported as `invalid type for values: expected object (map), got <Go type>` if it is not a
//! map. Every chart with violations contributes a block (see [`chart_block`]), and the error
//! is [`HEADER`] followed by the blocks ([`format_errors`]). The CLI prints it after `Error: `
//! with a newline, so a validation failure ends in a blank line.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use gotmpl::Value;
use num_bigint::BigInt;
use regex::Regex;

use crate::jsondecode::{decode_document, Json};

/// What went wrong with one chart's values and schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaError {
    /// The values violate the schema: Helm's lines, each like
    /// `- at '/age': minimum: got -5, want 0` (nested causes are indented by two spaces per
    /// level, as Helm prints them).
    Invalid(Vec<String>),
    /// The schema could not be used (bad JSON, dangling `$ref`, bad regex, ...): Helm's
    /// message for it.
    BadSchema(String),
}

/// The first line of Helm's error when any chart's values fail their schema.
pub const HEADER: &str =
    "values don't meet the specifications of the schema(s) in the following chart(s):\n";

/// One chart's part of Helm's message: `name:` on a line of its own, then the violation
/// lines, each ending in a newline. A broken schema's message gets no newline after it
/// (Helm appends one only to validation errors), so a following chart's name runs on.
pub fn chart_block(chart_name: &str, error: &SchemaError) -> String {
    match error {
        SchemaError::Invalid(lines) => {
            let mut out = format!("{chart_name}:\n");
            out.push_str(&lines.join("\n"));
            out.push('\n');
            out
        }
        SchemaError::BadSchema(message) => format!("{chart_name}:\n{message}"),
    }
}

/// Helm's whole error text (without the CLI's `Error: ` prefix) for the charts whose values
/// failed, given in Helm's order (see the module documentation): [`HEADER`], then each
/// chart's block. Charts with no lines are left out. Returns an empty string if no chart
/// failed.
pub fn format_errors(per_chart: &[(String, Vec<String>)]) -> String {
    let blocks: Vec<String> = per_chart
        .iter()
        .filter(|(_, lines)| !lines.is_empty())
        .map(|(name, lines)| chart_block(name, &SchemaError::Invalid(lines.clone())))
        .collect();
    if blocks.is_empty() {
        return String::new();
    }
    let mut out = HEADER.to_string();
    for block in blocks {
        out.push_str(&block);
    }
    out
}

/// The line Helm reports for a subchart whose values are not a map (see the module docs).
pub fn not_a_map_line(value: &Value) -> String {
    format!("invalid type for values: expected object (map), got {}", value.type_name())
}

/// Validates `values` against one chart's `values.schema.json`. `Ok(())` or the list of
/// violation lines without the chart header, each like
/// `- at '/age': minimum: got -5, want 0`, in the order Helm prints them.
pub fn validate(values: &Value, schema: &[u8]) -> Result<(), SchemaError> {
    let document = decode_document(schema).map_err(SchemaError::BadSchema)?;
    let compiled = Compiled::compile(&document).map_err(SchemaError::BadSchema)?;
    let validator = Validator { schema: &compiled };
    let root_scope = Scope { node: compiled.root, ref_keyword: None, vid: 0, parent: None };
    let mut location = Vec::new();
    match validator.validate(compiled.root, values, &mut location, &root_scope, false) {
        Ok(_) => Ok(()),
        Err(error) => {
            // The library wraps the root's error in a "jsonschema validation failed" node
            // whose causes are the root's errors (a group is unwrapped); Helm cuts that
            // node's own line, so the causes are printed from the first indentation level.
            let causes = match error.kind {
                ErrorKind::Group => error.causes,
                _ => vec![error],
            };
            let mut lines = Vec::new();
            for cause in &causes {
                cause.display(1, &mut lines);
            }
            Err(SchemaError::Invalid(lines))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Numbers

/// An exact decimal number: `digits × 10^exponent` (digits without leading or trailing
/// zeros; no digits means zero). JSON numbers in the schema are kept exactly (the library
/// reads them as `json.Number` and compares with `big.Rat`), and values are converted from
/// the text Go prints for them, so comparisons agree with Helm's to the last digit.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

/// Exponents beyond this are clamped: no JSON or Go float text gets near it, and it keeps
/// arithmetic on absurd input (`1e999999999999`) bounded.
const EXPONENT_LIMIT: i64 = 1 << 40;

impl Decimal {
    /// Parses decimal text as `big.Rat.SetString` accepts it from Go's number printing and
    /// JSON: an optional sign, digits with an optional fraction, an optional exponent.
    fn parse(text: &str) -> Option<Decimal> {
        let bytes = text.as_bytes();
        let mut pos = 0;
        let mut negative = false;
        if let Some(&sign @ (b'-' | b'+')) = bytes.first() {
            negative = sign == b'-';
            pos += 1;
        }
        let mut digits = Vec::new();
        let mut exponent: i64 = 0;
        let mut seen_digit = false;
        while let Some(&b) = bytes.get(pos) {
            if !b.is_ascii_digit() {
                break;
            }
            digits.push(b - b'0');
            seen_digit = true;
            pos += 1;
        }
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            while let Some(&b) = bytes.get(pos) {
                if !b.is_ascii_digit() {
                    break;
                }
                digits.push(b - b'0');
                exponent -= 1;
                seen_digit = true;
                pos += 1;
            }
        }
        if !seen_digit {
            return None;
        }
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            let mut exp_negative = false;
            if let Some(&sign @ (b'-' | b'+')) = bytes.get(pos) {
                exp_negative = sign == b'-';
                pos += 1;
            }
            let mut value: i64 = 0;
            let mut any = false;
            while let Some(&b) = bytes.get(pos) {
                if !b.is_ascii_digit() {
                    break;
                }
                value = (value * 10 + i64::from(b - b'0')).min(EXPONENT_LIMIT);
                any = true;
                pos += 1;
            }
            if !any {
                return None;
            }
            exponent += if exp_negative { -value } else { value };
        }
        if pos != bytes.len() {
            return None;
        }
        Some(Decimal::normalized(negative, digits, exponent))
    }

    fn normalized(negative: bool, mut digits: Vec<u8>, mut exponent: i64) -> Decimal {
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        let negative = negative && !digits.is_empty();
        Decimal { negative, digits, exponent: exponent.clamp(-EXPONENT_LIMIT, EXPONENT_LIMIT) }
    }

    fn from_f64(x: f64) -> Option<Decimal> {
        if !x.is_finite() {
            return None;
        }
        // `{:e}` prints the shortest digits that round-trip, as Go's `%v` does.
        Decimal::parse(&format!("{x:e}"))
    }

    fn from_i64(i: i64) -> Decimal {
        Decimal::parse(&i.to_string()).unwrap_or(Decimal { negative: false, digits: Vec::new(), exponent: 0 })
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    fn is_integer(&self) -> bool {
        self.is_zero() || self.exponent >= 0
    }

    /// The nearest float64, as `big.Rat.Float64` gives it.
    fn to_f64(&self) -> f64 {
        if self.is_zero() {
            return 0.0;
        }
        let mut text = String::with_capacity(self.digits.len() + 24);
        if self.negative {
            text.push('-');
        }
        for d in &self.digits {
            text.push(char::from(b'0' + d));
        }
        let _ = write!(text, "e{}", self.exponent);
        text.parse().unwrap_or(0.0)
    }

    fn cmp_magnitude(&self, other: &Decimal) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        // The position of the leading digit decides first, then the digits themselves.
        let lead_self = self.digits.len() as i64 + self.exponent;
        let lead_other = other.digits.len() as i64 + other.exponent;
        lead_self.cmp(&lead_other).then_with(|| self.digits.cmp(&other.digits))
    }

    fn compare(&self, other: &Decimal) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }

    fn mantissa(&self) -> BigInt {
        let mut text = String::with_capacity(self.digits.len());
        for d in &self.digits {
            text.push(char::from(b'0' + d));
        }
        text.parse().unwrap_or_default()
    }

    /// Whether `self / divisor` is an integer (`multipleOf`). A zero divisor never divides
    /// (the metaschema forbids it; Go's `big.Rat` would panic, which Helm reports
    /// differently).
    fn is_multiple_of(&self, divisor: &Decimal) -> bool {
        if divisor.is_zero() {
            return false;
        }
        if self.is_zero() {
            return true;
        }
        let numerator = self.mantissa();
        let denominator = divisor.mantissa();
        let shift = self.exponent - divisor.exponent;
        if shift >= 0 {
            // denominator | numerator × 10^shift. Once 10^shift holds more factors of 2 and 5
            // than the denominator has, more of them change nothing.
            let enough = 4 * divisor.digits.len() as i64 + 4;
            let power = BigInt::from(10u8).pow(shift.min(enough) as u32);
            (numerator * power) % denominator == BigInt::default()
        } else {
            // denominator × 10^-shift | numerator: impossible once that exceeds numerator.
            if -shift > self.digits.len() as i64 {
                return false;
            }
            let power = BigInt::from(10u8).pow((-shift) as u32);
            numerator % (denominator * power) == BigInt::default()
        }
    }
}

/// Groups the digits of a non-negative integer text by thousands with commas, as
/// `golang.org/x/text/message` prints numbers for English.
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    let first = digits.len() % 3;
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (i + 3 - first) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `%d` through the library's English message printer: `1500` prints as `1,500`.
fn format_int(i: i64) -> String {
    let grouped = group_thousands(&i.unsigned_abs().to_string());
    if i < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

const SUPERSCRIPT_DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// `%v` of a float64 through the English message printer: Go's shortest digits; plain
/// notation with thousands separators when the decimal exponent is in [-4, 6) (Go's `%g`
/// rule), otherwise `d.ddd×10ⁿⁿ` with a superscript exponent of at least two digits.
fn format_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "∞".to_string() } else { "-∞".to_string() };
    }
    let sci = format!("{x:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if x == 0.0 {
        return format!("{sign}0");
    }
    if (-4..6).contains(&exp) {
        let (int_part, frac_part) = if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() <= int_len {
                (format!("{digits}{}", "0".repeat(int_len - digits.len())), String::new())
            } else {
                (digits[..int_len].to_string(), digits[int_len..].to_string())
            }
        } else {
            ("0".to_string(), format!("{}{digits}", "0".repeat((-exp - 1) as usize)))
        };
        let mut out = format!("{sign}{}", group_thousands(&int_part));
        if !frac_part.is_empty() {
            out.push('.');
            out.push_str(&frac_part);
        }
        out
    } else {
        let mut out = format!("{sign}{mantissa}×10");
        if exp < 0 {
            out.push('⁻');
        }
        let exp_digits = format!("{:02}", exp.unsigned_abs());
        for c in exp_digits.chars() {
            out.push(SUPERSCRIPT_DIGITS[c.to_digit(10).unwrap_or(0) as usize]);
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// JSON documents

impl Json {
    fn json_type(&self) -> JsonType {
        match self {
            Json::Null => JsonType::Null,
            Json::Bool(_) => JsonType::Boolean,
            Json::Number(..) => JsonType::Number,
            Json::String(_) => JsonType::String,
            Json::Array(_) => JsonType::Array,
            Json::Object(_) => JsonType::Object,
        }
    }

    /// How the library's `display` prints a schema constant (`fmt.Sprintf("%v")`, strings
    /// single-quoted): a `json.Number` prints as written.
    fn display(&self) -> String {
        match self {
            Json::Null => "<nil>".to_string(),
            Json::Bool(b) => b.to_string(),
            Json::Number(text) => text.clone(),
            Json::String(s) => quote(s),
            Json::Array(_) | Json::Object(_) => "value".to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Types, quoting, pointers

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JsonType {
    Null = 1,
    Boolean = 2,
    Number = 4,
    Integer = 8,
    String = 16,
    Array = 32,
    Object = 64,
}

const TYPE_ORDER: [JsonType; 7] = [
    JsonType::Null,
    JsonType::Boolean,
    JsonType::Number,
    JsonType::Integer,
    JsonType::String,
    JsonType::Array,
    JsonType::Object,
];

impl JsonType {
    fn name(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Number => "number",
            JsonType::Integer => "integer",
            JsonType::String => "string",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }

    fn from_name(name: &str) -> Option<JsonType> {
        TYPE_ORDER.into_iter().find(|t| t.name() == name)
    }
}

/// The library's `quote`: Go's `%q`, then single quotes instead of double.
fn quote(s: &str) -> String {
    let quoted = gotmpl::lex::go_quote(s);
    let inner = &quoted[1..quoted.len() - 1];
    let inner = inner.replace("\\\"", "\"").replace('\'', "\\'");
    format!("'{inner}'")
}

fn join_quoted(items: &[String]) -> String {
    items.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
}

fn escape_token(token: &str) -> std::borrow::Cow<'_, str> {
    // Almost no key needs escaping; most schema nodes are reached through one.
    if !token.contains(['~', '/']) {
        return std::borrow::Cow::Borrowed(token);
    }
    std::borrow::Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
}

fn json_pointer(tokens: &[String]) -> String {
    let mut out = String::new();
    for token in tokens {
        out.push('/');
        out.push_str(&escape_token(token));
    }
    out
}

fn split_pointer(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/')
        .map(|token| {
            // `~` must be followed by 0 or 1.
            let mut out = String::with_capacity(token.len());
            let mut chars = token.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return None,
                    }
                } else {
                    out.push(c);
                }
            }
            Some(out)
        })
        .collect()
}

/// Go's `url.PathUnescape` for fragments: `%XX` decoding, failing on a bad escape.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

// ---------------------------------------------------------------------------------------
// URLs (only as much as `$id` and `$ref` resolution needs)

/// The URL Helm compiles every chart schema under.
const ROOT_URL: &str = "file:///values.schema.json";

/// RFC 3986 reference resolution of `reference` (no fragment) against `base`.
fn resolve_url(base: &str, reference: &str) -> String {
    if reference.is_empty() {
        return base.to_string();
    }
    if let Some(colon) = reference.find(':') {
        let scheme = &reference[..colon];
        if !scheme.is_empty()
            && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return reference.to_string();
        }
    }
    let (scheme, rest) = match base.find(':') {
        Some(i) => (&base[..=i], &base[i + 1..]),
        None => ("", base),
    };
    if reference.starts_with("//") {
        return format!("{scheme}{reference}");
    }
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) => match after.find('/') {
            Some(i) => (format!("//{}", &after[..i]), &after[i..]),
            None => (format!("//{after}"), ""),
        },
        None => (String::new(), rest),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let merged = if reference.starts_with('/') {
        reference.to_string()
    } else if reference.starts_with('?') {
        format!("{path}{reference}")
    } else {
        match path.rfind('/') {
            Some(i) => format!("{}{reference}", &path[..=i]),
            None => format!("/{reference}"),
        }
    };
    let (merged_path, query) = match merged.find('?') {
        Some(i) => (&merged[..i], &merged[i..]),
        None => (merged.as_str(), ""),
    };
    format!("{scheme}{authority}{}{query}", remove_dot_segments(merged_path))
}

fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *segment {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if path.starts_with('/') && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

fn split_fragment(s: &str) -> (&str, &str) {
    match s.find('#') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

// ---------------------------------------------------------------------------------------
// Compiled schema

type NodeId = usize;

#[derive(Clone, Debug)]
enum Additional {
    Bool(bool),
    Schema(NodeId),
}

#[derive(Clone, Debug)]
enum Dependency {
    Required(Vec<String>),
    Schema(NodeId),
}

#[derive(Clone, Debug)]
enum Items {
    None,
    One(NodeId),
    Tuple(Vec<NodeId>),
}

/// One compiled (sub)schema, as the library's `Schema` struct holds it.
#[derive(Debug)]
struct Node {
    /// JSON pointer of this schema in the document (for keyword locations).
    pointer: String,
    draft: u32,
    boolean: Option<bool>,
    /// The resource (schema with `$id`, or the root) this node belongs to.
    resource: NodeId,
    dynamic_anchors: HashMap<String, NodeId>,
    reference: Option<NodeId>,
    recursive_ref: Option<NodeId>,
    recursive_anchor: bool,
    dynamic_ref: Option<(NodeId, Option<String>)>,
    dynamic_anchor: Option<String>,
    types: u8,
    enum_values: Option<Vec<Json>>,
    enum_types: u8,
    constant: Option<Json>,
    not: Option<NodeId>,
    all_of: Vec<NodeId>,
    any_of: Vec<NodeId>,
    one_of: Vec<NodeId>,
    if_: Option<NodeId>,
    then_: Option<NodeId>,
    else_: Option<NodeId>,
    format: Option<String>,
    max_properties: Option<i64>,
    min_properties: Option<i64>,
    required: Vec<String>,
    property_names: Option<NodeId>,
    properties: BTreeMap<String, NodeId>,
    pattern_properties: Vec<(Regex, NodeId)>,
    additional_properties: Option<Additional>,
    dependencies: BTreeMap<String, Dependency>,
    dependent_required: BTreeMap<String, Vec<String>>,
    dependent_schemas: BTreeMap<String, NodeId>,
    unevaluated_properties: Option<NodeId>,
    min_items: Option<i64>,
    max_items: Option<i64>,
    unique_items: bool,
    contains: Option<NodeId>,
    min_contains: Option<i64>,
    max_contains: Option<i64>,
    items: Items,
    additional_items: Option<Additional>,
    prefix_items: Vec<NodeId>,
    items2020: Option<NodeId>,
    unevaluated_items: Option<NodeId>,
    min_length: Option<i64>,
    max_length: Option<i64>,
    pattern: Option<(Regex, String)>,
    minimum: Option<Decimal>,
    maximum: Option<Decimal>,
    exclusive_minimum: Option<Decimal>,
    exclusive_maximum: Option<Decimal>,
    multiple_of: Option<Decimal>,
    all_props_evaluated: bool,
    all_items_evaluated: bool,
    num_items_evaluated: usize,
}

impl Node {
    fn new(pointer: String, draft: u32) -> Node {
        Node {
            pointer,
            draft,
            boolean: None,
            resource: 0,
            dynamic_anchors: HashMap::new(),
            reference: None,
            recursive_ref: None,
            recursive_anchor: false,
            dynamic_ref: None,
            dynamic_anchor: None,
            types: 0,
            enum_values: None,
            enum_types: 0,
            constant: None,
            not: None,
            all_of: Vec::new(),
            any_of: Vec::new(),
            one_of: Vec::new(),
            if_: None,
            then_: None,
            else_: None,
            format: None,
            max_properties: None,
            min_properties: None,
            required: Vec::new(),
            property_names: None,
            properties: BTreeMap::new(),
            pattern_properties: Vec::new(),
            additional_properties: None,
            dependencies: BTreeMap::new(),
            dependent_required: BTreeMap::new(),
            dependent_schemas: BTreeMap::new(),
            unevaluated_properties: None,
            min_items: None,
            max_items: None,
            unique_items: false,
            contains: None,
            min_contains: None,
            max_contains: None,
            items: Items::None,
            additional_items: None,
            prefix_items: Vec::new(),
            items2020: None,
            unevaluated_items: None,
            min_length: None,
            max_length: None,
            pattern: None,
            minimum: None,
            maximum: None,
            exclusive_minimum: None,
            exclusive_maximum: None,
            multiple_of: None,
            all_props_evaluated: false,
            all_items_evaluated: false,
            num_items_evaluated: 0,
        }
    }
}

/// A schema resource: a subschema with its own base URL (`$id`), and its anchors.
#[derive(Debug)]
struct Resource {
    /// The absolute URL (without fragment).
    url: String,
    /// Where in the document it is.
    pointer: String,
    anchors: HashMap<String, String>,
    dynamic_anchors: BTreeSet<String>,
}

struct Compiled {
    nodes: Vec<Node>,
    root: NodeId,
}

/// Subschema positions per keyword, as the library lists them to find `$id`s and anchors.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Position {
    Itself,
    Each,
    ItselfOrEach,
    Map,
}

/// Keywords whose values are subschemas, in the library's order, with the first draft that
/// has each.
const SUBSCHEMA_KEYWORDS: [(&str, Position, u32); 21] = [
    ("definitions", Position::Map, 0),
    ("not", Position::Itself, 0),
    ("allOf", Position::Each, 0),
    ("anyOf", Position::Each, 0),
    ("oneOf", Position::Each, 0),
    ("properties", Position::Map, 0),
    ("additionalProperties", Position::Itself, 0),
    ("patternProperties", Position::Map, 0),
    ("items", Position::ItselfOrEach, 0),
    ("additionalItems", Position::Itself, 0),
    ("dependencies", Position::Map, 0),
    ("propertyNames", Position::Itself, 6),
    ("contains", Position::Itself, 6),
    ("if", Position::Itself, 7),
    ("then", Position::Itself, 7),
    ("else", Position::Itself, 7),
    ("$defs", Position::Map, 2019),
    ("dependentSchemas", Position::Map, 2019),
    ("unevaluatedProperties", Position::Itself, 2019),
    ("unevaluatedItems", Position::Itself, 2019),
    ("prefixItems", Position::Each, 2020),
];

/// The subschema keywords present in `object`, in the library's order. Schema objects
/// have a few keys and the table twenty: looking each key up in the table is cheaper than
/// looking each keyword up in the object.
fn subschema_keywords_in(object: &BTreeMap<String, Json>, draft: u32) -> Vec<(&'static str, Position, &Json)> {
    let mut found: Vec<(usize, &Json)> = object
        .iter()
        .filter_map(|(key, value)| {
            let index = SUBSCHEMA_KEYWORDS.iter().position(|(k, _, since)| *k == key && draft >= *since)?;
            Some((index, value))
        })
        .collect();
    found.sort_unstable_by_key(|(index, _)| *index);
    found.into_iter().map(|(index, value)| (SUBSCHEMA_KEYWORDS[index].0, SUBSCHEMA_KEYWORDS[index].1, value)).collect()
}

/// The draft a `$schema` URL names, as the library's `findDraft` matches it.
fn find_draft(url: &str) -> Option<u32> {
    let mut url = url.to_string();
    if let Some(rest) = url.strip_prefix("http://") {
        url = format!("https://{rest}");
    }
    if url.ends_with('#') || url.ends_with("#/") {
        if let Some(i) = url.find('#') {
            url.truncate(i);
        }
    }
    match url.as_str() {
        "https://json-schema.org/schema" => Some(2020),
        "https://json-schema.org/draft/2020-12/schema" => Some(2020),
        "https://json-schema.org/draft/2019-09/schema" => Some(2019),
        "https://json-schema.org/draft-07/schema" => Some(7),
        "https://json-schema.org/draft-06/schema" => Some(6),
        "https://json-schema.org/draft-04/schema" => Some(4),
        _ => None,
    }
}

/// The message Helm gives when a schema needs a document it would have to load: from the
/// network (which this pure module never does) or from the local disk.
fn loading_error(url: &str) -> String {
    if let Some(path) = url.strip_prefix("file://") {
        let path = percent_decode(path).unwrap_or_else(|| path.to_string());
        format!("failing loading {}: open {path}: no such file or directory", gotmpl::lex::go_quote(url))
    } else if url.starts_with("http://") || url.starts_with("https://") {
        format!(
            "failing loading {}: HTTP request failed for {url}: remote schemas are not fetched",
            gotmpl::lex::go_quote(url)
        )
    } else {
        let scheme = url.split(':').next().unwrap_or(url);
        format!("no URLLoader registered for {}", gotmpl::lex::go_quote(scheme))
    }
}

struct Compiler<'d> {
    document: &'d Json,
    draft: u32,
    resources: Vec<Resource>,
    nodes: Vec<Node>,
    by_pointer: HashMap<String, NodeId>,
    queue: Vec<(NodeId, String)>,
    /// Nodes that stand for a schema from outside the document that Helm accepts without
    /// loading (`urn:` references become `true`).
    permissive: Option<NodeId>,
}

impl Compiled {
    fn compile(document: &Json) -> Result<Compiled, String> {
        let draft = match document.get("$schema").and_then(Json::as_str) {
            Some(url) => match find_draft(url) {
                Some(d) => d,
                None => return Err(loading_error(split_fragment(url).0)),
            },
            None => 2020,
        };
        let mut compiler = Compiler {
            document,
            draft,
            resources: Vec::new(),
            nodes: Vec::new(),
            by_pointer: HashMap::new(),
            queue: Vec::new(),
            permissive: None,
        };
        compiler.collect_resources(document, String::new(), ROOT_URL.to_string(), true);
        let root = compiler.enqueue(String::new());
        let mut next = 0;
        while next < compiler.queue.len() {
            let (id, pointer) = compiler.queue[next].clone();
            compiler.compile_node(id, &pointer)?;
            next += 1;
        }
        Ok(Compiled { nodes: compiler.nodes, root })
    }
}

impl<'d> Compiler<'d> {
    fn id_keyword(&self) -> &'static str {
        if self.draft == 4 {
            "id"
        } else {
            "$id"
        }
    }

    /// The `$id` of a schema object, ignored next to `$ref` before 2019-09.
    fn schema_id<'a>(&self, schema: &'a Json) -> Option<&'a str> {
        let object = schema.as_object()?;
        if self.draft <= 7 && object.contains_key("$ref") {
            return None;
        }
        object.get(self.id_keyword()).and_then(Json::as_str)
    }

    /// Finds every resource (`$id`) and anchor in the document, walking only subschema
    /// positions as the library does.
    fn collect_resources(&mut self, schema: &Json, pointer: String, base: String, is_root: bool) {
        let Some(object) = schema.as_object() else {
            if is_root {
                self.resources.push(Resource {
                    url: base,
                    pointer,
                    anchors: HashMap::new(),
                    dynamic_anchors: BTreeSet::new(),
                });
            }
            return;
        };
        let mut base = base;
        let id = self.schema_id(schema).map(str::to_string);
        let mut anchor_from_id = None;
        if let Some(id) = &id {
            let (url, fragment) = split_fragment(id);
            if !url.is_empty() || is_root {
                base = resolve_url(&base, url);
            }
            if !fragment.is_empty() && self.draft <= 7 {
                anchor_from_id = Some(fragment.to_string());
            }
        }
        let new_resource = is_root || id.as_deref().is_some_and(|id| !split_fragment(id).0.is_empty());
        if new_resource {
            self.resources.push(Resource {
                url: base.clone(),
                pointer: pointer.clone(),
                anchors: HashMap::new(),
                dynamic_anchors: BTreeSet::new(),
            });
        }
        // Anchors belong to the innermost resource around them.
        let resource_index = self.innermost_resource(&pointer);
        if let Some(index) = resource_index {
            if let Some(anchor) = anchor_from_id {
                self.resources[index].anchors.insert(anchor, pointer.clone());
            }
            if self.draft >= 2019 {
                if let Some(anchor) = object.get("$anchor").and_then(Json::as_str) {
                    self.resources[index].anchors.insert(anchor.to_string(), pointer.clone());
                }
            }
            if self.draft >= 2020 {
                if let Some(anchor) = object.get("$dynamicAnchor").and_then(Json::as_str) {
                    self.resources[index].anchors.insert(anchor.to_string(), pointer.clone());
                    self.resources[index].dynamic_anchors.insert(anchor.to_string());
                }
            }
        }
        for (keyword, position, value) in subschema_keywords_in(object, self.draft) {
            let child = |suffix: &str| format!("{pointer}/{}{suffix}", escape_token(keyword));
            match (position, value) {
                (Position::Itself | Position::ItselfOrEach, Json::Object(_) | Json::Bool(_)) => {
                    self.collect_resources(value, child(""), base.clone(), false);
                }
                (Position::Each | Position::ItselfOrEach, Json::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        self.collect_resources(item, child(&format!("/{i}")), base.clone(), false);
                    }
                }
                (Position::Map, Json::Object(map)) => {
                    for (name, item) in map {
                        let p = child(&format!("/{}", escape_token(name)));
                        self.collect_resources(item, p, base.clone(), false);
                    }
                }
                _ => {}
            }
        }
    }

    /// The resource whose pointer is the longest prefix of `pointer`.
    fn innermost_resource(&self, pointer: &str) -> Option<usize> {
        self.resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                pointer == r.pointer
                    || (pointer.starts_with(&r.pointer) && pointer.as_bytes().get(r.pointer.len()) == Some(&b'/'))
            })
            .max_by_key(|(_, r)| r.pointer.len())
            .map(|(i, _)| i)
    }

    fn enqueue(&mut self, pointer: String) -> NodeId {
        if let Some(&id) = self.by_pointer.get(&pointer) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(Node::new(pointer.clone(), self.draft));
        self.by_pointer.insert(pointer.clone(), id);
        self.queue.push((id, pointer));
        id
    }

    fn permissive_node(&mut self) -> NodeId {
        if let Some(id) = self.permissive {
            return id;
        }
        let id = self.nodes.len();
        let mut node = Node::new(String::new(), self.draft);
        node.boolean = Some(true);
        self.nodes.push(node);
        self.permissive = Some(id);
        id
    }

    /// Resolves a `$ref`-like value found in the schema at `pointer`.
    fn resolve_reference(&mut self, pointer: &str, reference: &str) -> Result<NodeId, String> {
        let base = self
            .innermost_resource(pointer)
            .map(|i| self.resources[i].url.clone())
            .unwrap_or_else(|| ROOT_URL.to_string());
        let (url_part, fragment) = split_fragment(reference);
        let fragment = percent_decode(fragment).ok_or_else(|| {
            format!("error in parsing {}: invalid URL escape", gotmpl::lex::go_quote(reference))
        })?;
        let url = resolve_url(&base, url_part);
        let Some(resource) = self.resources.iter().find(|r| r.url == url) else {
            if url.starts_with("urn:") {
                return Ok(self.permissive_node());
            }
            if find_draft(&url).is_some() {
                // A metaschema reference: Helm has the metaschemas built in. They accept
                // any well-formed schema, which is what a reference to them checks.
                return Ok(self.permissive_node());
            }
            return Err(loading_error(&url));
        };
        let target = if fragment.is_empty() || fragment.starts_with('/') {
            let tokens = split_pointer(&fragment).ok_or_else(|| {
                format!("invalid json-pointer {}", gotmpl::lex::go_quote(&format!("{url}#{fragment}")))
            })?;
            let base_tokens = split_pointer(&resource.pointer).unwrap_or_default();
            let mut all = base_tokens;
            all.extend(tokens);
            if self.document.lookup(&all).is_none() {
                return Err(format!(
                    "json-pointer in {} not found",
                    gotmpl::lex::go_quote(&format!("{url}#{fragment}"))
                ));
            }
            json_pointer(&all)
        } else {
            match resource.anchors.get(&fragment) {
                Some(p) => p.clone(),
                None => {
                    return Err(format!(
                        "anchor {} not found in {}",
                        gotmpl::lex::go_quote(&fragment),
                        gotmpl::lex::go_quote(&url)
                    ))
                }
            }
        };
        Ok(self.enqueue(target))
    }

    fn child(&mut self, pointer: &str, keyword: &str, object: &BTreeMap<String, Json>) -> Option<NodeId> {
        match object.get(keyword)? {
            Json::Object(_) | Json::Bool(_) => Some(self.enqueue(format!("{pointer}/{}", escape_token(keyword)))),
            _ => None,
        }
    }

    fn children(&mut self, pointer: &str, keyword: &str, object: &BTreeMap<String, Json>) -> Vec<NodeId> {
        match object.get(keyword) {
            Some(Json::Array(items)) => (0..items.len())
                .map(|i| self.enqueue(format!("{pointer}/{}/{i}", escape_token(keyword))))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn child_map(&mut self, pointer: &str, keyword: &str, object: &BTreeMap<String, Json>) -> BTreeMap<String, NodeId> {
        match object.get(keyword) {
            Some(Json::Object(map)) => map
                .keys()
                .map(|name| {
                    let p = format!("{pointer}/{}/{}", escape_token(keyword), escape_token(name));
                    (name.clone(), self.enqueue(p))
                })
                .collect(),
            _ => BTreeMap::new(),
        }
    }

    fn additional(&mut self, pointer: &str, keyword: &str, object: &BTreeMap<String, Json>) -> Option<Additional> {
        match object.get(keyword)? {
            Json::Bool(b) => Some(Additional::Bool(*b)),
            Json::Object(_) => Some(Additional::Schema(self.enqueue(format!("{pointer}/{keyword}")))),
            _ => None,
        }
    }

    /// Compiles a `pattern` or `patternProperties` regex the way Go's `regexp` reads it.
    /// The metaschema's `format: regex` catches a bad one before compilation, so the
    /// error is the metaschema's.
    fn compile_regex(&self, pointer: &str, violation: MetaViolation<'_>, pattern: &str) -> Result<Regex, String> {
        sprig::regex::compile(pattern).map_err(|e| {
            let message = format!("{} is not valid regex: {e}", quote(pattern));
            metaschema_error(self.draft, pointer, violation, &message)
        })
    }

    fn compile_node(&mut self, id: NodeId, pointer: &str) -> Result<(), String> {
        let tokens = split_pointer(pointer).unwrap_or_default();
        let Some(schema) = self.document.lookup(&tokens) else {
            return Err(format!("json-pointer in {} not found", gotmpl::lex::go_quote(&format!("{ROOT_URL}#{pointer}"))));
        };
        let resource_node = match self.innermost_resource(pointer) {
            Some(index) => {
                let resource_pointer = self.resources[index].pointer.clone();
                let dynamic: Vec<(String, String)> = self.resources[index]
                    .dynamic_anchors
                    .iter()
                    .filter_map(|a| self.resources[index].anchors.get(a).map(|p| (a.clone(), p.clone())))
                    .collect();
                let resource_node = self.enqueue(resource_pointer.clone());
                if resource_pointer == pointer && self.draft >= 2020 {
                    for (anchor, anchor_pointer) in dynamic {
                        let target = self.enqueue(anchor_pointer);
                        self.nodes[id].dynamic_anchors.insert(anchor, target);
                    }
                }
                resource_node
            }
            None => id,
        };
        self.nodes[id].resource = resource_node;
        let object = match schema {
            Json::Bool(b) => {
                self.nodes[id].boolean = Some(*b);
                return Ok(());
            }
            Json::Object(map) if map.is_empty() => {
                self.nodes[id].boolean = Some(true);
                return Ok(());
            }
            Json::Object(map) => map,
            other => {
                let want = if self.draft == 4 { "object" } else { "boolean or object" };
                let message = format!("got {}, want {want}", other.json_type().name());
                return Err(metaschema_error(self.draft, pointer, MetaViolation::NotASchema, &message));
            }
        };
        let draft = self.draft;
        let mut node = Node::new(pointer.to_string(), draft);
        node.resource = resource_node;
        node.dynamic_anchors = std::mem::take(&mut self.nodes[id].dynamic_anchors);

        if let Some(reference) = object.get("$ref").and_then(Json::as_str) {
            node.reference = Some(self.resolve_reference(pointer, reference)?);
        }
        let ref_only = draft < 2019 && node.reference.is_some();
        if !ref_only {
            self.compile_keywords(&mut node, pointer, object)?;
        }
        node.all_props_evaluated = node.additional_properties.is_some();
        if draft < 2020 {
            node.all_items_evaluated = node.additional_items.is_some();
            match &node.items {
                Items::One(_) => node.all_items_evaluated = true,
                Items::Tuple(items) => node.num_items_evaluated = items.len(),
                Items::None => {}
            }
        } else {
            node.all_items_evaluated = node.items2020.is_some();
            node.num_items_evaluated = node.prefix_items.len();
        }
        self.nodes[id] = node;
        Ok(())
    }

    fn compile_keywords(&mut self, node: &mut Node, pointer: &str, object: &BTreeMap<String, Json>) -> Result<(), String> {
        let draft = self.draft;
        // Applicators.
        node.all_of = self.children(pointer, "allOf", object);
        node.any_of = self.children(pointer, "anyOf", object);
        node.one_of = self.children(pointer, "oneOf", object);
        node.not = self.child(pointer, "not", object);
        if draft < 2020 {
            match object.get("items") {
                Some(Json::Array(_)) => {
                    node.items = Items::Tuple(self.children(pointer, "items", object));
                    node.additional_items = self.additional(pointer, "additionalItems", object);
                }
                Some(_) => {
                    if let Some(child) = self.child(pointer, "items", object) {
                        node.items = Items::One(child);
                    }
                }
                None => {}
            }
        }
        node.properties = self.child_map(pointer, "properties", object);
        for (pattern, child) in self.child_map(pointer, "patternProperties", object) {
            let regex = self.compile_regex(pointer, MetaViolation::PropertyName(&pattern), &pattern)?;
            node.pattern_properties.push((regex, child));
        }
        node.additional_properties = self.additional(pointer, "additionalProperties", object);
        if let Some(Json::Object(map)) = object.get("dependencies") {
            for (name, value) in map {
                let dependency = match value {
                    Json::Array(items) => Dependency::Required(strings_of(items)),
                    _ => {
                        let p = format!("{pointer}/dependencies/{}", escape_token(name));
                        Dependency::Schema(self.enqueue(p))
                    }
                };
                node.dependencies.insert(name.clone(), dependency);
            }
        }

        // Validation keywords.
        if let Some(types) = object.get("type") {
            match types {
                Json::String(name) => node.types = JsonType::from_name(name).map_or(0, |t| t as u8),
                Json::Array(names) => {
                    for name in names.iter().filter_map(Json::as_str) {
                        node.types |= JsonType::from_name(name).map_or(0, |t| t as u8);
                    }
                }
                _ => {}
            }
        }
        if let Some(Json::Array(values)) = object.get("enum") {
            node.enum_types = values.iter().fold(0, |acc, v| acc | v.json_type() as u8);
            node.enum_values = Some(values.clone());
        }
        node.multiple_of = number_of(object, "multipleOf");
        node.maximum = number_of(object, "maximum");
        if object.get("exclusiveMaximum").is_some_and(|v| matches!(v, Json::Bool(true))) {
            node.exclusive_maximum = node.maximum.take();
        } else {
            node.exclusive_maximum = number_of(object, "exclusiveMaximum");
        }
        node.minimum = number_of(object, "minimum");
        if object.get("exclusiveMinimum").is_some_and(|v| matches!(v, Json::Bool(true))) {
            node.exclusive_minimum = node.minimum.take();
        } else {
            node.exclusive_minimum = number_of(object, "exclusiveMinimum");
        }
        node.min_length = int_of(object, "minLength");
        node.max_length = int_of(object, "maxLength");
        if let Some(pattern) = object.get("pattern").and_then(Json::as_str) {
            let regex = self.compile_regex(pointer, MetaViolation::Keyword("pattern"), pattern)?;
            node.pattern = Some((regex, pattern.to_string()));
        }
        node.min_items = int_of(object, "minItems");
        node.max_items = int_of(object, "maxItems");
        node.unique_items = matches!(object.get("uniqueItems"), Some(Json::Bool(true)));
        node.max_properties = int_of(object, "maxProperties");
        node.min_properties = int_of(object, "minProperties");
        if let Some(Json::Array(items)) = object.get("required") {
            node.required = strings_of(items);
        }
        // `format` is asserted only before 2019-09 (Helm does not enable format assertions,
        // and the default vocabularies of the later drafts only annotate).
        if draft < 2019 {
            node.format = object.get("format").and_then(Json::as_str).map(str::to_string);
        }

        if draft >= 6 {
            node.contains = self.child(pointer, "contains", object);
            node.property_names = self.child(pointer, "propertyNames", object);
            node.constant = object.get("const").cloned();
        }
        if draft >= 7 {
            node.if_ = self.child(pointer, "if", object);
            if node.if_.is_some() {
                let if_bool = match object.get("if") {
                    Some(Json::Bool(b)) => Some(*b),
                    _ => None,
                };
                if if_bool != Some(false) {
                    node.then_ = self.child(pointer, "then", object);
                }
                if if_bool != Some(true) {
                    node.else_ = self.child(pointer, "else", object);
                }
            }
        }
        if draft >= 2019 {
            if let Some(reference) = object.get("$recursiveRef").and_then(Json::as_str) {
                node.recursive_ref = Some(self.resolve_reference(pointer, reference)?);
            }
            node.recursive_anchor = matches!(object.get("$recursiveAnchor"), Some(Json::Bool(true)));
            if node.contains.is_some() {
                node.min_contains = int_of(object, "minContains");
                node.max_contains = int_of(object, "maxContains");
            }
            if let Some(Json::Object(map)) = object.get("dependentRequired") {
                for (name, value) in map {
                    if let Json::Array(items) = value {
                        node.dependent_required.insert(name.clone(), strings_of(items));
                    }
                }
            }
            node.dependent_schemas = self.child_map(pointer, "dependentSchemas", object);
            node.unevaluated_items = self.child(pointer, "unevaluatedItems", object);
            node.unevaluated_properties = self.child(pointer, "unevaluatedProperties", object);
        }
        if draft >= 2020 {
            if let Some(reference) = object.get("$dynamicRef").and_then(Json::as_str) {
                let target = self.resolve_reference(pointer, reference)?;
                let fragment = split_fragment(reference).1;
                let anchor = if fragment.is_empty() || fragment.starts_with('/') {
                    None
                } else {
                    Some(percent_decode(fragment).unwrap_or_else(|| fragment.to_string()))
                };
                node.dynamic_ref = Some((target, anchor));
            }
            node.dynamic_anchor = object.get("$dynamicAnchor").and_then(Json::as_str).map(str::to_string);
            node.prefix_items = self.children(pointer, "prefixItems", object);
            node.items2020 = self.child(pointer, "items", object);
        }
        Ok(())
    }
}

/// Where in a schema a metaschema rule is broken.
enum MetaViolation<'a> {
    /// A keyword of the schema object (`pattern`, ...) has a bad value.
    Keyword(&'a str),
    /// The subschema itself is not a schema (neither an object nor a boolean).
    NotASchema,
    /// A `patternProperties` key is not a valid regular expression.
    PropertyName(&'a str),
}

/// The pointers of the schema objects from the root down to `schema_pointer` (inclusive),
/// following subschema keywords as the metaschema applies itself to them.
fn enclosing_schemas(schema_pointer: &str) -> Vec<String> {
    let tokens = split_pointer(schema_pointer).unwrap_or_default();
    let mut chain = vec![String::new()];
    let mut current = String::new();
    let mut i = 0;
    while i < tokens.len() {
        let keyword = tokens[i].as_str();
        let takes_name = matches!(
            keyword,
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" | "dependencies"
        ) || (matches!(keyword, "allOf" | "anyOf" | "oneOf" | "prefixItems" | "items")
            && tokens.get(i + 1).is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit())));
        let step = if takes_name && i + 1 < tokens.len() { 2 } else { 1 };
        for token in &tokens[i..i + step] {
            current.push('/');
            current.push_str(&escape_token(token));
        }
        chain.push(current.clone());
        i += step;
    }
    chain
}

/// The message for a schema that breaks its metaschema, laid out as the library prints it.
/// The 2019-09 and 2020-12 metaschemas are vocabulary schemas joined by `allOf`, so every
/// schema object on the way down adds an `'allOf' failed` level; the older metaschemas
/// report the leaf directly. A subschema that is not an object fails the metaschema's
/// `type` before its `allOf`, so it adds no level of its own.
fn metaschema_error(draft: u32, schema_pointer: &str, violation: MetaViolation<'_>, message: &str) -> String {
    let metaschema = match draft {
        4 => "http://json-schema.org/draft-04/schema#",
        6 => "http://json-schema.org/draft-06/schema#",
        7 => "http://json-schema.org/draft-07/schema#",
        2019 => "https://json-schema.org/draft/2019-09/schema#",
        _ => "https://json-schema.org/draft/2020-12/schema#",
    };
    let mut out = format!(
        "{} is not valid against metaschema: jsonschema validation failed with {}",
        gotmpl::lex::go_quote(&format!("{ROOT_URL}#")),
        quote(metaschema)
    );
    let mut depth = 0;
    if draft >= 2019 {
        let mut chain = enclosing_schemas(schema_pointer);
        if matches!(violation, MetaViolation::NotASchema) {
            chain.pop();
        }
        for schema_at in chain {
            let _ = write!(out, "\n{}- at {}: 'allOf' failed", "  ".repeat(depth), quote(&schema_at));
            depth += 1;
        }
    }
    let indent = "  ".repeat(depth);
    match violation {
        MetaViolation::Keyword(keyword) => {
            let at = format!("{schema_pointer}/{}", escape_token(keyword));
            let _ = write!(out, "\n{indent}- at {}: {message}", quote(&at));
        }
        MetaViolation::NotASchema => {
            let _ = write!(out, "\n{indent}- at {}: {message}", quote(schema_pointer));
        }
        MetaViolation::PropertyName(name) => {
            // The library reports property-name failures at the instance root.
            let _ = write!(out, "\n{indent}- at '': invalid propertyName {}", quote(name));
            let _ = write!(out, "\n{indent}  - at '': {message}");
        }
    }
    out
}

fn strings_of(items: &[Json]) -> Vec<String> {
    items.iter().filter_map(Json::as_str).map(str::to_string).collect()
}

fn number_of(object: &BTreeMap<String, Json>, keyword: &str) -> Option<Decimal> {
    match object.get(keyword)? {
        Json::Number(text) => Decimal::parse(text),
        _ => None,
    }
}

/// An integer-valued keyword (`minLength`, ...); the library ignores non-integers.
fn int_of(object: &BTreeMap<String, Json>, keyword: &str) -> Option<i64> {
    let d = number_of(object, keyword)?;
    if !d.is_integer() {
        return None;
    }
    let magnitude = d.to_f64().abs();
    let value = if magnitude >= i64::MAX as f64 { i64::MAX } else { magnitude as i64 };
    Some(if d.negative { -value } else { value })
}

// ---------------------------------------------------------------------------------------
// Validation errors

#[derive(Debug)]
enum ErrorKind {
    /// Several errors of one schema, spliced into the parent.
    Group,
    /// A `$ref`-like jump; not printed when it has exactly one cause.
    Reference,
    Message(String),
}

#[derive(Debug)]
struct ValidationError {
    location: Vec<String>,
    kind: ErrorKind,
    causes: Vec<ValidationError>,
}

impl ValidationError {
    /// The library's `display`: one line per printed error, two spaces of indent per level.
    fn display(&self, indent: usize, lines: &mut Vec<String>) {
        let skip = matches!(self.kind, ErrorKind::Reference) && self.causes.len() == 1;
        let mut next_indent = indent;
        if !skip {
            let message = match &self.kind {
                ErrorKind::Group | ErrorKind::Reference => "validation failed",
                ErrorKind::Message(m) => m.as_str(),
            };
            lines.push(format!(
                "{}- at {}: {message}",
                "  ".repeat(indent.saturating_sub(1)),
                quote(&json_pointer(&self.location))
            ));
            next_indent = indent + 1;
        }
        for cause in &self.causes {
            cause.display(next_indent, lines);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Validation

/// Evaluation scope, for reference cycles and dynamic anchors: the chain of schemas applied
/// to reach the current one, each with the id of the instance value it was applied to.
struct Scope<'p> {
    node: NodeId,
    ref_keyword: Option<&'static str>,
    vid: usize,
    parent: Option<&'p Scope<'p>>,
}

impl Scope<'_> {
    fn keyword_location(&self, nodes: &[Node]) -> String {
        let mut location = String::new();
        let mut scope = self;
        while let Some(parent) = scope.parent {
            let part = match scope.ref_keyword {
                Some(keyword) => format!("/{}", escape_token(keyword)),
                None => {
                    let current = &nodes[scope.node].pointer;
                    let above = &nodes[parent.node].pointer;
                    current.get(above.len()..).unwrap_or_default().to_string()
                }
            };
            location = format!("{part}{location}");
            scope = parent;
        }
        location
    }
}

/// Properties and items no keyword has evaluated yet (for `unevaluated*`).
#[derive(Default)]
struct Unevaluated {
    properties: Option<BTreeSet<String>>,
    items: Option<BTreeSet<usize>>,
}

impl Unevaluated {
    fn is_empty(&self) -> bool {
        self.properties.as_ref().is_none_or(BTreeSet::is_empty) && self.items.as_ref().is_none_or(BTreeSet::is_empty)
    }

    /// Keeps only what `other` also left unevaluated.
    fn merge(&mut self, other: &Unevaluated) {
        if let Some(properties) = &mut self.properties {
            properties.retain(|p| other.properties.as_ref().is_some_and(|o| o.contains(p)));
        }
        if let Some(items) = &mut self.items {
            items.retain(|i| other.items.as_ref().is_some_and(|o| o.contains(i)));
        }
    }
}

/// How deep values may nest before validation stops descending (a guard against stack
/// exhaustion on pathological input; real values are far shallower).
const MAX_VALUE_DEPTH: usize = 512;

struct Validator<'c> {
    schema: &'c Compiled,
}

/// The JSON type of a value as the library's `typeOf` sees Go values (every number is
/// `number`); `None` for values JSON has no type for.
fn type_of(value: &Value) -> Option<JsonType> {
    Some(match value {
        Value::Nil => JsonType::Null,
        Value::Bool(_) => JsonType::Boolean,
        Value::Int(_) | Value::Int64(_) | Value::Float(_) => JsonType::Number,
        Value::String(_) => JsonType::String,
        Value::List(_) => JsonType::Array,
        Value::Map(_) => JsonType::Object,
        Value::Object(_) => return None,
    })
}

/// A value's number as `big.Rat` reads it from `fmt.Sprint(v)`.
fn decimal_of(value: &Value) -> Option<Decimal> {
    match value {
        Value::Int(i) | Value::Int64(i) => Some(Decimal::from_i64(*i)),
        Value::Float(x) => Decimal::from_f64(*x),
        _ => None,
    }
}

/// The library's `equals` between an instance value and a schema constant.
fn equals_json(value: &Value, constant: &Json) -> bool {
    match (value, constant) {
        (Value::Nil, Json::Null) => true,
        (Value::Bool(a), Json::Bool(b)) => a == b,
        (Value::String(a), Json::String(b)) => **a == **b,
        (Value::Int(_) | Value::Int64(_) | Value::Float(_), Json::Number(b)) => {
            decimal_of(value).zip(Decimal::parse(b)).is_some_and(|(a, b)| a.compare(&b).is_eq())
        }
        (Value::List(a), Json::Array(b)) => {
            a.items.len() == b.len() && a.items.iter().zip(b).all(|(x, y)| equals_json(x, y))
        }
        (Value::Map(a), Json::Object(b)) => {
            let entries = a.entries();
            entries.len() == b.len()
                && entries.iter().all(|(k, v)| b.get(&**k).is_some_and(|c| equals_json(v, c)))
        }
        _ => false,
    }
}

/// The library's `equals` between two instance values (for `uniqueItems`).
fn equals_values(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Int(_) | Value::Int64(_) | Value::Float(_), Value::Int(_) | Value::Int64(_) | Value::Float(_)) => {
            match (decimal_of(a), decimal_of(b)) {
                (Some(x), Some(y)) => x.compare(&y).is_eq(),
                _ => false,
            }
        }
        (Value::List(x), Value::List(y)) => {
            x.items.len() == y.items.len() && x.items.iter().zip(&y.items).all(|(p, q)| equals_values(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            let (x, y) = (x.entries(), y.entries());
            x.len() == y.len() && x.iter().zip(&y).all(|((kx, vx), (ky, vy))| kx == ky && equals_values(vx, vy))
        }
        _ => false,
    }
}

/// A collector of one schema's errors.
struct Errors<'a> {
    location: &'a [String],
    list: Vec<ValidationError>,
}

impl Errors<'_> {
    fn add(&mut self, message: String) {
        self.list.push(ValidationError {
            location: self.location.to_vec(),
            kind: ErrorKind::Message(message),
            causes: Vec::new(),
        });
    }

    fn add_with_causes(&mut self, message: String, causes: Vec<ValidationError>) {
        self.list.push(ValidationError {
            location: self.location.to_vec(),
            kind: ErrorKind::Message(message),
            causes,
        });
    }

    fn add_result<T>(&mut self, result: Result<T, ValidationError>) {
        if let Err(e) = result {
            self.list.push(e);
        }
    }

    /// A `min*`/`max*` keyword pair on a count (properties, items, characters): each is a
    /// (keyword, limit) pair, the limit absent when the schema does not set it.
    fn count_bounds(&mut self, count: i64, min: (&str, Option<i64>), max: (&str, Option<i64>)) {
        if let (keyword, Some(limit)) = min {
            if count < limit {
                self.add(format!("{keyword}: got {}, want {}", format_int(count), format_int(limit)));
            }
        }
        if let (keyword, Some(limit)) = max {
            if count > limit {
                self.add(format!("{keyword}: got {}, want {}", format_int(count), format_int(limit)));
            }
        }
    }
}

impl<'c> Validator<'c> {
    fn node(&self, id: NodeId) -> &'c Node {
        &self.schema.nodes[id]
    }

    fn single(location: &[String], message: String) -> ValidationError {
        ValidationError { location: location.to_vec(), kind: ErrorKind::Message(message), causes: Vec::new() }
    }

    fn unevaluated_from(&self, value: &Value, node: &Node, caller_needs: bool) -> Unevaluated {
        let mut result = Unevaluated::default();
        match value {
            Value::Map(map) if !node.all_props_evaluated && (caller_needs || node.unevaluated_properties.is_some()) => {
                result.properties = Some(map.keys().iter().map(|k| k.to_string()).collect());
            }
            Value::List(list)
                if !node.all_items_evaluated
                    && (caller_needs || node.unevaluated_items.is_some())
                    && node.num_items_evaluated < list.items.len() =>
            {
                result.items = Some((node.num_items_evaluated..list.items.len()).collect());
            }
            _ => {}
        }
        result
    }

    /// Validates `value` (at `location`) against schema `id`: `Ok` with what is left
    /// unevaluated, or the schema's error (a group if it has several).
    fn validate(
        &self,
        id: NodeId,
        value: &Value,
        location: &mut Vec<String>,
        scope: &Scope<'_>,
        caller_needs: bool,
    ) -> Result<Unevaluated, ValidationError> {
        let node = self.node(id);
        let mut unevaluated = self.unevaluated_from(value, node, caller_needs);
        if let Some(b) = node.boolean {
            return if b { Ok(unevaluated) } else { Err(Self::single(location, "false schema".to_string())) };
        }

        // A schema applied again to the same value without progress loops forever.
        let mut above = scope.parent;
        while let Some(s) = above {
            if s.vid != scope.vid {
                break;
            }
            if s.node == scope.node {
                let message = format!(
                    "both {} and {} resolve to {} causing reference cycle",
                    scope.keyword_location(&self.schema.nodes),
                    s.keyword_location(&self.schema.nodes),
                    gotmpl::lex::go_quote(&format!("{ROOT_URL}#{}", node.pointer))
                );
                return Err(Self::single(location, message));
            }
            above = s.parent;
        }

        let Some(value_type) = type_of(value) else {
            return Err(Self::single(location, format!("invalid jsonType {}", value.type_name())));
        };

        if node.types != 0 {
            let matched = node.types & value_type as u8 != 0
                || (node.types & JsonType::Integer as u8 != 0
                    && value_type == JsonType::Number
                    && decimal_of(value).is_some_and(|d| d.is_integer()));
            if !matched {
                let want: Vec<&str> =
                    TYPE_ORDER.iter().filter(|t| node.types & **t as u8 != 0).map(|t| t.name()).collect();
                return Err(Self::single(
                    location,
                    format!("got {}, want {}", value_type.name(), want.join(" or ")),
                ));
            }
        }

        if let Some(constant) = &node.constant {
            if !equals_json(value, constant) {
                let message = match constant {
                    Json::Array(_) | Json::Object(_) => "'const' failed".to_string(),
                    other => format!("value must be {}", other.display()),
                };
                return Err(Self::single(location, message));
            }
        }

        if let Some(values) = &node.enum_values {
            let matched = node.enum_types & value_type as u8 != 0 && values.iter().any(|c| equals_json(value, c));
            if !matched {
                let all_primitive = values.iter().all(|v| !matches!(v, Json::Array(_) | Json::Object(_)));
                let message = if !all_primitive {
                    "'enum' failed".to_string()
                } else if values.len() == 1 {
                    format!("value must be {}", values[0].display())
                } else {
                    let shown: Vec<String> = values.iter().map(Json::display).collect();
                    format!("value must be one of {}", shown.join(", "))
                };
                return Err(Self::single(location, message));
            }
        }

        if let Some(format) = &node.format {
            if let Value::String(s) = value {
                if let Some(problem) = formats::check(format, s) {
                    return Err(Self::single(location, format!("{} is not valid {format}: {problem}", quote(s))));
                }
            }
        }

        let mut errors = Errors { location: &location.clone(), list: Vec::new() };

        if let Some(target) = node.reference {
            let result = self.validate_reference(target, "$ref", value, location, scope, &mut unevaluated);
            if node.draft < 2019 {
                return result.map(|_| unevaluated);
            }
            errors.add_result(result);
        }

        match value {
            Value::Map(map) => self.validate_object(node, map, location, scope, &mut unevaluated, &mut errors),
            Value::List(list) => self.validate_array(node, &list.items, location, scope, &mut unevaluated, &mut errors),
            Value::String(s) => self.validate_string(node, s, &mut errors),
            Value::Int(_) | Value::Int64(_) | Value::Float(_) => self.validate_number(node, value, &mut errors),
            _ => {}
        }

        if node.draft >= 2019 {
            if let Some(mut target) = node.recursive_ref {
                if self.node(target).recursive_anchor {
                    let mut s = Some(scope);
                    while let Some(current) = s {
                        let resource = self.node(current.node).resource;
                        if self.node(resource).recursive_anchor {
                            target = resource;
                        }
                        s = current.parent;
                    }
                }
                let result = self.validate_reference(target, "$recursiveRef", value, location, scope, &mut unevaluated);
                errors.add_result(result);
            }
            if let Some((initial, anchor)) = &node.dynamic_ref {
                let mut target = *initial;
                if let Some(anchor) = anchor {
                    if self.node(target).dynamic_anchor.as_deref() == Some(anchor.as_str()) {
                        let mut s = Some(scope);
                        while let Some(current) = s {
                            let resource = self.node(current.node).resource;
                            if let Some(&found) = self.node(resource).dynamic_anchors.get(anchor) {
                                target = found;
                            }
                            s = current.parent;
                        }
                    }
                }
                let result = self.validate_reference(target, "$dynamicRef", value, location, scope, &mut unevaluated);
                errors.add_result(result);
            }
        }

        self.validate_conditionals(node, value, location, scope, &mut unevaluated, &mut errors);

        if node.draft >= 2019 {
            self.validate_unevaluated(node, value, location, scope, &mut unevaluated, &mut errors);
        }

        let mut list = errors.list;
        match list.len() {
            0 => Ok(unevaluated),
            1 => Err(list.remove(0)),
            _ => Err(ValidationError { location: location.clone(), kind: ErrorKind::Group, causes: list }),
        }
    }

    /// Applies schema `target` to the same value (an in-place applicator).
    fn validate_self(
        &self,
        target: NodeId,
        ref_keyword: Option<&'static str>,
        value: &Value,
        location: &mut Vec<String>,
        scope: &Scope<'_>,
        unevaluated: &mut Unevaluated,
    ) -> Result<(), ValidationError> {
        let child_scope = Scope { node: target, ref_keyword, vid: scope.vid, parent: Some(scope) };
        let result = self.validate(target, value, location, &child_scope, !unevaluated.is_empty());
        match result {
            Ok(left) => {
                unevaluated.merge(&left);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Applies schema `target` to a child value under `token`.
    fn validate_child(
        &self,
        target: NodeId,
        value: &Value,
        token: String,
        location: &mut Vec<String>,
        scope: &Scope<'_>,
    ) -> Result<(), ValidationError> {
        if location.len() >= MAX_VALUE_DEPTH {
            return Ok(());
        }
        location.push(token);
        let child_scope = Scope { node: target, ref_keyword: None, vid: scope.vid + 1, parent: Some(scope) };
        let result = self.validate(target, value, location, &child_scope, false);
        location.pop();
        result.map(|_| ())
    }

    fn validate_reference(
        &self,
        target: NodeId,
        keyword: &'static str,
        value: &Value,
        location: &mut Vec<String>,
        scope: &Scope<'_>,
        unevaluated: &mut Unevaluated,
    ) -> Result<(), ValidationError> {
        match self.validate_self(target, Some(keyword), value, location, scope, unevaluated) {
            Ok(()) => Ok(()),
            Err(e) => {
                let causes = match e.kind {
                    ErrorKind::Group => e.causes,
                    _ => vec![e],
                };
                Err(ValidationError { location: location.clone(), kind: ErrorKind::Reference, causes })
            }
        }
    }

    fn missing(map: &gotmpl::MapRef, required: &[String]) -> Vec<String> {
        required.iter().filter(|name| !map.contains_key(name)).cloned().collect()
    }

    fn validate_object(
        &self,
        node: &Node,
        map: &gotmpl::MapRef,
        location: &mut Vec<String>,
        scope: &Scope<'_>,
        unevaluated: &mut Unevaluated,
        errors: &mut Errors<'_>,
    ) {
        let entries = map.entries();
        errors.count_bounds(
            entries.len() as i64,
            ("minProperties", node.min_properties),
            ("maxProperties", node.max_properties),
        );
        if !node.required.is_empty() {
            let missing = Self::missing(map, &node.required);
            if missing.len() == 1 {
                errors.add(format!("missing property {}", quote(&missing[0])));
            } else if !missing.is_empty() {
                errors.add(format!("missing properties {}", join_quoted(&missing)));
            }
        }
        for (name, dependency) in &node.dependencies {
            if !map.contains_key(name) {
                continue;
            }
            match dependency {
                Dependency::Required(required) => {
                    let missing = Self::missing(map, required);
                    if !missing.is_empty() {
                        errors.add(format!("properties {} required, if {} exists", join_quoted(&missing), quote(name)));
                    }
                }
                Dependency::Schema(target) => {
                    let value = Value::Map(map.clone());
                    errors.add_result(self.validate_self(*target, None, &value, location, scope, unevaluated));
                }
            }
        }

        let mut additional = Vec::new();
        for (name, value) in &entries {
            let mut evaluated = false;
            if let Some(&target) = node.properties.get(&**name) {
                evaluated = true;
                errors.add_result(self.validate_child(target, value, name.to_string(), location, scope));
            }
            for (regex, target) in &node.pattern_properties {
                if regex.is_match(name) {
                    evaluated = true;
                    errors.add_result(self.validate_child(*target, value, name.to_string(), location, scope));
                }
            }
            if !evaluated {
                match &node.additional_properties {
                    Some(Additional::Bool(false)) => {
                        evaluated = true;
                        additional.push(name.to_string());
                    }
                    Some(Additional::Bool(true)) => evaluated = true,
                    Some(Additional::Schema(target)) => {
                        evaluated = true;
                        errors.add_result(self.validate_child(*target, value, name.to_string(), location, scope));
                    }
                    None => {}
                }
            }
            if evaluated {
                if let Some(properties) = &mut unevaluated.properties {
                    properties.remove(&**name);
                }
            }
        }
        if !additional.is_empty() {
            errors.add(format!("additional properties {} not allowed", join_quoted(&additional)));
        }

        if node.draft == 4 {
            return;
        }
        if let Some(target) = node.property_names {
            for (name, _) in &entries {
                // The name is validated as a value of its own, then reported as one error.
                let name_value = Value::String(name.clone());
                let mut name_location = Vec::new();
                let name_scope = Scope { node: target, ref_keyword: None, vid: 0, parent: None };
                if let Err(e) = self.validate(target, &name_value, &mut name_location, &name_scope, false) {
                    let causes = match e.kind {
                        ErrorKind::Group => e.causes,
                        _ => vec![e],
                    };
                    errors.add_with_causes(format!("invalid propertyName {}", quote(name)), causes);
                }
            }
        }
        if node.draft == 6 {
            return;
        }
        for (name, target) in &node.dependent_schemas {
            if map.contains_key(name) {
                let value = Value::Map(map.clone());
                errors.add_result(self.validate_self(*target, None, &value, location, scope, unevaluated));
            }
        }
        for (name, required) in &node.dependent_required {
            if map.contains_key(name) {
                let missing = Self::missing(map, required);
                if !missing.is_empty() {
                    errors.add(format!("properties {} required, if {} exists", join_quoted(&missing), quote(name)));
                }
            }
        }
    }

    fn validate_array(
        &self,
        node: &Node,
        items: &[Value],
        location: &mut Vec<String>,
        scope: &Scope<'_>,
        unevaluated: &mut Unevaluated,
        errors: &mut Errors<'_>,
    ) {
        errors.count_bounds(items.len() as i64, ("minItems", node.min_items), ("maxItems", node.max_items));
        if node.unique_items && items.len() > 1 {
            'search: for i in 1..items.len() {
                for j in 0..i {
                    if equals_values(&items[i], &items[j]) {
                        errors.add(format!("items at {} and {} are equal", format_int(j as i64), format_int(i as i64)));
                        break 'search;
                    }
                }
            }
        }

        if node.draft < 2020 {
            let mut evaluated = 0;
            match &node.items {
                Items::One(target) => {
                    for (i, item) in items.iter().enumerate() {
                        errors.add_result(self.validate_child(*target, item, i.to_string(), location, scope));
                    }
                    evaluated = items.len();
                }
                Items::Tuple(targets) => {
                    let n = targets.len().min(items.len());
                    for i in 0..n {
                        errors.add_result(self.validate_child(targets[i], &items[i], i.to_string(), location, scope));
                    }
                    evaluated = n;
                }
                Items::None => {}
            }
            match &node.additional_items {
                Some(Additional::Bool(false)) if evaluated != items.len() => {
                    errors.add(format!("last {} additionalItem(s) not allowed", format_int((items.len() - evaluated) as i64)));
                }
                Some(Additional::Schema(target)) => {
                    // v6.0.2 names these items by their index among the additional items
                    // (`/l/0` for the first one after the tuple), not in the array.
                    for (i, item) in items.iter().skip(evaluated).enumerate() {
                        errors.add_result(self.validate_child(*target, item, i.to_string(), location, scope));
                    }
                }
                _ => {}
            }
        } else {
            let evaluated = node.prefix_items.len().min(items.len());
            for (i, (target, item)) in node.prefix_items.iter().zip(items).enumerate() {
                errors.add_result(self.validate_child(*target, item, i.to_string(), location, scope));
            }
            if let Some(target) = node.items2020 {
                // As for additionalItems: v6.0.2 counts from the first item after prefixItems.
                for (i, item) in items.iter().skip(evaluated).enumerate() {
                    errors.add_result(self.validate_child(target, item, i.to_string(), location, scope));
                }
            }
        }

        if let Some(target) = node.contains {
            let mut failures = Vec::new();
            let mut matched = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match self.validate_child(target, item, i.to_string(), location, scope) {
                    Err(e) => failures.push(e),
                    Ok(()) => {
                        matched.push(i);
                        if node.draft >= 2020 {
                            if let Some(left) = &mut unevaluated.items {
                                left.remove(&i);
                            }
                        }
                    }
                }
            }
            let matched_list = matched.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(" ");
            if let Some(min) = node.min_contains {
                if (matched.len() as i64) < min {
                    let message = if matched.is_empty() {
                        format!("min {} items required to match contains schema, but none matched", format_int(min))
                    } else {
                        format!(
                            "min {} items required to match contains schema, but matched {} items at {matched_list}",
                            format_int(min),
                            format_int(matched.len() as i64)
                        )
                    };
                    errors.add_with_causes(message, failures);
                }
            } else if matched.is_empty() {
                errors.add_with_causes("no items match contains schema".to_string(), failures);
            }
            if let Some(max) = node.max_contains {
                if matched.len() as i64 > max {
                    errors.add(format!(
                        "max {} items required to match contains schema, but matched {} items at {matched_list}",
                        format_int(max),
                        format_int(matched.len() as i64)
                    ));
                }
            }
        }
    }

    fn validate_string(&self, node: &Node, s: &str, errors: &mut Errors<'_>) {
        errors.count_bounds(s.chars().count() as i64, ("minLength", node.min_length), ("maxLength", node.max_length));
        if let Some((regex, source)) = &node.pattern {
            if !regex.is_match(s) {
                errors.add(format!("{} does not match pattern {}", quote(s), quote(source)));
            }
        }
    }

    fn validate_number(&self, node: &Node, value: &Value, errors: &mut Errors<'_>) {
        let Some(number) = decimal_of(value) else { return };
        let shown = |d: &Decimal| format_float(d.to_f64());
        // Each bound with the comparisons of the value against it that break it.
        let bounds: [(&str, &Option<Decimal>, fn(std::cmp::Ordering) -> bool); 4] = [
            ("minimum", &node.minimum, std::cmp::Ordering::is_lt),
            ("maximum", &node.maximum, std::cmp::Ordering::is_gt),
            ("exclusiveMinimum", &node.exclusive_minimum, std::cmp::Ordering::is_le),
            ("exclusiveMaximum", &node.exclusive_maximum, std::cmp::Ordering::is_ge),
        ];
        for (keyword, bound, breaks) in bounds {
            if let Some(bound) = bound {
                if breaks(number.compare(bound)) {
                    errors.add(format!("{keyword}: got {}, want {}", shown(&number), shown(bound)));
                }
            }
        }
        if let Some(divisor) = &node.multiple_of {
            if !number.is_multiple_of(divisor) {
                errors.add(format!("multipleOf: got {}, want {}", shown(&number), shown(divisor)));
            }
        }
    }

    fn validate_conditionals(
        &self,
        node: &Node,
        value: &Value,
        location: &mut Vec<String>,
        scope: &Scope<'_>,
        unevaluated: &mut Unevaluated,
        errors: &mut Errors<'_>,
    ) {
        if let Some(target) = node.not {
            if self.validate_self(target, None, value, location, scope, unevaluated).is_ok() {
                errors.add("'not' failed".to_string());
            }
        }
        if !node.all_of.is_empty() {
            let mut failures = Vec::new();
            for &target in &node.all_of {
                if let Err(e) = self.validate_self(target, None, value, location, scope, unevaluated) {
                    failures.push(e);
                }
            }
            if !failures.is_empty() {
                errors.add_with_causes("'allOf' failed".to_string(), failures);
            }
        }
        if !node.any_of.is_empty() {
            let mut matched = false;
            let mut failures = Vec::new();
            for &target in &node.any_of {
                match self.validate_self(target, None, value, location, scope, unevaluated) {
                    Err(e) => failures.push(e),
                    Ok(()) => {
                        matched = true;
                        // Later branches are still evaluated while unevaluated* needs them.
                        if unevaluated.is_empty() {
                            break;
                        }
                    }
                }
            }
            if !matched {
                errors.add_with_causes("'anyOf' failed".to_string(), failures);
            }
        }
        if !node.one_of.is_empty() {
            let mut matched: Option<usize> = None;
            let mut failures = Vec::new();
            for (i, &target) in node.one_of.iter().enumerate() {
                match self.validate_self(target, None, value, location, scope, unevaluated) {
                    Err(e) => {
                        if matched.is_none() {
                            failures.push(e);
                        }
                    }
                    Ok(()) => match matched {
                        None => matched = Some(i),
                        Some(first) => {
                            errors.add(format!("'oneOf' failed, subschemas {first}, {i} matched"));
                            break;
                        }
                    },
                }
            }
            if matched.is_none() {
                errors.add_with_causes("'oneOf' failed, none matched".to_string(), failures);
            }
        }
        if let Some(condition) = node.if_ {
            if self.validate_self(condition, None, value, location, scope, unevaluated).is_ok() {
                if let Some(then) = node.then_ {
                    errors.add_result(self.validate_self(then, None, value, location, scope, unevaluated));
                }
            } else if let Some(otherwise) = node.else_ {
                errors.add_result(self.validate_self(otherwise, None, value, location, scope, unevaluated));
            }
        }
    }

    fn validate_unevaluated(
        &self,
        node: &Node,
        value: &Value,
        location: &mut Vec<String>,
        scope: &Scope<'_>,
        unevaluated: &mut Unevaluated,
        errors: &mut Errors<'_>,
    ) {
        if let (Value::Map(map), Some(target)) = (value, node.unevaluated_properties) {
            for name in unevaluated.properties.take().unwrap_or_default() {
                if let Some(child) = map.get(&name) {
                    errors.add_result(self.validate_child(target, &child, name, location, scope));
                }
            }
        }
        if let (Value::List(list), Some(target)) = (value, node.unevaluated_items) {
            for i in unevaluated.items.take().unwrap_or_default() {
                if let Some(child) = list.items.get(i) {
                    errors.add_result(self.validate_child(target, child, i.to_string(), location, scope));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Formats (asserted for drafts 04, 06 and 07)

mod formats {
    /// Why `s` is not of `format`, in the library's words; `None` if it is, or if the
    /// format is unknown (unknown formats are ignored).
    pub(super) fn check(format: &str, s: &str) -> Option<String> {
        match format {
            "hostname" => hostname(s),
            "ipv4" => ipv4(s),
            "email" => email(s),
            "uuid" => uuid(s),
            "json-pointer" => json_pointer(s),
            "relative-json-pointer" => relative_json_pointer(s),
            "duration" => duration(s),
            "time" => time(s),
            "regex" => sprig::regex::compile(s).err(),
            _ => None,
        }
    }

    /// Go's `%q` of a rune, as `LocalizableError("... %q", ch)` prints it.
    fn quote_rune(c: char) -> String {
        let quoted = gotmpl::lex::go_quote(&c.to_string());
        let inner = &quoted[1..quoted.len() - 1];
        let inner = if inner == "\\\"" { "\"" } else if inner == "'" { "\\'" } else { inner };
        format!("'{inner}'")
    }

    fn hostname(s: &str) -> Option<String> {
        let s = s.strip_suffix('.').unwrap_or(s);
        if s.len() > 253 {
            return Some("more than 253 characters long".into());
        }
        for label in s.split('.') {
            if label.is_empty() || label.len() > 63 {
                return Some("label must be 1 to 63 characters long".into());
            }
            if label.starts_with('-') {
                return Some("label starts with hyphen".into());
            }
            if label.ends_with('-') {
                return Some("label ends with hyphen".into());
            }
            if let Some(c) = label.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
                return Some(format!("invalid character {}", quote_rune(c)));
            }
        }
        None
    }

    fn ipv4(s: &str) -> Option<String> {
        let groups: Vec<&str> = s.split('.').collect();
        if groups.len() != 4 {
            return Some("expected four decimals".into());
        }
        for group in groups {
            if group.len() > 1 && group.starts_with('0') {
                return Some("leading zeros".into());
            }
            // strconv.Atoi's error.
            let digits = group.strip_prefix(['+', '-']).unwrap_or(group);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Some(format!("strconv.Atoi: parsing {}: invalid syntax", gotmpl::lex::go_quote(group)));
            }
            match group.parse::<i64>() {
                Ok(n) if (0..=255).contains(&n) => {}
                Ok(_) => return Some("decimal must be between 0 and 255".into()),
                Err(_) => {
                    return Some(format!("strconv.Atoi: parsing {}: value out of range", gotmpl::lex::go_quote(group)))
                }
            }
        }
        None
    }

    fn email(s: &str) -> Option<String> {
        if s.len() > 254 {
            return Some("more than 255 characters long".into());
        }
        let Some(at) = s.rfind('@') else {
            return Some("missing @".into());
        };
        let (local, domain) = (&s[..at], &s[at + 1..]);
        if local.len() > 64 {
            return Some("local part more than 64 characters long".into());
        }
        if local.len() > 1 && local.starts_with('"') && local.ends_with('"') {
            let inner = &local[1..local.len() - 1];
            if inner.contains('\\') || inner.contains('"') {
                return Some("backslash and quote are not allowed within quoted local part".into());
            }
        } else {
            if local.starts_with('.') {
                return Some("starts with dot".into());
            }
            if local.ends_with('.') {
                return Some("ends with dot".into());
            }
            if local.contains("..") {
                return Some("consecutive dots".into());
            }
            if let Some(c) =
                local.chars().find(|c| !(c.is_ascii_alphanumeric() || ".!#$%&'*+-/=?^_`{|}~".contains(*c)))
            {
                return Some(format!("invalid character {}", quote_rune(c)));
            }
        }
        if domain.starts_with('[') && domain.ends_with(']') && domain.len() >= 2 {
            let inner = &domain[1..domain.len() - 1];
            if inner.starts_with("IPv6:") {
                // IPv6 literals are accepted without the library's full netip check.
                return None;
            }
            return ipv4(inner).map(|e| format!("invalid ipv4 address: {e}"));
        }
        hostname(domain).map(|e| format!("invalid domain: {e}"))
    }

    fn uuid(s: &str) -> Option<String> {
        let lengths = [8, 4, 4, 4, 12];
        let groups: Vec<&str> = s.split('-').collect();
        if groups.len() != lengths.len() {
            return Some(format!("must have {} elements", lengths.len()));
        }
        for (i, group) in groups.iter().enumerate() {
            if group.len() != lengths[i] {
                return Some(format!("element {} must be {} characters long", i + 1, lengths[i]));
            }
            if let Some(c) = group.chars().find(|c| !c.is_ascii_hexdigit()) {
                return Some(format!("non-hex character {}", quote_rune(c)));
            }
        }
        None
    }

    fn json_pointer(s: &str) -> Option<String> {
        if s.is_empty() {
            return None;
        }
        let Some(rest) = s.strip_prefix('/') else {
            return Some("not starting with /".into());
        };
        for token in rest.split('/') {
            let mut escape = false;
            for c in token.chars() {
                if escape {
                    escape = false;
                    if c != '0' && c != '1' {
                        return Some("~ must be followed by 0 or 1".into());
                    }
                    continue;
                }
                if c == '~' {
                    escape = true;
                }
            }
            if escape {
                return Some("~ must be followed by 0 or 1".into());
            }
        }
        None
    }

    fn relative_json_pointer(s: &str) -> Option<String> {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Some("must start with non-negative integer".into());
        }
        if digits > 1 && s.starts_with('0') {
            return Some("starts with zero".into());
        }
        let rest = &s[digits..];
        if rest == "#" {
            return None;
        }
        json_pointer(rest)
    }

    fn duration(s: &str) -> Option<String> {
        let Some(s) = s.strip_prefix('P') else {
            return Some("must start with P".into());
        };
        if s.is_empty() {
            return Some("nothing after P".into());
        }
        if let Some(weeks) = s.strip_suffix('W') {
            if weeks.is_empty() {
                return Some("no number in week".into());
            }
            if !weeks.bytes().all(|b| b.is_ascii_digit()) {
                return Some("invalid week".into());
            }
            return None;
        }
        let all_units = ["YMD", "HMS"];
        for (i, part) in s.split('T').enumerate() {
            if i != 0 && part.is_empty() {
                return Some("no time elements".into());
            }
            if i >= all_units.len() {
                return Some("more than one T".into());
            }
            let mut units = all_units[i];
            let mut rest = part;
            while !rest.is_empty() {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                if digits == 0 {
                    return Some("missing number".into());
                }
                rest = &rest[digits..];
                let Some(unit) = rest.chars().next() else {
                    return Some("missing unit".into());
                };
                match units.find(unit) {
                    Some(j) => units = &units[j + 1..],
                    None => {
                        // `%q` of a byte prints it as a Go rune literal.
                        let shown = quote_rune(char::from(rest.as_bytes()[0]));
                        return Some(if all_units[i].contains(unit) {
                            format!("unit {shown} out of order")
                        } else {
                            format!("invalid unit {shown}")
                        });
                    }
                }
                rest = &rest[unit.len_utf8()..];
            }
        }
        None
    }

    fn time(s: &str) -> Option<String> {
        let b = s.as_bytes();
        if b.len() < 9 {
            return Some("less than 9 characters long".into());
        }
        if b[2] != b':' || b[5] != b':' {
            return Some("missing colon in correct place".into());
        }
        let mut hms = Vec::new();
        for token in s.get(..8)?.splitn(3, ':') {
            let Ok(n) = token.parse::<i64>() else {
                return Some("invalid hour/min/sec".into());
            };
            if n < 0 {
                return Some("non-positive hour/min/sec".into());
            }
            hms.push(n);
        }
        let (mut h, mut m, sec) = (hms[0], hms[1], hms[2]);
        if h > 23 || m > 59 || sec > 60 {
            return Some("hour/min/sec out of range".into());
        }
        let mut rest = &s[8..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Some("no digits in second fraction".into());
            }
            rest = &fraction[digits..];
        }
        if rest != "z" && rest != "Z" {
            if rest.len() != 6 {
                return Some("offset must be 6 characters long".into());
            }
            let sign = match rest.as_bytes()[0] {
                b'+' => -1,
                b'-' => 1,
                _ => return Some("offset must begin with plus/minus".into()),
            };
            let offset = &rest[1..];
            if offset.as_bytes().get(2) != Some(&b':') {
                return Some("missing colon in offset in correct place".into());
            }
            let mut zhm = Vec::new();
            for token in offset.splitn(2, ':') {
                let Ok(n) = token.parse::<i64>() else {
                    return Some("invalid hour/min in offset".into());
                };
                if n < 0 {
                    return Some("non-positive hour/min in offset".into());
                }
                zhm.push(n);
            }
            if zhm[0] > 23 || zhm[1] > 59 {
                return Some("hour/min in offset out of range".into());
            }
            let mut minutes = h * 60 + m + sign * (zhm[0] * 60 + zhm[1]);
            if minutes < 0 {
                minutes += 24 * 60;
            }
            h = minutes / 60;
            m = minutes % 60;
        }
        if sec >= 60 && (h != 23 || m != 59) {
            return Some("invalid leap second".into());
        }
        None
    }
}
