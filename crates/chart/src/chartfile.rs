//! Decoding `Chart.yaml`, `requirements.yaml` and lock files into the model, as Helm's
//! `yaml.Unmarshal(data, &metadata)` does (sigs.k8s.io/yaml then `encoding/json`): keys
//! match field names case-insensitively, unknown keys are ignored, scalars become strings
//! where a string is expected (`appVersion: 1.10` is `"1.1"`), other mismatches are
//! `json: cannot unmarshal ...` errors. Then Helm's validation and sanitising.

use gotmpl::{MapRef, Value};

use crate::govalues::format_float_g;
use crate::model::{Dependency, Lock, Maintainer, Metadata};
use crate::yaml::json_type_name;
use crate::Error;

type DecodeResult<T> = Result<T, String>;

fn unmarshal_error(found: &Value, strukt: &str, field: &str, go_type: &str) -> String {
    format!(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {strukt}.{field} of type {go_type}",
        json_type_name(found)
    )
}

/// The value of a struct field: the exact key, else a case-insensitive match.
fn field(map: &MapRef, name: &str) -> Option<Value> {
    if let Some(v) = map.get(name) {
        return Some(v);
    }
    map.entries().into_iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// A YAML scalar read into a Go `string` (sigs.k8s.io/yaml converts numbers and booleans).
fn scalar_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) | Value::Int64(i) => Some(i.to_string()),
        // YAML integers arrive as float64 here; they were formatted as integers by Helm.
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => Some(format!("{}", *f as i64)),
        Value::Float(f) => Some(format_float_g(*f, true)),
        _ => None,
    }
}

fn string_field(map: &MapRef, name: &str, strukt: &str, path: &str) -> DecodeResult<String> {
    match field(map, name) {
        None | Some(Value::Nil) => Ok(String::new()),
        Some(v) => scalar_to_string(&v).ok_or_else(|| unmarshal_error(&v, strukt, path, "string")),
    }
}

fn bool_field(map: &MapRef, name: &str, strukt: &str, path: &str) -> DecodeResult<bool> {
    match field(map, name) {
        None | Some(Value::Nil) => Ok(false),
        Some(Value::Bool(b)) => Ok(b),
        Some(v) => Err(unmarshal_error(&v, strukt, path, "bool")),
    }
}

fn string_list_field(map: &MapRef, name: &str, strukt: &str, path: &str) -> DecodeResult<Vec<String>> {
    match field(map, name) {
        None | Some(Value::Nil) => Ok(Vec::new()),
        Some(Value::List(l)) => l
            .items
            .iter()
            .map(|item| match item {
                Value::Nil => Ok(String::new()),
                other => scalar_to_string(other).ok_or_else(|| unmarshal_error(other, strukt, path, "string")),
            })
            .collect(),
        Some(v) => Err(unmarshal_error(&v, strukt, path, "[]string")),
    }
}

/// Reads `list` items that must be objects; `null` items are kept as `None`.
fn object_list(
    map: &MapRef,
    name: &str,
    strukt: &str,
    path: &str,
    elem_type: &str,
) -> DecodeResult<Option<Vec<Option<MapRef>>>> {
    match field(map, name) {
        None | Some(Value::Nil) => Ok(None),
        Some(Value::List(l)) => l
            .items
            .iter()
            .map(|item| match item {
                Value::Nil => Ok(None),
                Value::Map(m) => Ok(Some(m.clone())),
                other => Err(unmarshal_error(other, strukt, path, elem_type)),
            })
            .collect::<DecodeResult<Vec<_>>>()
            .map(Some),
        Some(v) => Err(unmarshal_error(&v, strukt, path, &format!("[]*{elem_type}"))),
    }
}

fn decode_maintainer(m: &MapRef) -> DecodeResult<Maintainer> {
    Ok(Maintainer {
        name: string_field(m, "name", "Maintainer", "maintainers.name")?,
        email: string_field(m, "email", "Maintainer", "maintainers.email")?,
        url: string_field(m, "url", "Maintainer", "maintainers.url")?,
    })
}

