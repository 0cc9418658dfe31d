//! The regex functions (`regexMatch`, `regexFind`, `regexFindAll`, `regexReplaceAll`,
//! `regexReplaceAllLiteral`, `regexSplit`, `regexQuoteMeta` and the `must*` variants), with
//! the semantics of Go's `regexp` package.
//!
//! Go's RE2 syntax is close to the `regex` crate's; the differences that change results are
//! bridged by translating the pattern first:
//! * `\d \w \s \b \B` (and their negations) are ASCII-only in Go, Unicode-aware in Rust;
//! * `\Q...\E` quotes literally in Go, Rust has no such syntax;
//! * a `{` that does not start a valid repeat count is a literal in Go, an error in Rust;
//! * Go rejects nested repetition (`a**`), counts above 1000, and nested counts that
//!   multiply past 1000 (`(a{100}){100}`).
//!
//! Replacement templates use Go's `$name` / `${name}` expansion, implemented here because
//! its corner cases (leading zeros, unknown names, Unicode letters in names) differ from the
//! crate's. Match iteration follows Go's rule for empty matches next to a previous match.

use ::regex::{Captures, Regex};
use gotmpl::{FuncError, FuncMap, Type, Value};
use regex_syntax::ast::{Ast, ErrorKind as AstErrorKind, RepetitionKind, RepetitionRange};

use crate::conv::{arg_int, arg_str};

/// Go's `regexp.QuoteMeta`.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn go_error(code: &str, expr: &str) -> String {
    format!("error parsing regexp: {code}: `{expr}`")
}

/// Length of a valid Go repeat count `{n}`, `{n,}` or `{n,m}` at the start of `s`, and
/// its bounds.
fn repeat_count(s: &str) -> Option<(usize, u64, Option<u64>)> {
    let body_end = s.find('}')?;
    let body = s.get(1..body_end)?;
    let (min, max) = match body.split_once(',') {
        None => (body, Some(body)),
        Some((min, "")) => (min, None),
        Some((min, max)) => (min, Some(max)),
    };
    let number = |t: &str| -> Option<u64> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Go parses up to 8 digits; longer counts are out of range anyway.
        Some(t.parse::<u64>().unwrap_or(u64::MAX))
    };
    let min = number(min)?;
    let max = match max {
        Some(t) => Some(number(t)?),
        None => None,
    };
    Some((body_end + 1, min, max))
}

