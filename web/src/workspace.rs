//! The playground's state: a working copy of one chart, the environments it is rendered
//! for, and which file and environment are selected. Pure data (no browser calls), so it is
//! unit-tested natively and serialised as-is into localStorage.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The chart's default values file: always applied by the engine itself, so it is never
/// listed among an environment's `-f` files.
pub const DEFAULT_VALUES_FILE: &str = "values.yaml";

/// One file of the working copy. Charts are text in practice, but may hold binary files
/// (packaged subcharts under `charts/`, images read with `.Files`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "lowercase")]
pub enum FileContent {
    Text(String),
    /// Stored base64-encoded so localStorage (strings only) keeps it compact.
    Binary(#[serde(with = "base64_bytes")] Vec<u8>),
}

impl FileContent {
    /// Text when the bytes are UTF-8, binary otherwise.
    pub fn from_bytes(bytes: Vec<u8>) -> FileContent {
        match String::from_utf8(bytes) {
            Ok(text) => FileContent::Text(text),
            Err(e) => FileContent::Binary(e.into_bytes()),
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            FileContent::Text(text) => text.as_bytes(),
            FileContent::Binary(bytes) => bytes,
        }
    }
}

mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// How one environment renders the chart: the flags `helm template` would get.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub name: String,
    /// Working-copy paths of the `-f` files, in the order Helm applies them.
    pub values_files: Vec<String>,
    /// One `--set` argument per line; blank lines and lines starting with `#` are skipped.
    pub set_lines: String,
    pub release_name: String,
    pub namespace: String,
    /// `--kube-version`; empty for Helm's default.
    pub kube_version: String,
}

impl Environment {
    pub fn new(name: impl Into<String>) -> Environment {
        Environment {
            name: name.into(),
            values_files: Vec::new(),
            set_lines: String::new(),
            release_name: "release-name".into(),
            namespace: "default".into(),
            kube_version: String::new(),
        }
    }

    /// The `--set` arguments this environment passes.
    pub fn set_arguments(&self) -> Vec<String> {
        self.set_lines
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_string)
            .collect()
    }
}

/// Everything the playground keeps between reloads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    /// Chart-root-relative, `/`-separated path -> content. Sorted, which is also the order
    /// the file tree shows.
    pub files: BTreeMap<String, FileContent>,
    pub environments: Vec<Environment>,
    pub selected_file: String,
    pub selected_environment: usize,
}

impl Workspace {
    /// A workspace over the given chart files, with environments detected from its
    /// `values-<env>.yaml` files and the chart's main template (or `values.yaml`) selected.
    pub fn from_files(files: BTreeMap<String, FileContent>) -> Workspace {
        let environments = detect_environments(&files);
        let selected_file = default_selected_file(&files);
        Workspace { files, environments, selected_file, selected_environment: 0 }
    }

    pub fn from_pairs<P: Into<String>>(pairs: impl IntoIterator<Item = (P, Vec<u8>)>) -> Workspace {
        let files = pairs.into_iter().map(|(path, bytes)| (path.into(), FileContent::from_bytes(bytes))).collect();
        Workspace::from_files(files)
    }

    pub fn environment(&self) -> Option<&Environment> {
        self.environments.get(self.selected_environment)
    }

    pub fn environment_mut(&mut self) -> Option<&mut Environment> {
        self.environments.get_mut(self.selected_environment)
    }

    /// Values files an environment could add: YAML files at the chart root other than the
    /// chart default and the ones it already lists.
    pub fn candidate_values_files(&self, env: &Environment) -> Vec<String> {
        self.files
            .keys()
            .filter(|path| is_root_yaml(path) && path.as_str() != DEFAULT_VALUES_FILE && path.as_str() != "Chart.yaml")
            .filter(|path| !env.values_files.contains(path))
            .cloned()
            .collect()
    }

    /// Adds an empty file and selects it. The path is relative to the chart root; the
    /// error says why it cannot be used.
    pub fn create_file(&mut self, path: &str) -> Result<String, String> {
        let path = normalize_new_path(path)?;
        if self.files.contains_key(&path) {
            return Err(format!("{path} already exists"));
        }
        if self.files.keys().any(|existing| existing.starts_with(&format!("{path}/"))) {
            return Err(format!("{path} is a directory"));
        }
        self.files.insert(path.clone(), FileContent::Text(String::new()));
        self.selected_file = path.clone();
        Ok(path)
    }

    /// Removes a file, and its mentions as an environment's values file.
    pub fn delete_file(&mut self, path: &str) {
        if self.files.remove(path).is_some() {
            for env in &mut self.environments {
                env.values_files.retain(|listed| listed != path);
            }
            self.repair();
        }
    }

    /// Drops the selections that no longer point anywhere (after files were removed or a
    /// stored workspace was edited by hand), so the UI never indexes out of range.
    pub fn repair(&mut self) {
        if self.environments.is_empty() {
            self.environments.push(Environment::new("default"));
        }
        if self.selected_environment >= self.environments.len() {
            self.selected_environment = 0;
        }
        if !self.files.contains_key(&self.selected_file) {
            self.selected_file = default_selected_file(&self.files);
        }
    }
}

/// A user-typed path as a working-copy path: `/`-separated, relative, without `.`/`..`
/// or empty segments.
fn normalize_new_path(path: &str) -> Result<String, String> {
    let path = path.trim().replace('\\', "/");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    if segments.is_empty() {
        return Err("type a path such as templates/configmap.yaml".into());
    }
    if segments.contains(&"..") {
        return Err("paths cannot leave the chart (no ..)".into());
    }
    Ok(segments.join("/"))
}

