//! The YAML entry points this crate uses, on top of `godata` (Helm's sigs.k8s.io/yaml
//! semantics), plus the JSON type names Go's decoder uses in its errors.

use gotmpl::Value;

/// Parses one YAML document into Go values (numbers are `float64`, maps
/// `map[string]interface{}`), with Helm's error text.
pub fn parse_document(text: &str) -> Result<Value, String> {
    godata::yaml::parse(text).map_err(|e| e.to_string())
}

/// The JSON kind of a value as `encoding/json` names it in `cannot unmarshal X into ...`.
pub use godata::json::json_kind as json_type_name;

/// Whether the field at `path` of a `Chart.yaml`/`requirements.yaml`/lock document is a Go
/// `string` (where sigs.k8s.io/yaml turns YAML numbers and booleans into text). Keys match
/// case-insensitively, as Go's JSON decoding matches field names.
fn chart_string_target(path: &[String]) -> bool {
    let p: Vec<String> = path.iter().map(|s| s.to_ascii_lowercase()).collect();
    let p: Vec<&str> = p.iter().map(String::as_str).collect();
    match p.as_slice() {
        [field] => matches!(
            *field,
            "name" | "home" | "version" | "description" | "icon" | "apiversion" | "condition" | "tags"
                | "appversion" | "kubeversion" | "type" | "digest"
        ),
        ["sources" | "keywords", "[]"] => true,
        ["maintainers", "[]", "name" | "email" | "url"] => true,
        ["annotations", _] => true,
        ["dependencies", "[]", "name" | "version" | "repository" | "condition" | "alias"] => true,
        ["dependencies", "[]", "tags", "[]"] => true,
        _ => false,
    }
}

/// Parses `Chart.yaml` (or `requirements.yaml`, a lock file) the way Helm decodes it into
/// its structs: scalars destined for string fields keep their YAML text form.
pub fn parse_chart_document(text: &str) -> Result<Value, String> {
    godata::yaml::parse_with_string_targets(text, &chart_string_target).map_err(|e| e.to_string())
}
