//! Helm's dependency processing before rendering (`ProcessDependencies`): subcharts are
//! matched to `Chart.yaml` dependencies, aliased copies made, disabled ones (by `tags` and
//! `condition`) removed, and `import-values` copied from children into parents.

use gotmpl::{MapRef, Type, Value};

use crate::govalues::{deep_copy_table, format_v};
use crate::model::{Chart, Dependency};
use crate::values::{coalesce_values, merge_tables, merge_values, path_value, table, Warnings};
use crate::{Error, ErrorKind, Result};

/// Helm's `CheckDependencies`: every dependency declared in `Chart.yaml` must be present
/// in `charts/` (by chart name). The error is Helm's, without the CLI's advice prefix.
pub fn check_dependencies(chart: &Chart) -> Result<()> {
    let missing: Vec<&str> = chart
        .metadata
        .deps()
        .filter(|req| !chart.dependencies.iter().any(|d| d.name() == req.name))
        .map(|req| req.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Dependency,
            format!("found in Chart.yaml, but missing in charts/ directory: {}", missing.join(", ")),
        ))
    }
}

/// The CLI's wording of a [`check_dependencies`] failure.
pub fn check_dependencies_for_install(chart: &Chart) -> Result<()> {
    check_dependencies(chart).map_err(|e| {
        e.context("an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies")
    })
}

/// Helm's `ProcessDependencies` (with merging, as `helm install`/`template` use it):
/// modifies `chart` in place. `vals` are the user-supplied values.
pub fn process_dependencies(chart: &mut Chart, vals: &MapRef, warnings: &mut Warnings) -> Result<()> {
    process_enabled(chart, vals, "", warnings)?;
    process_import_values_tree(chart, warnings)
}

fn slog_warn(msg: &str, attrs: &[(&str, &str)]) -> String {
    let mut out = format!("level=WARN msg={}", crate::goquote::quote(msg));
    for (k, v) in attrs {
        let needs_quote = v.is_empty() || v.chars().any(|c| c.is_whitespace() || c == '"' || c == '=');
        if needs_quote {
            out.push_str(&format!(" {k}={}", crate::goquote::quote(v)));
        } else {
            out.push_str(&format!(" {k}={v}"));
        }
    }
    out
}

/// Helm's `chartutil.IsCompatibleRange`: false when either side does not parse.
fn is_compatible_range(constraint: &str, version: &str) -> bool {
    crate::semver::semver_compare(constraint, version).unwrap_or(false)
}

/// A copy of the subchart matching `dep` (by name and version range), renamed to the alias.
fn alias_dependency(charts: &[Chart], dep: &Dependency) -> Option<Chart> {
    let found = charts
        .iter()
        .find(|c| c.name() == dep.name && is_compatible_range(&dep.version, &c.metadata.version))?;
    let mut copy = found.clone();
    if !dep.alias.is_empty() {
        copy.metadata.name = dep.alias.clone();
    }
    Some(copy)
}

fn process_enabled(chart: &mut Chart, vals: &MapRef, path: &str, w: &mut Warnings) -> Result<()> {
    if !chart.metadata.has_dependencies {
        return Ok(());
    }
    let reqs: Vec<Dependency> = chart.metadata.deps().cloned().collect();

    // Subcharts not declared in Chart.yaml are kept as they are.
    let mut chart_deps: Vec<Chart> = chart
        .dependencies
        .iter()
        .filter(|existing| {
            !reqs.iter().any(|req| existing.name() == req.name && is_compatible_range(&req.version, &existing.metadata.version))
        })
        .cloned()
        .collect();
    let original = std::mem::take(&mut chart.dependencies);
    for dep in chart.metadata.dependencies.iter_mut().flatten() {
        if let Some(copy) = alias_dependency(&original, dep) {
            chart_deps.push(copy);
        }
        if !dep.alias.is_empty() {
            dep.name = dep.alias.clone();
        }
    }
    chart.set_dependencies(chart_deps);

    for dep in chart.metadata.dependencies.iter_mut().flatten() {
        dep.enabled = true;
    }
    let cvals = coalesce_values(chart, vals, w)?;
    process_tags(chart, &cvals, w);
    process_conditions(chart, &cvals, path, w);

    let removed: Vec<String> = chart.metadata.deps().filter(|d| !d.enabled).map(|d| d.name.clone()).collect();
    let mut kept: Vec<Chart> = std::mem::take(&mut chart.dependencies)
        .into_iter()
        .filter(|c| !removed.iter().any(|r| r == c.name()))
        .collect();
    chart.metadata.dependencies.retain(|d| match d {
        Some(d) => !removed.contains(&d.name),
        None => true,
    });
    for sub in &mut kept {
        let sub_path = format!("{path}{}.", sub.name());
        process_enabled(sub, &cvals, &sub_path, w)?;
    }
    chart.set_dependencies(kept);
    Ok(())
}

