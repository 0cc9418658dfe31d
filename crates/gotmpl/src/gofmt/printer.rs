//! The formatting engine: Go's `fmt.fmt` (padding, numbers, strings under one verb's flags)
//! and `fmt.pp` (printing a whole value, recursing into slices and maps, and the `%!verb(...)`
//! complaints).

use super::strconv;
use crate::value::{Kind, Value};

/// How deep `%v` follows nested lists and maps. Go recurses without limit (and dies on a
/// map that contains itself); we must not overflow the stack, least of all in wasm, so a
/// value nested deeper than this prints as [`TOO_DEEP`].
const MAX_DEPTH: usize = 200;
const TOO_DEEP: &str = "<too deep>";

/// The flags, width and precision of one verb.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Spec {
    pub wid: usize,
    pub wid_present: bool,
    pub prec: usize,
    pub prec_present: bool,
    pub minus: bool,
    pub plus: bool,
    pub sharp: bool,
    pub space: bool,
    pub zero: bool,
    /// `%+v`: Go moves the `+` here so that it does not mean "sign" to the operands.
    pub plus_v: bool,
    /// `%#v`: Go syntax.
    pub sharp_v: bool,
}

/// Output buffer plus the current verb's [`Spec`].
pub(crate) struct Printer {
    pub buf: String,
    pub spec: Spec,
    /// Set while printing the operand of a `%!verb(type=value)` complaint: Go then skips
    /// `String()` methods, and so do we for objects.
    erroring: bool,
}

