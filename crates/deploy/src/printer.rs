//! What Helm 4 prints for releases: the status block (install, upgrade, status, get all),
//! the history and list tables (`uitable`), their JSON/YAML forms, and `get` outputs.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::content::coalesce;
use crate::release::Release;

/// `-o table|json|yaml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
    Yaml,
}

impl OutputFormat {
    pub fn parse(text: &str) -> Result<OutputFormat, String> {
        match text {
            "table" | "" => Ok(OutputFormat::Table),
            "json" => Ok(OutputFormat::Json),
            "yaml" => Ok(OutputFormat::Yaml),
            other => Err(format!("invalid format type {other:?}")),
        }
    }
}

/// A JSON value as `sigs.k8s.io/yaml` writes it (Helm's `output.EncodeYAML`).
pub fn yaml_of(value: &Json) -> String {
    let Ok(go_value) = godata::json::parse(&value.to_string()) else { return "null\n".to_string() };
    godata::yaml::to_yaml(&go_value).unwrap_or_else(|_| "null\n".to_string())
}

/// A values map as Helm prints it: `null` for none (Go's nil map).
pub fn values_yaml(values: &Map<String, Json>) -> String {
    if values.is_empty() {
        "null\n".to_string()
    } else {
        yaml_of(&Json::Object(values.clone()))
    }
}

/// What goes into the status block.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatusOptions {
    /// CHART/VERSION/APP_VERSION lines (`get all`).
    pub show_metadata: bool,
    /// Values, hooks and manifest (`get all`, `--debug`).
    pub debug: bool,
    pub hide_notes: bool,
}

/// Helm's `statusPrinter.WriteTable` for a release without fetched resources (install,
/// upgrade, rollback, `get all`).
pub fn status_table(release: &Release, options: StatusOptions) -> String {
    status_table_with_resources(release, options, &crate::status_resources::ResourceGroups::default())
}

/// Helm's `statusPrinter.WriteTable`, with the RESOURCES section of `status` (the server's
/// tables, see [`crate::status_resources`]) after the description.
pub fn status_table_with_resources(release: &Release, options: StatusOptions, resources: &crate::status_resources::ResourceGroups) -> String {
    let mut out = String::new();
    let info = release.info.clone().unwrap_or_default();
    out.push_str(&format!("NAME: {}\n", release.name));
    if !info.last_deployed.is_zero() {
        out.push_str(&format!("LAST DEPLOYED: {}\n", info.last_deployed.to_ansic()));
    }
    out.push_str(&format!("NAMESPACE: {}\n", release.namespace));
    out.push_str(&format!("STATUS: {}\n", info.status));
    out.push_str(&format!("REVISION: {}\n", release.version));
    if options.show_metadata {
        let metadata = release.chart.as_ref().and_then(|c| c.metadata.clone()).unwrap_or_default();
        out.push_str(&format!("CHART: {}\nVERSION: {}\nAPP_VERSION: {}\n", metadata.name, metadata.version, metadata.app_version));
    }
    out.push_str(&format!("DESCRIPTION: {}\n", info.description));
    out.push_str(&crate::status_resources::resources_section(resources));
    let tests: Vec<_> = release.hooks.iter().filter(|h| h.events.iter().any(|e| e == "test")).collect();
    if tests.is_empty() {
        out.push_str("TEST SUITE: None\n");
    } else {
        for hook in tests.iter().filter(|h| !h.last_run.started_at.is_zero()) {
            out.push_str(&format!(
                "TEST SUITE:     {}\nLast Started:   {}\nLast Completed: {}\nPhase:          {}\n",
                hook.name,
                hook.last_run.started_at.to_ansic(),
                hook.last_run.completed_at.to_ansic(),
                hook.last_run.phase
            ));
        }
    }
    if options.debug {
        out.push_str("USER-SUPPLIED VALUES:\n");
        out.push_str(&values_yaml(&release.config));
        out.push('\n');
        let defaults = release.chart.as_ref().and_then(|c| c.values.clone()).unwrap_or_default();
        out.push_str("COMPUTED VALUES:\n");
        out.push_str(&yaml_of(&Json::Object(coalesce(&defaults, &release.config))));
        out.push('\n');
    }
    if info.description.eq_ignore_ascii_case("Dry run complete") || options.debug {
        out.push_str("HOOKS:\n");
        for hook in &release.hooks {
            out.push_str(&format!("---\n# Source: {}\n{}\n", hook.path, hook.manifest));
        }
        out.push_str(&format!("MANIFEST:\n{}\n", release.manifest));
    }
    if !options.hide_notes && !info.notes.is_empty() {
        out.push_str(&format!("NOTES:\n{}\n", info.notes.trim()));
    }
    out
}

