//! `chartroom push`, `pull` and `registry login|logout`: OCI registries, as Helm talks
//! to them. Helm prints these commands' progress (`Pushed:`, `Pulled:`, `Digest:`,
//! `Login Succeeded`) on stderr; so do we.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use registry::client::ConnectOptions;
use registry::credentials::{self, Credential};

use super::io_text;
use crate::{Env, Outcome};

/// TLS and transport flags shared by the registry commands.
#[derive(Args, Debug, Clone, Default)]
pub struct TransportArgs {
    /// use insecure HTTP connections for the chart upload/download
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// skip tls certificate checks for the chart upload/download
    #[arg(long = "insecure-skip-tls-verify")]
    pub insecure_skip_tls_verify: bool,
    /// verify certificates of HTTPS-enabled servers using this CA bundle
    #[arg(long = "ca-file")]
    pub ca_file: Option<String>,
    /// identify registry client using this SSL certificate file
    #[arg(long = "cert-file")]
    pub cert_file: Option<String>,
    /// identify registry client using this SSL key file
    #[arg(long = "key-file")]
    pub key_file: Option<String>,
}

/// `helm push` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct PushArgs {
    /// the chart archive (.tgz)
    pub chart: String,
    /// the destination, oci://HOST/PATH
    pub remote: String,
    #[command(flatten)]
    pub transport: TransportArgs,
    /// chart repository username where to locate the requested chart
    #[arg(long)]
    pub username: Option<String>,
    /// chart repository password where to locate the requested chart
    #[arg(long)]
    pub password: Option<String>,
}

/// `helm pull` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct PullArgs {
    /// oci://HOST/PATH/NAME[:TAG], REPO/NAME, NAME with --repo, or a chart archive URL
    pub chart: String,
    /// specify a version constraint for the chart version to use
    #[arg(long)]
    pub version: Option<String>,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// if set to true, will untar the chart after downloading it
    #[arg(long)]
    pub untar: bool,
    /// if untar is specified, this flag specifies the name of the directory into which the chart is expanded
    #[arg(long = "untardir", default_value = ".")]
    pub untardir: String,
    /// location to write the chart. If this and untardir are specified, untardir is appended to this
    #[arg(short = 'd', long = "destination", default_value = ".")]
    pub destination: String,
    /// fetch the provenance file, but don't perform verification
    #[arg(long)]
    pub prov: bool,
    #[command(flatten)]
    pub transport: TransportArgs,
    #[command(flatten)]
    pub access: super::resolve::ChartAccessArgs,
}