/// Rewrites a Go pattern into an equivalent one for the `regex` crate, or returns Go's
/// error for the problems the crate would not report the same way.
fn translate(pattern: &str) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut class_start = 0usize;
    // Where the last repetition operator began (for Go's nested-repetition error), if the
    // previous token was one.
    let mut last_repeat: Option<usize> = None;
    let mut i = 0;
    let bytes = pattern.as_bytes();
    while i < pattern.len() {
        let rest = &pattern[i..];
        let c = rest.chars().next().unwrap_or('\0');
        let mut this_repeat = None;
        if c == '\\' {
            let next = rest[1..].chars().next();
            match next {
                Some('Q') if !in_class => {
                    let body = &rest[2..];
                    let (quoted, consumed) = match body.find("\\E") {
                        Some(end) => (&body[..end], 2 + end + 2),
                        None => (body, rest.len()),
                    };
                    out.push_str(&quote_meta(quoted));
                    i += consumed;
                    last_repeat = None;
                    continue;
                }
                Some(letter @ ('d' | 'D' | 'w' | 'W' | 's' | 'S')) => {
                    let set = match letter.to_ascii_lowercase() {
                        'd' => "0-9",
                        'w' => "0-9A-Za-z_",
                        _ => "\\t\\n\\f\\r ",
                    };
                    let negated = letter.is_ascii_uppercase();
                    out.push_str(&format!("[{}{set}]", if negated { "^" } else { "" }));
                    i += 2;
                    last_repeat = None;
                    continue;
                }
                Some(letter @ ('b' | 'B')) if !in_class => {
                    out.push_str(&format!("(?-u:\\{letter})"));
                    i += 2;
                    last_repeat = None;
                    continue;
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                    i += 1 + other.len_utf8();
                    last_repeat = None;
                    continue;
                }
                None => {
                    out.push('\\');
                    i += 1;
                    continue;
                }
            }
        }
        if in_class {
            if c == ']' && i > class_start {
                in_class = false;
            } else if let Some(class_name) = rest.strip_prefix("[:").and_then(|r| r.split_once(":]")).map(|(n, _)| n) {
                // A POSIX class; Go knows only these names.
                const POSIX: &[&str] = &[
                    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
                    "space", "upper", "word", "xdigit",
                ];
                if !POSIX.contains(&class_name.trim_start_matches('^')) {
                    return Err(go_error("invalid character class range", &rest[..class_name.len() + 4]));
                }
                out.push_str(&rest[..class_name.len() + 4]);
                i += class_name.len() + 4;
                continue;
            } else if matches!(c, '[' | '&' | '~') {
                // Literal in Go; nested classes and set operators in Rust.
                out.push('\\');
            }
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push('[');
                i += 1;
                // A `]` right after `[` or `[^` is a literal member.
                if bytes.get(i) == Some(&b'^') {
                    out.push('^');
                    i += 1;
                }
                class_start = i + 1;
                if bytes.get(i) == Some(&b']') {
                    out.push_str("\\]");
                    i += 1;
                }
                last_repeat = None;
                continue;
            }
            '*' | '+' | '?' => {
                this_repeat = Some(i);
                let mut len = 1;
                if bytes.get(i + 1) == Some(&b'?') {
                    len = 2;
                }
                if let Some(start) = last_repeat {
                    return Err(go_error("invalid nested repetition operator", &pattern[start..i + len]));
                }
                out.push_str(&rest[..len]);
                i += len;
            }
            '{' => match repeat_count(rest) {
                Some((len, min, max)) => {
                    if min > 1000 || max.is_some_and(|m| m > 1000 || m < min) {
                        return Err(go_error("invalid repeat count", &rest[..len]));
                    }
                    let mut len = len;
                    if bytes.get(i + len) == Some(&b'?') {
                        len += 1;
                    }
                    this_repeat = Some(i);
                    if let Some(start) = last_repeat {
                        return Err(go_error("invalid nested repetition operator", &pattern[start..i + len]));
                    }
                    out.push_str(&rest[..len]);
                    i += len;
                }
                None => {
                    out.push_str("\\{");
                    i += 1;
                }
            },
            _ => {
                out.push(c);
                i += c.len_utf8();
            }
        }
        last_repeat = this_repeat;
    }
    Ok(out)
}

/// Parses a translated pattern, with Go's message for a pattern Go's parser rejects.
/// `original` is the pattern as written, `pattern` its translation (which is what is
/// parsed, so that Go-only syntax does not trip the parser).
fn parse(original: &str, pattern: &str) -> Result<Ast, String> {
    let mut parser = regex_syntax::ast::parse::Parser::new();
    let err = match parser.parse(pattern) {
        Ok(ast) => {
            return match first_oversized_repeat(&ast) {
                Some(op) => Err(go_error("invalid repeat count", &pattern[op.start.offset..op.end.offset])),
                None => Ok(ast),
            }
        }
        Err(err) => err,
    };
    let span = err.span();
    let text = pattern.get(span.start.offset..span.end.offset).unwrap_or("");
    let from_start = pattern.get(span.start.offset..).unwrap_or("");
    // Go quotes a group's syntax from its `(?` up to the offending part.
    let group_start = pattern.get(..span.start.offset).and_then(|head| head.rfind("(?")).unwrap_or(span.start.offset);
    let from_group = |extra: usize| pattern.get(group_start..(span.end.offset + extra).min(pattern.len())).unwrap_or("");
    let pattern = original;
    Err(match err.kind() {
        AstErrorKind::GroupUnclosed => go_error("missing closing )", pattern),
        AstErrorKind::GroupUnopened => go_error("unexpected )", pattern),
        AstErrorKind::ClassUnclosed => go_error("missing closing ]", from_start),
        AstErrorKind::ClassRangeInvalid | AstErrorKind::ClassRangeLiteral => {
            go_error("invalid character class range", text)
        }
        AstErrorKind::EscapeUnexpectedEof => go_error("trailing backslash at end of expression", ""),
        AstErrorKind::EscapeUnrecognized
        | AstErrorKind::ClassEscapeInvalid
        | AstErrorKind::UnsupportedBackreference
        | AstErrorKind::EscapeHexEmpty
        | AstErrorKind::EscapeHexInvalid
        | AstErrorKind::EscapeHexInvalidDigit => go_error("invalid escape sequence", text),
        AstErrorKind::RepetitionMissing => {
            // Go quotes the operator itself: `*`, `+?`, `{2}`.
            let operator_len = match from_start.as_bytes().first() {
                Some(b'{') => from_start.find('}').map_or(from_start.len(), |i| i + 1),
                _ => 1,
            };
            let lazy = usize::from(from_start.as_bytes().get(operator_len) == Some(&b'?'));
            go_error("missing argument to repetition operator", &from_start[..operator_len + lazy])
        }
        AstErrorKind::RepetitionCountInvalid
        | AstErrorKind::RepetitionCountUnclosed
        | AstErrorKind::RepetitionCountDecimalEmpty => go_error("invalid repeat count", text),
        AstErrorKind::GroupNameEmpty
        | AstErrorKind::GroupNameInvalid
        | AstErrorKind::GroupNameUnexpectedEof
        | AstErrorKind::GroupNameDuplicate { .. } => go_error("invalid named capture", from_group(1)),
        AstErrorKind::UnicodeClassInvalid => go_error("invalid character class range", text),
        AstErrorKind::FlagUnrecognized
        | AstErrorKind::FlagDanglingNegation
        | AstErrorKind::FlagRepeatedNegation { .. }
        | AstErrorKind::FlagDuplicate { .. }
        | AstErrorKind::FlagUnexpectedEof
        | AstErrorKind::UnsupportedLookAround => go_error("invalid or unsupported Perl syntax", from_group(0)),
        _ => go_error("invalid or unsupported Perl syntax", text),
    })
}

