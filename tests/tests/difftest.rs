//! Chart-level differential fixtures (tests/difftest): every (chart, values, flags)
//! combination that real Helm v4.1.4 answered, replayed through `chartroom template`
//! in-process. Recorded by scripts/difftest/charts.py.
//!
//! * `shared.tsv`: charts of the shared conformance corpus, run from that folder
//!   (`CHARTROOM_CONFORMANCE_DIR` overrides where it is; skipped with a loud note if absent).
//! * `local.tsv`: our own charts under tests/difftest/charts, run from tests/difftest.
//!
//! Required: the same exit code and byte-identical stdout (for cases whose Helm output is
//! random, recorded with a `.mode` of `nondeterministic`: the same `# Source:`/`kind:` lines).
//! Stderr differences are reported, not failed. `DIFFTEST_FILTER` runs only ids containing
//! the given text.

use std::io::Read;
use std::path::{Path, PathBuf};

use chartroom_tests::{corpus_dir, first_difference, source_and_kind_lines};
use chartroom_cli::{run, Env};

struct Case {
    id: String,
    chart: String,
    release: String,
    namespace: String,
    args: Vec<String>,
}

struct Expected {
    rc: i32,
    stdout: Vec<u8>,
    stderr: String,
    nondeterministic: bool,
}

fn difftest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("difftest")
}

fn read_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut cases = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.splitn(5, '\t').collect();
        assert!(cols.len() >= 4, "bad line in {}: {line}", path.display());
        let args = cols.get(4).copied().unwrap_or("");
        let args = shlex::split(args).unwrap_or_else(|| panic!("bad shell quoting in case {}", cols[0]));
        cases.push(Case {
            id: cols[0].to_string(),
            chart: cols[1].to_string(),
            release: cols[2].to_string(),
            namespace: cols[3].to_string(),
            args,
        });
    }
    cases
}

/// A recording: expected/<id>.case (`rc:`, `mode:`, `stdout:` lines), expected/<id>.err, and
/// the stdout in outputs/ (shared between cases with the same output; gzip above 16 KiB).
fn read_expected(id: &str) -> Option<Expected> {
    let dir = difftest_dir();
    let case = std::fs::read_to_string(dir.join("expected").join(format!("{id}.case"))).ok()?;
    let field = |name: &str| {
        case.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(':')))
            .map(str::trim)
    };
    let rc = field("rc")?.parse().ok()?;
    let output_file = dir.join("outputs").join(field("stdout")?);
    let raw = std::fs::read(&output_file).ok()?;
    let stdout = if output_file.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice()).read_to_end(&mut out).ok()?;
        out
    } else {
        raw
    };
    let stderr = std::fs::read_to_string(dir.join("expected").join(format!("{id}.err"))).unwrap_or_default();
    let nondeterministic = field("mode") == Some("nondeterministic");
    Some(Expected { rc, stdout, stderr, nondeterministic })
}

#[derive(Default)]
struct Tally {
    total: usize,
    identical: usize,
    stderr_diffs: usize,
    misses: Vec<String>,
}

fn run_list(list: &Path, cwd: &Path, filter: &str, tally: &mut Tally) {
    let env = Env { cwd: cwd.to_path_buf(), vars: Default::default() };
    let cases: Vec<_> = read_cases(list).into_iter().filter(|c| c.id.contains(filter)).collect();
    // Cases are independent renders: spread them over the cores, then tally in case order.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, Tally)>> = Default::default();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let mut one = Tally::default();
                run_case(case, &env, &mut one);
                results.lock().unwrap_or_else(|e| e.into_inner()).push((i, one));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    for (_, one) in results {
        tally.total += one.total;
        tally.identical += one.identical;
        tally.stderr_diffs += one.stderr_diffs;
        tally.misses.extend(one.misses);
    }
}

fn run_case(case: &Case, env: &Env, tally: &mut Tally) {
    let Some(want) = read_expected(&case.id) else {
        tally.misses.push(format!("{}: no recording (run scripts/difftest/charts.py record)", case.id));
        tally.total += 1;
        return;
    };
    tally.total += 1;
    let mut argv = vec!["chartroom".to_string(), "template".to_string()];
    if case.release != "-" {
        argv.push(case.release.clone());
    }
    argv.push(case.chart.clone());
    argv.extend(case.args.iter().cloned());
    argv.push("--namespace".into());
    argv.push(case.namespace.clone());
    let got = match std::panic::catch_unwind(|| run(&argv, env)) {
        Ok(g) => g,
        Err(_) => {
            tally.misses.push(format!("{}: PANIC", case.id));
            return;
        }
    };
    let same_stdout = if want.nondeterministic {
        source_and_kind_lines(&got.stdout) == source_and_kind_lines(&want.stdout)
    } else {
        got.stdout == want.stdout
    };
    if got.code == want.rc && same_stdout {
        tally.identical += 1;
        let got_err = String::from_utf8_lossy(&got.stderr);
        if got_err != want.stderr {
            tally.stderr_diffs += 1;
            eprintln!(
                "note: {} stderr differs:\n  helm: {}\n  ours: {}",
                case.id,
                want.stderr.trim(),
                got_err.trim()
            );
        }
    } else if got.code != want.rc {
        tally.misses.push(format!(
            "{}: exit {} (helm {}): {}",
            case.id,
            got.code,
            want.rc,
            String::from_utf8_lossy(&got.stderr).lines().next().unwrap_or("")
        ));
    } else {
        tally.misses.push(format!("{}: {}", case.id, first_difference(&want.stdout, &got.stdout)));
    }
}

#[test]
fn charts_match_helm() {
    let filter = std::env::var("DIFFTEST_FILTER").unwrap_or_default();
    let mut tally = Tally::default();
    let dir = difftest_dir();
    run_list(&dir.join("local.tsv"), &dir, &filter, &mut tally);
    match corpus_dir() {
        Some(corpus) => run_list(&dir.join("shared.tsv"), &corpus, &filter, &mut tally),
        None => {
            let msg = "CONFORMANCE CORPUS NOT FOUND: the shared.tsv difftest cases did not run \
                       (set CHARTROOM_CONFORMANCE_DIR)";
            eprintln!("\n!!!!!!!! {msg} !!!!!!!!\n");
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{msg}");
            }
        }
    }
    println!(
        "\ndifftest: {}/{} combinations identical to Helm ({} with a different stderr)",
        tally.identical, tally.total, tally.stderr_diffs
    );
    for m in &tally.misses {
        println!("  MISS {m}");
    }
    assert!(
        tally.misses.is_empty(),
        "{} combination(s) differ from Helm:\n{}",
        tally.misses.len(),
        tally.misses.join("\n")
    );
}
