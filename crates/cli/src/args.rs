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

#[derive(Subcommand, Debug)]
pub enum Command {
    /// locally render templates
    Template(TemplateArgs),
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
}