fn decode_dependency(m: &MapRef, owner: &str) -> DecodeResult<Dependency> {
    let p = |f: &str| format!("dependencies.{f}");
    let import_values = match field(m, "import-values") {
        None | Some(Value::Nil) => Vec::new(),
        Some(Value::List(l)) => l.items.clone(),
        Some(v) => return Err(unmarshal_error(&v, "Dependency", &p("import-values"), "[]interface {}")),
    };
    let _ = owner;
    Ok(Dependency {
        name: string_field(m, "name", "Dependency", &p("name"))?,
        version: string_field(m, "version", "Dependency", &p("version"))?,
        repository: string_field(m, "repository", "Dependency", &p("repository"))?,
        condition: string_field(m, "condition", "Dependency", &p("condition"))?,
        tags: string_list_field(m, "tags", "Dependency", &p("tags"))?,
        enabled: bool_field(m, "enabled", "Dependency", &p("enabled"))?,
        import_values,
        alias: string_field(m, "alias", "Dependency", &p("alias"))?,
    })
}

fn decode_dependencies(map: &MapRef, strukt: &str) -> DecodeResult<Option<Vec<Option<Dependency>>>> {
    let Some(items) = object_list(map, "dependencies", strukt, "dependencies", "v2.Dependency")? else {
        return Ok(None);
    };
    items
        .into_iter()
        .map(|item| item.map(|m| decode_dependency(&m, strukt)).transpose())
        .collect::<DecodeResult<Vec<_>>>()
        .map(Some)
}

fn expect_object(doc: &Value, go_type: &str) -> DecodeResult<Option<MapRef>> {
    match doc {
        Value::Nil => Ok(None),
        Value::Map(m) => Ok(Some(m.clone())),
        other => Err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type {go_type}",
            json_type_name(other)
        )),
    }
}

/// Decodes a `Chart.yaml` document onto `md` (fields absent from the document keep their
/// current values, as Go's unmarshalling into an existing struct does).
pub fn decode_metadata_into(md: &mut Metadata, doc: &Value) -> DecodeResult<()> {
    let Some(m) = expect_object(doc, "v2.Metadata")? else {
        return Ok(());
    };
    let s = |name: &str, path: &str| -> DecodeResult<Option<String>> {
        if field(&m, name).is_none() {
            return Ok(None);
        }
        string_field(&m, name, "Metadata", path).map(Some)
    };
    macro_rules! set_string {
        ($field:ident, $key:expr) => {
            if let Some(v) = s($key, $key)? {
                md.$field = v;
            }
        };
    }
    set_string!(name, "name");
    set_string!(home, "home");
    set_string!(version, "version");
    set_string!(description, "description");
    set_string!(icon, "icon");
    set_string!(api_version, "apiVersion");
    set_string!(condition, "condition");
    set_string!(tags, "tags");
    set_string!(app_version, "appVersion");
    set_string!(kube_version, "kubeVersion");
    set_string!(chart_type, "type");
    if field(&m, "sources").is_some() {
        md.sources = string_list_field(&m, "sources", "Metadata", "sources")?;
    }
    if field(&m, "keywords").is_some() {
        md.keywords = string_list_field(&m, "keywords", "Metadata", "keywords")?;
    }
    if field(&m, "deprecated").is_some() {
        md.deprecated = bool_field(&m, "deprecated", "Metadata", "deprecated")?;
    }
    if let Some(items) = object_list(&m, "maintainers", "Metadata", "maintainers", "v2.Maintainer")? {
        md.maintainers = items.into_iter().map(|i| i.map(|m| decode_maintainer(&m)).transpose()).collect::<DecodeResult<_>>()?;
    }
    match field(&m, "annotations") {
        None => {}
        Some(Value::Nil) => md.annotations = None,
        Some(Value::Map(a)) => {
            let mut pairs = Vec::new();
            for (k, v) in a.entries() {
                let text = match &v {
                    Value::Nil => String::new(),
                    other => scalar_to_string(other)
                        .ok_or_else(|| unmarshal_error(other, "Metadata", "annotations", "string"))?,
                };
                pairs.push((k.to_string(), text));
            }
            md.annotations = Some(pairs);
        }
        Some(v) => return Err(unmarshal_error(&v, "Metadata", "annotations", "map[string]string")),
    }
    if field(&m, "dependencies").is_some() {
        match decode_dependencies(&m, "Metadata")? {
            Some(deps) => {
                md.dependencies = deps;
                md.has_dependencies = true;
            }
            None => {
                md.dependencies = Vec::new();
                md.has_dependencies = false;
            }
        }
    }
    Ok(())
}

