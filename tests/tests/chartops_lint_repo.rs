//! `lint`, `create`, `show` and chart repositories against Helm v4.1.4 (the oracle at
//! .tools/bin/helm): the same stdout, stderr and exit code for the same command; and
//! repositories served by a local `python3 -m http.server`, shared between Helm and
//! chartroom (each reads what the other wrote).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

fn helm() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/bin/helm");
    if p.exists() {
        return Some(p);
    }
    // In CI scripts/setup-test.sh installs Helm: there, a missing oracle is a failure.
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "no helm at .tools/bin/helm in CI");
    eprintln!("skipping: no helm");
    None
}

struct Work {
    dir: PathBuf,
    vars: HashMap<String, String>,
}

impl Work {
    fn new(tag: &str) -> Work {
        let dir = std::env::temp_dir().join(format!("chartroom-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("work dir");
        let mut vars = HashMap::new();
        vars.insert("HELM_REPOSITORY_CONFIG".to_string(), dir.join("config/repositories.yaml").display().to_string());
        vars.insert("HELM_REPOSITORY_CACHE".to_string(), dir.join("cache").display().to_string());
        vars.insert("HOME".to_string(), dir.display().to_string());
        Work { dir, vars }
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    fn chartroom(&self, args: &[&str]) -> (String, String, i32) {
        let mut argv = vec!["chartroom".to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let out = chartroom_cli::run(&argv, &chartroom_cli::Env { cwd: self.dir.clone(), vars: self.vars.clone() });
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.code)
    }

    fn helm(&self, helm: &Path, args: &[&str]) -> (String, String, i32) {
        let out = Command::new(helm).args(args).current_dir(&self.dir).env_clear().envs(&self.vars).output().expect("helm runs");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn bad_chart(w: &Work) {
    w.write(
        "bad/Chart.yaml",
        "apiVersion: v2\nname: bad\nversion: 1.0\nappVersion: 1.2\nicon: notaurl\nfoo: 1\nmaintainers:\n- name: x\n  email: notanemail\nsources: [\"foo\"]\n",
    );
    w.write(
        "bad/templates/hpa.yaml",
        "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: My_Name\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: dep\n---\nkind: Service\nmetadata: {name: Bad.Svc}\n---\nkind: Role\nmetadata: {name: \"a/b%c\"}\n",
    );
    w.write("bad/templates/indent.yaml", "  x: 1\n");
    w.write("bad/templates/notes.json", "a: b\n");
    w.write("bad/values.yaml", "x: 1\n");
    w.write("bad/values.schema.json", r#"{"type":"object","properties":{"x":{"type":"string"}}}"#);
    w.write("bad/crds/c.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    w.write("bad/charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n");
    w.write("broken/Chart.yaml", "apiVersion: v2\nname: broken\nversion: 0.1.0\nicon: https://x.io/i.png\n");
    w.write("broken/templates/a.yaml", "a: {{ .Values.x.y }}\n");
    w.write("badyaml/Chart.yaml", "apiVersion: v2\nname: badyaml\nversion: 0.1.0\n");
    w.write("badyaml/values.yaml", "a: [\n");
}

#[test]
fn lint_create_show_match_helm() {
    let Some(helm) = helm() else { return };
    let w = Work::new("lint");
    bad_chart(&w);
    assert_eq!(w.chartroom(&["create", "starter"]).2, 0);
    w.write("starter/README.md", "# Starter\n");
    let commands: &[&[&str]] = &[
        &["lint", "starter"],
        &["lint", "starter", "--strict", "--set", "ingress.enabled=true,httpRoute.enabled=true,autoscaling.enabled=true"],
        &["lint", "bad"],
        &["lint", "bad", "--kube-version", "1.22"],
        &["lint", "bad", "--kube-version", "v1.26.3", "--strict"],
        &["lint", "bad", "--set", "x=text", "--with-subcharts"],
        &["lint", "bad", "starter", "--quiet"],
        &["lint", "starter", "--quiet"],
        &["lint", "broken"],
        &["lint", "badyaml"],
        &["lint", "missing"],
        &["show", "chart", "starter"],
        &["show", "values", "starter"],
        &["show", "readme", "starter"],
        &["show", "crds", "bad"],
        &["show", "all", "starter"],
        &["show", "chart", "nope"],
    ];
    let mut mismatches = Vec::new();
    for args in commands {
        let ours = w.chartroom(args);
        let theirs = w.helm(&helm, args);
        if ours != theirs {
            mismatches.push(format!("{args:?}\n--- helm\n{theirs:?}\n--- chartroom\n{ours:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{} of {} differ:\n{}", mismatches.len(), commands.len(), mismatches.join("\n\n"));
    // The starter chart renders with Helm too.
    let (_, err, code) = w.helm(&helm, &["template", "starter"]);
    assert_eq!(code, 0, "{err}");
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path) -> Option<(Server, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let child = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let server = Server(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some((server, format!("http://127.0.0.1:{port}")));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    None
}

#[test]
fn repositories_are_shared_with_helm() {
    let Some(helm) = helm() else { return };
    let w = Work::new("repo");
    for (name, version) in [("alpha", "0.1.0"), ("alpha", "0.2.0"), ("beta", "1.0.0-rc.1"), ("beta", "0.9.0")] {
        w.write(&format!("src/{name}-{version}/Chart.yaml"), &format!("apiVersion: v2\nname: {name}\nversion: {version}\ndescription: the {name} chart\nkeywords: [demo]\n"));
        w.write(&format!("src/{name}-{version}/templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n");
        let src = format!("src/{name}-{version}");
        assert_eq!(w.chartroom(&["package", &src, "-d", "served"]).2, 0);
    }
    let Some((_server, url)) = serve(&w.dir.join("served")) else {
        eprintln!("skipping: no python3 http.server");
        return;
    };
    // chartroom writes the index; Helm's own index of the same files differs only in times.
    let (_, err, code) = w.chartroom(&["repo", "index", "served", "--url", &url]);
    assert_eq!(code, 0, "{err}");
    let ours = std::fs::read_to_string(w.dir.join("served/index.yaml")).expect("index");
    std::fs::create_dir_all(w.dir.join("helm-index")).expect("mkdir");
    for e in std::fs::read_dir(w.dir.join("served")).expect("served") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "tgz") {
            std::fs::copy(&p, w.dir.join("helm-index").join(p.file_name().expect("name"))).expect("copy");
        }
    }
    assert_eq!(w.helm(&helm, &["repo", "index", "helm-index", "--url", &url]).2, 0);
    let theirs = std::fs::read_to_string(w.dir.join("helm-index/index.yaml")).expect("helm index");
    let no_times = |s: &str| s.lines().filter(|l| !l.contains("created:") && !l.starts_with("generated:")).collect::<Vec<_>>().join("\n");
    assert_eq!(no_times(&ours), no_times(&theirs));

    // chartroom adds, Helm reads; Helm adds, chartroom reads.
    assert_eq!(w.chartroom(&["repo", "add", "one", &url]), ("\"one\" has been added to your repositories\n".into(), String::new(), 0));
    assert_eq!(w.helm(&helm, &["repo", "add", "two", &format!("{url}/")]).2, 0);
    let same: &[&[&str]] = &[
        &["repo", "list"],
        &["search", "repo"],
        &["search", "repo", "alpha", "--versions"],
        &["search", "repo", "demo"],
        &["search", "repo", "beta", "--devel"],
        &["search", "repo", "--version", "<0.2.0", "-l"],
        &["search", "repo", "zzz"],
        &["repo", "add", "one", &url],
        &["repo", "update", "two"],
        &["show", "chart", "one/alpha"],
        &["show", "chart", "two/alpha", "--version", "0.1.0"],
        &["pull", "one/nope"],
        &["pull", "nope/alpha"],
    ];
    let mut mismatches = Vec::new();
    for args in same {
        let ours = w.chartroom(args);
        let theirs = w.helm(&helm, args);
        if ours != theirs {
            mismatches.push(format!("{args:?}\n--- helm\n{theirs:?}\n--- chartroom\n{ours:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{} of {} differ:\n{}", mismatches.len(), same.len(), mismatches.join("\n\n"));
    // Helm updates repositories concurrently, so its lines come in any order.
    let sorted = |s: String| {
        let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let (ours, theirs) = (w.chartroom(&["repo", "update"]), w.helm(&helm, &["repo", "update"]));
    assert_eq!((sorted(ours.0), ours.1, ours.2), (sorted(theirs.0), theirs.1, theirs.2));

    // pull repo/chart writes the same archive Helm downloads.
    let pulled = w.chartroom(&["pull", "one/alpha", "-d", "ours"]);
    assert_eq!(pulled.2, 0, "{pulled:?}");
    std::fs::create_dir_all(w.dir.join("theirs")).expect("mkdir");
    assert_eq!(w.helm(&helm, &["pull", "one/alpha", "-d", "theirs"]).2, 0);
    let a = std::fs::read(w.dir.join("ours/alpha-0.2.0.tgz")).expect("our pull");
    let b = std::fs::read(w.dir.join("theirs/alpha-0.2.0.tgz")).expect("helm pull");
    assert_eq!(a, b);
    assert_eq!(w.chartroom(&["repo", "remove", "two"]).0, "\"two\" has been removed from your repositories\n");
    assert!(!w.dir.join("cache/two-index.yaml").exists());
    let (out, _, _) = w.helm(&helm, &["repo", "list"]);
    assert!(out.contains("one") && !out.contains("two"), "{out}");
}

/// `search repo` with every flag against Helm, byte for byte: literal and `--regexp`
/// keywords (scored by the field they match: name, repo/name, description, keywords),
/// `--versions`, `--version` constraints, `--devel`, `-o json|yaml`, `--max-col-width`,
/// `--fail-on-no-result`, several repositories and one whose cache is missing.
#[test]
fn search_repo_flags_match_helm() {
    let Some(helm) = helm() else { return };
    let w = Work::new("search");
    let charts = [
        ("nginx", "1.0.0", "1.25", "A web server & reverse proxy <fast>", "web,proxy"),
        ("nginx", "1.1.0", "1.26", "A web server & reverse proxy <fast>", "web,proxy"),
        ("nginx", "2.0.0-beta.1", "1.27", "A web server, next generation", "web"),
        ("nginx-ingress", "0.9.0", "", "Ingress controller built on nginx, with a description long enough to be cut by the table", "ingress"),
        ("redis", "3.2.1", "7.0", "In-memory store", "cache,nginx-friendly"),
        ("webapp", "0.1.0", "0.1", "Demo application", "demo"),
    ];
    for (name, version, app, description, keywords) in charts {
        let src = format!("src/{name}-{version}");
        let app_line = if app.is_empty() { String::new() } else { format!("appVersion: \"{app}\"\n") };
        let keyword_list: Vec<String> = keywords.split(',').map(|k| format!("\"{k}\"")).collect();
        w.write(
            &format!("{src}/Chart.yaml"),
            &format!("apiVersion: v2\nname: {name}\nversion: {version}\n{app_line}description: \"{description}\"\nkeywords: [{}]\n", keyword_list.join(", ")),
        );
        w.write(&format!("{src}/templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
        let dest = if name == "webapp" { "served2" } else { "served" };
        assert_eq!(w.chartroom(&["package", &src, "-d", dest]).2, 0);
    }
    let Some((_s1, url1)) = serve(&w.dir.join("served")) else {
        eprintln!("skipping: no python3 http.server");
        return;
    };
    let Some((_s2, url2)) = serve(&w.dir.join("served2")) else { return };
    assert_eq!(w.helm(&helm, &["repo", "index", "served", "--url", &url1]).2, 0);
    assert_eq!(w.helm(&helm, &["repo", "index", "served2", "--url", &url2]).2, 0);
    assert_eq!(w.helm(&helm, &["repo", "add", "main", &url1]).2, 0);
    assert_eq!(w.helm(&helm, &["repo", "add", "extra", &url2]).2, 0);
    let cases: &[&[&str]] = &[
        &["search", "repo"],
        &["search", "repo", "nginx"],
        &["search", "repo", "NGINX", "--versions"],
        &["search", "repo", "nginx", "--devel"],
        &["search", "repo", "nginx", "-l", "--devel"],
        &["search", "repo", "nginx", "--version", "~1.0"],
        &["search", "repo", "nginx", "--version", ">=1.0.0 <3.0.0-0", "-l"],
        &["search", "repo", "nginx", "--version", "not a constraint"],
        &["search", "repo", "web", "server"],
        &["search", "repo", "proxy"],
        &["search", "repo", "-r", "^main/n.*x$"],
        &["search", "repo", "--regexp", "ngin[xX]", "-l"],
        &["search", "repo", "-r", "Store|demo"],
        &["search", "repo", "-r", "(unclosed"],
        &["search", "repo", "extra/"],
        &["search", "repo", "nginx", "-o", "json"],
        &["search", "repo", "nginx", "--output", "yaml", "--devel"],
        &["search", "repo", "nothing-matches", "-o", "json"],
        &["search", "repo", "nothing-matches", "-o", "yaml"],
        &["search", "repo", "nothing-matches"],
        &["search", "repo", "nothing-matches", "--fail-on-no-result"],
        &["search", "repo", "nginx", "--max-col-width", "20"],
        &["search", "repo", "nginx", "--max-col-width", "0", "-l"],
        &["search", "repo", "nginx", "-o", "xml"],
    ];
    let mut mismatches = Vec::new();
    let mut check = |args: &[&str]| {
        let ours = w.chartroom(args);
        let theirs = w.helm(&helm, args);
        if ours != theirs {
            mismatches.push(format!("{args:?}\n--- helm\n{theirs:?}\n--- chartroom\n{ours:?}"));
        }
    };
    for args in cases {
        check(args);
    }
    // A repository whose cached index is gone: a warning, and the others still searched.
    std::fs::remove_file(w.dir.join("cache/extra-index.yaml")).expect("remove cache");
    check(&["search", "repo", "demo"]);
    check(&["search", "repo", "nginx", "-o", "json"]);
    assert!(mismatches.is_empty(), "{} of {} differ:\n{}", mismatches.len(), cases.len() + 2, mismatches.join("\n\n"));
}
