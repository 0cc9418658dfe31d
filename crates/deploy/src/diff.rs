//! `chartroom diff upgrade`: what an upgrade would change, resource by resource, as unified
//! diffs of each object's YAML, compared twice:
//!
//! - against the release's stored manifest (what the chart changes since the last revision);
//! - against the live objects, so drift made outside Helm (`kubectl scale`, `kubectl edit`)
//!   shows up. (A field another manager took over and the chart leaves unchanged is kept live
//!   by `upgrade`, see `Deployer::apply_changed`; the diff still shows it, as drift.)
//!
//! Objects are compared as canonical YAML (keys sorted, as `sigs.k8s.io/yaml` prints them), so
//! a template's formatting changes (quotes, indentation, key order) do not show as changes.
//! Live objects are projected onto the fields the chart sets (old or new revision): the server's
//! defaults, `status` and bookkeeping metadata are not the chart's business and would drown the
//! real changes.

use serde_json::{Map, Value};
use similar::{ChangeTag, TextDiff};

use crate::action::{ActionError, Deployer};
use crate::content::ReleaseContent;
use crate::resources::{parse_manifest, set_ownership, Object};

/// How one resource changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Modified,
}

/// One changed resource.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceDiff {
    /// `namespace, name, Kind (apiVersion)`.
    pub title: String,
    pub change: Change,
    /// The object's YAML before (empty when added) and after (empty when removed).
    pub before: String,
    pub after: String,
}

/// Both comparisons of an upgrade.
#[derive(Clone, Debug, PartialEq)]
pub struct UpgradeDiff {
    /// The revision the stored-manifest comparison starts from.
    pub revision: i64,
    pub against_release: Vec<ResourceDiff>,
    pub against_live: Vec<ResourceDiff>,
}

impl UpgradeDiff {
    pub fn has_changes(&self) -> bool {
        !self.against_release.is_empty() || !self.against_live.is_empty()
    }
}

impl Deployer {
    /// Compares the upgrade of release `name` to `content` with the stored release and with
    /// the cluster. Nothing is written.
    pub async fn diff_upgrade(&mut self, name: &str, content: &ReleaseContent) -> Result<UpgradeDiff, ActionError> {
        let namespace = self.cluster.namespace.clone();
        let (_, current) = self.upgrade_base(name).await?;
        let stored = parse_manifest(&current.manifest).map_err(|err| ActionError(format!("the stored manifest of revision {}: {err}", current.version)))?;
        let target = parse_manifest(&content.manifest).map_err(|err| ActionError(format!("the rendered manifest: {err}")))?;
        let against_release = diff_objects(&stored, &target, &namespace)?;

        // Live objects carry Helm's ownership metadata; so does what the upgrade applies.
        let owned = |objects: &[Object]| -> Vec<Object> {
            objects
                .iter()
                .cloned()
                .map(|mut object| {
                    set_ownership(&mut object, name, &namespace);
                    object
                })
                .collect()
        };
        let (stored_owned, target_owned) = (owned(&stored), owned(&target));
        let mut live = Vec::new();
        for object in stored_owned.iter().chain(target_owned.iter()) {
            if live.iter().any(|known: &Object| known.same_object(object)) {
                continue;
            }
            let Some(body) = self.cluster.get_object(object, &namespace).await.map_err(|err| ActionError(format!("reading {}: {err}", object.describe())))? else {
                continue;
            };
            // The chart's fields of either revision, as the server has them now.
            let mut shape = Value::Object(Map::new());
            for revision in [&stored_owned, &target_owned] {
                if let Some(known) = revision.iter().find(|known| known.same_object(object)) {
                    merge_shape(&mut shape, &known.body);
                }
            }
            let mut projected = project(&body, &shape).unwrap_or(Value::Null);
            // The manifest's namespace may be implicit; the server always states it.
            if object.namespace.is_empty() {
                if let Some(metadata) = projected.get_mut("metadata").and_then(Value::as_object_mut) {
                    metadata.remove("namespace");
                }
            }
            live.push(Object { body: projected, ..object.clone() });
        }
        let against_live = diff_objects(&live, &target_owned, &namespace)?;
        Ok(UpgradeDiff { revision: current.version, against_release, against_live })
    }
}

/// Resource-by-resource changes from `before` to `after`, in `after`'s order, then removals.
pub fn diff_objects(before: &[Object], after: &[Object], namespace: &str) -> Result<Vec<ResourceDiff>, ActionError> {
    let mut diffs = Vec::new();
    for object in after {
        let new_text = object_yaml(object)?;
        match before.iter().find(|old| old.same_object(object)) {
            Some(old) => {
                let old_text = object_yaml(old)?;
                if old_text != new_text {
                    diffs.push(ResourceDiff { title: title(object, namespace), change: Change::Modified, before: old_text, after: new_text });
                }
            }
            None => diffs.push(ResourceDiff { title: title(object, namespace), change: Change::Added, before: String::new(), after: new_text }),
        }
    }
    for old in before {
        if !after.iter().any(|object| object.same_object(old)) {
            diffs.push(ResourceDiff { title: title(old, namespace), change: Change::Removed, before: object_yaml(old)?, after: String::new() });
        }
    }
    Ok(diffs)
}

fn title(object: &Object, namespace: &str) -> String {
    let shown_namespace = if object.namespace.is_empty() { namespace } else { &object.namespace };
    format!("{shown_namespace}, {}, {} ({})", object.name, object.kind, object.api_version)
}

