//! go-yaml v2's implicit typing of plain scalars (YAML 1.1 flavoured): `yes`/`no`/`on`/`off`
//! and single letters `y`/`n` are booleans, `0755` is octal, `0x1F` hex, `0b101` binary,
//! `1_000` a thousand, `~` null, `.inf` infinity, and `2001-12-14` a timestamp.

pub(crate) const STR_TAG: &str = "tag:yaml.org,2002:str";
const BOOL_TAG: &str = "tag:yaml.org,2002:bool";
const INT_TAG: &str = "tag:yaml.org,2002:int";
const FLOAT_TAG: &str = "tag:yaml.org,2002:float";
const NULL_TAG: &str = "tag:yaml.org,2002:null";
const TIMESTAMP_TAG: &str = "tag:yaml.org,2002:timestamp";
const MERGE_TAG: &str = "tag:yaml.org,2002:merge";
const BINARY_TAG: &str = "tag:yaml.org,2002:binary";

/// What a scalar resolves to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Timestamp(String),
    Merge(String),
}

fn resolvable(tag: &str) -> bool {
    matches!(tag, "" | STR_TAG | BOOL_TAG | INT_TAG | FLOAT_TAG | NULL_TAG | TIMESTAMP_TAG)
}

fn lookup(s: &str) -> Option<(&'static str, Resolved)> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            (BOOL_TAG, Resolved::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            (BOOL_TAG, Resolved::Bool(false))
        }
        "" | "~" | "null" | "Null" | "NULL" => (NULL_TAG, Resolved::Null),
        ".nan" | ".NaN" | ".NAN" => (FLOAT_TAG, Resolved::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => (FLOAT_TAG, Resolved::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => (FLOAT_TAG, Resolved::Float(f64::NEG_INFINITY)),
        "<<" => (MERGE_TAG, Resolved::Merge("<<".into())),
        _ => return None,
    })
}

/// go-yaml v2's `resolve(tag, in)`: the resolved tag and value. An explicit tag that does
/// not match what the text resolves to is the caller's error to report.
pub(crate) fn resolve(tag: &str, input: &str) -> (String, Resolved) {
    if !resolvable(tag) {
        return (tag.to_string(), Resolved::Str(input.to_string()));
    }
    let first = input.as_bytes().first().copied();
    let hint = match first {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        Some(_) => 0,
    };
    if hint != 0 && tag != STR_TAG && tag != BINARY_TAG {
        if let Some((t, v)) = lookup(input) {
            return (t.to_string(), v);
        }
        match hint {
            b'.' => {
                if let Some(x) = go_parse_float(input) {
                    return (FLOAT_TAG.into(), Resolved::Float(x));
                }
            }
            b'D' | b'S' => {
                if (tag.is_empty() || tag == TIMESTAMP_TAG) && is_timestamp(input) {
                    return (TIMESTAMP_TAG.into(), Resolved::Timestamp(input.to_string()));
                }
                let plain: String = input.chars().filter(|&c| c != '_').collect();
                match go_parse_int(&plain) {
                    IntParse::Ok(i) => return (INT_TAG.into(), Resolved::Int(i)),
                    IntParse::Range | IntParse::Syntax => {}
                }
                let uint_result = go_parse_uint(&plain);
                if let IntParse::Ok(u) = uint_result {
                    // go_parse_uint returns the bits in an i64 slot.
                    return (INT_TAG.into(), Resolved::Uint(u as u64));
                }
                if is_yaml_style_float(&plain) {
                    if let Some(x) = go_parse_float(&plain) {
                        return (FLOAT_TAG.into(), Resolved::Float(x));
                    }
                }
                // Newer go-yaml v2 forks read integers beyond 64 bits as *big.Int; the one
                // in Helm v4.1.4 keeps them as strings (checked against Helm).
            }
            _ => {}
        }
    }
    (STR_TAG.into(), Resolved::Str(input.to_string()))
}

enum IntParse {
    Ok(i64),
    Range,
    Syntax,
}

