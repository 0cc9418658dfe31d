//! Sprig's dictionary functions (dict.go): `dict`, `get`, `set`, `merge`, `dig`, ...
//!
//! Dicts are Go `map[string]interface{}` values, shared by reference: `set`, `unset`,
//! `merge` and `mergeOverwrite` change the map they are given (and return it), and every
//! other holder of that map sees the change, as in Go.
//!
//! Go iterates maps in random order, so `keys` and `values` return their items in an
//! unspecified order there (charts sort them with `sortAlpha`); ours come in key order.

use gotmpl::{FuncError, FuncMap, MapRef, Type, Value};

use crate::conv::{arg, arg_str, is_empty, strval};

/// How deep `merge` follows nested maps before giving up. Go would recurse until its stack
/// overflows (a fatal error) on a map that contains itself; we return an error instead.
const MAX_MERGE_DEPTH: usize = 512;

pub fn register(m: &mut FuncMap) {
    use Type::{Any, AnyMap, String as S};

    m.add("get", &[AnyMap, S], |_, a| {
        let key = arg_str(a, 1);
        Ok(dict_of(a, 0).and_then(|d| d.get(key)).unwrap_or_else(|| Value::str("")))
    });
    m.add("set", &[AnyMap, S, Any], |_, a| {
        if let Some(d) = dict_of(a, 0) {
            d.insert(arg_str(a, 1), arg(a, 2));
        }
        Ok(arg(a, 0))
    });
    m.add("unset", &[AnyMap, S], |_, a| {
        if let Some(d) = dict_of(a, 0) {
            d.remove(arg_str(a, 1));
        }
        Ok(arg(a, 0))
    });
    m.add("hasKey", &[AnyMap, S], |_, a| {
        Ok(dict_of(a, 0).is_some_and(|d| d.contains_key(arg_str(a, 1))).into())
    });
    m.add_variadic("pluck", &[S], AnyMap, |_, a| {
        let key = arg_str(a, 0);
        let found = a.iter().skip(1).filter_map(|d| d.as_map().and_then(|d| d.get(key))).collect();
        Ok(Value::list(found))
    });
    m.add_variadic("keys", &[], AnyMap, |_, a| {
        let keys: Vec<String> =
            a.iter().filter_map(Value::as_map).flat_map(|d| d.keys()).map(|k| k.to_string()).collect();
        Ok(Value::string_list(keys))
    });
    m.add_variadic("pick", &[AnyMap], S, |_, a| {
        let entries = match dict_of(a, 0) {
            Some(d) => a[1..].iter().filter_map(|k| {
                let k = k.as_str()?;
                d.get(k).map(|v| (k.to_string(), v))
            }).collect::<Vec<_>>(),
            None => Vec::new(),
        };
        Ok(Value::map(entries))
    });
    m.add_variadic("omit", &[AnyMap], S, |_, a| {
        let omitted: Vec<&str> = a[1..].iter().filter_map(Value::as_str).collect();
        let entries = match dict_of(a, 0) {
            Some(d) => d.entries().into_iter().filter(|(k, _)| !omitted.contains(&k.as_ref())).collect(),
            None => Vec::new(),
        };
        Ok(Value::map(entries))
    });
    m.add_variadic("dict", &[], Any, |_, a| Ok(dict(a)));
    m.add("values", &[AnyMap], |_, a| {
        Ok(Value::list(dict_of(a, 0).map(|d| d.entries().into_iter().map(|(_, v)| v).collect()).unwrap_or_default()))
    });
    // The plain variants swallow mergo's errors and return "" instead of the map.
    m.add_variadic("merge", &[AnyMap], AnyMap, |_, a| Ok(merge_all(a, false).unwrap_or_else(|_| Value::str(""))));
    m.add_variadic("mergeOverwrite", &[AnyMap], AnyMap, |_, a| {
        Ok(merge_all(a, true).unwrap_or_else(|_| Value::str("")))
    });
    m.add_variadic("mustMerge", &[AnyMap], AnyMap, |_, a| merge_all(a, false).map_err(FuncError::Msg));
    m.add_variadic("mustMergeOverwrite", &[AnyMap], AnyMap, |_, a| merge_all(a, true).map_err(FuncError::Msg));
    m.add("deepCopy", &[Any], |_, a| {
        // On nil, copystructure panics inside reflect before deepCopy can add its "deepCopy
        // error: " prefix, so Helm shows reflect's bare message.
        let v = arg(a, 0);
        if v.is_nil() {
            return Err(FuncError::Msg(NIL_COPY_PANIC.to_string()));
        }
        deep_copy(&v).map_err(|e| FuncError::Msg(format!("deepCopy error: {e}")))
    });
    m.add("mustDeepCopy", &[Any], |_, a| deep_copy(&arg(a, 0)).map_err(FuncError::Msg));
    m.add_variadic("dig", &[], Any, |_, a| dig(a));
}

