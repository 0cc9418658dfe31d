//! Release lifecycle beyond plain install/upgrade, on testkube: `diff upgrade`, hooks (order,
//! delete policies, the record's hook runs, compared with what real Helm 4.1.4 writes),
//! CRDs, `--reuse-values`, and `recover`.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use chartroom_cli::{run, Env, Outcome};
use testkube::TestKube;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// Real Helm, when `.tools/bin/helm` exists (required under `CI=true`).
fn helm_binary() -> Option<PathBuf> {
    let path = repo_root().join(".tools/bin/helm");
    if path.exists() {
        return Some(path);
    }
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "no helm at .tools/bin/helm in CI");
    eprintln!("skipping the comparison with helm: no helm at {}", path.display());
    None
}

struct Harness {
    runtime: tokio::runtime::Runtime,
    kube: TestKube,
    env: Env,
    dir: PathBuf,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _guard = self.runtime.enter();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Harness {
    fn start(tag: &str) -> Harness {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let kube = runtime.block_on(TestKube::start()).expect("testkube");
        let dir = std::env::temp_dir().join(format!("chartroom-lifecycle-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let kubeconfig = dir.join("kubeconfig");
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {}\ncontexts:\n- name: t\n  context:\n    cluster: t\n    user: u\ncurrent-context: t\nusers:\n- name: u\n  user:\n    token: x\n",
            kube.url()
        );
        std::fs::write(&kubeconfig, config).expect("kubeconfig");
        let vars = HashMap::from([("KUBECONFIG".to_string(), kubeconfig.to_string_lossy().into_owned()), ("HOME".to_string(), dir.to_string_lossy().into_owned())]);
        let env = Env { cwd: dir.clone(), vars };
        Harness { runtime, kube, env, dir }
    }

    /// Writes `files` (path, text) under the harness directory.
    fn write(&self, files: &[(&str, &str)]) {
        for (path, text) in files {
            let full = self.dir.join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
            std::fs::write(full, text).expect("write");
        }
    }

    fn run(&self, line: &str) -> Outcome {
        let mut args = vec!["chartroom".to_string()];
        args.extend(line.split_whitespace().map(str::to_string));
        run(&args, &self.env)
    }

    fn ok(&self, line: &str) -> String {
        let outcome = self.run(line);
        assert_eq!(outcome.code, 0, "{line}\nstderr: {}", String::from_utf8_lossy(&outcome.stderr));
        String::from_utf8_lossy(&outcome.stdout).into_owned()
    }

    fn helm(&self, helm: &Path, line: &str) -> (i32, String, String) {
        let output = Command::new(helm)
            .args(line.split_whitespace())
            .current_dir(&self.dir)
            .env_clear()
            .env("KUBECONFIG", &self.env.vars["KUBECONFIG"])
            .env("HOME", &self.dir)
            .env("HELM_CONFIG_HOME", self.dir.join("helm-config"))
            .env("HELM_CACHE_HOME", self.dir.join("helm-cache"))
            .env("HELM_DATA_HOME", self.dir.join("helm-data"))
            .env("TZ", "UTC")
            .output()
            .expect("run helm");
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
    }

    fn helm_ok(&self, helm: &Path, line: &str) -> String {
        let (code, stdout, stderr) = self.helm(helm, line);
        assert_eq!(code, 0, "helm {line}\nstderr: {stderr}");
        stdout
    }

    /// What `kubectl scale deployment/NAME --replicas=N` sends.
    fn kubectl_scale(&self, name: &str, replicas: i64) {
        let body = format!("{{\"spec\":{{\"replicas\":{replicas}}}}}");
        let request = format!(
            "PATCH /apis/apps/v1/namespaces/default/deployments/{name}/scale HTTP/1.1\r\nHost: {}\r\nUser-Agent: kubectl/v1.33.0 (linux/amd64) kubernetes/abcdef\r\nContent-Type: application/merge-patch+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.kube.address(),
            body.len()
        );
        let mut stream = std::net::TcpStream::connect(self.kube.address()).expect("connect");
        stream.write_all(request.as_bytes()).expect("send");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("reply");
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    }
}

const SCALED_DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: {{ .Values.image }}\n";

fn scaled_chart(h: &Harness) {
    h.write(&[
        ("scaled/Chart.yaml", "apiVersion: v2\nname: scaled\nversion: 0.1.0\n"),
        ("scaled/values.yaml", "replicas: 1\nimage: web:1\nextra: false\n"),
        ("scaled/templates/deployment.yaml", SCALED_DEPLOYMENT),
        ("scaled/templates/extra.yaml", "{{ if .Values.extra }}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  k: v\n{{ end }}"),
    ]);
}

#[test]
fn diff_upgrade_against_the_release_and_the_live_objects() {
    let h = Harness::start("diff");
    scaled_chart(&h);
    h.ok("install web ./scaled");
    assert_eq!(h.ok("diff upgrade web ./scaled --color never"), "Changes against the release's stored manifest (revision 1):\n  (no changes)\n\nChanges against the live objects in the cluster:\n  (no changes)\n\n");
    assert_eq!(h.run("diff upgrade web ./scaled --detailed-exitcode --color never").code, 0);

    // Drift: someone scales the Deployment. Only the live comparison sees it.
    h.kubectl_scale("web", 3);
    let out = h.ok("diff upgrade web ./scaled --set image=web:2,extra=true --color=never");
    let (release_part, live_part) = out.split_once("Changes against the live objects in the cluster:\n").expect("two sections");
    assert!(release_part.contains("default, web, Deployment (apps/v1) has changed:\n--- revision 1\n+++ upgrade\n"), "{out}");
    assert!(release_part.contains("-      - image: web:1\n+      - image: web:2\n"), "{out}");
    assert!(!release_part.contains("replicas"), "{out}");
    assert!(release_part.contains("default, extra, ConfigMap (v1) will be added:\n"), "{out}");
    assert!(live_part.contains("-  replicas: 3\n+  replicas: 1\n"), "{out}");
    assert!(live_part.contains("-      - image: web:1\n+      - image: web:2\n"), "{out}");
    // The live objects' server fields (uid, status, ...) are not the chart's and do not show.
    assert!(!live_part.contains("uid") && !live_part.contains("status") && !live_part.contains("managedFields"), "{out}");
    assert_eq!(h.run("diff upgrade web ./scaled --detailed-exitcode --color never").code, 2, "the drift is a change");
    // Colour on request; nothing was written.
    assert!(h.ok("diff upgrade web ./scaled --set image=web:2 --color=always").contains("\x1b[31m-      - image: web:1\x1b[0m"));
    assert_eq!(h.kube.object("apps/v1", "deployments", Some("default"), "web").expect("web")["spec"]["template"]["spec"]["containers"][0]["image"], "web:1");
    assert!(h.kube.object("v1", "configmaps", Some("default"), "extra").is_none());

    // A removal, after an upgrade that added the ConfigMap.
    h.ok("upgrade web ./scaled --set extra=true --force-conflicts");
    let out = h.ok("diff upgrade web ./scaled --set extra=false --color never");
    assert!(out.contains("Changes against the release's stored manifest (revision 2):\ndefault, extra, ConfigMap (v1) will be removed:\n"), "{out}");

    let missing = h.run("diff upgrade nope ./scaled");
    assert_eq!(missing.code, 1);
    assert_eq!(String::from_utf8_lossy(&missing.stderr), "Error: \"nope\" has no deployed releases\n");
}
