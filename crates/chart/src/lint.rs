//! `helm lint`: Helm's lint rules (Chart.yaml, values and schema, templates, dependencies,
//! CRDs) over a chart that the caller has read, with Helm's severities, paths and messages.
//!
//! Pure: the caller says what exists on disk ([`Entry`]) and hands over the loaded chart.
//! Rendering goes through [`crate::api::render`], as `helm template` does.

use gotmpl::{MapRef, Value};

use crate::api::{ChartSource, RenderRequest};
use crate::model::{Chart, Metadata};
use crate::uservalues::UserValues;

/// How bad a finding is; Helm prints these names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
}

/// One finding: printed by Helm as `[SEVERITY] path: text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub severity: Severity,
    pub path: String,
    pub text: String,
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {}", self.severity.as_str(), self.path, self.text)
    }
}

/// What a path of the chart directory is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Missing,
    Directory,
    File(Vec<u8>),
}

/// The chart as it sits on disk.
#[derive(Clone, Debug)]
pub struct LintInput {
    /// The chart directory as Helm names it in dependency findings (an absolute path).
    pub chart_dir: String,
    pub chart_yaml: Entry,
    pub values_yaml: Entry,
    pub values_schema: Option<Vec<u8>>,
    pub templates: Entry,
    pub crds: Entry,
    /// The chart loaded from the directory, or the loader's error.
    pub chart: Result<Chart, String>,
}

/// `helm lint` flags that reach the rules.
#[derive(Clone, Debug)]
pub struct LintOptions {
    pub namespace: String,
    /// `--kube-version`; `None` lints for Helm's default (1.35).
    pub kube_version: Option<String>,
    pub user_values: UserValues,
    /// `--set-file` lines with their files' contents, as [`RenderRequest::set_file`].
    pub set_file: Vec<(String, String)>,
    pub skip_schema_validation: bool,
    /// Bounds on the lint render (the chart itself is loaded by the caller).
    pub limits: crate::api::RenderLimits,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            namespace: "default".into(),
            kube_version: None,
            user_values: UserValues::default(),
            set_file: Vec::new(),
            skip_schema_validation: false,
            limits: crate::api::RenderLimits::default(),
        }
    }
}

/// The Kubernetes version Helm v4.1.4 lints against when none is given.
const DEFAULT_KUBE_VERSION: (u32, u32) = (1, 35);

struct Linter {
    messages: Vec<Message>,
}

impl Linter {
    /// Helm's `RunLinterRule`: records a failure, says whether the rule passed.
    fn rule(&mut self, severity: Severity, path: &str, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => true,
            Err(text) => {
                self.messages.push(Message { severity, path: path.to_string(), text });
                false
            }
        }
    }
}

/// Runs every rule, in Helm's order.
pub fn lint(input: &LintInput, options: &LintOptions) -> Vec<Message> {
    let mut linter = Linter { messages: Vec::new() };
    let overrides = options.user_values.merge().unwrap_or_default();
    chartfile_rules(&mut linter, input);
    values_rules(&mut linter, input, &overrides, options.skip_schema_validation);
    template_rules(&mut linter, input, options);
    dependency_rules(&mut linter, input);
    crd_rules(&mut linter, input);
    linter.messages
}

// ---------------------------------------------------------------- Chart.yaml

const METADATA_FIELDS: &[&str] = &[
    "name", "home", "sources", "version", "description", "keywords", "maintainers", "icon", "apiVersion",
    "condition", "tags", "appVersion", "deprecated", "annotations", "kubeVersion", "dependencies", "type",
];

