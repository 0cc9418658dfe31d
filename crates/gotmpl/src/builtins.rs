//! The functions every Go template has (Go's `text/template/funcs.go`): `and`, `or`, `not`,
//! `len`, `index`, `slice`, `print`, `printf`, `println`, `html`, `js`, `urlquery`, `call`,
//! and the comparisons `eq`, `ne`, `lt`, `le`, `gt`, `ge`.
//!
//! They take Go's `reflect.Value` parameters, so they see the difference between a missing
//! value and a nil interface; the executor hands them [`Rv`]s. Error texts are Go's.

use crate::exec::Rv;
use crate::func::Sig;
use crate::gofmt;
use crate::value::{Type, Value};

/// A built-in function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Print,
    Printf,
    Println,
    Html,
    Js,
    UrlQuery,
    Call,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Every built-in function's name.
pub const NAMES: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
    "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// The built-in called `name`, if there is one.
pub fn lookup(name: &str) -> Option<Builtin> {
    Some(match name {
        "and" => Builtin::And,
        "or" => Builtin::Or,
        "not" => Builtin::Not,
        "len" => Builtin::Len,
        "index" => Builtin::Index,
        "slice" => Builtin::Slice,
        "print" => Builtin::Print,
        "printf" => Builtin::Printf,
        "println" => Builtin::Println,
        "html" => Builtin::Html,
        "js" => Builtin::Js,
        "urlquery" => Builtin::UrlQuery,
        "call" => Builtin::Call,
        "eq" => Builtin::Eq,
        "ne" => Builtin::Ne,
        "lt" => Builtin::Lt,
        "le" => Builtin::Le,
        "gt" => Builtin::Gt,
        "ge" => Builtin::Ge,
        _ => return None,
    })
}

/// Whether `name` is a built-in function.
pub fn is_builtin(name: &str) -> bool {
    lookup(name).is_some()
}

impl Builtin {
    /// The Go signature, for argument counting and conversion.
    pub fn sig(self) -> Sig {
        use Type::{Any, Reflect};
        match self {
            Builtin::And | Builtin::Or | Builtin::Call | Builtin::Index | Builtin::Slice | Builtin::Eq => {
                Sig::variadic(&[Reflect], Reflect)
            }
            Builtin::Not | Builtin::Len => Sig::new(&[Reflect]),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => Sig::new(&[Reflect, Reflect]),
            Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::UrlQuery => {
                Sig::variadic(&[], Any)
            }
            Builtin::Printf => Sig::variadic(&[Type::String], Any),
        }
    }
}

/// Runs a built-in other than `and`/`or` (which the executor evaluates lazily) and `call`.
pub(crate) fn apply(b: Builtin, args: Vec<Rv>) -> Result<Rv, String> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Rv::Invalid);
    let boolean = |r: Result<bool, String>| r.map(|b| Rv::Val(Value::Bool(b)));
    match b {
        Builtin::And | Builtin::Or => {
            // Only reached if called without the executor's short-circuit: evaluate eagerly.
            let want = b == Builtin::Or;
            let mut last = Rv::Invalid;
            for a in args {
                if a.truth() == want {
                    return Ok(a);
                }
                last = a;
            }
            Ok(last)
        }
        Builtin::Not => Ok(Rv::Val(Value::Bool(!arg(0).truth()))),
        Builtin::Len => length(arg(0)).map(|n| Rv::Val(Value::Int(n as i64))),
        Builtin::Index => index(arg(0), &args[1.min(args.len())..]),
        Builtin::Slice => slice(arg(0), &args[1.min(args.len())..]),
        Builtin::Print => Ok(Rv::Val(Value::from(gofmt::sprint(&values(args))))),
        Builtin::Println => Ok(Rv::Val(Value::from(gofmt::sprintln(&values(args))))),
        Builtin::Printf => {
            let mut vals = values(args);
            let format = if vals.is_empty() { Value::str("") } else { vals.remove(0) };
            Ok(Rv::Val(Value::from(gofmt::sprintf(format.as_str().unwrap_or(""), &vals))))
        }
        Builtin::Html => Ok(Rv::Val(Value::from(html_escape(&eval_args(args))))),
        Builtin::Js => Ok(Rv::Val(Value::from(js_escape(&eval_args(args))))),
        Builtin::UrlQuery => Ok(Rv::Val(Value::from(url_query_escape(&eval_args(args))))),
        Builtin::Call => call("", &args),
        Builtin::Eq => {
            if args.is_empty() {
                return Err("missing argument for comparison".to_string());
            }
            boolean(eq(arg(0), &args[1..]))
        }
        Builtin::Ne => boolean(eq(arg(0), &args[1.min(args.len())..]).map(|b| !b)),
        Builtin::Lt => boolean(lt(arg(0), arg(1))),
        Builtin::Le => boolean(le(arg(0), arg(1))),
        Builtin::Gt => boolean(le(arg(0), arg(1)).map(|b| !b)),
        Builtin::Ge => boolean(lt(arg(0), arg(1)).map(|b| !b)),
    }
}

