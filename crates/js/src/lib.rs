//! Chartroom for JavaScript: `helm template` as one function, compiled to wasm.
//!
//! ```js
//! import { render } from 'chartroom';
//! const result = render(tgzBytes /* or { 'Chart.yaml': '...', 'templates/x.yaml': '...' } */, {
//!   releaseName: 'web', namespace: 'prod',
//!   values: [{ name: 'values-prod.yaml', content: 'replicas: 3\n' }],
//!   set: ['image.tag=v2'],
//! });
//! result.output;          // exactly what `helm template` prints
//! result.manifests;       // [{ source, kind, name, content, isHook, isCrd }]
//! result.notes; result.computedValues; result.warnings;
//! ```
//! A failure throws an `Error` named `RenderError` carrying `file`, `line` and `column`
//! (when known) and `duringRender`.
#![forbid(unsafe_code)]

use chart::api::{ChartSource, RenderFailure, RenderLimits, RenderRequest, RenderResult};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// The options object: `helm template`'s flags, camelCased.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RenderOptions {
    pub release_name: Option<String>,
    pub namespace: Option<String>,
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
    /// `-f` files in order: YAML text, or `{ name, content }` (the name shows in messages).
    pub values: Vec<ValuesFile>,
    pub set_json: Vec<String>,
    pub set: Vec<String>,
    pub set_string: Vec<String>,
    /// `--set-file key=path` lines with the files' contents: `{ line, content }`.
    pub set_file: Vec<SetFile>,
    pub set_literal: Vec<String>,
    pub is_upgrade: bool,
    pub include_crds: bool,
    pub skip_tests: bool,
    pub no_hooks: bool,
    pub show_only: Vec<String>,
    pub skip_schema_validation: bool,
    pub render_subchart_notes: bool,
    /// missingkey=error.
    pub strict: bool,
    /// Resource limits, as the command line's `--max-*` flags (see SECURITY.md); an omitted
    /// one keeps the engine's default.
    pub limits: Option<Limits>,
}

/// The `limits` option: `{ maxSteps, maxOutputSize, maxTemplateDepth, maxArchiveSize,
/// maxDecompressedSize, maxFileSize, maxFiles }`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Limits {
    pub max_steps: Option<u64>,
    pub max_output_size: Option<usize>,
    pub max_template_depth: Option<usize>,
    pub max_archive_size: Option<u64>,
    pub max_decompressed_size: Option<u64>,
    pub max_file_size: Option<u64>,
    pub max_files: Option<usize>,
}

impl Limits {
    /// The engine's limits with these set.
    pub fn render_limits(&self) -> RenderLimits {
        let mut limits = RenderLimits::default();
        limits.max_steps = self.max_steps.unwrap_or(limits.max_steps);
        limits.max_output_bytes = self.max_output_size.unwrap_or(limits.max_output_bytes);
        limits.max_template_depth = self.max_template_depth.or(limits.max_template_depth);
        limits.load.max_archive_bytes = self.max_archive_size.unwrap_or(limits.load.max_archive_bytes);
        limits.load.max_decompressed_bytes = self.max_decompressed_size.unwrap_or(limits.load.max_decompressed_bytes);
        limits.load.max_file_bytes = self.max_file_size.unwrap_or(limits.load.max_file_bytes);
        limits.load.max_files = self.max_files.unwrap_or(limits.load.max_files);
        limits
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ValuesFile {
    Text(String),
    Named { name: String, content: String },
}

#[derive(Debug, Deserialize)]
pub struct SetFile {
    pub line: String,
    pub content: String,
}

/// The answer, as the JavaScript object `render` returns.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderOutput {
    pub output: String,
    pub manifests: Vec<Manifest>,
    pub notes: String,
    pub computed_values: String,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub source: String,
    pub kind: String,
    pub name: String,
    pub content: String,
    pub is_hook: bool,
    pub is_crd: bool,
}

/// The option names `render` knows; anything else is a mistake worth reporting (a typo
/// would otherwise be ignored silently).
const KNOWN_OPTIONS: &[&str] = &[
    "releaseName", "namespace", "kubeVersion", "apiVersions", "values", "setJson", "set", "setString", "setFile",
    "setLiteral", "isUpgrade", "includeCrds", "skipTests", "noHooks", "showOnly", "skipSchemaValidation",
    "renderSubchartNotes", "strict", "limits",
];

/// The files of a chart directory minus what its `.helmignore` (and Helm's default rules)
/// leave out, as `helm template DIR` reads them. Archives are taken as they are.
pub fn apply_helmignore(files: Vec<(String, Vec<u8>)>) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut rules = match files.iter().find(|(path, _)| path == chart::ignore::HELM_IGNORE) {
        Some((_, text)) => chart::ignore::Rules::parse(&String::from_utf8_lossy(text)).map_err(|e| format!(".helmignore: {e}"))?,
        None => chart::ignore::Rules::empty(),
    };
    rules.add_defaults();
    let kept = |path: &str| {
        // A file is left out when it or any directory above it is ignored.
        let mut parent_ignored = false;
        for (index, _) in path.match_indices('/') {
            parent_ignored |= rules.ignore(&path[..index], true);
        }
        !parent_ignored && !rules.ignore(path, false)
    };
    Ok(files.into_iter().filter(|(path, _)| kept(path)).collect())
}

