//! CHART references on every verb that takes one (`template`, `show`, `pull`, `install`,
//! `upgrade`), against real servers: Debian's `docker-registry` (with and without
//! htpasswd), a chart repository served by `python3 -m http.server`, and archive URLs.
//! `template`, `show` and `pull` run twice, on identical work directories, once with Helm
//! v4.1.4 (.tools/bin/helm) and once with chartroom, and must print the same and write the
//! same files; `install`/`upgrade` run against testkube. Then the failures a user meets:
//! wrong password (401), a registry that forbids (403), a registry that is down, unknown
//! versions, a manifest of the wrong media type, a tampered blob, an index digest that does
//! not match, and an archive with `..` entries: each a clear error with nothing written to
//! the cache or the destination.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chartroom_tests::{free_port, helm, skip, wait_for, Server};

fn serve_http(dir: &Path) -> Option<(Server, String)> {
    let port = free_port();
    let Ok(child) = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        skip("no python3 for the chart repository server");
        return None;
    };
    Some((wait_for(port, Server(child)), format!("http://127.0.0.1:{port}")))
}

/// `docker-registry` on a loopback port, with htpasswd auth when `auth` is given.
fn serve_registry(dir: &Path, auth: Option<(&str, &str)>) -> Option<(Server, String)> {
    let bin = Path::new("/usr/bin/docker-registry");
    if !bin.exists() {
        skip("no docker-registry (scripts/registry-test.sh installs it)");
        return None;
    }
    std::fs::create_dir_all(dir).expect("registry dir");
    let mut auth_section = String::new();
    if let Some((user, password)) = auth {
        let Ok(out) = Command::new("htpasswd").args(["-Bbn", user, password]).output() else {
            skip("no htpasswd (apache2-utils)");
            return None;
        };
        std::fs::write(dir.join("htpasswd"), &out.stdout).expect("htpasswd");
        auth_section = format!("auth:\n  htpasswd:\n    realm: test\n    path: {}\n", dir.join("htpasswd").display());
    }
    let port = free_port();
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n{auth_section}http:\n  addr: 127.0.0.1:{port}\n",
        dir.join("data").display()
    );
    std::fs::write(dir.join("config.yml"), config).expect("config");
    let child = Command::new(bin).arg("serve").arg(dir.join("config.yml")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("registry");
    Some((wait_for(port, Server(child)), format!("127.0.0.1:{port}")))
}

/// Two identical work directories: `h` for Helm, `c` for chartroom.
struct Pair {
    root: PathBuf,
    helm: PathBuf,
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

type Output = (String, String, i32);

impl Pair {
    fn new(tag: &str, helm: PathBuf) -> Pair {
        let root = std::env::temp_dir().join(format!("chartroom-resolve-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for side in ["h", "c"] {
            std::fs::create_dir_all(root.join(side)).expect("work dir");
        }
        Pair { root, helm }
    }

    fn side(&self, which: &str) -> PathBuf {
        self.root.join(which)
    }

    fn vars(&self, which: &str) -> HashMap<String, String> {
        let dir = self.side(which);
        let mut vars = HashMap::new();
        vars.insert("HELM_REPOSITORY_CONFIG".to_string(), dir.join("config/repositories.yaml").display().to_string());
        vars.insert("HELM_REPOSITORY_CACHE".to_string(), dir.join("cache").display().to_string());
        vars.insert("HELM_REGISTRY_CONFIG".to_string(), dir.join("config/registry.json").display().to_string());
        vars.insert("HELM_CACHE_HOME".to_string(), dir.join("helmcache").display().to_string());
        vars.insert("HELM_CONFIG_HOME".to_string(), dir.join("config").display().to_string());
        vars.insert("HELM_DATA_HOME".to_string(), dir.join("data").display().to_string());
        vars.insert("HOME".to_string(), dir.display().to_string());
        vars.insert("GNUPGHOME".to_string(), self.root.join("gnupg").display().to_string());
        vars
    }

    fn helm(&self, args: &[&str]) -> Output {
        let out = Command::new(&self.helm)
            .args(args)
            .current_dir(self.side("h"))
            .env_clear()
            .envs(self.vars("h"))
            .output()
            .expect("helm runs");
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.status.code().unwrap_or(-1))
    }

