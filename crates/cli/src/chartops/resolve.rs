//! One resolver for every verb that takes a CHART argument (`install`, `upgrade`,
//! `template`, `show`, `pull`), accepting what Helm accepts:
//!
//! * a local chart directory or `.tgz` (with `--verify`: its `.tgz.prov` beside it);
//! * `oci://HOST/PATH/NAME[:TAG]` with `--version` (a version or a constraint);
//! * `REPO/NAME` from a repository added with `repo add`, using its cached index
//!   (`--version` constraint, `--devel`);
//! * `NAME --repo URL`: a repository given by URL, its index downloaded on the spot;
//! * `https://…/NAME-VERSION.tgz`: an archive URL.
//!
//! Remote charts are fetched whole and checked (OCI digests, the index's digest,
//! `--verify`'s provenance) before anything is written; the archive then goes to the
//! repository cache, as Helm keeps downloads.

use std::path::{Path, PathBuf};

use clap::Args;
use registry::provenance::{Keyring, Verification};
use registry::repo::{self, RepoEntry, RepoFile};

use super::io_text;
use super::registry::TransportArgs;
use crate::Env;

/// Helm's chart-locating flags besides `--version`, `--devel` and the transport flags.
#[derive(Args, Debug, Clone, Default)]
pub struct ChartAccessArgs {
    /// chart repository url where to locate the requested chart
    #[arg(long)]
    pub repo: Option<String>,
    /// chart repository username where to locate the requested chart
    #[arg(long)]
    pub username: Option<String>,
    /// chart repository password where to locate the requested chart
    #[arg(long)]
    pub password: Option<String>,
    /// pass credentials to all domains
    #[arg(long = "pass-credentials")]
    pub pass_credentials: bool,
    /// verify the package before using it
    #[arg(long)]
    pub verify: bool,
    /// location of public keys used for verification
    #[arg(long)]
    pub keyring: Option<String>,
}

/// What to look for and how to reach it.
#[derive(Clone, Copy)]
pub struct ChartRequest<'a> {
    pub version: Option<&'a str>,
    pub devel: bool,
    pub transport: &'a TransportArgs,
    pub access: &'a ChartAccessArgs,
    /// Fetch the `.prov` file even without `--verify` (`pull --prov`).
    pub want_provenance: bool,
}

/// A chart fetched from a registry, a repository or a URL, checked, not yet written.
pub struct Fetched {
    /// `NAME-VERSION.tgz` (or the URL's file name), as Helm names the download.
    pub file_name: String,
    pub chart_name: String,
    pub archive: Vec<u8>,
    pub provenance: Option<Vec<u8>>,
    /// `Pulled:`/`Digest:` for OCI pulls (Helm prints them on stderr).
    pub pull_report: String,
    /// Set when `--verify` checked the provenance.
    pub verification: Option<Verification>,
}

/// A chart on disk, ready to load.
pub struct Located {
    pub path: PathBuf,
    /// What the fetch printed on stderr (`Pulled:`/`Digest:`).
    pub stderr: String,
}