/// The engine request for a chart and options (pure; tested natively).
pub fn build_request(chart: ChartSource, options: RenderOptions) -> RenderRequest {
    let defaults = RenderRequest::default();
    let values_files = options
        .values
        .into_iter()
        .enumerate()
        .map(|(index, file)| match file {
            ValuesFile::Text(content) => (format!("values-{}.yaml", index + 1), content),
            ValuesFile::Named { name, content } => (name, content),
        })
        .collect();
    RenderRequest {
        chart,
        release_name: options.release_name.unwrap_or(defaults.release_name),
        namespace: options.namespace.unwrap_or(defaults.namespace),
        kube_version: options.kube_version.filter(|v| !v.is_empty()),
        api_versions: options.api_versions,
        values_files,
        set_json: options.set_json,
        set: options.set,
        set_string: options.set_string,
        set_file: options.set_file.into_iter().map(|f| (f.line, f.content)).collect(),
        set_literal: options.set_literal,
        is_upgrade: options.is_upgrade,
        include_crds: options.include_crds,
        skip_tests: options.skip_tests,
        no_hooks: options.no_hooks,
        show_only: options.show_only,
        skip_schema_validation: options.skip_schema_validation,
        render_subchart_notes: options.render_subchart_notes,
        strict: options.strict,
        limits: options.limits.as_ref().map_or_else(RenderLimits::default, Limits::render_limits),
        // Whatever the engine adds later keeps its default here.
        ..RenderRequest::default()
    }
}

impl From<RenderResult> for RenderOutput {
    fn from(result: RenderResult) -> RenderOutput {
        let computed_values = result.computed_values_yaml();
        RenderOutput {
            output: result.output,
            manifests: result
                .documents
                .into_iter()
                .map(|d| Manifest { source: d.source, kind: d.kind, name: d.name, content: d.content, is_hook: d.is_hook, is_crd: d.is_crd })
                .collect(),
            notes: result.notes,
            computed_values,
            warnings: result.warnings,
        }
    }
}

/// Renders a chart as `helm template` would. `chart` is the bytes of a `.tgz`
/// (`Uint8Array`/`ArrayBuffer`) or an object mapping chart-root-relative paths to file
/// contents (strings or `Uint8Array`s); `options` is optional.
#[wasm_bindgen]
pub fn render(chart: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let source = chart_source(&chart)?;
    let options: RenderOptions = if options.is_undefined() || options.is_null() {
        RenderOptions::default()
    } else {
        if let Some(object) = options.dyn_ref::<js_sys::Object>() {
            for key in js_sys::Object::keys(object).iter().filter_map(|k| k.as_string()) {
                if !KNOWN_OPTIONS.contains(&key.as_str()) {
                    return Err(usage_error(&format!("render options: unknown option {key:?} (known: {})", KNOWN_OPTIONS.join(", "))));
                }
            }
        }
        serde_wasm_bindgen::from_value(options).map_err(|e| usage_error(&format!("render options: {e}")))?
    };
    let result = chart::api::render(&build_request(source, options)).map_err(|failure| render_error(&failure))?;
    RenderOutput::from(result)
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| usage_error(&e.to_string()))
}

/// The version of the engine (the crate's version).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

fn chart_source(chart: &JsValue) -> Result<ChartSource, JsValue> {
    if let Some(bytes) = chart.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(ChartSource::Archive(bytes.to_vec()));
    }
    if let Some(buffer) = chart.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(ChartSource::Archive(js_sys::Uint8Array::new(buffer).to_vec()));
    }
    let Some(object) = chart.dyn_ref::<js_sys::Object>() else {
        return Err(usage_error("chart: expected the bytes of a .tgz or an object of path -> content"));
    };
    let mut files = Vec::new();
    for entry in js_sys::Object::entries(object).iter() {
        let pair = js_sys::Array::from(&entry);
        let path = pair.get(0).as_string().unwrap_or_default();
        let content = pair.get(1);
        let bytes = if let Some(text) = content.as_string() {
            text.into_bytes()
        } else if let Some(bytes) = content.dyn_ref::<js_sys::Uint8Array>() {
            bytes.to_vec()
        } else {
            return Err(usage_error(&format!("chart file {path}: expected a string or a Uint8Array")));
        };
        files.push((path, bytes));
    }
    Ok(ChartSource::Files(apply_helmignore(files).map_err(|e| usage_error(&e))?))
}

