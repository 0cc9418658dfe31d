//! Classic chart repositories (an `index.yaml` served over HTTP), in Helm's files and
//! formats so that Helm and chartroom share them: `repositories.yaml` (the configured
//! repositories) and the cache (`NAME-index.yaml`, `NAME-charts.txt`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use gotmpl::Value;

use crate::{Error, ErrorKind, Result};

/// Looks up an environment variable (tests pass their own).
pub type VarLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

fn home_dir(var: VarLookup<'_>, helm_var: &str, xdg_var: &str, fallback: &str) -> PathBuf {
    var(helm_var).map(PathBuf::from).unwrap_or_else(|| {
        var(xdg_var)
            .map(|x| PathBuf::from(x).join("helm"))
            .unwrap_or_else(|| PathBuf::from(var("HOME").unwrap_or_else(|| ".".into())).join(fallback).join("helm"))
    })
}

/// `$HELM_REPOSITORY_CONFIG`, else `repositories.yaml` in Helm's config home.
pub fn repository_config_path(var: VarLookup<'_>) -> PathBuf {
    var("HELM_REPOSITORY_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| home_dir(var, "HELM_CONFIG_HOME", "XDG_CONFIG_HOME", ".config").join("repositories.yaml"))
}

/// `$HELM_REPOSITORY_CACHE`, else `repository` in Helm's cache home.
pub fn repository_cache_path(var: VarLookup<'_>) -> PathBuf {
    var("HELM_REPOSITORY_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| home_dir(var, "HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache").join("repository"))
}

/// One configured repository (Helm's `repo.Entry`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoEntry {
    pub name: String,
    pub url: String,
    pub username: String,
    pub password: String,
    pub cert_file: String,
    pub key_file: String,
    pub ca_file: String,
    pub insecure_skip_tls_verify: bool,
    pub pass_credentials_all: bool,
}

/// `repositories.yaml`.
#[derive(Clone, Debug, Default)]
pub struct RepoFile {
    pub api_version: String,
    pub generated: String,
    pub repositories: Vec<RepoEntry>,
}

fn io_error(path: &Path, e: &std::io::Error) -> Error {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => e.to_string(),
    };
    Error::new(ErrorKind::Io, format!("open {}: {what}", path.display()))
}

fn text_of(m: &gotmpl::MapRef, key: &str) -> String {
    match m.get(key) {
        Some(Value::String(s)) => s.to_string(),
        Some(Value::Nil) | None => String::new(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Float(f)) => godata::format_float_g(f),
        Some(other) => format!("{other:?}"),
    }
}

fn bool_of(m: &gotmpl::MapRef, key: &str) -> bool {
    matches!(m.get(key), Some(Value::Bool(true)))
}

impl RepoFile {
    /// Reads `repositories.yaml`; a missing file is an empty list, as for Helm.
    pub fn load(path: &Path) -> Result<RepoFile> {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RepoFile::default()),
            Err(e) => return Err(io_error(path, &e)),
        };
        let doc = godata::yaml::parse(&String::from_utf8_lossy(&data))
            .map_err(|e| Error::new(ErrorKind::Invalid, format!("couldn't load repositories file ({}): {e}", path.display())))?;
        let mut file = RepoFile::default();
        if let Value::Map(m) = doc {
            file.api_version = text_of(&m, "apiVersion");
            file.generated = text_of(&m, "generated");
            if let Some(Value::List(list)) = m.get("repositories") {
                for item in &list.items {
                    let Value::Map(r) = item else { continue };
                    file.repositories.push(RepoEntry {
                        name: text_of(r, "name"),
                        url: text_of(r, "url"),
                        username: text_of(r, "username"),
                        password: text_of(r, "password"),
                        cert_file: text_of(r, "certFile"),
                        key_file: text_of(r, "keyFile"),
                        ca_file: text_of(r, "caFile"),
                        insecure_skip_tls_verify: bool_of(r, "insecure_skip_tls_verify"),
                        pass_credentials_all: bool_of(r, "pass_credentials_all"),
                    });
                }
            }
        }
        Ok(file)
    }

    pub fn get(&self, name: &str) -> Option<&RepoEntry> {
        self.repositories.iter().find(|r| r.name == name)
    }

    /// Adds or replaces the entry of that name.
    pub fn update(&mut self, entry: RepoEntry) {
        match self.repositories.iter_mut().find(|r| r.name == entry.name) {
            Some(existing) => *existing = entry,
            None => self.repositories.push(entry),
        }
    }

    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.repositories.len();
        self.repositories.retain(|r| r.name != name);
        before != self.repositories.len()
    }

    /// The file as Helm writes it (every field, keys sorted).
    pub fn to_yaml(&self) -> Result<String> {
        let repos = self
            .repositories
            .iter()
            .map(|r| {
                Value::map(vec![
                    ("name", Value::str(r.name.as_str())),
                    ("url", Value::str(r.url.as_str())),
                    ("username", Value::str(r.username.as_str())),
                    ("password", Value::str(r.password.as_str())),
                    ("certFile", Value::str(r.cert_file.as_str())),
                    ("keyFile", Value::str(r.key_file.as_str())),
                    ("caFile", Value::str(r.ca_file.as_str())),
                    ("insecure_skip_tls_verify", Value::Bool(r.insecure_skip_tls_verify)),
                    ("pass_credentials_all", Value::Bool(r.pass_credentials_all)),
                ])
            })
            .collect();
        let generated = if self.generated.is_empty() { "0001-01-01T00:00:00Z" } else { self.generated.as_str() };
        let doc = Value::map(vec![
            ("apiVersion", Value::str(self.api_version.as_str())),
            ("generated", Value::str(generated)),
            ("repositories", Value::list(repos)),
        ]);
        godata::yaml::to_yaml(&doc).map_err(|e| Error::new(ErrorKind::Invalid, e.to_string()))
    }

    /// Writes the file (0600, as Helm does), creating its directory.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_file(path, self.to_yaml()?.as_bytes())
    }
}

