//! Go's `fmt` package over [`Value`]s: `Sprint`, `Sprintln`, `Sprintf` with Go's verbs,
//! flags, widths and precisions, and Go's `%v` rendering of every value.
//!
//! Behaviour follows Go 1.25's `fmt` (the Go that built Helm v4.1.4), including its error
//! forms: `%!d(string=hi)` for a verb that does not fit, `%!d(MISSING)`, `%!d(BADINDEX)`,
//! `%!(EXTRA int=1)`, `%!(NOVERB)`, `%!(BADWIDTH)`, `%!(BADPREC)`.
//!
//! Objects ([`crate::value::Object`]) print through their `format_v` for the string-like
//! verbs (`%v %s %q %x %X`), as Go does for types with a `String()` method; other verbs on
//! an object give Go's bad-verb form with that text.
//!
//! Two deliberate departures from Go: a value nested more than 200 lists/maps deep prints
//! `<too deep>` there (Go would recurse until it dies on a map that contains itself), and
//! `%p` prints this process's address of the shared list, map or object.
//!
//! The `strconv` pieces that Sprig also needs are public: [`format_float`] (Go's
//! `strconv.FormatFloat`), [`quote`], [`quote_to_ascii`], [`is_print`], [`can_backquote`].

mod printer;
mod strconv;

pub use strconv::{
    append_float, append_quoted, append_quoted_rune, can_backquote, format_float, is_print, quote,
    quote_to_ascii,
};

use crate::value::{Kind, Value};
use printer::{Printer, Spec};

/// Go's `fmt.Sprint`: operands formatted with `%v`, a space added between operands when
/// neither is a string.
pub fn sprint(args: &[Value]) -> String {
    if let [single] = args {
        return format_v(single);
    }
    let mut p = Printer::new(String::new());
    let mut previous_was_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = is_string_kind(arg);
        if i > 0 && !is_string && !previous_was_string {
            p.buf.push(' ');
        }
        p.write_v(arg);
        previous_was_string = is_string;
    }
    p.buf
}

/// Go's `fmt.Sprintln`: operands formatted with `%v`, always space-separated, newline appended.
pub fn sprintln(args: &[Value]) -> String {
    let mut p = Printer::new(String::new());
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(' ');
        }
        p.write_v(arg);
    }
    p.buf.push('\n');
    p.buf
}

/// Go's `%v` of one value (what `{{ . }}` prints).
pub fn format_v(v: &Value) -> String {
    match v {
        // The common cases allocate just the result.
        Value::String(s) => s.to_string(),
        Value::Int(i) | Value::Int64(i) => i.to_string(),
        _ => {
            let mut out = String::new();
            write_v(&mut out, v);
            out
        }
    }
}

/// Appends Go's `%v` of `v` to `out`.
pub fn write_v(out: &mut String, v: &Value) {
    let mut p = Printer::new(std::mem::take(out));
    p.write_v(v);
    *out = p.buf;
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    let mut p = Printer::new(String::with_capacity(format.len() + 8 * args.len()));
    let bytes = format.as_bytes();
    let end = bytes.len();
    let mut arg_num = 0usize;
    // Set once the format uses an explicit index like %[2]d: Go then stops checking for
    // unused operands.
    let mut reordered = false;
    let mut i = 0;
    while i < end {
        let mut good_arg_num = true;
        let literal_start = i;
        while i < end && bytes[i] != b'%' {
            i += 1;
        }
        if i > literal_start {
            p.buf.push_str(&format[literal_start..i]);
        }
        if i >= end {
            break;
        }
        i += 1; // the '%'

        p.spec = Spec::default();
        while i < end {
            match bytes[i] {
                b'#' => p.spec.sharp = true,
                b'0' => p.spec.zero = true,
                b'+' => p.spec.plus = true,
                b'-' => p.spec.minus = true,
                b' ' => p.spec.space = true,
                _ => break,
            }
            i += 1;
        }

        let mut index = arg_index(format, i, arg_num, args.len());
        arg_num = index.arg_num;
        i = index.next;
        reordered |= index.bracket;
        good_arg_num &= index.good;
        let mut after_index = index.found;

        // Width: a number, or '*' taking an int operand.
        if i < end && bytes[i] == b'*' {
            i += 1;
            let (width, ok, next_arg) = int_from_arg(args, arg_num);
            arg_num = next_arg;
            p.spec.wid_present = ok;
            if !ok {
                p.buf.push_str("%!(BADWIDTH)");
            }
            if width < 0 {
                // A negative width means left-justify.
                p.spec.minus = true;
                p.spec.zero = false;
            }
            p.spec.wid = width.unsigned_abs() as usize;
            after_index = false;
        } else {
            let (width, present, next) = parse_number(bytes, i, end);
            p.spec.wid = width;
            p.spec.wid_present = present;
            i = next;
            if after_index && present {
                // "%[3]2d"
                good_arg_num = false;
            }
        }

        // Precision: '.' then a number, '*', or nothing (meaning 0).
        if i + 1 < end && bytes[i] == b'.' {
            i += 1;
            if after_index {
                // "%[3].2d"
                good_arg_num = false;
            }
            index = arg_index(format, i, arg_num, args.len());
            arg_num = index.arg_num;
            i = index.next;
            reordered |= index.bracket;
            good_arg_num &= index.good;
            after_index = index.found;
            if i < end && bytes[i] == b'*' {
                i += 1;
                let (prec, mut ok, next_arg) = int_from_arg(args, arg_num);
                arg_num = next_arg;
                if prec < 0 {
                    ok = false;
                }
                p.spec.prec = if ok { prec as usize } else { 0 };
                p.spec.prec_present = ok;
                if !ok {
                    p.buf.push_str("%!(BADPREC)");
                }
                after_index = false;
            } else {
                let (prec, _, next) = parse_number(bytes, i, end);
                p.spec.prec = prec;
                p.spec.prec_present = true;
                i = next;
            }
        }

        if !after_index {
            index = arg_index(format, i, arg_num, args.len());
            arg_num = index.arg_num;
            i = index.next;
            reordered |= index.bracket;
            good_arg_num &= index.good;
        }

        let Some(verb) = format.get(i..).and_then(|rest| rest.chars().next()) else {
            p.buf.push_str("%!(NOVERB)");
            break;
        };
        i += verb.len_utf8();

        if verb == '%' {
            // A literal percent takes no operand and ignores width and precision.
            p.buf.push('%');
        } else if !good_arg_num {
            p.buf.push_str("%!");
            p.buf.push(verb);
            p.buf.push_str("(BADINDEX)");
        } else if arg_num >= args.len() {
            p.buf.push_str("%!");
            p.buf.push(verb);
            p.buf.push_str("(MISSING)");
        } else {
            if verb == 'v' || verb == 'w' {
                // %#v is Go syntax and %+v field names: they stop being flags.
                p.spec.sharp_v = p.spec.sharp;
                p.spec.sharp = false;
                p.spec.plus_v = p.spec.plus;
                p.spec.plus = false;
            }
            if verb == 'w' {
                // %w is only for fmt.Errorf with an error operand; templates have neither.
                p.bad_verb(verb, &args[arg_num]);
            } else {
                p.print_arg(&args[arg_num], verb);
            }
            arg_num += 1;
        }
    }

    if !reordered && arg_num < args.len() {
        p.spec = Spec::default();
        p.buf.push_str("%!(EXTRA ");
        for (k, arg) in args[arg_num..].iter().enumerate() {
            if k > 0 {
                p.buf.push_str(", ");
            }
            if arg.is_nil() {
                p.buf.push_str("<nil>");
            } else {
                p.buf.push_str(&arg.type_name());
                p.buf.push('=');
                p.print_arg(arg, 'v');
            }
        }
        p.buf.push(')');
    }
    p.buf
}

