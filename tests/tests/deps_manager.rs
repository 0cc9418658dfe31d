//! `dependency list|update|build`, `template --dependency-update` and `template repo/chart`
//! / `oci://` against Helm v4.1.4 (.tools/bin/helm). Each command runs twice, on identical
//! copies of a work directory (one for Helm, one for chartroom), with a chart repository
//! served by `python3 -m http.server` and, when Debian's docker-registry is installed, an
//! OCI registry. Compared: stdout, stderr, exit code, `Chart.lock` (but its `generated`
//! time), the file names in `charts/` and the files inside each downloaded archive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn helm() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/bin/helm");
    if p.exists() {
        return Some(p);
    }
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "no helm at .tools/bin/helm in CI");
    eprintln!("skipping: no helm");
    None
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Option<u16> {
    Some(std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port())
}

fn wait_for(port: u16, server: Server) -> Option<Server> {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(server);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    None
}

fn serve_http(dir: &Path) -> Option<(Server, String)> {
    let port = free_port()?;
    let child = Command::new("python3")
        .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    Some((wait_for(port, Server(child))?, format!("http://127.0.0.1:{port}")))
}

fn serve_registry(dir: &Path) -> Option<(Server, String)> {
    let bin = Path::new("/usr/bin/docker-registry");
    if !bin.exists() {
        eprintln!("skipping the OCI part: no docker-registry (scripts/registry-test.sh installs it)");
        return None;
    }
    let port = free_port()?;
    let config = format!(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
        dir.join("data").display()
    );
    std::fs::create_dir_all(dir).ok()?;
    std::fs::write(dir.join("config.yml"), config).ok()?;
    let child = Command::new(bin).arg("serve").arg(dir.join("config.yml")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().ok()?;
    Some((wait_for(port, Server(child))?, format!("127.0.0.1:{port}")))
}

/// Two copies of the same tree: `h` for Helm, `c` for chartroom.
struct Pair {
    root: PathBuf,
    helm: PathBuf,
}

impl Pair {
    fn new(tag: &str, helm: PathBuf) -> Pair {
        let root = std::env::temp_dir().join(format!("chartroom-deps-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("work dir");
        Pair { root, helm }
    }

    fn side(&self, which: &str) -> PathBuf {
        self.root.join(which)
    }

    fn write(&self, rel: &str, text: &str) {
        for which in ["h", "c"] {
            let p = self.side(which).join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
    }

    fn vars(&self, which: &str) -> HashMap<String, String> {
        let dir = self.side(which);
        let mut vars = HashMap::new();
        vars.insert("HELM_REPOSITORY_CONFIG".to_string(), dir.join("config/repositories.yaml").display().to_string());
        vars.insert("HELM_REPOSITORY_CACHE".to_string(), dir.join("cache").display().to_string());
        vars.insert("HELM_REGISTRY_CONFIG".to_string(), dir.join("config/registry.json").display().to_string());
        vars.insert("HOME".to_string(), dir.display().to_string());
        vars
    }

    fn run_both(&self, args: &[&str]) -> [(String, String, i32); 2] {
        let out = Command::new(&self.helm)
            .args(args)
            .current_dir(self.side("h"))
            .env_clear()
            .envs(self.vars("h"))
            .output()
            .expect("helm runs");
        let theirs = (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        );
        let mut argv = vec!["chartroom".to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        let out = chartroom_cli::run(&argv, &chartroom_cli::Env { cwd: self.side("c"), vars: self.vars("c") });
        let ours = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned(), out.code);
        [theirs, ours]
    }

    /// Runs on both sides and checks the printed output and the chart directory agree.
    fn same(&self, args: &[&str], chart_dir: &str) -> (String, String, i32) {
        let [theirs, ours] = self.run_both(args);
        // Helm's own cache names and side directories differ by design.
        let norm = |s: &str| s.replace(&self.side("h").display().to_string(), "W").replace(&self.side("c").display().to_string(), "W");
        assert_eq!((norm(&ours.0), norm(&ours.1), ours.2), (norm(&theirs.0), norm(&theirs.1), theirs.2), "chartroom {args:?}");
        self.same_chart_dir(chart_dir, args);
        ours
    }

    fn same_chart_dir(&self, chart_dir: &str, args: &[&str]) {
        let lock = |which: &str| {
            std::fs::read_to_string(self.side(which).join(chart_dir).join("Chart.lock"))
                .ok()
                .map(|t| t.lines().filter(|l| !l.starts_with("generated:")).collect::<Vec<_>>().join("\n"))
        };
        assert_eq!(lock("c"), lock("h"), "Chart.lock after {args:?}");
        let listing = |which: &str| -> Vec<(String, Vec<(String, Vec<u8>)>)> {
            let Ok(rd) = std::fs::read_dir(self.side(which).join(chart_dir).join("charts")) else { return Vec::new() };
            let mut out: Vec<(String, Vec<(String, Vec<u8>)>)> = rd
                .filter_map(|e| e.ok())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let files = if name.ends_with(".tgz") { archive_files(&e.path()) } else { Vec::new() };
                    (name, files)
                })
                .collect();
            out.sort();
            out
        };
        assert_eq!(listing("c"), listing("h"), "charts/ after {args:?}");
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// The files of an archive (names and bytes; gzip framing and times aside).
fn archive_files(path: &Path) -> Vec<(String, Vec<u8>)> {
    let data = std::fs::read(path).expect("archive");
    let mut files: Vec<(String, Vec<u8>)> = chart::load::load_archive_files(&data)
        .expect("archive loads")
        .into_iter()
        .map(|f| (f.name, f.data.to_vec()))
        .collect();
    files.sort();
    files
}

const LIB_TEMPLATE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}-{{ .Chart.Version }}\n";

fn chart_yaml(name: &str, version: &str, deps: &str) -> String {
    format!("apiVersion: v2\nname: {name}\nversion: {version}\n{deps}")
}

/// Packages `lib` in several versions into `served/` (same bytes on both sides) and
/// writes Helm's index for them.
fn make_repository(pair: &Pair, url: &str) {
    for version in ["0.1.0", "0.1.5", "0.2.0", "1.0.0", "1.1.0-beta.1"] {
        let src = format!("src/lib-{version}");
        pair.write(&format!("{src}/Chart.yaml"), &chart_yaml("lib", version, ""));
        pair.write(&format!("{src}/templates/cm.yaml"), LIB_TEMPLATE);
        let out = Command::new(&pair.helm).args(["package", &src, "-d", "served"]).current_dir(pair.side("h")).output().expect("helm package");
        assert!(out.status.success());
    }
    let out = Command::new(&pair.helm).args(["repo", "index", "served", "--url", url]).current_dir(pair.side("h")).output().expect("index");
    assert!(out.status.success());
}

#[test]
fn dependency_commands_match_helm() {
    let Some(helm) = helm() else { return };
    let pair = Pair::new("mgr", helm);
    // The repository is served from Helm's side; both sides use the same URL.
    std::fs::create_dir_all(pair.side("h").join("served")).expect("mkdir");
    let Some((_server, url)) = serve_http(&pair.side("h").join("served")) else {
        eprintln!("skipping: no python3 http.server");
        return;
    };
    make_repository(&pair, &url);

    // file:// dependency with every optional field (they all enter the digest).
    pair.write("sub/Chart.yaml", &chart_yaml("sub", "0.3.0", ""));
    pair.write("sub/templates/cm.yaml", LIB_TEMPLATE);
    pair.write("sub/values.yaml", "exports:\n  data:\n    k: <v&>\n");
    pair.write(
        "local/Chart.yaml",
        &chart_yaml(
            "local",
            "0.1.0",
            "dependencies:\n- name: sub\n  version: \">=0.1.0\"\n  repository: file://../sub\n  condition: sub.enabled\n  tags: [a, b]\n  alias: foo\n  import-values:\n  - data\n  - child: exports.data\n    parent: y\n",
        ),
    );
    pair.write("local/templates/x.yaml", "x: 1\n");
    pair.same(&["dependency", "list", "local"], "local");
    pair.same(&["dependency", "update", "local"], "local");
    pair.same(&["dependency", "list", "local"], "local");
    pair.same(&["dependency", "build", "local"], "local");
    pair.same(&["template", "local"], "local");

    // Repository dependencies by URL (unmanaged: no `repo add`), with ranges.
    let deps = format!(
        "dependencies:\n- name: lib\n  version: \"~0.1\"\n  repository: {url}/\n- name: lib\n  alias: newest\n  version: \"^1.0.0-0\"\n  repository: {url}\n- name: sub\n  version: 0.3.0\n  repository: file://../sub\n"
    );
    pair.write("remote/Chart.yaml", &chart_yaml("remote", "0.1.0", &deps));
    pair.write("remote/templates/x.yaml", "x: 1\n");
    pair.same(&["dependency", "list", "remote"], "remote");
    pair.same(&["template", "remote"], "remote");
    pair.same(&["template", "remote", "--dependency-update"], "remote");
    pair.same(&["dependency", "list", "remote"], "remote");
    // A build needs configured repositories.
    pair.same(&["dependency", "build", "remote"], "remote");

    // With the repository configured: aliases, build from the lock, out-of-sync lock.
    pair.run_both(&["repo", "add", "myrepo", &url]);
    pair.same(&["dependency", "build", "remote"], "remote");
    let aliased = "dependencies:\n- name: lib\n  version: \">=0.1.0 <0.2.0\"\n  repository: \"@myrepo\"\n- name: lib\n  alias: other\n  version: 0.2.0\n  repository: alias:myrepo\n";
    pair.write("aliased/Chart.yaml", &chart_yaml("aliased", "0.1.0", aliased));
    pair.same(&["dependency", "update", "aliased"], "aliased");
    pair.same(&["dependency", "update", "aliased", "--skip-refresh"], "aliased");
    pair.same(&["dependency", "build", "aliased"], "aliased");
    pair.write("aliased/Chart.yaml", &chart_yaml("aliased", "0.1.0", &aliased.replace("0.2.0\n", "0.1.5\n")));
    pair.same(&["dependency", "build", "aliased"], "aliased");
    pair.same(&["template", "myrepo/lib", "--version", "0.2.0"], "aliased");
    pair.same(&["template", "myrepo/lib", "--version", "9"], "aliased");
    pair.same(&["template", "nope/lib"], "aliased");

    // Failures, in Helm's words.
    pair.write("bad1/Chart.yaml", &chart_yaml("bad1", "0.1.0", "dependencies:\n- name: lib\n  version: 9.x\n  repository: \"@myrepo\"\n"));
    pair.same(&["dependency", "update", "bad1"], "bad1");
    pair.write("bad2/Chart.yaml", &chart_yaml("bad2", "0.1.0", "dependencies:\n- name: x\n  version: 1.x\n  repository: file://../nowhere\n"));
    pair.same(&["dependency", "update", "bad2"], "bad2");
    pair.write("bad3/Chart.yaml", &chart_yaml("bad3", "0.1.0", "dependencies:\n- name: x\n  version: 1.x\n  repository: stable\n- name: y\n  repository: \"@nope\"\n"));
    pair.same(&["dependency", "update", "bad3"], "bad3");
    pair.write("bad4/Chart.yaml", &chart_yaml("bad4", "0.1.0", "dependencies:\n- name: zzz\n  version: 1.0.0\n"));
    pair.same(&["dependency", "update", "bad4"], "bad4");
    pair.same(&["template", "bad4"], "bad4");
    pair.write("nodeps/Chart.yaml", &chart_yaml("nodeps", "0.1.0", ""));
    for verb in ["list", "update", "build"] {
        pair.same(&["dependency", verb, "nodeps"], "nodeps");
    }
}

#[test]
fn oci_dependencies_and_references_match_helm() {
    let Some(helm) = helm() else { return };
    let pair = Pair::new("oci", helm);
    let Some((_registry, host)) = serve_registry(&pair.root.join("registry")) else { return };
    for version in ["0.1.0", "0.2.0", "1.0.0", "1.1.0-beta.1"] {
        let src = format!("src/lib-{version}");
        pair.write(&format!("{src}/Chart.yaml"), &chart_yaml("lib", version, ""));
        pair.write(&format!("{src}/templates/cm.yaml"), LIB_TEMPLATE);
        let dir = pair.side("h");
        assert!(Command::new(&pair.helm).args(["package", &src, "-d", "pkg"]).current_dir(&dir).output().expect("package").status.success());
        let pushed = Command::new(&pair.helm)
            .args(["push", &format!("pkg/lib-{version}.tgz"), &format!("oci://{host}/charts"), "--plain-http"])
            .current_dir(&dir)
            .env("HELM_REGISTRY_CONFIG", dir.join("config/registry.json"))
            .output()
            .expect("push");
        assert!(pushed.status.success(), "{}", String::from_utf8_lossy(&pushed.stderr));
    }
    let deps = format!("dependencies:\n- name: lib\n  version: \">=0.2.0 <1.0.0\"\n  repository: oci://{host}/charts\n");
    pair.write("p/Chart.yaml", &chart_yaml("p", "0.1.0", &deps));
    pair.write("p/templates/x.yaml", "x: 1\n");
    pair.same(&["dependency", "update", "p", "--plain-http"], "p");
    pair.same(&["dependency", "build", "p", "--plain-http"], "p");
    pair.same(&["dependency", "list", "p"], "p");
    let chart = format!("oci://{host}/charts/lib");
    pair.same(&["template", &chart, "--version", "^0.1", "--plain-http"], "p");
    pair.same(&["template", "r", &chart, "--plain-http"], "p");
    pair.same(&["template", &format!("{chart}:0.2.0"), "--plain-http"], "p");
    pair.same(&["template", &chart, "--version", ">5", "--plain-http"], "p");
}
