//! The chart model: what Helm's `chart.Chart` (pkg/chart/v2) holds once a chart is loaded.

use std::sync::Arc;

use gotmpl::{MapRef, Value};

/// The chart API version Helm 2 charts use (dependencies in `requirements.yaml`).
pub const API_VERSION_V1: &str = "v1";
/// The current chart API version.
pub const API_VERSION_V2: &str = "v2";

/// A file of a chart: its path relative to the chart root (always with `/`) and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub name: String,
    /// Shared, because aliased subcharts are copies that keep the same files.
    pub data: Arc<[u8]>,
    /// The same allocation seen as text, when the bytes are UTF-8 (the rule): templates are
    /// parsed straight from it, with no copy of their megabytes of literal YAML.
    text: Option<Arc<str>>,
}

impl File {
    pub fn new(name: impl Into<String>, data: impl Into<Vec<u8>>) -> File {
        let name = name.into();
        match String::from_utf8(data.into()) {
            Ok(text) => {
                let text: Arc<str> = text.into();
                File { name, data: Arc::from(text.clone()), text: Some(text) }
            }
            Err(not_text) => File { name, data: not_text.into_bytes().into(), text: None },
        }
    }

    /// The same file under another name (a subchart's file seen from inside the subchart).
    pub fn renamed(self, name: impl Into<String>) -> File {
        File { name: name.into(), ..self }
    }

    /// The content as text (invalid UTF-8 replaced, as Go's `string(bytes)` would keep the
    /// bytes; templates and YAML are text in practice).
    pub fn text(&self) -> String {
        match &self.text {
            Some(text) => text.to_string(),
            None => String::from_utf8_lossy(&self.data).into_owned(),
        }
    }

    /// [`File::text`], shared with the file rather than copied.
    pub fn shared_text(&self) -> Arc<str> {
        match &self.text {
            Some(text) => text.clone(),
            None => String::from_utf8_lossy(&self.data).into(),
        }
    }
}

/// A maintainer entry of `Chart.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Maintainer {
    pub name: String,
    pub email: String,
    pub url: String,
}

/// A dependency entry of `Chart.yaml` (or `requirements.yaml`, or a lock file).
#[derive(Clone, Debug, Default)]
pub struct Dependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub condition: String,
    pub tags: Vec<String>,
    /// Whether the dependency is enabled; computed by dependency processing.
    pub enabled: bool,
    /// `import-values`: each item a string (`"child.path"` under `exports`) or a map with
    /// `child` and `parent`.
    pub import_values: Vec<Value>,
    pub alias: String,
}

/// `Chart.yaml` (Helm's `chart.Metadata`).
#[derive(Clone, Debug, Default)]
pub struct Metadata {
    pub name: String,
    pub home: String,
    pub sources: Vec<String>,
    pub version: String,
    pub description: String,
    pub keywords: Vec<String>,
    /// `None` entries are `null` list items, which validation rejects.
    pub maintainers: Vec<Option<Maintainer>>,
    pub icon: String,
    pub api_version: String,
    pub condition: String,
    pub tags: String,
    pub app_version: String,
    pub deprecated: bool,
    /// `None` when `Chart.yaml` has no `annotations` (Go's nil map, printed as `null`).
    pub annotations: Option<Vec<(String, String)>>,
    pub kube_version: String,
    /// `None` entries are `null` list items, which validation rejects.
    pub dependencies: Vec<Option<Dependency>>,
    /// Whether `dependencies` was present at all (Go's nil slice vs empty slice matters
    /// to dependency processing).
    pub has_dependencies: bool,
    pub chart_type: String,
}

impl Metadata {
    /// The dependencies that are present (non-null).
    pub fn deps(&self) -> impl Iterator<Item = &Dependency> {
        self.dependencies.iter().flatten()
    }

    /// Whether this is a library chart (Helm compares case-insensitively).
    pub fn is_library(&self) -> bool {
        self.chart_type.eq_ignore_ascii_case("library")
    }
}

/// `Chart.lock` / `requirements.lock`.
#[derive(Clone, Debug, Default)]
pub struct Lock {
    /// The `generated` timestamp as written.
    pub generated: String,
    pub digest: String,
    pub dependencies: Vec<Option<Dependency>>,
}