/// `--keyring`, else GnuPG's legacy public keyring (`$GNUPGHOME/pubring.gpg`, by default
/// `~/.gnupg/pubring.gpg`), as Helm defaults it.
pub fn keyring_path(flag: Option<&str>, env: &Env) -> PathBuf {
    match flag {
        Some(k) => env.path(k),
        None => env
            .var("GNUPGHOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env.var("HOME").unwrap_or(".")).join(".gnupg"))
            .join("pubring.gpg"),
    }
}

/// The keyring of `--keyring` (or the default); messages name the file as given.
pub fn load_keyring(flag: Option<&str>, env: &Env) -> Result<Keyring, String> {
    let path = keyring_path(flag, env);
    let shown = flag.map(str::to_string).unwrap_or_else(|| path.display().to_string());
    let data = std::fs::read(&path).map_err(|e| format!("failed to load keyring: open {shown}: {}", io_text(&e)))?;
    Keyring::parse(&data).map_err(|e| format!("failed to load keyring: {}", e.message))
}

/// Checks an archive against its provenance with the request's keyring.
pub fn verify_provenance(archive: &[u8], provenance: &[u8], file_name: &str, keyring: Option<&str>, env: &Env) -> Result<Verification, String> {
    let ring = load_keyring(keyring, env)?;
    registry::provenance::verify(archive, provenance, file_name, &ring).map_err(|e| e.message)
}

fn is_url(reference: &str) -> bool {
    reference.starts_with("https://") || reference.starts_with("http://")
}

/// Finds CHART: local files first, then the remote forms; remote charts are written
/// into the repository cache.
pub fn locate(reference: &str, request: ChartRequest<'_>, env: &Env) -> Result<Located, String> {
    let version = request.version.filter(|v| !v.is_empty());
    let request = ChartRequest { version, ..request };
    let local = env.path(reference);
    if request.access.repo.is_none() && local.exists() {
        if request.access.verify {
            verify_local(reference, &local, request.access.keyring.as_deref(), env)?;
        }
        return Ok(Located { path: local, stderr: String::new() });
    }
    // As Helm: a missing path that is absolute or starts with `.` is a local path;
    // anything else is looked up remotely (a bare name fails there, in Helm's words).
    if request.access.repo.is_none() && (reference.starts_with('.') || Path::new(reference).is_absolute()) {
        return Err(format!("path \"{reference}\" not found"));
    }
    let fetched = fetch(reference, request, env)?;
    let cache = super::repo::cache_path(env);
    let target = cache.join(&fetched.file_name);
    repo::write_file(&target, &fetched.archive).map_err(|e| e.message)?;
    if let Some(prov) = &fetched.provenance {
        repo::write_file(&cache.join(format!("{}.prov", fetched.file_name)), prov).map_err(|e| e.message)?;
    }
    Ok(Located { path: target, stderr: fetched.pull_report })
}

/// `--verify` on a local chart: archives only, against `ARCHIVE.prov`. `shown` is the
/// path as the user gave it (Helm's messages quote it so).
fn verify_local(shown: &str, path: &Path, keyring: Option<&str>, env: &Env) -> Result<Verification, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("stat {shown}: {}", io_text(&e)))?;
    if meta.is_dir() {
        return Err("unpacked charts cannot be verified".into());
    }
    let archive = std::fs::read(path).map_err(|e| format!("open {shown}: {}", io_text(&e)))?;
    let shown_prov = format!("{shown}.prov");
    let provenance = std::fs::read(format!("{}.prov", path.display()))
        .map_err(|e| format!("could not load provenance file {shown_prov}: stat {shown_prov}: {}", io_text(&e)))?;
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    verify_provenance(&archive, &provenance, &file_name, keyring, env)
}

/// `helm verify` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct VerifyArgs {
    /// the chart archive (.tgz) whose .tgz.prov is checked
    pub path: String,
    /// keyring containing public keys
    #[arg(long)]
    pub keyring: Option<String>,
}

/// `chartroom verify PATH`: checks a packaged chart against its provenance file and
/// prints who signed it, as `helm verify` does.
pub fn run_verify(args: &VerifyArgs, env: &Env) -> crate::Outcome {
    match verify_local(&args.path, &env.path(&args.path), args.keyring.as_deref(), env) {
        Ok(v) => crate::Outcome { stdout: v.report().into_bytes(), ..Default::default() },
        Err(e) => crate::Outcome::error(e),
    }
}

/// Fetches a remote CHART (OCI, `REPO/NAME`, `--repo URL`, archive URL) into memory,
/// with every check done, `--verify` included.
pub fn fetch(reference: &str, request: ChartRequest<'_>, env: &Env) -> Result<Fetched, String> {
    // Helm's `--devel` is the constraint `>0.0.0-0` when no version is given.
    let request = ChartRequest {
        version: request.version.filter(|v| !v.is_empty()).or(if request.devel { Some(">0.0.0-0") } else { None }),
        ..request
    };
    let mut fetched = if reference.starts_with(registry::reference::OCI_SCHEME) {
        fetch_oci(reference, request, env)?
    } else if let Some(repo_url) = &request.access.repo {
        fetch_from_repo_url(repo_url, reference, request, env)?
    } else if is_url(reference) {
        fetch_url(reference, request, env)?
    } else {
        let Some((repo_name, chart_name)) = reference.split_once('/') else {
            return Err(format!("non-absolute URLs should be in form of repo_name/path_to_chart, got: {reference}"));
        };
        fetch_from_named_repo(repo_name, chart_name, request, env)?
    };
    if request.access.verify {
        let Some(prov) = &fetched.provenance else {
            return Err(format!("failed to fetch provenance for {}", fetched.file_name));
        };
        fetched.verification =
            Some(verify_provenance(&fetched.archive, prov, &fetched.file_name, request.access.keyring.as_deref(), env)?);
    }
    Ok(fetched)
}

