//! `chartroom template` flags beyond the conformance corpus: `--output-dir`,
//! `--post-renderer`, and bad input (each a clear `Error:` line, exit 1, nothing written).

use std::path::{Path, PathBuf};

use chartroom_cli::{run, Env};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/kubernetes-example")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chartroom-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn chartroom(cwd: &Path, args: &[&str]) -> (String, String, i32) {
    let mut argv = vec!["chartroom".to_string()];
    argv.extend(args.iter().map(|s| s.to_string()));
    let out = run(&argv, &Env { cwd: cwd.to_path_buf(), vars: Default::default() });
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.code)
}

#[test]
fn output_dir_writes_one_file_per_template_like_helm() {
    let dir = scratch("outdir");
    let chart = example();
    let (out, err, code) =
        chartroom(&dir, &["template", "rel", chart.to_str().unwrap(), "--output-dir", "out", "--release-name"]);
    assert_eq!(code, 0, "{err}");
    let wrote: Vec<&str> = out.lines().filter(|l| l.starts_with("wrote ")).collect();
    assert!(wrote.contains(&"wrote out/rel/kubernetes-example/templates/hpa.yaml"), "{out}");
    assert!(out.ends_with("\n\n"), "Helm prints the empty manifest's newline last: {out:?}");
    let hpa = std::fs::read_to_string(dir.join("out/rel/kubernetes-example/templates/hpa.yaml")).unwrap();
    // Two HPAs from one file: both appended, each under its own header.
    assert_eq!(hpa.matches("# Source: kubernetes-example/templates/hpa.yaml").count(), 2, "{hpa}");
    assert!(hpa.starts_with("---\n# Source: kubernetes-example/templates/hpa.yaml\napiVersion: autoscaling/v2\n"));
}

#[cfg(unix)]
#[test]
fn post_renderer_rewrites_the_manifests_and_its_failure_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("post");
    let ok = dir.join("rename.sh");
    std::fs::write(&ok, "#!/bin/sh\nsed s/backend-service/renamed-by-post-renderer/\n").unwrap();
    std::fs::set_permissions(&ok, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bad = dir.join("fail.sh");
    std::fs::write(&bad, "#!/bin/sh\necho broken >&2\nexit 3\n").unwrap();
    std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o755)).unwrap();
    let chart = example();
    let (out, err, code) =
        chartroom(&dir, &["template", "x", chart.to_str().unwrap(), "--post-renderer", ok.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("renamed-by-post-renderer") && !out.contains("name: backend-service"), "{out}");
    let (out, err, code) =
        chartroom(&dir, &["template", "x", chart.to_str().unwrap(), "--post-renderer", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.starts_with("Error: error while running post render on files:") && err.contains("broken"), "{err}");
}

#[test]
fn bad_input_is_a_clear_error_and_writes_nothing() {
    let dir = scratch("bad");
    // A truncated archive.
    let tgz = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/charts/kube-prometheus-stack-packaged/kube-prometheus-stack-88.5.3.tgz");
    if let Ok(bytes) = std::fs::read(&tgz) {
        std::fs::write(dir.join("truncated.tgz"), &bytes[..bytes.len() / 3]).unwrap();
        let (out, err, code) = chartroom(&dir, &["template", "x", "truncated.tgz", "--output-dir", "out"]);
        assert_eq!(code, 1, "{out}");
        assert!(err.starts_with("Error: "), "{err}");
        assert!(!dir.join("out").exists(), "nothing may be written on a failed render");
    }
    // A file that is not an archive.
    std::fs::write(dir.join("notes.txt"), "hello").unwrap();
    let (_, err, code) = chartroom(&dir, &["template", "x", "notes.txt"]);
    assert_eq!(code, 1);
    assert!(err.contains("does not appear to be a gzipped archive"), "{err}");
    // Bad --set syntax, bad values file, template error with its position.
    let chart = example();
    let chart = chart.to_str().unwrap();
    let (_, err, code) = chartroom(&dir, &["template", "x", chart, "--set", "a.b[x]=1"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("Error: failed parsing --set data:"), "{err}");
    std::fs::write(dir.join("bad.yaml"), "a: b: c\n").unwrap();
    let (_, err, code) = chartroom(&dir, &["template", "x", chart, "-f", "bad.yaml"]);
    assert_eq!(code, 1);
    assert!(err.contains("failed to parse bad.yaml") && err.contains("mapping values are not allowed"), "{err}");
    let (_, err, code) = chartroom(&dir, &["template", "x", "no-such-chart"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("Error: "), "{err}");
}
