//! `chartroom lint`: Helm's lint rules over chart directories and archives, printed as
//! `helm lint` prints them.

use std::path::{Path, PathBuf};

use chart::lint::{Entry, LintInput, LintOptions, Message, Severity};
use chart::UserValues;
use clap::Args;

use super::io_text;
use crate::args::{GlobalArgs, ValuesArgs};
use crate::{Env, Outcome};

/// `helm lint` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct LintArgs {
    /// PATH [...]: chart directories or archives (default: the current directory)
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub values: ValuesArgs,
    /// fail on lint warnings
    #[arg(long)]
    pub strict: bool,
    /// print only warnings and errors
    #[arg(long)]
    pub quiet: bool,
    /// lint dependent charts
    #[arg(long = "with-subcharts")]
    pub with_subcharts: bool,
    /// Kubernetes version used for capabilities and deprecation checks
    #[arg(long = "kube-version")]
    pub kube_version: Option<String>,
    /// if set, disables JSON schema validation
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
}

/// What one chart's lint found: its messages, and errors that stopped it before the rules.
struct ChartResult {
    messages: Vec<Message>,
    errors: Vec<String>,
}

pub fn run(global: &GlobalArgs, args: &LintArgs, env: &Env) -> Outcome {
    let mut paths: Vec<String> = if args.paths.is_empty() { vec![".".into()] } else { args.paths.clone() };
    if let Some(kv) = &args.kube_version {
        if let Err(e) = chart::toplevel::KubeVersion::parse(kv) {
            return Outcome::error(format!("invalid kube version '{kv}': {e}"));
        }
    }
    if args.with_subcharts {
        let mut extra = Vec::new();
        for p in &paths {
            find_subcharts(&env.path(p).join("charts"), &Path::new(p).join("charts"), &mut extra, 0);
        }
        paths.extend(extra);
    }
    let options = match lint_options(global, args, env) {
        Ok(o) => o,
        Err(e) => return Outcome::error(e),
    };
    let lowest_failing = if args.strict { Severity::Warning } else { Severity::Error };
    let mut out = String::new();
    let (mut failed, mut with_findings) = (0, 0);
    for path in &paths {
        let result = lint_path(path, env, &options);
        let failing: Vec<&Message> = result.messages.iter().filter(|m| m.severity >= lowest_failing).collect();
        let has_findings = !result.errors.is_empty() || result.messages.iter().any(|m| m.severity > Severity::Info);
        if has_findings {
            with_findings += 1;
        }
        if args.quiet && !has_findings {
            continue;
        }
        out.push_str(&format!("==> Linting {path}\n"));
        if result.messages.is_empty() {
            for e in &result.errors {
                out.push_str(&format!("Error {e}\n"));
            }
        }
        for m in &result.messages {
            if !args.quiet || m.severity > Severity::Info {
                out.push_str(&format!("{m}\n"));
            }
        }
        if !result.errors.is_empty() || !failing.is_empty() {
            failed += 1;
        }
        out.push('\n');
    }
    let summary = format!("{} chart(s) linted, {failed} chart(s) failed", paths.len());
    if failed > 0 {
        let mut outcome = Outcome::error(summary);
        outcome.stdout = out.into_bytes();
        return outcome;
    }
    if !args.quiet || with_findings > 0 {
        out.push_str(&summary);
        out.push('\n');
    }
    Outcome { stdout: out.into_bytes(), ..Default::default() }
}

/// Helm walks `charts/` for directories holding a Chart.yaml and for archives.
fn find_subcharts(dir: &Path, shown: &Path, out: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(read) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = read.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    entries.sort();
    for name in entries {
        let path = dir.join(&name);
        let shown_path = shown.join(&name);
        if path.is_dir() {
            if path.join("Chart.yaml").is_file() {
                out.push(shown_path.to_string_lossy().into_owned());
            }
            find_subcharts(&path, &shown_path, out, depth + 1);
        } else if name.ends_with(".tgz") || name.ends_with(".tar.gz") {
            out.push(shown_path.to_string_lossy().into_owned());
        }
    }
}

