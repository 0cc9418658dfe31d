//! `chartroom rollback` and `chartroom uninstall`.

use clap::Args;
use deploy::action::{parse_go_duration, RollbackOptions, TestFilter, UninstallOptions, WaitOptions};
use deploy::printer::{status_table, StatusOptions};

use super::{block_on, connect, ok};
use crate::args::GlobalArgs;
use crate::{Env, Outcome};

/// `helm rollback` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct RollbackArgs {
    /// RELEASE [REVISION]
    #[arg(num_args = 1..=2, value_name = "RELEASE REVISION")]
    pub args: Vec<String>,
    /// simulate a rollback
    #[arg(long = "dry-run", num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: Option<String>,
    /// wait until all resources are ready
    #[arg(long = "wait", num_args = 0..=1, default_missing_value = "watcher", require_equals = true)]
    pub wait: Option<String>,
    /// time to wait for any individual Kubernetes operation
    #[arg(long = "timeout", default_value = "5m0s")]
    pub timeout: String,
    /// prevent hooks from running during rollback
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// if set, server-side apply takes over fields other managers own
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
    /// limit the maximum number of revisions saved per release (0 for no limit)
    #[arg(long = "history-max", default_value_t = 10)]
    pub history_max: usize,
}

/// `helm uninstall` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct UninstallArgs {
    /// RELEASE_NAME [...]
    #[arg(num_args = 1.., value_name = "RELEASE_NAME")]
    pub names: Vec<String>,
    /// remove all associated resources and mark the release as deleted, but retain the release history
    #[arg(long = "keep-history")]
    pub keep_history: bool,
    /// prevent hooks from running during uninstallation
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// simulate a uninstall
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// wait until all the resources are deleted
    #[arg(long = "wait", num_args = 0..=1, default_missing_value = "watcher", require_equals = true)]
    pub wait: Option<String>,
    /// time to wait for any individual Kubernetes operation
    #[arg(long = "timeout", default_value = "5m0s")]
    pub timeout: String,
    /// add a custom description
    #[arg(long = "description")]
    pub description: Option<String>,
    /// treat "release not found" as a successful uninstall
    #[arg(long = "ignore-not-found")]
    pub ignore_not_found: bool,
}

fn wait_options(wait: &Option<String>, timeout: &str) -> Result<WaitOptions, String> {
    let timeout = parse_go_duration(timeout).map_err(|err| format!("invalid argument {timeout:?} for \"--timeout\" flag: {err}"))?;
    let wait = !matches!(wait.as_deref(), None | Some("false") | Some("none"));
    Ok(WaitOptions { wait, timeout, ..WaitOptions::default() })
}

pub fn run_rollback(global: &GlobalArgs, args: &RollbackArgs, env: &Env) -> Outcome {
    match rollback(global, args, env) {
        Ok(outcome) => outcome,
        Err(message) => Outcome::error(message),
    }
}

fn rollback(global: &GlobalArgs, args: &RollbackArgs, env: &Env) -> Result<Outcome, String> {
    let name = args.args.first().ok_or("\"chartroom rollback\" requires at least 1 argument")?;
    let revision = match args.args.get(1) {
        Some(text) => text.parse::<i64>().map_err(|_| format!("could not convert revision to a number: {text:?}"))?,
        None => 0,
    };
    let options = RollbackOptions {
        revision,
        dry_run: args.dry_run.as_deref().is_some_and(|mode| mode != "none" && mode != "false"),
        wait: wait_options(&args.wait, &args.timeout)?,
        no_hooks: args.no_hooks,
        force_conflicts: args.force_conflicts,
        history_max: args.history_max,
        description: None,
    };
    block_on(async {
        let (cluster, storage) = connect(global, env, false).await?;
        cluster.server_version().await.map_err(|err| err.to_string())?;
        let mut deployer = deploy::action::Deployer::new(cluster, storage);
        deployer.wait_observer = Some(super::wait_progress(env));
        deployer.rollback(name, &options).await.map_err(|err| err.to_string())?;
        Ok(ok("Rollback was a success! Happy Helming!\n".into()))
    })?
}

pub fn run_uninstall(global: &GlobalArgs, args: &UninstallArgs, env: &Env) -> Outcome {
    match uninstall(global, args, env) {
        Ok(outcome) => outcome,
        Err(message) => Outcome::error(message),
    }
}

fn uninstall(global: &GlobalArgs, args: &UninstallArgs, env: &Env) -> Result<Outcome, String> {
    let options = UninstallOptions {
        keep_history: args.keep_history,
        no_hooks: args.no_hooks,
        dry_run: args.dry_run,
        wait: wait_options(&args.wait, &args.timeout)?,
        description: args.description.clone(),
    };
    block_on(async {
        let (cluster, storage) = connect(global, env, false).await?;
        cluster.server_version().await.map_err(|err| err.to_string())?;
        let mut deployer = deploy::action::Deployer::new(cluster, storage);
        let mut out = String::new();
        for name in &args.names {
            match deployer.uninstall(name, &options).await {
                Ok(report) => {
                    if !report.kept.is_empty() {
                        out.push_str("These resources were kept due to the resource policy:\n");
                        for kept in &report.kept {
                            out.push_str(kept);
                            out.push('\n');
                        }
                        out.push('\n');
                    }
                    out.push_str(&format!("release \"{name}\" uninstalled\n"));
                }
                Err(err) if args.ignore_not_found && err.0.contains("release: not found") => {}
                Err(err) => return Err(format!("failed to delete release: {name}: {err}").replace(&format!("failed to delete release: {name}: uninstall:"), "uninstall:")),
            }
        }
        Ok(ok(out))
    })?
}