    fn chartroom(&self, args: &[&str]) -> Output {
        let mut argv = vec!["chartroom".to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let out = chartroom_cli::run(&argv, &chartroom_cli::Env { cwd: self.side("c"), vars: self.vars("c") });
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.code)
    }

    /// Runs a command on both sides; the printed output must be the same (work
    /// directories aside).
    fn same(&self, args: &[&str]) -> Output {
        let theirs = self.helm(args);
        let ours = self.chartroom(args);
        let norm = |s: &str| s.replace(&self.side("h").display().to_string(), "W").replace(&self.side("c").display().to_string(), "W");
        assert_eq!(
            (norm(&ours.0), norm(&ours.1), ours.2),
            (norm(&theirs.0), norm(&theirs.1), theirs.2),
            "chartroom {args:?} (left) differs from helm (right)"
        );
        ours
    }

    /// The files (name and bytes) under a directory of one side, recursively.
    fn files(&self, which: &str, rel: &str) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        collect(&self.side(which).join(rel), "", &mut out);
        out.sort();
        out
    }
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.filter_map(|e| e.ok()) {
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.path().is_dir() {
            collect(&e.path(), &format!("{name}/"), out);
        } else {
            out.push((name, std::fs::read(e.path()).expect("read")));
        }
    }
}

const TEMPLATE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-demo\ndata:\n  version: {{ .Chart.Version | quote }}\n  greeting: {{ .Values.greeting | quote }}\n";

/// Writes the `demo` chart at `version` under `dir/src/demo-VERSION`.
fn write_chart(dir: &Path, version: &str) -> PathBuf {
    let src = dir.join(format!("src/demo-{version}"));
    std::fs::create_dir_all(src.join("templates")).expect("chart dir");
    std::fs::write(
        src.join("Chart.yaml"),
        format!("apiVersion: v2\nname: demo\ndescription: A demo chart\nversion: {version}\nappVersion: \"1.0\"\n"),
    )
    .expect("Chart.yaml");
    std::fs::write(src.join("values.yaml"), "greeting: hello\n").expect("values");
    std::fs::write(src.join("README.md"), format!("# demo {version}\n")).expect("readme");
    std::fs::write(src.join("templates/cm.yaml"), TEMPLATE).expect("template");
    src
}

