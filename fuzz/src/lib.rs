//! Helpers shared by the fuzz targets: a readable multi-file input format (so real charts
//! can seed the corpus and crashes can be read), and the bounded execution options the
//! template target runs with.
#![forbid(unsafe_code)]

/// Marks the start of a file in a bundle: a line `==> path <==` (the format `head` prints
/// for several files), followed by the file's bytes up to the next marker line.
const MARKER_START: &[u8] = b"==> ";
const MARKER_END: &[u8] = b" <==";

/// Splits a bundle into (path, content) pairs. Bytes before the first marker are ignored.
/// Any byte string is a valid bundle, so the fuzzer never wastes inputs on a format error.
pub fn split_bundle(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for line in data.split_inclusive(|&b| b == b'\n') {
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        if let Some(name) = bare.strip_prefix(MARKER_START).and_then(|rest| rest.strip_suffix(MARKER_END)) {
            files.push((String::from_utf8_lossy(name).into_owned(), Vec::new()));
        } else if let Some((_, content)) = files.last_mut() {
            content.extend_from_slice(line);
        }
    }
    files
}

/// Writes files in the bundle format (used to turn chart directories into seeds).
pub fn join_bundle(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, content) in files {
        out.extend_from_slice(MARKER_START);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(MARKER_END);
        out.push(b'\n');
        out.extend_from_slice(content);
        if !content.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out
}

/// The dot the template target executes with: a small values tree with every kind of value
/// (Helm's `.Values` shape), so field chains, ranges and conversions have data to walk.
pub const TEMPLATE_DOT_YAML: &str = r#"
Values:
  name: demo
  replicas: 3
  ratio: 0.5
  enabled: true
  nothing: null
  list: [1, "two", 3.0, true, null, {k: v}]
  nested: {a: {b: {c: deep}}}
  labels: {app: demo, tier: web}
Release: {Name: rel, Namespace: ns, IsInstall: true}
Chart: {Name: c, Version: 0.1.0}
"#;

/// Execution bounds for fuzzing: what a hostile template may cost before the executor
/// must stop it with an error. A run that goes past these is a finding (a limit that
/// does not hold), not a slow input to tolerate.
pub fn bounded_exec_options() -> gotmpl::Options {
    gotmpl::Options {
        max_output: 1 << 20,
        max_steps: 200_000,
        max_depth: 200,
        ..gotmpl::Options::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_round_trip() {
        let files = vec![("Chart.yaml".to_string(), b"name: c\n".to_vec()), ("templates/x.yaml".to_string(), b"a: 1\n".to_vec())];
        assert_eq!(split_bundle(&join_bundle(&files)), files);
    }

    #[test]
    fn text_before_the_first_marker_is_ignored() {
        assert_eq!(split_bundle(b"junk\n==> a <==\nx"), vec![("a".to_string(), b"x".to_vec())]);
    }
}