fn lint_options(global: &GlobalArgs, args: &LintArgs, env: &Env) -> Result<LintOptions, String> {
    let mut files = Vec::new();
    for f in &args.values.values {
        let text = std::fs::read_to_string(env.path(f)).map_err(|e| format!("open {f}: {}", io_text(&e)))?;
        files.push((f.clone(), text));
    }
    let mut set_file = Vec::new();
    let mut file_contents = Vec::new();
    for line in &args.values.set_file {
        for kv in line.split(',') {
            if let Some((_, path)) = kv.split_once('=') {
                let content = std::fs::read_to_string(env.path(path)).map_err(|e| io_text(&e));
                set_file.push((kv.to_string(), content.clone().unwrap_or_default()));
                file_contents.push((path.to_string(), content));
            }
        }
    }
    let user_values = UserValues {
        files,
        set_json: args.values.set_json.clone(),
        set: args.values.set.clone(),
        set_string: args.values.set_string.clone(),
        set_file: args.values.set_file.clone(),
        set_literal: args.values.set_literal.clone(),
        file_contents,
    };
    // Helm merges the values before linting and stops on a bad one.
    user_values.merge().map_err(|e| e.message)?;
    let namespace = global
        .namespace
        .clone()
        .or_else(|| env.var("HELM_NAMESPACE").map(str::to_string))
        .unwrap_or_else(|| "default".to_string());
    Ok(LintOptions {
        namespace,
        kube_version: args.kube_version.clone(),
        user_values,
        set_file,
        skip_schema_validation: args.skip_schema_validation,
        limits: global.limits.resolve(env)?,
    })
}

fn lint_path(path: &str, env: &Env, options: &LintOptions) -> ChartResult {
    let full = env.path(path);
    let input = if path.ends_with(".tgz") || path.ends_with(".tar.gz") {
        archive_input(&full, &options.limits.load)
    } else {
        match std::fs::metadata(full.join("Chart.yaml")) {
            Err(e) => Err(format!(
                "unable to check Chart.yaml file in chart: stat {}: {}",
                Path::new(path).join("Chart.yaml").display(),
                io_text(&e)
            )),
            Ok(_) => Ok(directory_input(&full, &options.limits.load)),
        }
    };
    match input {
        Ok(input) => ChartResult { messages: chart::lint::lint(&input, options), errors: Vec::new() },
        Err(e) => ChartResult { messages: Vec::new(), errors: vec![e] },
    }
}

fn entry_of(path: &Path) -> Entry {
    match std::fs::metadata(path) {
        Err(_) => Entry::Missing,
        Ok(m) if m.is_dir() => Entry::Directory,
        Ok(_) => Entry::File(std::fs::read(path).unwrap_or_default()),
    }
}

fn directory_input(dir: &Path, limits: &chart::load::LoadLimits) -> LintInput {
    let absolute: PathBuf = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut warnings = Vec::new();
    let values_schema = std::fs::read(dir.join("values.schema.json")).ok();
    let templates = match entry_of(&dir.join("templates")) {
        // Only whether it is a file matters; do not keep its bytes.
        Entry::File(_) => Entry::File(Vec::new()),
        other => other,
    };
    let crds = match entry_of(&dir.join("crds")) {
        Entry::File(_) => Entry::File(Vec::new()),
        other => other,
    };
    LintInput {
        chart_dir: clean_path(&absolute),
        chart_yaml: entry_of(&dir.join("Chart.yaml")),
        values_yaml: entry_of(&dir.join("values.yaml")),
        values_schema,
        templates,
        crds,
        chart: chart::fsload::load_dir_with(dir, limits, &mut warnings).map_err(|e| e.message),
    }
}

/// A `.tgz` is linted from its files (Helm expands it to a temporary directory).
fn archive_input(path: &Path, limits: &chart::load::LoadLimits) -> Result<LintInput, String> {
    let data = std::fs::read(path).map_err(|e| format!("unable to extract tarball: open {}: {}", path.display(), io_text(&e)))?;
    let files = chart::load::load_archive_files_with(&data, limits).map_err(|e| format!("unable to extract tarball: {}", e.message))?;
    let find = |name: &str| files.iter().find(|f| f.name == name).map(|f| f.data.to_vec());
    let has_dir = |prefix: &str| files.iter().any(|f| f.name.starts_with(prefix));
    let mut warnings = Vec::new();
    let chart = chart::load::load_files_with(files.iter().map(|f| (f.name.clone(), f.data.to_vec())).collect(), limits, &mut warnings)
        .map_err(|e| e.message);
    let name = chart.as_ref().map(|c| c.name().to_string()).unwrap_or_default();
    Ok(LintInput {
        chart_dir: format!("{}/{name}", std::env::temp_dir().join("helm-lint").display()),
        chart_yaml: find("Chart.yaml").map_or(Entry::Missing, Entry::File),
        values_yaml: find("values.yaml").map_or(Entry::Missing, Entry::File),
        values_schema: find("values.schema.json"),
        templates: if has_dir("templates/") { Entry::Directory } else { Entry::Missing },
        crds: if has_dir("crds/") { Entry::Directory } else { Entry::Missing },
        chart,
    })
}

/// Go's `filepath.Abs` cleans the path (no `.` components, no trailing slash).
fn clean_path(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::RootDir => parts.clear(),
            other => parts.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    format!("/{}", parts.join("/"))
}