fn chartfile_rules(linter: &mut Linter, input: &LintInput) {
    const PATH: &str = "Chart.yaml";
    let is_dir = input.chart_yaml == Entry::Directory;
    linter.rule(Severity::Error, PATH, if is_dir { Err("should be a file, not a directory".into()) } else { Ok(()) });
    let bytes = match &input.chart_yaml {
        Entry::File(b) => b.clone(),
        Entry::Missing => {
            linter.rule(Severity::Error, PATH, Err("unable to parse YAML\n\topen Chart.yaml: no such file or directory".into()));
            return;
        }
        Entry::Directory => {
            linter.rule(Severity::Error, PATH, Err("unable to parse YAML\n\tread Chart.yaml: is a directory".into()));
            return;
        }
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut md = Metadata::default();
    let parsed = crate::yaml::parse_chart_document(&text)
        .and_then(|doc| crate::chartfile::decode_metadata_into(&mut md, &doc).map(|_| doc));
    let doc = match parsed {
        Ok(doc) => doc,
        Err(e) => {
            linter.rule(Severity::Error, PATH, Err(format!("unable to parse YAML\n\t{e}")));
            return;
        }
    };
    linter.rule(Severity::Warning, PATH, strict_chartfile(&text, &doc).map_err(|e| format!("failed to strictly parse chart metadata file\n\t{e}")));
    // The type checks read the file without string coercion.
    let untyped = crate::yaml::parse_document(&text).unwrap_or(Value::Nil);
    linter.rule(Severity::Error, PATH, validate_name(&md));
    linter.rule(Severity::Error, PATH, validate_api_version(&md));
    linter.rule(Severity::Error, PATH, is_string_value(&untyped, "version"));
    linter.rule(Severity::Error, PATH, validate_version(&md));
    linter.rule(Severity::Error, PATH, is_string_value(&untyped, "appVersion"));
    linter.rule(Severity::Error, PATH, validate_maintainers(&md));
    linter.rule(Severity::Error, PATH, validate_sources(&md));
    linter.rule(Severity::Info, PATH, if md.icon.is_empty() { Err("icon is recommended".into()) } else { Ok(()) });
    linter.rule(
        Severity::Error,
        PATH,
        if !md.icon.is_empty() && !is_request_url(&md.icon) { Err(format!("invalid icon URL '{}'", md.icon)) } else { Ok(()) },
    );
    linter.rule(Severity::Error, PATH, validate_type(&md));
    linter.rule(Severity::Error, PATH, validate_dependencies_api(&md));
    linter.rule(
        Severity::Warning,
        PATH,
        match crate::semver::Version::parse_strict(&md.version) {
            Ok(_) => Ok(()),
            Err(_) => Err(format!("version '{}' is not a valid SemVerV2", md.version)),
        },
    );
}

/// Helm's strict load: duplicate keys and unknown fields are errors.
fn strict_chartfile(text: &str, doc: &Value) -> Result<(), String> {
    if let Some((line, key)) = duplicate_top_level_key(text) {
        return Err(format!(
            "error converting YAML to JSON: yaml: unmarshal errors:\n  line {line}: key {} already set in map",
            crate::goquote::quote(&key)
        ));
    }
    if let Value::Map(m) = doc {
        for (k, _) in m.entries() {
            if !METADATA_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(&k)) {
                return Err(format!(
                    "error unmarshaling JSON: while decoding JSON: json: unknown field {}",
                    crate::goquote::quote(&k)
                ));
            }
        }
    }
    Ok(())
}

/// The first top-level key that repeats (block mappings at column 0; other layouts are
/// not checked).
fn duplicate_top_level_key(text: &str) -> Option<(usize, String)> {
    let mut seen: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) || line.trim().is_empty() {
            continue;
        }
        let Some((key, _)) = line.split_once(':') else { continue };
        let key = key.trim().trim_matches(['"', '\'']).to_string();
        if seen.contains(&key) {
            return Some((i + 1, key));
        }
        seen.push(key);
    }
    None
}

/// Go's `%T` for a value decoded from YAML into `interface{}`.
fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::Bool(_) => "bool",
        Value::String(_) => "string",
        Value::Int(_) | Value::Int64(_) | Value::Float(_) => "float64",
        Value::List(_) => "[]interface {}",
        Value::Map(_) | Value::Object(_) => "map[string]interface {}",
    }
}

fn is_string_value(doc: &Value, key: &str) -> Result<(), String> {
    let Value::Map(m) = doc else { return Ok(()) };
    match m.get(key) {
        None => Ok(()),
        Some(Value::String(_)) => Ok(()),
        Some(v) => Err(format!("{key} should be of type string but it's of type {}", go_type_name(&v))),
    }
}

fn validate_name(md: &Metadata) -> Result<(), String> {
    if md.name.is_empty() {
        return Err("name is required".into());
    }
    if crate::gopath::base(&md.name) != md.name {
        return Err(format!("chart name {} is invalid", crate::goquote::quote(&md.name)));
    }
    Ok(())
}

fn validate_api_version(md: &Metadata) -> Result<(), String> {
    if md.api_version.is_empty() {
        return Err("apiVersion is required. The value must be either \"v1\" or \"v2\"".into());
    }
    if md.api_version != "v1" && md.api_version != "v2" {
        return Err(format!("apiVersion '{}' is not valid. The value must be either \"v1\" or \"v2\"", md.api_version));
    }
    Ok(())
}

fn validate_version(md: &Metadata) -> Result<(), String> {
    if md.version.is_empty() {
        return Err("version is required".into());
    }
    let Ok(v) = crate::semver::Version::parse(&md.version) else {
        return Err(format!("version '{}' is not a valid SemVer", md.version));
    };
    let floor = crate::semver::Version::parse("0.0.0-0").unwrap_or(v.clone());
    if v.compare(&floor) != std::cmp::Ordering::Greater {
        return Err(format!("version {} is less than or equal to 0.0.0-0", md.version));
    }
    Ok(())
}

