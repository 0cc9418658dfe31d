//! Sprig's list functions (list.go): `list`, `first`, `rest`, `append`, `uniq`, `has`, ...
//!
//! Sprig takes every list as `interface{}` and walks it through reflection, so typed slices
//! (`[]string` from `splitList`, `[]int` from `until`) work too, and the results are
//! `[]interface{}`. A non-slice argument is an error: the `must*` variants return it, the
//! plain ones panic with the same message, which `text/template` reports the same way
//! (`error calling first: Cannot find first on type int`). A nil argument makes Go's
//! `reflect.TypeOf(nil).Kind()` dereference a nil pointer; that panic is reproduced too.
//!
//! Where Go returns a nil `[]interface{}` (`rest` of an empty list, `concat` of nothing) we
//! return nil, which encodes as JSON/YAML `null` exactly as Go's nil slice does; only `%v`
//! printing differs (Go prints a nil slice as `[]`).

use gotmpl::{FuncError, FuncMap, Type, Value};

use crate::conv::{arg, arg_int, go_float_to_int, is_empty, to_int};

/// The panic message of a nil-pointer dereference, as `text/template` reports it.
pub const NIL_DEREFERENCE: &str = "runtime error: invalid memory address or nil pointer dereference";

pub fn register(m: &mut FuncMap) {
    use Type::{Any, Int};

    for name in ["list", "tuple"] {
        m.add_variadic(name, &[], Any, |_, a| Ok(Value::list(a.to_vec())));
    }
    for name in ["append", "push", "mustAppend", "mustPush"] {
        m.add(name, &[Any, Any], |_, a| {
            let mut items = items_of(&arg(a, 0), "Cannot push on type")?;
            items.push(arg(a, 1));
            Ok(Value::list(items))
        });
    }
    for name in ["prepend", "mustPrepend"] {
        m.add(name, &[Any, Any], |_, a| {
            let items = items_of(&arg(a, 0), "Cannot prepend on type")?;
            let mut out = Vec::with_capacity(items.len() + 1);
            out.push(arg(a, 1));
            out.extend(items);
            Ok(Value::list(out))
        });
    }
    for name in ["chunk", "mustChunk"] {
        m.add(name, &[Int, Any], |_, a| chunk(arg_int(a, 0), &arg(a, 1)));
    }
    for name in ["first", "mustFirst"] {
        m.add(name, &[Any], |_, a| {
            Ok(items_of(&arg(a, 0), "Cannot find first on type")?.into_iter().next().unwrap_or(Value::Nil))
        });
    }
    for name in ["last", "mustLast"] {
        m.add(name, &[Any], |_, a| {
            Ok(items_of(&arg(a, 0), "Cannot find last on type")?.pop().unwrap_or(Value::Nil))
        });
    }
    for name in ["rest", "mustRest"] {
        m.add(name, &[Any], |_, a| {
            let items = items_of(&arg(a, 0), "Cannot find rest on type")?;
            Ok(if items.is_empty() { Value::nil_list(Any) } else { Value::list(items[1..].to_vec()) })
        });
    }
    for name in ["initial", "mustInitial"] {
        m.add(name, &[Any], |_, a| {
            let items = items_of(&arg(a, 0), "Cannot find initial on type")?;
            Ok(if items.is_empty() { Value::nil_list(Any) } else { Value::list(items[..items.len() - 1].to_vec()) })
        });
    }
    for name in ["reverse", "mustReverse"] {
        m.add(name, &[Any], |_, a| {
            let mut items = items_of(&arg(a, 0), "Cannot find reverse on type")?;
            items.reverse();
            Ok(Value::list(items))
        });
    }
    for name in ["compact", "mustCompact"] {
        m.add(name, &[Any], |_, a| {
            let items = items_of(&arg(a, 0), "Cannot compact on type")?;
            Ok(Value::list(items.into_iter().filter(|v| !is_empty(v)).collect()))
        });
    }
    for name in ["uniq", "mustUniq"] {
        m.add(name, &[Any], |_, a| {
            let items = items_of(&arg(a, 0), "Cannot find uniq on type")?;
            let mut out: Vec<Value> = Vec::new();
            for item in items {
                if !out.iter().any(|seen| item.deep_equal(seen)) {
                    out.push(item);
                }
            }
            Ok(Value::list(out))
        });
    }
    for name in ["without", "mustWithout"] {
        m.add_variadic(name, &[Any], Any, |_, a| {
            let items = items_of(&arg(a, 0), "Cannot find without on type")?;
            let omit = a.get(1..).unwrap_or(&[]);
            Ok(Value::list(items.into_iter().filter(|v| !omit.iter().any(|o| v.deep_equal(o))).collect()))
        });
    }
    for name in ["has", "mustHas"] {
        m.add(name, &[Any, Any], |_, a| {
            let haystack = arg(a, 1);
            if haystack.is_nil() {
                return Ok(false.into());
            }
            let needle = arg(a, 0);
            let items = items_of(&haystack, "Cannot find has on type")?;
            Ok(items.iter().any(|item| needle.deep_equal(item)).into())
        });
    }
    for name in ["slice", "mustSlice"] {
        m.add_variadic(name, &[Any], Any, |_, a| slice(&arg(a, 0), a.get(1..).unwrap_or(&[])));
    }
    m.add_variadic("concat", &[], Any, |_, a| {
        let mut out = Vec::new();
        for list in a {
            match list {
                Value::List(l) => out.extend(l.items.iter().cloned()),
                Value::Nil => return Err(NIL_DEREFERENCE.into()),
                other => return Err(format!("Cannot concat type {} as list", other.kind().go_name()).into()),
            }
        }
        Ok(if out.is_empty() { Value::nil_list(Any) } else { Value::list(out) })
    });
}

