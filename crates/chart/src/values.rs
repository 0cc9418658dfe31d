//! Values: reading values files, and Helm's coalescing of chart defaults with user values
//! (`pkg/chart/common/util/coalesce.go`), ported rule for rule.
//!
//! Helm mutates Go maps in place and shares them between trees in a few places; [`MapRef`]
//! is shared the same way, so the same aliasing happens here: a deep copy where Helm deep
//! copies (`copystructure.Copy`), a shallow copy where it copies one level (`copyMap`).

use gotmpl::{MapRef, Value};

use crate::govalues::{as_table, deep_copy_table, format_t, format_v, is_table, shallow_copy};
use crate::model::Chart;
use crate::{Error, Result};

/// The key under which values are shared with every subchart.
pub const GLOBAL_KEY: &str = "global";

/// Reads a values file as Helm's `loader.LoadValues` does: the text is split into YAML
/// documents on `---` lines (Kubernetes' YAML reader), each document must be a map (or
/// empty), and the documents are merged in order with [`merge_maps`].
///
/// Errors are worded as Helm's, without the caller's `cannot load values.yaml: ` (or
/// `failed to parse FILE: `) prefix.
pub fn load_values(text: &str) -> std::result::Result<MapRef, String> {
    let mut values = MapRef::default();
    for doc in split_yaml_documents(text)? {
        let parsed = crate::yaml::parse_document(&doc)
            .map_err(|e| format!("cannot unmarshal yaml document: {e}"))?;
        match parsed {
            Value::Nil => {}
            Value::Map(m) => values = merge_maps(&values, &m),
            other => {
                return Err(format!(
                    "cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    crate::yaml::json_type_name(&other)
                ))
            }
        }
    }
    Ok(values)
}

/// Kubernetes' `YAMLReader`: documents are separated by lines starting with `---`; only
/// blanks or a comment may follow the dashes.
pub fn split_yaml_documents(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut docs = Vec::new();
    let mut buffer = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!(
                    "error reading yaml document: invalid Yaml document separator: {trimmed}"
                ));
            }
            if !buffer.is_empty() {
                docs.push(std::mem::take(&mut buffer));
            }
            continue;
        }
        buffer.push_str(line);
    }
    if !buffer.is_empty() {
        docs.push(buffer);
    }
    Ok(docs)
}

