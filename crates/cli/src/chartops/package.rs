//! `chartroom package`: a chart directory to `NAME-VERSION.tgz`, as `helm package` writes it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use chart::package::{ModTimes, PackageOptions};
use chart::Chart;
use clap::Args;

use super::io_text;
use crate::{Env, Outcome};

/// `helm package` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct PackageArgs {
    /// [CHART_PATH] [...]
    #[arg(value_name = "CHART_PATH", num_args = 1..)]
    pub charts: Vec<String>,
    /// set the version on the chart to this semver version
    #[arg(long)]
    pub version: Option<String>,
    /// set the appVersion on the chart to this version
    #[arg(long = "app-version")]
    pub app_version: Option<String>,
    /// location to write the chart.
    #[arg(short = 'd', long = "destination", default_value = ".")]
    pub destination: String,
    /// use a PGP private key to sign this package
    #[arg(long)]
    pub sign: bool,
    /// name of the key to use when signing. Used if --sign is true
    #[arg(long)]
    pub key: Option<String>,
    /// location of a public keyring
    #[arg(long)]
    pub keyring: Option<String>,
    /// location of a file which contains the passphrase for the signing key. Use "-" in order to read from stdin.
    #[arg(long = "passphrase-file")]
    pub passphrase_file: Option<String>,
}

pub fn run(global: &crate::args::GlobalArgs, args: &PackageArgs, env: &Env) -> Outcome {
    let limits = match global.limits.resolve(env) {
        Ok(limits) => limits,
        Err(msg) => return Outcome::error(msg),
    };
    let mut stdout = String::new();
    for chart_ref in &args.charts {
        match package_one(chart_ref, args, &limits.load, env) {
            Ok(saved) => stdout.push_str(&format!("Successfully packaged chart and saved it to: {}\n", saved.display())),
            Err(msg) => {
                let mut out = Outcome::error(msg);
                out.stdout = stdout.into_bytes();
                return out;
            }
        }
    }
    Outcome { stdout: stdout.into_bytes(), ..Default::default() }
}

fn package_one(chart_ref: &str, args: &PackageArgs, limits: &chart::load::LoadLimits, env: &Env) -> Result<PathBuf, String> {
    let dir = env.path(chart_ref);
    let meta = std::fs::metadata(&dir).map_err(|e| format!("stat {chart_ref}: {}", io_text(&e)))?;
    if !meta.is_dir() {
        return Err(format!("{chart_ref} is not a directory"));
    }
    let mut warnings = Vec::new();
    let loaded = chart::fsload::load_dir_with(&dir, limits, &mut warnings).map_err(|e| e.message)?;
    let times = mod_times(&dir, &loaded)?;
    let options = PackageOptions { version: args.version.clone(), app_version: args.app_version.clone() };
    let package = chart::package::package(&loaded, &options, &times).map_err(|e| e.message)?;
    let dest = env.path(&args.destination);
    std::fs::create_dir_all(&dest).map_err(|e| format!("mkdir {}: {}", dest.display(), io_text(&e)))?;
    let target = dest.join(&package.file_name);
    // Signed before anything is written, so a signing failure leaves no unsigned archive.
    let provenance = if args.sign { Some(sign(&package, args, env)?) } else { None };
    write_atomically(&target, &package.data)?;
    if let Some(prov) = provenance {
        write_atomically(&dest.join(format!("{}.prov", package.file_name)), prov.as_bytes())?;
    }
    // Helm prints the destination as given, except that the default `.` becomes the
    // working directory.
    let shown = if args.destination == "." {
        env.cwd.join(&package.file_name)
    } else {
        Path::new(&args.destination).join(&package.file_name)
    };
    Ok(shown)
}

/// `--sign`: the `.prov` text for a packaged chart, signed with `--key` from `--keyring`
/// (Helm signs the metadata of the archive as written, with `--version` applied).
fn sign(package: &chart::package::Package, args: &PackageArgs, env: &Env) -> Result<String, String> {
    let key_name = args.key.as_deref().filter(|k| !k.is_empty()).ok_or("--key is required for signing a package")?;
    let ring = super::resolve::load_keyring(args.keyring.as_deref(), env)?;
    let key = ring.signing_key(key_name).map_err(|e| e.message)?;
    let passphrase = match args.passphrase_file.as_deref() {
        None => String::new(),
        Some("-") => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| format!("reading stdin: {e}"))?;
            text.lines().next().unwrap_or("").to_string()
        }
        Some(file) => {
            let text = std::fs::read_to_string(env.path(file)).map_err(|e| format!("open {file}: {}", io_text(&e)))?;
            text.lines().next().unwrap_or("").to_string()
        }
    };
    let mut warnings = Vec::new();
    let loaded = chart::load_archive(&package.data, &mut warnings).map_err(|e| e.message)?;
    let metadata = chart::package::chart_yaml(&loaded.metadata).map_err(|e| e.message)?;
    registry::provenance::sign(&package.data, &package.file_name, &metadata, key, &passphrase).map_err(|e| e.message)
}

