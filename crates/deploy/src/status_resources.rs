//! The RESOURCES section of `helm status` (Helm 4.1.4 always prints it in table output).
//!
//! Helm asks the API server for each object of the release's manifest as a `meta.k8s.io/v1`
//! `Table` (the server's printer columns), plus, for each workload with a distinct
//! `matchLabels` selector, the list of its pods as one `Table` (`v1/Pod(related)`). It groups
//! the tables by `VERSION/Kind` (no API group) and prints every table with kubectl's
//! human-readable printer, which keeps its state across the whole section: a table repeats no
//! header when its columns equal the last ones printed, and each table is aligned on its own
//! (one `text/tabwriter` per object).
//!
//! Helm keeps the groups in a Go map and prints them in map iteration order, which is random
//! from one run to the next. Chartroom prints them in the order their kinds first appear in
//! the manifest (Helm's install order), then `v1/Pod(related)` where its first workload was.

use std::collections::BTreeMap;

use kube::api::{DynamicObject, GetParams, ListParams};
use kube::core::GroupVersion;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};
use kube::Resource;
use serde_json::Value;

use crate::cluster::{describe_kube_error, Cluster};
use crate::resources::{parse_manifest, ResourceError, Resolved};

/// What Helm's kube client sends to get tables (`transformRequests`): a v1 or v1beta1 Table,
/// else plain JSON.
const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

/// The group key of related pods.
pub const RELATED_PODS: &str = "v1/Pod(related)";

/// The fetched tables (or objects), grouped by `VERSION/Kind`, groups in print order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceGroups {
    pub groups: Vec<(String, Vec<Value>)>,
}

impl ResourceGroups {
    fn push(&mut self, key: &str, table: Value) {
        match self.groups.iter_mut().find(|(existing, _)| existing == key) {
            Some((_, tables)) => tables.push(table),
            None => self.groups.push((key.to_string(), vec![table])),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The groups as the release's `info.resources` (Go encodes the map with sorted keys).
    pub fn into_map(self) -> serde_json::Map<String, Value> {
        self.groups.into_iter().map(|(key, objects)| (key, Value::Array(objects))).collect()
    }
}

/// The selector Helm follows from a workload to its pods (`getSelectorFromObject`): the
/// manifest's `spec.selector.matchLabels` (`spec.selector` for a ReplicationController).
fn pod_selector(object: &Value) -> Option<BTreeMap<String, String>> {
    let selector = match object["kind"].as_str()? {
        "ReplicaSet" | "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => &object["spec"]["selector"]["matchLabels"],
        "ReplicationController" => &object["spec"]["selector"],
        _ => return None,
    };
    // unstructured.NestedStringMap: a map whose values are all strings, or nothing.
    selector.as_object()?.iter().map(|(key, value)| Some((key.clone(), value.as_str()?.to_string()))).collect()
}

impl Cluster {
    /// Every object of `manifest`, and the related pods, as Helm's `Status` action fetches
    /// them: as the server's tables (`as_tables`, table output) or as the objects themselves
    /// (`-o json|yaml`, where they become `info.resources`). An object the server no longer
    /// has is left out, as Helm leaves it; a kind the server does not know fails the whole
    /// section, as Helm's `Build` does.
    pub async fn release_resources(&mut self, manifest: &str, as_tables: bool) -> Result<ResourceGroups, String> {
        let objects = parse_manifest(manifest)?;
        let namespace = self.namespace.clone();
        let mut resolved_objects = Vec::new();
        // Only the manifest's group-versions are discovered (one request each), not the whole
        // server: Helm reads its discovery from its disk cache, so a full discovery would
        // make `status` cost twice Helm's requests.
        let mut group_versions: BTreeMap<String, Option<Vec<(ApiResource, ApiCapabilities)>>> = BTreeMap::new();
        for object in &objects {
            if !group_versions.contains_key(&object.api_version) {
                let (group, version) = object.api_version.rsplit_once('/').unwrap_or(("", object.api_version.as_str()));
                let group_version = GroupVersion::gv(group, version);
                let served = kube::discovery::oneshot::pinned_group(&self.client, &group_version).await.ok().map(|found| found.versioned_resources(version));
                group_versions.insert(object.api_version.clone(), served);
            }
            let found = group_versions[&object.api_version].as_ref().and_then(|resources| resources.iter().find(|(resource, _)| resource.kind == object.kind));
            let Some((resource, capabilities)) = found else {
                return Err(ResourceError::UnknownKind { api_version: object.api_version.clone(), kind: object.kind.clone(), name: object.name.clone() }.to_string());
            };
            let object_namespace = (capabilities.scope == Scope::Namespaced).then(|| if object.namespace.is_empty() { namespace.clone() } else { object.namespace.clone() });
            resolved_objects.push((object, Resolved { resource: resource.clone(), namespace: object_namespace }));
        }
        let mut tables = ResourceGroups::default();
        let mut followed_selectors: Vec<BTreeMap<String, String>> = Vec::new();
        for (object, resolved) in resolved_objects {
            let key = format!("{}/{}", resolved.resource.version, resolved.resource.kind);
            let url = DynamicObject::url_path(&resolved.resource, resolved.namespace.as_deref());
            let Ok(request) = kube::core::Request::new(url).get(&object.name, &GetParams::default()) else { continue };
            let Ok(fetched) = self.get_json(request, as_tables).await else { continue };
            let is_table = fetched["kind"] == "Table";
            tables.push(&key, fetched);
            let Some(selector) = pod_selector(&object.body) else { continue };
            if followed_selectors.contains(&selector) {
                continue;
            }
            followed_selectors.push(selector.clone());
            let label_selector = selector.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",");
            let pods_url = format!("/api/v1/namespaces/{}/pods", resolved.namespace.as_deref().unwrap_or(&namespace));
            let Ok(request) = kube::core::Request::new(pods_url).list(&ListParams::default().labels(&label_selector)) else { continue };
            // Helm asks for the pods as a table only when the object came back as one; a
            // failed lookup of related pods is only logged.
            if let Ok(pods) = self.get_json(request, is_table).await {
                tables.push(RELATED_PODS, pods);
            }
        }
        Ok(tables)
    }

    async fn get_json(&self, mut request: http::Request<Vec<u8>>, as_table: bool) -> Result<Value, String> {
        if as_table {
            let uri = request.uri().to_string();
            let separator = if uri.contains('?') { "&" } else { "?" };
            // Helm asks for the full object in each row (`includeObject=Object`).
            *request.uri_mut() = format!("{uri}{separator}includeObject=Object").parse().map_err(|err| format!("{err}"))?;
            request.headers_mut().insert("accept", http::HeaderValue::from_static(TABLE_ACCEPT));
        }
        self.client.request::<Value>(request).await.map_err(|err| describe_kube_error(&err))
    }
}

/// One column definition, compared as Go's `reflect.DeepEqual` compares
/// `metav1.TableColumnDefinition`s.
#[derive(Clone, Debug, PartialEq)]
struct Column {
    name: String,
    column_type: String,
    format: String,
    description: String,
    priority: i64,
}

fn columns_of(table: &Value) -> Vec<Column> {
    table["columnDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|column| Column {
            name: column["name"].as_str().unwrap_or("").to_string(),
            column_type: column["type"].as_str().unwrap_or("").to_string(),
            format: column["format"].as_str().unwrap_or("").to_string(),
            description: column["description"].as_str().unwrap_or("").to_string(),
            priority: column["priority"].as_i64().unwrap_or(0),
        })
        .collect()
}

