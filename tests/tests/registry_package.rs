//! `chartroom package` against `helm package` of the same chart: the same entries in the
//! same order with the same times and contents (the uncompressed tar stream is Helm's;
//! only the deflate bytes differ), and the same for `--version`/`--app-version`.

use std::path::Path;
use std::process::Command;

fn helm() -> Option<std::path::PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/bin/helm");
    p.exists().then_some(p)
}

fn run(args: &[&str], cwd: &Path) -> chartroom_cli::Outcome {
    let mut argv = vec!["chartroom".to_string()];
    argv.extend(args.iter().map(|s| s.to_string()));
    chartroom_cli::run(&argv, &chartroom_cli::Env { cwd: cwd.to_path_buf(), vars: Default::default() })
}

fn entries(path: &Path) -> Vec<(String, i64, Vec<u8>)> {
    let data = std::fs::read(path).expect("archive");
    let times = chart::package::archive_entries(&data).expect("entries");
    let files = chart::load::load_archive_files(&data).expect("files");
    assert_eq!(times.len(), files.len());
    times.into_iter().zip(files).map(|(t, f)| (t.name, t.mtime, f.data.to_vec())).collect()
}

#[test]
fn package_matches_helm_package() {
    let Some(helm) = helm() else {
        // In CI scripts/setup-test.sh installs Helm: there, a missing oracle is a failure.
        assert!(std::env::var("CI").map_or(true, |v| v != "true"), "no helm at .tools/bin/helm in CI");
        eprintln!("skipping: no helm");
        return;
    };
    let work = std::env::temp_dir().join(format!("chartroom-package-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("work");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/kubernetes-example");
    for extra in [&[][..], &["--version", "1.2.3+build.4", "--app-version", "9.9"][..]] {
        let mut args = vec!["package", example.to_str().expect("utf-8 path")];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-d", "cr"]);
        let out = run(&args, &work);
        assert_eq!(out.code, 0, "{}", String::from_utf8_lossy(&out.stderr));
        let status = Command::new(&helm).args(args[..args.len() - 1].iter()).arg("helm").current_dir(&work).output().expect("helm");
        assert!(status.status.success());
        let name = if extra.is_empty() { "kubernetes-example-0.1.0.tgz" } else { "kubernetes-example-1.2.3+build.4.tgz" };
        let ours = entries(&work.join("cr").join(name));
        let theirs = entries(&work.join("helm").join(name));
        assert_eq!(ours, theirs);
        // Helm's gzip header (extra field and comment) too.
        let a = std::fs::read(work.join("cr").join(name)).expect("ours");
        let b = std::fs::read(work.join("helm").join(name)).expect("theirs");
        assert_eq!(a[..55], b[..55]);
        // Deterministic.
        let again = run(&args, &work);
        assert_eq!(again.code, 0);
        assert_eq!(std::fs::read(work.join("cr").join(name)).expect("again"), a);
    }
    let out = run(&["package", example.to_str().expect("utf-8"), "--version", "not-semver", "-d", "bad"], &work);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "Error: invalid semantic version\n");
    assert!(!work.join("bad").join("kubernetes-example-not-semver.tgz").exists());
    let _ = std::fs::remove_dir_all(&work);
}