fn fetch_oci(reference: &str, request: ChartRequest<'_>, env: &Env) -> Result<Fetched, String> {
    let host = registry::reference::Reference::parse(reference).map_err(|e| e.message)?.registry;
    let options = super::registry::connect_options(
        env,
        &host,
        request.transport,
        request.access.username.as_deref(),
        request.access.password.as_deref(),
    )?;
    let pulled = registry::helm::pull(reference, request.version, &options).map_err(|e| {
        // Version resolution fails before any fetch; Helm reports it bare.
        if e.message.starts_with("could not locate a version") {
            e.message
        } else {
            format!("failed to perform \"FetchReference\" on source: {}", e.message)
        }
    })?;
    let file_name = format!("{}-{}.tgz", pulled.outcome.chart_name, pulled.outcome.chart_version);
    if request.access.verify && pulled.provenance.is_none() {
        return Err(format!("failed to fetch provenance \"{reference}\": the registry holds no provenance layer for this chart"));
    }
    let pull_report = format!("Pulled: {}\nDigest: {}\n", pulled.outcome.reference, pulled.outcome.digest);
    // Like Helm, the provenance is only kept when asked for (--verify, pull --prov).
    let provenance = pulled.provenance.filter(|_| request.access.verify || request.want_provenance);
    Ok(Fetched {
        file_name,
        chart_name: pulled.outcome.chart_name.clone(),
        pull_report,
        archive: pulled.archive,
        provenance,
        verification: None,
    })
}

/// Connection settings for a URL: the flags, over those of the configured repository
/// whose URL the chart's URL starts with (Helm reuses its credentials and TLS files).
fn entry_for_url(url: &str, request: ChartRequest<'_>, env: &Env) -> Result<RepoEntry, String> {
    let file = RepoFile::load(&super::repo::config_path(env)).map_err(|e| e.message)?;
    let mut entry = file
        .repositories
        .iter()
        .find(|r| !r.url.is_empty() && url.starts_with(r.url.trim_end_matches('/')))
        .cloned()
        .unwrap_or_else(|| RepoEntry { url: url.to_string(), ..Default::default() });
    apply_flags(&mut entry, request, env);
    Ok(entry)
}

/// The entry with its TLS files resolved against the working directory (Helm keeps
/// them in `repositories.yaml` as given and reads them relative to where it runs).
pub fn with_local_files(entry: &RepoEntry, env: &Env) -> RepoEntry {
    let mut entry = entry.clone();
    for file in [&mut entry.ca_file, &mut entry.cert_file, &mut entry.key_file] {
        if !file.is_empty() {
            *file = env.path(file).display().to_string();
        }
    }
    entry
}

fn apply_flags(entry: &mut RepoEntry, request: ChartRequest<'_>, env: &Env) {
    *entry = with_local_files(entry, env);
    let (transport, access) = (request.transport, request.access);
    if let Some(u) = &access.username {
        entry.username = u.clone();
    }
    if let Some(p) = &access.password {
        entry.password = p.clone();
    }
    entry.pass_credentials_all |= access.pass_credentials;
    entry.insecure_skip_tls_verify |= transport.insecure_skip_tls_verify;
    if let Some(ca) = &transport.ca_file {
        entry.ca_file = env.path(ca).display().to_string();
    }
    if let Some(c) = &transport.cert_file {
        entry.cert_file = env.path(c).display().to_string();
    }
    if let Some(k) = &transport.key_file {
        entry.key_file = env.path(k).display().to_string();
    }
}

/// The provenance beside an archive URL, when `--verify` asks for it.
fn fetch_provenance(url: &str, entry: &RepoEntry, request: ChartRequest<'_>) -> Result<Option<Vec<u8>>, String> {
    if !request.access.verify && !request.want_provenance {
        return Ok(None);
    }
    let prov_url = format!("{url}.prov");
    match repo::http_get(&prov_url, entry) {
        Ok(data) => Ok(Some(data)),
        Err(_) if request.access.verify => Err(format!("failed to fetch provenance {}", chart::goquote::quote(&prov_url))),
        // `pull --prov` without verification: Helm goes on without it.
        Err(_) => Ok(None),
    }
}

fn fetch_url(url: &str, request: ChartRequest<'_>, env: &Env) -> Result<Fetched, String> {
    let entry = entry_for_url(url, request, env)?;
    let archive = repo::http_get(url, &entry).map_err(|e| e.message)?;
    let chart_name = loadable(&archive, url)?;
    let file_name = url
        .split(['?', '#'])
        .next()
        .and_then(|u| u.rsplit('/').next())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("{chart_name}.tgz"));
    let provenance = fetch_provenance(url, &entry, request)?;
    Ok(Fetched { file_name, chart_name, archive, provenance, pull_report: String::new(), verification: None })
}