/// The release as `-o json` prints it (Helm's `output.EncodeJSON`: compact, newline).
pub fn release_json(release: &Release) -> String {
    match release.to_json() {
        Ok(bytes) => format!("{}\n", String::from_utf8_lossy(&bytes)),
        Err(_) => "null\n".into(),
    }
}

pub fn release_yaml(release: &Release) -> String {
    match release.to_json().ok().and_then(|bytes| serde_json::from_slice::<Json>(&bytes).ok()) {
        Some(value) => yaml_of(&value),
        None => "null\n".into(),
    }
}

/// `uitable` as Helm uses it: cells padded to their column's width, joined by tabs, every
/// row ending in a newline; cells wider than `max_width` (when set) cut to fit with `...`.
pub fn ui_table(rows: &[Vec<String>], max_width: usize) -> String {
    let cut = |cell: &str| -> String {
        let width = cell.chars().count();
        if max_width == 0 || width <= max_width {
            cell.to_string()
        } else {
            let kept: String = cell.chars().take(max_width.saturating_sub(3)).collect();
            format!("{kept}...")
        }
    };
    let rows: Vec<Vec<String>> = rows.iter().map(|row| row.iter().map(|c| cut(c)).collect()).collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns).map(|i| rows.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in &rows {
        let cells: Vec<String> = row.iter().enumerate().map(|(i, cell)| format!("{cell:<width$}", width = widths[i])).collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

fn chart_label(release: &Release) -> (String, String) {
    match release.chart.as_ref().and_then(|c| c.metadata.as_ref()) {
        Some(metadata) => (format!("{}-{}", metadata.name, metadata.version), metadata.app_version.clone()),
        None => ("MISSING".into(), "MISSING".into()),
    }
}

/// `helm history` in a format; `releases` sorted by revision, already limited by `--max`.
pub fn history(releases: &[Release], format: OutputFormat) -> String {
    match format {
        OutputFormat::Table => {
            let mut rows = vec![["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"].map(String::from).to_vec()];
            for release in releases {
                let info = release.info.clone().unwrap_or_default();
                let (chart, app_version) = chart_label(release);
                rows.push(vec![release.version.to_string(), info.last_deployed.to_ansic(), info.status.to_string(), chart, app_version, info.description]);
            }
            ui_table(&rows, 60)
        }
        OutputFormat::Json | OutputFormat::Yaml => {
            let items: Vec<HistoryElement> = releases
                .iter()
                .map(|release| {
                    let info = release.info.clone().unwrap_or_default();
                    let (chart, app_version) = chart_label(release);
                    HistoryElement { revision: release.version, updated: info.last_deployed.to_rfc3339_nano(), status: info.status.to_string(), chart, app_version, description: info.description }
                })
                .collect();
            encode_in_field_order(&items, format)
        }
    }
}

fn encode(value: &Json, format: OutputFormat) -> String {
    match format {
        OutputFormat::Yaml => yaml_of(value),
        _ => format!("{value}\n"),
    }
}

/// One row of `helm history -o json|yaml` (Helm's `releaseInfo`, fields in its order).
#[derive(Serialize)]
struct HistoryElement {
    revision: i64,
    updated: String,
    status: String,
    chart: String,
    app_version: String,
    description: String,
}

/// One row of `helm list -o json|yaml` (Helm's `releaseElement`, fields in its order).
#[derive(Serialize)]
struct ListElement {
    name: String,
    namespace: String,
    revision: String,
    updated: String,
    status: String,
    chart: String,
    app_version: String,
}

/// JSON keeps the struct's field order, as Go's encoder does; YAML sorts keys anyway
/// (sigs.k8s.io/yaml goes through a map).
fn encode_in_field_order<T: Serialize>(items: &[T], format: OutputFormat) -> String {
    match format {
        OutputFormat::Yaml => encode(&serde_json::to_value(items).unwrap_or(Json::Null), format),
        _ => match crate::gojson::to_go_json(items) {
            Ok(bytes) => format!("{}\n", String::from_utf8_lossy(&bytes)),
            Err(_) => "null\n".into(),
        },
    }
}

/// `helm get metadata` (Helm's `action.Metadata`, fields in its order).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseMetadata {
    pub name: String,
    pub chart: String,
    pub version: String,
    pub app_version: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<crate::release::Dependency>,
    pub namespace: String,
    pub revision: i64,
    pub status: String,
    pub deployed_at: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub apply_method: String,
}

impl ReleaseMetadata {
    pub fn of(release: &Release) -> ReleaseMetadata {
        let metadata = release.chart.as_ref().and_then(|c| c.metadata.clone()).unwrap_or_default();
        let info = release.info.clone().unwrap_or_default();
        ReleaseMetadata {
            name: release.name.clone(),
            chart: metadata.name,
            version: metadata.version,
            app_version: metadata.app_version,
            annotations: metadata.annotations.into_iter().collect(),
            labels: release.labels.clone(),
            dependencies: metadata.dependencies,
            namespace: release.namespace.clone(),
            revision: release.version,
            status: info.status.to_string(),
            // Go's time.RFC3339: whole seconds.
            deployed_at: info.last_deployed.to_rfc3339_seconds(),
            apply_method: release.apply_method.clone(),
        }
    }

    /// The table form: labels and annotations as `k8s.io/apimachinery/pkg/labels.Set`
    /// prints them (sorted `k=v` joined by commas), dependency names sorted.
    pub fn table(&self) -> String {
        let pairs = |map: &BTreeMap<String, String>| map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
        let mut dependency_names: Vec<&str> = self.dependencies.iter().map(|d| d.name.as_str()).collect();
        dependency_names.sort_unstable();
        let apply_method = if self.apply_method == crate::release::APPLY_METHOD_SERVER_SIDE { "server-side apply" } else { "client-side apply" };
        format!(
            "NAME: {}\nCHART: {}\nVERSION: {}\nAPP_VERSION: {}\nANNOTATIONS: {}\nLABELS: {}\nDEPENDENCIES: {}\nNAMESPACE: {}\nREVISION: {}\nSTATUS: {}\nDEPLOYED_AT: {}\nAPPLY_METHOD: {}\n",
            self.name,
            self.chart,
            self.version,
            self.app_version,
            pairs(&self.annotations),
            pairs(&self.labels),
            dependency_names.join(","),
            self.namespace,
            self.revision,
            self.status,
            self.deployed_at,
            apply_method
        )
    }

    pub fn encode(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Table => self.table(),
            OutputFormat::Json => match crate::gojson::to_go_json(self) {
                Ok(bytes) => format!("{}\n", String::from_utf8_lossy(&bytes)),
                Err(_) => "null\n".into(),
            },
            OutputFormat::Yaml => encode(&serde_json::to_value(self).unwrap_or(Json::Null), format),
        }
    }
}