fn rune_count(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

impl Printer {
    pub fn new(buf: String) -> Printer {
        Printer { buf, spec: Spec::default(), erroring: false }
    }

    // ---- padding -------------------------------------------------------------------------

    fn write_padding(&mut self, n: usize) {
        // Zero padding only ever goes on the left.
        let fill = if self.spec.zero && !self.spec.minus { '0' } else { ' ' };
        self.buf.extend(std::iter::repeat_n(fill, n));
    }

    /// Appends `s` padded to the width (counted in runes), on the left unless `-`.
    fn pad(&mut self, s: &str) {
        if !self.spec.wid_present || self.spec.wid == 0 {
            self.buf.push_str(s);
            return;
        }
        let fill = self.spec.wid.saturating_sub(rune_count(s));
        if self.spec.minus {
            self.buf.push_str(s);
            self.write_padding(fill);
        } else {
            self.write_padding(fill);
            self.buf.push_str(s);
        }
    }

    /// [`Printer::pad`] with zero padding switched off (numbers that did their own).
    fn pad_no_zero(&mut self, s: &str) {
        let zero = self.spec.zero;
        self.spec.zero = false;
        self.pad(s);
        self.spec.zero = zero;
    }

    // ---- strings -------------------------------------------------------------------------

    /// `s` cut to the precision, counted in runes.
    fn truncate<'s>(&self, s: &'s str) -> &'s str {
        if self.spec.prec_present {
            if let Some((i, _)) = s.char_indices().nth(self.spec.prec) {
                return &s[..i];
            }
        }
        s
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate(s);
        self.pad(s);
    }

    /// `%x`/`%X` of a string: hex of its bytes; `% x` separates bytes, `%#x` adds 0x.
    fn fmt_sx(&mut self, s: &str, upper: bool) {
        let digits: &[u8; 16] = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
        let prefix = if upper { "0X" } else { "0x" };
        let bytes = s.as_bytes();
        let length = if self.spec.prec_present { bytes.len().min(self.spec.prec) } else { bytes.len() };
        if length == 0 {
            if self.spec.wid_present {
                self.write_padding(self.spec.wid);
            }
            return;
        }
        let mut width = 2 * length;
        if self.spec.space {
            if self.spec.sharp {
                width *= 2;
            }
            width += length - 1;
        } else if self.spec.sharp {
            width += 2;
        }
        let padding = if self.spec.wid_present { self.spec.wid.saturating_sub(width) } else { 0 };
        if !self.spec.minus {
            self.write_padding(padding);
        }
        if self.spec.sharp {
            self.buf.push_str(prefix);
        }
        for (i, &b) in bytes[..length].iter().enumerate() {
            if self.spec.space && i > 0 {
                self.buf.push(' ');
                if self.spec.sharp {
                    self.buf.push_str(prefix);
                }
            }
            self.buf.push(char::from(digits[usize::from(b >> 4)]));
            self.buf.push(char::from(digits[usize::from(b & 15)]));
        }
        if self.spec.minus {
            self.write_padding(padding);
        }
    }

    /// `%q` of a string: Go-quoted, `%+q` ASCII only, `%#q` backquoted when possible.
    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s);
        let mut quoted = String::with_capacity(s.len() + 2);
        if self.spec.sharp && strconv::can_backquote(s) {
            quoted.push('`');
            quoted.push_str(s);
            quoted.push('`');
        } else {
            strconv::append_quoted(&mut quoted, s, self.spec.plus);
        }
        self.pad(&quoted);
    }

    fn fmt_string(&mut self, s: &str, verb: char) {
        match verb {
            'v' if self.spec.sharp_v => self.fmt_q(s),
            'v' | 's' => self.fmt_s(s),
            'x' => self.fmt_sx(s, false),
            'X' => self.fmt_sx(s, true),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, &Value::String(s.into())),
        }
    }

    // ---- integers ------------------------------------------------------------------------

    /// Formats the 64 bits `u` (two's complement when `signed`) in `base`, honouring
    /// precision (minimum digits), zero padding, sign flags and `#` prefixes.
    fn fmt_integer(&mut self, u: u64, base: u64, signed: bool, verb: char, upper: bool) {
        let negative = signed && (u as i64) < 0;
        let mut u = if negative { u.wrapping_neg() } else { u };
        let spec = self.spec;
        let mut min_digits = 0;
        if spec.prec_present {
            min_digits = spec.prec;
            // Precision 0 and value 0 print nothing but the padding.
            if min_digits == 0 && u == 0 {
                let zero = self.spec.zero;
                self.spec.zero = false;
                self.write_padding(spec.wid);
                self.spec.zero = zero;
                return;
            }
        } else if spec.zero && !spec.minus && spec.wid_present {
            min_digits = spec.wid;
            if negative || spec.plus || spec.space {
                min_digits = min_digits.saturating_sub(1); // room for the sign
            }
        }
        let digits: &[u8; 16] = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
        // Built right to left.
        let mut rev: Vec<u8> = Vec::with_capacity(min_digits.max(24));
        loop {
            rev.push(digits[(u % base) as usize]);
            u /= base;
            if u == 0 {
                break;
            }
        }
        while rev.len() < min_digits {
            rev.push(b'0');
        }
        if spec.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => rev.extend_from_slice(if upper { b"X0" } else { b"x0" }),
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if spec.plus {
            rev.push(b'+');
        } else if spec.space {
            rev.push(b' ');
        }
        rev.reverse();
        let text = String::from_utf8(rev).unwrap_or_default();
        self.pad_no_zero(&text);
    }

    /// `%U`: `U+0041`, and with `#` also the quoted character if printable.
    fn fmt_unicode(&mut self, u: u64) {
        let min_digits = if self.spec.prec_present && self.spec.prec > 4 { self.spec.prec } else { 4 };
        let hex = format!("{u:X}");
        let mut text = String::with_capacity(hex.len().max(min_digits) + 9);
        text.push_str("U+");
        text.extend(std::iter::repeat_n('0', min_digits.saturating_sub(hex.len())));
        text.push_str(&hex);
        if self.spec.sharp {
            if let Some(c) = u32::try_from(u).ok().and_then(char::from_u32) {
                if strconv::is_print(c) {
                    text.push_str(" '");
                    text.push(c);
                    text.push('\'');
                }
            }
        }
        self.pad_no_zero(&text);
    }

    /// `%c`: the character, U+FFFD when `u` is not a Unicode scalar value.
    fn fmt_c(&mut self, u: u64) {
        let c = u32::try_from(u).ok().and_then(char::from_u32).unwrap_or('\u{fffd}');
        let mut tmp = [0u8; 4];
        self.pad(c.encode_utf8(&mut tmp));
    }

    /// `%q` of an integer: a quoted character literal.
    fn fmt_qc(&mut self, u: u64) {
        let mut quoted = String::with_capacity(8);
        strconv::append_quoted_rune(&mut quoted, u, self.spec.plus);
        self.pad(&quoted);
    }

    fn fmt_int_verb(&mut self, i: i64, v: &Value, verb: char) {
        let u = i as u64;
        match verb {
            'v' | 'd' => self.fmt_integer(u, 10, true, verb, false),
            'b' => self.fmt_integer(u, 2, true, verb, false),
            'o' | 'O' => self.fmt_integer(u, 8, true, verb, false),
            'x' => self.fmt_integer(u, 16, true, verb, false),
            'X' => self.fmt_integer(u, 16, true, verb, true),
            'c' => self.fmt_c(u),
            'q' => self.fmt_qc(u),
            'U' => self.fmt_unicode(u),
            _ => self.bad_verb(verb, v),
        }
    }

    // ---- floats --------------------------------------------------------------------------

    /// Go's `fmt.fmtFloat`: strconv's text, then sign flags, `#` and padding.
    fn fmt_float(&mut self, v: f64, format: char, prec: i32) {
        let prec = if self.spec.prec_present {
            i32::try_from(self.spec.prec).unwrap_or(i32::MAX)
        } else {
            prec
        };
        // Leave room for a sign at the front: `num` always starts with '+', '-' or ' '.
        let mut num = String::with_capacity(24);
        num.push('+');
        strconv::append_float(&mut num, v, format, prec);
        if num.as_bytes()[1] == b'-' || num.as_bytes()[1] == b'+' {
            num.remove(0);
        }
        if self.spec.space && num.starts_with('+') && !self.spec.plus {
            num.replace_range(0..1, " ");
        }
        let second = num.as_bytes().get(1).copied();
        if second == Some(b'I') || second == Some(b'N') {
            // Infinities and NaN are not numbers to zero-pad; NaN has no sign unless asked.
            if second == Some(b'N') && !self.spec.space && !self.spec.plus {
                num.remove(0);
            }
            self.pad_no_zero(&num);
            return;
        }
        if self.spec.sharp && format != 'b' {
            num = self.sharp_float(num, format, prec);
        }
        if self.spec.plus || !num.starts_with('+') {
            // With zero padding the sign goes before the zeros.
            if self.spec.zero && !self.spec.minus && self.spec.wid_present && self.spec.wid > num.len() {
                let fill = self.spec.wid - num.len();
                self.buf.push_str(&num[..1]);
                self.write_padding(fill);
                self.buf.push_str(&num[1..]);
                return;
            }
            self.pad(&num);
            return;
        }
        self.pad(&num[1..]);
    }

    /// The `#` flag on floats: always a decimal point, and `%#g` keeps its trailing zeros
    /// up to the precision (6 by default).
    fn sharp_float(&self, num: String, format: char, prec: i32) -> String {
        // Go counts digits for %#g, %#G and %#x only (not %#X: a quirk kept for fidelity).
        let mut digits: i64 = match format {
            'g' | 'G' | 'x' if prec == -1 => 6,
            'g' | 'G' | 'x' => i64::from(prec),
            _ => 0,
        };
        let hex = format == 'x' || format == 'X';
        let bytes = num.as_bytes();
        let mut body_end = bytes.len();
        let mut has_point = false;
        let mut seen_nonzero = false;
        for (i, &b) in bytes.iter().enumerate().skip(1) {
            match b {
                b'.' => has_point = true,
                b'p' | b'P' => {
                    body_end = i;
                    break;
                }
                b'e' | b'E' if !hex => {
                    body_end = i;
                    break;
                }
                _ => {
                    if b != b'0' {
                        seen_nonzero = true;
                    }
                    // Significant digits count from the first non-zero one.
                    if seen_nonzero {
                        digits -= 1;
                    }
                }
            }
        }
        let (body, tail) = num.split_at(body_end);
        let mut out = String::with_capacity(num.len() + 8);
        out.push_str(body);
        if !has_point {
            // A lone 0 counts once as a digit.
            if body.len() == 2 && body.as_bytes()[1] == b'0' {
                digits -= 1;
            }
            out.push('.');
        }
        while digits > 0 {
            out.push('0');
            digits -= 1;
        }
        out.push_str(tail);
        out
    }

    fn fmt_float_verb(&mut self, x: f64, v: &Value, verb: char) {
        match verb {
            'v' => self.fmt_float(x, 'g', -1),
            'b' | 'g' | 'G' | 'x' | 'X' => self.fmt_float(x, verb, -1),
            'f' | 'e' | 'E' => self.fmt_float(x, verb, 6),
            'F' => self.fmt_float(x, 'f', 6),
            _ => self.bad_verb(verb, v),
        }
    }

    // ---- whole values --------------------------------------------------------------------

    /// `%!verb(type=value)`, Go's complaint about a verb that does not fit the operand. The
    /// operand is printed with `%v` under the same flags.
    pub fn bad_verb(&mut self, verb: char, v: &Value) {
        self.erroring = true;
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        if v.is_nil() {
            self.buf.push_str("<nil>");
        } else {
            self.buf.push_str(&v.type_name());
            self.buf.push('=');
            self.print_arg(v, 'v');
        }
        self.buf.push(')');
        self.erroring = false;
    }

    /// Go's `printArg`: one top-level operand.
    pub fn print_arg(&mut self, v: &Value, verb: char) {
        if v.is_nil() {
            match verb {
                'T' | 'v' => self.pad("<nil>"),
                _ => self.bad_verb(verb, v),
            }
            return;
        }
        match verb {
            'T' => {
                let name = v.type_name();
                self.fmt_s(&name);
            }
            'p' => self.fmt_pointer(v, verb),
            _ => self.print_value(v, verb, 0),
        }
    }

    /// Go's `printValue`: an operand or something nested in one.
    fn print_value(&mut self, v: &Value, verb: char, depth: usize) {
        if depth > MAX_DEPTH {
            self.buf.push_str(TOO_DEEP);
            return;
        }
        match v {
            // Only reached nested (a nil element of an []interface{} or map): Go prints the
            // empty interface as <nil> whatever the verb.
            Value::Nil => self.buf.push_str(if self.spec.sharp_v { "interface {}(nil)" } else { "<nil>" }),
            Value::Bool(b) => match verb {
                't' | 'v' => self.pad(if *b { "true" } else { "false" }),
                _ => self.bad_verb(verb, v),
            },
            Value::Int(i) | Value::Int64(i) => self.fmt_int_verb(*i, v, verb),
            Value::Float(x) => self.fmt_float_verb(*x, v, verb),
            Value::String(s) => self.fmt_string(s, verb),
            Value::List(list) => {
                if self.spec.sharp_v {
                    self.buf.push_str(&v.type_name());
                    self.buf.push('{');
                } else {
                    self.buf.push('[');
                }
                for (i, item) in list.items.iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.spec.sharp_v { ", " } else { " " });
                    }
                    self.print_value(item, verb, depth + 1);
                }
                self.buf.push(if self.spec.sharp_v { '}' } else { ']' });
            }
            Value::Map(map) => {
                if self.spec.sharp_v {
                    self.buf.push_str(&v.type_name());
                    self.buf.push('{');
                } else {
                    self.buf.push_str("map[");
                }
                // A snapshot, so that no lock is held while objects format themselves.
                for (i, (key, value)) in map.entries().into_iter().enumerate() {
                    if i > 0 {
                        self.buf.push_str(if self.spec.sharp_v { ", " } else { " " });
                    }
                    self.print_value(&Value::String(key), verb, depth + 1);
                    self.buf.push(':');
                    self.print_value(&value, verb, depth + 1);
                }
                self.buf.push(if self.spec.sharp_v { '}' } else { ']' });
            }
            Value::Object(object) => {
                // Objects render through their String()/Error() (or struct) form, which
                // Go uses for every string-like verb.
                match verb {
                    'v' | 's' | 'x' | 'X' | 'q' if !self.erroring => {
                        let text = object.format_v();
                        self.fmt_string(&text, if verb == 'v' && self.spec.sharp_v { 's' } else { verb });
                    }
                    'v' => {
                        let text = object.format_v();
                        self.fmt_s(&text);
                    }
                    _ => self.bad_verb(verb, v),
                }
            }
        }
    }

    /// `%p`: the address of a map, slice or pointer-like object.
    fn fmt_pointer(&mut self, v: &Value, verb: char) {
        let address = match v {
            Value::List(list) => std::sync::Arc::as_ptr(list) as *const () as usize,
            Value::Map(map) => {
                let guard = map.read();
                &*guard as *const _ as *const () as usize
            }
            Value::Object(object) if matches!(object.kind(), Kind::Ptr | Kind::Map | Kind::Slice | Kind::Func) => {
                std::sync::Arc::as_ptr(object) as *const () as usize
            }
            _ => return self.bad_verb(verb, v),
        };
        let sharp = self.spec.sharp;
        self.spec.sharp = !sharp;
        self.fmt_integer(address as u64, 16, false, 'v', false);
        self.spec.sharp = sharp;
    }

    /// Go's `%v` of one operand with no flags, the hot path of `{{ value }}`.
    pub fn write_v(&mut self, v: &Value) {
        match v {
            Value::String(s) => self.buf.push_str(s),
            Value::Int(i) | Value::Int64(i) => {
                use std::fmt::Write;
                let _ = write!(self.buf, "{i}");
            }
            Value::Bool(b) => self.buf.push_str(if *b { "true" } else { "false" }),
            // Whole numbers below 1e6 (exponent form starts at 1e+06) print as integers:
            // most numbers from values.yaml are such float64s.
            Value::Float(x) if x.fract() == 0.0 && x.abs() < 1e6 && !(*x == 0.0 && x.is_sign_negative()) => {
                use std::fmt::Write;
                let _ = write!(self.buf, "{}", *x as i64);
            }
            _ => self.print_arg(v, 'v'),
        }
    }
}