/// Helm's `loader.MergeMaps`: a new map with `a`'s entries, overwritten by `b`'s; where both
/// hold tables, they are merged recursively into new maps. Lists and scalars are replaced.
pub fn merge_maps(a: &MapRef, b: &MapRef) -> MapRef {
    let out = shallow_copy(a);
    for (key, value) in b.entries() {
        if let Some(b_table) = as_table(&value) {
            if let Some(Value::Map(existing)) = out.get(&key).filter(is_table) {
                out.insert(key, Value::Map(merge_maps(&existing, b_table)));
                continue;
            }
        }
        out.insert(key, value);
    }
    out
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// Collects Helm's coalescing warnings (Helm logs them to stderr).
#[derive(Default, Debug)]
pub struct Warnings(pub Vec<String>);

impl Warnings {
    fn push(&mut self, msg: String) {
        self.0.push(msg);
    }
}

/// Helm's `CoalesceValues`: the chart's defaults (and its subcharts', recursively) under
/// the user's `vals`; a `null` in `vals` deletes the default. `vals` is not modified.
pub fn coalesce_values(chart: &Chart, vals: &MapRef, warnings: &mut Warnings) -> Result<MapRef> {
    let copy = deep_copy_table(vals);
    coalesce(chart, &copy, "", false, warnings)
}

/// Helm's `MergeValues`: as [`coalesce_values`], but `null`s are kept.
pub fn merge_values(chart: &Chart, vals: &MapRef, warnings: &mut Warnings) -> Result<MapRef> {
    let copy = deep_copy_table(vals);
    coalesce(chart, &copy, "", true, warnings)
}

fn coalesce(chart: &Chart, dest: &MapRef, prefix: &str, merge: bool, w: &mut Warnings) -> Result<MapRef> {
    coalesce_chart_values(chart, dest, prefix, merge, w);
    coalesce_deps(chart, dest, prefix, merge, w)
}

fn coalesce_deps(chart: &Chart, dest: &MapRef, prefix: &str, merge: bool, w: &mut Warnings) -> Result<MapRef> {
    for sub in &chart.dependencies {
        let name = sub.name();
        match dest.get(name) {
            None => dest.insert(name, Value::empty_map()),
            Some(v) if !is_table(&v) => {
                return Err(Error::new(
                    crate::ErrorKind::Values,
                    format!("type mismatch on {name}: {}", format_t(&v)),
                ))
            }
            Some(_) => {}
        }
        if let Some(Value::Map(sub_values)) = dest.get(name) {
            let sub_prefix = concat_prefix(prefix, chart.name());
            coalesce_globals(&sub_values, dest, &sub_prefix, w);
            let result = coalesce(sub, &sub_values, &sub_prefix, merge, w)?;
            dest.insert(name, Value::Map(result));
        }
    }
    Ok(dest.clone())
}

/// Copies the parent's globals (`src.global`) into the subchart's values (`dest.global`).
fn coalesce_globals(dest: &MapRef, src: &MapRef, prefix: &str, w: &mut Warnings) {
    let dest_globals = match dest.get(GLOBAL_KEY) {
        None => MapRef::default(),
        Some(Value::Map(m)) if is_table(&Value::Map(m.clone())) => m,
        Some(_) => {
            w.push(format!("warning: skipping globals because destination {GLOBAL_KEY} is not a table."));
            return;
        }
    };
    let src_globals = match src.get(GLOBAL_KEY) {
        None => MapRef::default(),
        Some(Value::Map(m)) if is_table(&Value::Map(m.clone())) => m,
        Some(_) => {
            w.push(format!("warning: skipping globals because source {GLOBAL_KEY} is not a table."));
            return;
        }
    };
    for (key, value) in src_globals.entries() {
        if let Some(table) = as_table(&value) {
            let copied = shallow_copy(table);
            match dest_globals.get(&key) {
                None => dest_globals.insert(key, Value::Map(copied)),
                Some(existing) => match as_table(&existing) {
                    None => w.push(format!(
                        "Conflict: cannot merge map onto non-map for {}. Skipping.",
                        crate::goquote::quote(&key)
                    )),
                    Some(existing_table) => {
                        let sub_prefix = concat_prefix(prefix, &key);
                        // Top-down: the parent's globals win over the subchart's.
                        coalesce_tables_full_key(&copied, existing_table, &sub_prefix, true, w);
                        dest_globals.insert(key, Value::Map(copied));
                    }
                },
            }
        } else if dest_globals.get(&key).is_some_and(|v| is_table(&v)) {
            w.push(format!("key {key} is table. Skipping"));
        } else {
            dest_globals.insert(key, value);
        }
    }
    dest.insert(GLOBAL_KEY, Value::Map(dest_globals));
}

/// Puts the chart's default values under `v`, which takes precedence.
fn coalesce_chart_values(chart: &Chart, v: &MapRef, prefix: &str, merge: bool, w: &mut Warnings) {
    let sub_prefix = concat_prefix(prefix, chart.name());
    // Work on a copy so the chart's own defaults are never changed by coalescing.
    let defaults = deep_copy_table(&chart.values);
    for (key, default) in defaults.entries() {
        match v.get(&key) {
            Some(Value::Nil) if !merge => {
                // A null removes the key: users delete defaults this way.
                v.remove(&key);
            }
            Some(user) => {
                if let Some(user_table) = as_table(&user) {
                    match as_table(&default) {
                        None => {
                            if !default.is_nil() {
                                w.push(format!("warning: skipped value for {sub_prefix}.{key}: Not a table."));
                            }
                        }
                        Some(default_table) => {
                            let merge = merge || chart.dependencies.iter().any(|d| d.name() == &*key);
                            coalesce_tables_full_key(
                                user_table,
                                default_table,
                                &concat_prefix(&sub_prefix, &key),
                                merge,
                                w,
                            );
                        }
                    }
                }
            }
            None => v.insert(key, default),
        }
    }
}

/// Helm's `CoalesceTables`: merges `src` into `dst`, `dst` winning; a `null` in `dst`
/// deletes the key. Returns `dst`.
pub fn coalesce_tables(dst: &MapRef, src: &MapRef, warnings: &mut Warnings) -> MapRef {
    coalesce_tables_full_key(dst, src, "", false, warnings)
}

/// Helm's `MergeTables`: as [`coalesce_tables`] but `null`s are kept.
pub fn merge_tables(dst: &MapRef, src: &MapRef, warnings: &mut Warnings) -> MapRef {
    coalesce_tables_full_key(dst, src, "", true, warnings)
}

fn coalesce_tables_full_key(dst: &MapRef, src: &MapRef, prefix: &str, merge: bool, w: &mut Warnings) -> MapRef {
    if dst.ptr_eq(src) {
        return dst.clone();
    }
    for (key, value) in src.entries() {
        let full_key = concat_prefix(prefix, &key);
        match dst.get(&key) {
            // A null removes a default below the top level only when there is a default to
            // remove: Helm 4.1.4 keeps `key: null` when the default is absent or null itself
            // (checked with the oracle; the top level, in `coalesce_chart_values`, differs).
            Some(Value::Nil) if !merge => {
                if !value.is_nil() {
                    dst.remove(&key);
                }
            }
            None => dst.insert(key, value),
            Some(existing) => {
                if let Some(src_table) = as_table(&value) {
                    match as_table(&existing) {
                        Some(dst_table) => {
                            coalesce_tables_full_key(dst_table, src_table, &full_key, merge, w);
                        }
                        None => w.push(format!(
                            "warning: cannot overwrite table with non table for {full_key} ({})",
                            format_v(&value)
                        )),
                    }
                } else if is_table(&existing) && !value.is_nil() {
                    w.push(format!(
                        "warning: destination for {full_key} is a table. Ignoring non-table value ({})",
                        format_v(&value)
                    ));
                }
            }
        }
    }
    dst.clone()
}

/// Helm's `Values.Table`: the table at a dotted path.
pub fn table(values: &MapRef, path: &str) -> Option<MapRef> {
    let mut current = values.clone();
    for part in path.split('.') {
        let next = current.get(part)?;
        current = as_table(&next)?.clone();
    }
    Some(current)
}

/// Helm's `Values.PathValue`: the non-table value at a dotted path.
pub fn path_value(values: &MapRef, path: &str) -> Option<Value> {
    if path.is_empty() {
        return None;
    }
    let (table_path, key) = match path.rsplit_once('.') {
        Some((t, k)) => (Some(t), k),
        None => (None, path),
    };
    let table = match table_path {
        Some(t) => table(values, t)?,
        None => values.clone(),
    };
    table.get(key).filter(|v| !is_table(v))
}