fn run_ok(helm: &Path, args: &[&str], cwd: &Path, vars: &HashMap<String, String>) -> String {
    let out = Command::new(helm).args(args).current_dir(cwd).env_clear().envs(vars).output().expect("helm runs");
    assert!(out.status.success(), "helm {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const VERSIONS: [&str; 3] = ["0.1.0", "0.2.0", "1.0.0-rc.1"];

/// Packages every version with Helm into `root/repo`, indexes it for `url`.
fn build_repository(pair: &Pair, url_of: impl Fn() -> String) -> PathBuf {
    let repo = pair.root.join("repo");
    std::fs::create_dir_all(&repo).expect("repo dir");
    for v in VERSIONS {
        let src = write_chart(&pair.root, v);
        run_ok(&pair.helm, &["package", &src.display().to_string(), "-d", &repo.display().to_string()], &pair.root, &pair.vars("h"));
    }
    run_ok(&pair.helm, &["repo", "index", &repo.display().to_string(), "--url", &url_of()], &pair.root, &pair.vars("h"));
    repo
}

#[test]
fn every_verb_takes_every_kind_of_chart_reference_as_helm_does() {
    let Some(helm) = helm() else { return };
    let pair = Pair::new("refs", helm);
    // The repository's URL must be in its index, so the server's port comes first.
    let repo_dir = pair.root.join("repo");
    std::fs::create_dir_all(&repo_dir).expect("repo dir");
    let Some((_http, url)) = serve_http(&repo_dir) else { return };
    build_repository(&pair, || url.clone());
    let Some((_registry, host)) = serve_registry(&pair.root.join("registry"), None) else { return };
    for v in VERSIONS {
        let archive = repo_dir.join(format!("demo-{v}.tgz"));
        run_ok(&pair.helm, &["push", &archive.display().to_string(), &format!("oci://{host}/charts"), "--plain-http"], &pair.root, &pair.vars("h"));
    }
    let oci = format!("oci://{host}/charts/demo");
    let archive_url = format!("{url}/demo-0.2.0.tgz");

    pair.same(&["repo", "add", "lab", &url]);
    // OCI: exact versions, constraints, tags in the reference.
    pair.same(&["template", "r", &oci, "--version", "0.2.0", "--plain-http"]);
    pair.same(&["template", "r", &oci, "--version", "^0.1", "--plain-http"]);
    pair.same(&["template", "r", &format!("{oci}:0.1.0"), "--plain-http", "--set", "greeting=hi"]);
    pair.same(&["show", "chart", &oci, "--version", "0.1.0", "--plain-http"]);
    pair.same(&["show", "readme", &oci, "--version", "0.2.0", "--plain-http"]);
    // REPO/NAME from the cached index.
    pair.same(&["template", "r", "lab/demo"]);
    pair.same(&["template", "r", "lab/demo", "--version", "~0.1"]);
    pair.same(&["template", "r", "lab/demo", "--devel"]);
    pair.same(&["show", "values", "lab/demo", "--version", "0.1.0"]);
    // NAME --repo URL.
    pair.same(&["template", "r", "demo", "--repo", &url, "--version", "0.1.0"]);
    pair.same(&["show", "chart", "demo", "--repo", &url]);
    // An archive URL.
    pair.same(&["template", "r", &archive_url]);
    pair.same(&["show", "all", &archive_url]);
    // pull writes the same files from every kind of reference.
    for (dest, reference) in [("o1", vec![oci.as_str(), "--version", "0.2.0", "--plain-http"]), ("o2", vec!["lab/demo", "--version", "0.1.0"]), ("o3", vec!["demo", "--repo", &url]), ("o4", vec![&archive_url])] {
        std::fs::create_dir_all(pair.side("h").join(dest)).expect("dest");
        std::fs::create_dir_all(pair.side("c").join(dest)).expect("dest");
        let mut args = vec!["pull"];
        args.extend(reference.iter().copied());
        args.extend(["-d", dest]);
        pair.same(&args);
        let ours = pair.files("c", dest);
        assert!(!ours.is_empty(), "pull {reference:?} wrote nothing");
        assert_eq!(ours, pair.files("h", dest), "pull {reference:?}");
    }
    pair.same(&["pull", "lab/demo", "--version", "0.1.0", "--untar", "-d", "u1"]);
    assert_eq!(pair.files("c", "u1"), pair.files("h", "u1"));

    // What cannot be found, in Helm's words.
    pair.same(&["template", "r", "lab/demo", "--version", "9.9.9"]);
    pair.same(&["show", "chart", "lab/nope"]);
    pair.same(&["template", "r", "nope", "--repo", &url]);
    pair.same(&["template", "r", "demo", "--repo", &url, "--version", "5"]);
    // Helm repeats the server's reason phrase ("File not found" from python's server);
    // chartroom's HTTP client gives the standard one.
    let missing = format!("{url}/missing-0.1.0.tgz");
    assert_eq!(pair.chartroom(&["template", "r", &missing]), (String::new(), format!("Error: failed to fetch {missing} : 404 Not Found\n"), 1));
    assert_eq!(pair.helm(&["template", "r", &missing]).2, 1);
    pair.same(&["template", "r", &oci, "--version", ">5", "--plain-http"]);
    pair.same(&["template", "r", "unknown/demo"]);
}

#[test]
fn install_and_upgrade_resolve_registry_repository_and_url_charts() {
    let Some(helm) = helm() else { return };
    let pair = Pair::new("deploy", helm);
    let repo_dir = pair.root.join("repo");
    std::fs::create_dir_all(&repo_dir).expect("repo dir");
    let Some((_http, url)) = serve_http(&repo_dir) else { return };
    build_repository(&pair, || url.clone());
    let Some((_registry, host)) = serve_registry(&pair.root.join("registry"), None) else { return };
    let archive = repo_dir.join("demo-0.1.0.tgz");
    run_ok(&pair.helm, &["push", &archive.display().to_string(), &format!("oci://{host}/charts"), "--plain-http"], &pair.root, &pair.vars("h"));

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let kube = runtime.block_on(testkube::TestKube::start()).expect("testkube");
    let kubeconfig = pair.root.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {}\ncontexts:\n- name: t\n  context:\n    cluster: t\n    user: u\ncurrent-context: t\nusers:\n- name: u\n  user:\n    token: x\n",
            kube.url()
        ),
    )
    .expect("kubeconfig");
    let run = |args: &[&str]| {
        let mut argv = vec!["chartroom".to_string(), "--kubeconfig".to_string(), kubeconfig.display().to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let out = chartroom_cli::run(&argv, &chartroom_cli::Env { cwd: pair.side("c"), vars: pair.vars("c") });
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.code)
    };
    let deployed_version = || {
        kube.object("v1", "configmaps", Some("default"), "r-demo").expect("the release's ConfigMap")["data"]["version"].as_str().map(str::to_string)
    };
    let (_, stderr, code) = run(&["install", "r", &format!("oci://{host}/charts/demo"), "--version", "0.1.0", "--plain-http"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.starts_with(&format!("Pulled: {host}/charts/demo:0.1.0\nDigest: sha256:")), "{stderr}");
    assert_eq!(deployed_version().as_deref(), Some("0.1.0"));
    let (_, stderr, code) = run(&["repo", "add", "lab", &url]);
    assert_eq!(code, 0, "{stderr}");
    let (stdout, stderr, code) = run(&["upgrade", "r", "lab/demo", "--version", "0.2.0"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Release \"r\" has been upgraded."), "{stdout}");
    assert_eq!(deployed_version().as_deref(), Some("0.2.0"));
    let (_, stderr, code) = run(&["upgrade", "r", &format!("{url}/demo-1.0.0-rc.1.tgz")]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(deployed_version().as_deref(), Some("1.0.0-rc.1"));
    let (_, stderr, code) = run(&["upgrade", "r", "demo", "--repo", &url, "--version", "0.1.0", "--set", "greeting=again"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(deployed_version().as_deref(), Some("0.1.0"));
    let (_, stderr, code) = run(&["upgrade", "r", "lab/demo", "--version", "7.7.7"]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "Error: chart \"demo\" matching 7.7.7 not found in lab index. (try 'helm repo update'): no chart version found for demo-7.7.7\n"
    );
    let (stdout, _, code) = run(&["history", "r"]);
    assert_eq!(code, 0);
    let charts: Vec<&str> = stdout.lines().skip(1).filter_map(|l| l.split('\t').find(|c| c.trim().starts_with("demo-"))).map(str::trim).collect();
    assert_eq!(charts, ["demo-0.1.0", "demo-0.2.0", "demo-1.0.0-rc.1", "demo-0.1.0"], "{stdout}");
    let _guard = runtime.enter();
    drop(kube);
}

/// A registry front that refuses everything with 403 and the body Harbor and Docker Hub
/// send; docker-registry itself never answers 403.
fn serve_forbidden() -> (String, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = listener.local_addr().expect("addr").to_string();
    let handle = std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let body = r#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (host, handle)
}

/// Every file under a directory (names only).
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    collect(dir, "", &mut out);
    out.into_iter().map(|(n, _)| n).collect()
}

#[test]
fn credentials_denials_and_broken_charts_are_clear_errors_that_write_nothing() {
    let Some(helm) = helm() else { return };
    let pair = Pair::new("bad", helm);
    let Some((_registry, host)) = serve_registry(&pair.root.join("registry"), Some(("alice", "s3cret"))) else { return };
    let repo_dir = pair.root.join("repo");
    std::fs::create_dir_all(&repo_dir).expect("repo dir");
    let Some((_http, url)) = serve_http(&repo_dir) else { return };
    build_repository(&pair, || url.clone());
    let archive = repo_dir.join("demo-0.1.0.tgz");
    let archive_bytes = std::fs::read(&archive).expect("archive");
    let oci = format!("oci://{host}/charts/demo");

    // chartroom pushes with --username/--password; Helm and chartroom both read it back
    // with the same flags, on every verb.
    let (_, stderr, code) =
        pair.chartroom(&["push", &archive.display().to_string(), &format!("oci://{host}/charts"), "--plain-http", "--username", "alice", "--password", "s3cret"]);
    assert_eq!(code, 0, "{stderr}");
    let creds = ["--plain-http", "--username", "alice", "--password", "s3cret"];
    let with = |args: &[&str]| -> Vec<String> { args.iter().chain(creds.iter()).map(|s| s.to_string()).collect() };
    for args in [with(&["template", "r", &oci, "--version", "0.1.0"]), with(&["show", "chart", &oci, "--version", "0.1.0"]), with(&["pull", &oci, "--version", "0.1.0", "-d", "ok"])] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        std::fs::create_dir_all(pair.side("h").join("ok")).expect("dest");
        std::fs::create_dir_all(pair.side("c").join("ok")).expect("dest");
        pair.same(&args);
    }
    assert_eq!(pair.files("c", "ok"), pair.files("h", "ok"));

    let cache = pair.side("c").join("cache");
    let nothing_written = |what: &str| {
        let cached = listing(&cache);
        assert!(cached.iter().all(|n| !n.ends_with(".tgz") || n == "demo-0.1.0.tgz"), "{what} left {cached:?} in the cache");
        assert_eq!(listing(&pair.side("c").join("out")), Vec::<String>::new(), "{what} wrote to the destination");
    };
    std::fs::create_dir_all(pair.side("c").join("out")).expect("out");
    let expect_error = |args: &[&str], wanted: &str| {
        let (stdout, stderr, code) = pair.chartroom(args);
        assert_eq!(code, 1, "{args:?} should fail\n{stdout}{stderr}");
        assert!(stderr.starts_with("Error: ") && stderr.contains(wanted), "{args:?}: {stderr:?} lacks {wanted:?}");
        nothing_written(&format!("{args:?}"));
    };

    // Wrong password and no password: 401, on every verb.
    for verb in [&["template", "r"][..], &["show", "chart"], &["pull"]] {
        let mut args = verb.to_vec();
        args.extend([oci.as_str(), "--version", "0.1.0", "--plain-http", "--username", "alice", "--password", "wrong", "-d", "out"]);
        if verb[0] != "pull" {
            args.truncate(args.len() - 2);
        }
        expect_error(&args, "401 Unauthorized: denied");
    }
    expect_error(&["pull", &oci, "--version", "0.1.0", "--plain-http", "-d", "out"], "401 Unauthorized: denied");
    // A registry that forbids: 403 "denied", with its own reason.
    let (forbidden, server) = serve_forbidden();
    expect_error(
        &["pull", &format!("oci://{forbidden}/charts/demo"), "--version", "0.1.0", "--plain-http", "-d", "out"],
        "403 Forbidden: denied: DENIED: requested access to the resource is denied",
    );
    drop(server);
    // A registry that is down.
    let down = free_port();
    expect_error(&["template", "r", &format!("oci://127.0.0.1:{down}/charts/demo"), "--version", "0.1.0", "--plain-http"], "connection refused");
    // An unknown tag.
    expect_error(&["pull", &oci, "--version", "9.9.9", "--plain-http", "--username", "alice", "--password", "s3cret", "-d", "out"], "9.9.9: not found");

    // A manifest of another media type (a Docker image manifest) under a chart's name.
    let options = registry::client::ConnectOptions {
        plain_http: true,
        credential: Some(registry::credentials::Credential { username: "alice".into(), password: "s3cret".into() }),
        ..Default::default()
    };
    let image = registry::reference::Reference::parse(&format!("oci://{host}/charts/image")).expect("reference");
    let mut client = registry::client::Client::connect(&host, &options).expect("client");
    let config = br#"{"architecture":"amd64","os":"linux"}"#;
    let config_digest = client.push_blob(&image, config).expect("config");
    let layer_digest = client.push_blob(&image, &archive_bytes).expect("layer");
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"{layer_digest}","size":{}}}]}}"#,
        config.len(),
        archive_bytes.len()
    );
    client.push_manifest(&image, "1.0.0", "application/vnd.docker.distribution.manifest.v2+json", manifest.as_bytes()).expect("manifest");
    let auth = ["--plain-http", "--username", "alice", "--password", "s3cret"];
    let mut args = vec!["pull", "--version", "1.0.0", "-d", "out"];
    let image_ref = format!("oci://{host}/charts/image");
    args.insert(1, &image_ref);
    args.extend(auth);
    expect_error(&args, "is not a Helm chart: manifest media type application/vnd.docker.distribution.manifest.v2+json");
    let mut args = vec!["template", "r", &image_ref, "--version", "1.0.0"];
    args.extend(auth);
    expect_error(&args, "is not a Helm chart");

    // A tampered blob in the registry's storage: the digest check catches it.
    let hex = registry::sha256_digest(&archive_bytes).trim_start_matches("sha256:").to_string();
    let blob = pair.root.join(format!("registry/data/docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]));
    let mut bytes = std::fs::read(&blob).expect("blob on disk");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, &bytes).expect("tamper");
    let _ = std::fs::remove_file(cache.join("demo-0.1.0.tgz"));
    for verb in [&["pull"][..], &["template", "r"], &["show", "values"]] {
        let mut args = verb.to_vec();
        args.extend([oci.as_str(), "--version", "0.1.0"]);
        args.extend(auth);
        if verb[0] == "pull" {
            args.extend(["-d", "out"]);
        }
        expect_error(&args, "blob digest mismatch");
        assert!(!cache.join("demo-0.1.0.tgz").exists(), "{args:?} cached a tampered chart");
    }

    // An archive whose index digest does not match (the file changed after indexing).
    let (_, stderr, code) = pair.chartroom(&["repo", "add", "lab", &url]);
    assert_eq!(code, 0, "{stderr}");
    let mut changed = archive_bytes.clone();
    changed.extend_from_slice(&[0; 16]);
    std::fs::write(repo_dir.join("demo-0.2.0.tgz"), &changed).expect("replace");
    expect_error(&["pull", "lab/demo", "--version", "0.2.0", "-d", "out"], "digest mismatch");
    expect_error(&["template", "r", "lab/demo", "--version", "0.2.0"], "digest mismatch");

    // An archive with `..` entries (served as a URL and listed in no index).
    let evil = repo_dir.join("evil-0.1.0.tgz");
    let script = format!(
        "import io, tarfile\nt = tarfile.open({:?}, 'w:gz')\nfor name, data in [('evil/Chart.yaml', b'apiVersion: v2\\nname: evil\\nversion: 0.1.0\\n'), ('evil/../../escaped.txt', b'gotcha')]:\n    info = tarfile.TarInfo(name)\n    info.size = len(data)\n    t.addfile(info, io.BytesIO(data))\nt.close()\n",
        evil.display().to_string()
    );
    let made = Command::new("python3").args(["-c", &script]).status().expect("python3");
    assert!(made.success());
    let evil_url = format!("{url}/evil-0.1.0.tgz");
    expect_error(&["pull", &evil_url, "-d", "out"], "not a usable chart archive");
    expect_error(&["pull", &evil_url, "--untar", "-d", "out"], "not a usable chart archive");
    expect_error(&["template", "r", &evil_url], "not a usable chart archive");
    assert!(!pair.side("c").join("escaped.txt").exists() && !pair.root.join("escaped.txt").exists());
    assert!(!cache.join("evil-0.1.0.tgz").exists());
}

