//! `chartroom install` and `chartroom upgrade`.

use clap::Args;
use deploy::action::{parse_go_duration, InstallOptions, UpgradeOptions, WaitOptions};
use deploy::content::ReleaseContent;
use deploy::printer::{self, OutputFormat, StatusOptions};
use deploy::release::Release;

use super::{block_on, connect_deployer, ok, ConnectError, offline_namespace, render, Capabilities, RenderInputs};
use crate::args::{GlobalArgs, ValuesArgs};
use crate::{Env, Outcome};

/// Flags install and upgrade share.
#[derive(Args, Debug, Clone, Default)]
pub struct DeployFlags {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// simulate an install/upgrade: "client" renders only, "server" also checks against the cluster
    #[arg(long = "dry-run", num_args = 0..=1, default_missing_value = "client", require_equals = true, value_name = "none|client|server")]
    pub dry_run: Option<String>,
    /// wait until all resources are ready (or the timeout passes)
    #[arg(long = "wait", num_args = 0..=1, default_missing_value = "watcher", require_equals = true)]
    pub wait: Option<String>,
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long = "timeout", default_value = "5m0s")]
    pub timeout: String,
    /// add a custom description
    #[arg(long = "description")]
    pub description: Option<String>,
    /// if set, undo the release's changes when the operation fails (also --atomic)
    #[arg(long = "rollback-on-failure", alias = "atomic")]
    pub rollback_on_failure: bool,
    /// if set, server-side apply takes over fields other managers own
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
    /// prevent hooks from running
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// adopt existing resources whatever their ownership metadata
    #[arg(long = "take-ownership")]
    pub take_ownership: bool,
    /// if set, disables JSON schema validation
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// if set, do not show notes
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
    /// prints the output in the specified format (table, json, yaml)
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

impl DeployFlags {
    fn wait_options(&self) -> Result<WaitOptions, String> {
        let timeout = parse_go_duration(&self.timeout).map_err(|err| format!("invalid argument {:?} for \"--timeout\" flag: {err}", self.timeout))?;
        let wait = match self.wait.as_deref() {
            None | Some("false") | Some("none") => false,
            Some("true") | Some("watcher") | Some("legacy") => true,
            Some(other) => return Err(format!("invalid wait strategy {other:?}")),
        };
        Ok(WaitOptions { wait, timeout, ..WaitOptions::default() })
    }

