//! YAML as Helm reads and writes it (`sigs.k8s.io/yaml` over go-yaml v2).
//!
//! Reading: go-yaml v2 decodes YAML 1.1-style (`yes`/`no`/`on`/`off`/`y`/`n` are booleans,
//! `0755` is octal, non-string keys are allowed), sigs.k8s.io/yaml turns map keys into
//! strings and passes the result through JSON, so numbers come out as `float64`.
//! Writing: through JSON, then go-yaml v2's emitter.

use std::fmt;

use gotmpl::Value;

mod emit;
mod fast;
mod load;
mod resolve;

#[doc(hidden)]
pub use fast::{compare_with_saphyr, FastReading};
#[doc(hidden)]
pub use load::compare_direct_conversion;
pub use load::MAX_DEPTH;

/// A YAML error. `message` is the complete text Helm shows, e.g.
/// `error converting YAML to JSON: yaml: line 3: mapping values are not allowed in this
/// context`; `line`/`column` (1-based) locate syntax errors in the input for editors (the
/// line inside `message` is go-yaml's, which for some errors is one less).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for YamlError {}

/// `sigs.k8s.io/yaml.Unmarshal` into `interface{}`: the first document of `text` (an
/// empty document or stream is `Nil`).
pub fn parse(text: &str) -> Result<Value, YamlError> {
    load::parse_first(text)
}

/// Every document of a multi-document stream, each read as [`parse`] reads one.
pub fn parse_all(text: &str) -> Result<Vec<Value>, YamlError> {
    load::parse_stream(text)
}

/// `sigs.k8s.io/yaml.Unmarshal` into a map type (Helm's values files and `fromYaml`):
/// a mapping, or `Nil` for an empty document (`null`); anything else is the error
/// `encoding/json` gives for the Go type named `go_type` (e.g.
/// `map[string]interface {}`, or `common.Values`... as Helm names its types).
pub fn parse_object(text: &str, go_type: &str) -> Result<Value, YamlError> {
    let v = parse(text)?;
    match &v {
        Value::Map(_) | Value::Nil => Ok(v),
        other => Err(YamlError {
            message: format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type {go_type}",
                crate::json::json_kind(other)
            ),
            line: None,
            column: None,
        }),
    }
}

/// Like [`parse`], for decoding into a Go struct: `string_target(path)` says whether the
/// field at `path` (map keys, `"[]"` for list items) is a Go `string`, where
/// sigs.k8s.io/yaml turns numbers and booleans into text (`FormatFloat(f, 'g', -1, 32)`
/// for floats: `version: 1.10` becomes `"1.1"`). Helm reads `Chart.yaml` this way.
pub fn parse_with_string_targets(
    text: &str,
    string_target: &dyn Fn(&[String]) -> bool,
) -> Result<Value, YamlError> {
    load::parse_first_with_string_targets(text, string_target)
}

/// `sigs.k8s.io/yaml.Marshal(v)`: the bytes Helm's `toYaml` starts from (it then trims
/// one trailing newline), ending in a newline.
pub fn to_yaml(v: &Value) -> Result<String, YamlError> {
    emit::marshal(v, &crate::json::EncodeOptions::default())
}

/// goyaml.v3's encoder with an indent of 2 (Helm's `toYamlPretty`, before it trims the
/// trailing newline): sequences indented under their key, no line folding, numbers and
/// strings written from the Go values directly.
pub fn to_yaml_v3(v: &Value) -> Result<String, YamlError> {
    emit::marshal_v3(v, &crate::json::EncodeOptions::default())
}

/// [`to_yaml`] with JSON encoding options (an object hook for Go structs).
pub fn to_yaml_with(v: &Value, options: &crate::json::EncodeOptions<'_>) -> Result<String, YamlError> {
    emit::marshal(v, options)
}