fn validate_maintainers(md: &Metadata) -> Result<(), String> {
    for m in &md.maintainers {
        let Some(m) = m else { return Err("a maintainer entry is empty".into()) };
        if m.name.is_empty() {
            return Err("each maintainer requires a name".into());
        } else if !m.email.is_empty() && !is_email(&m.email) {
            return Err(format!("invalid email '{}' for maintainer '{}'", m.email, m.name));
        } else if !m.url.is_empty() && !is_url(&m.url) {
            return Err(format!("invalid url '{}' for maintainer '{}'", m.url, m.name));
        }
    }
    Ok(())
}

fn validate_sources(md: &Metadata) -> Result<(), String> {
    for s in &md.sources {
        if s.is_empty() || !is_request_url(s) {
            return Err(format!("invalid source URL '{s}'"));
        }
    }
    Ok(())
}

fn validate_type(md: &Metadata) -> Result<(), String> {
    if !md.chart_type.is_empty() && md.api_version != "v2" {
        return Err(format!("chart type is not valid in apiVersion '{}'. It is valid in apiVersion 'v2'", md.api_version));
    }
    Ok(())
}

fn validate_dependencies_api(md: &Metadata) -> Result<(), String> {
    if !md.dependencies.is_empty() && md.api_version != "v2" {
        return Err(format!(
            "dependencies are not valid in the Chart file with apiVersion '{}'. They are valid in apiVersion 'v2'",
            md.api_version
        ));
    }
    Ok(())
}

/// govalidator's `IsRequestURL`: an absolute URI with a scheme (Go's `ParseRequestURI`).
fn is_request_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok && !rest.is_empty() && !s.chars().any(|c| c.is_control() || c == ' ')
}

/// govalidator's `IsURL`, in its main lines: no whitespace, a host of letters, digits,
/// dots and dashes (optionally a port), an optional http(s)/ftp-like scheme.
fn is_url(s: &str) -> bool {
    if s.is_empty() || s.len() >= 2083 || s.len() <= 3 || s.starts_with('.') || s.chars().any(char::is_whitespace) {
        return false;
    }
    let rest = match s.split_once("://") {
        Some((scheme, rest)) => {
            if !scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) || scheme.is_empty() {
                return false;
            }
            rest
        }
        None => s,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_port.split(':').next().unwrap_or("");
    !host.is_empty()
        && !host.starts_with('.')
        && host.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// govalidator's `IsEmail` in its main lines: `local@domain.tld` without spaces.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    !local.is_empty()
        && !local.contains(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '-'))
}

// ---------------------------------------------------------------- values.yaml

fn values_rules(linter: &mut Linter, input: &LintInput, overrides: &MapRef, skip_schema: bool) {
    const PATH: &str = "values.yaml";
    let text = match &input.values_yaml {
        Entry::File(b) => String::from_utf8_lossy(b).into_owned(),
        _ => {
            linter.rule(Severity::Info, PATH, Err("file does not exist".into()));
            return;
        }
    };
    let result = (|| -> Result<(), String> {
        let values = crate::values::load_values(&text).map_err(|e| {
            format!("unable to parse YAML: {}", e.strip_prefix("cannot unmarshal yaml document: ").unwrap_or(&e))
        })?;
        let Some(schema) = input.values_schema.as_ref().filter(|s| !s.is_empty()) else { return Ok(()) };
        if skip_schema {
            return Ok(());
        }
        // Helm coalesces the overrides over values.yaml, top level only.
        let mut warnings = crate::values::Warnings::default();
        let merged = crate::values::coalesce_tables(&crate::govalues::deep_copy_table(overrides), &values, &mut warnings);
        match crate::schema::validate(&Value::Map(merged), schema) {
            Ok(()) => Ok(()),
            Err(crate::schema::SchemaError::Invalid(lines)) => Err(format!("{}\n", lines.join("\n"))),
            Err(crate::schema::SchemaError::BadSchema(m)) => Err(m),
        }
    })();
    linter.rule(Severity::Error, PATH, result);
}

// ---------------------------------------------------------------- templates

