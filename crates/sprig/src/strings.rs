//! Sprig's string functions (strings.go and the string entries of functions.go), with the
//! exact behaviour of the Go helpers they wrap: Go's `strings` package, goutils v1.1.1
//! (abbrev, wrap, initials, nospace, swapcase, untitle) and xstrings v1.5.0 (camelcase,
//! snakecase, kebabcase, shuffle).
//!
//! Go strings are byte strings and several of these helpers slice or walk them byte by byte
//! (`trunc`, `abbrev`, `wrapWith`, `initials`, `nospace`). Where Go would produce invalid
//! UTF-8 by cutting a multi-byte character, we produce U+FFFD instead, since our strings
//! must be valid UTF-8; where Go reinterprets bytes as Latin-1 code points (`initials`,
//! `nospace`), we do the same, which gives Go's exact (mojibake) output.

use std::collections::BTreeMap;

use gotmpl::{gofmt, FuncError, FuncMap, Str, Type, Value};
use unicode_general_category_15::{get_general_category, GeneralCategory};

use crate::conv::{arg, arg_int, arg_str, go_slice_str, strval, to_strings};

/// The largest string `repeat`, `indent` and friends will build. Go has no such limit (it
/// would try to allocate and crash); we refuse rather than exhaust memory.
const MAX_BUILT_STRING: usize = 1 << 28;