/// Go's limit on how many copies of one thing nested counted repeats may make:
/// `(a{100}){100}` asks for 10000 `a`s, and Go refuses it just as it refuses `a{10000}`.
const MAX_REPEAT_COPIES: u64 = 1000;

/// Go's nested-repeat rule (`regexp/syntax`'s `repeatIsValid`, checked as each counted
/// repeat of 2 or more is parsed): the operator span of the first repeat, in the order Go
/// parses them (innermost and leftmost first), whose counts multiplied with the counts
/// inside it exceed [`MAX_REPEAT_COPIES`]. The parser's own nesting limit bounds the
/// recursion.
fn first_oversized_repeat(ast: &Ast) -> Option<regex_syntax::ast::Span> {
    match ast {
        Ast::Repetition(repetition) => {
            if let Some(span) = first_oversized_repeat(&repetition.ast) {
                return Some(span);
            }
            if let RepetitionKind::Range(range) = &repetition.op.kind {
                let (min, max) = range_bounds(range);
                if (min >= 2 || max.is_some_and(|m| m >= 2)) && !repeat_is_valid(ast, MAX_REPEAT_COPIES) {
                    return Some(repetition.op.span);
                }
            }
            None
        }
        Ast::Group(group) => first_oversized_repeat(&group.ast),
        Ast::Concat(concat) => concat.asts.iter().find_map(first_oversized_repeat),
        Ast::Alternation(alternation) => alternation.asts.iter().find_map(first_oversized_repeat),
        _ => None,
    }
}

/// A counted repeat's minimum and maximum (`None`: unbounded).
fn range_bounds(range: &RepetitionRange) -> (u64, Option<u64>) {
    match *range {
        RepetitionRange::Exactly(n) => (n.into(), Some(n.into())),
        RepetitionRange::AtLeast(min) => (min.into(), None),
        RepetitionRange::Bounded(min, max) => (min.into(), Some(max.into())),
    }
}

/// Whether `ast` makes at most `copies` copies of its innermost parts: each counted repeat
/// on the way down divides what is left by its count (its maximum, or its minimum when
/// unbounded); a repeat of at most 0 makes none.
fn repeat_is_valid(ast: &Ast, mut copies: u64) -> bool {
    if let Ast::Repetition(repetition) = ast {
        if let RepetitionKind::Range(range) = &repetition.op.kind {
            let count = match range_bounds(range) {
                (_, Some(0)) => return true,
                (_, Some(max)) => max,
                (min, None) => min,
            };
            if count > copies {
                return false;
            }
            if count > 0 {
                copies /= count;
            }
        }
    }
    match ast {
        Ast::Repetition(repetition) => repeat_is_valid(&repetition.ast, copies),
        Ast::Group(group) => repeat_is_valid(&group.ast, copies),
        Ast::Concat(concat) => concat.asts.iter().all(|sub| repeat_is_valid(sub, copies)),
        Ast::Alternation(alternation) => alternation.asts.iter().all(|sub| repeat_is_valid(sub, copies)),
        _ => true,
    }
}