fn template_rules(linter: &mut Linter, input: &LintInput, options: &LintOptions) {
    const PATH: &str = "templates/";
    match &input.templates {
        Entry::Missing => {
            linter.rule(Severity::Warning, PATH, Err("directory does not exist".into()));
            return;
        }
        Entry::File(_) => {
            linter.rule(Severity::Error, PATH, Err("not a directory".into()));
            return;
        }
        Entry::Directory => {}
    }
    let chart = match &input.chart {
        Ok(c) => c,
        Err(e) => {
            linter.rule(Severity::Error, PATH, Err(e.clone()));
            return;
        }
    };
    if let Some(kv) = &options.kube_version {
        if crate::toplevel::KubeVersion::parse(kv).is_err() {
            return;
        }
    }
    let req = RenderRequest {
        chart: ChartSource::Loaded(Box::new(chart.clone())),
        release_name: "test-release".into(),
        namespace: options.namespace.clone(),
        kube_version: options.kube_version.clone(),
        values_files: options.user_values.files.clone(),
        set_json: options.user_values.set_json.clone(),
        set: options.user_values.set.clone(),
        set_string: options.user_values.set_string.clone(),
        set_file: options.set_file.clone(),
        set_literal: options.user_values.set_literal.clone(),
        skip_schema_validation: options.skip_schema_validation,
        // Helm's linter renders in lint mode: a failing `required` is not an error.
        lint_mode: true,
        limits: options.limits,
        ..RenderRequest::default()
    };
    let rendered = match crate::api::render(&req) {
        Ok(r) => r,
        Err(failure) => {
            // A rendered file that is not YAML: Helm's lint names the template and the
            // parser's error; `helm template` words it as "YAML parse error on FILE: ...".
            let prefix = "YAML parse error on ";
            if let (Some(rest), Some(file)) = (failure.message.strip_prefix(prefix), failure.file.as_ref()) {
                let local = file.strip_prefix(&format!("{}/", chart.name())).unwrap_or(file);
                let detail = rest.split_once(": ").map_or(rest, |(_, d)| d);
                linter.rule(Severity::Error, local, Err(format!("unable to parse YAML: {detail}")));
            } else {
                linter.rule(Severity::Error, PATH, Err(failure.message));
            }
            return;
        }
    };
    let kube = options
        .kube_version
        .as_deref()
        .and_then(|k| crate::toplevel::KubeVersion::parse(k).ok())
        .and_then(|k| Some((k.major.parse().ok()?, k.minor.parse().ok()?)))
        .unwrap_or(DEFAULT_KUBE_VERSION);
    for template in &chart.templates {
        let name = template.name.as_str();
        linter.rule(Severity::Error, name, validate_allowed_extension(name));
        let ext = crate::gopath::ext(name).to_ascii_lowercase();
        if ext != ".yaml" && ext != ".yml" {
            continue;
        }
        let full = format!("{}/{name}", chart.name());
        let Some((_, content, _)) = rendered.files.iter().find(|(n, _, _)| *n == full) else { continue };
        if content.trim().is_empty() {
            continue;
        }
        linter.rule(Severity::Warning, name, validate_top_indent(content));
        let documents = crate::values::split_yaml_documents(content).unwrap_or_default();
        for doc in documents {
            let object = match decode_object(&doc) {
                Ok(o) => o,
                Err(e) => {
                    linter.rule(Severity::Error, name, Err(format!("unable to parse YAML: {e}")));
                    return;
                }
            };
            let Some(object) = object else { continue };
            linter.rule(Severity::Warning, name, validate_metadata_name(&object));
            linter.rule(Severity::Warning, name, deprecation(&object, kube));
            linter.rule(Severity::Error, name, validate_match_selector(&object, content));
            linter.rule(Severity::Error, name, validate_list_annotations(&object, content));
        }
    }
}

fn validate_allowed_extension(name: &str) -> Result<(), String> {
    let ext = crate::gopath::ext(name);
    if [".yaml", ".yml", ".tpl", ".txt"].contains(&ext) {
        Ok(())
    } else {
        Err(format!("file extension '{ext}' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt"))
    }
}

fn validate_top_indent(content: &str) -> Result<(), String> {
    for line in content.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            return Err(format!(
                "document starts with an illegal indent: {}, which may cause parsing problems",
                crate::goquote::quote(line)
            ));
        }
        return Ok(());
    }
    Ok(())
}

/// The fields of a Kubernetes object the rules look at (Helm's `k8sYamlStruct`).
struct ObjectHead {
    api_version: String,
    kind: String,
    name: String,
}

fn field_ci(m: &MapRef, name: &str) -> Option<Value> {
    m.get(name).or_else(|| m.entries().into_iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

fn string_of(m: &MapRef, key: &str, go_field: &str) -> Result<String, String> {
    match field_ci(m, key) {
        None | Some(Value::Nil) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(v) => Err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {go_field} of type string",
            crate::yaml::json_type_name(&v)
        )),
    }
}