/// Whether Sprint treats the operand as a string (no space is added next to it).
fn is_string_kind(v: &Value) -> bool {
    match v {
        Value::String(_) => true,
        Value::Object(o) => o.kind() == Kind::String,
        _ => false,
    }
}

/// Go refuses widths, precisions and indexes beyond a million.
fn too_large(n: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&n)
}

/// Reads decimal digits of `bytes[start..end]`: `(value, any digits, next index)`. A number
/// too large makes Go give up on the rest of the format (`next == end`).
fn parse_number(bytes: &[u8], start: usize, end: usize) -> (usize, bool, usize) {
    let mut num: i64 = 0;
    let mut found = false;
    let mut i = start;
    while i < end && bytes[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(bytes[i] - b'0');
        found = true;
        i += 1;
    }
    (num as usize, found, i)
}

/// The operand for a `*` width or precision: `(value, is an int, next operand)`.
fn int_from_arg(args: &[Value], arg_num: usize) -> (i64, bool, usize) {
    match args.get(arg_num) {
        None => (0, false, arg_num),
        Some(arg) => match arg.as_i64() {
            Some(n) if !too_large(n) => (n, true, arg_num + 1),
            _ => (0, false, arg_num + 1),
        },
    }
}

/// The result of looking for an explicit `[n]` operand index.
struct ArgIndex {
    /// The operand to use next.
    arg_num: usize,
    /// Where the format continues.
    next: usize,
    /// Whether a valid index was read.
    found: bool,
    /// Whether there was a `[` at all.
    bracket: bool,
    /// False when the index was malformed or out of range.
    good: bool,
}

/// Go's `argNumber`: reads `[n]` at `format[i..]` if present.
fn arg_index(format: &str, i: usize, arg_num: usize, num_args: usize) -> ArgIndex {
    let bytes = format.as_bytes();
    if i >= bytes.len() || bytes[i] != b'[' {
        return ArgIndex { arg_num, next: i, found: false, bracket: false, good: true };
    }
    let rest = &bytes[i..];
    // (index, bytes consumed, well formed); an index needs at least "[n]".
    let (index, consumed, ok) = if rest.len() < 3 {
        (0, 1, false)
    } else {
        match rest.iter().position(|&b| b == b']') {
            None => (0, 1, false),
            Some(close) => {
                let (n, found, next) = parse_number(rest, 1, close);
                if !found || next != close {
                    (0, close + 1, false)
                } else {
                    (n as i64 - 1, close + 1, true)
                }
            }
        }
    };
    if ok && index >= 0 && (index as usize) < num_args {
        return ArgIndex { arg_num: index as usize, next: i + consumed, found: true, bracket: true, good: true };
    }
    ArgIndex { arg_num, next: i + consumed, found: ok, bracket: true, good: false }
}