fn values(args: Vec<Rv>) -> Vec<Value> {
    args.into_iter().map(Rv::into_value).collect()
}

/// Go's `call`: we have no function values, so it always fails as Go does for non-functions.
pub(crate) fn call(name: &str, args: &[Rv]) -> Result<Rv, String> {
    match args.first().cloned().map(Rv::unwrap_iface) {
        None | Some(Rv::Invalid) => Err("call of nil".to_string()),
        Some(v) => Err(format!("non-function {name} of type {}", v.type_name())),
    }
}

/// Go's `length`.
fn length(item: Rv) -> Result<usize, String> {
    match item {
        Rv::Iface(Value::Nil) => Err("len of nil pointer".to_string()),
        // Go asks the type of an invalid value, which panics; the panic becomes the error.
        Rv::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".to_string()),
        Rv::Iface(v) | Rv::Val(v) => match &v {
            Value::String(s) => Ok(s.len()),
            Value::List(l) => Ok(l.items.len()),
            Value::Map(m) => Ok(m.len()),
            Value::Object(o) => match o.underlying() {
                Some(u) => length(Rv::Val(u)),
                None => Err(format!("len of type {}", o.type_name())),
            },
            other => Err(format!("len of type {}", other.type_name())),
        },
    }
}

/// Go's `indexArg`: an integer index within `0..=cap`.
fn index_arg(index: &Rv, cap: usize) -> Result<usize, String> {
    let x = match index {
        Rv::Val(Value::Int(i) | Value::Int64(i)) => *i,
        Rv::Invalid => return Err("cannot index slice/array with nil".to_string()),
        other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

/// Go's `index`: `index x 1 2` is `x[1][2]`.
fn index(item: Rv, indexes: &[Rv]) -> Result<Rv, String> {
    let mut item = item.unwrap_iface();
    if matches!(item, Rv::Invalid) {
        return Err("index of untyped nil".to_string());
    }
    for idx in indexes {
        let idx = idx.clone().unwrap_iface();
        let current = match &item {
            Rv::Iface(Value::Nil) | Rv::Invalid => return Err("index of nil pointer".to_string()),
            Rv::Iface(v) | Rv::Val(v) => v.clone(),
        };
        let current = match &current {
            Value::Object(o) => o.underlying().unwrap_or(current),
            _ => current,
        };
        item = match &current {
            Value::List(l) => {
                let x = index_arg(&idx, l.items.len())?;
                match l.items.get(x) {
                    Some(v) => element(l.elem, v.clone()),
                    // Go's reflect panics on x == len, and the panic becomes the error.
                    None => return Err("reflect: slice index out of range".to_string()),
                }
            }
            Value::String(s) => {
                let x = index_arg(&idx, s.len())?;
                match s.as_bytes().get(x) {
                    // Go yields a byte (uint8); the closest type here is int.
                    Some(b) => Rv::Val(Value::Int(i64::from(*b))),
                    None => return Err("reflect: string index out of range".to_string()),
                }
            }
            Value::Map(m) => {
                let key = match &idx {
                    Rv::Val(Value::String(k)) => k.clone(),
                    Rv::Invalid => return Err("value is nil; should be of type string".to_string()),
                    other => return Err(format!("value has type {}; should be string", other.type_name())),
                };
                let (elem, found) = {
                    let guard = m.read();
                    (guard.elem, guard.entries.get(&key).cloned())
                };
                match found {
                    Some(v) => element(elem, v),
                    None => crate::exec::zero_value(elem),
                }
            }
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn element(elem: Type, v: Value) -> Rv {
    if elem == Type::Any {
        Rv::Iface(v)
    } else {
        Rv::concrete(v)
    }
}

/// Go's `slice`: `slice x 1 2` is `x[1:2]`.
fn slice(item: Rv, indexes: &[Rv]) -> Result<Rv, String> {
    let item = item.unwrap_iface();
    let Some(value) = item.value() else {
        return Err("slice of untyped nil".to_string());
    };
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match value {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".to_string());
            }
            s.len()
        }
        Value::List(l) => l.items.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name())),
    };
    let mut idx = [0, len, len];
    for (i, index) in indexes.iter().enumerate() {
        idx[i] = index_arg(index, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    Ok(Rv::Val(match value {
        Value::String(s) => Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned()),
        Value::List(l) => Value::typed_list(l.elem, l.items[idx[0]..idx[1]].to_vec()),
        _ => return Err(format!("can't slice item of type {}", value.type_name())),
    }))
}

/// The comparison class of a value (Go's `basicKind`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum BasicKind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(v: &Rv) -> BasicKind {
    match v.value() {
        Some(Value::Bool(_)) => BasicKind::Bool,
        Some(Value::Int(_) | Value::Int64(_)) => BasicKind::Int,
        Some(Value::Float(_)) => BasicKind::Float,
        Some(Value::String(_)) => BasicKind::String,
        _ => BasicKind::Invalid,
    }
}

const BAD_COMPARISON_TYPE: &str = "invalid type for comparison";

/// Go's `eq`: `arg1 == arg2[0] || arg1 == arg2[1] || ...`.
pub(crate) fn eq(arg1: Rv, rest: &[Rv]) -> Result<bool, String> {
    let arg1 = arg1.unwrap_iface();
    if rest.is_empty() {
        return Err("missing argument for comparison".to_string());
    }
    let k1 = basic_kind(&arg1);
    for arg in rest {
        let arg = arg.clone().unwrap_iface();
        let k2 = basic_kind(&arg);
        let truth = if k1 != k2 {
            if arg1.value().is_some() && arg.value().is_some() {
                return Err(format!(
                    "incompatible types for comparison: {} and {}",
                    arg1.type_name(),
                    arg.type_name()
                ));
            }
            false
        } else {
            match (arg1.value(), arg.value()) {
                (Some(Value::Bool(a)), Some(Value::Bool(b))) => a == b,
                (Some(Value::Float(a)), Some(Value::Float(b))) => a == b,
                (Some(Value::String(a)), Some(Value::String(b))) => a == b,
                (Some(a), Some(b)) if k1 == BasicKind::Int => a.as_i64() == b.as_i64(),
                (None, None) => true,
                (None, Some(_)) | (Some(_), None) => false,
                (Some(a), Some(b)) => {
                    if a.kind() != b.kind() {
                        return Err(gofmt::sprintf(
                            "non-comparable types %s: %v, %s: %v",
                            &[a.clone(), Value::from(a.type_name()), Value::from(b.type_name()), b.clone()],
                        ));
                    }
                    match (a, b) {
                        (Value::Object(x), Value::Object(y)) => std::sync::Arc::ptr_eq(x, y) || a.deep_equal(b),
                        _ => {
                            return Err(gofmt::sprintf(
                                "non-comparable type %s: %v",
                                &[b.clone(), Value::from(b.type_name())],
                            ))
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `lt`.
pub(crate) fn lt(arg1: Rv, arg2: Rv) -> Result<bool, String> {
    let arg1 = arg1.unwrap_iface();
    let arg2 = arg2.unwrap_iface();
    let k1 = basic_kind(&arg1);
    if k1 == BasicKind::Invalid {
        return Err(BAD_COMPARISON_TYPE.to_string());
    }
    let k2 = basic_kind(&arg2);
    if k2 == BasicKind::Invalid {
        return Err(BAD_COMPARISON_TYPE.to_string());
    }
    if k1 != k2 {
        return Err(format!("incompatible types for comparison: {} and {}", arg1.type_name(), arg2.type_name()));
    }
    match (arg1.value(), arg2.value()) {
        (Some(Value::Float(a)), Some(Value::Float(b))) => Ok(a < b),
        (Some(Value::String(a)), Some(Value::String(b))) => Ok(a.as_bytes() < b.as_bytes()),
        (Some(a), Some(b)) if k1 == BasicKind::Int => Ok(a.as_i64() < b.as_i64()),
        _ => Err(BAD_COMPARISON_TYPE.to_string()),
    }
}

/// Go's `le`: `lt` or `eq`.
fn le(arg1: Rv, arg2: Rv) -> Result<bool, String> {
    if lt(arg1.clone(), arg2.clone())? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(&arg2))
}

/// Go's `evalArgs`: one string argument as is, otherwise `fmt.Sprint` of the arguments with
/// missing values shown as `<no value>`.
fn eval_args(args: Vec<Rv>) -> String {
    if let [Rv::Val(Value::String(s)) | Rv::Iface(Value::String(s))] = args.as_slice() {
        return s.to_string();
    }
    let vals: Vec<Value> = args
        .into_iter()
        .map(|a| match a.value() {
            None => Value::str("<no value>"),
            Some(v) => v.clone(),
        })
        .collect();
    gofmt::sprint(&vals)
}

/// Go's `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u00{:02X}", c as u32)),
            c if (c as u32) < 0x80 => out.push(c),
            c if gofmt::is_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn url_query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