    /// `None`, or whether the dry run talks to the server.
    fn dry_run_mode(&self) -> Result<Option<bool>, String> {
        match self.dry_run.as_deref() {
            None | Some("none") | Some("false") => Ok(None),
            Some("client") | Some("true") => Ok(Some(false)),
            Some("server") => Ok(Some(true)),
            Some(other) => Err(format!("invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"")),
        }
    }

    fn print(&self, prefix: &str, release: &Release) -> Result<Outcome, String> {
        let text = match OutputFormat::parse(&self.output)? {
            OutputFormat::Table => format!("{prefix}{}", printer::status_table(release, StatusOptions { hide_notes: self.hide_notes, ..StatusOptions::default() })),
            OutputFormat::Json => printer::release_json(release),
            OutputFormat::Yaml => printer::release_yaml(release),
        };
        Ok(ok(text))
    }
}

/// `helm install` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct InstallArgs {
    /// [NAME] CHART
    #[arg(num_args = 1..=2, value_name = "NAME CHART")]
    pub args: Vec<String>,
    #[command(flatten)]
    pub flags: DeployFlags,
    /// create the release namespace if not present
    #[arg(long = "create-namespace")]
    pub create_namespace: bool,
    /// generate the name (and omit the NAME parameter)
    #[arg(short = 'g', long = "generate-name")]
    pub generate_name: bool,
    /// if set, no CRDs will be installed
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
    /// specify a version constraint for the chart version to use
    #[arg(long = "version")]
    pub version: Option<String>,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// update dependencies if they are missing before installing the chart
    #[arg(long = "dependency-update")]
    pub dependency_update: bool,
    #[command(flatten)]
    pub transport: crate::chartops::registry::TransportArgs,
    #[command(flatten)]
    pub access: crate::chartops::resolve::ChartAccessArgs,
}

/// `helm upgrade` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct UpgradeArgs {
    /// RELEASE CHART
    #[arg(num_args = 2, value_name = "RELEASE CHART")]
    pub args: Vec<String>,
    #[command(flatten)]
    pub flags: DeployFlags,
    /// if a release by this name doesn't already exist, run an install
    #[arg(short = 'i', long = "install")]
    pub install: bool,
    /// when upgrading, reuse the last release's values and merge in any overrides
    #[arg(long = "reuse-values")]
    pub reuse_values: bool,
    /// when upgrading, reset the values to the ones built into the chart
    #[arg(long = "reset-values")]
    pub reset_values: bool,
    /// when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides
    #[arg(long = "reset-then-reuse-values")]
    pub reset_then_reuse_values: bool,
    /// apply the chart's crds/ to existing CustomResourceDefinitions too (Helm never upgrades CRDs)
    #[arg(long = "upgrade-crds")]
    pub upgrade_crds: bool,
    /// limit the maximum number of revisions saved per release (0 for no limit)
    #[arg(long = "history-max", default_value_t = 10)]
    pub history_max: usize,
    /// create the release namespace if not present (with --install)
    #[arg(long = "create-namespace")]
    pub create_namespace: bool,
    /// if set, no CRDs will be installed (with --install)
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
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

pub fn run_install(global: &GlobalArgs, args: &InstallArgs, env: &Env) -> Outcome {
    match install(global, args, env) {
        Ok(outcome) => outcome,
        Err(message) => Outcome::error(format!("INSTALLATION FAILED: {message}")),
    }
}

fn install_name_and_chart(args: &InstallArgs) -> Result<(String, String), String> {
    match (args.args.as_slice(), args.generate_name) {
        ([chart], true) => {
            let base = std::path::Path::new(chart).file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "chart".into());
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            Ok((format!("{}-{now}", base.trim_end_matches(".tgz")), chart.clone()))
        }
        ([_], false) => Err("must either provide a name or specify --generate-name".into()),
        ([_, _], true) => Err("cannot set --generate-name and also specify a name".into()),
        ([name, chart], false) => Ok((name.clone(), chart.clone())),
        _ => Err("\"chartroom install\" requires at least 1 argument".into()),
    }
}

fn install_inputs<'a>(chart: &'a str, name: &'a str, namespace: &'a str, flags: &'a DeployFlags, global: &'a GlobalArgs) -> RenderInputs<'a> {
    RenderInputs { chart, release_name: name, namespace, values: &flags.values, base_values: None, chart_values: None, is_upgrade: false, skip_schema_validation: flags.skip_schema_validation, no_hooks: flags.no_hooks, limits: &global.limits }
}

fn install(global: &GlobalArgs, args: &InstallArgs, env: &Env) -> Result<Outcome, String> {
    let (name, chart_ref) = install_name_and_chart(args)?;
    // `repo/chart` and `oci://` references become a local archive; `--dependency-update`
    // fetches missing dependencies first. What those print comes before the release.
    let request = crate::chartops::resolve::ChartRequest {
        version: args.version.as_deref(),
        devel: args.devel,
        transport: &args.transport,
        access: &args.access,
        want_provenance: false,
    };
    let located = crate::chartops::resolve::locate(&chart_ref, request, env)?;
    let (chart_path, pull_report) = (located.path, located.stderr);
    let progress = if args.dependency_update {
        crate::chartops::dependency::update_if_missing(&chart_path, env, &args.transport)?
    } else {
        Default::default()
    };
    let chart = chart_path.to_string_lossy().into_owned();
    let mut outcome = install_located(global, args, env, name, chart)?;
    outcome.stdout = [progress.stdout.into_bytes(), outcome.stdout].concat();
    outcome.stderr = [pull_report.into_bytes(), progress.stderr.into_bytes(), outcome.stderr].concat();
    Ok(outcome)
}

