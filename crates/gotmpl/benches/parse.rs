//! Parses every chart template of a directory tree, to measure the lexer and parser alone.
//!
//!   cargo bench -p gotmpl --bench parse [-- DIR...]
//!
//! DIRs default to the Helm conformance corpus's unpacked charts
//! (`$CHARTROOM_CONFORMANCE_DIR/charts`, by default `../shared/conformance/charts` beside
//! the workspace). Every file below a `templates` directory is parsed; packaged (`.tgz`)
//! charts are skipped, so unpack one to include it. `PARSE_BENCH_ROUNDS` (default 20) sets
//! how many times the whole set is parsed. For instruction counts, run the built bench
//! binary once under callgrind with `PARSE_BENCH_ROUNDS=1`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use gotmpl::parse::{parse_source, ParseOptions};

fn main() {
    let mut dirs: Vec<PathBuf> =
        std::env::args().skip(1).filter(|a| !a.starts_with('-')).map(PathBuf::from).collect();
    if dirs.is_empty() {
        let conformance = std::env::var_os("CHARTROOM_CONFORMANCE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance"));
        dirs.push(conformance.join("charts"));
    }
    let mut templates = Vec::new();
    for dir in &dirs {
        collect_templates(dir, false, &mut templates);
    }
    if templates.is_empty() {
        eprintln!("no templates found under {dirs:?}");
        return;
    }
    let rounds: usize = std::env::var("PARSE_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(20);
    let bytes: usize = templates.iter().map(|(_, text)| text.len()).sum();

    // Every name is a function except `break` and `continue`, which stay keywords, as with
    // Helm's function map.
    let is_func = |name: &str| name != "break" && name != "continue";
    let options = ParseOptions { is_func: &is_func, skip_func_check: false };
    let mut failures = 0;
    let started = Instant::now();
    for _ in 0..rounds {
        failures = 0;
        for (name, text) in &templates {
            match parse_source(name, text.clone(), &options) {
                Ok(trees) => drop(std::hint::black_box(trees)),
                Err(_) => failures += 1,
            }
        }
    }
    let per_round = started.elapsed() / rounds as u32;
    println!(
        "{} templates, {:.2} MB, {} failed to parse: {:.2} ms per round ({:.0} MB/s), {rounds} rounds",
        templates.len(),
        bytes as f64 / 1e6,
        failures,
        per_round.as_secs_f64() * 1e3,
        bytes as f64 / 1e6 / per_round.as_secs_f64(),
    );
}

/// The files below `dir` that lie inside a `templates` directory, as (path, text).
fn collect_templates(dir: &Path, inside_templates: bool, out: &mut Vec<(String, Arc<str>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            let is_templates = path.file_name().is_some_and(|n| n == "templates");
            collect_templates(&path, inside_templates || is_templates, out);
        } else if inside_templates {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((path.display().to_string(), Arc::from(text)));
            }
        }
    }
}