/// `helm registry` subcommands.
#[derive(Subcommand, Debug, Clone)]
pub enum RegistryCommand {
    /// login to a registry
    Login(LoginArgs),
    /// logout from a registry
    Logout(LogoutArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct LoginArgs {
    pub host: String,
    /// registry username
    #[arg(short = 'u', long)]
    pub username: Option<String>,
    /// registry password or identity token
    #[arg(short = 'p', long)]
    pub password: Option<String>,
    /// read password or identity token from stdin
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// allow connections to TLS registry without certs
    #[arg(long)]
    pub insecure: bool,
    #[command(flatten)]
    pub transport: TransportArgs,
}

#[derive(Args, Debug, Clone, Default)]
pub struct LogoutArgs {
    pub host: String,
}

fn stderr_outcome(text: String) -> Outcome {
    Outcome { stdout: Vec::new(), stderr: text.into_bytes(), code: 0 }
}

fn config_path(env: &Env) -> PathBuf {
    credentials::default_config_path(&|name| env.var(name).map(str::to_string))
}

fn read_file(env: &Env, path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(env.path(path)).map_err(|e| format!("open {path}: {}", io_text(&e)))
}

/// Connection options from flags, with credentials from the flags or the store.
pub(crate) fn connect_options(
    env: &Env,
    host: &str,
    transport: &TransportArgs,
    username: Option<&str>,
    password: Option<&str>,
) -> Result<ConnectOptions, String> {
    let ca_pem = transport.ca_file.as_deref().map(|p| read_file(env, p)).transpose()?;
    let client_cert_pem = match (&transport.cert_file, &transport.key_file) {
        (Some(c), Some(k)) => Some((read_file(env, c)?, read_file(env, k)?)),
        (None, None) => None,
        _ => return Err("both --cert-file and --key-file are needed for a client certificate".into()),
    };
    let credential = match (username, password) {
        (Some(u), Some(p)) => Some(Credential { username: u.to_string(), password: p.to_string() }),
        _ => credentials::lookup(&config_path(env), host).map_err(|e| e.message)?,
    };
    Ok(ConnectOptions {
        plain_http: transport.plain_http,
        insecure_skip_tls_verify: transport.insecure_skip_tls_verify,
        ca_pem,
        client_cert_pem,
        credential,
    })
}

fn host_of(reference: &str) -> Result<String, String> {
    registry::reference::Reference::parse(reference).map(|r| r.registry).map_err(|e| e.message)
}

pub fn push(args: &PushArgs, env: &Env) -> Outcome {
    let run = || -> Result<Outcome, String> {
        if !args.remote.starts_with(registry::reference::OCI_SCHEME) {
            return Err(format!("scheme prefix missing from remote (e.g. \"oci://\"): {}", args.remote));
        }
        let path = env.path(&args.chart);
        let archive = std::fs::read(&path).map_err(|e| format!("stat {}: {}", args.chart, io_text(&e)))?;
        // Helm records the archive's modification time as the artifact's creation time.
        let created = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let host = host_of(&args.remote)?;
        let options = connect_options(env, &host, &args.transport, args.username.as_deref(), args.password.as_deref())?;
        // Helm pushes `CHART.tgz.prov` as a second layer when it lies beside the archive.
        let provenance = std::fs::read(format!("{}.prov", path.display())).ok();
        let pushed = registry::helm::push_with_provenance(&archive, provenance.as_deref(), &args.remote, created, &options)
            .map_err(|e| e.message)?;
        Ok(stderr_outcome(format!("Pushed: {}\nDigest: {}\n", pushed.reference, pushed.digest)))
    };
    run().unwrap_or_else(Outcome::error)
}

pub fn pull(args: &PullArgs, env: &Env) -> Outcome {
    let run = || -> Result<Outcome, String> {
        let request = super::resolve::ChartRequest {
            version: args.version.as_deref().filter(|v| !v.is_empty()),
            devel: args.devel,
            transport: &args.transport,
            access: &args.access,
            want_provenance: args.prov,
        };
        // Everything is fetched and checked (digests, provenance) before a file is written.
        let fetched = super::resolve::fetch(&args.chart, request, env)?;
        let dest = env.path(&args.destination);
        if args.untar {
            let untar_dir = if Path::new(&args.untardir).is_absolute() {
                PathBuf::from(&args.untardir)
            } else {
                dest.join(&args.untardir)
            };
            let target = untar_dir.join(&fetched.chart_name);
            if target.exists() {
                // Go's filepath.Join drops `.` components.
                let shown: PathBuf = [args.destination.as_str(), args.untardir.as_str(), fetched.chart_name.as_str()]
                    .iter()
                    .filter(|part| **part != "." && !part.is_empty())
                    .collect();
                return Err(format!(
                    "failed to untar: a file or directory with the name {} already exists",
                    shown.display()
                ));
            }
            untar(&fetched.archive, &target)?;
        } else {
            std::fs::create_dir_all(&dest).map_err(|e| format!("mkdir {}: {}", dest.display(), io_text(&e)))?;
            super::package::write_atomically(&dest.join(&fetched.file_name), &fetched.archive)?;
            if let Some(prov) = &fetched.provenance {
                super::package::write_atomically(&dest.join(format!("{}.prov", fetched.file_name)), prov)?;
            }
        }
        let report = fetched.verification.as_ref().map(|v| v.report()).unwrap_or_default();
        let mut stderr = fetched.pull_report;
        if args.chart.starts_with(registry::reference::OCI_SCHEME) && (args.access.verify || args.prov) {
            // Helm's pull fetches the reference a second time for its provenance, and
            // says so again.
            stderr = stderr.repeat(2);
        }
        Ok(Outcome { stdout: report.into_bytes(), stderr: stderr.into_bytes(), code: 0 })
    };
    run().unwrap_or_else(Outcome::error)
}

/// Expands a (verified) chart archive into `target`, using the loader's path checks:
/// every name is checked before the first file is written.
fn untar(archive: &[u8], target: &Path) -> Result<(), String> {
    let files = chart::load::load_archive_files(archive).map_err(|e| format!("failed to untar: {}", e.message))?;
    for f in &files {
        // load_archive_files has already refused absolute paths and `..`; be strict anyway.
        if f.name.split('/').any(|part| part == ".." || part.is_empty()) {
            return Err(format!("failed to untar: illegal path {}", f.name));
        }
    }
    for f in files {
        let path = target.join(&f.name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("mkdir {}: {}", parent.display(), io_text(&e)))?;
        }
        std::fs::write(&path, &f.data).map_err(|e| format!("open {}: {}", path.display(), io_text(&e)))?;
    }
    Ok(())
}

pub fn registry(command: &RegistryCommand, env: &Env) -> Outcome {
    match command {
        RegistryCommand::Login(args) => login(args, env).unwrap_or_else(Outcome::error),
        RegistryCommand::Logout(args) => logout(args, env).unwrap_or_else(Outcome::error),
    }
}

fn login(args: &LoginArgs, env: &Env) -> Result<Outcome, String> {
    let host = args.host.trim_start_matches(registry::reference::OCI_SCHEME).trim_end_matches('/').to_string();
    if host.is_empty() || host.contains('/') {
        return Err(format!("invalid registry host \"{}\"", args.host));
    }
    let mut stderr = String::new();
    let password = if args.password_stdin {
        if args.password.is_some() {
            return Err("--password and --password-stdin are mutually exclusive".into());
        }
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| format!("reading stdin: {e}"))?;
        text.trim_end_matches(['\n', '\r']).to_string()
    } else {
        if args.password.is_some() {
            stderr.push_str("level=WARN msg=\"using --password via the CLI is insecure. Use --password-stdin\"\n");
        }
        args.password.clone().unwrap_or_default()
    };
    let username = args.username.clone().unwrap_or_default();
    if username.is_empty() || password.is_empty() {
        return Err("username and password are required (use --username and --password-stdin)".into());
    }
    let mut transport = args.transport.clone();
    transport.insecure_skip_tls_verify |= args.insecure;
    let options = connect_options(env, &host, &transport, Some(&username), Some(&password))?;
    let mut client = registry::client::Client::connect(&host, &options).map_err(|e| e.message)?;
    client.ping().map_err(|e| e.message)?;
    credentials::store(&config_path(env), &host, &Credential { username, password }).map_err(|e| e.message)?;
    stderr.push_str("Login Succeeded\n");
    Ok(stderr_outcome(stderr))
}

fn logout(args: &LogoutArgs, env: &Env) -> Result<Outcome, String> {
    let host = args.host.trim_start_matches(registry::reference::OCI_SCHEME).trim_end_matches('/');
    credentials::remove(&config_path(env), host).map_err(|e| e.message)?;
    Ok(stderr_outcome(format!("Removing login credentials for {host}\n")))
}