fn install_located(global: &GlobalArgs, args: &InstallArgs, env: &Env, name: String, chart: String) -> Result<Outcome, String> {
    let flags = &args.flags;
    let wait = flags.wait_options()?;
    let dry_run = flags.dry_run_mode()?;
    if dry_run == Some(false) {
        // Client-side dry run: Helm's default Capabilities, no cluster at all.
        let namespace = offline_namespace(global, env);
        let result = render(&install_inputs(&chart, &name, &namespace, flags, global), &Capabilities::default(), env)?;
        let content = ReleaseContent::from_render(&result)?;
        let release = deploy::action::new_release(&name, &namespace, 1, &content, deploy::release::Status::PendingInstall, "Dry run complete");
        return flags.print("", &release);
    }
    block_on(async {
        // Helm 4.1.4: "INSTALLATION FAILED: cluster reachability check failed: kubernetes cluster unreachable: ...".
        let (mut deployer, capabilities) = connect_deployer(global, env).await.map_err(|err| match err {
            ConnectError::Unreachable(message) => format!("cluster reachability check failed: {message}"),
            ConnectError::Other(message) => message,
        })?;
        let namespace = deployer.cluster.namespace.clone();
        let result = render(&install_inputs(&chart, &name, &namespace, flags, global), &capabilities, env)?;
        let content = ReleaseContent::from_render(&result)?;
        let options = InstallOptions {
            name: name.clone(),
            create_namespace: args.create_namespace,
            dry_run: dry_run.is_some(),
            wait,
            description: flags.description.clone(),
            rollback_on_failure: flags.rollback_on_failure,
            force_conflicts: flags.force_conflicts,
            skip_crds: args.skip_crds,
            no_hooks: flags.no_hooks,
            take_ownership: flags.take_ownership,
        };
        let release = deployer.install(&content, &options).await.map_err(|err| err.to_string())?;
        flags.print("", &release)
    })?
}

pub fn run_upgrade(global: &GlobalArgs, args: &UpgradeArgs, env: &Env) -> Outcome {
    match upgrade(global, args, env) {
        Ok(outcome) => outcome,
        Err(message) => Outcome::error(message),
    }
}

fn upgrade(global: &GlobalArgs, args: &UpgradeArgs, env: &Env) -> Result<Outcome, String> {
    let [name, chart_ref] = args.args.as_slice() else {
        return Err("\"chartroom upgrade\" requires 2 arguments".into());
    };
    // `repo/chart`, `oci://`, URLs and `--repo` become a local archive (and `--verify`
    // checks it) before anything talks to the cluster; the pull report goes first.
    let request = crate::chartops::resolve::ChartRequest {
        version: args.version.as_deref(),
        devel: args.devel,
        transport: &args.transport,
        access: &args.access,
        want_provenance: false,
    };
    // Helm reports a chart it cannot locate without the "UPGRADE FAILED" prefix.
    let located = crate::chartops::resolve::locate(chart_ref, request, env)?;
    let chart = &located.path.to_string_lossy().into_owned();
    let mut outcome = upgrade_located(global, args, env, name, chart)?;
    outcome.stderr = [located.stderr.into_bytes(), outcome.stderr].concat();
    Ok(outcome)
}