fn dict_of(args: &[Value], i: usize) -> Option<&MapRef> {
    args.get(i).and_then(Value::as_map)
}

/// `dict k1 v1 k2 v2 ...`: keys through `strval`; a key without a value maps to "".
pub fn dict(args: &[Value]) -> Value {
    let mut entries = Vec::with_capacity(args.len() / 2 + 1);
    for pair in args.chunks(2) {
        let key = strval(&pair[0]);
        let value = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
        entries.push((key, value));
    }
    // Later duplicates win, as with Go's repeated map assignment.
    Value::map(entries)
}

/// `deepCopy` (mitchellh/copystructure): maps and slices copied all the way down. Copying
/// nil fails in copystructure with a reflection error.
/// What copystructure's panic on a nil value says (Go's reflect).
const NIL_COPY_PANIC: &str = "reflect: call of reflect.Value.Type on zero Value";

fn deep_copy(v: &Value) -> Result<Value, String> {
    if v.is_nil() {
        return Err(NIL_COPY_PANIC.to_string());
    }
    bounded_copy(v, 0)
}

/// How deep `deepCopy` follows maps and lists. Go recurses until the stack runs out on a
/// map that contains itself (and crashes Helm); we stop with an error instead.
const MAX_COPY_DEPTH: usize = 1000;

fn bounded_copy(v: &Value, depth: usize) -> Result<Value, String> {
    if depth > MAX_COPY_DEPTH {
        return Err(format!("value nested deeper than {MAX_COPY_DEPTH} levels (or containing itself)"));
    }
    Ok(match v {
        Value::List(l) => {
            let items = l.items.iter().map(|i| bounded_copy(i, depth + 1)).collect::<Result<Vec<_>, _>>()?;
            if l.nil {
                Value::nil_list(l.elem)
            } else {
                Value::typed_list(l.elem, items)
            }
        }
        Value::Map(m) => {
            let (elem, entries) = (m.elem(), m.entries());
            let mut copied = Vec::with_capacity(entries.len());
            for (k, item) in entries {
                copied.push((k, bounded_copy(&item, depth + 1)?));
            }
            Value::typed_map(elem, copied)
        }
        other => other.clone(),
    })
}

/// `merge dst src...` / `mergeOverwrite dst src...`: mergo's `Merge` / `MergeWithOverwrite`
/// of each source into `dst` in turn; `dst` is changed and returned.
fn merge_all(args: &[Value], overwrite: bool) -> Result<Value, String> {
    let dst = arg(args, 0);
    if let Some(d) = dst.as_map() {
        for src in &args[1..] {
            if let Some(s) = src.as_map() {
                merge_maps(d, s, overwrite, 0)?;
            }
        }
    }
    Ok(dst)
}

