//! `chartroom template`: render a chart locally, printed as `helm template` prints it.

use chart::api::{ChartSource, RenderRequest};
use chart::fsload::io_text;

use clap::Args;

use crate::args::{GlobalArgs, ValuesArgs};
use crate::{Env, Outcome};

/// `helm template` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct TemplateArgs {
    /// [NAME] CHART
    #[arg(num_args = 0..=2, value_name = "NAME CHART")]
    pub args: Vec<String>,
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Kubernetes api versions used for Capabilities.APIVersions (multiple can be specified)
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    pub api_versions: Vec<String>,
    /// Kubernetes version used for Capabilities.KubeVersion
    #[arg(long = "kube-version")]
    pub kube_version: Option<String>,
    /// generate the name (and omit the NAME parameter)
    #[arg(short = 'g', long = "generate-name")]
    pub generate_name: bool,
    /// specify template used to name the release
    #[arg(long = "name-template")]
    pub name_template: Option<String>,
    /// include CRDs in the templated output
    #[arg(long = "include-crds")]
    pub include_crds: bool,
    /// if set, no CRDs will be installed
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
    /// skip tests from templated output
    #[arg(long = "skip-tests")]
    pub skip_tests: bool,
    /// prevent hooks from running during install
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// set .Release.IsUpgrade instead of .Release.IsInstall
    #[arg(long = "is-upgrade")]
    pub is_upgrade: bool,
    /// only show manifests rendered from the given templates
    #[arg(short = 's', long = "show-only")]
    pub show_only: Vec<String>,
    /// writes the executed templates to files in output-dir instead of stdout
    #[arg(long = "output-dir")]
    pub output_dir: Option<String>,
    /// use release name in the output-dir path
    #[arg(long = "release-name")]
    pub release_name: bool,
    /// if set, disables JSON schema validation
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// if set, render subchart notes along with the parent
    #[arg(long = "render-subchart-notes")]
    pub render_subchart_notes: bool,
    /// fail on missing values (missingkey=error), like `lint --strict`
    #[arg(long = "strict")]
    pub strict: bool,
    /// update dependencies if they are missing before installing the chart
    #[arg(long = "dependency-update")]
    pub dependency_update: bool,
    /// the path to an executable to post-process the rendered manifests
    #[arg(long = "post-renderer")]
    pub post_renderer: Option<String>,
    /// an argument to the post-renderer (can specify multiple)
    #[arg(long = "post-renderer-args")]
    pub post_renderer_args: Vec<String>,
    /// add a custom description
    #[arg(long = "description")]
    pub description: Option<String>,
    /// specify a version constraint for the chart version to use
    #[arg(long = "version")]
    pub version: Option<String>,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    #[command(flatten)]
    pub transport: crate::chartops::registry::TransportArgs,
    #[command(flatten)]
    pub access: crate::chartops::resolve::ChartAccessArgs,
}

/// Helm's hint after errors that happen while rendering a release.
const DEBUG_HINT: &str = "\n\nUse --debug flag to render out invalid YAML";

pub fn run(global: &GlobalArgs, t: &TemplateArgs, env: &Env) -> Outcome {
    match run_inner(global, t, env) {
        Ok(out) => out,
        Err(msg) => Outcome::error(msg),
    }
}

