//! `chartroom dependency list|update|build`: Helm's dependency manager. Dependencies come
//! from `file://` directories (archived into `charts/`), chart repositories (configured in
//! `repositories.yaml`, aliased as `@name`, or "unmanaged" URLs whose index is cached
//! under a `helm-manager-<sha256>` name) and OCI registries (tags resolved against the
//! version constraint). `Chart.lock` is written as Helm writes it, with Helm's digest.

use deploy::printer::ui_table;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chart::dependency as dep;
use chart::{Chart, Dependency};
use clap::{Args, Subcommand};
use registry::repo::{self, RepoEntry, RepoFile};

use super::io_text;
use super::registry::TransportArgs;
use crate::{Env, Outcome};

#[derive(Subcommand, Debug, Clone)]
pub enum DependencyCommand {
    /// list the dependencies for the given chart
    #[command(alias = "ls")]
    List(ListArgs),
    /// update charts/ based on the contents of Chart.yaml
    #[command(alias = "up")]
    Update(ManagerArgs),
    /// rebuild the charts/ directory based on the Chart.lock file
    Build(ManagerArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ListArgs {
    #[arg(default_value = ".")]
    pub chart: String,
    /// maximum column width for output table
    #[arg(long = "max-col-width", default_value_t = 80)]
    pub max_col_width: usize,
}

#[derive(Args, Debug, Clone, Default)]
pub struct ManagerArgs {
    #[arg(default_value = ".")]
    pub chart: String,
    /// keyring containing public keys
    #[arg(long)]
    pub keyring: Option<String>,
    /// do not refresh the local repository cache
    #[arg(long = "skip-refresh")]
    pub skip_refresh: bool,
    /// verify the packages against signatures
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub transport: TransportArgs,
    /// chart repository username where to locate the requested chart
    #[arg(long)]
    pub username: Option<String>,
    /// chart repository password where to locate the requested chart
    #[arg(long)]
    pub password: Option<String>,
}

pub fn run(command: &DependencyCommand, env: &Env) -> Outcome {
    match command {
        DependencyCommand::List(a) => list(a, env),
        DependencyCommand::Update(a) => manager_outcome(update(a, env)),
        DependencyCommand::Build(a) => manager_outcome(build(a, env)),
    }
}

/// What the manager printed: progress on stdout, registry pulls (`Pulled:`, `Digest:`)
/// on stderr, as Helm prints them.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub stdout: String,
    pub stderr: String,
}

/// On failure Helm prints the error after the progress.
fn manager_outcome(result: ManagerResult) -> Outcome {
    match result {
        Ok(p) => Outcome { stdout: p.stdout.into_bytes(), stderr: p.stderr.into_bytes(), code: 0 },
        Err((p, message)) => {
            let mut o = Outcome::error(message);
            o.stdout = p.stdout.into_bytes();
            o.stderr = [p.stderr.into_bytes(), o.stderr].concat();
            o
        }
    }
}

// ---------------------------------------------------------------------------------------
// list

fn list(args: &ListArgs, env: &Env) -> Outcome {
    let path = env.path(&args.chart);
    let mut warnings = Vec::new();
    let chart = match chart::fsload::load_path(&path, &mut warnings) {
        Ok(c) => c,
        Err(e) => return Outcome::error(e.message),
    };
    let shown_charts = join_shown(&args.chart, "charts");
    if !chart.metadata.has_dependencies {
        return Outcome { stdout: format!("WARNING: no dependencies at {shown_charts}\n").into_bytes(), ..Default::default() };
    }
    let mut rows = vec![["NAME".to_string(), "VERSION".into(), "REPOSITORY".into(), "STATUS".into()].to_vec()];
    for d in chart.metadata.deps() {
        rows.push(vec![d.name.clone(), d.version.clone(), d.repository.clone(), status(&path, d, &chart)]);
    }
    let mut out = ui_table(&rows, args.max_col_width);
    out.push('\n');
    out.push_str(&missing_warnings(&path, &args.chart, &chart));
    Outcome { stdout: out.into_bytes(), ..Default::default() }
}

/// Go's `filepath.Join(chart, rest)` of the path as given, for messages.
fn join_shown(chart: &str, rest: &str) -> String {
    chart::gopath::clean(&format!("{chart}/{rest}"))
}


/// Helm's `dependencyStatus`: archives `charts/NAME-*.tgz` first (exactly one that looks
/// like a version), then the loaded subcharts.
fn status(chart_dir: &Path, d: &Dependency, parent: &Chart) -> String {
    let prefix = format!("{}-", d.name);
    let mut archives: Vec<PathBuf> = std::fs::read_dir(chart_dir.join("charts"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.starts_with(&prefix) && n.ends_with(".tgz")
                })
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default();
    archives.sort();
    if archives.len() > 1 {
        let versioned: Vec<&PathBuf> = archives
            .iter()
            .filter(|a| {
                let n = a.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let v = n.trim_end_matches(".tgz").trim_start_matches(prefix.as_str());
                registry::helm::is_strict_version(v)
            })
            .collect();
        match versioned.as_slice() {
            [one] => {
                if let Some(s) = archive_status(one, d) {
                    return s;
                }
            }
            [] => {}
            _ => return "too many matches".into(),
        }
    } else if let [one] = archives.as_slice() {
        if let Some(s) = archive_status(one, d) {
            return s;
        }
    }
    let Some(sub) = parent.dependencies.iter().rev().find(|c| c.name() == d.name) else {
        return "missing".into();
    };
    match version_status(&sub.metadata.version, &d.version) {
        Some(s) => s,
        None => "unpacked".into(),
    }
}

/// `None` when the version is acceptable, else Helm's status word.
fn version_status(actual: &str, wanted: &str) -> Option<String> {
    if actual == wanted {
        return None;
    }
    let Ok(c) = chart::semver::Constraints::parse(wanted) else { return Some("invalid version".into()) };
    let Ok(v) = chart::semver::Version::parse(actual) else { return Some("invalid version".into()) };
    (!c.check(&v)).then(|| "wrong version".into())
}

fn archive_status(archive: &Path, d: &Dependency) -> Option<String> {
    let data = std::fs::read(archive).ok()?;
    let mut warnings = Vec::new();
    let Ok(c) = chart::load_archive(&data, &mut warnings) else { return Some("corrupt".into()) };
    if c.name() != d.name {
        return Some("misnamed".into());
    }
    Some(version_status(&c.metadata.version, &d.version).unwrap_or_else(|| "ok".into()))
}

/// Helm's `printMissing`: charts in `charts/` that `Chart.yaml` does not list.
fn missing_warnings(chart_dir: &Path, shown: &str, parent: &Chart) -> String {
    let mut out = String::new();
    let Ok(rd) = std::fs::read_dir(chart_dir.join("charts")) else { return out };
    let mut entries: Vec<(String, PathBuf)> =
        rd.filter_map(|e| e.ok()).map(|e| (e.file_name().to_string_lossy().into_owned(), e.path())).collect();
    entries.sort();
    for (name, path) in entries {
        if !path.is_dir() && !name.ends_with(".tgz") {
            continue;
        }
        let shown_path = join_shown(shown, &format!("charts/{name}"));
        let mut warnings = Vec::new();
        match chart::fsload::load_path(&path, &mut warnings) {
            Err(_) => out.push_str(&format!("WARNING: {} is not a chart.\n", chart::goquote::quote(&shown_path))),
            Ok(c) => {
                if !parent.metadata.deps().any(|d| d.name == c.name()) {
                    out.push_str(&format!("WARNING: {} is not in Chart.yaml.\n", chart::goquote::quote(&shown_path)));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// update / build

type ManagerResult = Result<Progress, (Progress, String)>;

/// Everything the manager needs across steps.
struct Manager<'a> {
    args: &'a ManagerArgs,
    env: &'a Env,
    /// The chart directory as given (messages use it).
    shown: String,
    dir: PathBuf,
    repos: RepoFile,
    cache: PathBuf,
    out: String,
    err: String,
}

impl<'a> Manager<'a> {
    fn new(args: &'a ManagerArgs, env: &'a Env) -> Result<Manager<'a>, String> {
        let repos = RepoFile::load(&super::repo::config_path(env)).map_err(|e| e.message)?;
        Ok(Manager {
            args,
            env,
            shown: args.chart.clone(),
            dir: env.path(&args.chart),
            repos,
            cache: super::repo::cache_path(env),
            out: String::new(),
            err: String::new(),
        })
    }

    fn fail(self, message: String) -> (Progress, String) {
        (self.progress(), message)
    }

    fn progress(self) -> Progress {
        Progress { stdout: self.out, stderr: self.err }
    }

    fn load(&self) -> Result<Chart, String> {
        let meta = std::fs::metadata(&self.dir).map_err(|e| format!("could not find {}: stat {}: {}", self.shown, self.shown, io_text(&e)))?;
        if !meta.is_dir() {
            return Err("only unpacked charts can be updated".into());
        }
        let mut warnings = Vec::new();
        chart::fsload::load_dir(&self.dir, &mut warnings).map_err(|e| e.message)
    }

    fn oci_options(&self, repository: &str) -> Result<registry::client::ConnectOptions, String> {
        let host = registry::reference::Reference::parse(repository).map_err(|e| e.message)?.registry;
        super::registry::connect_options(
            self.env,
            &host,
            &self.args.transport,
            self.args.username.as_deref(),
            self.args.password.as_deref(),
        )
    }

    /// Helm's `resolveRepoNames`: the cache name of each dependency's repository;
    /// `@alias` repositories are rewritten to their URL (the lock records the URL).
    /// Unknown URLs are "unmanaged" and returned separately.
    fn resolve_repo_names(&self, deps: &mut [Dependency]) -> Result<(BTreeMap<String, String>, Vec<String>), String> {
        let mut names = BTreeMap::new();
        let mut unmanaged: Vec<String> = Vec::new();
        let mut missing = Vec::new();
        for d in deps.iter_mut() {
            if d.repository.is_empty() {
                continue;
            }
            if d.repository.starts_with("file://") {
                let local = dep::local_path(&d.repository, &self.shown);
                if !self.env.path(&local).exists() {
                    return Err(format!("directory {local} not found"));
                }
                names.insert(d.name.clone(), d.repository.clone());
                continue;
            }
            if dep::is_oci(&d.repository) {
                names.insert(d.name.clone(), d.repository.clone());
                continue;
            }
            if let Some(alias) = dep::repository_alias(&d.repository) {
                match self.repos.get(alias) {
                    Some(r) => {
                        d.repository = r.url.clone();
                        names.insert(d.name.clone(), r.name.clone());
                    }
                    None => missing.push(d.repository.clone()),
                }
                continue;
            }
            if let Some(r) = self.repos.repositories.iter().find(|r| dep::urls_equal(&r.url, &d.repository)) {
                names.insert(d.name.clone(), r.name.clone());
                continue;
            }
            if !d.repository.contains("//") {
                missing.push(d.repository.clone());
                continue;
            }
            let known = unmanaged.iter().find(|u| dep::urls_equal(u, &d.repository)).cloned();
            let url = known.unwrap_or_else(|| {
                unmanaged.push(d.repository.clone());
                d.repository.clone()
            });
            names.insert(d.name.clone(), unmanaged_name(&url));
        }
        if !missing.is_empty() {
            let mut message =
                format!("no repository definition for {}. Please add them via 'helm repo add'", missing.join(", "));
            if missing.iter().any(|r| !r.contains("//") && dep::repository_alias(r).is_none()) {
                message.push_str(
                    "\nNote that repositories must be URLs or aliases. For example, to refer to the \"example\"\n\
                     repository, use \"https://charts.example.com/\" or \"@example\" instead of\n\
                     \"example\". Don't forget to add the repo, too ('helm repo add').",
                );
            }
            return Err(message);
        }
        Ok((names, unmanaged))
    }

    /// Downloads the indexes of unmanaged repositories (always: there is no cache to keep).
    fn update_unmanaged(&mut self, urls: &[String]) {
        if urls.is_empty() {
            return;
        }
        self.out.push_str("Getting updates for unmanaged Helm repositories...\n");
        for url in urls {
            let entry = RepoEntry { name: unmanaged_name(url), url: url.clone(), ..self.credentials_entry() };
            match repo::download_index(&super::resolve::with_local_files(&entry, self.env), &self.cache) {
                Ok(_) => self.out.push_str(&format!("...Successfully got an update from the \"{url}\" chart repository\n")),
                Err(e) => self
                    .out
                    .push_str(&format!("...Unable to get an update from the \"{url}\" chart repository:\n\t{}\n", e.message)),
            }
        }
    }

    /// Helm's `UpdateRepositories`: every configured repository.
    fn update_configured(&mut self) {
        if self.args.skip_refresh || self.repos.repositories.is_empty() {
            return;
        }
        self.out.push_str("Hang tight while we grab the latest from your chart repositories...\n");
        for entry in &self.repos.repositories {
            match repo::download_index(&super::resolve::with_local_files(entry, self.env), &self.cache) {
                Ok(_) => self.out.push_str(&format!("...Successfully got an update from the \"{}\" chart repository\n", entry.name)),
                Err(e) => self.out.push_str(&format!(
                    "...Unable to get an update from the \"{}\" chart repository ({}):\n\t{}\n",
                    entry.name, entry.url, e.message
                )),
            }
        }
        self.out.push_str("Update Complete. ⎈Happy Helming!⎈\n");
    }

    /// Credentials from the flags for repositories that are not configured.
    fn credentials_entry(&self) -> RepoEntry {
        RepoEntry {
            username: self.args.username.clone().unwrap_or_default(),
            password: self.args.password.clone().unwrap_or_default(),
            ca_file: self.args.transport.ca_file.clone().unwrap_or_default(),
            cert_file: self.args.transport.cert_file.clone().unwrap_or_default(),
            key_file: self.args.transport.key_file.clone().unwrap_or_default(),
            insecure_skip_tls_verify: self.args.transport.insecure_skip_tls_verify,
            ..Default::default()
        }
    }

    /// Helm's resolver: a locked version for every dependency.
    fn resolve(&self, deps: &[Dependency], names: &BTreeMap<String, String>) -> Result<Vec<Dependency>, String> {
        let mut locked = Vec::new();
        let mut missing = Vec::new();
        for d in deps {
            if d.repository.is_empty() {
                let local = join_shown(&self.shown, &format!("charts/{}", d.name));
                if !self.env.path(&local).exists() {
                    return Err(format!("directory {local} not found"));
                }
                locked.push(dep::locked(&d.name, "", &d.version));
                continue;
            }
            if d.repository.starts_with("file://") {
                let local = dep::local_path(&d.repository, &self.shown);
                let mut warnings = Vec::new();
                let sub = chart::fsload::load_dir(&self.env.path(&local), &mut warnings).map_err(|e| e.message)?;
                locked.push(dep::locked(&d.name, &d.repository, &sub.metadata.version));
                continue;
            }
            let constraint = chart::semver::Constraints::parse(&d.version)
                .map_err(|e| format!("dependency {} has an invalid version/constraint format: {e}", chart::goquote::quote(&d.name)))?;
            let mut candidates: Vec<String> = if dep::is_oci(&d.repository) {
                let source = format!("{}/{}", d.repository.trim_end_matches('/'), d.name);
                registry::helm::list_versions(&source, &self.oci_options(&d.repository)?).map_err(|e| e.message)?
            } else {
                let name = names.get(&d.name).cloned().unwrap_or_default();
                let index = repo::cached_index(&name, &self.cache)
                    .map_err(|e| format!("no cached repository for {name} found. (try 'helm repo update'): {}", e.message))?;
                let versions = index
                    .entries
                    .get(&d.name)
                    .ok_or_else(|| format!("{} chart not found in repo {}", d.name, d.repository))?;
                versions.iter().filter(|v| !v.urls.is_empty()).map(|v| v.version.clone()).collect()
            };
            dep::sort_newest_first(&mut candidates);
            match dep::pick_version(&constraint, candidates.iter().map(String::as_str)) {
                Some(v) => locked.push(dep::locked(&d.name, &d.repository, v)),
                None => missing.push(format!(
                    "{} (repository {}, version {})",
                    chart::goquote::quote(&d.name),
                    chart::goquote::quote(&d.repository),
                    chart::goquote::quote(&d.version)
                )),
            }
        }
        if !missing.is_empty() {
            return Err(format!(
                "can't get a valid version for {} subchart(s): {}. Make sure a matching chart version exists in the repo, or change the version constraint in Chart.yaml",
                missing.len(),
                missing.join(", ")
            ));
        }
        Ok(locked)
    }

    /// Helm's `downloadAll`: every locked dependency into a temporary directory, then moved
    /// into `charts/`, and archives no dependency produced removed.
    fn download_all(&mut self, locked: &mut [Dependency], names: &BTreeMap<String, String>) -> Result<(), String> {
        let dest = self.dir.join("charts");
        if dest.exists() && !dest.is_dir() {
            return Err(format!("{} is not a directory", chart::goquote::quote(&dest.display().to_string())));
        }
        std::fs::create_dir_all(&dest).map_err(|e| format!("mkdir {}: {}", dest.display(), io_text(&e)))?;
        let tmp = self.dir.join(format!("tmpcharts-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).map_err(|e| format!("mkdir {}: {}", tmp.display(), io_text(&e)))?;
        let result = self.download_into(locked, names, &tmp);
        let result = result.and_then(|_| self.move_into_charts(locked, &tmp, &dest));
        let _ = std::fs::remove_dir_all(&tmp);
        result
    }

    fn download_into(&mut self, locked: &mut [Dependency], names: &BTreeMap<String, String>, tmp: &Path) -> Result<(), String> {
        self.out.push_str(&format!("Saving {} charts\n", locked.len()));
        let mut downloaded = HashSet::new();
        let outcome = (|| -> Result<(), String> {
            for d in locked.iter_mut() {
                if d.repository.is_empty() {
                    self.out.push_str(&format!(
                        "Dependency {} did not declare a repository. Assuming it exists in the charts directory\n",
                        d.name
                    ));
                    let path = self.dir.join("charts").join(&d.name);
                    let mut warnings = Vec::new();
                    let sub = chart::fsload::load_dir(&path, &mut warnings)
                        .map_err(|e| format!("unable to load chart '{}': {}", path.display(), e.message))?;
                    let c = chart::semver::Constraints::parse(&d.version)
                        .map_err(|e| format!("dependency {} has an invalid version/constraint format: {e}", d.name))?;
                    if !chart::semver::Version::parse(&sub.metadata.version).is_ok_and(|v| c.check(&v)) {
                        return Err(format!(
                            "dependency {} at version {} does not satisfy the constraint {}",
                            d.name, sub.metadata.version, d.version
                        ));
                    }
                    continue;
                }
                if d.repository.starts_with("file://") {
                    let local = self.env.path(&dep::local_path(&d.repository, &self.shown));
                    let (file_name, data, version) = super::package::archive_dir(&local)?;
                    super::package::write_atomically(&tmp.join(file_name), &data)?;
                    d.version = version;
                    continue;
                }
                if dep::is_oci(&d.repository) {
                    let source = format!("{}/{}:{}", d.repository.trim_end_matches('/'), d.name, registry::reference::tag_for_version(&d.version));
                    if !downloaded.insert(source.clone()) {
                        self.out.push_str(&format!("Already downloaded {} from repo {}\n", d.name, d.repository));
                        continue;
                    }
                    self.out.push_str(&format!("Downloading {} from repo {}\n", d.name, d.repository));
                    let options = self.oci_options(&d.repository)?;
                    let pulled = registry::helm::pull(&source, None, &options)
                        .map_err(|e| format!("could not download {source}: {}", e.message))?;
                    self.err.push_str(&format!("Pulled: {}\nDigest: {}\n", pulled.outcome.reference, pulled.outcome.digest));
                    let file = format!("{}-{}.tgz", pulled.outcome.chart_name, pulled.outcome.chart_version);
                    super::package::write_atomically(&tmp.join(file), &pulled.archive)?;
                    continue;
                }
                let (url, entry) = self.find_chart_url(d, names)?;
                if !downloaded.insert(url.clone()) {
                    self.out.push_str(&format!("Already downloaded {} from repo {}\n", d.name, d.repository));
                    continue;
                }
                self.out.push_str(&format!("Downloading {} from repo {}\n", d.name, d.repository));
                // TLS files are given relative to the working directory.
                let entry = super::resolve::with_local_files(&entry, self.env);
                let data = repo::http_get(&url, &entry).map_err(|e| format!("could not download {url}: {}", e.message))?;
                let file = url
                    .rsplit('/')
                    .next()
                    .map(|n| n.split('?').next().unwrap_or(n).to_string())
                    .filter(|n| n.ends_with(".tgz") && !n.contains(".."))
                    .unwrap_or_else(|| format!("{}-{}.tgz", d.name, d.version));
                super::package::write_atomically(&tmp.join(file), &data)?;
            }
            Ok(())
        })();
        if let Err(e) = &outcome {
            self.out.push_str(&format!("Save error occurred:  {e}\n"));
        }
        outcome
    }

    /// The archive URL of a locked repository dependency, and the entry to fetch it with.
    fn find_chart_url(&self, d: &Dependency, names: &BTreeMap<String, String>) -> Result<(String, RepoEntry), String> {
        let name = names.get(&d.name).cloned().unwrap_or_else(|| unmanaged_name(&d.repository));
        let entry = self
            .repos
            .get(&name)
            .cloned()
            .unwrap_or_else(|| RepoEntry { name: name.clone(), url: d.repository.clone(), ..self.credentials_entry() });
        let index = repo::cached_index(&name, &self.cache)
            .map_err(|e| format!("could not find : no cached repository for {name} found. (try 'helm repo update'): {}", e.message))?;
        let found = index
            .entries
            .get(&d.name)
            .and_then(|vs| {
                vs.iter().filter(|v| !v.urls.is_empty()).find(|v| {
                    v.version == d.version
                        || matches!((chart::semver::Version::parse(&v.version), chart::semver::Version::parse(&d.version)),
                            (Ok(a), Ok(b)) if a.compare(&b) == std::cmp::Ordering::Equal)
                })
            })
            .ok_or_else(|| format!("could not find : chart {} not found in {}: no matching version", d.name, d.repository))?;
        let url = repo::resolve_url(&entry.url, &found.urls[0]);
        Ok((url, entry))
    }

    /// Helm's `safeMoveDeps`: new archives replace old ones; other archives that are
    /// charts and not local (repository-less) dependencies are deleted.
    fn move_into_charts(&mut self, locked: &[Dependency], tmp: &Path, dest: &Path) -> Result<(), String> {
        let local: HashSet<&str> = locked.iter().filter(|d| d.repository.is_empty()).map(|d| d.name.as_str()).collect();
        let mut moved = HashSet::new();
        let dest_files: Vec<(String, PathBuf)> = read_files(dest)?;
        for (name, path) in read_files(tmp)? {
            moved.insert(name.clone());
            std::fs::rename(&path, dest.join(&name)).map_err(|e| format!("rename {}: {}", path.display(), io_text(&e)))?;
        }
        self.out.push_str("Deleting outdated charts\n");
        for (name, path) in dest_files {
            if moved.contains(&name) {
                continue;
            }
            let Ok(data) = std::fs::read(&path) else { continue };
            let mut warnings = Vec::new();
            match chart::load_archive(&data, &mut warnings) {
                Err(e) => self.out.push_str(&format!("Could not verify {} for deletion: {} (Skipping)\n", path.display(), e.message)),
                Ok(c) if local.contains(c.name()) => {}
                Ok(_) => {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        Ok(())
    }
}

fn read_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("open {}: {}", dir.display(), io_text(&e)))?;
    let mut files: Vec<(String, PathBuf)> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    files.sort();
    Ok(files)
}

/// The cache name Helm gives a repository that is not configured.
fn unmanaged_name(url: &str) -> String {
    format!("helm-manager-{}", registry::sha256_digest(url.as_bytes()).trim_start_matches("sha256:"))
}

fn digest_of(requested: &[Option<Dependency>], has: bool, locked: &[Dependency]) -> String {
    let locked: Vec<Option<Dependency>> = locked.iter().cloned().map(Some).collect();
    let text = dep::hash_input(has.then_some(requested), &locked);
    registry::sha256_digest(text.as_bytes())
}

fn now_generated() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    dep::rfc3339_nano_utc(now.as_secs() as i64, now.subsec_nanos())
}

/// `helm dependency update`: progress text, or progress and the error.
pub(crate) fn update(args: &ManagerArgs, env: &Env) -> ManagerResult {
    let mut m = match Manager::new(args, env) {
        Ok(m) => m,
        Err(e) => return Err((Progress::default(), e)),
    };
    let chart = match m.load() {
        Ok(c) => c,
        Err(e) => return Err(m.fail(e)),
    };
    if !chart.metadata.has_dependencies {
        return Ok(m.progress());
    }
    let mut requested: Vec<Dependency> = chart.metadata.deps().cloned().collect();
    let (names, unmanaged) = match m.resolve_repo_names(&mut requested) {
        Ok(x) => x,
        Err(e) => return Err(m.fail(e)),
    };
    m.update_unmanaged(&unmanaged);
    m.update_configured();
    let mut locked = match m.resolve(&requested, &names) {
        Ok(l) => l,
        Err(e) => return Err(m.fail(e)),
    };
    if let Err(e) = m.download_all(&mut locked, &names) {
        return Err(m.fail(e));
    }
    let requested: Vec<Option<Dependency>> = requested.into_iter().map(Some).collect();
    let digest = digest_of(&requested, true, &locked);
    if chart.lock.as_ref().is_some_and(|l| l.digest == digest) {
        return Ok(m.progress());
    }
    let lock = dep::new_lock(now_generated(), digest, locked);
    let text = match chart::package::lock_yaml(&lock) {
        Ok(t) => t,
        Err(e) => return Err(m.fail(e.message)),
    };
    let lock_name = if chart.metadata.api_version == chart::model::API_VERSION_V1 { "requirements.lock" } else { "Chart.lock" };
    if let Err(e) = repo::write_file(&m.dir.join(lock_name), text.as_bytes()) {
        return Err(m.fail(e.message));
    }
    Ok(m.progress())
}

/// `helm dependency build`: from `Chart.lock` (an update when there is none).
fn build(args: &ManagerArgs, env: &Env) -> ManagerResult {
    let mut m = match Manager::new(args, env) {
        Ok(m) => m,
        Err(e) => return Err((Progress::default(), e)),
    };
    let chart = match m.load() {
        Ok(c) => c,
        Err(e) => return Err(m.fail(e)),
    };
    let Some(lock) = chart.lock.clone() else {
        return update(args, env);
    };
    let mut requested: Vec<Dependency> = chart.metadata.deps().cloned().collect();
    if let Err(e) = m.resolve_repo_names(&mut requested) {
        return Err(m.fail(e));
    }
    let mut locked: Vec<Dependency> = lock.dependencies.iter().flatten().cloned().collect();
    let requested_opt: Vec<Option<Dependency>> = requested.iter().cloned().map(Some).collect();
    if digest_of(&requested_opt, chart.metadata.has_dependencies, &locked) != lock.digest {
        return Err(m.fail(format!(
            "the lock file ({}) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies",
            if chart.metadata.api_version == chart::model::API_VERSION_V1 { "requirements.lock" } else { "Chart.lock" }
        )));
    }
    // Helm's `hasAllRepos`: a build only downloads from configured repositories.
    let missing: Vec<&str> = locked
        .iter()
        .filter(|d| !d.repository.is_empty() && !d.repository.starts_with("file://") && !dep::is_oci(&d.repository))
        .filter(|d| !m.repos.repositories.iter().any(|r| dep::urls_equal(&r.url, &d.repository)))
        .map(|d| d.repository.as_str())
        .collect();
    if !missing.is_empty() {
        let message = format!("no repository definition for {}. Please add the missing repos via 'helm repo add'", missing.join(", "));
        return Err(m.fail(message));
    }
    let mut lock_deps = locked.clone();
    let (names, _) = match m.resolve_repo_names(&mut lock_deps) {
        Ok(x) => x,
        Err(e) => return Err(m.fail(e)),
    };
    m.update_configured();
    if let Err(e) = m.download_all(&mut locked, &names) {
        return Err(m.fail(e));
    }
    Ok(m.progress())
}

/// `template|install --dependency-update`: when `Chart.yaml` names a dependency missing
/// from `charts/`, an update (its progress returned for the caller to print).
pub(crate) fn update_if_missing(chart_dir: &Path, env: &Env, transport: &TransportArgs) -> Result<Progress, String> {
    if !chart_dir.is_dir() {
        return Ok(Progress::default());
    }
    let mut warnings = Vec::new();
    let loaded = chart::fsload::load_dir(chart_dir, &mut warnings).map_err(|e| e.message)?;
    if chart::deps::check_dependencies(&loaded).is_ok() {
        return Ok(Progress::default());
    }
    let args = ManagerArgs {
        chart: chart_dir.display().to_string(),
        transport: transport.clone(),
        ..Default::default()
    };
    update(&args, env).map_err(|(_, e)| format!("an error occurred while updating chart dependencies: {e}"))
}