/// One document decoded as Helm's linter decodes it: `None` for an empty document.
fn decode_object(doc: &str) -> Result<Option<ObjectHead>, String> {
    let value = crate::yaml::parse_document(doc)?;
    let m = match value {
        Value::Nil => return Ok(None),
        Value::Map(m) => m,
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type rules.k8sYamlStruct",
                crate::yaml::json_type_name(&other)
            ))
        }
    };
    let api_version = string_of(&m, "apiVersion", "k8sYamlStruct.apiVersion")?;
    let kind = string_of(&m, "kind", "k8sYamlStruct.Kind")?;
    let name = match field_ci(&m, "metadata") {
        None | Some(Value::Nil) => String::new(),
        Some(Value::Map(md)) => {
            string_of(&md, "namespace", "k8sYamlStruct.Metadata.Namespace")?;
            string_of(&md, "name", "k8sYamlStruct.Metadata.Name")?
        }
        Some(v) => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field k8sYamlStruct.Metadata of type rules.k8sYamlMetadata",
                crate::yaml::json_type_name(&v)
            ))
        }
    };
    Ok(Some(ObjectHead { api_version, kind, name }))
}

const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

fn is_label(s: &str, first_alpha: bool) -> bool {
    let b = s.as_bytes();
    let inner = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    let edge = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) => {
            (if first_alpha { f.is_ascii_lowercase() } else { edge(f) }) && edge(l) && b.iter().all(inner)
        }
        _ => false,
    }
}

fn dns1123_subdomain(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 253 {
        errs.push("must be no more than 253 characters".to_string());
    }
    if !name.split('.').all(|l| is_label(l, false)) {
        errs.push(DNS1123_SUBDOMAIN_MSG.to_string());
    }
    errs
}

fn label_errors(name: &str, first_alpha: bool, msg: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 63 {
        errs.push("must be no more than 63 characters".to_string());
    }
    if !is_label(name, first_alpha) {
        errs.push(msg.to_string());
    }
    errs
}

fn path_segment_name(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    ["/", "%"].iter().filter(|s| name.contains(**s)).map(|s| format!("may not contain '{s}'")).collect()
}

fn validate_metadata_name(obj: &ObjectHead) -> Result<(), String> {
    let name = obj.name.as_str();
    let errs = match obj.kind.to_ascii_lowercase().as_str() {
        "service" => label_errors(name, true, DNS1035_LABEL_MSG),
        "namespace" => label_errors(name, false, DNS1123_LABEL_MSG),
        "certificatesigningrequest" => Vec::new(),
        "role" | "clusterrole" | "rolebinding" | "clusterrolebinding" => path_segment_name(name),
        _ => dns1123_subdomain(name),
    };
    if errs.is_empty() {
        return Ok(());
    }
    let quoted = crate::goquote::quote(name);
    let items: Vec<String> = errs.iter().map(|e| format!("metadata.name: Invalid value: {quoted}: {e}")).collect();
    let aggregate = if items.len() == 1 { items[0].clone() } else { format!("[{}]", items.join(", ")) };
    Err(format!("object name does not conform to Kubernetes naming requirements: {quoted}: {aggregate}"))
}

fn validate_match_selector(obj: &ObjectHead, content: &str) -> Result<(), String> {
    if matches!(obj.kind.as_str(), "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet")
        && !content.contains("matchLabels")
        && !content.contains("matchExpressions")
    {
        return Err(format!(
            "a {} must contain matchLabels or matchExpressions, and {} does not",
            obj.kind,
            crate::goquote::quote(&obj.name)
        ));
    }
    Ok(())
}

/// Helm reads the whole file as one YAML document here, so only the first document's
/// items are checked.
fn validate_list_annotations(obj: &ObjectHead, content: &str) -> Result<(), String> {
    if obj.kind != "List" {
        return Ok(());
    }
    let Ok(Value::Map(m)) = crate::yaml::parse_document(content) else { return Ok(()) };
    let Some(Value::List(items)) = field_ci(&m, "items") else { return Ok(()) };
    for item in &items.items {
        let Value::Map(item) = item else { continue };
        let Some(Value::Map(md)) = field_ci(item, "metadata") else { continue };
        let Some(Value::Map(ann)) = field_ci(&md, "annotations") else { continue };
        if ann.get("helm.sh/resource-policy").is_some() {
            return Err("annotation 'helm.sh/resource-policy' within List objects are ignored".into());
        }
    }
    Ok(())
}