fn run_inner(global: &GlobalArgs, t: &TemplateArgs, env: &Env) -> Result<Outcome, String> {
    let (release_name, chart_ref) = release_and_chart(t)?;
    let namespace = global
        .namespace
        .clone()
        .or_else(|| env.var("HELM_NAMESPACE").map(str::to_string))
        .unwrap_or_else(|| "default".to_string());

    if let Some(kv) = &t.kube_version {
        // Helm validates the flag before anything else.
        chart::toplevel::KubeVersion::parse(kv).map_err(|e| format!("invalid kube version '{kv}': {e}"))?;
    }

    let limits = global.limits.resolve(env)?;

    // A local chart, else `repo/name` from a configured repository or an `oci://` pull.
    let located = crate::chartops::resolve::locate(
        &chart_ref,
        crate::chartops::resolve::ChartRequest {
            version: t.version.as_deref(),
            devel: t.devel,
            transport: &t.transport,
            access: &t.access,
            want_provenance: false,
        },
        env,
    )?;
    let (chart_path, pull_report) = (located.path, located.stderr);
    // `--dependency-update`: fetch what Chart.yaml names and charts/ lacks; Helm prints
    // the manager's progress on stdout before the manifests.
    let mut progress = crate::chartops::dependency::Progress::default();
    if t.dependency_update {
        progress = crate::chartops::dependency::update_if_missing(&chart_path, env, &t.transport)?;
    }

    let mut values_files = Vec::new();
    for f in &t.values.values {
        let text = std::fs::read_to_string(env.path(f)).map_err(|e| format!("open {f}: {}", io_text(&e)))?;
        values_files.push((f.clone(), text));
    }
    let mut set_file = Vec::new();
    for line in &t.values.set_file {
        for kv in line.split(',') {
            if let Some((_, path)) = kv.split_once('=') {
                let content = std::fs::read_to_string(env.path(path)).unwrap_or_default();
                set_file.push((kv.to_string(), content));
            }
        }
    }

    let mut warnings = Vec::new();
    let loaded = chart::fsload::load_path_with(&chart_path, &limits.load, &mut warnings).map_err(|e| e.message)?;
    let req = RenderRequest {
        chart: ChartSource::Loaded(Box::new(loaded)),
        release_name,
        namespace,
        kube_version: t.kube_version.clone(),
        api_versions: t.api_versions.clone(),
        values_files,
        set_json: t.values.set_json.clone(),
        set: t.values.set.clone(),
        set_string: t.values.set_string.clone(),
        set_file,
        set_literal: t.values.set_literal.clone(),
        is_upgrade: t.is_upgrade,
        include_crds: t.include_crds,
        skip_tests: t.skip_tests,
        no_hooks: t.no_hooks,
        show_only: t.show_only.clone(),
        skip_schema_validation: t.skip_schema_validation,
        render_subchart_notes: t.render_subchart_notes,
        strict: t.strict,
        lint_mode: false,
        source_map: false,
        post_renderer: t.post_renderer.as_ref().map(|cmd| post_renderer(env, cmd, &t.post_renderer_args)),
        limits,
    };
    match chart::api::render(&req) {
        Ok(mut result) => {
            let mut stderr = pull_report + &progress.stderr;
            for w in warnings.iter().chain(&result.warnings) {
                stderr.push_str(w);
                stderr.push('\n');
            }
            let stdout = match &t.output_dir {
                Some(dir) => write_output_dir(env, dir, t.release_name.then_some(req.release_name.as_str()), &result)?,
                None => std::mem::take(&mut result.output),
            };
            if chart::render::exiting_soon() {
                // The chart, values and documents: freed by the process exit (see there).
                std::mem::forget(result);
                std::mem::forget(req);
            }
            Ok(Outcome { stdout: (progress.stdout + &stdout).into_bytes(), stderr: stderr.into_bytes(), code: 0 })
        }
        Err(f) if f.during_render => Err(format!("{}{DEBUG_HINT}", f.message)),
        Err(f) => Err(f.message),
    }
}

