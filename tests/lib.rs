//! Shared helpers for the integration tests: where the Helm corpus is, and how two outputs
//! are compared.

use std::path::{Path, PathBuf};

/// The Helm conformance corpus (`../shared/conformance`, or `CHARTROOM_CONFORMANCE_DIR`),
/// when it is there.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = match std::env::var("CHARTROOM_CONFORMANCE_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    dir.join("cases.tsv").is_file().then_some(dir)
}

/// The `# Source:` and `kind:` lines of an output: what a nondeterministic case compares
/// (same documents from the same templates, in the same order).
pub fn source_and_kind_lines(s: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(s)
        .lines()
        .filter(|l| l.starts_with("# Source: ") || l.starts_with("kind: "))
        .map(str::to_string)
        .collect()
}

/// Where two outputs first differ, as a line number and both lines.
pub fn first_difference(want: &[u8], got: &[u8]) -> String {
    let (w, g) = (String::from_utf8_lossy(want), String::from_utf8_lossy(got));
    for (i, (a, b)) in w.lines().zip(g.lines()).enumerate() {
        if a != b {
            return format!("line {}: helm {:?} / ours {:?}", i + 1, a, b);
        }
    }
    format!("lengths differ: helm {} lines / ours {} lines", w.lines().count(), g.lines().count())
}