/// A Kubernetes API that the client libraries Helm v4.1.4 is built with mark deprecated:
/// (apiVersion, kind, deprecated in 1.x, unavailable in 1.x, replacement).
type Deprecated = (&'static str, &'static str, u32, u32, Option<&'static str>);

/// Taken from Helm v4.1.4's own lint output; kinds the Kubernetes client no longer knows
/// (e.g. policy/v1beta1 PodSecurityPolicy) are not reported by Helm and are absent here.
const DEPRECATED_APIS: &[Deprecated] = &[
    ("extensions/v1beta1", "Deployment", 8, 16, Some("apps/v1 Deployment")),
    ("extensions/v1beta1", "DaemonSet", 8, 16, Some("apps/v1 DaemonSet")),
    ("extensions/v1beta1", "ReplicaSet", 8, 16, Some("apps/v1 ReplicaSet")),
    ("extensions/v1beta1", "Ingress", 14, 22, Some("networking.k8s.io/v1 Ingress")),
    ("extensions/v1beta1", "NetworkPolicy", 9, 16, Some("networking.k8s.io/v1 NetworkPolicy")),
    ("apps/v1beta1", "Deployment", 8, 16, Some("apps/v1 Deployment")),
    ("apps/v1beta1", "StatefulSet", 8, 16, Some("apps/v1 StatefulSet")),
    ("apps/v1beta1", "ControllerRevision", 8, 16, Some("apps/v1 ControllerRevision")),
    ("apps/v1beta2", "Deployment", 9, 16, Some("apps/v1 Deployment")),
    ("apps/v1beta2", "StatefulSet", 9, 16, Some("apps/v1 StatefulSet")),
    ("apps/v1beta2", "DaemonSet", 9, 16, Some("apps/v1 DaemonSet")),
    ("apps/v1beta2", "ReplicaSet", 9, 16, Some("apps/v1 ReplicaSet")),
    ("apps/v1beta2", "ControllerRevision", 9, 16, Some("apps/v1 ControllerRevision")),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", 22, 25, Some("autoscaling/v2 HorizontalPodAutoscaler")),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", 23, 26, Some("autoscaling/v2 HorizontalPodAutoscaler")),
    ("batch/v1beta1", "CronJob", 21, 25, Some("batch/v1 CronJob")),
    ("policy/v1beta1", "PodDisruptionBudget", 21, 25, Some("policy/v1 PodDisruptionBudget")),
    ("policy/v1beta1", "Eviction", 22, 25, None),
    ("networking.k8s.io/v1beta1", "Ingress", 19, 22, Some("networking.k8s.io/v1 Ingress")),
    ("networking.k8s.io/v1beta1", "IngressClass", 19, 22, Some("networking.k8s.io/v1 IngressClassList")),
    ("networking.k8s.io/v1beta1", "IPAddress", 34, 37, None),
    ("networking.k8s.io/v1beta1", "ServiceCIDR", 34, 37, None),
    ("rbac.authorization.k8s.io/v1beta1", "Role", 17, 22, Some("rbac.authorization.k8s.io/v1 Role")),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", 17, 22, Some("rbac.authorization.k8s.io/v1 ClusterRole")),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", 17, 22, Some("rbac.authorization.k8s.io/v1 RoleBinding")),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", 17, 22, Some("rbac.authorization.k8s.io/v1 ClusterRoleBinding")),
    ("storage.k8s.io/v1beta1", "StorageClass", 19, 22, Some("storage.k8s.io/v1 StorageClass")),
    ("storage.k8s.io/v1beta1", "VolumeAttachment", 19, 22, Some("storage.k8s.io/v1 VolumeAttachment")),
    ("storage.k8s.io/v1beta1", "CSIDriver", 19, 22, Some("storage.k8s.io/v1 CSIDriver")),
    ("storage.k8s.io/v1beta1", "CSINode", 17, 22, Some("storage.k8s.io/v1 CSINode")),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", 24, 27, Some("storage.k8s.io/v1 CSIStorageCapacity")),
    ("storage.k8s.io/v1beta1", "VolumeAttributesClass", 34, 37, Some("storage.k8s.io/v1 VolumeAttributesClass")),
    ("storage.k8s.io/v1alpha1", "VolumeAttachment", 21, 24, Some("storage.k8s.io/v1 VolumeAttachment")),
    ("storage.k8s.io/v1alpha1", "CSIStorageCapacity", 21, 24, Some("storage.k8s.io/v1beta1 CSIStorageCapacity")),
    ("storage.k8s.io/v1alpha1", "VolumeAttributesClass", 32, 35, Some("storage.k8s.io/v1 VolumeAttributesClass")),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", 14, 22, Some("scheduling.k8s.io/v1 PriorityClass")),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", 16, 22, Some("admissionregistration.k8s.io/v1 MutatingWebhookConfiguration")),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", 16, 22, Some("admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration")),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy", 31, 34, None),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicyBinding", 31, 34, None),
    ("admissionregistration.k8s.io/v1beta1", "MutatingAdmissionPolicy", 37, 40, None),
    ("admissionregistration.k8s.io/v1beta1", "MutatingAdmissionPolicyBinding", 37, 40, None),
    ("admissionregistration.k8s.io/v1alpha1", "ValidatingAdmissionPolicy", 29, 32, None),
    ("admissionregistration.k8s.io/v1alpha1", "ValidatingAdmissionPolicyBinding", 29, 32, None),
    ("admissionregistration.k8s.io/v1alpha1", "MutatingAdmissionPolicy", 35, 38, None),
    ("admissionregistration.k8s.io/v1alpha1", "MutatingAdmissionPolicyBinding", 35, 38, None),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest", 19, 22, Some("certificates.k8s.io/v1 CertificateSigningRequest")),
    ("certificates.k8s.io/v1beta1", "ClusterTrustBundle", 36, 39, None),
    ("certificates.k8s.io/v1beta1", "PodCertificateRequest", 38, 41, None),
    ("certificates.k8s.io/v1alpha1", "ClusterTrustBundle", 34, 37, None),
    ("coordination.k8s.io/v1beta1", "Lease", 19, 22, Some("coordination.k8s.io/v1 Lease")),
    ("coordination.k8s.io/v1beta1", "LeaseCandidate", 36, 39, None),
    ("coordination.k8s.io/v1alpha2", "LeaseCandidate", 35, 38, None),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", 21, 25, Some("discovery.k8s.io/v1 EndpointSlice")),
    ("events.k8s.io/v1beta1", "Event", 22, 25, None),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", 23, 26, Some("flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema")),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", 23, 26, Some("flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration")),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", 26, 29, Some("flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema")),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration", 26, 29, Some("flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration")),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", 29, 32, Some("flowcontrol.apiserver.k8s.io/v1 FlowSchema")),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", 29, 32, Some("flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration")),
    ("node.k8s.io/v1beta1", "RuntimeClass", 22, 25, None),
    ("authentication.k8s.io/v1beta1", "TokenReview", 19, 22, Some("authentication.k8s.io/v1 TokenReview")),
    ("authentication.k8s.io/v1beta1", "SelfSubjectReview", 30, 33, None),
    ("authentication.k8s.io/v1alpha1", "SelfSubjectReview", 29, 32, None),
    ("authorization.k8s.io/v1beta1", "SubjectAccessReview", 19, 22, Some("authorization.k8s.io/v1 SubjectAccessReview")),
    ("authorization.k8s.io/v1beta1", "SelfSubjectAccessReview", 19, 22, Some("authorization.k8s.io/v1 SelfSubjectAccessReview")),
    ("authorization.k8s.io/v1beta1", "LocalSubjectAccessReview", 19, 22, Some("authorization.k8s.io/v1 LocalSubjectAccessReview")),
    ("authorization.k8s.io/v1beta1", "SelfSubjectRulesReview", 19, 22, Some("authorization.k8s.io/v1 SelfSubjectRulesReview")),
    ("resource.k8s.io/v1alpha3", "DeviceTaintRule", 36, 39, None),
    ("resource.k8s.io/v1beta1", "DeviceClass", 35, 38, None),
    ("resource.k8s.io/v1beta1", "ResourceClaim", 35, 38, None),
    ("resource.k8s.io/v1beta1", "ResourceClaimTemplate", 35, 38, None),
    ("resource.k8s.io/v1beta1", "ResourceSlice", 35, 38, None),
    ("resource.k8s.io/v1beta2", "DeviceClass", 36, 39, None),
    ("resource.k8s.io/v1beta2", "ResourceClaim", 36, 39, None),
    ("resource.k8s.io/v1beta2", "ResourceClaimTemplate", 36, 39, None),
    ("resource.k8s.io/v1beta2", "ResourceSlice", 36, 39, None),
    ("storagemigration.k8s.io/v1beta1", "StorageVersionMigration", 38, 41, None),
];