/// A CA and a server certificate for 127.0.0.1 (made with openssl), in `dir`.
fn make_certificates(dir: &Path) -> bool {
    std::fs::create_dir_all(dir).expect("tls dir");
    let openssl = |args: &[&str]| Command::new("openssl").args(args).current_dir(dir).stdout(Stdio::null()).stderr(Stdio::null()).status();
    let Ok(status) = openssl(&[
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=chartroom test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]) else {
        skip("no openssl to make test certificates");
        return false;
    };
    assert!(status.success(), "openssl: CA");
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n").expect("ext");
    for args in [
        &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"][..],
        &["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf"],
    ] {
        assert!(openssl(args).expect("openssl").success(), "openssl {args:?}");
    }
    true
}

#[test]
fn tls_registries_and_repositories_need_the_ca_file_or_skipping_verification() {
    let Some(helm) = helm() else { return };
    let pair = Pair::new("tls", helm);
    let tls = pair.root.join("tls");
    if !make_certificates(&tls) {
        return;
    }
    for side in ["h", "c"] {
        std::fs::copy(tls.join("ca.pem"), pair.side(side).join("ca.pem")).expect("ca");
    }
    // An HTTPS chart repository (python's server wrapped in TLS) ...
    let repo_dir = pair.root.join("repo");
    std::fs::create_dir_all(&repo_dir).expect("repo dir");
    let port = free_port();
    let url = format!("https://127.0.0.1:{port}");
    build_repository(&pair, || url.clone());
    let script = format!(
        "import http.server, ssl\ns = http.server.ThreadingHTTPServer(('127.0.0.1', {port}), http.server.SimpleHTTPRequestHandler)\nc = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\nc.load_cert_chain({:?}, {:?})\ns.socket = c.wrap_socket(s.socket, server_side=True)\ns.serve_forever()\n",
        tls.join("server.pem").display().to_string(),
        tls.join("server.key").display().to_string()
    );
    let Ok(child) = Command::new("python3").args(["-c", &script]).current_dir(&repo_dir).stdout(Stdio::null()).stderr(Stdio::null()).spawn() else {
        skip("no python3");
        return;
    };
    let _https = wait_for(port, Server(child));
    // ... and a registry serving TLS with the same certificate.
    let bin = Path::new("/usr/bin/docker-registry");
    if !bin.exists() {
        skip("no docker-registry (scripts/registry-test.sh installs it)");
        return;
    }
    let reg_dir = pair.root.join("registry");
    std::fs::create_dir_all(&reg_dir).expect("registry dir");
    let reg_port = free_port();
    std::fs::write(
        reg_dir.join("config.yml"),
        format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{reg_port}\n  tls:\n    certificate: {}\n    key: {}\n",
            reg_dir.join("data").display(),
            tls.join("server.pem").display(),
            tls.join("server.key").display()
        ),
    )
    .expect("config");
    let child = Command::new(bin).arg("serve").arg(reg_dir.join("config.yml")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("registry");
    let _registry = wait_for(reg_port, Server(child));
    let host = format!("127.0.0.1:{reg_port}");
    let archive = repo_dir.join("demo-0.1.0.tgz").display().to_string();
    let (_, err, code) = pair.chartroom(&["push", &archive, &format!("oci://{host}/charts"), "--ca-file", "ca.pem"]);
    assert_eq!(code, 0, "chartroom push over TLS: {err}");
    let oci = format!("oci://{host}/charts/demo");
    let chart_url = format!("{url}/demo-0.2.0.tgz");

    for trust in [&["--ca-file", "ca.pem"][..], &["--insecure-skip-tls-verify"]] {
        let with = |args: &[&str]| -> Vec<String> { args.iter().chain(trust.iter()).map(|s| s.to_string()).collect() };
        for args in [
            with(&["template", "r", &oci, "--version", "0.1.0"]),
            with(&["show", "chart", &oci, "--version", "0.1.0"]),
            with(&["template", "r", &chart_url]),
            with(&["show", "values", "demo", "--repo", &url, "--version", "0.1.0"]),
        ] {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            pair.same(&args);
        }
    }
    for (dest, args) in [("p1", vec!["pull", oci.as_str(), "--version", "0.1.0", "--ca-file", "ca.pem"]), ("p2", vec!["pull", chart_url.as_str(), "--ca-file", "ca.pem"])] {
        for side in ["h", "c"] {
            std::fs::create_dir_all(pair.side(side).join(dest)).expect("dest");
        }
        let mut args = args.clone();
        args.extend(["-d", dest]);
        pair.same(&args);
        assert_eq!(pair.files("c", dest), pair.files("h", dest));
        assert_eq!(pair.files("c", dest).len(), 1);
    }
    // Without the CA the certificate is refused, and nothing is written.
    for args in [vec!["template", "r", oci.as_str(), "--version", "0.1.0"], vec!["pull", chart_url.as_str(), "-d", "p3"]] {
        let (stdout, stderr, code) = pair.chartroom(&args);
        assert_eq!(code, 1, "{args:?} must fail without the CA: {stdout}");
        assert!(stderr.starts_with("Error: ") && stderr.to_lowercase().contains("certificate"), "{args:?}: {stderr}");
        assert_eq!(pair.helm(&args).2, 1, "helm refuses {args:?} too");
    }
    assert!(pair.files("c", "p3").is_empty());
    // A repository added with its CA file keeps using it, for its charts' URLs too.
    pair.same(&["repo", "add", "secure", &url, "--ca-file", "ca.pem"]);
    pair.same(&["template", "r", "secure/demo", "--version", "0.1.0"]);
    pair.same(&["template", "r", &chart_url]);
    // The dependency manager reaches the HTTPS repository with the CA file given as a flag.
    for side in ["h", "c"] {
        let chart = pair.side(side).join("parent");
        std::fs::create_dir_all(chart.join("templates")).expect("parent");
        std::fs::write(
            chart.join("Chart.yaml"),
            format!("apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n- name: demo\n  version: \"~0.1\"\n  repository: {url}\n"),
        )
        .expect("Chart.yaml");
    }
    pair.same(&["dependency", "update", "parent", "--ca-file", "ca.pem"]);
    let charts = |side: &str| pair.files(side, "parent/charts").into_iter().map(|(n, _)| n).collect::<Vec<_>>();
    assert_eq!(charts("c"), ["demo-0.1.0.tgz"]);
    assert_eq!(charts("c"), charts("h"));
}
