//! Out-of-band scaling and upgrades (helm/helm#31516): after `kubectl scale` (the scale
//! subresource, field manager `kubectl`), Helm 4.1.4's server-side apply fails the next
//! upgrade with a conflict on `.spec.replicas`. Chartroom keeps the live count when the chart
//! did not change replicas, and asks for --force-conflicts when it did.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chartroom_cli::{run, Env, Outcome};
use testkube::TestKube;

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

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

impl Harness {
    fn start(tag: &str) -> Harness {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let kube = runtime.block_on(TestKube::start()).expect("testkube");
        let dir = std::env::temp_dir().join(format!("chartroom-conflicts-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("scaled/templates")).expect("temp dir");
        let kubeconfig = dir.join("kubeconfig");
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: t\n  cluster:\n    server: {}\ncontexts:\n- name: t\n  context:\n    cluster: t\n    user: u\ncurrent-context: t\nusers:\n- name: u\n  user:\n    token: x\n",
            kube.url()
        );
        std::fs::write(&kubeconfig, config).expect("kubeconfig");
        // A chart whose replicas and image come from values.
        std::fs::write(dir.join("scaled/Chart.yaml"), "apiVersion: v2\nname: scaled\nversion: 0.1.0\n").expect("chart");
        std::fs::write(dir.join("scaled/values.yaml"), "replicas: 1\nimage: web:1\n").expect("values");
        std::fs::write(
            dir.join("scaled/templates/deployment.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: {{ .Values.image }}\n",
        )
        .expect("template");
        let vars = HashMap::from([("KUBECONFIG".to_string(), kubeconfig.to_string_lossy().into_owned()), ("HOME".to_string(), dir.to_string_lossy().into_owned())]);
        let env = Env { cwd: dir.clone(), vars };
        Harness { runtime, kube, env, dir }
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

    /// What `kubectl scale deployment/NAME --replicas=N` sends: a merge patch of the scale
    /// subresource, with kubectl's user agent (the server's default field manager).
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

    fn deployment(&self, name: &str) -> serde_json::Value {
        self.kube.object("apps/v1", "deployments", Some("default"), name).expect("deployment")
    }
}

#[test]
fn scaled_replicas_stay_when_the_chart_leaves_them_alone() {
    let h = Harness::start("keep");
    h.ok("install web ./scaled");
    h.kubectl_scale("web", 3);
    assert_eq!(h.deployment("web")["spec"]["replicas"], 3);
    // The chart changes the image only: the upgrade rolls it out and keeps the 3 replicas.
    let out = h.ok("upgrade web ./scaled --set image=web:2");
    assert!(out.starts_with("Release \"web\" has been upgraded."), "{out}");
    let live = h.deployment("web");
    assert_eq!(live["spec"]["replicas"], 3);
    assert_eq!(live["spec"]["template"]["spec"]["containers"][0]["image"], "web:2");
    // And again: the next upgrade does not trip over it either.
    h.ok("upgrade web ./scaled --set image=web:3");
    assert_eq!(h.deployment("web")["spec"]["replicas"], 3);
}

#[test]
fn changed_replicas_need_force_conflicts() {
    let h = Harness::start("force");
    h.ok("install web ./scaled");
    h.kubectl_scale("web", 3);
    let outcome = h.run("upgrade web ./scaled --set replicas=2");
    assert_ne!(outcome.code, 0);
    let err = String::from_utf8_lossy(&outcome.stderr).into_owned();
    assert!(err.contains("conflict with \"kubectl\" using apps/v1: .spec.replicas"), "{err}");
    assert!(err.contains("--force-conflicts"), "{err}");
    assert_eq!(h.deployment("web")["spec"]["replicas"], 3, "nothing applied");
    h.ok("upgrade web ./scaled --set replicas=2 --force-conflicts");
    assert_eq!(h.deployment("web")["spec"]["replicas"], 2);
}

/// The same situation makes real Helm 4.1.4 fail (what this file works around), which shows
/// testkube's conflict detection behaves like the API server here.
#[test]
fn real_helm_fails_the_same_upgrade() {
    let helm = repo_root().join(".tools/bin/helm");
    if !helm.exists() {
        assert!(std::env::var("CI").map_or(true, |v| v != "true"), "no helm at .tools/bin/helm in CI");
        return;
    }
    let h = Harness::start("helm");
    h.ok("install web ./scaled");
    h.kubectl_scale("web", 3);
    let output = std::process::Command::new(&helm)
        .args(["upgrade", "web", "./scaled", "--set", "image=web:2"])
        .current_dir(&h.dir)
        .env_clear()
        .env("KUBECONFIG", &h.env.vars["KUBECONFIG"])
        .env("HOME", &h.dir)
        .output()
        .expect("helm");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "helm upgrade unexpectedly succeeded");
    assert!(err.contains("conflict with \"kubectl\" using apps/v1: .spec.replicas"), "{err}");
}