/// `--output-dir`: each document appended to `DIR/<source path>` (with `--release-name`,
/// `DIR/<release>/<source path>`; CRDs always directly under DIR, as Helm does), a
/// `wrote PATH` line per write, then the (empty) manifest's newline. Everything was rendered
/// before the first write, so a render error writes nothing.
fn write_output_dir(
    env: &Env,
    dir: &str,
    release: Option<&str>,
    result: &chart::api::RenderResult,
) -> Result<String, String> {
    use std::io::Write;
    let mut printed = String::new();
    let mut written = std::collections::HashSet::new();
    for doc in &result.documents {
        let base = match release {
            Some(name) if !doc.is_crd => std::path::Path::new(dir).join(name).to_string_lossy().into_owned(),
            _ => dir.to_string(),
        };
        let shown = format!("{base}/{}", doc.source);
        let path = env.path(&shown);
        // Hooks append to a file that exists already (Helm checks the disk for them).
        let append = written.contains(&shown) || (doc.is_hook && path.exists());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("mkdir {}: {e}", parent.display()))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(&path)
            .map_err(|e| format!("open {shown}: {e}"))?;
        write!(file, "---\n# Source: {}\n{}\n", doc.source, doc.content).map_err(|e| format!("write {shown}: {e}"))?;
        written.insert(shown.clone());
        printed.push_str(&format!("wrote {shown}\n"));
    }
    printed.push('\n');
    Ok(printed)
}

/// `--post-renderer CMD`: runs the executable with the rendered manifests on stdin and takes
/// its stdout in their place (Helm 3's post-renderer contract).
fn post_renderer(env: &Env, cmd: &str, args: &[String]) -> chart::api::PostRenderer {
    let program = if cmd.contains('/') { env.path(cmd) } else { std::path::PathBuf::from(cmd) };
    let args = args.to_vec();
    let cwd = env.cwd.clone();
    chart::api::PostRenderer(std::sync::Arc::new(move |input: &str| {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new(&program)
            .args(&args)
            .current_dir(&cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("unable to run {}: {e}", program.display()))?;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        let data = input.as_bytes().to_vec();
        // Feed stdin from a thread so a post-renderer that writes before reading all of its
        // input cannot deadlock us.
        let feeder = std::thread::spawn(move || stdin.write_all(&data));
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        let _ = feeder.join();
        if !out.status.success() {
            return Err(format!(
                "error while running command {}. error output:\n{}: {}",
                program.display(),
                String::from_utf8_lossy(&out.stderr),
                out.status
            ));
        }
        String::from_utf8(out.stdout).map_err(|e| e.to_string())
    }))
}

/// `helm template [NAME] CHART`: one argument is the chart (the release is then named
/// `release-name`, or generated / templated by flags).
fn release_and_chart(t: &TemplateArgs) -> Result<(String, String), String> {
    let name_from_flags = |chart: &str| -> Result<String, String> {
        if let Some(tpl) = &t.name_template {
            return render_name_template(tpl);
        }
        if t.generate_name {
            return Ok(generate_name(chart));
        }
        Ok("release-name".to_string())
    };
    match t.args.as_slice() {
        [chart] => Ok((name_from_flags(chart)?, chart.clone())),
        [name, chart] => {
            if t.generate_name {
                return Err("cannot set --generate-name and also specify a name".into());
            }
            Ok((name.clone(), chart.clone()))
        }
        [] => Err("\"chartroom template\" requires at least 1 argument\n\nUsage:  chartroom template [NAME] [CHART] [flags]".into()),
        _ => Err("\"chartroom template\" accepts at most 2 arguments".into()),
    }
}

/// `--name-template`: a template rendered with Sprig's functions and no data.
fn render_name_template(tpl: &str) -> Result<String, String> {
    let mut set = gotmpl::Templates::new();
    set.add_funcs(&chart::funcs::helm_funcs(&Default::default()));
    set.parse("name-template", tpl).map_err(|e| e.message)?;
    set.execute("name-template", &gotmpl::Value::Nil, &gotmpl::Options::default()).map_err(|e| e.message)
}

/// Helm's generated names: the chart's base name and the Unix time in seconds.
fn generate_name(chart: &str) -> String {
    let base = std::path::Path::new(chart)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chart".into());
    let base = base.trim_end_matches(".tgz");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{base}-{now}")
}