/// The items of a slice argument, or Sprig's error (`"<what> <kind>"`) for anything else.
fn items_of(v: &Value, what: &str) -> Result<Vec<Value>, FuncError> {
    match v {
        Value::List(l) => Ok(l.items.clone()),
        Value::Nil => Err(NIL_DEREFERENCE.into()),
        other => Err(format!("{what} {}", other.kind().go_name()).into()),
    }
}

/// `slice list [start [end]]`: Go's `list[start:end]` through reflection, keeping the
/// slice's element type; an empty list gives nil.
fn slice(list: &Value, indices: &[Value]) -> Result<Value, FuncError> {
    let l = match list {
        Value::List(l) => l,
        Value::Nil => return Err(NIL_DEREFERENCE.into()),
        other => {
            return Err(format!("list should be type of slice or array but {}", other.kind().go_name()).into())
        }
    };
    let len = l.items.len() as i64;
    if len == 0 {
        return Ok(Value::Nil);
    }
    let start = indices.first().map(to_int).unwrap_or(0);
    let end = if indices.len() < 2 { len } else { to_int(&indices[1]) };
    if start < 0 || end < start || end > len {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    Ok(Value::typed_list(l.elem, l.items[start as usize..end as usize].to_vec()))
}

/// `chunk size list`: the list in pieces of `size`, computed with Sprig's float arithmetic
/// so that odd sizes fail or succeed exactly as in Go (a size of 0 makes Go allocate a slice
/// of length `int(+Inf)`, which panics).
fn chunk(size: i64, list: &Value) -> Result<Value, FuncError> {
    const MAKESLICE: &str = "runtime error: makeslice: len out of range";
    let items = items_of(list, "Cannot chunk type")?;
    let len = items.len() as i64;
    let count = go_float_to_int(((len - 1) as f64 / size as f64).floor() + 1.0);
    if count < 0 {
        return Err(MAKESLICE.into());
    }
    let mut chunks = Vec::new();
    for i in 0..count {
        let mut chunk_len = size;
        if i == count - 1 {
            chunk_len = go_float_to_int((len as f64 % size as f64).floor());
            if chunk_len == 0 {
                chunk_len = size;
            }
        }
        if chunk_len < 0 {
            return Err(MAKESLICE.into());
        }
        let mut piece = Vec::new();
        for j in 0..chunk_len {
            let index = i.checked_mul(size).and_then(|x| x.checked_add(j));
            match index.filter(|ix| (0..len).contains(ix)) {
                Some(ix) => piece.push(items[ix as usize].clone()),
                None => {
                    return Err("reflect: slice index out of range".into())
                }
            }
        }
        chunks.push(Value::list(piece));
    }
    Ok(Value::list(chunks))
}
