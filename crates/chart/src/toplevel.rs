//! The data a chart's templates start from (Helm's `ToRenderValues`): `.Chart` (in Helm 4 a
//! map of `Chart.yaml`'s Go field names), `.Release`, `.Capabilities` and `.Values`.
//! `.Files`, `.Template` and `.Subcharts` are per chart and per template; see [`crate::files`].

use gotmpl::{Kind, MapRef, Object, Sig, Type, Value};

use crate::model::{Chart, Dependency, Metadata};
use crate::semver::{Constraints, Version};
use crate::{Error, ErrorKind, Result};

/// The Kubernetes version `helm template` assumes (Helm 4.1.4: client-go v0.35 gives 1.35).
pub const DEFAULT_KUBE_VERSION: &str = "v1.35.0";

/// The API versions Helm 4.1.4 reports without a cluster, in its order.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "autoscaling/v2beta1",
    "autoscaling/v2beta2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha1",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// Helm's build information (`.Capabilities.HelmVersion`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildInfo {
    pub version: String,
    pub git_commit: String,
    pub git_tree_state: String,
    pub go_version: String,
    pub kube_client_version: String,
}

impl Default for BuildInfo {
    fn default() -> Self {
        BuildInfo {
            version: "v4.1.4".into(),
            git_commit: "05fa37973dc9e42b76e1d2883494c87174b6074f".into(),
            git_tree_state: "clean".into(),
            go_version: "go1.25.9".into(),
            kube_client_version: "v1.35".into(),
        }
    }
}

/// `.Capabilities.KubeVersion` (Helm's `common.KubeVersion`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KubeVersion {
    /// As given, with a `v` prefix (e.g. `v1.33.4-gke.1245000`).
    pub version: String,
    /// For constraint checks (e.g. `v1.33.4`); what `String` returns.
    pub normalized: String,
    pub major: String,
    pub minor: String,
}

impl KubeVersion {
    /// Helm's `ParseKubeVersion` (Kubernetes' generic version parsing). The error is the
    /// part after the CLI's `invalid kube version '...': `.
    pub fn parse(text: &str) -> std::result::Result<KubeVersion, String> {
        let trimmed = text.trim_start();
        let body = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let numbers_len = {
            // `[0-9]+(\.[0-9]+)*`
            let b = body.as_bytes();
            let mut i = 0;
            let mut end = 0;
            loop {
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                if i == start {
                    break;
                }
                end = i;
                if i < b.len() && b[i] == b'.' {
                    i += 1;
                } else {
                    break;
                }
            }
            end
        };
        if numbers_len == 0 {
            return Err(format!("could not parse {} as version", crate::goquote::quote(text)));
        }
        let components: Vec<&str> = body[..numbers_len].split('.').collect();
        if components.len() < 2 {
            return Err(format!("illegal version string {}", crate::goquote::quote(text)));
        }
        let mut nums = Vec::new();
        for (i, comp) in components.iter().enumerate() {
            if i == 0 && comp.starts_with('0') && *comp != "0" {
                return Err(format!(
                    "illegal zero-prefixed version component {} in {}",
                    crate::goquote::quote(comp),
                    crate::goquote::quote(text)
                ));
            }
            let n: u64 = comp.parse().map_err(|_| {
                format!(
                    "illegal non-numeric version component {} in {}: strconv.ParseUint: parsing {}: value out of range",
                    crate::goquote::quote(comp),
                    crate::goquote::quote(text),
                    crate::goquote::quote(comp)
                )
            })?;
            nums.push(n.to_string());
        }
        let version = if text.starts_with('v') { text.to_string() } else { format!("v{text}") };
        Ok(KubeVersion {
            version,
            normalized: format!("v{}", nums.join(".")),
            major: nums[0].clone(),
            minor: nums[1].clone(),
        })
    }

    /// What `.Capabilities.KubeVersion.String` returns.
    pub fn string(&self) -> &str {
        if self.normalized.is_empty() {
            &self.version
        } else {
            &self.normalized
        }
    }
}

impl Default for KubeVersion {
    fn default() -> Self {
        KubeVersion {
            version: DEFAULT_KUBE_VERSION.into(),
            normalized: DEFAULT_KUBE_VERSION.into(),
            major: "1".into(),
            minor: "35".into(),
        }
    }
}

/// `.Capabilities`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    pub kube_version: KubeVersion,
    pub api_versions: Vec<String>,
    pub helm_version: BuildInfo,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            kube_version: KubeVersion::default(),
            api_versions: DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect(),
            helm_version: BuildInfo::default(),
        }
    }
}

