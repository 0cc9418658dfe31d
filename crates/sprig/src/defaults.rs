//! Sprig's defaults and flow-control functions (defaults.go): `default`, `empty`,
//! `coalesce`, `all`, `any`, `ternary`, the JSON encoders and decoders, plus `fail` and
//! `hello` from functions.go.
//!
//! "Empty" is Sprig's notion of unset ([`crate::conv::is_empty`]): nil, false, 0, "", and
//! empty lists and maps. Helm replaces `toJson` and `fromJson` with its own versions; the
//! Sprig ones are registered here and Helm's layer overrides them.

use godata::json;
use gotmpl::{FuncError, FuncMap, Type, Value};

use crate::conv::{arg, arg_str, is_empty};

pub fn register(m: &mut FuncMap) {
    use Type::{Any, Bool, String as S};

    m.add_variadic("default", &[Any], Any, |_, a| {
        // dfault(d, given...): the first given value unless it is missing or empty.
        match a.get(1) {
            Some(given) if !is_empty(given) => Ok(given.clone()),
            _ => Ok(arg(a, 0)),
        }
    });
    m.add("empty", &[Any], |_, a| Ok(is_empty(&arg(a, 0)).into()));
    m.add_variadic("coalesce", &[], Any, |_, a| {
        Ok(a.iter().find(|v| !is_empty(v)).cloned().unwrap_or(Value::Nil))
    });
    m.add_variadic("all", &[], Any, |_, a| Ok(a.iter().all(|v| !is_empty(v)).into()));
    m.add_variadic("any", &[], Any, |_, a| Ok(a.iter().any(|v| !is_empty(v)).into()));
    m.add("ternary", &[Any, Any, Bool], |_, a| {
        Ok(if matches!(a.get(2), Some(Value::Bool(true))) { arg(a, 0) } else { arg(a, 1) })
    });

    // Encoders: the plain variants turn errors into "" except toRawJson, which panics with
    // the error in Sprig v3.3.0 (so the template fails either way).
    m.add("toJson", &[Any], |_, a| Ok(json::to_json(&arg(a, 0)).unwrap_or_default().into()));
    m.add("mustToJson", &[Any], |_, a| encoded(json::to_json(&arg(a, 0))));
    m.add("toPrettyJson", &[Any], |_, a| {
        Ok(json::to_json_indent(&arg(a, 0), "", "  ").unwrap_or_default().into())
    });
    m.add("mustToPrettyJson", &[Any], |_, a| encoded(json::to_json_indent(&arg(a, 0), "", "  ")));
    m.add("toRawJson", &[Any], |_, a| encoded(json::to_json_raw(&arg(a, 0))));
    m.add("mustToRawJson", &[Any], |_, a| encoded(json::to_json_raw(&arg(a, 0))));
    // Decoders: Sprig's fromJson yields nil on malformed input; mustFromJson fails.
    m.add("fromJson", &[S], |_, a| Ok(json::parse(arg_str(a, 0)).unwrap_or(Value::Nil)));
    m.add("mustFromJson", &[S], |_, a| json::parse(arg_str(a, 0)).map_err(|e| FuncError::Msg(e.message)));

    m.add("fail", &[S], |_, a| Err(FuncError::Msg(arg_str(a, 0).to_string())));
    m.add("hello", &[], |_, _| Ok(Value::str("Hello!")));
}

fn encoded(result: Result<String, json::JsonError>) -> Result<Value, FuncError> {
    result.map(Value::from).map_err(|e| FuncError::Msg(e.message))
}
