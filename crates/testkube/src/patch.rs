//! The patch flavours kube-apiserver accepts, to the extent tests need them:
//! JSON merge patch (RFC 7386), strategic merge patch for the common cases (lists of objects
//! keyed by `name` merge item by item; `$patch: delete|replace`), and the field bookkeeping
//! of server-side apply.

use serde_json::{Map, Value};

/// RFC 7386: objects merge recursively, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_fields) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target_fields) = target else { return };
    for (key, value) in patch_fields {
        if value.is_null() {
            target_fields.remove(key);
        } else {
            merge_patch(target_fields.entry(key.clone()).or_insert(Value::Null), value);
        }
    }
}

/// The merge key of a list item for strategic merge: the fields Kubernetes uses as
/// `patchMergeKey` for the lists charts write (containers, env, volumes, ports...).
fn merge_key(item: &Value) -> Option<(&'static str, &Value)> {
    ["name", "mountPath", "containerPort", "port", "ip", "type"].into_iter().find_map(|key| item.get(key).map(|v| (key, v)))
}

/// Strategic merge patch, approximated: like a merge patch, but lists whose items are objects
/// with a merge key merge by that key, and `$patch: replace|delete` directives apply.
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_fields) = patch else {
        *target = patch.clone();
        return;
    };
    match patch_fields.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut replacement = patch.clone();
            if let Some(fields) = replacement.as_object_mut() {
                fields.remove("$patch");
            }
            *target = replacement;
            return;
        }
        Some("delete") => {
            *target = Value::Null;
            return;
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target_fields) = target else { return };
    for (key, value) in patch_fields {
        if key.starts_with('$') {
            continue;
        }
        match value {
            Value::Null => {
                target_fields.remove(key);
            }
            Value::Array(patch_items) => {
                let existing = target_fields.entry(key.clone()).or_insert(Value::Array(Vec::new()));
                merge_list(existing, patch_items);
            }
            _ => strategic_merge_patch(target_fields.entry(key.clone()).or_insert(Value::Null), value),
        }
    }
    // A nested `$patch: delete` leaves a null behind: drop it.
    target_fields.retain(|_, v| !v.is_null());
}

fn merge_list(existing: &mut Value, patch_items: &[Value]) {
    let keyed = !patch_items.is_empty() && patch_items.iter().all(|item| item.is_object() && merge_key(item).is_some());
    let Value::Array(existing_items) = existing else {
        *existing = Value::Array(patch_items.to_vec());
        return;
    };
    if !keyed {
        *existing_items = patch_items.to_vec();
        return;
    }
    for patch_item in patch_items {
        let Some((key_name, key_value)) = merge_key(patch_item) else { continue };
        let position = existing_items.iter().position(|item| item.get(key_name) == Some(key_value));
        let deleting = patch_item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, deleting) {
            (Some(index), true) => {
                existing_items.remove(index);
            }
            (Some(index), false) => strategic_merge_patch(&mut existing_items[index], patch_item),
            (None, true) => {}
            (None, false) => {
                let mut fresh = Value::Null;
                strategic_merge_patch(&mut fresh, patch_item);
                existing_items.push(fresh);
            }
        }
    }
}

/// The leaf fields an applied configuration sets, as JSON-pointer-like paths. List items with
/// a merge key are addressed by it (`spec.containers[name=web].image`); other lists are leaves.
pub fn leaf_paths(value: &Value, prefix: &str, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(fields) if !fields.is_empty() => {
            for (key, child) in fields {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                leaf_paths(child, &path, out);
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(|i| i.is_object() && merge_key(i).is_some()) => {
            for item in items {
                if let Some((key_name, key_value)) = merge_key(item) {
                    let key_text = key_value.as_str().map(str::to_string).unwrap_or_else(|| key_value.to_string());
                    leaf_paths(item, &format!("{prefix}[{key_name}={key_text}]"), out);
                }
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// Removes the field at a path made by [`leaf_paths`], if present.
pub fn remove_path(target: &mut Value, path: &str) {
    let segments = split_path(path);
    remove_segments(target, &segments);
}

fn split_path(path: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut in_brackets = false;
    for character in path.chars() {
        match character {
            '[' if !in_brackets => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
                current.push('[');
                in_brackets = true;
            }
            ']' if in_brackets => {
                current.push(']');
                segments.push(std::mem::take(&mut current));
                in_brackets = false;
            }
            '.' if !in_brackets => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(character),
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    segments
}

fn remove_segments(target: &mut Value, segments: &[String]) {
    let Some((first, rest)) = segments.split_first() else { return };
    if let Some(selector) = first.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        let Some((key_name, key_text)) = selector.split_once('=') else { return };
        let Value::Array(items) = target else { return };
        let Some(index) = items.iter().position(|item| item.get(key_name).is_some_and(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()) == key_text)) else {
            return;
        };
        if rest.is_empty() {
            items.remove(index);
        } else {
            remove_segments(&mut items[index], rest);
            if items[index].as_object().is_some_and(|o| o.len() <= 1) {
                items.remove(index);
            }
        }
        return;
    }
    let Value::Object(fields) = target else { return };
    if rest.is_empty() {
        fields.remove(first);
        return;
    }
    if let Some(child) = fields.get_mut(first) {
        remove_segments(child, rest);
        let now_empty = match child {
            Value::Object(o) => o.is_empty(),
            Value::Array(a) => a.is_empty(),
            _ => false,
        };
        if now_empty {
            fields.remove(first);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}}));
    }

    #[test]
    fn strategic_merge_merges_named_lists() {
        let mut target = json!({"spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}], "args": ["x"]}});
        strategic_merge_patch(&mut target, &json!({"spec": {"containers": [{"name": "b", "image": "b:2"}, {"name": "c", "image": "c:1"}], "args": ["y"]}}));
        assert_eq!(target["spec"]["containers"], json!([{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:2"}, {"name": "c", "image": "c:1"}]));
        assert_eq!(target["spec"]["args"], json!(["y"]));
        strategic_merge_patch(&mut target, &json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}));
        assert_eq!(target["spec"]["containers"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn leaf_paths_and_removal() {
        let applied = json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web", "image": "x"}]}}}});
        let mut paths = Vec::new();
        leaf_paths(&applied, "", &mut paths);
        let names: Vec<&str> = paths.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(names, ["spec.replicas", "spec.template.spec.containers[name=web].image", "spec.template.spec.containers[name=web].name"]);
        let mut object = applied.clone();
        remove_path(&mut object, "spec.template.spec.containers[name=web].image");
        // The emptied container and the now-empty parents go too.
        assert_eq!(object, json!({"spec": {"replicas": 2}}));
        remove_path(&mut object, "spec.replicas");
        assert!(object["spec"].get("replicas").is_none());
    }
}