impl Capabilities {
    /// `helm template`'s capabilities: the defaults, an optional `--kube-version`, and
    /// `--api-versions` appended to the built-in list.
    pub fn for_template(kube_version: Option<&str>, extra_api_versions: &[String]) -> Result<Capabilities> {
        let mut caps = Capabilities::default();
        if let Some(kv) = kube_version {
            caps.kube_version = KubeVersion::parse(kv).map_err(|e| {
                Error::new(ErrorKind::Values, format!("invalid kube version '{kv}': {e}"))
            })?;
        }
        caps.api_versions.extend(extra_api_versions.iter().cloned());
        Ok(caps)
    }
}

/// Helm's check of `Chart.yaml`'s `kubeVersion` against the target cluster version.
pub fn check_kube_version(chart: &Chart, caps: &Capabilities) -> Result<()> {
    let constraint = &chart.metadata.kube_version;
    if constraint.is_empty() {
        return Ok(());
    }
    let compatible = match (Constraints::parse(constraint), Version::parse(caps.kube_version.string())) {
        (Ok(c), Ok(v)) => c.check(&v),
        _ => false,
    };
    if compatible {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::NotInstallable,
            format!(
                "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {}",
                caps.kube_version.string()
            ),
        ))
    }
}

fn go_struct_v(fields: &[&str]) -> String {
    format!("{{{}}}", fields.join(" "))
}

impl Object for KubeVersion {
    fn type_name(&self) -> &str {
        "common.KubeVersion"
    }

    fn method(&self, name: &str) -> Option<Sig> {
        matches!(name, "String" | "GitVersion").then(|| Sig::new(&[]))
    }

