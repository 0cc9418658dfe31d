//! `chartroom create NAME`: writes the starter chart, as `helm create` lays it out.

use std::path::Path;

use clap::Args;

use super::io_text;
use crate::{Env, Outcome};

/// `helm create` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct CreateArgs {
    /// NAME: the chart's directory (its base name is the chart's name)
    pub name: String,
}

pub fn run(args: &CreateArgs, env: &Env) -> Outcome {
    match create(args, env) {
        Ok(out) => out,
        Err(e) => Outcome::error(e),
    }
}

fn create(args: &CreateArgs, env: &Env) -> Result<Outcome, String> {
    let target = env.path(&args.name);
    let target = std::path::absolute(&target).unwrap_or(target);
    let chart_name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let parent = target.parent().unwrap_or(Path::new("/"));
    // Helm needs the parent directory to exist already.
    std::fs::metadata(parent).map_err(|e| format!("stat {}: {}", parent.display(), io_text(&e)))?;
    if let Ok(meta) = std::fs::metadata(&target) {
        if !meta.is_dir() {
            return Err(format!("file {} already exists and is not a directory", target.display()));
        }
    }
    let mut stderr = String::new();
    for (rel, content) in chart::create::starter_files(&chart_name) {
        let path = target.join(&rel);
        if path.exists() {
            stderr.push_str(&format!("WARNING: File \"{}\" already exists. Overwriting.\n", path.display()));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {}", dir.display(), io_text(&e)))?;
        }
        std::fs::write(&path, content).map_err(|e| format!("open {}: {}", path.display(), io_text(&e)))?;
    }
    let charts = target.join("charts");
    std::fs::create_dir_all(&charts).map_err(|e| format!("mkdir {}: {}", charts.display(), io_text(&e)))?;
    Ok(Outcome { stdout: format!("Creating {}\n", args.name).into_bytes(), stderr: stderr.into_bytes(), code: 0 })
}
