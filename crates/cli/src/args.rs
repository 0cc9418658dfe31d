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

impl Cli {
    /// Parses a command line as [`Parser::try_parse_from`] does.
    ///
    /// Building clap's whole command tree (some forty subcommands and their flags) costs
    /// more than rendering a small chart. When the line starts with one of the verbs that
    /// render a chart, only that subcommand is built; anything that tree does not accept
    /// (help, version, mistakes) is parsed again with the whole tree, so every message is
    /// the full one.
    pub fn parse_line(args: &[String]) -> Result<Cli, clap::Error> {
        Self::parse_with_only_the_verb(args).map_or_else(|| Cli::try_parse_from(args), Ok)
    }

    fn parse_with_only_the_verb(args: &[String]) -> Option<Cli> {
        use clap::FromArgMatches;
        let only = match args.get(1)?.as_str() {
            "template" => crate::template::TemplateArgs::augment_args(clap::Command::new("template")),
            "install" => crate::release::install::InstallArgs::augment_args(clap::Command::new("install")),
            "upgrade" => crate::release::install::UpgradeArgs::augment_args(clap::Command::new("upgrade")),
            _ => return None,
        };
        let root = GlobalArgs::augment_args(clap::Command::new("chartroom")).subcommand(only);
        let matches = root.try_get_matches_from(args).ok()?;
        Cli::from_arg_matches(&matches).ok()
    }
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
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Resource limits on loading and rendering a chart (see SECURITY.md). Each flag may also
/// be set through its environment variable; the flag wins. Unset, the engine's defaults
/// apply.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Limits (see SECURITY.md)")]
pub struct LimitArgs {
    /// largest chart archive (.tgz) read, in bytes (env CHARTROOM_MAX_ARCHIVE_SIZE; default 104857600)
    #[arg(long = "max-archive-size", value_name = "BYTES", global = true)]
    pub max_archive_size: Option<u64>,
    /// most bytes a chart archive and the subchart archives in it may expand to (env CHARTROOM_MAX_DECOMPRESSED_SIZE; default 104857600)
    #[arg(long = "max-decompressed-size", value_name = "BYTES", global = true)]
    pub max_decompressed_size: Option<u64>,
    /// largest single chart file, in bytes (env CHARTROOM_MAX_FILE_SIZE; default 5242880)
    #[arg(long = "max-file-size", value_name = "BYTES", global = true)]
    pub max_file_size: Option<u64>,
    /// most entries in one chart archive (env CHARTROOM_MAX_FILES; default 10000)
    #[arg(long = "max-files", value_name = "COUNT", global = true)]
    pub max_files: Option<usize>,
    /// most bytes one rendered template may produce (env CHARTROOM_MAX_OUTPUT_SIZE; default 104857600)
    #[arg(long = "max-output-size", value_name = "BYTES", global = true)]
    pub max_output_size: Option<usize>,
    /// most evaluation steps per rendered template (env CHARTROOM_MAX_STEPS; default 100000000)
    #[arg(long = "max-steps", value_name = "COUNT", global = true)]
    pub max_steps: Option<u64>,
    /// deepest nesting of template/include/tpl calls (env CHARTROOM_MAX_TEMPLATE_DEPTH; default 100000)
    #[arg(long = "max-template-depth", value_name = "COUNT", global = true)]
    pub max_template_depth: Option<usize>,
}

impl LimitArgs {
    /// The limits for this run: each flag, else its environment variable, else the default.
    pub fn resolve(&self, env: &crate::Env) -> Result<chart::api::RenderLimits, String> {
        fn pick<T: std::str::FromStr>(flag: Option<T>, env: &crate::Env, var: &str) -> Result<Option<T>, String>
        where
            T::Err: std::fmt::Display,
        {
            if flag.is_some() {
                return Ok(flag);
            }
            match env.var(var).map(str::trim).filter(|text| !text.is_empty()) {
                None => Ok(None),
                Some(text) => text.parse().map(Some).map_err(|e| format!("invalid value {text:?} for {var}: {e}")),
            }
        }
        let mut limits = chart::api::RenderLimits::default();
        if let Some(bytes) = pick(self.max_archive_size, env, "CHARTROOM_MAX_ARCHIVE_SIZE")? {
            limits.load.max_archive_bytes = bytes;
        }
        if let Some(bytes) = pick(self.max_decompressed_size, env, "CHARTROOM_MAX_DECOMPRESSED_SIZE")? {
            limits.load.max_decompressed_bytes = bytes;
        }
        if let Some(bytes) = pick(self.max_file_size, env, "CHARTROOM_MAX_FILE_SIZE")? {
            limits.load.max_file_bytes = bytes;
        }
        if let Some(count) = pick(self.max_files, env, "CHARTROOM_MAX_FILES")? {
            limits.load.max_files = count;
        }
        if let Some(bytes) = pick(self.max_output_size, env, "CHARTROOM_MAX_OUTPUT_SIZE")? {
            limits.max_output_bytes = bytes;
        }
        if let Some(count) = pick(self.max_steps, env, "CHARTROOM_MAX_STEPS")? {
            limits.max_steps = count;
        }
        limits.max_template_depth = pick(self.max_template_depth, env, "CHARTROOM_MAX_TEMPLATE_DEPTH")?;
        Ok(limits)
    }
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


#[cfg(test)]
mod tests {
    use super::*;

    /// The reduced tree must read every line it accepts exactly as the whole tree does.
    #[test]
    fn lines_parse_alike_with_only_their_verb_built() {
        let lines = [
            "template r ./c -f a.yaml -f b.yaml --set a=1,b=2 --set-string s=x -n ns --kube-version 1.29",
            "template ./c --generate-name --include-crds -s templates/x.yaml --show-only templates/y.yaml",
            "template r ./c --debug --kubeconfig k --kube-context ctx --strict --skip-tests -a v1/Foo",
            "install r ./c --create-namespace --wait --timeout 30s -n ns --set-json j={}",
            "upgrade r ./c --install --reuse-values --history-max 3 --atomic",
            "template r ./c --max-template-depth 50",
        ];
        for line in lines {
            let args: Vec<String> = std::iter::once("chartroom").chain(line.split(' ')).map(String::from).collect();
            let reduced = Cli::parse_with_only_the_verb(&args).unwrap_or_else(|| panic!("reduced tree refused {line}"));
            let full = Cli::try_parse_from(&args).expect(line);
            assert_eq!(format!("{reduced:?}"), format!("{full:?}"), "{line}");
        }
        // Help and mistakes go to the whole tree.
        for line in ["template --help", "template --no-such-flag", "template -h"] {
            let args: Vec<String> = std::iter::once("chartroom").chain(line.split(' ')).map(String::from).collect();
            assert!(Cli::parse_with_only_the_verb(&args).is_none(), "{line}");
        }
    }
}
