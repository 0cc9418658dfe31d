//! Helm's own template functions (Helm v4.1.4's `pkg/engine/funcs.go` and the late-bound
//! ones of `engine.go`), added on top of Sprig.
//!
//! `required` and `fail` wrap their message in markers; when a render fails, the error
//! cleanup looks for them and prints Helm's `execution error at (FILE:LINE:COL): MESSAGE`
//! instead of Go's nested error chain. (Helm 4 reports `fail` that way too.)

use std::sync::Arc;

use gotmpl::{CallContext, FuncError, FuncMap, Type, Value};

/// Start and end markers around a `required`/`fail` message inside an error.
pub const WARN_START: &str = "HELM_ERR_START";
pub const WARN_END: &str = "HELM_ERR_END";

/// Helm's limit on how many times one named template may be nested through `include`.
pub const INCLUDE_RECURSION_MAX: usize = 1000;

pub fn warn_wrap(msg: &str) -> String {
    format!("{WARN_START}{msg}{WARN_END}")
}

/// Options that change how Helm's functions behave.
#[derive(Clone, Debug, Default)]
pub struct HelmFuncOptions {
    /// Lint mode: `required` does not fail (it logs and yields "").
    pub lint_mode: bool,
    /// Strict mode: templates run with missingkey=error (also inside `tpl`).
    pub strict: bool,
}

/// Every function Helm adds to Sprig, with Sprig's `env`/`expandenv` removed.
/// `lookup` returns an empty map here (no cluster); the deploy crate replaces it.
pub fn helm_funcs(opts: &HelmFuncOptions) -> FuncMap {
    let mut m = sprig::funcs();
    m.remove("env");
    m.remove("expandenv");

    m.add("toYaml", &[Type::Any], |_, a| Ok(Value::str(to_yaml_trimmed(&a[0]).unwrap_or_default())));
    m.add("mustToYaml", &[Type::Any], |_, a| to_yaml_trimmed(&a[0]).map(Value::str).map_err(FuncError::Msg));
    m.add("toYamlPretty", &[Type::Any], |_, a| {
        Ok(Value::str(to_yaml_pretty(&a[0]).map(|s| s.trim_end_matches('\n').to_string()).unwrap_or_default()))
    });
    m.add("fromYaml", &[Type::String], |_, a| {
        Ok(from_document(godata::yaml::parse(str_arg(&a[0])).map_err(|e| e.to_string()), false, true))
    });
    m.add("fromYamlArray", &[Type::String], |_, a| {
        Ok(from_document(godata::yaml::parse(str_arg(&a[0])).map_err(|e| e.to_string()), true, true))
    });
    m.add("toJson", &[Type::Any], |_, a| Ok(Value::str(godata::json::to_json(&a[0]).unwrap_or_default())));
    m.add("mustToJson", &[Type::Any], |_, a| {
        godata::json::to_json(&a[0]).map(Value::str).map_err(|e| FuncError::Msg(e.to_string()))
    });
    m.add("fromJson", &[Type::String], |_, a| {
        Ok(from_document(godata::json::parse(str_arg(&a[0])).map_err(|e| e.to_string()), false, false))
    });
    m.add("fromJsonArray", &[Type::String], |_, a| {
        Ok(from_document(godata::json::parse(str_arg(&a[0])).map_err(|e| e.to_string()), true, false))
    });
    m.add("toToml", &[Type::Any], |_, a| {
        // BurntSushi's encoder panics inside reflect on nil; the panic becomes the error.
        if a[0].is_nil() {
            return Err(FuncError::Msg("reflect: call of reflect.Value.Type on zero Value".into()));
        }
        Ok(Value::str(crate::toml::to_toml(&a[0]).unwrap_or_else(|e| e)))
    });
    m.add("fromToml", &[Type::String], |_, a| Ok(crate::toml::from_toml(str_arg(&a[0]))));

    // Helm disables DNS lookups unless asked (`--enable-dns`): the name resolves to "".
    m.add("getHostByName", &[Type::String], |_, _| Ok(Value::str("")));

    m.add("lookup", &[Type::String, Type::String, Type::String, Type::String], |_, _| {
        Ok(Value::empty_map())
    });

    let lint = opts.lint_mode;
    m.add("required", &[Type::String, Type::Any], move |_, a| {
        let missing = match &a[1] {
            Value::Nil => true,
            Value::String(s) => s.is_empty(),
            _ => false,
        };
        if !missing {
            return Ok(a[1].clone());
        }
        if lint {
            return Ok(Value::str(""));
        }
        Err(FuncError::Msg(warn_wrap(str_arg(&a[0]))))
    });
    m.add("fail", &[Type::String], |_, a| Err(FuncError::Msg(warn_wrap(str_arg(&a[0])))));

    // include: run a named template and return its output (Go's ExecuteTemplate). Helm
    // caps how deep one name may nest.
    let depth: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>> = Default::default();
    m.add("include", &[Type::String, Type::Any], move |ctx: &mut dyn CallContext, a| {
        let name = str_arg(&a[0]).to_string();
        {
            let mut d = depth.lock().unwrap_or_else(|e| e.into_inner());
            let n = d.entry(name.clone()).or_insert(0);
            if *n > INCLUDE_RECURSION_MAX {
                return Err(FuncError::Msg(format!(
                    "rendering template has a nested reference name: {name}: unable to execute template"
                )));
            }
            *n += 1;
        }
        let result = ctx.execute_template(&name, a[1].clone());
        if let Some(n) = depth.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&name) {
            *n = n.saturating_sub(1);
        }
        result.map(Value::str).map_err(FuncError::from)
    });

    // tpl: parse the text as a template named "gotpl" (the root's name) in a copy of the
    // set, run it with the given data, and drop "<no value>" as Helm does for files.
    // tpl inside tpl re-parses and recurses with no name to count (Helm dies with a Go stack
    // overflow); cap the nesting like include's.
    let tpl_depth: Arc<std::sync::atomic::AtomicUsize> = Default::default();
    m.add("tpl", &[Type::String, Type::Any], move |ctx: &mut dyn CallContext, a| {
        use std::sync::atomic::Ordering;
        let nested = tpl_depth.fetch_add(1, Ordering::Relaxed) + 1;
        let result = tpl(ctx, a, nested);
        tpl_depth.fetch_sub(1, Ordering::Relaxed);
        result
    });
    m
}