/// kubectl's `HumanReadablePrinter` for server tables, with the state it carries from one
/// table to the next.
#[derive(Default)]
struct TablePrinter {
    last_columns: Vec<Column>,
    printed_headers: bool,
}

impl TablePrinter {
    fn print(&mut self, table: &Value, out: &mut String) {
        let mut columns = columns_of(table);
        let rows = table["rows"].as_array().cloned().unwrap_or_default();
        let no_headers = self.printed_headers && (columns.is_empty() || columns == self.last_columns);
        if columns.is_empty() {
            // Tables without definitions (watch events) reuse the last ones.
            columns = self.last_columns.clone();
        } else if columns != self.last_columns {
            self.last_columns = columns.clone();
            self.printed_headers = false;
        }
        if !rows.is_empty() {
            self.printed_headers = true;
        }
        // No headers for a table without rows: nothing at all is printed.
        if rows.is_empty() {
            return;
        }
        // Columns of priority above 0 are `-o wide` only.
        let shown: Vec<usize> = (0..columns.len()).filter(|&i| columns[i].priority == 0).collect();
        let mut text = String::new();
        if !no_headers {
            let headers: Vec<String> = shown.iter().map(|&i| columns[i].name.to_uppercase()).collect();
            text.push_str(&headers.join("\t"));
            text.push('\n');
        }
        for row in &rows {
            let cells = row["cells"].as_array().cloned().unwrap_or_default();
            // Cells beyond the column definitions are ignored (kubernetes#66379).
            let printed: Vec<String> = shown.iter().map(|&i| cells.get(i).map(cell_text).unwrap_or_default()).collect();
            text.push_str(&printed.join("\t"));
            text.push('\n');
        }
        out.push_str(&tabwriter(&text));
    }
}

/// A cell as kubectl prints it: a string up to its first line break (then `...`), anything
/// else as Go's `fmt.Sprint` would.
fn cell_text(cell: &Value) -> String {
    match cell {
        Value::Null => String::new(),
        Value::String(text) => match text.find(['\u{c}', '\n', '\r']) {
            Some(cut) => format!("{}...", &text[..cut]),
            None => text.clone(),
        },
        Value::Number(number) => match number.as_i64() {
            Some(integer) => integer.to_string(),
            None => number.as_f64().map(|f| f.to_string()).unwrap_or_default(),
        },
        Value::Bool(flag) => flag.to_string(),
        other => other.to_string(),
    }
}

