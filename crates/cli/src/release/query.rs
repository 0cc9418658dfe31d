//! `chartroom history`, `list`, `status` and `get`.

use clap::{Args, Subcommand};
use deploy::content::coalesce;
use deploy::printer::{self, OutputFormat, StatusOptions};
use deploy::release::{Release, Status};
use deploy::storage::StorageError;

use super::{block_on, connect, ok};
use crate::args::GlobalArgs;
use crate::{Env, Outcome};

/// `helm history` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct HistoryArgs {
    /// RELEASE_NAME
    pub name: String,
    /// maximum number of revisions to include in history
    #[arg(long = "max", default_value_t = 256)]
    pub max: usize,
    /// prints the output in the specified format (table, json, yaml)
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

/// `helm list` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct ListArgs {
    /// list releases across all namespaces
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    #[arg(long)]
    pub deployed: bool,
    #[arg(long)]
    pub failed: bool,
    #[arg(long)]
    pub pending: bool,
    #[arg(long)]
    pub superseded: bool,
    #[arg(long)]
    pub uninstalled: bool,
    #[arg(long)]
    pub uninstalling: bool,
    /// sort by release date
    #[arg(short = 'd', long = "date")]
    pub date: bool,
    /// reverse the sort order
    #[arg(short = 'r', long = "reverse")]
    pub reverse: bool,
    /// output short (quiet) listing format
    #[arg(short = 'q', long = "short")]
    pub short: bool,
    /// don't print headers when using the default output format
    #[arg(long = "no-headers")]
    pub no_headers: bool,
    /// maximum number of releases to fetch (0 for no limit)
    #[arg(short = 'm', long = "max", default_value_t = 256)]
    pub max: usize,
    /// next release index in the list, used to offset from start value
    #[arg(long = "offset", default_value_t = 0)]
    pub offset: usize,
    /// only list releases whose name contains this text
    #[arg(short = 'f', long = "filter")]
    pub filter: Option<String>,
    /// prints the output in the specified format (table, json, yaml)
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

/// `helm status` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct StatusArgs {
    /// RELEASE_NAME
    pub name: String,
    /// if set, display the status of the named release with revision
    #[arg(long = "revision", default_value_t = 0)]
    pub revision: i64,
    /// prints the output in the specified format (table, json, yaml)
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