/// Writes through a temporary file and a rename.
pub fn write_file(path: &Path, data: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    }
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, data).map_err(|e| io_error(&tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_error(path, &e))
}

/// One chart version of an index (Helm's `repo.ChartVersion`), with the fields chartroom
/// uses; `raw` keeps the whole entry so that nothing is lost when an index is rewritten.
#[derive(Clone, Debug)]
pub struct ChartVersion {
    pub name: String,
    pub version: String,
    pub app_version: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub urls: Vec<String>,
    pub digest: String,
    pub deprecated: bool,
    pub raw: Value,
}

/// An `index.yaml`: chart name to versions, newest first.
#[derive(Clone, Debug, Default)]
pub struct Index {
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
    pub generated: String,
}

fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (chart::semver::Version::parse(a), chart::semver::Version::parse(b)) {
        (Ok(x), Ok(y)) => x.compare(&y),
        _ => a.cmp(b),
    }
}

impl Index {
    /// Parses an index; Helm's messages for the common problems.
    pub fn parse(data: &[u8]) -> Result<Index> {
        let text = String::from_utf8_lossy(data);
        let doc = godata::yaml::parse(&text).map_err(|e| Error::new(ErrorKind::Invalid, e.to_string()))?;
        let Value::Map(m) = doc else {
            return Err(Error::new(ErrorKind::Invalid, "no API version specified"));
        };
        if text_of(&m, "apiVersion").is_empty() {
            return Err(Error::new(ErrorKind::Invalid, "no API version specified"));
        }
        let mut index = Index { generated: text_of(&m, "generated"), ..Default::default() };
        if let Some(Value::Map(entries)) = m.get("entries") {
            for (name, list) in entries.entries() {
                let Value::List(list) = list else { continue };
                let mut versions = Vec::new();
                for item in &list.items {
                    let Value::Map(v) = item else { continue };
                    let strings = |key: &str| -> Vec<String> {
                        match v.get(key) {
                            Some(Value::List(l)) => l.items.iter().filter_map(|i| match i {
                                Value::String(s) => Some(s.to_string()),
                                _ => None,
                            }).collect(),
                            _ => Vec::new(),
                        }
                    };
                    versions.push(ChartVersion {
                        name: text_of(v, "name"),
                        version: text_of(v, "version"),
                        app_version: text_of(v, "appVersion"),
                        description: text_of(v, "description"),
                        keywords: strings("keywords"),
                        urls: strings("urls"),
                        digest: text_of(v, "digest"),
                        deprecated: bool_of(v, "deprecated"),
                        raw: item.clone(),
                    });
                }
                versions.sort_by(|a, b| version_order(&b.version, &a.version));
                index.entries.insert(name.to_string(), versions);
            }
        }
        Ok(index)
    }

    /// The newest version of `name` that matches `constraint` (Helm's `Get`): without a
    /// constraint, the newest release (no pre-release) unless `devel`.
    pub fn find(&self, name: &str, constraint: Option<&str>, devel: bool) -> Result<&ChartVersion> {
        let versions = self
            .entries
            .get(name)
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "no chart name found"))?;
        let constraint_text = match constraint.filter(|c| !c.is_empty()) {
            Some(c) => c.to_string(),
            None if devel => ">0.0.0-0".to_string(),
            None => "*".to_string(),
        };
        let parsed = chart::semver::Constraints::parse(&constraint_text).map_err(|e| Error::new(ErrorKind::Invalid, e))?;
        for v in versions {
            if constraint.is_some_and(|c| c == v.version) {
                return Ok(v);
            }
            if let Ok(sv) = chart::semver::Version::parse(&v.version) {
                if parsed.check(&sv) {
                    return Ok(v);
                }
            }
        }
        Err(Error::new(
            ErrorKind::NotFound,
            match constraint {
                Some(c) => format!("no chart version found for {name}-{c}"),
                None => format!("no chart version found for {name}-"),
            },
        ))
    }

    /// The index as Helm writes it (`apiVersion: v1`, entries, generated).
    pub fn to_yaml(&self) -> Result<String> {
        let entries = Value::map(
            self.entries
                .iter()
                .map(|(name, versions)| (name.clone(), Value::list(versions.iter().map(|v| v.raw.clone()).collect())))
                .collect::<Vec<_>>(),
        );
        let doc = Value::map(vec![
            ("apiVersion", Value::str("v1")),
            ("entries", entries),
            ("generated", Value::str(self.generated.as_str())),
        ]);
        godata::yaml::to_yaml(&doc).map_err(|e| Error::new(ErrorKind::Invalid, e.to_string()))
    }
}