/// Go's `text/tabwriter` as kubectl configures it (`NewWriter(out, 6, 4, 3, ' ', 0)`): a
/// column is as wide as its widest cell plus 3 spaces, at least 6; the text after a line's
/// last tab is not a column cell and is written unpadded. Columns are aligned over each run
/// of consecutive lines that have a cell in them (Go's column blocks).
pub fn tabwriter(text: &str) -> String {
    const MIN_WIDTH: usize = 6;
    const PADDING: usize = 3;
    let lines: Vec<Vec<&str>> = text.split_terminator('\n').map(|line| line.split('\t').collect()).collect();
    let mut widths: Vec<usize> = Vec::new();
    let mut out = String::new();
    format_block(&lines, 0, lines.len(), &mut widths, &mut out, MIN_WIDTH, PADDING);
    out
}

fn format_block(lines: &[Vec<&str>], mut line0: usize, line1: usize, widths: &mut Vec<usize>, out: &mut String, min_width: usize, padding: usize) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        // This line has a cell in `column`: the lines before it are done.
        write_lines(&lines[line0..this], widths, out);
        line0 = this;
        let mut width = min_width;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + padding);
            this += 1;
        }
        widths.push(width);
        format_block(lines, line0, this, widths, out, min_width, padding);
        widths.pop();
        line0 = this;
    }
    write_lines(&lines[line0..line1], widths, out);
}

fn write_lines(lines: &[Vec<&str>], widths: &[usize], out: &mut String) {
    for line in lines {
        for (index, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if let Some(width) = widths.get(index) {
                if index + 1 < line.len() {
                    out.push_str(&" ".repeat(width.saturating_sub(cell.chars().count())));
                }
            }
        }
        out.push('\n');
    }
}

/// The section as Helm's `statusPrinter` writes it: `RESOURCES:`, then per group its
/// `==> KEY` line, its tables and a blank line, then one more blank line.
pub fn resources_section(tables: &ResourceGroups) -> String {
    if tables.is_empty() {
        return String::new();
    }
    let mut printer = TablePrinter::default();
    let mut body = String::new();
    for (key, group) in &tables.groups {
        body.push_str(&format!("==> {key}\n"));
        for table in group {
            if table["kind"] == "Table" {
                printer.print(table, &mut body);
            } else {
                // kubectl falls back to its compiled-in printers, which Helm does not register
                // for unstructured objects.
                body.push_str(&format!("failed to print object type {key}: unknown type {}\n", table["kind"].as_str().unwrap_or("")));
            }
        }
        body.push('\n');
    }
    format!("RESOURCES:\n{body}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tabwriter_pads_columns_like_go() {
        assert_eq!(tabwriter("NAME\tREADY\tAGE\nbackend\t1/1\t0s\n"), "NAME      READY   AGE\nbackend   1/1     0s\n");
        // Narrow cells still take the minimum width of 6.
        assert_eq!(tabwriter("a\tb\tc\n"), "a     b     c\n");
        // A line with fewer cells ends the column block.
        assert_eq!(tabwriter("a\tb\tc\nxx\nlonger\td\n"), "a     b     c\nxx\nlonger   d\n");
    }

    fn table(columns: &[&str], rows: &[&[Value]]) -> Value {
        json!({
            "kind": "Table",
            "columnDefinitions": columns.iter().map(|c| json!({"name": c, "type": "string", "format": "", "description": "", "priority": 0})).collect::<Vec<_>>(),
            "rows": rows.iter().map(|cells| json!({"cells": cells})).collect::<Vec<_>>(),
        })
    }

    #[test]
    fn same_columns_print_their_header_once_and_align_alone() {
        let tables = ResourceGroups {
            groups: vec![
                ("v1/Deployment".into(), vec![table(&["Name", "Ready"], &[&[json!("backend"), json!("1/1")]]), table(&["Name", "Ready"], &[&[json!("db"), json!("1/1")]])]),
                (RELATED_PODS.into(), vec![table(&["Name", "Status"], &[])]),
                ("v1/Service".into(), vec![table(&["Name", "Port(s)"], &[&[json!("web"), json!(80)]])]),
            ],
        };
        assert_eq!(
            resources_section(&tables),
            "RESOURCES:\n==> v1/Deployment\nNAME      READY\nbackend   1/1\ndb    1/1\n\n==> v1/Pod(related)\n\n==> v1/Service\nNAME   PORT(S)\nweb    80\n\n\n"
        );
    }

    #[test]
    fn selectors_come_from_match_labels_of_workloads() {
        let deployment = json!({"kind": "Deployment", "spec": {"selector": {"matchLabels": {"app": "web", "tier": "front"}}}});
        assert_eq!(pod_selector(&deployment), Some(BTreeMap::from([("app".into(), "web".into()), ("tier".into(), "front".into())])));
        assert_eq!(pod_selector(&json!({"kind": "Service", "spec": {"selector": {"app": "web"}}})), None);
        assert_eq!(pod_selector(&json!({"kind": "ReplicationController", "spec": {"selector": {"app": "web"}}})), Some(BTreeMap::from([("app".into(), "web".into())])));
    }
}
