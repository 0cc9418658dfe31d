//! Differential-fuzzing cases (tests/difffuzz/cases): random charts on which chartroom once
//! differed from Helm v4.1.4, minimised and kept with Helm's answer by
//! scripts/difffuzz/fuzz.py, replayed here in-process without Helm.
//!
//! A case directory holds `chart/`, any `-f` files, `cmd` (the arguments after `template`, in
//! POSIX shell quoting, relative to the case directory) and Helm's `helm.out`, `helm.err` and
//! `helm.rc`. Required: the same exit status, byte-identical stdout and the same stderr (minus
//! chartroom's extra "line N of the rendered document ... comes from FILE:L:C" hint under a
//! YAML parse error, which Helm does not print). Cases still differing for a known, unfixed
//! cause are listed in tests/difffuzz/known-mismatches.txt (a ratchet: an unlisted miss fails,
//! a listed case that matches again is reported so the list only shrinks).
//! `DIFFFUZZ_FILTER` runs only the case ids containing the given text.

use std::path::{Path, PathBuf};

use chartroom_cli::{run, Env};
use chartroom_tests::first_difference;

fn difffuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("difffuzz")
}

/// Drops chartroom's source hint under a YAML parse error, the one addition Helm lacks.
fn without_source_hint(stderr: &str) -> String {
    stderr
        .split_inclusive('\n')
        .filter(|line| {
            !(line.starts_with("  line ")
                && line.contains(" of the rendered document, ")
                && line.contains(" comes from "))
        })
        .collect()
}

/// Case ids listed in known-mismatches.txt (one per line, `#` comments, the cause after the id).
fn known_mismatches() -> Vec<String> {
    let text = std::fs::read_to_string(difffuzz_dir().join("known-mismatches.txt")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// None when chartroom answers as Helm did, else what differs.
fn replay(case_dir: &Path) -> Option<String> {
    let read = |name: &str| {
        std::fs::read(case_dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", case_dir.display()))
    };
    let cmd = String::from_utf8(read("cmd")).expect("cmd is UTF-8");
    let args = shlex::split(cmd.trim()).unwrap_or_else(|| panic!("{}/cmd: bad shell quoting", case_dir.display()));
    let want_out = read("helm.out");
    let want_err = String::from_utf8_lossy(&read("helm.err")).into_owned();
    let want_rc: i32 = String::from_utf8_lossy(&read("helm.rc")).trim().parse().expect("helm.rc is a number");

    let mut argv = vec!["chartroom".to_string(), "template".to_string()];
    argv.extend(args);
    let env = Env { cwd: case_dir.to_path_buf(), vars: Default::default() };
    let got = match std::panic::catch_unwind(|| run(&argv, &env)) {
        Ok(got) => got,
        Err(_) => return Some("PANIC".into()),
    };
    let got_err = without_source_hint(&String::from_utf8_lossy(&got.stderr));
    if got.code != want_rc {
        let first = |s: &str| s.lines().next().unwrap_or("").to_string();
        return Some(format!(
            "exit {} (helm {want_rc}): helm {:?} / ours {:?}",
            got.code,
            first(&want_err),
            first(&got_err)
        ));
    }
    if got.stdout != want_out {
        return Some(format!("stdout {}", first_difference(&want_out, &got.stdout)));
    }
    if got_err != want_err {
        return Some(format!("stderr {}", first_difference(want_err.as_bytes(), got_err.as_bytes())));
    }
    None
}

#[test]
fn kept_fuzz_cases_match_helm() {
    let filter = std::env::var("DIFFFUZZ_FILTER").unwrap_or_default();
    let cases_dir = difffuzz_dir().join("cases");
    let mut ids: Vec<String> = std::fs::read_dir(&cases_dir)
        .unwrap_or_else(|e| panic!("{}: {e}", cases_dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("cmd").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|id| id.contains(&filter))
        .collect();
    ids.sort();
    assert!(!filter.is_empty() || !ids.is_empty(), "no kept cases under {}", cases_dir.display());

    let known = known_mismatches();
    let mut identical = 0;
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    for id in &ids {
        let listed = known.contains(id);
        match replay(&cases_dir.join(id)) {
            None => {
                identical += 1;
                if listed {
                    fixed.push(id.clone());
                }
            }
            Some(diff) => {
                println!("  MISS{} {id}: {diff}", if listed { " (known)" } else { "" });
                if !listed {
                    unexpected.push(format!("{id}: {diff}"));
                }
            }
        }
    }
    println!("\ndifffuzz: {identical}/{} kept cases identical to Helm", ids.len());
    for id in &fixed {
        println!("  FIXED {id}: now identical; remove it from tests/difffuzz/known-mismatches.txt");
    }
    assert!(
        unexpected.is_empty(),
        "{} kept fuzz case(s) differ from Helm and are not listed in known-mismatches.txt:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
