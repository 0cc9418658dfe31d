//! `chartroom repo add|list|remove|update|index` and `search repo`. Files and formats are
//! Helm's, so Helm and chartroom share them. (CHART arguments are resolved in
//! `resolve.rs`.)

use deploy::printer::ui_table;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use registry::repo::{self, Index, RepoEntry, RepoFile};

use super::io_text;
use crate::{Env, Outcome};

#[derive(Subcommand, Debug, Clone)]
pub enum RepoCommand {
    /// add a chart repository
    Add(RepoAddArgs),
    /// list chart repositories
    #[command(alias = "ls")]
    List,
    /// remove one or more chart repositories
    #[command(alias = "rm")]
    Remove(RepoRemoveArgs),
    /// update information of available charts locally from chart repositories
    #[command(alias = "up")]
    Update(RepoUpdateArgs),
    /// generate an index file given a directory containing packaged charts
    Index(RepoIndexArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct RepoAddArgs {
    pub name: String,
    pub url: String,
    /// chart repository username
    #[arg(long)]
    pub username: Option<String>,
    /// chart repository password
    #[arg(long)]
    pub password: Option<String>,
    /// raise error if repo is already registered
    #[arg(long = "force-update")]
    pub force_update: bool,
    /// skip tls certificate checks for the repository
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// verify certificates of HTTPS-enabled servers using this CA bundle
    #[arg(long = "ca-file")]
    pub ca_file: Option<String>,
    /// identify HTTPS client using this SSL certificate file
    #[arg(long = "cert-file")]
    pub cert_file: Option<String>,
    /// identify HTTPS client using this SSL key file
    #[arg(long = "key-file")]
    pub key_file: Option<String>,
    /// pass credentials to all domains
    #[arg(long = "pass-credentials")]
    pub pass_credentials: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct RepoRemoveArgs {
    #[arg(required = true, num_args = 1..)]
    pub names: Vec<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct RepoUpdateArgs {
    pub names: Vec<String>,
    /// update the repositories and fail if any of them could not be updated
    #[arg(long = "fail-on-repo-update-fail")]
    pub fail_on_repo_update_fail: bool,
}

#[derive(Args, Debug, Clone, Default)]
pub struct RepoIndexArgs {
    pub dir: String,
    /// url of chart repository
    #[arg(long)]
    pub url: Option<String>,
    /// merge the generated index into the given index
    #[arg(long)]
    pub merge: Option<String>,
}

/// `helm search` (only `repo` here).
#[derive(Subcommand, Debug, Clone)]
pub enum SearchCommand {
    /// search repositories for a keyword in charts
    Repo(SearchRepoArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct SearchRepoArgs {
    /// [keyword] (several words are searched as one phrase)
    pub keyword: Vec<String>,
    /// use regular expressions for searching repositories you have added
    #[arg(short = 'r', long)]
    pub regexp: bool,
    /// show the long listing, with each version of each chart on its own line, for repositories you have added
    #[arg(short = 'l', long)]
    pub versions: bool,
    /// search using semantic versioning constraints on repositories you have added
    #[arg(long)]
    pub version: Option<String>,
    /// use development versions (alpha, beta, and release candidate releases), too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// maximum column width for output table
    #[arg(long = "max-col-width", default_value_t = 50)]
    pub max_col_width: usize,
    /// search fails if no results are found
    #[arg(long = "fail-on-no-result")]
    pub fail_on_no_result: bool,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

pub(crate) fn config_path(env: &Env) -> PathBuf {
    repo::repository_config_path(&|n| env.var(n).map(str::to_string))
}

pub(crate) fn cache_path(env: &Env) -> PathBuf {
    repo::repository_cache_path(&|n| env.var(n).map(str::to_string))
}

fn ok(stdout: String) -> Outcome {
    Outcome { stdout: stdout.into_bytes(), ..Default::default() }
}

pub fn run_repo(command: &RepoCommand, env: &Env) -> Outcome {
    let result = match command {
        RepoCommand::Add(a) => add(a, env),
        RepoCommand::List => list(env),
        RepoCommand::Remove(a) => remove(a, env),
        RepoCommand::Update(a) => update(a, env),
        RepoCommand::Index(a) => index(a, env),
    };
    result.unwrap_or_else(Outcome::error)
}

fn add(args: &RepoAddArgs, env: &Env) -> Result<Outcome, String> {
    if args.name.contains('/') {
        return Err(format!("repository name ({}) contains '/', please specify a different name without '/'", args.name));
    }
    let config = config_path(env);
    let mut file = RepoFile::load(&config).map_err(|e| e.message)?;
    let entry = RepoEntry {
        name: args.name.clone(),
        url: args.url.clone(),
        username: args.username.clone().unwrap_or_default(),
        password: args.password.clone().unwrap_or_default(),
        cert_file: args.cert_file.clone().unwrap_or_default(),
        key_file: args.key_file.clone().unwrap_or_default(),
        ca_file: args.ca_file.clone().unwrap_or_default(),
        insecure_skip_tls_verify: args.insecure_skip_tls_verify,
        pass_credentials_all: args.pass_credentials,
    };
    if let Some(existing) = file.get(&args.name) {
        if !args.force_update {
            if *existing == entry {
                return Ok(ok(format!("\"{}\" already exists with the same configuration, skipping\n", args.name)));
            }
            return Err(format!("repository name ({}) already exists, please specify a different name", args.name));
        }
    }
    repo::download_index(&super::resolve::with_local_files(&entry, env), &cache_path(env))
        .map_err(|e| format!("looks like \"{}\" is not a valid chart repository or cannot be reached: {}", args.url, e.message))?;
    file.update(entry);
    file.save(&config).map_err(|e| e.message)?;
    Ok(ok(format!("\"{}\" has been added to your repositories\n", args.name)))
}


fn list(env: &Env) -> Result<Outcome, String> {
    let file = RepoFile::load(&config_path(env)).map_err(|e| e.message)?;
    if file.repositories.is_empty() {
        return Err("no repositories to show".into());
    }
    let mut rows = vec![vec!["NAME".to_string(), "URL".to_string()]];
    rows.extend(file.repositories.iter().map(|r| vec![r.name.clone(), r.url.clone()]));
    Ok(ok(ui_table(&rows, 0)))
}

fn remove(args: &RepoRemoveArgs, env: &Env) -> Result<Outcome, String> {
    let config = config_path(env);
    let mut file = RepoFile::load(&config).map_err(|e| e.message)?;
    let cache = cache_path(env);
    let mut out = String::new();
    for name in &args.names {
        if !file.remove(name) {
            return Err(format!("no repo named \"{name}\" found"));
        }
        file.save(&config).map_err(|e| e.message)?;
        let _ = std::fs::remove_file(cache.join(format!("{name}-index.yaml")));
        let _ = std::fs::remove_file(cache.join(format!("{name}-charts.txt")));
        out.push_str(&format!("\"{name}\" has been removed from your repositories\n"));
    }
    Ok(ok(out))
}

fn update(args: &RepoUpdateArgs, env: &Env) -> Result<Outcome, String> {
    let file = RepoFile::load(&config_path(env)).map_err(|e| e.message)?;
    if file.repositories.is_empty() {
        return Err("no repositories found. You must add one before updating".into());
    }
    for name in &args.names {
        if file.get(name).is_none() {
            return Err(format!("no repositories found matching '{name}'.  Nothing will be updated"));
        }
    }
    let cache = cache_path(env);
    let mut out = String::from("Hang tight while we grab the latest from your chart repositories...\n");
    let mut failed = Vec::new();
    for entry in file.repositories.iter().filter(|r| args.names.is_empty() || args.names.contains(&r.name)) {
        match repo::download_index(&super::resolve::with_local_files(entry, env), &cache) {
            Ok(_) => out.push_str(&format!("...Successfully got an update from the \"{}\" chart repository\n", entry.name)),
            Err(e) => {
                out.push_str(&format!(
                    "...Unable to get an update from the \"{}\" chart repository ({}):\n\t{}\n",
                    entry.name, entry.url, e.message
                ));
                failed.push(entry.url.clone());
            }
        }
    }
    if args.fail_on_repo_update_fail && !failed.is_empty() {
        let mut o = Outcome::error(format!("failed to update the following repositories: {failed:?}"));
        o.stdout = out.into_bytes();
        return Ok(o);
    }
    out.push_str("Update Complete. ⎈Happy Helming!⎈\n");
    Ok(ok(out))
}

fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let base = registry::helm::rfc3339_utc(now.as_secs() as i64);
    // Helm's timestamps carry nanoseconds.
    format!("{}.{:09}Z", base.trim_end_matches('Z'), now.subsec_nanos())
}

/// `helm repo index DIR`: every `*.tgz` in DIR and its direct subdirectories.
fn index(args: &RepoIndexArgs, env: &Env) -> Result<Outcome, String> {
    let dir = env.path(&args.dir);
    let meta = std::fs::metadata(&dir).map_err(|e| format!("stat {}: {}", args.dir, io_text(&e)))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", args.dir));
    }
    let mut archives = Vec::new();
    collect_archives(&dir, "", &mut archives, 0);
    archives.sort();
    let base_url = args.url.clone().unwrap_or_default();
    let mut index = Index { generated: now_rfc3339(), ..Default::default() };
    for rel in archives {
        let data = std::fs::read(dir.join(&rel)).map_err(|e| format!("open {rel}: {}", io_text(&e)))?;
        let url = if base_url.is_empty() { rel.clone() } else { format!("{}/{rel}", base_url.trim_end_matches('/')) };
        let Ok(version) = repo::chart_version_for_archive(&data, &url, &now_rfc3339()) else { continue };
        let list = index.entries.entry(version.name.clone()).or_default();
        if list.iter().any(|v| v.version == version.version) {
            continue;
        }
        list.push(version);
    }
    if let Some(merge) = &args.merge {
        if let Ok(data) = std::fs::read(env.path(merge)) {
            let old = Index::parse(&data).map_err(|e| e.message)?;
            for (name, versions) in old.entries {
                let list = index.entries.entry(name).or_default();
                for v in versions {
                    if !list.iter().any(|x| x.version == v.version) {
                        list.push(v);
                    }
                }
            }
        }
    }
    for list in index.entries.values_mut() {
        list.sort_by(|a, b| match (chart::semver::Version::parse(&b.version), chart::semver::Version::parse(&a.version)) {
            (Ok(x), Ok(y)) => x.compare(&y),
            _ => b.version.cmp(&a.version),
        });
    }
    let text = index.to_yaml().map_err(|e| e.message)?;
    repo::write_file(&dir.join("index.yaml"), text.as_bytes()).map_err(|e| e.message)?;
    Ok(ok(String::new()))
}

fn collect_archives(dir: &Path, rel: &str, out: &mut Vec<String>, depth: usize) {
    let Ok(read) = std::fs::read_dir(dir) else { return };
    for e in read.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel_name = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        let path = e.path();
        if path.is_dir() && depth < 16 {
            collect_archives(&path, &rel_name, out, depth + 1);
        } else if name.ends_with(".tgz") {
            out.push(rel_name);
        }
    }
}

pub fn run_search(command: &SearchCommand, env: &Env) -> Outcome {
    let SearchCommand::Repo(args) = command;
    search_repo(args, env).unwrap_or_else(Outcome::error)
}

/// One searchable chart version: Helm's search line is the chart name, `repo/chart`,
/// the description and the keywords, joined by `\v`.
struct SearchEntry {
    /// `repo/chart`.
    name: String,
    line: String,
    version: repo::ChartVersion,
}

/// Helm's score for a match at byte `index`: how many fields precede it (0 = the chart
/// name, 1 = `repo/chart`, 2 = the description, 3 = the keywords).
fn search_score(index: usize, line: &str) -> usize {
    line.char_indices().filter(|(i, c)| *c == '\u{b}' && *i < index).count()
}

fn search_repo(args: &SearchRepoArgs, env: &Env) -> Result<Outcome, String> {
    let format = args.output.as_str();
    if !matches!(format, "table" | "json" | "yaml") {
        // Helm's flag parser refuses it before the command runs.
        return Err(format!("invalid argument {} for \"-o, --output\" flag: invalid format type", chart::goquote::quote(format)));
    }
    let file = RepoFile::load(&config_path(env)).map_err(|e| e.message)?;
    if file.repositories.is_empty() {
        return Err("no repositories configured".into());
    }
    // Helm always searches with a constraint: the given one, else every release (or, with
    // --devel, every version), and so indexes every version of every chart.
    let constraint_text = match args.version.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => v,
        None if args.devel => ">0.0.0-0",
        None => ">0.0.0",
    };
    let constraint = chart::semver::Constraints::parse(constraint_text).map_err(|e| format!("an invalid version/constraint format: {e}"))?;
    let cache = cache_path(env);
    let mut stderr = String::new();
    let mut entries = Vec::new();
    for entry in &file.repositories {
        let index = match repo::cached_index(&entry.name, &cache) {
            Ok(index) => index,
            Err(e) => {
                stderr.push_str(&format!(
                    "level=WARN msg=\"repo is corrupt or missing\" repo={} error={}\n",
                    entry.name,
                    chart::goquote::quote(&e.message)
                ));
                continue;
            }
        };
        for (chart_name, versions) in &index.entries {
            for v in versions {
                let line = [v.name.clone(), format!("{}/{}", entry.name, v.name), v.description.clone(), v.keywords.join(" ")].join("\u{b}");
                entries.push(SearchEntry { name: format!("{}/{chart_name}", entry.name), line, version: v.clone() });
            }
        }
    }
    let term = args.keyword.join(" ");
    let mut found: Vec<(usize, SearchEntry)> = Vec::new();
    if args.keyword.is_empty() {
        found.extend(entries.into_iter().map(|e| (0, e)));
    } else if args.regexp {
        let matcher = sprig::regex::compile(&term)?;
        for e in entries {
            if let Some(m) = matcher.find(&e.line) {
                found.push((search_score(m.start(), &e.line), e));
            }
        }
    } else {
        let term = term.to_lowercase();
        for e in entries {
            if let Some(at) = e.line.to_lowercase().find(&term) {
                let score = search_score(at, &e.line.to_lowercase());
                found.push((score, e));
            }
        }
    }
    // Lowest score first, then by name, newest version first within a name.
    found.sort_by(|(sa, a), (sb, b)| {
        sa.cmp(sb).then_with(|| a.name.cmp(&b.name)).then_with(|| {
            match (chart::semver::Version::parse(&b.version.version), chart::semver::Version::parse(&a.version.version)) {
                (Ok(x), Ok(y)) => x.compare(&y),
                _ => std::cmp::Ordering::Equal,
            }
        })
    });
    let mut seen = std::collections::HashSet::new();
    let mut results: Vec<SearchEntry> = Vec::new();
    for (_, e) in found {
        if !args.versions && seen.contains(&e.name) {
            continue;
        }
        if chart::semver::Version::parse(&e.version.version).is_ok_and(|v| constraint.check(&v)) {
            seen.insert(e.name.clone());
            results.push(e);
        }
    }
    if results.is_empty() && args.fail_on_no_result {
        let mut o = Outcome::error("no results found");
        o.stderr = [stderr.into_bytes(), o.stderr].concat();
        return Ok(o);
    }
    let stdout = match format {
        "json" => {
            // encoding/json of Helm's {name, version, app_version, description} list.
            let mut out = String::from("[");
            for (i, r) in results.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('{');
                for (j, (key, value)) in
                    [("name", &r.name), ("version", &r.version.version), ("app_version", &r.version.app_version), ("description", &r.version.description)]
                        .into_iter()
                        .enumerate()
                {
                    if j > 0 {
                        out.push(',');
                    }
                    godata::json::write_string(&mut out, key, true);
                    out.push(':');
                    godata::json::write_string(&mut out, value, true);
                }
                out.push('}');
            }
            out.push_str("]\n");
            out
        }
        "yaml" => {
            let list = gotmpl::Value::list(
                results
                    .iter()
                    .map(|r| {
                        gotmpl::Value::map(vec![
                            ("app_version", gotmpl::Value::str(r.version.app_version.as_str())),
                            ("description", gotmpl::Value::str(r.version.description.as_str())),
                            ("name", gotmpl::Value::str(r.name.as_str())),
                            ("version", gotmpl::Value::str(r.version.version.as_str())),
                        ])
                    })
                    .collect(),
            );
            godata::yaml::to_yaml(&list).map_err(|e| e.to_string())?
        }
        _ if results.is_empty() => "No results found\n".to_string(),
        _ => {
            let mut rows = vec![vec!["NAME".into(), "CHART VERSION".into(), "APP VERSION".into(), "DESCRIPTION".into()]];
            for r in &results {
                rows.push(vec![r.name.clone(), r.version.version.clone(), r.version.app_version.clone(), r.version.description.clone()]);
            }
            ui_table(&rows, args.max_col_width)
        }
    };
    Ok(Outcome { stdout: stdout.into_bytes(), stderr: stderr.into_bytes(), code: 0 })
}