/// Go's `regexp.Compile`, with Go's error text.
///
/// Compiled patterns are remembered: charts call the same `regexReplaceAll` from a helper
/// once per resource, and compiling costs far more than matching (argo-cd compiled one
/// pattern 73 times, a tenth of its run). A `Regex` clone shares the compiled program.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    /// Patterns kept at most (charts use a handful).
    static COMPILED: crate::memo::Memo<String, Result<Regex, String>> = crate::memo::Memo::new(256);
    COMPILED.get_or_compute(pattern, || compile_uncached(pattern))
}

fn compile_uncached(pattern: &str) -> Result<Regex, String> {
    let translated = translate(pattern)?;
    parse(pattern, &translated)?;
    Regex::new(&translated).map_err(|e| {
        // Only size limits should get here; Go has no such limit short of memory.
        go_error("expression too large", &e.to_string())
    })
}

/// Go's `regexp.MustCompile` panic, which the template engine reports as the call's error.
fn must_compile(pattern: &str) -> Result<Regex, FuncError> {
    compile(pattern).map_err(|e| {
        let quoted = if pattern.contains('`') || pattern.chars().any(|c| c.is_control() && c != '\t') {
            gotmpl::lex::go_quote(pattern)
        } else {
            format!("`{pattern}`")
        };
        FuncError::msg(format!("regexp: Compile({quoted}): {e}"))
    })
}

/// Width of the character at `pos` (1 at the end, so the search moves past it).
fn char_width(s: &str, pos: usize) -> usize {
    s[pos..].chars().next().map_or(1, char::len_utf8)
}

/// Go's `allMatches`: up to `n` matches (all if negative), skipping an empty match that
/// starts where the previous match ended.
fn all_matches<'h>(re: &Regex, s: &'h str, n: i64) -> Vec<Captures<'h>> {
    let limit = if n < 0 { s.len() + 1 } else { n as usize };
    let mut found = Vec::new();
    let mut pos = 0;
    let mut prev_end: Option<usize> = None;
    while found.len() < limit && pos <= s.len() {
        let Some(caps) = re.captures_at(s, pos) else { break };
        let Some(m) = caps.get(0) else { break };
        let mut accept = true;
        if m.end() == pos {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos += char_width(s, pos);
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            found.push(caps);
        }
    }
    found
}

/// Go's template expansion for `ReplaceAllString`: `$1`, `$name`, `${name}`, `$$`.
fn expand(re: &Regex, template: &str, caps: &Captures, out: &mut String) {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let braced = rest.starts_with('{');
        let body = if braced { &rest[1..] } else { rest };
        let name_len: usize = body
            .chars()
            .take_while(|c| c.is_alphabetic() || c.is_numeric() || *c == '_')
            .map(char::len_utf8)
            .sum();
        let closed = !braced || body[name_len..].starts_with('}');
        if name_len == 0 || !closed {
            // Malformed: the `$` is literal text.
            out.push('$');
            continue;
        }
        let name = &body[..name_len];
        rest = &body[name_len + usize::from(braced)..];
        let number = if name.bytes().all(|b| b.is_ascii_digit()) && !(name.len() > 1 && name.starts_with('0')) {
            name.parse::<usize>().ok().filter(|n| *n < 100_000_000)
        } else {
            None
        };
        let group = match number {
            Some(index) => caps.get(index),
            None => re
                .capture_names()
                .position(|n| n == Some(name))
                .and_then(|index| caps.get(index)),
        };
        if let Some(m) = group {
            out.push_str(m.as_str());
        }
    }
    out.push_str(rest);
}

