//! `chartroom diff upgrade NAME CHART`: what `chartroom upgrade` with the same flags would
//! change, without changing anything.

use std::io::IsTerminal;

use clap::{Args, Subcommand};
use deploy::content::ReleaseContent;
use deploy::diff::format_upgrade_diff;

use super::install::{upgrade_base_values, ValueReuse};
use super::{block_on, connect_deployer, ok, render, RenderInputs};
use crate::args::{GlobalArgs, ValuesArgs};
use crate::{Env, Outcome};

/// `chartroom diff` verbs.
#[derive(Subcommand, Debug, Clone)]
pub enum DiffCommand {
    /// show what an upgrade would change, resource by resource: against the release's stored
    /// manifest, and against the live objects (so changes made outside Helm, like `kubectl
    /// scale` or `kubectl edit`, show up). Hooks are not compared.
    Upgrade(DiffUpgradeArgs),
}

/// `chartroom diff upgrade` flags: the values flags of `upgrade`, and how to print.
#[derive(Args, Debug, Clone, Default)]
pub struct DiffUpgradeArgs {
    /// RELEASE CHART
    #[arg(num_args = 2, value_name = "RELEASE CHART")]
    pub args: Vec<String>,
    #[command(flatten)]
    pub values: ValuesArgs,
    /// when upgrading, reuse the last release's values and merge in any overrides
    #[arg(long = "reuse-values")]
    pub reuse_values: bool,
    /// when upgrading, reset the values to the ones built into the chart
    #[arg(long = "reset-values")]
    pub reset_values: bool,
    /// when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides
    #[arg(long = "reset-then-reuse-values")]
    pub reset_then_reuse_values: bool,
    /// if set, disables JSON schema validation
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// colour the diff: auto (only on a terminal, and not with NO_COLOR), always, never
    #[arg(long = "color", default_value = "auto", value_name = "auto|always|never")]
    pub color: String,
    /// exit with code 2 when there are changes (0: none, 1: error)
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
}

pub fn run(global: &GlobalArgs, command: &DiffCommand, env: &Env) -> Outcome {
    let DiffCommand::Upgrade(args) = command;
    match diff_upgrade(global, args, env) {
        Ok(outcome) => outcome,
        Err(message) => Outcome::error(message),
    }
}

fn diff_upgrade(global: &GlobalArgs, args: &DiffUpgradeArgs, env: &Env) -> Result<Outcome, String> {
    let [name, chart] = args.args.as_slice() else {
        return Err("\"chartroom diff upgrade\" requires 2 arguments".into());
    };
    let color = match args.color.as_str() {
        "always" => true,
        "never" => false,
        "auto" => std::io::stdout().is_terminal() && env.var("NO_COLOR").is_none_or(str::is_empty),
        other => return Err(format!("invalid argument {other:?} for \"--color\" flag: must be auto, always or never")),
    };
    block_on(async {
        let (mut deployer, capabilities) = connect_deployer(global, env).await?;
        let namespace = deployer.cluster.namespace.clone();
        let (_, current) = deployer.upgrade_base(name).await.map_err(|err| err.to_string())?;
        let reuse = ValueReuse { reuse_values: args.reuse_values, reset_values: args.reset_values, reset_then_reuse_values: args.reset_then_reuse_values };
        let (base_values, chart_values) = upgrade_base_values(&current, &args.values, reuse);
        let inputs = RenderInputs {
            chart,
            release_name: name,
            namespace: &namespace,
            values: &args.values,
            base_values,
            chart_values,
            is_upgrade: true,
            skip_schema_validation: args.skip_schema_validation,
            no_hooks: false,
            limits: &global.limits,
        };
        let result = render(&inputs, &capabilities, env)?;
        let content = ReleaseContent::from_render(&result)?;
        let diff = deployer.diff_upgrade(name, &content).await.map_err(|err| err.to_string())?;
        let mut outcome = ok(format_upgrade_diff(&diff, color));
        if args.detailed_exitcode && diff.has_changes() {
            outcome.code = 2;
        }
        Ok(outcome)
    })?
}
