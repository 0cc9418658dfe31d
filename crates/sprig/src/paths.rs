//! `base`, `dir`, `clean`, `ext`, `isAbs` (Go's `path`) and their `os*` twins (Go's
//! `path/filepath`). Helm's reference builds run on Unix, where `filepath` uses `/` and
//! behaves exactly like `path`, so both families share one implementation.

use gotmpl::{FuncMap, Type, Value};

use crate::conv::arg_str;

/// Go's `path.Clean`: the shortest equivalent path, by purely lexical processing.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    // A relative path keeps leading "..": there is nothing to cancel.
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `path.Base`: the last element, trailing slashes removed.
pub fn base(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        Some(i) => trimmed[i + 1..].to_string(),
        None => trimmed.to_string(),
    }
}

/// Go's `path.Dir`: everything but the last element, cleaned.
pub fn dir(path: &str) -> String {
    let head = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    clean(head)
}

/// Go's `path.Ext`: the suffix from the last dot of the last element.
pub fn ext(path: &str) -> String {
    for (i, c) in path.char_indices().rev() {
        match c {
            '/' => break,
            '.' => return path[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

pub fn register(m: &mut FuncMap) {
    for prefix in ["", "os"] {
        let name = |base: &str| {
            if prefix.is_empty() {
                base.to_string()
            } else {
                let mut chars = base.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or_default();
                format!("{prefix}{first}{}", chars.as_str())
            }
        };
        m.add(&name("base"), &[Type::String], |_, args| Ok(Value::str(base(arg_str(args, 0)))));
        m.add(&name("dir"), &[Type::String], |_, args| Ok(Value::str(dir(arg_str(args, 0)))));
        m.add(&name("clean"), &[Type::String], |_, args| Ok(Value::str(clean(arg_str(args, 0)))));
        m.add(&name("ext"), &[Type::String], |_, args| Ok(Value::str(ext(arg_str(args, 0)))));
        m.add(&name("isAbs"), &[Type::String], |_, args| Ok(Value::Bool(arg_str(args, 0).starts_with('/'))));
    }
}