/// A `TypeError`: the call itself was wrong.
fn usage_error(message: &str) -> JsValue {
    js_sys::TypeError::new(message).into()
}

/// An `Error` named `RenderError` with Helm's message and where it points.
fn render_error(failure: &RenderFailure) -> JsValue {
    let error = js_sys::Error::new(&failure.message);
    error.set_name("RenderError");
    let set = |key: &str, value: JsValue| {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str(key), &value);
    };
    set("file", failure.file.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    set("line", failure.line.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64)));
    set("column", failure.column.map_or(JsValue::NULL, |n| JsValue::from_f64(n as f64)));
    set("duringRender", JsValue::from_bool(failure.during_render));
    error.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_fill_helm_defaults() {
        let request = build_request(ChartSource::Files(Vec::new()), RenderOptions::default());
        assert_eq!(request.release_name, "release-name");
        assert_eq!(request.namespace, "default");
        assert_eq!(request.kube_version, None);
    }

    #[test]
    fn values_files_keep_order_and_get_names() {
        let options = RenderOptions {
            values: vec![ValuesFile::Text("a: 1".into()), ValuesFile::Named { name: "prod.yaml".into(), content: "a: 2".into() }],
            ..RenderOptions::default()
        };
        let request = build_request(ChartSource::Files(Vec::new()), options);
        assert_eq!(request.values_files, [("values-1.yaml".to_string(), "a: 1".to_string()), ("prod.yaml".into(), "a: 2".into())]);
    }

    #[test]
    fn limits_option_sets_engine_limits() {
        let options = RenderOptions {
            limits: Some(Limits { max_steps: Some(100), max_files: Some(3), ..Limits::default() }),
            ..RenderOptions::default()
        };
        let request = build_request(ChartSource::Files(Vec::new()), options);
        assert_eq!(request.limits.max_steps, 100);
        assert_eq!(request.limits.load.max_files, 3);
        assert_eq!(request.limits.max_output_bytes, RenderLimits::default().max_output_bytes);
        let files = vec![
            ("Chart.yaml".to_string(), b"apiVersion: v2\nname: c\nversion: 0.1.0\n".to_vec()),
            ("templates/x.yaml".to_string(), b"v: {{ range until 1000 }}x{{ end }}\n".to_vec()),
        ];
        let failure = chart::api::render(&build_request(ChartSource::Files(files), RenderOptions { limits: Some(Limits { max_steps: Some(100), ..Limits::default() }), ..RenderOptions::default() })).unwrap_err();
        assert!(failure.message.contains("exceeded maximum number of steps (100)"), "{}", failure.message);
    }

    #[test]
    fn helmignore_applies_to_file_maps() {
        let file = |path: &str| (path.to_string(), Vec::new());
        let files = vec![file(".helmignore"), file("Chart.yaml"), file("ci/x.yaml"), file("templates/tests/t.yaml"), file("templates/.hidden"), file("templates/a.yaml"), file("a.bak")];
        let files = [(".helmignore".to_string(), b"ci/\ntests/\n*.bak\n".to_vec())].into_iter().chain(files.into_iter().skip(1)).collect();
        let kept: Vec<String> = apply_helmignore(files).unwrap().into_iter().map(|(path, _)| path).collect();
        assert_eq!(kept, [".helmignore", "Chart.yaml", "templates/a.yaml"]);
    }

    #[test]
    fn results_carry_documents_and_notes() {
        let files = vec![
            ("Chart.yaml".to_string(), b"apiVersion: v2\nname: c\nversion: 0.1.0\n".to_vec()),
            ("templates/cm.yaml".to_string(), b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n".to_vec()),
            ("templates/NOTES.txt".to_string(), b"hi {{ .Release.Name }}".to_vec()),
        ];
        let options = RenderOptions { release_name: Some("r".into()), ..RenderOptions::default() };
        let output = RenderOutput::from(chart::api::render(&build_request(ChartSource::Files(files), options)).unwrap());
        assert_eq!(output.manifests.len(), 1);
        assert_eq!(output.manifests[0].kind, "ConfigMap");
        assert_eq!(output.notes, "hi r");
        assert!(output.output.starts_with("---\n# Source: c/templates/cm.yaml\n"));
    }
}