/// Splits Go's base-0 integer syntax: sign, base and digits.
fn split_int(s: &str) -> Option<(bool, u32, &str)> {
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = rest.get(..2).map(str::to_ascii_lowercase);
    let (base, digits) = match lower.as_deref() {
        Some("0x") => (16, &rest[2..]),
        Some("0o") => (8, &rest[2..]),
        Some("0b") => (2, &rest[2..]),
        _ if rest.len() > 1 && rest.starts_with('0') => (8, &rest[1..]),
        _ => (10, rest),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(base)) {
        return None;
    }
    Some((neg, base, digits))
}

fn magnitude(base: u32, digits: &str) -> Option<u128> {
    let mut v: u128 = 0;
    for c in digits.chars() {
        v = v.checked_mul(u128::from(base))?.checked_add(u128::from(c.to_digit(base)?))?;
        if v > u128::from(u64::MAX) + 1 {
            return None;
        }
    }
    Some(v)
}

/// Go's `strconv.ParseInt(s, 0, 64)` (underscores already removed).
fn go_parse_int(s: &str) -> IntParse {
    let Some((neg, base, digits)) = split_int(s) else { return IntParse::Syntax };
    match magnitude(base, digits) {
        Some(m) if !neg && m <= i64::MAX as u128 => IntParse::Ok(m as i64),
        Some(m) if neg && m <= (i64::MAX as u128) + 1 => IntParse::Ok((m as i128).wrapping_neg() as i64),
        _ => IntParse::Range,
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)`: no sign allowed.
fn go_parse_uint(s: &str) -> IntParse {
    if s.starts_with(['+', '-']) {
        return IntParse::Syntax;
    }
    let Some((_, base, digits)) = split_int(s) else { return IntParse::Syntax };
    match magnitude(base, digits) {
        Some(m) if m <= u128::from(u64::MAX) => IntParse::Ok(m as u64 as i64),
        _ => IntParse::Range,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal syntax; `None` on error, including
/// overflow (Go returns ErrRange there, and go-yaml then keeps the text as a string).
fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    // Rust also accepts "inf"/"nan", which Go does too, but go-yaml never reaches here
    // with them except after a '.', so only decimal forms matter.
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return None;
    }
    let x: f64 = s.parse().ok()?;
    x.is_finite().then_some(x)
}

/// Whether go-yaml v2 sees a timestamp: `YYYY-M-D`, optionally followed by a time
/// (`T`, `t` or space, `H:M:S`, optional fraction) and, after `T`/`t`, a zone (`Z` or
/// `±HH:MM`).
pub(crate) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut i = 5;
    // Go's "1" and "2" layout elements take one or two digits.
    let num = |i: &mut usize, max_digits: usize| -> Option<u32> {
        let start = *i;
        while *i < b.len() && *i - start < max_digits && b[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        std::str::from_utf8(&b[start..*i]).ok()?.parse().ok()
    };
    let year: u32 = std::str::from_utf8(&b[..4]).ok().and_then(|y| y.parse().ok()).unwrap_or(0);
    let Some(month) = num(&mut i, 2) else { return false };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let Some(day) = num(&mut i, 2) else { return false };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return false;
    }
    if i == b.len() {
        return true;
    }
    let sep = b[i];
    if !matches!(sep, b'T' | b't' | b' ') {
        return false;
    }
    i += 1;
    let Some(h) = num(&mut i, 2) else { return false };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(m) = num(&mut i, 2) else { return false };
    if b.get(i) != Some(&b':') {
        return false;
    }
    i += 1;
    let Some(sec) = num(&mut i, 2) else { return false };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if sep == b' ' {
        return i == b.len();
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            let rest = &b[i + 1..];
            rest.len() == 5
                && rest[0].is_ascii_digit()
                && rest[1].is_ascii_digit()
                && rest[2] == b':'
                && rest[3].is_ascii_digit()
                && rest[4].is_ascii_digit()
        }
        _ => false,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// go-yaml v2's `isBase60Float`: `1:20`-style numbers, quoted on output for YAML 1.1
/// readers although go-yaml itself reads them as strings.
pub(crate) fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let c = b[0];
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
    let mut i = 0;
    if matches!(b[0], b'+' | b'-') {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        let group = &b[start..i];
        let ok = match group.len() {
            1 => true,
            2 => group[0] <= b'5',
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// The tag go-yaml's encoder would resolve `s` to if written plain.
pub(crate) fn plain_resolves_to_str(s: &str) -> bool {
    resolve("", s).0 == STR_TAG
}