/// Kubernetes' `deprecation.IsDeprecated` and `WarningMessage` for a 1.x cluster.
fn deprecation(obj: &ObjectHead, (major, minor): (u32, u32)) -> Result<(), String> {
    if obj.api_version.is_empty() || obj.kind.is_empty() {
        return Ok(());
    }
    let Some(&(api, kind, deprecated, removed, replacement)) =
        DEPRECATED_APIS.iter().find(|(api, kind, ..)| *api == obj.api_version && *kind == obj.kind)
    else {
        return Ok(());
    };
    if major < 1 || (major == 1 && minor < deprecated) {
        return Ok(());
    }
    let mut msg = format!("{api} {kind} is deprecated in v1.{deprecated}+, unavailable in v1.{removed}+");
    if let Some(r) = replacement {
        msg.push_str(&format!("; use {r}"));
    }
    Err(msg)
}

// ---------------------------------------------------------------- dependencies, CRDs

fn dependency_rules(linter: &mut Linter, input: &LintInput) {
    let chart = match &input.chart {
        Ok(c) => c,
        Err(e) => {
            linter.rule(Severity::Error, "", Err(format!("unable to load chart\n\t{e}")));
            return;
        }
    };
    let dir = input.chart_dir.as_str();
    let declared: Vec<&str> = chart.metadata.deps().map(|d| d.name.as_str()).collect();
    let present: Vec<&str> = chart.dependencies.iter().map(|c| c.name()).collect();
    let not_declared: Vec<&str> = present.iter().copied().filter(|p| !declared.contains(p)).collect();
    if !not_declared.is_empty() {
        linter.rule(Severity::Error, dir, Err(format!("chart metadata is missing these dependencies: {}", not_declared.join(","))));
    }
    let mut keys: Vec<&str> = Vec::new();
    let mut shadowing: Vec<&str> = Vec::new();
    for d in chart.metadata.deps() {
        let key = if d.alias.is_empty() { d.name.as_str() } else { d.alias.as_str() };
        if keys.contains(&key) {
            shadowing.push(key);
        }
        keys.push(key);
    }
    if !shadowing.is_empty() {
        linter.rule(Severity::Error, dir, Err(format!("multiple dependencies with name or alias: {}", shadowing.join(","))));
    }
    let missing: Vec<&str> = declared.iter().copied().filter(|d| !present.contains(d)).collect();
    if !missing.is_empty() {
        linter.rule(Severity::Warning, dir, Err(format!("chart directory is missing these dependencies: {}", missing.join(","))));
    }
}

