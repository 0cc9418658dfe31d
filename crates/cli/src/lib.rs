//! `chartroom`: Helm's verbs and flags over Chartroom's crates.
//!
//! [`run`] takes the command line and an [`Env`] (working directory, environment variables)
//! and returns what the command printed and its exit code, so the binary is a thin shell and
//! tests (the conformance suite above all) run commands in-process.

use std::collections::HashMap;
use std::path::PathBuf;

mod args;
mod chartops;
mod play;
mod release;
mod template;

pub use args::Cli;

/// What a command sees of the process it runs in.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// Relative paths on the command line are resolved against this.
    pub cwd: PathBuf,
    /// Environment variables (`HELM_NAMESPACE`, `KUBECONFIG`, ...).
    pub vars: HashMap<String, String>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            vars: std::env::vars().collect(),
        }
    }

    /// A path from the command line, made absolute against [`Env::cwd`].
    pub fn path(&self, p: &str) -> PathBuf {
        let p = PathBuf::from(p);
        if p.is_absolute() {
            p
        } else {
            self.cwd.join(p)
        }
    }

    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// What a command printed, and how it ended.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub code: i32,
}

impl Outcome {
    /// A failed command, printed as Helm prints errors: `Error: MESSAGE` on stderr, exit 1.
    pub fn error(message: impl std::fmt::Display) -> Outcome {
        Outcome { stdout: Vec::new(), stderr: format!("Error: {message}\n").into_bytes(), code: 1 }
    }
}

/// Runs one `chartroom` command line (`args[0]` is the program name).
pub fn run(args: &[String], env: &Env) -> Outcome {
    let cli = match Cli::parse_line(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let text = e.render().to_string();
            return if code == 0 {
                Outcome { stdout: text.into_bytes(), stderr: Vec::new(), code }
            } else {
                Outcome { stdout: Vec::new(), stderr: text.into_bytes(), code }
            };
        }
    };
    match cli.command {
        args::Command::Template(t) => template::run(&cli.global, &t, env),
        args::Command::Package(p) => chartops::package::run(&cli.global, &p, env),
        args::Command::Push(p) => chartops::registry::push(&p, env),
        args::Command::Pull(p) => chartops::registry::pull(&p, env),
        args::Command::Verify(a) => chartops::resolve::run_verify(&a, env),
        args::Command::Registry(r) => chartops::registry::registry(&r, env),
        args::Command::Lint(a) => chartops::lint::run(&cli.global, &a, env),
        args::Command::Create(a) => chartops::create::run(&a, env),
        args::Command::Show(a) => chartops::show::run(&a, env),
        args::Command::Repo(a) => chartops::repo::run_repo(&a, env),
        args::Command::Search(a) => chartops::repo::run_search(&a, env),
        args::Command::Dependency(a) => chartops::dependency::run(&a, env),
        args::Command::Install(a) => release::install::run_install(&cli.global, &a, env),
        args::Command::Upgrade(a) => release::install::run_upgrade(&cli.global, &a, env),
        args::Command::Rollback(a) => release::manage::run_rollback(&cli.global, &a, env),
        args::Command::Uninstall(a) => release::manage::run_uninstall(&cli.global, &a, env),
        args::Command::History(a) => release::query::run_history(&cli.global, &a, env),
        args::Command::List(a) => release::query::run_list(&cli.global, &a, env),
        args::Command::Status(a) => release::query::run_status(&cli.global, &a, env),
        args::Command::Get(a) => release::query::run_get(&cli.global, &a, env),
        args::Command::Recover(a) => release::manage::run_recover(&cli.global, &a, env),
        args::Command::Test(a) => release::manage::run_test(&cli.global, &a, env),
        args::Command::Diff(a) => release::diff::run(&cli.global, &a, env),
        args::Command::Play(a) => play::run(&a, env),
        args::Command::Version => {
            Outcome { stdout: format!("chartroom v{}\n", env!("CARGO_PKG_VERSION")).into_bytes(), ..Default::default() }
        }
    }
}
