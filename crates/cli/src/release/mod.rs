//! The release verbs (install, upgrade, rollback, uninstall, history, list, status, get,
//! diff upgrade):
//! flags and printing here, the work in the `deploy` crate.

pub mod diff;
pub mod install;
pub mod manage;
pub mod query;

use chart::api::{ChartSource, RenderRequest};
use chart::fsload::io_text;
use deploy::action::Deployer;
use deploy::cluster::{Cluster, ClusterOptions};
use deploy::storage::{DriverKind, Storage};

use crate::args::{GlobalArgs, ValuesArgs};
use crate::{Env, Outcome};

/// Runs a future to completion on a runtime of its own (commands are synchronous).
pub(crate) fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|err| format!("cannot start the async runtime: {err}"))?;
    Ok(runtime.block_on(future))
}

pub(crate) fn cluster_options(global: &GlobalArgs, env: &Env) -> ClusterOptions {
    ClusterOptions {
        kubeconfig: global.kubeconfig.clone().map(|path| env.path(&path).to_string_lossy().into_owned()),
        context: global.kube_context.clone(),
        namespace: global.namespace.clone(),
        env: env.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    }
}

/// Connects to the cluster and opens the release storage `HELM_DRIVER` names.
pub(crate) async fn connect(global: &GlobalArgs, env: &Env, all_namespaces: bool) -> Result<(Cluster, Storage), String> {
    let cluster = Cluster::connect(&cluster_options(global, env)).await.map_err(|err| err.to_string())?;
    let driver = DriverKind::from_helm_driver(env.var("HELM_DRIVER").unwrap_or("")).map_err(|err| err.to_string())?;
    let namespace = if all_namespaces { None } else { Some(cluster.namespace.as_str()) };
    let storage = Storage::new(driver.open(cluster.client.clone(), namespace));
    Ok((cluster, storage))
}

/// Why [`connect_deployer`] failed: the server did not answer (each command words that its own
/// way, as Helm does), or anything else (kubeconfig, discovery).
pub(crate) enum ConnectError {
    Unreachable(String),
    Other(String),
}

impl From<ConnectError> for String {
    fn from(err: ConnectError) -> String {
        match err {
            ConnectError::Unreachable(message) | ConnectError::Other(message) => message,
        }
    }
}

/// Connects, checks that the server answers (Helm's `IsReachable`), and returns a deployer
/// with the server's version and API versions for rendering.
pub(crate) async fn connect_deployer(global: &GlobalArgs, env: &Env) -> Result<(Deployer, Capabilities), ConnectError> {
    let (mut cluster, storage) = connect(global, env, false).await.map_err(ConnectError::Other)?;
    let version = cluster.server_version().await.map_err(|err| ConnectError::Unreachable(err.to_string()))?;
    let api_versions = cluster.resources().await.map_err(|err| ConnectError::Other(err.to_string()))?.api_versions.clone();
    let mut deployer = Deployer::new(cluster, storage);
    deployer.wait_observer = Some(wait_progress(env));
    Ok((deployer, Capabilities { kube_version: Some(version.git_version), api_versions }))
}

/// The process's stderr, written as the command runs (not collected into the `Outcome`):
/// `eprint!`, so that tests running commands in-process capture it like any test output.
struct LiveStderr;

impl std::io::Write for LiveStderr {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        eprint!("{}", String::from_utf8_lossy(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// `--wait`'s live display on stderr: a table redrawn in place on a terminal, one line per
/// resource state change otherwise (`TERM=dumb` counts as no terminal).
pub(crate) fn wait_progress(env: &Env) -> Box<dyn deploy::progress::WaitObserver> {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() && env.var("TERM") != Some("dumb") {
        Box::new(deploy::progress::TableProgress::new(LiveStderr))
    } else {
        Box::new(deploy::progress::LineProgress::new(LiveStderr))
    }
}

/// What the cluster tells the chart about itself.
#[derive(Clone, Debug, Default)]
pub(crate) struct Capabilities {
    pub kube_version: Option<String>,
    pub api_versions: Vec<String>,
}

/// The chart and values of an install or upgrade, ready to render.
pub(crate) struct RenderInputs<'a> {
    pub chart: &'a str,
    pub release_name: &'a str,
    pub namespace: &'a str,
    pub values: &'a ValuesArgs,
    /// Values that go under the command line's (`--reuse-values`: the release's config).
    pub base_values: Option<String>,
    /// JSON that replaces the chart's default values (`--reuse-values`: the old release's
    /// computed values, as Helm sets `chart.Values`).
    pub chart_values: Option<String>,
    pub is_upgrade: bool,
    pub skip_schema_validation: bool,
    pub no_hooks: bool,
    /// `--max-*` flags (and their environment variables).
    pub limits: &'a crate::args::LimitArgs,
}

/// Renders the chart as Helm does for an install or upgrade against `capabilities`.
pub(crate) fn render(inputs: &RenderInputs<'_>, capabilities: &Capabilities, env: &Env) -> Result<chart::api::RenderResult, String> {
    let chart_path = env.path(inputs.chart);
    if !chart_path.exists() {
        return Err(format!("path \"{}\" not found", inputs.chart));
    }
    let mut values_files = Vec::new();
    if let Some(base) = &inputs.base_values {
        values_files.push(("(previous release values)".to_string(), base.clone()));
    }
    for file in &inputs.values.values {
        let text = std::fs::read_to_string(env.path(file)).map_err(|err| format!("open {file}: {}", io_text(&err)))?;
        values_files.push((file.clone(), text));
    }
    let mut set_file = Vec::new();
    for line in &inputs.values.set_file {
        for pair in line.split(',') {
            if let Some((_, path)) = pair.split_once('=') {
                let text = std::fs::read_to_string(env.path(path)).map_err(|err| format!("open {path}: {}", io_text(&err)))?;
                set_file.push((pair.to_string(), text));
            }
        }
    }
    let mut warnings = Vec::new();
    let limits = inputs.limits.resolve(env)?;
    let mut loaded = chart::fsload::load_path_with(&chart_path, &limits.load, &mut warnings).map_err(|err| err.message)?;
    if let Some(text) = &inputs.chart_values {
        let parsed = godata::json::parse(text).map_err(|err| format!("failed to rebuild old values: {err}"))?;
        loaded.values = parsed.as_map().cloned().ok_or("failed to rebuild old values: not a map")?;
    }
    let request = RenderRequest {
        chart: ChartSource::Loaded(Box::new(loaded)),
        release_name: inputs.release_name.to_string(),
        namespace: inputs.namespace.to_string(),
        kube_version: capabilities.kube_version.clone(),
        api_versions: capabilities.api_versions.clone(),
        values_files,
        set_json: inputs.values.set_json.clone(),
        set: inputs.values.set.clone(),
        set_string: inputs.values.set_string.clone(),
        set_file,
        set_literal: inputs.values.set_literal.clone(),
        is_upgrade: inputs.is_upgrade,
        no_hooks: inputs.no_hooks,
        skip_schema_validation: inputs.skip_schema_validation,
        limits,
        ..RenderRequest::default()
    };
    chart::api::render(&request).map_err(|failure| failure.message)
}

/// The namespace a command works in without contacting the cluster (for `--dry-run=client`).
pub(crate) fn offline_namespace(global: &GlobalArgs, env: &Env) -> String {
    global.namespace.clone().or_else(|| env.var("HELM_NAMESPACE").map(str::to_string)).unwrap_or_else(|| "default".into())
}

pub(crate) fn ok(stdout: String) -> Outcome {
    Outcome { stdout: stdout.into_bytes(), stderr: Vec::new(), code: 0 }
}

