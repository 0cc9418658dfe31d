//! Chartroom and real Helm v4.1.4 on the same cluster (testkube): each reads and continues
//! what the other wrote, and both print the same release the same way, byte for byte.
//!
//! Needs `.tools/bin/helm` (scripts/setup-test.sh installs it). Without it the tests skip,
//! except under `CI=true`, where a missing oracle is a failure.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use chartroom_cli::{run, Env};
use testkube::TestKube;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn helm_binary() -> Option<PathBuf> {
    let path = repo_root().join(".tools/bin/helm");
    if path.exists() {
        return Some(path);
    }
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "no helm at .tools/bin/helm in CI");
    eprintln!("skipping: no helm at {}", path.display());
    None
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Both {
    runtime: tokio::runtime::Runtime,
    kube: TestKube,
    helm: PathBuf,
    env: Env,
    dir: TempDir,
}

impl Drop for Both {
    fn drop(&mut self) {
        let _guard = self.runtime.enter();
    }
}

impl Both {
    fn start(tag: &str) -> Option<Both> {
        let helm = helm_binary()?;
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let kube = runtime.block_on(TestKube::start()).expect("testkube");
        let dir = std::env::temp_dir().join(format!("chartroom-interop-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let kubeconfig = dir.join("kubeconfig");
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: testkube\n  cluster:\n    server: {}\ncontexts:\n- name: testkube\n  context:\n    cluster: testkube\n    user: tester\ncurrent-context: testkube\nusers:\n- name: tester\n  user:\n    token: test-token\n",
            kube.url()
        );
        std::fs::write(&kubeconfig, config).expect("kubeconfig");
        let vars = HashMap::from([("KUBECONFIG".to_string(), kubeconfig.to_string_lossy().into_owned()), ("HOME".to_string(), dir.to_string_lossy().into_owned())]);
        let env = Env { cwd: repo_root().join("examples"), vars };
        Some(Both { runtime, kube, helm, env, dir: TempDir(dir) })
    }

    fn chartroom(&self, line: &str) -> (i32, String, String) {
        let mut args = vec!["chartroom".to_string()];
        args.extend(line.split_whitespace().map(str::to_string));
        let outcome = run(&args, &self.env);
        (outcome.code, String::from_utf8_lossy(&outcome.stdout).into_owned(), String::from_utf8_lossy(&outcome.stderr).into_owned())
    }

    fn helm(&self, line: &str) -> (i32, String, String) {
        let home = &self.dir.0;
        let output = Command::new(&self.helm)
            .args(line.split_whitespace())
            .current_dir(repo_root().join("examples"))
            .env_clear()
            .env("KUBECONFIG", &self.env.vars["KUBECONFIG"])
            .env("HOME", home)
            .env("HELM_CONFIG_HOME", home.join("helm-config"))
            .env("HELM_CACHE_HOME", home.join("helm-cache"))
            .env("HELM_DATA_HOME", home.join("helm-data"))
            // Helm prints times in local time; chartroom's records are UTC.
            .env("TZ", "UTC")
            .output()
            .expect("run helm");
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
    }

    fn chartroom_ok(&self, line: &str) -> String {
        let (code, stdout, stderr) = self.chartroom(line);
        assert_eq!(code, 0, "chartroom {line}\nstderr: {stderr}");
        stdout
    }

    fn helm_ok(&self, line: &str) -> String {
        let (code, stdout, stderr) = self.helm(line);
        assert_eq!(code, 0, "helm {line}\nstderr: {stderr}");
        stdout
    }

    /// Runs `line` with both tools and requires the same stdout.
    fn same_output(&self, line: &str) {
        let from_helm = self.helm_ok(line);
        let from_chartroom = self.chartroom_ok(line);
        assert_eq!(from_chartroom, from_helm, "chartroom and helm differ on `{line}`");
    }
}

/// The read-only views of a release that both tools print from the record alone.
fn views(name: &str) -> Vec<String> {
    [
        "list",
        "list -o json",
        "list -o yaml",
        "list --superseded --deployed",
        "history NAME",
        "history NAME -o json",
        "history NAME -o yaml",
        "get all NAME",
        "get values NAME",
        "get values NAME -a",
        "get values NAME -o json",
        "get manifest NAME",
        "get hooks NAME",
        "get notes NAME",
        "get metadata NAME",
        "get metadata NAME -o json",
        "get metadata NAME --revision 1",
    ]
    .iter()
    .map(|line| line.replace("NAME", name))
    .collect()
}

#[test]
fn chartroom_reads_a_release_helm_installed() {
    let Some(both) = Both::start("helm-installs") else { return };
    both.helm_ok("install hx ./kubernetes-example --set backend.autoscaling.averageUtilization=20 --set frontend.autoscaling.averageUtilization=70");
    for line in views("hx") {
        both.same_output(&line);
    }
    same_status(&both, "status hx");
}

#[test]
fn helm_reads_a_release_chartroom_installed() {
    let Some(both) = Both::start("chartroom-installs") else { return };
    both.chartroom_ok("install cx ./kubernetes-example -f kubernetes-example/values-staging.yaml --set frontend.autoscaling.averageUtilization=33");
    for line in views("cx") {
        both.same_output(&line);
    }
    same_status(&both, "status cx");
    // Helm sees the objects as its own: the same ownership metadata and field manager.
    let deployment = both.kube.object("apps/v1", "deployments", Some("default"), "frontend").expect("frontend");
    assert_eq!(deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
    assert_eq!(deployment["metadata"]["annotations"]["meta.helm.sh/release-name"], "cx");
}

#[test]
fn helm_upgrades_a_chartroom_release_and_chartroom_rolls_back_a_helm_one() {
    let Some(both) = Both::start("cross-upgrade") else { return };
    both.chartroom_ok("install cx ./kubernetes-example");
    let upgraded = both.helm_ok("upgrade cx ./kubernetes-example --set frontend.autoscaling.averageUtilization=40");
    assert!(upgraded.starts_with("Release \"cx\" has been upgraded. Happy Helming!\n"), "{upgraded}");
    assert_eq!(utilization(&both, "default", "frontend"), 40);
    for line in views("cx") {
        both.same_output(&line);
    }

    both.helm_ok("install hx ./kubernetes-example -n other --create-namespace");
    both.helm_ok("upgrade hx ./kubernetes-example -n other --set backend.autoscaling.averageUtilization=55");
    assert_eq!(utilization(&both, "other", "backend"), 55);
    let rolled_back = both.chartroom_ok("rollback hx 1 -n other");
    assert_eq!(rolled_back, "Rollback was a success! Happy Helming!\n");
    assert_eq!(utilization(&both, "other", "backend"), 90, "rolled back to revision 1's values");
    let history = both.helm_ok("history hx -n other");
    let rows: Vec<&str> = history.lines().collect();
    assert_eq!(rows.len(), 4, "{history}");
    assert!(rows[3].contains("deployed") && rows[3].trim_end().ends_with("Rollback to 1"), "{history}");
    for line in ["history hx -n other", "get all hx -n other", "list -A", "get metadata hx -n other"] {
        both.same_output(line);
    }
    // And helm carries on from chartroom's rollback.
    both.helm_ok("rollback hx 2 -n other");
    both.same_output("history hx -n other -o json");

    // Each uninstalls what the other installed.
    assert_eq!(both.helm_ok("uninstall cx"), "release \"cx\" uninstalled\n");
    assert!(both.kube.object("apps/v1", "deployments", Some("default"), "frontend").is_none());
    assert_eq!(both.chartroom_ok("uninstall hx -n other --keep-history"), "release \"hx\" uninstalled\n");
    both.same_output("list -A --uninstalled");
    both.same_output("history hx -n other");
}

fn utilization(both: &Both, namespace: &str, name: &str) -> i64 {
    let hpa = both.kube.object("autoscaling/v2", "horizontalpodautoscalers", Some(namespace), name).expect("HPA");
    hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"].as_i64().unwrap_or(-1)
}

/// `status` in table, JSON and YAML output: the same bytes, except that the RESOURCES
/// section's groups are compared as a set (Helm prints them in Go map order, which changes
/// from run to run) and ages are masked (the two commands run a moment apart).
fn same_status(both: &Both, line: &str) {
    let from_helm = both.helm_ok(line);
    let from_chartroom = both.chartroom_ok(line);
    assert!(from_helm.contains("RESOURCES:\n"), "helm printed no resources: {from_helm}");
    assert_eq!(comparable_status(&from_chartroom), comparable_status(&from_helm), "chartroom and helm differ on `{line}`\nchartroom:\n{from_chartroom}\nhelm:\n{from_helm}");
    for format in ["json", "yaml"] {
        let line = format!("{line} -o {format}");
        let from_helm = both.helm_ok(&line);
        assert!(from_helm.contains("v1/Deployment"), "helm's {format} has no resources: {from_helm}");
        assert_eq!(both.chartroom_ok(&line), from_helm, "chartroom and helm differ on `{line}`");
    }
}

/// The status block without its RESOURCES section, and that section's groups (`==> KEY`
/// line and tables, ages masked) sorted.
fn comparable_status(status: &str) -> (String, Vec<String>) {
    let Some(start) = status.find("RESOURCES:\n") else { return (status.to_string(), Vec::new()) };
    let body_start = start + "RESOURCES:\n".len();
    // The section ends with the blank line after its last group and one more.
    let end = status[body_start..].find("\n\n\n").map_or(status.len(), |offset| body_start + offset + 3);
    let mut groups: Vec<String> = status[body_start..end - 1].split("==> ").filter(|g| !g.is_empty()).map(|g| mask_ages(&format!("==> {g}"))).collect();
    groups.sort();
    (format!("{}RESOURCES:\n{}", &status[..start], &status[end..]), groups)
}

/// Replaces a kubectl age (`0s`, `2m5s`, `3h`) ending a line with `<age>`: the AGE column
/// is the last one printed, so the line's alignment does not depend on it.
fn mask_ages(text: &str) -> String {
    let is_age = |token: &str| {
        let mut rest = token;
        let mut parts = 0;
        while !rest.is_empty() {
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let unit = rest[digits..].chars().next();
            if digits == 0 || !matches!(unit, Some('s' | 'm' | 'h' | 'd' | 'y')) {
                return false;
            }
            rest = &rest[digits + 1..];
            parts += 1;
        }
        parts > 0
    };
    text.lines()
        .map(|line| match line.rsplit_once(' ') {
            Some((before, last)) if is_age(last) => format!("{before} <age>\n"),
            _ => format!("{line}\n"),
        })
        .collect()
}

/// A running pod of the backend Deployment (testkube runs no controllers that make pods).
fn backend_pod(namespace: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "backend", "pod-template-hash": "5d9c7"}},
        "spec": {"containers": [{"name": "backend", "image": "backend:1"}, {"name": "sidecar", "image": "proxy:2"}]},
        "status": {"phase": "Running", "podIP": "10.1.0.7", "containerStatuses": [
            {"name": "backend", "ready": true, "restartCount": 2, "state": {"running": {}}},
            {"name": "sidecar", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
        ]}
    })
}