/// `helm test` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct TestArgs {
    /// RELEASE
    pub name: String,
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long = "timeout", default_value = "5m0s")]
    pub timeout: String,
    /// run only the named tests (name=test1,name=test2) or skip them (!name=test1)
    #[arg(long = "filter")]
    pub filter: Vec<String>,
    /// if set, do not show notes
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
    /// dump the logs from test pods (this runs after all tests are complete, but before any cleanup)
    #[arg(long = "logs")]
    pub logs: bool,
}

pub fn run_test(global: &GlobalArgs, args: &TestArgs, env: &Env) -> Outcome {
    let wait = match wait_options(&Some("true".into()), &args.timeout) {
        Ok(wait) => wait,
        Err(message) => return Outcome::error(message),
    };
    let filter = match TestFilter::parse(&args.filter) {
        Ok(filter) => filter,
        Err(err) => return Outcome::error(err),
    };
    let result = block_on(async {
        let (cluster, storage) = connect(global, env, false).await?;
        cluster.server_version().await.map_err(|err| err.to_string())?;
        let mut deployer = deploy::action::Deployer::new(cluster, storage);
        let (release, outcome) = deployer.test(&args.name, &wait, &filter).await;
        // --logs: after the tests ran (failed or not), before the status is printed.
        let logs = match (&release, args.logs) {
            (Some(release), true) => Some(deployer.test_pod_logs(release, &filter).await),
            _ => None,
        };
        Ok::<_, String>((release, outcome, logs))
    });
    match result {
        Ok(Ok((Some(release), outcome, logs))) => {
            // Helm prints the release with its test runs even when a test failed.
            let mut printed = ok(status_table(&release, StatusOptions { hide_notes: args.hide_notes, ..StatusOptions::default() }));
            let mut error = outcome.err().map(|err| err.to_string());
            if let Some((text, read)) = logs {
                // A blank line separates the logs from the status; a log that cannot be read
                // ends the command with that error (before a failed test's), as in Helm.
                printed.stdout.extend(format!("\n{text}").into_bytes());
                if let Err(err) = read {
                    error = Some(err.to_string());
                }
            }
            if let Some(err) = error {
                printed.stderr = format!("Error: {err}\n").into_bytes();
                printed.code = 1;
            }
            printed
        }
        Ok(Ok((None, outcome, _))) => Outcome::error(outcome.err().map(|err| err.to_string()).unwrap_or_default()),
        Ok(Err(message)) | Err(message) => Outcome::error(message),
    }
}

/// `chartroom recover` flags.
#[derive(Args, Debug, Clone, Default)]
#[command(long_about = "Clears a release stuck in pending-install, pending-upgrade or pending-rollback after a crashed or killed \
install/upgrade/rollback: its newest revision is marked failed (history is kept, other revisions are left as they are), \
so upgrade and rollback work again.\n\n\
It refuses when the operation might still be running: the pending revision must be older than --timeout (the longest an \
operation waits for hooks and --wait before it records failure itself; --force skips this), and the newest revision must \
not change while recover works. Recover holds the Lease chartroom-recover-NAME (coordination.k8s.io/v1, in the release's \
namespace, 60 s) so that two recovers cannot run at once.")]
pub struct RecoverArgs {
    /// RELEASE_NAME
    pub name: String,
    /// how old the pending revision must be (use the --timeout the interrupted operation had)
    #[arg(long = "timeout", default_value = "5m0s")]
    pub timeout: String,
    /// recover even if the pending revision is younger than --timeout
    #[arg(long = "force")]
    pub force: bool,
}

pub fn run_recover(global: &GlobalArgs, args: &RecoverArgs, env: &Env) -> Outcome {
    let min_age = match parse_go_duration(&args.timeout) {
        Ok(duration) => duration,
        Err(err) => return Outcome::error(format!("invalid argument {:?} for \"--timeout\" flag: {err}", args.timeout)),
    };
    let holder = format!("chartroom-recover/{}", std::process::id());
    let options = deploy::recover::RecoverOptions { min_age, force: args.force, holder };
    let result = block_on(async {
        let (cluster, storage) = connect(global, env, false).await?;
        cluster.server_version().await.map_err(|err| err.to_string())?;
        let mut deployer = deploy::action::Deployer::new(cluster, storage);
        deployer.recover(&args.name, &options).await.map_err(|err| err.to_string())
    });
    match result {
        Ok(Ok(release)) => ok(format!("Release {:?} recovered: revision {} is marked failed. Run upgrade or rollback to continue.\n", args.name, release.version)),
        Ok(Err(message)) | Err(message) => Outcome::error(message),
    }
}