/// `helm get` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum GetCommand {
    /// download all information for a named release
    All(GetArgs),
    /// download the values file for a named release
    Values(GetArgs),
    /// download the manifest for a named release
    Manifest(GetArgs),
    /// download the notes for a named release
    Notes(GetArgs),
    /// download all hooks for a named release
    Hooks(GetArgs),
    /// download the metadata for a named release
    Metadata(GetArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct GetArgs {
    /// RELEASE_NAME
    pub name: String,
    /// get the named release with revision
    #[arg(long = "revision", default_value_t = 0)]
    pub revision: i64,
    /// dump all (computed) values (get values)
    #[arg(short = 'a', long = "all")]
    pub all: bool,
    /// prints the output in the specified format (get values, get metadata)
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

fn fail(result: Result<Outcome, String>) -> Outcome {
    result.unwrap_or_else(Outcome::error)
}

/// Revision `revision` of `name`, or the newest (Helm's `Get` with version 0 = `Last`).
/// Connects and checks that the server answers first, as Helm's read commands do (so an
/// unreachable cluster or expired credentials read `kubernetes cluster unreachable: ...`).
async fn connect_reachable(global: &GlobalArgs, env: &Env, all_namespaces: bool) -> Result<deploy::storage::Storage, String> {
    let (cluster, storage) = connect(global, env, all_namespaces).await?;
    cluster.server_version().await.map_err(|err| err.to_string())?;
    Ok(storage)
}

async fn fetch(storage: &deploy::storage::Storage, name: &str, revision: i64) -> Result<Release, String> {
    let found = if revision > 0 { storage.get(name, revision).await } else { storage.last(name).await };
    found.map_err(|err| err.to_string())
}

pub fn run_history(global: &GlobalArgs, args: &HistoryArgs, env: &Env) -> Outcome {
    fail((|| {
        let format = OutputFormat::parse(&args.output)?;
        block_on(async {
            let storage = connect_reachable(global, env, false).await?;
            let mut history = match storage.history(&args.name).await {
                Ok(history) => history,
                Err(StorageError::NotFound) => return Err("release: not found".to_string()),
                Err(err) => return Err(err.to_string()),
            };
            history.sort_by_key(|r| r.version);
            let skip = history.len().saturating_sub(args.max);
            Ok(ok(printer::history(&history[skip..], format)))
        })?
    })())
}

pub fn run_list(global: &GlobalArgs, args: &ListArgs, env: &Env) -> Outcome {
    fail((|| {
        let format = OutputFormat::parse(&args.output)?;
        block_on(async {
            let storage = connect_reachable(global, env, args.all_namespaces).await?;
            let mut releases = storage.list_releases().await.map_err(|err| err.to_string())?;
            if let Some(filter) = &args.filter {
                releases.retain(|r| r.name.contains(filter.as_str()));
            }
            // The newest revision of each release (by namespace and name).
            releases.sort_by(|a, b| (&a.namespace, &a.name, b.version).cmp(&(&b.namespace, &b.name, a.version)));
            releases.dedup_by(|later, kept| later.namespace == kept.namespace && later.name == kept.name);
            let wanted = |status: &Status| -> bool {
                let any_filter = args.deployed || args.failed || args.pending || args.superseded || args.uninstalled || args.uninstalling;
                if !any_filter {
                    return matches!(status, Status::Deployed | Status::Failed);
                }
                (args.deployed && *status == Status::Deployed)
                    || (args.failed && *status == Status::Failed)
                    || (args.pending && status.is_pending())
                    || (args.superseded && *status == Status::Superseded)
                    || (args.uninstalled && *status == Status::Uninstalled)
                    || (args.uninstalling && *status == Status::Uninstalling)
            };
            releases.retain(|r| wanted(&r.status()));
            if args.date {
                releases.sort_by(|a, b| {
                    let time = |r: &Release| r.info.as_ref().map(|i| i.last_deployed.to_rfc3339_nano()).unwrap_or_default();
                    time(b).cmp(&time(a))
                });
            } else {
                releases.sort_by(|a, b| a.name.cmp(&b.name));
            }
            if args.reverse {
                releases.reverse();
            }
            let releases: Vec<Release> = releases.into_iter().skip(args.offset).take(if args.max == 0 { usize::MAX } else { args.max }).collect();
            Ok(ok(printer::list(&releases, format, args.no_headers, args.short)))
        })?
    })())
}

pub fn run_status(global: &GlobalArgs, args: &StatusArgs, env: &Env) -> Outcome {
    fail((|| {
        let format = OutputFormat::parse(&args.output)?;
        block_on(async {
            let (mut cluster, storage) = connect(global, env, false).await?;
            cluster.server_version().await.map_err(|err| err.to_string())?;
            let mut release = fetch(&storage, &args.name, args.revision).await?;
            // Helm 4 always reads the release's live objects: as the server's tables for table
            // output, as the objects themselves (`info.resources`) for JSON and YAML.
            let resources = cluster.release_resources(&release.manifest, format == OutputFormat::Table).await?;
            // Helm strips the chart from status output.
            release.chart = None;
            Ok(ok(match format {
                OutputFormat::Table => printer::status_table_with_resources(&release, StatusOptions::default(), &resources),
                OutputFormat::Json | OutputFormat::Yaml => {
                    release.info.get_or_insert_with(Default::default).resources = resources.into_map();
                    if format == OutputFormat::Json {
                        printer::release_json(&release)
                    } else {
                        printer::release_yaml(&release)
                    }
                }
            }))
        })?
    })())
}

pub fn run_get(global: &GlobalArgs, command: &GetCommand, env: &Env) -> Outcome {
    let args = match command {
        GetCommand::All(a) | GetCommand::Values(a) | GetCommand::Manifest(a) | GetCommand::Notes(a) | GetCommand::Hooks(a) | GetCommand::Metadata(a) => a,
    };
    fail(block_on(async {
        let storage = connect_reachable(global, env, false).await?;
        let release = fetch(&storage, &args.name, args.revision).await?;
        let info = release.info.clone().unwrap_or_default();
        let text = match command {
            GetCommand::All(_) => printer::status_table(&release, StatusOptions { show_metadata: true, debug: true, hide_notes: false }),
            GetCommand::Values(_) => {
                let format = OutputFormat::parse(&args.output)?;
                let (title, values) = if args.all {
                    let defaults = release.chart.as_ref().and_then(|c| c.values.clone()).unwrap_or_default();
                    ("COMPUTED VALUES:\n", coalesce(&defaults, &release.config))
                } else {
                    ("USER-SUPPLIED VALUES:\n", release.config.clone())
                };
                match format {
                    OutputFormat::Table => format!("{title}{}", printer::values_yaml(&values)),
                    OutputFormat::Json => format!("{}\n", if values.is_empty() { "null".to_string() } else { serde_json::Value::Object(values).to_string() }),
                    OutputFormat::Yaml => printer::values_yaml(&values),
                }
            }
            GetCommand::Manifest(_) => format!("{}\n", release.manifest),
            GetCommand::Notes(_) => {
                if info.notes.is_empty() {
                    String::new()
                } else {
                    format!("NOTES:\n{}\n", info.notes)
                }
            }
            GetCommand::Hooks(_) => release.hooks.iter().map(|h| format!("---\n# Source: {}\n{}\n", h.path, h.manifest)).collect(),
            GetCommand::Metadata(_) => printer::ReleaseMetadata::of(&release).encode(OutputFormat::parse(&args.output)?),
        };
        Ok(ok(text))
    })
    .and_then(|inner| inner))
}