/// Helm 4.1.4's `status` always reads the release's live objects: chartroom prints the same
/// RESOURCES section (server tables, one header per run of equal columns, each object aligned
/// on its own, the workloads' pods as `v1/Pod(related)`), and the same `info.resources` in
/// JSON and YAML.
#[test]
fn status_shows_the_live_resources_as_helm_does() {
    let Some(both) = Both::start("status-resources") else { return };
    both.chartroom_ok("install cx ./kubernetes-example -n shop --create-namespace -f kubernetes-example/values-prod.yaml");
    // Related pods with rows: two of the backend's, none of the others'.
    both.kube.insert_object(backend_pod("shop", "backend-5d9c7-abcde")).expect("pod");
    both.kube.insert_object(backend_pod("shop", "backend-5d9c7-fghij-longer-name")).expect("pod");
    // A LoadBalancer address and a NodePort show in the Service and Ingress columns.
    both.kube.set_status("networking.k8s.io/v1", "ingresses", Some("shop"), "frontend-ingress", serde_json::json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}, {"hostname": "lb.example.com"}]}})).expect("ingress status");
    same_status(&both, "status cx -n shop");
    let table = both.chartroom_ok("status cx -n shop");
    assert!(table.contains("==> v1/Pod(related)\nNAME                              READY   STATUS             RESTARTS   AGE\nbackend-5d9c7-abcde               1/2     CrashLoopBackOff   2          "), "{table}");
    // After an upgrade the newest revision's objects are read; --revision reads an older
    // revision's manifest against today's objects.
    both.helm_ok("upgrade cx ./kubernetes-example -n shop -f kubernetes-example/values-prod.yaml --set frontend.autoscaling.averageUtilization=45");
    same_status(&both, "status cx -n shop");
    same_status(&both, "status cx -n shop --revision 1");
    // Once the objects are gone there is no RESOURCES section (and no `info.resources`).
    both.chartroom_ok("uninstall cx -n shop --keep-history");
    for line in ["status cx -n shop", "status cx -n shop -o json", "status cx -n shop -o yaml"] {
        both.same_output(line);
    }
    assert!(!both.chartroom_ok("status cx -n shop").contains("RESOURCES"));
}
