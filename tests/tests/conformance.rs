//! The Helm conformance corpus (../shared/conformance): every case rendered by
//! `chartroom template` in-process, compared with what Helm v4.1.4 printed.
//!
//! * `exact` cases: same exit code and byte-identical stdout.
//! * `nondeterministic` cases: same exit code, and the same `# Source:` / `kind:` lines in
//!   the same order (the documents differ only in random values).
//! * `fail` cases: the same (non-zero) exit code; the message is reported when it differs.
//!
//! Set `CHARTROOM_CONFORMANCE_DIR` to use another copy of the corpus; `CONFORMANCE_FILTER`
//! to run only cases whose id contains the given text.

use std::path::Path;

use chartroom_tests::{corpus_dir, first_difference, source_and_kind_lines};
use chartroom_cli::{run, Env};

struct Case {
    id: String,
    chart: String,
    release: String,
    namespace: String,
    mode: String,
    args: Vec<String>,
}

fn read_cases(dir: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join("cases.tsv")).expect("read cases.tsv");
    let mut cases = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.splitn(6, '\t').collect();
        assert!(cols.len() >= 5, "bad cases.tsv line: {line}");
        let args = cols.get(5).copied().unwrap_or("");
        let args = shlex::split(args).unwrap_or_else(|| panic!("bad shell quoting in case {}", cols[0]));
        cases.push(Case {
            id: cols[0].to_string(),
            chart: cols[1].to_string(),
            release: cols[2].to_string(),
            namespace: cols[3].to_string(),
            mode: cols[4].to_string(),
            args,
        });
    }
    cases
}

#[test]
fn helm_conformance_corpus() {
    let Some(dir) = corpus_dir() else {
        let msg = "CONFORMANCE CORPUS NOT FOUND: expected ../shared/conformance/cases.tsv \
                   (or set CHARTROOM_CONFORMANCE_DIR). The conformance suite did not run.";
        eprintln!("\n!!!!!!!! {msg} !!!!!!!!\n");
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        return;
    };
    let filter = std::env::var("CONFORMANCE_FILTER").unwrap_or_default();
    let env = Env { cwd: dir.clone(), vars: Default::default() };
    let (mut identical, mut total) = (0, 0);
    let mut misses = Vec::new();
    let mut message_diffs = 0;
    for case in read_cases(&dir) {
        if !case.id.contains(&filter) {
            continue;
        }
        total += 1;
        let mut argv = vec!["chartroom".to_string(), "template".to_string()];
        if case.release != "-" {
            argv.push(case.release.clone());
        }
        argv.push(case.chart.clone());
        argv.extend(case.args.iter().cloned());
        argv.push("--namespace".into());
        argv.push(case.namespace.clone());
        let want_out = std::fs::read(dir.join(format!("expected/{}.out", case.id))).unwrap_or_default();
        let want_err = std::fs::read_to_string(dir.join(format!("expected/{}.err", case.id))).unwrap_or_default();
        let want_rc: i32 = std::fs::read_to_string(dir.join(format!("expected/{}.rc", case.id)))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0);
        let got = std::panic::catch_unwind(|| run(&argv, &env));
        let got = match got {
            Ok(g) => g,
            Err(_) => {
                misses.push(format!("{} ({}): PANIC", case.id, case.mode));
                continue;
            }
        };
        let ok = got.code == want_rc
            && match case.mode.as_str() {
                "exact" => got.stdout == want_out,
                "nondeterministic" => {
                    source_and_kind_lines(&got.stdout)
                        == source_and_kind_lines(&want_out)
                }
                _ => true,
            };
        if ok {
            identical += 1;
            if case.mode == "fail" && String::from_utf8_lossy(&got.stderr) != want_err {
                message_diffs += 1;
                eprintln!(
                    "note: {} fails as Helm does, with another message:\n  helm: {}\n  ours: {}",
                    case.id,
                    want_err.trim(),
                    String::from_utf8_lossy(&got.stderr).trim()
                );
            }
        } else {
            let detail = if got.code != want_rc {
                format!(
                    "exit {} (helm {}): {}",
                    got.code,
                    want_rc,
                    String::from_utf8_lossy(&got.stderr).lines().next().unwrap_or("")
                )
            } else {
                first_difference(&want_out, &got.stdout)
            };
            misses.push(format!("{} ({}): {}", case.id, case.mode, detail));
        }
    }
    println!("\nconformance: {identical}/{total} cases identical ({message_diffs} fail cases with a different message)");
    // The ratchet: cases known to differ are listed, with their cause, in
    // conformance-known-misses.txt. A miss not on that list is a regression and fails the
    // test; a listed case that now passes is reported so the list only ever shrinks.
    let known = known_misses();
    let mut regressions = Vec::new();
    for m in &misses {
        let id = m.split_whitespace().next().unwrap_or("");
        let listed = known.iter().any(|k| k == id);
        println!("  MISS{} {m}", if listed { " (known)" } else { "" });
        if !listed {
            regressions.push(m.clone());
        }
    }
    for k in &known {
        if !misses.iter().any(|m| m.split_whitespace().next() == Some(k.as_str())) && filter.is_empty() {
            println!("  FIXED {k}: now identical; remove it from conformance-known-misses.txt");
        }
    }
    assert!(
        regressions.is_empty(),
        "{} conformance case(s) differ from Helm and are not listed as known misses:\n{}",
        regressions.len(),
        regressions.join("\n")
    );
}

/// Case ids listed in conformance-known-misses.txt (one per line, `#` comments, text after
/// the id is the recorded cause).
fn known_misses() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance-known-misses.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect()
}

