//! User-supplied values (`-f`, `--set`, `--set-string`, `--set-json`, `--set-file`,
//! `--set-literal`) merged as Helm's CLI does (`values.Options.MergeValues`), and the
//! whole pipeline up to the values a chart renders with.

use gotmpl::{MapRef, Value};

use crate::deps::{check_dependencies_for_install, process_dependencies};
use crate::model::Chart;
use crate::strvals::{parse_into, ValueMode};
use crate::values::{coalesce_values, merge_maps, Warnings};
use crate::{Error, ErrorKind, Result};

/// Values given on the command line. Helm applies each kind in a fixed order, whatever the
/// order of the flags: `-f` files, then `--set-json`, `--set`, `--set-string`,
/// `--set-file`, `--set-literal`; within a kind, in the order given.
#[derive(Clone, Debug, Default)]
pub struct UserValues {
    /// `-f` files: (name as given, content).
    pub files: Vec<(String, String)>,
    pub set_json: Vec<String>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    /// `--set-file key=path`; contents come from [`UserValues::file_contents`].
    pub set_file: Vec<String>,
    pub set_literal: Vec<String>,
    /// Contents of files named by `--set-file`: (path, content or Helm's read error).
    pub file_contents: Vec<(String, std::result::Result<String, String>)>,
}

fn values_error(msg: String) -> Error {
    Error::new(ErrorKind::Values, msg)
}

impl UserValues {
    /// Merges everything into one map, as Helm's `MergeValues`; errors are worded as
    /// Helm's CLI prints them.
    pub fn merge(&self) -> Result<MapRef> {
        let mut base = MapRef::default();
        for (name, text) in &self.files {
            let current = crate::values::load_values(text)
                .map_err(|e| values_error(format!("failed to parse {name}: {e}")))?;
            base = merge_maps(&base, &current);
        }
        for value in &self.set_json {
            let trimmed = value.trim();
            if trimmed.starts_with('{') {
                let parsed = godata::json::parse(trimmed)
                    .map_err(|_| values_error(format!("failed parsing --set-json data JSON: {value}")))?;
                match parsed {
                    Value::Map(m) => base = merge_maps(&base, &m),
                    Value::Nil => {}
                    _ => return Err(values_error(format!("failed parsing --set-json data JSON: {value}"))),
                }
            } else {
                parse_into(value, &base, ValueMode::Json)
                    .map_err(|_| values_error(format!("failed parsing --set-json data {value}")))?;
            }
        }
        for value in &self.set {
            parse_into(value, &base, ValueMode::Typed)
                .map_err(|e| values_error(format!("failed parsing --set data: {e}")))?;
        }
        for value in &self.set_string {
            parse_into(value, &base, ValueMode::String)
                .map_err(|e| values_error(format!("failed parsing --set-string data: {e}")))?;
        }
        let reader = |path: &str| -> std::result::Result<String, String> {
            match self.file_contents.iter().find(|(p, _)| p == path) {
                Some((_, content)) => content.clone(),
                None => Err(format!("open {path}: no such file or directory")),
            }
        };
        for value in &self.set_file {
            parse_into(value, &base, ValueMode::File(&reader))
                .map_err(|e| values_error(format!("failed parsing --set-file data: {e}")))?;
        }
        for value in &self.set_literal {
            parse_into(value, &base, ValueMode::Literal)
                .map_err(|e| values_error(format!("failed parsing --set-literal data: {e}")))?;
        }
        Ok(base)
    }
}

/// Helm's install checks on the chart itself: only application charts install, and every
/// declared dependency must be present. Returns Helm's warnings (deprecation).
pub fn check_installable(chart: &Chart) -> Result<Vec<String>> {
    let t = chart.metadata.chart_type.as_str();
    if !(t.is_empty() || t == "application") {
        return Err(Error::new(ErrorKind::NotInstallable, format!("{t} charts are not installable")));
    }
    let mut warnings = Vec::new();
    if chart.metadata.deprecated {
        warnings.push("level=WARN msg=\"this chart is deprecated\"".to_string());
    }
    check_dependencies_for_install(chart)?;
    Ok(warnings)
}

/// Everything between a loaded chart and the values it renders with: the install checks,
/// user values merging, dependency processing (which changes `chart`: disabled subcharts
/// removed, aliases applied, imports merged) and coalescing. Returns the final values and
/// the warnings Helm would log.
pub fn compute_values(chart: &mut Chart, user: &UserValues) -> Result<(MapRef, Vec<String>)> {
    // Helm's CLI merges user values before it looks at the chart.
    let vals = user.merge()?;
    let mut warnings = Warnings(check_installable(chart)?);
    process_dependencies(chart, &vals, &mut warnings)?;
    let coalesced = coalesce_values(chart, &vals, &mut warnings)?;
    Ok((coalesced, warnings.0))
}