pub fn register(m: &mut FuncMap) {
    use Type::{Any, Int, String as S};

    m.add("abbrev", &[Int, S], |_, a| Ok(abbrev(arg_int(a, 0), arg_str(a, 1)).into()));
    m.add("abbrevboth", &[Int, Int, S], |_, a| {
        Ok(abbrevboth(arg_int(a, 0), arg_int(a, 1), arg_str(a, 2)).into())
    });
    m.add("trunc", &[Int, S], |_, a| Ok(trunc(arg_int(a, 0), arg_str(a, 1)).into()));
    m.add("trim", &[S], |_, a| Ok(arg_str(a, 0).trim_matches(go_is_space).into()));
    m.add("upper", &[S], |_, a| Ok(arg_str(a, 0).chars().map(go_to_upper).collect::<String>().into()));
    m.add("lower", &[S], |_, a| Ok(arg_str(a, 0).chars().map(go_to_lower).collect::<String>().into()));
    m.add("title", &[S], |_, a| Ok(title(arg_str(a, 0)).into()));
    m.add("untitle", &[S], |_, a| Ok(untitle(arg_str(a, 0)).into()));
    m.add("substr", &[Int, Int, S], |_, a| {
        substr(arg_int(a, 0), arg_int(a, 1), arg_str(a, 2)).map(Value::from).map_err(FuncError::Msg)
    });
    m.add("repeat", &[Int, S], |_, a| {
        repeat(arg_str(a, 1), arg_int(a, 0)).map(Value::from).map_err(FuncError::Msg)
    });
    for name in ["trimall", "trimAll"] {
        m.add(name, &[S, S], |_, a| {
            let cutset = arg_str(a, 0);
            Ok(arg_str(a, 1).trim_matches(|c| cutset.contains(c)).into())
        });
    }
    m.add("trimSuffix", &[S, S], |_, a| {
        let (suffix, s) = (arg_str(a, 0), arg_str(a, 1));
        Ok(s.strip_suffix(suffix).unwrap_or(s).into())
    });
    m.add("trimPrefix", &[S, S], |_, a| {
        let (prefix, s) = (arg_str(a, 0), arg_str(a, 1));
        Ok(s.strip_prefix(prefix).unwrap_or(s).into())
    });
    m.add("nospace", &[S], |_, a| Ok(delete_white_space(arg_str(a, 0)).into()));
    m.add("initials", &[S], |_, a| Ok(initials(arg_str(a, 0)).into()));
    m.add("swapcase", &[S], |_, a| Ok(swap_case(arg_str(a, 0)).into()));
    m.add("shuffle", &[S], |_, a| Ok(shuffle(arg_str(a, 0)).into()));
    m.add("snakecase", &[S], |_, a| Ok(camel_to_lower(arg_str(a, 0), '_').into()));
    m.add("kebabcase", &[S], |_, a| Ok(camel_to_lower(arg_str(a, 0), '-').into()));
    m.add("camelcase", &[S], |_, a| Ok(camelcase(arg_str(a, 0)).into()));
    m.add("wrap", &[Int, S], |_, a| Ok(wrap_custom(arg_str(a, 1), arg_int(a, 0), "", false).into()));
    m.add("wrapWith", &[Int, S, S], |_, a| {
        Ok(wrap_custom(arg_str(a, 2), arg_int(a, 0), arg_str(a, 1), true).into())
    });
    m.add("contains", &[S, S], |_, a| Ok(arg_str(a, 1).contains(arg_str(a, 0)).into()));
    m.add("hasPrefix", &[S, S], |_, a| Ok(arg_str(a, 1).starts_with(arg_str(a, 0)).into()));
    m.add("hasSuffix", &[S, S], |_, a| Ok(arg_str(a, 1).ends_with(arg_str(a, 0)).into()));
    m.add_variadic("quote", &[], Any, |_, a| {
        let quoted: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| gofmt::sprintf("%q", &[Value::from(strval(v))]))
            .collect();
        Ok(quoted.join(" ").into())
    });
    m.add_variadic("squote", &[], Any, |_, a| {
        let quoted: Vec<String> =
            a.iter().filter(|v| !v.is_nil()).map(|v| format!("'{}'", gofmt::format_v(v))).collect();
        Ok(quoted.join(" ").into())
    });
    m.add_variadic("cat", &[], Any, |_, a| {
        let parts: Vec<String> = a.iter().filter(|v| !v.is_nil()).map(gofmt::format_v).collect();
        Ok(parts.join(" ").into())
    });
    m.add("indent", &[Int, S], |_, a| {
        indent(arg_int(a, 0), arg_str(a, 1)).map(Value::from).map_err(FuncError::Msg)
    });
    m.add("nindent", &[Int, S], |_, a| {
        indent(arg_int(a, 0), arg_str(a, 1)).map(|s| Value::from(format!("\n{s}"))).map_err(FuncError::Msg)
    });
    m.add("replace", &[S, S, S], |_, a| {
        Ok(go_replace(arg_str(a, 2), arg_str(a, 0), arg_str(a, 1), -1).into())
    });
    m.add("plural", &[S, S, Int], |_, a| {
        Ok(if arg_int(a, 2) == 1 { arg(a, 0) } else { arg(a, 1) })
    });
    m.add("toString", &[Any], |_, a| Ok(strval(&arg(a, 0)).into()));
    m.add("toStrings", &[Any], |_, a| Ok(strslice_result(&arg(a, 0), to_strings(&arg(a, 0)))));
    m.add("join", &[S, Any], |_, a| Ok(to_strings(&arg(a, 1)).join(arg_str(a, 0)).into()));
    m.add("sortAlpha", &[Any], |_, a| Ok(strslice_result(&arg(a, 0), sort_alpha(&arg(a, 0)))));
    m.add("split", &[S, S], |_, a| Ok(index_map(go_split(arg_str(a, 1), arg_str(a, 0), -1))));
    m.add("splitn", &[S, Int, S], |_, a| {
        Ok(index_map(go_split(arg_str(a, 2), arg_str(a, 0), arg_int(a, 1))))
    });
    m.add("splitList", &[S, S], |_, a| Ok(Value::string_list(go_split(arg_str(a, 1), arg_str(a, 0), -1))));
}

/// `abbrev`: below a width of 4 the string is returned as is; otherwise goutils'
/// `Abbreviate`.
pub fn abbrev(width: i64, s: &str) -> String {
    if width < 4 {
        return s.to_string();
    }
    abbreviate_full(s.as_bytes(), 0, width)
}

/// `abbrevboth`: Sprig's guard, then goutils' `AbbreviateFull`.
pub fn abbrevboth(left: i64, right: i64, s: &str) -> String {
    if right < 4 || (left > 0 && right < 7) {
        return s.to_string();
    }
    abbreviate_full(s.as_bytes(), left, right)
}