/// Go's `ReplaceAllString` / `ReplaceAllLiteralString`.
fn replace_all(re: &Regex, s: &str, replacement: &str, literal: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_end = 0;
    let mut search = 0;
    while search <= s.len() {
        let Some(caps) = re.captures_at(s, search) else { break };
        let Some(m) = caps.get(0) else { break };
        out.push_str(&s[last_end..m.start()]);
        // An empty match right after the previous one is not replaced.
        if m.end() > last_end || m.start() == 0 {
            if literal {
                out.push_str(replacement);
            } else {
                expand(re, replacement, &caps, &mut out);
            }
        }
        last_end = m.end();
        let width = char_width(s, search);
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
    }
    out.push_str(&s[last_end.min(s.len())..]);
    out
}

/// Go's `Regexp.Split`.
fn split(re: &Regex, pattern: &str, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !pattern.is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let matches = all_matches(re, s, n);
    let mut parts = Vec::new();
    let (mut begin, mut end) = (0, 0);
    for caps in &matches {
        let Some(m) = caps.get(0) else { continue };
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            parts.push(s[begin..end].to_string());
        }
        begin = m.end();
    }
    if end != s.len() {
        parts.push(s[begin..].to_string());
    }
    parts
}

/// Go's `FindAllString`: no match (or `n == 0`) gives a nil `[]string`, which `toJson`
/// prints as `null`.
fn find_all(re: &Regex, s: &str, n: i64) -> Value {
    let found = if n == 0 { Vec::new() } else { all_matches(re, s, n) };
    if found.is_empty() {
        return Value::nil_list(Type::String);
    }
    Value::string_list(found.iter().filter_map(|c| c.get(0)).map(|m| m.as_str().to_string()))
}

fn find(re: &Regex, s: &str) -> Value {
    Value::str(re.find(s).map_or("", |m| m.as_str()))
}

/// Registers `name` (compile errors are panics, as with `regexp.MustCompile`) and
/// `mustName` (compile errors are returned), sharing one body.
fn add_pair<F>(m: &mut FuncMap, name: &str, params: &[Type], body: F)
where
    F: Fn(&Regex, &[Value]) -> Value + Send + Sync + Copy + 'static,
{
    m.add(name, params, move |_, args| {
        let re = must_compile(arg_str(args, 0))?;
        Ok(body(&re, args))
    });
    let mut must = String::from("must");
    must.push_str(&name[..1].to_ascii_uppercase());
    must.push_str(&name[1..]);
    m.add(&must, params, move |_, args| {
        let re = compile(arg_str(args, 0)).map_err(FuncError::msg)?;
        Ok(body(&re, args))
    });
}

pub fn register(m: &mut FuncMap) {
    // regexMatch swallows compile errors (Go's MatchString error is ignored).
    m.add("regexMatch", &[Type::String, Type::String], |_, args| {
        Ok(Value::Bool(compile(arg_str(args, 0)).is_ok_and(|re| re.is_match(arg_str(args, 1)))))
    });
    m.add("mustRegexMatch", &[Type::String, Type::String], |_, args| {
        let re = compile(arg_str(args, 0)).map_err(FuncError::msg)?;
        Ok(Value::Bool(re.is_match(arg_str(args, 1))))
    });
    add_pair(m, "regexFindAll", &[Type::String, Type::String, Type::Int], |re, args| {
        find_all(re, arg_str(args, 1), arg_int(args, 2))
    });
    add_pair(m, "regexFind", &[Type::String, Type::String], |re, args| find(re, arg_str(args, 1)));
    add_pair(m, "regexReplaceAll", &[Type::String, Type::String, Type::String], |re, args| {
        Value::str(replace_all(re, arg_str(args, 1), arg_str(args, 2), false))
    });
    add_pair(m, "regexReplaceAllLiteral", &[Type::String, Type::String, Type::String], |re, args| {
        Value::str(replace_all(re, arg_str(args, 1), arg_str(args, 2), true))
    });
    add_pair(m, "regexSplit", &[Type::String, Type::String, Type::Int], |re, args| {
        // Go's Split returns nil for n == 0 and a made (non-nil) slice otherwise.
        if arg_int(args, 2) == 0 {
            return Value::nil_list(Type::String);
        }
        Value::string_list(split(re, arg_str(args, 0), arg_str(args, 1), arg_int(args, 2)))
    });
    m.add("regexQuoteMeta", &[Type::String], |_, args| Ok(Value::str(quote_meta(arg_str(args, 0)))));
}