fn is_root_yaml(path: &str) -> bool {
    !path.contains('/') && (path.ends_with(".yaml") || path.ends_with(".yml"))
}

/// The usual order of deployment stages; environments named otherwise come after, by name.
fn stage_rank(name: &str) -> usize {
    const STAGES: &[&str] = &["local", "dev", "development", "test", "qa", "uat", "stage", "staging", "preprod", "prod", "production"];
    STAGES.iter().position(|stage| *stage == name).unwrap_or(STAGES.len())
}

/// One environment per `values-<env>.yaml` (or `.yml`) at the chart root, in stage order
/// (dev before staging before prod); a single `default` environment when there are none.
pub fn detect_environments(files: &BTreeMap<String, FileContent>) -> Vec<Environment> {
    let mut found: Vec<(String, String)> = files
        .keys()
        .filter(|path| is_root_yaml(path))
        .filter_map(|path| {
            let stem = path.strip_suffix(".yaml").or_else(|| path.strip_suffix(".yml"))?;
            let env = stem.strip_prefix("values-").or_else(|| stem.strip_prefix("values."))?;
            (!env.is_empty()).then(|| (env.to_string(), path.clone()))
        })
        .collect();
    found.sort_by(|a, b| (stage_rank(&a.0), &a.0).cmp(&(stage_rank(&b.0), &b.0)));
    if found.is_empty() {
        return vec![Environment::new("default")];
    }
    found
        .into_iter()
        .map(|(name, path)| Environment { values_files: vec![path], ..Environment::new(name) })
        .collect()
}

fn default_selected_file(files: &BTreeMap<String, FileContent>) -> String {
    let first_template = files.keys().find(|path| path.starts_with("templates/") && !path.ends_with(".txt"));
    [Some(&DEFAULT_VALUES_FILE.to_string()), first_template, files.keys().next()]
        .into_iter()
        .flatten()
        .find(|path| files.contains_key(*path))
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> BTreeMap<String, FileContent> {
        paths.iter().map(|p| (p.to_string(), FileContent::Text(String::new()))).collect()
    }

    #[test]
    fn environments_come_from_values_files_in_stage_order() {
        let envs = detect_environments(&files(&[
            "Chart.yaml",
            "values.yaml",
            "values-prod.yaml",
            "values-dev.yaml",
            "values-staging.yaml",
            "values-zeta.yaml",
            "templates/values-x.yaml",
        ]));
        let names: Vec<_> = envs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["dev", "staging", "prod", "zeta"]);
        assert_eq!(envs[2].values_files, ["values-prod.yaml"]);
    }

    #[test]
    fn no_values_files_means_one_default_environment() {
        let envs = detect_environments(&files(&["Chart.yaml", "values.yaml"]));
        assert_eq!(envs.len(), 1);
        assert_eq!(envs[0].name, "default");
        assert!(envs[0].values_files.is_empty());
    }

    #[test]
    fn set_lines_skip_blanks_and_comments() {
        let env = Environment { set_lines: "a=1\n\n  # note\n b=2 \n".into(), ..Environment::new("x") };
        assert_eq!(env.set_arguments(), ["a=1", "b=2"]);
    }

    #[test]
    fn binary_files_survive_a_json_round_trip() {
        let mut ws = Workspace::from_pairs([("Chart.yaml", b"name: c".to_vec()), ("charts/x.tgz", vec![0x1f, 0x8b, 0xff, 0])]);
        ws.selected_environment = 0;
        assert!(matches!(ws.files["charts/x.tgz"], FileContent::Binary(_)));
        let json = serde_json::to_string(&ws).unwrap();
        let back: Workspace = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ws);
    }

    #[test]
    fn candidates_exclude_defaults_and_listed_files() {
        let ws = Workspace::from_files(files(&["Chart.yaml", "values.yaml", "values-dev.yaml", "values-prod.yaml", "extra.yml"]));
        let dev = &ws.environments[0];
        assert_eq!(ws.candidate_values_files(dev), ["extra.yml", "values-prod.yaml"]);
    }

    #[test]
    fn files_are_created_and_deleted() {
        let mut ws = Workspace::from_files(files(&["Chart.yaml", "values.yaml", "values-dev.yaml", "templates/a.yaml"]));
        assert_eq!(ws.create_file(" ./templates//b.yaml "), Ok("templates/b.yaml".into()));
        assert_eq!(ws.selected_file, "templates/b.yaml");
        assert!(ws.create_file("templates/b.yaml").is_err());
        assert!(ws.create_file("templates").is_err());
        assert!(ws.create_file("../x.yaml").is_err());
        assert!(ws.create_file("  ").is_err());
        ws.delete_file("templates/b.yaml");
        assert_eq!(ws.selected_file, "values.yaml");
        ws.delete_file("values-dev.yaml");
        assert!(ws.environments[0].values_files.is_empty());
    }

    #[test]
    fn repair_fixes_dangling_selections() {
        let mut ws = Workspace::from_files(files(&["Chart.yaml", "values.yaml"]));
        ws.selected_environment = 7;
        ws.selected_file = "gone.yaml".into();
        ws.environments.clear();
        ws.repair();
        assert_eq!(ws.selected_environment, 0);
        assert_eq!(ws.selected_file, "values.yaml");
        assert_eq!(ws.environments.len(), 1);
    }
}