/// goutils' `AbbreviateFull`, over bytes as in Go. Sprig's guards make its error cases
/// unreachable except through recursion, which keeps `max_width >= 4`.
fn abbreviate_full(s: &[u8], offset: i64, max_width: i64) -> String {
    const MARKER: &str = "...";
    let len = s.len() as i64;
    if s.is_empty() || max_width < 4 {
        return String::new();
    }
    if len <= max_width {
        return lossy(s);
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return lossy(&s[..(max_width - 3) as usize]) + MARKER;
    }
    if max_width < 7 {
        return String::new();
    }
    if offset + max_width - 3 < len {
        return format!("{MARKER}{}", abbreviate_full(&s[offset as usize..], 0, max_width - 3));
    }
    format!("{MARKER}{}", lossy(&s[(len - (max_width - 3)) as usize..]))
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `trunc`: a non-negative count keeps that many leading bytes, a negative one that many
/// trailing bytes.
pub fn trunc(count: i64, s: &str) -> String {
    let len = s.len() as i64;
    if count < 0 && len + count > 0 {
        return lossy(&s.as_bytes()[(len + count) as usize..]);
    }
    if count >= 0 && len > count {
        return lossy(&s.as_bytes()[..count as usize]);
    }
    s.to_string()
}

/// `substr`: `s[:end]` for a negative start, `s[start:]` for a negative or too large end,
/// `s[start:end]` otherwise; out-of-range slices fail with Go's runtime panic message.
pub fn substr(start: i64, end: i64, s: &str) -> Result<String, String> {
    if start < 0 {
        return go_slice_str(s, None, Some(end));
    }
    if end < 0 || end > s.len() as i64 {
        return go_slice_str(s, Some(start), None);
    }
    go_slice_str(s, Some(start), Some(end))
}

/// Go's `strings.Repeat`, with its panic messages.
pub fn repeat(s: &str, count: i64) -> Result<String, String> {
    if count < 0 {
        return Err("strings: negative Repeat count".to_string());
    }
    let total = (s.len() as u128) * (count as u128);
    if total > i64::MAX as u128 {
        return Err("strings: Repeat output length overflow".to_string());
    }
    if total as usize > MAX_BUILT_STRING {
        return Err(format!("repeat: the result would be {total} bytes, over the {MAX_BUILT_STRING} byte limit"));
    }
    Ok(s.repeat(count as usize))
}

/// `indent`: the pad in front of the string and after every newline.
pub fn indent(spaces: i64, s: &str) -> Result<String, String> {
    let pad = repeat(" ", spaces)?;
    let lines = s.matches('\n').count() as u128 + 1;
    if (pad.len() as u128) * lines + s.len() as u128 > MAX_BUILT_STRING as u128 {
        return Err(format!("indent: the result would be over the {MAX_BUILT_STRING} byte limit"));
    }
    Ok(format!("{pad}{}", s.replace('\n', &format!("\n{pad}"))))
}

/// Go's `strings.Replace(s, old, new, n)`; an empty `old` matches before every rune and at
/// the end.
pub fn go_replace(s: &str, old: &str, new: &str, n: i64) -> String {
    if n < 0 {
        s.replace(old, new)
    } else {
        s.replacen(old, new, n as usize)
    }
}

/// Go's `strings.SplitN(s, sep, n)` (`n < 0` is `strings.Split`): an empty separator
/// splits into runes; `n == 0` gives nothing.
pub fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let limit = if n < 0 || n as usize > chars.len() { chars.len() } else { n as usize };
        let mut out: Vec<String> = Vec::with_capacity(limit);
        for (i, c) in chars.iter().enumerate() {
            if i + 1 == limit && limit < chars.len() {
                out.push(chars[i..].iter().collect());
                break;
            }
            out.push(c.to_string());
        }
        return out;
    }
    if n < 0 {
        s.split(sep).map(str::to_string).collect()
    } else {
        s.splitn(n as usize, sep).map(str::to_string).collect()
    }
}

/// `split`/`splitn`'s result: a `map[string]string` keyed `_0`, `_1`, ...
fn index_map(parts: Vec<String>) -> Value {
    let entries: BTreeMap<Str, Value> =
        parts.into_iter().enumerate().map(|(i, p)| (Str::from(format!("_{i}")), Value::from(p))).collect();
    Value::typed_map(Type::String, entries)
}

/// `sortAlpha`: the strings of a slice, sorted byte-wise; any other value as one string.
/// The `[]string` Sprig's `strslice` returns: a `[]string` argument is handed back as it is,
/// so a nil one (e.g. `regexFindAll` without a match) stays nil and prints as `null`.
fn strslice_result(input: &Value, items: Vec<String>) -> Value {
    match input {
        Value::List(l) if l.nil && l.elem == Type::String => Value::nil_list(Type::String),
        _ => Value::string_list(items),
    }
}

pub fn sort_alpha(v: &Value) -> Vec<String> {
    match v {
        Value::List(_) => {
            let mut items = to_strings(v);
            items.sort();
            items
        }
        other => vec![strval(other)],
    }
}