/// The object as `sigs.k8s.io/yaml` prints it (sorted keys, Go's scalar forms).
fn object_yaml(object: &Object) -> Result<String, ActionError> {
    let json = serde_json::to_string(&object.body).map_err(|err| ActionError(err.to_string()))?;
    let value = godata::json::parse(&json).map_err(|err| ActionError(format!("{}: {err}", object.describe())))?;
    godata::yaml::to_yaml(&value).map_err(|err| ActionError(format!("{}: {err}", object.describe())))
}

/// Adds `body`'s fields to `shape` (maps merged key by key; anything else replaces).
fn merge_shape(shape: &mut Value, body: &Value) {
    match (shape, body) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                merge_shape(into.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

/// `live` restricted to the fields `shape` has. Lists of the same length are projected item by
/// item (a container's image changed by `kubectl set image` shows as that one line); lists that
/// grew or shrank are shown whole, as the server has them. `None` when `live` lacks the field.
fn project(live: &Value, shape: &Value) -> Option<Value> {
    match (live, shape) {
        (Value::Object(live_fields), Value::Object(shape_fields)) => {
            let mut projected = Map::new();
            for (key, sub_shape) in shape_fields {
                if let Some(value) = live_fields.get(key).and_then(|live_value| project(live_value, sub_shape)) {
                    projected.insert(key.clone(), value);
                }
            }
            Some(Value::Object(projected))
        }
        (Value::Array(live_items), Value::Array(shape_items)) if live_items.len() == shape_items.len() => {
            Some(Value::Array(live_items.iter().zip(shape_items).map(|(item, sub_shape)| project(item, sub_shape).unwrap_or(Value::Null)).collect()))
        }
        (live_value, _) => Some(live_value.clone()),
    }
}

/// Unified diffs under a heading per comparison; ANSI colour when `color`.
pub fn format_upgrade_diff(diff: &UpgradeDiff, color: bool) -> String {
    let mut out = String::new();
    let sections = [
        (format!("Changes against the release's stored manifest (revision {}):", diff.revision), &diff.against_release, format!("revision {}", diff.revision)),
        ("Changes against the live objects in the cluster:".to_string(), &diff.against_live, "live".to_string()),
    ];
    for (heading, resources, before_label) in sections {
        out.push_str(&heading);
        out.push('\n');
        if resources.is_empty() {
            out.push_str("  (no changes)\n");
        }
        for resource in resources.iter() {
            let what = match resource.change {
                Change::Added => "will be added",
                Change::Removed => "will be removed",
                Change::Modified => "has changed",
            };
            out.push_str(&paint(color, "1;33", &format!("{} {what}:", resource.title)));
            out.push('\n');
            let unified = TextDiff::from_lines(&resource.before, &resource.after);
            let mut header = true;
            for hunk in unified.unified_diff().context_radius(3).header(&before_label, "upgrade").iter_hunks() {
                if header {
                    out.push_str(&paint(color, "1", &format!("--- {before_label}\n+++ upgrade")));
                    out.push('\n');
                    header = false;
                }
                out.push_str(&paint(color, "36", &hunk.header().to_string()));
                out.push('\n');
                for change in hunk.iter_changes() {
                    let (sign, code) = match change.tag() {
                        ChangeTag::Delete => ('-', "31"),
                        ChangeTag::Insert => ('+', "32"),
                        ChangeTag::Equal => (' ', ""),
                    };
                    let line = format!("{sign}{}", change.value().trim_end_matches('\n'));
                    out.push_str(&if code.is_empty() { line } else { paint(color, code, &line) });
                    out.push('\n');
                }
            }
        }
        out.push('\n');
    }
    out
}

fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(body: Value) -> Object {
        Object {
            api_version: body["apiVersion"].as_str().unwrap_or("").into(),
            kind: body["kind"].as_str().unwrap_or("").into(),
            name: body["metadata"]["name"].as_str().unwrap_or("").into(),
            namespace: String::new(),
            body,
        }
    }

    #[test]
    fn projection_keeps_only_the_charts_fields() {
        let live = json!({"metadata": {"name": "web", "uid": "1", "resourceVersion": "9"}, "spec": {"replicas": 5, "strategy": {}}, "status": {"ready": 1}});
        let shape = json!({"metadata": {"name": "web"}, "spec": {"replicas": 1}});
        assert_eq!(project(&live, &shape).unwrap(), json!({"metadata": {"name": "web"}, "spec": {"replicas": 5}}));
        let live_list = json!({"a": [{"x": 1, "extra": 2}]});
        assert_eq!(project(&live_list, &json!({"a": [{"x": 0}]})).unwrap(), json!({"a": [{"x": 1}]}));
    }

    #[test]
    fn added_modified_removed() {
        let cm = |name: &str, value: &str| object(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": value}}));
        let diffs = diff_objects(&[cm("a", "1"), cm("gone", "x"), cm("same", "s")], &[cm("a", "2"), cm("new", "n"), cm("same", "s")], "default").unwrap();
        let changes: Vec<(Change, &str)> = diffs.iter().map(|d| (d.change, d.title.as_str())).collect();
        assert_eq!(
            changes,
            [(Change::Modified, "default, a, ConfigMap (v1)"), (Change::Added, "default, new, ConfigMap (v1)"), (Change::Removed, "default, gone, ConfigMap (v1)")]
        );
        let text = format_upgrade_diff(&UpgradeDiff { revision: 1, against_release: diffs, against_live: Vec::new() }, false);
        assert!(text.contains("default, a, ConfigMap (v1) has changed:\n--- revision 1\n+++ upgrade\n@@ -1,6 +1,6 @@\n apiVersion: v1\n data:\n-  k: \"1\"\n+  k: \"2\"\n"), "{text}");
        assert!(text.contains("Changes against the live objects in the cluster:\n  (no changes)\n"), "{text}");
        assert!(!text.contains('\x1b'));
    }
}