/// `helm list` in a format.
pub fn list(releases: &[Release], format: OutputFormat, no_headers: bool, short: bool) -> String {
    if short {
        let names: Vec<Json> = releases.iter().map(|r| Json::String(r.name.clone())).collect();
        return match format {
            OutputFormat::Table => releases.iter().map(|r| format!("{}\n", r.name)).collect(),
            other => encode(&Json::Array(names), other),
        };
    }
    let elements: Vec<[String; 7]> = releases
        .iter()
        .map(|release| {
            let info = release.info.clone().unwrap_or_default();
            let (chart, app_version) = chart_label(release);
            let updated = if info.last_deployed.is_zero() { "-".to_string() } else { info.last_deployed.to_go_string() };
            [release.name.clone(), release.namespace.clone(), release.version.to_string(), updated, info.status.to_string(), chart, app_version]
        })
        .collect();
    match format {
        OutputFormat::Table => {
            let mut rows = Vec::new();
            if !no_headers {
                rows.push(["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"].map(String::from).to_vec());
            }
            rows.extend(elements.into_iter().map(|e| e.to_vec()));
            ui_table(&rows, 0)
        }
        other => {
            let items: Vec<ListElement> = elements
                .into_iter()
                .map(|[name, namespace, revision, updated, status, chart, app_version]| ListElement { name, namespace, revision, updated, status, chart, app_version })
                .collect();
            encode_in_field_order(&items, other)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_table_pads_every_column() {
        let rows = vec![vec!["A".to_string(), "BB".to_string()], vec!["CCC".to_string(), "D".to_string()]];
        assert_eq!(ui_table(&rows, 0), "A  \tBB\nCCC\tD \n");
        assert_eq!(ui_table(&[vec!["abcdefgh".to_string()]], 6), "abc...\n");
    }
}