/// A CRD file of a chart or one of its subcharts (Helm's `chart.CRD`).
#[derive(Clone, Debug)]
pub struct Crd {
    /// The file's name inside its chart, e.g. `crds/foo.yaml`.
    pub name: String,
    /// The name including the chart's full path, e.g. `parent/charts/child/crds/foo.yaml`.
    pub filename: String,
    pub file: File,
}

/// A loaded chart and, recursively, its subcharts.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub metadata: Metadata,
    pub lock: Option<Lock>,
    /// Files under `templates/`, in load order.
    pub templates: Vec<File>,
    /// The default values (`values.yaml`, all documents merged); an empty map if absent.
    pub values: MapRef,
    /// `values.schema.json`, if present.
    pub schema: Option<Arc<[u8]>>,
    /// Every other file (README, LICENSE, `crds/`, `files/`, ...): what `.Files` sees.
    pub files: Vec<File>,
    /// Every file as loaded, including `Chart.yaml` and `values.yaml` (for `helm show`).
    pub raw: Vec<File>,
    /// Subcharts (from `charts/`), after loading; dependency processing prunes and
    /// renames them.
    pub dependencies: Vec<Chart>,
    /// Helm's `ChartFullPath` of the parent (`parent/charts/child`), `None` for the root.
    pub parent_path: Option<String>,
    /// Helm's `ChartPath` of the parent (`parent.child`), `None` for the root.
    pub parent_dot_path: Option<String>,
}

impl Chart {
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    pub fn is_root(&self) -> bool {
        self.parent_path.is_none()
    }

    /// Helm's `ChartFullPath`: `root/charts/sub/charts/subsub`.
    pub fn full_path(&self) -> String {
        match &self.parent_path {
            Some(parent) => format!("{parent}/charts/{}", self.name()),
            None => self.name().to_string(),
        }
    }

    /// Helm's `ChartPath`: `root.sub.subsub`.
    pub fn dot_path(&self) -> String {
        match &self.parent_dot_path {
            Some(parent) => format!("{parent}.{}", self.name()),
            None => self.name().to_string(),
        }
    }

    /// Replaces the subcharts and records this chart as their parent (recursively, since
    /// a rename changes every descendant's path).
    pub fn set_dependencies(&mut self, charts: Vec<Chart>) {
        self.dependencies = charts;
        self.fix_child_paths();
    }

    /// Recomputes the parent paths of every descendant from this chart's own path.
    pub fn fix_child_paths(&mut self) {
        let full = self.full_path();
        let dot = self.dot_path();
        for dep in &mut self.dependencies {
            dep.parent_path = Some(full.clone());
            dep.parent_dot_path = Some(dot.clone());
            dep.fix_child_paths();
        }
    }

    /// Helm's `CRDObjects`: the `crds/*.yaml|yml|json` files of this chart, then of each
    /// subchart, depth first.
    pub fn crd_objects(&self) -> Vec<Crd> {
        let mut out = Vec::new();
        self.collect_crds(&mut out);
        out
    }

    fn collect_crds(&self, out: &mut Vec<Crd>) {
        let full = self.full_path();
        for f in &self.files {
            if f.name.starts_with("crds/") && has_manifest_extension(&f.name) {
                out.push(Crd {
                    name: f.name.clone(),
                    filename: crate::gopath::clean(&format!("{full}/{}", f.name)),
                    file: f.clone(),
                });
            }
        }
        for dep in &self.dependencies {
            dep.collect_crds(out);
        }
    }

    /// The raw text of `values.yaml`, if the chart has one.
    pub fn values_text(&self) -> Option<String> {
        self.raw.iter().find(|f| f.name == "values.yaml").map(File::text)
    }

    /// Visits this chart and every subchart, depth first, parents before children.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Chart)) {
        visit(self);
        for dep in &self.dependencies {
            dep.walk(visit);
        }
    }
}

fn has_manifest_extension(name: &str) -> bool {
    let ext = crate::gopath::ext(name);
    ext.eq_ignore_ascii_case(".yaml") || ext.eq_ignore_ascii_case(".yml") || ext.eq_ignore_ascii_case(".json")
}