    fn call_method(&self, name: &str, _args: &[Value]) -> std::result::Result<Value, String> {
        match name {
            "String" => Ok(Value::str(self.string())),
            "GitVersion" => Ok(Value::str(self.version.as_str())),
            _ => Err(format!("{name} is not a method of {}", self.type_name())),
        }
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::str(self.version.as_str())),
            "Major" => Some(Value::str(self.major.as_str())),
            "Minor" => Some(Value::str(self.minor.as_str())),
            _ => None,
        }
    }

    fn format_v(&self) -> String {
        go_struct_v(&[&self.version, &self.normalized, &self.major, &self.minor])
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// `.Capabilities.APIVersions` (Helm's `common.VersionSet`, a `[]string` with `Has`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSet(pub Vec<String>);

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        "common.VersionSet"
    }

    fn kind(&self) -> Kind {
        Kind::Slice
    }

    fn method(&self, name: &str) -> Option<Sig> {
        (name == "Has").then(|| Sig::new(&[Type::String]))
    }

    fn call_method(&self, name: &str, args: &[Value]) -> std::result::Result<Value, String> {
        match (name, args) {
            ("Has", [Value::String(s)]) => Ok(Value::Bool(self.0.iter().any(|v| v.as_str() == &**s))),
            _ => Err(format!("{name} is not a method of {}", self.type_name())),
        }
    }

    fn format_v(&self) -> String {
        format!("[{}]", self.0.join(" "))
    }

    fn truth(&self) -> bool {
        !self.0.is_empty()
    }

    fn underlying(&self) -> Option<Value> {
        Some(self.as_value())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl VersionSet {
    /// The versions as a plain `[]string` value (for `range`, `len`, `toJson`).
    pub fn as_value(&self) -> Value {
        Value::string_list(self.0.iter().map(String::as_str))
    }
}

impl Object for BuildInfo {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }

    fn field(&self, name: &str) -> Option<Value> {
        let v = match name {
            "Version" => &self.version,
            "GitCommit" => &self.git_commit,
            "GitTreeState" => &self.git_tree_state,
            "GoVersion" => &self.go_version,
            "KubeClientVersion" => &self.kube_client_version,
            _ => return None,
        };
        Some(Value::str(v.as_str()))
    }

    fn format_v(&self) -> String {
        go_struct_v(&[
            &self.version,
            &self.git_commit,
            &self.git_tree_state,
            &self.go_version,
            &self.kube_client_version,
        ])
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Object for Capabilities {
    fn type_name(&self) -> &str {
        "*common.Capabilities"
    }

    fn kind(&self) -> Kind {
        Kind::Ptr
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::object(self.kube_version.clone())),
            "APIVersions" => Some(Value::object(VersionSet(self.api_versions.clone()))),
            "HelmVersion" => Some(Value::object(self.helm_version.clone())),
            _ => None,
        }
    }

    fn format_v(&self) -> String {
        format!(
            "&{{{} [{}] {}}}",
            self.kube_version.format_v(),
            self.api_versions.join(" "),
            self.helm_version.format_v()
        )
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Release data (`.Release`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseOptions {
    pub name: String,
    pub namespace: String,
    pub revision: i64,
    pub is_upgrade: bool,
    pub is_install: bool,
}

impl ReleaseOptions {
    /// What `helm template NAME --namespace NS` uses.
    pub fn for_template(name: &str, namespace: &str) -> ReleaseOptions {
        ReleaseOptions {
            name: name.to_string(),
            namespace: namespace.to_string(),
            revision: 1,
            is_upgrade: false,
            is_install: true,
        }
    }

    /// `.Release`: a `map[string]interface{}`; `Revision` is a Go `int`.
    pub fn to_value(&self) -> Value {
        Value::map([
            ("Name", Value::str(self.name.as_str())),
            ("Namespace", Value::str(self.namespace.as_str())),
            ("IsUpgrade", Value::Bool(self.is_upgrade)),
            ("IsInstall", Value::Bool(self.is_install)),
            ("Revision", Value::Int(self.revision)),
            ("Service", Value::str("Helm")),
        ])
    }
}

fn string_items(items: &[String]) -> Value {
    Value::list(items.iter().map(|s| Value::str(s.as_str())).collect())
}

fn dependency_map(d: &Dependency) -> Value {
    Value::map([
        ("Name", Value::str(d.name.as_str())),
        ("Version", Value::str(d.version.as_str())),
        ("Repository", Value::str(d.repository.as_str())),
        ("Condition", Value::str(d.condition.as_str())),
        ("Tags", string_items(&d.tags)),
        ("Enabled", Value::Bool(d.enabled)),
        ("ImportValues", Value::list(d.import_values.clone())),
        ("Alias", Value::str(d.alias.as_str())),
    ])
}

/// `.Chart` in Helm 4: `Chart.yaml`'s fields under their Go names, lists as
/// `[]interface{}`, nested structs as maps, `Annotations` a `map[string]string` (nil when
/// absent), plus `IsRoot`.
pub fn metadata_as_map(md: &Metadata, is_root: bool) -> Value {
    let maintainers: Vec<Value> = md
        .maintainers
        .iter()
        .map(|m| match m {
            Some(m) => Value::map([
                ("Name", Value::str(m.name.as_str())),
                ("Email", Value::str(m.email.as_str())),
                ("URL", Value::str(m.url.as_str())),
            ]),
            None => Value::Nil,
        })
        .collect();
    let dependencies: Vec<Value> = md
        .dependencies
        .iter()
        .map(|d| d.as_ref().map_or(Value::Nil, dependency_map))
        .collect();
    let annotations = match &md.annotations {
        Some(pairs) => Value::typed_map(
            Type::String,
            pairs.iter().map(|(k, v)| (k.as_str(), Value::str(v.as_str()))),
        ),
        None => Value::Nil,
    };
    Value::map([
        ("Name", Value::str(md.name.as_str())),
        ("Home", Value::str(md.home.as_str())),
        ("Sources", string_items(&md.sources)),
        ("Version", Value::str(md.version.as_str())),
        ("Description", Value::str(md.description.as_str())),
        ("Keywords", string_items(&md.keywords)),
        ("Maintainers", Value::list(maintainers)),
        ("Icon", Value::str(md.icon.as_str())),
        ("APIVersion", Value::str(md.api_version.as_str())),
        ("Condition", Value::str(md.condition.as_str())),
        ("Tags", Value::str(md.tags.as_str())),
        ("AppVersion", Value::str(md.app_version.as_str())),
        ("Deprecated", Value::Bool(md.deprecated)),
        ("Annotations", annotations),
        ("KubeVersion", Value::str(md.kube_version.as_str())),
        ("Dependencies", Value::list(dependencies)),
        ("Type", Value::str(md.chart_type.as_str())),
        ("IsRoot", Value::Bool(is_root)),
    ])
}

/// Helm's `ToRenderValues` without schema validation: the top-level map with `Chart`,
/// `Capabilities`, `Release` and `Values` (already coalesced, see
/// [`crate::compute_values`]).
pub fn render_values(chart: &Chart, values: &MapRef, release: &ReleaseOptions, caps: &Capabilities) -> Value {
    Value::map([
        ("Chart", metadata_as_map(&chart.metadata, chart.is_root())),
        ("Capabilities", Value::object(caps.clone())),
        ("Release", release.to_value()),
        ("Values", Value::Map(values.clone())),
    ])
}