/// The chart's name, or why the bytes are not a chart (checked before anything is
/// written: a `..` entry, a bad Chart.yaml, not gzip at all).
fn loadable(archive: &[u8], source: &str) -> Result<String, String> {
    let mut warnings = Vec::new();
    chart::load_archive(archive, &mut warnings)
        .map(|c| c.name().to_string())
        .map_err(|e| format!("{source}: not a usable chart archive: {}", e.message))
}

/// Helm's `slog` warning when `--version` was a range rather than a listed version:
/// `level=WARN msg="…" chart=NAME requested=RANGE selected=VERSION`.
fn inexact_version_warning(chart_name: &str, requested: Option<&str>, selected: &str) -> String {
    let Some(requested) = requested.filter(|r| *r != selected) else { return String::new() };
    // slog's text handler quotes values that are empty or hold spaces, quotes or '='.
    let value = |v: &str| {
        if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c == '"' || c == '=' || c.is_control()) {
            chart::goquote::quote(v)
        } else {
            v.to_string()
        }
    };
    format!(
        "level=WARN msg=\"unable to find exact version requested; falling back to closest available version\" chart={} requested={} selected={}\n",
        value(chart_name),
        value(requested),
        value(selected)
    )
}

/// Downloads the chart a repository index lists, checking the index's digest.
fn download_listed(
    entry: &RepoEntry,
    found: &repo::ChartVersion,
    chart_name: &str,
    request: ChartRequest<'_>,
) -> Result<Fetched, String> {
    let warning = inexact_version_warning(chart_name, request.version, &found.version);
    let url = found.urls.first().ok_or_else(|| format!("chart \"{chart_name}\" has no downloadable URLs"))?;
    let url = repo::resolve_url(&entry.url, url);
    let archive = repo::http_get(&url, entry).map_err(|e| e.message)?;
    if !found.digest.is_empty() {
        let digest = registry::sha256_digest(&archive);
        if digest.trim_start_matches("sha256:") != found.digest {
            return Err(format!("digest mismatch for {url}: index says sha256:{}, got {digest}", found.digest));
        }
    }
    let loaded_name = loadable(&archive, &url)?;
    let file_name = url
        .rsplit('/')
        .next()
        .filter(|n| n.ends_with(".tgz"))
        .map(str::to_string)
        .unwrap_or_else(|| format!("{chart_name}-{}.tgz", found.version));
    let provenance = fetch_provenance(&url, entry, request)?;
    Ok(Fetched { file_name, chart_name: loaded_name, archive, provenance, pull_report: warning, verification: None })
}

fn fetch_from_named_repo(repo_name: &str, chart_name: &str, request: ChartRequest<'_>, env: &Env) -> Result<Fetched, String> {
    let file = RepoFile::load(&super::repo::config_path(env)).map_err(|e| e.message)?;
    let mut entry = file.get(repo_name).cloned().ok_or_else(|| format!("repo {repo_name} not found"))?;
    apply_flags(&mut entry, request, env);
    let index = repo::cached_index(repo_name, &super::repo::cache_path(env))
        .map_err(|e| format!("no cached repo found. (try 'helm repo update'): {}", e.message))?;
    let found = index.find(chart_name, request.version, request.devel).map_err(|e| {
        format!(
            "chart \"{chart_name}\" matching {} not found in {repo_name} index. (try 'helm repo update'): {}",
            request.version.unwrap_or(""),
            e.message
        )
    })?;
    download_listed(&entry, found, chart_name, request)
}

/// `NAME --repo URL`: the repository's index is fetched for this one lookup.
fn fetch_from_repo_url(repo_url: &str, chart_name: &str, request: ChartRequest<'_>, env: &Env) -> Result<Fetched, String> {
    let mut entry = RepoEntry { url: repo_url.to_string(), ..Default::default() };
    apply_flags(&mut entry, request, env);
    let index_url = format!("{}/index.yaml", repo_url.trim_end_matches('/'));
    let data = repo::http_get(&index_url, &entry).map_err(|e| {
        format!("looks like \"{repo_url}\" is not a valid chart repository or cannot be reached: {}", e.message)
    })?;
    let index = repo::Index::parse(&data)
        .map_err(|e| format!("looks like \"{repo_url}\" is not a valid chart repository or cannot be reached: {}", e.message))?;
    let found = index.find(chart_name, request.version, request.devel).map_err(|_| match request.version {
        Some(v) => format!("chart \"{chart_name}\" version \"{v}\" not found in {repo_url} repository"),
        None => format!("chart \"{chart_name}\" not found in {repo_url} repository"),
    })?;
    download_listed(&entry, found, chart_name, request)
}