fn upgrade_located(global: &GlobalArgs, args: &UpgradeArgs, env: &Env, name: &String, chart: &String) -> Result<Outcome, String> {
    let flags = &args.flags;
    let wait = flags.wait_options()?;
    let dry_run = flags.dry_run_mode()?;
    block_on(async {
        let (mut deployer, capabilities) = connect_deployer(global, env).await.map_err(|err| format!("UPGRADE FAILED: {}", String::from(err)))?;
        let namespace = deployer.cluster.namespace.clone();
        if args.install {
            let exists = match deployer.storage.history(name).await {
                Ok(history) => !history.is_empty(),
                Err(err) if err.is_not_found() => false,
                Err(err) => return Err(format!("UPGRADE FAILED: {err}")),
            };
            if !exists {
                let result = render(&install_inputs(chart, name, &namespace, flags, global), &capabilities, env).map_err(|err| format!("INSTALLATION FAILED: {err}"))?;
                let content = ReleaseContent::from_render(&result)?;
                let options = InstallOptions {
                    name: name.clone(),
                    create_namespace: args.create_namespace,
                    dry_run: dry_run.is_some(),
                    wait,
                    description: flags.description.clone(),
                    rollback_on_failure: flags.rollback_on_failure,
                    force_conflicts: flags.force_conflicts,
                    skip_crds: args.skip_crds,
                    no_hooks: flags.no_hooks,
                    take_ownership: flags.take_ownership,
                };
                let release = deployer.install(&content, &options).await.map_err(|err| format!("INSTALLATION FAILED: {err}"))?;
                return flags.print(&format!("Release {name:?} does not exist. Installing it now.\n"), &release);
            }
        }
        let base = deployer.upgrade_base(name).await.map_err(|err| format!("UPGRADE FAILED: {err}"))?;
        let current = base.1.clone();
        let reuse = ValueReuse { reuse_values: args.reuse_values, reset_values: args.reset_values, reset_then_reuse_values: args.reset_then_reuse_values };
        let (base_values, chart_values) = upgrade_base_values(&current, &flags.values, reuse);
        let inputs = RenderInputs {
            chart,
            release_name: name,
            namespace: &namespace,
            values: &flags.values,
            base_values,
            chart_values,
            is_upgrade: true,
            skip_schema_validation: flags.skip_schema_validation,
            no_hooks: flags.no_hooks,
            limits: &global.limits,
        };
        let result = render(&inputs, &capabilities, env).map_err(|err| format!("UPGRADE FAILED: {err}"))?;
        let content = ReleaseContent::from_render(&result)?;
        let options = UpgradeOptions {
            name: name.clone(),
            dry_run: dry_run.is_some(),
            wait,
            description: flags.description.clone(),
            rollback_on_failure: flags.rollback_on_failure,
            force_conflicts: flags.force_conflicts,
            no_hooks: flags.no_hooks,
            take_ownership: flags.take_ownership,
            history_max: args.history_max,
            upgrade_crds: args.upgrade_crds,
        };
        let release = deployer.upgrade_from(&content, &options, base).await.map_err(|err| format!("UPGRADE FAILED: {err}"))?;
        flags.print(&format!("Release {name:?} has been upgraded. Happy Helming!\n"), &release)
    })?
}

/// How an upgrade takes the previous release's values (Helm's `reuseValues`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ValueReuse {
    pub reuse_values: bool,
    pub reset_values: bool,
    pub reset_then_reuse_values: bool,
}

/// What an upgrade renders with besides the command line's values: (values under the command
/// line's, the chart's default values replaced). As Helm: --reset-values drops the old values;
/// --reuse-values merges the new ones over the old config AND renders with the old release's
/// computed values as the chart's defaults (so new chart defaults are ignored, a well-known
/// Helm quirk); --reset-then-reuse-values merges over the old config but keeps the new chart's
/// defaults; with none of them, an upgrade without new values keeps the old config.
pub(crate) fn upgrade_base_values(current: &Release, values: &ValuesArgs, reuse: ValueReuse) -> (Option<String>, Option<String>) {
    let values_given = !(values.values.is_empty()
        && values.set.is_empty()
        && values.set_string.is_empty()
        && values.set_json.is_empty()
        && values.set_file.is_empty()
        && values.set_literal.is_empty());
    let old_config = || (!current.config.is_empty()).then(|| serde_json::Value::Object(current.config.clone()).to_string());
    if reuse.reset_values {
        return (None, None);
    }
    if reuse.reuse_values {
        let old_defaults = current.chart.as_ref().and_then(|chart| chart.values.clone()).unwrap_or_default();
        let old_computed = deploy::content::coalesce(&old_defaults, &current.config);
        return (old_config(), Some(serde_json::Value::Object(old_computed).to_string()));
    }
    if reuse.reset_then_reuse_values || !values_given {
        return (old_config(), None);
    }
    (None, None)
}