/// A chart directory as Helm's `chartutil.Save` archives it (no dependency checks, as
/// for `file://` dependencies): file name `NAME-VERSION.tgz`, bytes, version.
pub(crate) fn archive_dir(dir: &Path) -> Result<(String, Vec<u8>, String), String> {
    let mut warnings = Vec::new();
    let loaded = chart::fsload::load_dir(dir, &mut warnings).map_err(|e| e.message)?;
    let times = mod_times(dir, &loaded)?;
    let data = chart::package::archive(&loaded, &times).map_err(|e| e.message)?;
    Ok((format!("{}-{}.tgz", loaded.name(), loaded.metadata.version), data, loaded.metadata.version.clone()))
}

/// Writes through a temporary file and a rename, so a failure leaves no half-written archive.
pub(crate) fn write_atomically(target: &Path, data: &[u8]) -> Result<(), String> {
    let tmp = target.with_extension("tgz.partial");
    std::fs::write(&tmp, data).map_err(|e| format!("open {}: {}", tmp.display(), io_text(&e)))?;
    std::fs::rename(&tmp, target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("rename {}: {}", target.display(), io_text(&e))
    })
}

/// A file of a chart's source (directory or archive): path relative to the chart root,
/// modification time, and the bytes of nested `.tgz` files.
struct SourceEntry {
    rel: String,
    mtime: i64,
    nested_archive: Option<Vec<u8>>,
}

/// The modification times Helm stamps on each archive entry: each file's own time,
/// whether it sits in the chart directory, a subchart directory or a subchart archive.
fn mod_times(dir: &Path, chart: &Chart) -> Result<ModTimes, String> {
    let mut entries = Vec::new();
    walk_dir(dir, "", &mut entries, 0)?;
    let now = std::time::SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let mut times = ModTimes { by_path: HashMap::new(), default: now };
    collect_times(chart, &entries, chart.name(), &mut times.by_path, 0)?;
    Ok(times)
}

const MAX_DEPTH: usize = 64;

/// Go's tar writer rounds times to the nearest second (halves away from zero).
fn round_to_second(d: std::time::Duration) -> i64 {
    d.as_secs() as i64 + i64::from(d.subsec_nanos() >= 500_000_000)
}

fn walk_dir(dir: &Path, rel: &str, out: &mut Vec<SourceEntry>, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("too many levels of directories at {}", dir.display()));
    }
    let mut names: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .map_err(|e| format!("open {}: {}", dir.display(), io_text(&e)))?
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    names.sort();
    for (name, path) in names {
        let rel_name = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        let Ok(meta) = std::fs::metadata(&path) else { continue };
        if meta.is_dir() {
            walk_dir(&path, &rel_name, out, depth + 1)?;
            continue;
        }
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(round_to_second);
        let nested_archive = if rel_name.starts_with("charts/") && rel_name.ends_with(".tgz") {
            std::fs::read(&path).ok()
        } else {
            None
        };
        out.push(SourceEntry { rel: rel_name, mtime: mtime.unwrap_or(0), nested_archive });
    }
    Ok(())
}

fn collect_times(
    chart: &Chart,
    entries: &[SourceEntry],
    base: &str,
    out: &mut HashMap<String, i64>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("charts are nested too deeply".into());
    }
    for e in entries {
        out.insert(format!("{base}/{}", e.rel), e.mtime);
    }
    // The loader reads subcharts from `charts/X` in sorted order of X, skipping names
    // that start with `_` or `.`: the same order as `chart.dependencies`.
    let mut groups: BTreeMap<&str, Vec<&SourceEntry>> = BTreeMap::new();
    for e in entries {
        if let Some(inner) = e.rel.strip_prefix("charts/") {
            let first = inner.split('/').next().unwrap_or("");
            if inner.contains('/') || first.ends_with(".tgz") {
                groups.entry(first).or_default().push(e);
            }
        }
    }
    let groups: Vec<(&str, Vec<&SourceEntry>)> =
        groups.into_iter().filter(|(name, _)| !name.starts_with(['_', '.'])).collect();
    if groups.len() != chart.dependencies.len() {
        return Ok(());
    }
    for ((group, files), dep) in groups.into_iter().zip(&chart.dependencies) {
        let dep_base = format!("{base}/charts/{}", dep.name());
        let sub_entries: Vec<SourceEntry> = if group.ends_with(".tgz") {
            let Some(data) = files.first().and_then(|f| f.nested_archive.as_ref()) else { continue };
            let Ok(archived) = chart::package::archive_entries(data) else { continue };
            archived
                .into_iter()
                .filter_map(|a| {
                    let (_, rest) = a.name.split_once('/')?;
                    Some(SourceEntry { rel: rest.to_string(), mtime: a.mtime, nested_archive: a.nested_archive })
                })
                .collect()
        } else {
            let prefix = format!("charts/{group}/");
            files
                .iter()
                .filter_map(|f| {
                    Some(SourceEntry {
                        rel: f.rel.strip_prefix(&prefix)?.to_string(),
                        mtime: f.mtime,
                        nested_archive: f.nested_archive.clone(),
                    })
                })
                .collect()
        };
        collect_times(dep, &sub_entries, &dep_base, out, depth + 1)?;
    }
    Ok(())
}