/// An index entry for a packaged chart (`helm repo index`): the chart's metadata as Helm
/// marshals it, plus `created`, `digest` (sha256 of the archive) and `urls`.
pub fn chart_version_for_archive(archive: &[u8], url: &str, created: &str) -> Result<ChartVersion> {
    let mut warnings = Vec::new();
    let loaded = chart::load_archive(archive, &mut warnings).map_err(|e| Error::new(ErrorKind::Invalid, e.message))?;
    let md = &loaded.metadata;
    let yaml = chart::package::chart_yaml(md).map_err(|e| Error::new(ErrorKind::Invalid, e.message))?;
    let raw = godata::yaml::parse(&yaml).map_err(|e| Error::new(ErrorKind::Invalid, e.to_string()))?;
    let digest = crate::sha256_digest(archive).trim_start_matches("sha256:").to_string();
    if let Value::Map(m) = &raw {
        m.insert("created", Value::str(created));
        m.insert("digest", Value::str(digest.as_str()));
        m.insert("urls", Value::string_list([url.to_string()]));
    }
    Ok(ChartVersion {
        name: md.name.clone(),
        version: md.version.clone(),
        app_version: md.app_version.clone(),
        description: md.description.clone(),
        keywords: md.keywords.clone(),
        urls: vec![url.to_string()],
        digest,
        deprecated: md.deprecated,
        raw,
    })
}

/// Connection settings of a repository, from its entry.
pub fn http_get(url: &str, entry: &RepoEntry) -> Result<Vec<u8>> {
    use ureq::tls::{Certificate, RootCerts, TlsConfig};
    let mut tls = TlsConfig::builder().disable_verification(entry.insecure_skip_tls_verify);
    if !entry.ca_file.is_empty() {
        let pem = std::fs::read(&entry.ca_file).map_err(|e| io_error(Path::new(&entry.ca_file), &e))?;
        let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
            .filter_map(|item| match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        tls = tls.root_certs(RootCerts::new_with_certs(&certs));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .tls_config(tls.build())
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_global(Some(Duration::from_secs(300)))
        .user_agent(concat!("chartroom/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut request = agent.get(url);
    // Credentials go only to the repository's own host unless pass_credentials_all.
    let same_host = host_of(url) == host_of(&entry.url);
    if !entry.username.is_empty() && (same_host || entry.pass_credentials_all) {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", entry.username, entry.password));
        request = request.header("Authorization", format!("Basic {token}"));
    }
    let mut response = request.call().map_err(|e| Error::new(ErrorKind::Unreachable, format!("Get \"{url}\": {e}")))?;
    let status = response.status().as_u16();
    if status != 200 {
        let text = response.status().canonical_reason().unwrap_or("");
        return Err(Error::new(
            if status == 404 { ErrorKind::NotFound } else { ErrorKind::Invalid },
            format!("failed to fetch {url} : {status} {text}"),
        ));
    }
    response
        .body_mut()
        .with_config()
        .limit(512 * 1024 * 1024)
        .read_to_vec()
        .map_err(|e| Error::new(ErrorKind::Unreachable, format!("Get \"{url}\": {e}")))
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or("")
}

/// Downloads a repository's `index.yaml` and stores it in the cache as Helm does
/// (`NAME-index.yaml` and the chart names in `NAME-charts.txt`). Returns the index.
pub fn download_index(entry: &RepoEntry, cache_dir: &Path) -> Result<Index> {
    let url = format!("{}/index.yaml", entry.url.trim_end_matches('/'));
    let data = http_get(&url, entry)?;
    let index = Index::parse(&data)?;
    write_file(&cache_dir.join(format!("{}-index.yaml", entry.name)), &data)?;
    let names: Vec<&str> = index.entries.keys().map(String::as_str).collect();
    write_file(&cache_dir.join(format!("{}-charts.txt", entry.name)), format!("{}\n", names.join("\n")).as_bytes())?;
    Ok(index)
}

/// The cached index of a configured repository.
pub fn cached_index(name: &str, cache_dir: &Path) -> Result<Index> {
    let path = cache_dir.join(format!("{name}-index.yaml"));
    let data = std::fs::read(&path).map_err(|e| io_error(&path, &e))?;
    Index::parse(&data)
}

/// Resolves a chart URL of an index against the repository URL (relative URLs are
/// relative to the repository).
pub fn resolve_url(repo_url: &str, chart_url: &str) -> String {
    if chart_url.contains("://") {
        return chart_url.to_string();
    }
    format!("{}/{}", repo_url.trim_end_matches('/'), chart_url.trim_start_matches('/'))
}