/// Decodes a lock file (`Chart.lock` / `requirements.lock`).
pub fn decode_lock(doc: &Value) -> DecodeResult<Lock> {
    let Some(m) = expect_object(doc, "v2.Lock")? else {
        return Ok(Lock::default());
    };
    let generated = match field(&m, "generated") {
        None | Some(Value::Nil) => String::new(),
        Some(Value::String(s)) => s.to_string(),
        Some(v) => return Err(unmarshal_error(&v, "Lock", "generated", "time.Time")),
    };
    Ok(Lock {
        generated,
        digest: string_field(&m, "digest", "Lock", "digest")?,
        dependencies: decode_dependencies(&m, "Lock")?.unwrap_or_default(),
    })
}

/// Helm's `sanitizeString`: whitespace becomes a space, unprintable characters go.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() || matches!(c as u32, 0xAD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF) {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

fn is_valid_alias(alias: &str) -> bool {
    !alias.is_empty() && alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Helm's `Metadata.Validate`: sanitises strings and checks the rules, with Helm's
/// `validation: ...` messages.
pub fn validate(md: &mut Metadata) -> Result<(), Error> {
    for s in [
        &mut md.name,
        &mut md.description,
        &mut md.home,
        &mut md.icon,
        &mut md.condition,
        &mut md.tags,
        &mut md.app_version,
        &mut md.kube_version,
    ] {
        *s = sanitize(s);
    }
    for s in md.sources.iter_mut().chain(md.keywords.iter_mut()) {
        *s = sanitize(s);
    }
    if md.api_version.is_empty() {
        return Err(Error::validation("chart.metadata.apiVersion is required"));
    }
    if md.name.is_empty() {
        return Err(Error::validation("chart.metadata.name is required"));
    }
    if md.name != crate::gopath::base(&md.name) {
        return Err(Error::validation(format!("chart.metadata.name {} is invalid", crate::goquote::quote(&md.name))));
    }
    if md.version.is_empty() {
        return Err(Error::validation("chart.metadata.version is required"));
    }
    if crate::semver::Version::parse(&md.version).is_err() {
        return Err(Error::validation(format!(
            "chart.metadata.version {} is invalid",
            crate::goquote::quote(&md.version)
        )));
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        return Err(Error::validation("chart.metadata.type must be application or library"));
    }
    for m in md.maintainers.iter_mut() {
        match m {
            None => return Err(Error::validation("maintainers must not contain empty or null nodes")),
            Some(m) => {
                m.name = sanitize(&m.name);
                m.email = sanitize(&m.email);
                m.url = sanitize(&m.url);
            }
        }
    }
    let mut seen: Vec<String> = Vec::new();
    for dep in md.dependencies.iter_mut() {
        let Some(dep) = dep else {
            return Err(Error::validation("dependencies must not contain empty or null nodes"));
        };
        dep.name = sanitize(&dep.name);
        dep.version = sanitize(&dep.version);
        dep.repository = sanitize(&dep.repository);
        dep.condition = sanitize(&dep.condition);
        for t in dep.tags.iter_mut() {
            *t = sanitize(t);
        }
        if !dep.alias.is_empty() && !is_valid_alias(&dep.alias) {
            return Err(Error::validation(format!(
                "dependency {} has disallowed characters in the alias",
                crate::goquote::quote(&dep.name)
            )));
        }
        let key = if dep.alias.is_empty() { dep.name.clone() } else { dep.alias.clone() };
        if seen.contains(&key) {
            return Err(Error::validation(format!(
                "more than one dependency with name or alias {}",
                crate::goquote::quote(&key)
            )));
        }
        seen.push(key);
    }
    Ok(())
}