/// How deeply `tpl` may nest inside `tpl`.
pub const TPL_RECURSION_MAX: usize = 1000;

fn tpl(ctx: &mut dyn CallContext, a: &[Value], nested: usize) -> Result<Value, FuncError> {
    if nested > TPL_RECURSION_MAX {
        return Err(FuncError::Msg(format!("tpl nested deeper than {TPL_RECURSION_MAX} levels: maximum depth exceeded")));
    }
    let text = str_arg(&a[0]);
    match ctx.execute_text(crate::render::ROOT_TEMPLATE_NAME, text, a[1].clone()) {
        Ok(out) => Ok(Value::str(out.replace("<no value>", ""))),
        Err(e) => {
            let how =
                if e.kind == gotmpl::ErrorKind::Parse { "cannot parse template" } else { "error during tpl function execution for" };
            Err(FuncError::Msg(format!("{how} {}: {}", go_quote(text), e.message)))
        }
    }
}

fn str_arg(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// `toYamlPretty`: Helm encodes with goyaml.v3's `Encoder` and `SetIndent(2)`
/// (godata's v3 flavour of the emitter).
fn to_yaml_pretty(v: &Value) -> Result<String, String> {
    godata::yaml::to_yaml_v3(v).map_err(|e| e.to_string())
}

/// `toYaml`'s text: sigs.k8s.io/yaml output without its final newline.
fn to_yaml_trimmed(v: &Value) -> Result<String, String> {
    godata::yaml::to_yaml(v).map(|s| s.strip_suffix('\n').map(str::to_string).unwrap_or(s)).map_err(|e| e.to_string())
}

/// `fromYaml`/`fromJson` (a map; an error goes under the key "Error") and their `Array`
/// forms (a list; an error is its only item), as Helm tolerates errors inside templates.
fn from_document(parsed: Result<Value, String>, want_list: bool, via_yaml: bool) -> Value {
    // sigs.k8s.io/yaml wraps encoding/json's message; fromJson calls encoding/json directly.
    let prefix = if via_yaml { "error unmarshaling JSON: while decoding JSON: " } else { "" };
    let unmarshal_err = |v: &Value, into: &str| {
        format!("{prefix}json: cannot unmarshal {} into Go value of type {into}", godata::json::json_kind(v))
    };
    if want_list {
        match parsed {
            Ok(Value::List(l)) => Value::List(l),
            Ok(Value::Nil) => Value::list(Vec::new()),
            Ok(other) => Value::list(vec![Value::str(unmarshal_err(&other, "[]interface {}"))]),
            Err(e) => Value::list(vec![Value::str(e)]),
        }
    } else {
        match parsed {
            Ok(Value::Map(m)) => Value::Map(m),
            Ok(Value::Nil) => Value::empty_map(),
            Ok(other) => Value::map([("Error", Value::str(unmarshal_err(&other, "map[string]interface {}")))]),
            Err(e) => Value::map([("Error", Value::str(e))]),
        }
    }
}

/// Go's `%q` of a string (strconv.Quote), for messages that quote template text.
pub fn go_quote(s: &str) -> String {
    gotmpl::gofmt::sprintf("%q", &[Value::str(s)])
}
