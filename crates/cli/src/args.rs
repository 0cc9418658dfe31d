//! The command line, flag for flag as Helm v4 spells it.

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "chartroom", version, about = "Helm's chart engine, in Rust: render, install and manage charts.")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes (Helm's global flags).
#[derive(Args, Debug, Clone, Default)]
pub struct GlobalArgs {
    /// namespace scope for this request
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// enable verbose output
    #[arg(long, global = true)]
    pub debug: bool,
    /// name of the kubeconfig context to use
    #[arg(long = "kube-context", global = true)]
    pub kube_context: Option<String>,
    /// path to the kubeconfig file
    #[arg(long, global = true)]
    pub kubeconfig: Option<String>,
}

/// Every verb. Each family of commands lives in its own module with its own flag
/// structs; this list only names them.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// locally render templates
    Template(crate::template::TemplateArgs),
    /// package a chart directory into a chart archive
    Package(crate::chartops::package::PackageArgs),
    /// push a chart to a remote (OCI registry)
    Push(crate::chartops::registry::PushArgs),
    /// download a chart from an OCI registry
    Pull(crate::chartops::registry::PullArgs),
    /// verify that a chart at the given path has been signed and is valid
    Verify(crate::chartops::resolve::VerifyArgs),
    /// login to or logout from a registry
    #[command(subcommand)]
    Registry(crate::chartops::registry::RegistryCommand),
    /// examine a chart for possible issues
    Lint(crate::chartops::lint::LintArgs),
    /// create a new chart with the given name
    Create(crate::chartops::create::CreateArgs),
    /// show information of a chart
    #[command(subcommand, alias = "inspect")]
    Show(crate::chartops::show::ShowCommand),
    /// add, list, remove, update, and index chart repositories
    #[command(subcommand)]
    Repo(crate::chartops::repo::RepoCommand),
    /// search for a keyword in charts
    #[command(subcommand)]
    Search(crate::chartops::repo::SearchCommand),
    /// manage a chart's dependencies
    #[command(subcommand, alias = "dep", alias = "dependencies")]
    Dependency(crate::chartops::dependency::DependencyCommand),
    /// install a chart
    Install(crate::release::install::InstallArgs),
    /// upgrade a release
    Upgrade(crate::release::install::UpgradeArgs),
    /// roll back a release to a previous revision
    Rollback(crate::release::manage::RollbackArgs),
    /// uninstall a release
    #[command(alias = "delete", alias = "del", alias = "un")]
    Uninstall(crate::release::manage::UninstallArgs),
    /// fetch release history
    #[command(alias = "hist")]
    History(crate::release::query::HistoryArgs),
    /// list releases
    #[command(alias = "ls")]
    List(crate::release::query::ListArgs),
    /// display the status of the named release
    Status(crate::release::query::StatusArgs),
    /// download extended information of a named release
    #[command(subcommand)]
    Get(crate::release::query::GetCommand),
    /// clear a release stuck in pending-install/upgrade/rollback after a crash
    Recover(crate::release::manage::RecoverArgs),
    /// run the tests of a release
    Test(crate::release::manage::TestArgs),
    /// preview changes: what an upgrade would change against the release and the cluster
    #[command(subcommand)]
    Diff(crate::release::diff::DiffCommand),
    /// serve the playground on 127.0.0.1 with a local chart, reloading it when files change
    Play(crate::play::PlayArgs),
    /// print the client version information
    Version,
}

/// Values given on the command line, in the order Helm merges them: files, then
/// `--set-json`, `--set`, `--set-string`, `--set-file`, `--set-literal`.
#[derive(Args, Debug, Clone, Default)]
pub struct ValuesArgs {
    /// specify values in a YAML file (can specify multiple)
    #[arg(short = 'f', long = "values", value_delimiter = ',')]
    pub values: Vec<String>,
    /// set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// set STRING values on the command line
    #[arg(long = "set-string")]
    pub set_string: Vec<String>,
    /// set JSON values on the command line
    #[arg(long = "set-json")]
    pub set_json: Vec<String>,
    /// set values from respective files specified via the command line (key1=path1,key2=path2)
    #[arg(long = "set-file")]
    pub set_file: Vec<String>,
    /// set a literal STRING value on the command line
    #[arg(long = "set-literal")]
    pub set_literal: Vec<String>,
}