/// Go's `strings.Title`: the first letter of every word to title case, where words are
/// separated by anything but letters, digits and underscores.
pub fn title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if title_separator(prev) { go_to_title(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

/// `strings.Title`'s `isSeparator`.
fn title_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if go_is_letter(c) || c.is_ascii_digit() || category(c) == GeneralCategory::DecimalNumber {
        return false;
    }
    go_is_space(c)
}

/// goutils' `Uncapitalize`: the first letter of each whitespace-separated word to lower case.
pub fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if go_is_space(c) {
                next = true;
                c
            } else if next {
                next = false;
                go_to_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils' `SwapCase`: upper and title case to lower; lower case to title case at the start
/// of a word and to upper case elsewhere.
pub fn swap_case(s: &str) -> String {
    let mut at_word_start = true;
    s.chars()
        .map(|c| {
            if go_is_upper(c) || go_is_title(c) {
                at_word_start = false;
                go_to_lower(c)
            } else if go_is_lower(c) {
                if at_word_start {
                    at_word_start = false;
                    go_to_title(c)
                } else {
                    go_to_upper(c)
                }
            } else {
                at_word_start = go_is_space(c);
                c
            }
        })
        .collect()
}

/// goutils' `Initials`, which walks bytes and writes each first byte as the Latin-1 rune of
/// that value.
pub fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut last_was_gap = true;
    for b in s.bytes() {
        let c = char::from(b);
        if go_is_space(c) {
            last_was_gap = true;
        } else if last_was_gap {
            out.push(c);
            last_was_gap = false;
        }
    }
    out
}

/// goutils' `DeleteWhiteSpace`, which walks bytes: a string without whitespace bytes is
/// returned as is, otherwise every remaining byte is written as the Latin-1 rune of that
/// value (and the bytes 0x85 and 0xA0 count as whitespace).
pub fn delete_white_space(s: &str) -> String {
    if !s.bytes().any(|b| go_is_space(char::from(b))) {
        return s.to_string();
    }
    s.bytes().map(char::from).filter(|c| !go_is_space(*c)).collect()
}

/// goutils' `WrapCustom` over bytes: breaks at the last space within each `width` bytes;
/// words longer than that are cut (`wrap_long_words`) or left whole.
pub fn wrap_custom(s: &str, width: i64, newline: &str, wrap_long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let newline = if newline.is_empty() { "\n" } else { newline };
    let width = width.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::with_capacity(len + len / width.max(1));
    while len - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = width + offset + 1;
        let last_space = b[offset..end].iter().rposition(|&c| c == b' ');
        match last_space {
            Some(rel) => {
                let at = offset + rel;
                out.extend_from_slice(&b[offset..at]);
                out.extend_from_slice(newline.as_bytes());
                offset = at + 1;
            }
            None if wrap_long_words => {
                let end = width + offset;
                out.extend_from_slice(&b[offset..end]);
                out.extend_from_slice(newline.as_bytes());
                offset += width;
            }
            None => {
                let end = width + offset;
                match b[end..].iter().position(|&c| c == b' ') {
                    Some(rel) => {
                        let at = end + rel;
                        out.extend_from_slice(&b[offset..at]);
                        out.extend_from_slice(newline.as_bytes());
                        offset = at + 1;
                    }
                    None => {
                        out.extend_from_slice(&b[offset..]);
                        offset = len;
                    }
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// xstrings' `Shuffle`: the runes in random order. (Go draws from `math/rand`'s global
/// source, so no output is reproducible; any uniform shuffle is as faithful.)
pub fn shuffle(s: &str) -> String {
    let mut runes: Vec<char> = s.chars().collect();
    let mut rng = SmallRng::from_entropy();
    for i in (1..runes.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        runes.swap(i, j);
    }
    runes.into_iter().collect()
}

/// A small xorshift generator seeded from the standard library's per-process hash keys, so
/// that `shuffle` needs no platform entropy source (which wasm lacks).
struct SmallRng(u64);

impl SmallRng {
    fn from_entropy() -> SmallRng {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(0x9e37_79b9_7f4a_7c15);
        SmallRng(h.finish() | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `camelcase`: xstrings' camel-case conversion in its upper-first form (what Sprig's
/// `camelcase` gives: `http_server` becomes `HttpServer`). Connectors (`-`, `_`, spaces)
/// are dropped and the next rune upper-cased; runs of connectors keep all but the last; an
/// all-caps word is lowered after its first rune.
pub fn camelcase(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    let mut first_upper = false;
    // Leading connectors are kept as they are.
    let mut current = None;
    for c in chars.by_ref() {
        if is_connector(c) {
            out.push(c);
            continue;
        }
        first_upper = go_is_upper(c);
        current = Some(go_to_upper(c));
        break;
    }
    let Some(mut r0) = current else {
        // Only connectors: Go writes the last one a second time.
        if let Some(last) = s.chars().last() {
            out.push(last);
        }
        return out;
    };
    for next in chars {
        let r1 = r0;
        r0 = next;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = go_is_upper(r0);
            r0 = go_to_upper(r0);
        } else {
            if first_upper {
                if go_is_upper(r0) {
                    r0 = go_to_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || go_is_space(c)
}

/// xstrings' word classes for snake and kebab case.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum WordType {
    Invalid,
    Number,
    UpperCase,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// xstrings' `isAlphabet`: a letter that is not a CJK ideograph.
fn is_alphabet(c: char) -> bool {
    if !go_is_letter(c) {
        return false;
    }
    let r = c as u32;
    !((0x4E00..=0x9FCC).contains(&r) || (0x3400..=0x4D85).contains(&r) || (0x2_0000..=0x2_B81D).contains(&r))
}

/// xstrings' `nextWord`: the class and text of the next word, and the rest of the string.
fn next_word(s: &str) -> (WordType, &str, &str) {
    let Some(first) = s.chars().next() else {
        return (WordType::Invalid, "", "");
    };
    let take_while = |start: usize, pred: &dyn Fn(char) -> bool| -> usize {
        s[start..].char_indices().find(|&(_, c)| !pred(c)).map(|(i, _)| start + i).unwrap_or(s.len())
    };
    let after_first = first.len_utf8();
    let (wt, end) = if is_connector(first) {
        (WordType::Connector, take_while(after_first, &is_connector))
    } else if go_is_punct(first) {
        (WordType::Punct, take_while(after_first, &go_is_punct))
    } else if go_is_upper(first) {
        let rest = &s[after_first..];
        match rest.chars().next() {
            None => (WordType::UpperCase, s.len()),
            Some(c) if go_is_upper(c) => {
                // A run of capitals; if a lower-case letter follows, its capital starts the
                // next word ("HTTPStatus" is "HTTP" + "Status").
                let mut end = after_first;
                let mut prev_len = 0;
                let mut stopped_at = None;
                for (i, c) in rest.char_indices() {
                    if !go_is_upper(c) {
                        stopped_at = Some(c);
                        break;
                    }
                    end = after_first + i + c.len_utf8();
                    prev_len = c.len_utf8();
                }
                if let Some(c) = stopped_at {
                    if is_alphabet(c) {
                        end -= prev_len;
                    }
                }
                (WordType::UpperCase, end)
            }
            Some(c) if is_alphabet(c) => {
                (WordType::UpperCase, take_while(after_first, &|c| is_alphabet(c) && !go_is_upper(c)))
            }
            Some(_) => (WordType::UpperCase, after_first),
        }
    } else if is_alphabet(first) {
        (WordType::Alphabet, take_while(after_first, &|c| is_alphabet(c) && !go_is_upper(c)))
    } else if go_is_number(first) {
        (WordType::Number, take_while(after_first, &go_is_number))
    } else {
        let end = take_while(after_first, &|c| {
            !(is_connector(c) || is_alphabet(c) || go_is_number(c) || go_is_punct(c))
        });
        (WordType::Other, end)
    };
    (wt, &s[..end], &s[end..])
}

/// xstrings' `toLower` helper: upper-case and connector words are lowered (connectors
/// becoming `connector`); other words are written as they are.
fn write_lower(out: &mut String, wt: WordType, word: &str, connector: char) {
    if wt != WordType::UpperCase && wt != WordType::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_connector(c) {
            out.push(connector);
        } else if go_is_upper(c) {
            out.push(go_to_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings' `camelCaseToLowerCase` (snakecase, kebabcase): words split at case changes,
/// numbers and connectors, lowered and joined with `connector`.
pub fn camel_to_lower(s: &str, connector: char) -> String {
    use WordType::*;
    if s.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(s.len() + 4);
    let (mut wt, mut word, mut remaining) = next_word(s);
    while !remaining.is_empty() {
        if wt != Connector {
            write_lower(&mut out, wt, word, connector);
        }
        let prev = wt;
        let last = word;
        (wt, word, remaining) = next_word(remaining);
        match prev {
            Number => {
                while wt == Alphabet || wt == Number {
                    write_lower(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Invalid && wt != Punct && wt != Connector {
                    out.push(connector);
                }
            }
            Connector => write_lower(&mut out, prev, last, connector),
            Punct => {}
            _ => {
                if wt != Number {
                    if wt != Connector && wt != Punct {
                        out.push(connector);
                    }
                    continue;
                }
                if remaining.is_empty() {
                    continue;
                }
                let number = word;
                (wt, word, remaining) = next_word(remaining);
                // A number directly after a word belongs to it ("Bld4Floor" is "bld4_floor")
                // unless letters follow the number ("HTTP2xx" is "http_2xx").
                if wt != Alphabet {
                    write_lower(&mut out, Number, number, connector);
                    if wt != Connector && wt != Punct {
                        out.push(connector);
                    }
                    continue;
                }
                out.push(connector);
                write_lower(&mut out, Number, number, connector);
                while wt == Alphabet || wt == Number {
                    write_lower(&mut out, wt, word, connector);
                    (wt, word, remaining) = next_word(remaining);
                }
                if wt != Invalid && wt != Connector && wt != Punct {
                    out.push(connector);
                }
            }
        }
    }
    write_lower(&mut out, wt, word, connector);
    out
}

// ---- Go's `unicode` predicates and case mappings ----------------------------------------
//
// Go classifies runes by general category (Unicode 15.0 in Go 1.25), which is what the
// `unicode-general-category` 0.6 tables give. Rust's own `is_uppercase`/`is_lowercase`
// would not do: they include the Other_Uppercase/Other_Lowercase characters (ª, º,
// modifier letters, circled letters, Roman numerals) that Go rejects. Rust's case mappings
// can expand one character into several where Go's simple mappings keep one; the mapping
// helpers below keep the character then.

fn category(c: char) -> GeneralCategory {
    get_general_category(c)
}

/// Go's `unicode.IsSpace`: the White_Space property, as Rust's `is_whitespace`.
pub fn go_is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `unicode.IsUpper` (category Lu).
pub fn go_is_upper(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_uppercase();
    }
    category(c) == GeneralCategory::UppercaseLetter
}

/// Go's `unicode.IsLower` (category Ll).
pub fn go_is_lower(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_lowercase();
    }
    category(c) == GeneralCategory::LowercaseLetter
}

/// Go's `unicode.IsTitle` (category Lt).
pub fn go_is_title(c: char) -> bool {
    !c.is_ascii() && category(c) == GeneralCategory::TitlecaseLetter
}

/// Go's `unicode.IsLetter` (categories L*).
pub fn go_is_letter(c: char) -> bool {
    use GeneralCategory::*;
    matches!(category(c), UppercaseLetter | LowercaseLetter | TitlecaseLetter | ModifierLetter | OtherLetter)
}

/// Go's `unicode.IsNumber` (categories N*).
pub fn go_is_number(c: char) -> bool {
    use GeneralCategory::*;
    matches!(category(c), DecimalNumber | LetterNumber | OtherNumber)
}

/// Go's `unicode.IsPunct` (categories P*).
pub fn go_is_punct(c: char) -> bool {
    use GeneralCategory::*;
    matches!(
        category(c),
        ConnectorPunctuation
            | DashPunctuation
            | OpenPunctuation
            | ClosePunctuation
            | InitialPunctuation
            | FinalPunctuation
            | OtherPunctuation
    )
}

/// Go's `unicode.ToUpper`: the simple (one-to-one) upper-case mapping.
pub fn go_to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    single(c.to_uppercase()).unwrap_or(c)
}

/// Go's `unicode.ToLower`: the simple (one-to-one) lower-case mapping.
pub fn go_to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    if c == '\u{130}' {
        // İ: the full mapping is "i̇", the simple one "i".
        return 'i';
    }
    single(c.to_lowercase()).unwrap_or(c)
}

/// Go's `unicode.ToTitle`: like upper case, except for the Latin digraphs, which have
/// distinct title-case forms.
pub fn go_to_title(c: char) -> char {
    match c as u32 {
        0x1C4..=0x1C6 => '\u{1C5}',
        0x1C7..=0x1C9 => '\u{1C8}',
        0x1CA..=0x1CC => '\u{1CB}',
        0x1F1..=0x1F3 => '\u{1F2}',
        _ => go_to_upper(c),
    }
}

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let first = it.next()?;
    match it.next() {
        None => Some(first),
        Some(_) => None,
    }
}