/// mergo's `deepMerge` for two maps, as dario.cat/mergo v1.0.1 does it for
/// `map[string]interface{}`. For each key of `src`:
///
/// * a nil source value is copied only when overwriting;
/// * a map source value is merged into a map destination value in place (recursively),
///   and a non-empty destination map is then kept;
/// * a slice source value replaces the destination value only when overwriting or when
///   the destination map is empty (never appended), and a non-empty destination is kept;
/// * otherwise the source value is stored when overwriting, when the key is missing, or when
///   the destination value is empty (nil, false, 0, "", or an empty map or slice).
///
/// The source is read from a snapshot, so merging a map into itself cannot deadlock.
pub fn merge_maps(dst: &MapRef, src: &MapRef, overwrite: bool, depth: usize) -> Result<(), String> {
    if depth > MAX_MERGE_DEPTH {
        return Err(format!("merge: maps nested more than {MAX_MERGE_DEPTH} levels deep"));
    }
    let src_elem = src.elem();
    for (key, src_value) in src.entries() {
        let dst_value = dst.get(&key);
        if src_value.is_nil() {
            if overwrite {
                set_index(dst, key.as_ref(), Value::Nil, src_elem)?;
            }
            continue;
        }
        match &src_value {
            Value::Map(src_map) => {
                if let Some(Value::Map(dst_map)) = &dst_value {
                    merge_maps(dst_map, src_map, overwrite, depth + 1)?;
                }
            }
            Value::List(src_list) => {
                let replacement = if overwrite || dst.is_empty() {
                    src_value.clone()
                } else {
                    match &dst_value {
                        None | Some(Value::Nil) => Value::typed_list(src_list.elem, Vec::new()),
                        Some(existing) => existing.clone(),
                    }
                };
                set_index(dst, key.as_ref(), replacement, src_elem)?;
            }
            _ => {}
        }
        if let Some(existing) = &dst_value {
            if !is_empty(existing) {
                let keep = matches!(src_value, Value::List(_))
                    || (matches!(src_value, Value::Map(_)) && matches!(existing, Value::Map(_)));
                if keep {
                    continue;
                }
            }
        }
        let missing_or_empty = dst_value.as_ref().is_none_or(is_empty);
        if overwrite || missing_or_empty {
            set_index(dst, key.as_ref(), src_value, src_elem)?;
        }
    }
    Ok(())
}

/// `reflect.Value.SetMapIndex`: a value read from a `map[string]interface{}` cannot go into
/// a `map[string]string`.
fn set_index(dst: &MapRef, key: &str, value: Value, src_elem: Type) -> Result<(), String> {
    let dst_elem = dst.elem();
    if dst_elem != Type::Any && src_elem != dst_elem {
        return Err(format!(
            "reflect.Value.SetMapIndex: value of type {} is not assignable to type {}",
            src_elem.go_name(),
            dst_elem.go_name()
        ));
    }
    dst.insert(key, value);
    Ok(())
}

/// `dig k1 k2 ... default dict`: the value at the key path, or the default when a key is
/// missing. Go's type assertions panic on a non-dict or a non-string key; their messages
/// are reproduced.
fn dig(args: &[Value]) -> Result<Value, FuncError> {
    if args.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let dict = assert_dict(&args[args.len() - 1])?;
    let default = args[args.len() - 2].clone();
    let mut keys = Vec::with_capacity(args.len() - 2);
    for k in &args[..args.len() - 2] {
        match k {
            Value::String(s) => keys.push(s.clone()),
            other => return Err(interface_conversion(other, "string").into()),
        }
    }
    let mut current = dict;
    for (i, key) in keys.iter().enumerate() {
        let Some(step) = current.get(key) else {
            return Ok(default);
        };
        if i + 1 == keys.len() {
            return Ok(step);
        }
        current = assert_dict(&step)?;
    }
    Ok(default)
}

/// Go's `v.(map[string]interface{})`.
fn assert_dict(v: &Value) -> Result<MapRef, FuncError> {
    match v {
        Value::Map(m) if m.elem() == Type::Any => Ok(m.clone()),
        other => Err(interface_conversion(other, "map[string]interface {}").into()),
    }
}

/// The panic message of a failed type assertion on an `interface{}`.
fn interface_conversion(v: &Value, want: &str) -> String {
    let have = if v.is_nil() { "nil".to_string() } else { v.type_name() };
    format!("interface conversion: interface {{}} is {have}, not {want}")
}