fn process_tags(chart: &mut Chart, cvals: &MapRef, w: &mut Warnings) {
    let Some(tags) = table(cvals, "tags") else {
        return;
    };
    for dep in chart.metadata.dependencies.iter_mut().flatten() {
        let (mut has_true, mut has_false) = (false, false);
        for tag in &dep.tags {
            match tags.get(tag) {
                None => {}
                Some(Value::Bool(true)) => has_true = true,
                Some(Value::Bool(false)) => has_false = true,
                Some(_) => w.push_message(slog_warn("returned non-bool value", &[("tag", tag), ("chart", &dep.name)])),
            }
        }
        if !has_true && has_false {
            dep.enabled = false;
        } else if has_true || !has_false {
            dep.enabled = true;
        }
    }
}

fn process_conditions(chart: &mut Chart, cvals: &MapRef, path: &str, w: &mut Warnings) {
    for dep in chart.metadata.dependencies.iter_mut().flatten() {
        for cond in dep.condition.trim().split(',') {
            if cond.is_empty() {
                continue;
            }
            match path_value(cvals, &format!("{path}{cond}")) {
                Some(Value::Bool(b)) => {
                    dep.enabled = b;
                    break;
                }
                Some(_) => w.push_message(slog_warn("returned non-bool value", &[("path", cond), ("chart", &dep.name)])),
                None => {}
            }
        }
    }
}

fn process_import_values_tree(chart: &mut Chart, w: &mut Warnings) -> Result<()> {
    for sub in &mut chart.dependencies {
        process_import_values_tree(sub, w)?;
    }
    process_import_values(chart, w)
}

/// `pathToMap`: `a.b` and `data` become `{a: {b: data}}`; `.` is `data` itself.
fn path_to_map(path: &str, data: MapRef) -> MapRef {
    if path == "." {
        return data;
    }
    let mut current = data;
    for part in path.split('.').rev() {
        current = match Value::map([(part, Value::Map(current))]) {
            Value::Map(m) => m,
            _ => MapRef::default(),
        };
    }
    current
}

fn process_import_values(chart: &mut Chart, w: &mut Warnings) -> Result<()> {
    if !chart.metadata.has_dependencies {
        return Ok(());
    }
    let cvals = merge_values(chart, &MapRef::default(), w)?;
    let mut imported = MapRef::default();
    for dep in chart.metadata.dependencies.iter_mut().flatten() {
        let mut normalized = Vec::new();
        for item in &dep.import_values {
            match item {
                Value::Map(m) if m.elem() == Type::Any => {
                    let child = format_v(&m.get("child").unwrap_or(Value::Nil));
                    let parent = format_v(&m.get("parent").unwrap_or(Value::Nil));
                    normalized.push(Value::typed_map(
                        Type::String,
                        [("child", Value::str(child.clone())), ("parent", Value::str(parent.clone()))],
                    ));
                    match table(&cvals, &format!("{}.{child}", dep.name)) {
                        Some(t) => imported = merge_tables(&imported, &path_to_map(&parent, t), w),
                        None => w.push_message(slog_warn(
                            "ImportValues missing table from chart",
                            &[("chart", &dep.name), ("error", &format!("no table named {}", crate::goquote::quote(&child)))],
                        )),
                    }
                }
                Value::String(s) => {
                    let child = format!("exports.{s}");
                    normalized.push(Value::typed_map(
                        Type::String,
                        [("child", Value::str(child.clone())), ("parent", Value::str("."))],
                    ));
                    match table(&cvals, &format!("{}.{child}", dep.name)) {
                        Some(t) => imported = merge_tables(&imported, &t, w),
                        None => w.push_message(slog_warn(
                            "ImportValues missing table",
                            &[("error", &format!("no table named {}", crate::goquote::quote(&child)))],
                        )),
                    }
                }
                _ => {}
            }
        }
        dep.import_values = normalized;
    }
    // The parent's own values win over imported ones.
    let cvals = deep_copy_table(&cvals);
    chart.values = merge_tables(&cvals, &imported, w);
    Ok(())
}

impl Warnings {
    /// Adds a message as is.
    pub fn push_message(&mut self, msg: String) {
        self.0.push(msg);
    }
}