fn crd_rules(linter: &mut Linter, input: &LintInput) {
    const PATH: &str = "crds/";
    match &input.crds {
        Entry::Missing => return,
        Entry::File(_) => {
            linter.rule(Severity::Error, PATH, Err("not a directory".into()));
            return;
        }
        Entry::Directory => {}
    }
    let chart = match &input.chart {
        Ok(c) => c,
        Err(e) => {
            linter.rule(Severity::Error, PATH, Err(e.clone()));
            return;
        }
    };
    for crd in chart.crd_objects() {
        let text = crd.file.text();
        for doc in crate::values::split_yaml_documents(&text).unwrap_or_default() {
            let object = match decode_object(&doc) {
                Ok(o) => o,
                Err(e) => {
                    linter.rule(Severity::Error, &crd.name, Err(format!("unable to parse YAML: {e}")));
                    return;
                }
            };
            let Some(object) = object else { continue };
            if !object.api_version.starts_with("apiextensions.k8s.io") {
                linter.rule(Severity::Error, &crd.name, Err("apiVersion is not in 'apiextensions.k8s.io'".into()));
            }
            if object.kind != "CustomResourceDefinition" {
                linter.rule(Severity::Error, &crd.name, Err("object kind is not 'CustomResourceDefinition'".into()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kubernetes_rules() {
        let head = |kind: &str, name: &str| ObjectHead { api_version: "v1".into(), kind: kind.into(), name: name.into() };
        assert!(validate_metadata_name(&head("ConfigMap", "a.b-c")).is_ok());
        assert!(validate_metadata_name(&head("Service", "a.b")).is_err());
        assert!(validate_metadata_name(&head("Role", "a:b")).is_ok());
        let e = validate_metadata_name(&head("Role", "a/b%")).unwrap_err();
        assert!(e.contains("[metadata.name: Invalid value: \"a/b%\": may not contain '/', "), "{e}");
    }

    #[test]
    fn deprecations_depend_on_the_kube_version() {
        let hpa = ObjectHead { api_version: "autoscaling/v2beta2".into(), kind: "HorizontalPodAutoscaler".into(), name: "x".into() };
        assert!(deprecation(&hpa, (1, 22)).is_ok());
        assert_eq!(
            deprecation(&hpa, (1, 26)).unwrap_err(),
            "autoscaling/v2beta2 HorizontalPodAutoscaler is deprecated in v1.23+, unavailable in v1.26+; use autoscaling/v2 HorizontalPodAutoscaler"
        );
    }

    #[test]
    fn urls_and_emails() {
        assert!(is_request_url("https://x.io/a.png"));
        assert!(!is_request_url("foo"));
        assert!(is_url("https://example.com/x"));
        assert!(!is_url("ht tp://x"));
        assert!(is_email("a@b.io"));
        assert!(!is_email("notanemail"));
    }
}
