//! The scenario's release steps (3, 4, 7, 8) end to end through `chartroom_cli::run`
//! against testkube, an in-memory Kubernetes API server, plus the failure paths.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chartroom_cli::{run, Env, Outcome};
use testkube::TestKube;

const RELEASE: &str = "my-kubernetes-example";

struct Harness {
    // Keeps the API server's tasks running while the test calls the synchronous CLI.
    runtime: tokio::runtime::Runtime,
    kube: TestKube,
    env: Env,
    _dir: TempDir,
}

/// A directory removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

fn kubeconfig_for(server: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: testkube\n  cluster:\n    server: {server}\ncontexts:\n- name: testkube\n  context:\n    cluster: testkube\n    user: tester\ncurrent-context: testkube\nusers:\n- name: tester\n  user:\n    token: test-token\n"
    )
}

impl Harness {
    fn start(tag: &str) -> Harness {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let kube = runtime.block_on(TestKube::start()).expect("testkube");
        let dir = std::env::temp_dir().join(format!("chartroom-deploy-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(&kubeconfig, kubeconfig_for(&kube.url())).expect("kubeconfig");
        let vars = HashMap::from([("KUBECONFIG".to_string(), kubeconfig.to_string_lossy().into_owned()), ("HOME".to_string(), dir.to_string_lossy().into_owned())]);
        let env = Env { cwd: repo_root().join("examples"), vars };
        Harness { runtime, kube, env, _dir: TempDir(dir) }
    }

    fn run(&self, line: &str) -> Outcome {
        let mut args = vec!["chartroom".to_string()];
        args.extend(line.split_whitespace().map(str::to_string));
        run(&args, &self.env)
    }

    fn ok(&self, line: &str) -> String {
        let outcome = self.run(line);
        assert_eq!(outcome.code, 0, "{line}\nstderr: {}", String::from_utf8_lossy(&outcome.stderr));
        String::from_utf8(outcome.stdout).expect("utf-8")
    }

    fn fails(&self, line: &str) -> String {
        let outcome = self.run(line);
        assert_ne!(outcome.code, 0, "{line} should fail; stdout: {}", String::from_utf8_lossy(&outcome.stdout));
        String::from_utf8(outcome.stderr).expect("utf-8")
    }

    fn object(&self, api_version: &str, plural: &str, namespace: &str, name: &str) -> Option<serde_json::Value> {
        self.kube.object(api_version, plural, Some(namespace), name)
    }

    fn release_secrets(&self, namespace: &str) -> Vec<String> {
        self.kube
            .objects("v1", "secrets")
            .into_iter()
            .filter(|s| s["metadata"]["namespace"] == namespace && s["type"] == "helm.sh/release.v1")
            .map(|s| format!("{}={}", s["metadata"]["name"].as_str().unwrap_or(""), s["metadata"]["labels"]["status"].as_str().unwrap_or("")))
            .collect()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _guard = self.runtime.enter();
    }
}

fn backend_env(deployment: &serde_json::Value, name: &str) -> String {
    deployment["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .and_then(|env| env.iter().find(|e| e["name"] == name))
        .and_then(|e| e["value"].as_str())
        .unwrap_or("")
        .to_string()
}

#[test]
fn step3_install_with_set_overrides() {
    let h = Harness::start("step3");
    let before = h.kube.request_count();
    let out = h.ok(&format!(
        "install {RELEASE} ./kubernetes-example --namespace helm-staging --create-namespace --set frontend.autoscaling.averageUtilization=60 --set backend.autoscaling.averageUtilization=60"
    ));
    let requests = h.kube.request_count() - before;
    eprintln!("install of the example: {requests} HTTP requests:\n{}", h.kube.request_log()[before as usize..].join("\n"));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("NAME: {RELEASE}"));
    assert!(lines[1].starts_with("LAST DEPLOYED: "), "{out}");
    assert_eq!(&lines[2..], ["NAMESPACE: helm-staging", "STATUS: deployed", "REVISION: 1", "DESCRIPTION: Install complete", "TEST SUITE: None"]);
    let hpa = h.object("autoscaling/v2", "horizontalpodautoscalers", "helm-staging", "frontend").expect("frontend HPA");
    assert_eq!(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 60);
    assert_eq!(hpa["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
    assert_eq!(hpa["metadata"]["annotations"]["meta.helm.sh/release-name"], RELEASE);
    assert!(h.object("apps/v1", "deployments", "helm-staging", "postgres").is_some(), "postgres Deployment");
    let backend = h.object("apps/v1", "deployments", "helm-staging", "backend").expect("backend");
    assert_eq!(backend_env(&backend, "DATABASE_URI"), "pg-service");
    assert!(h.kube.object("v1", "namespaces", None, "helm-staging").is_some());
    assert_eq!(h.release_secrets("helm-staging"), [format!("sh.helm.release.v1.{RELEASE}.v1=deployed")]);
    // The record decodes as Helm's and carries the user's values and SSA.
    let values = h.ok(&format!("get values {RELEASE} -n helm-staging"));
    assert_eq!(values, "USER-SUPPLIED VALUES:\nbackend:\n  autoscaling:\n    averageUtilization: 60\nfrontend:\n  autoscaling:\n    averageUtilization: 60\n");
    let status_json = h.ok(&format!("status {RELEASE} -n helm-staging -o json"));
    assert!(status_json.contains("\"apply_method\":\"ssa\""), "{status_json}");
    // A second install under the same name is refused.
    let err = h.fails(&format!("install {RELEASE} ./kubernetes-example -n helm-staging"));
    assert_eq!(err, "Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n");
}

#[test]
fn step4_install_with_values_file() {
    let h = Harness::start("step4");
    h.ok("install prod-example ./kubernetes-example -n helm-prod --create-namespace -f kubernetes-example/values-prod.yaml");
    assert!(h.object("apps/v1", "deployments", "helm-prod", "postgres").is_none(), "no postgres in prod");
    let backend = h.object("apps/v1", "deployments", "helm-prod", "backend").expect("backend");
    assert_eq!(backend_env(&backend, "DATABASE_URI"), "10.10.10.10");
    let hpa = h.object("autoscaling/v2", "horizontalpodautoscalers", "helm-prod", "backend").expect("backend HPA");
    assert_eq!(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 50);
}

#[test]
fn step7_dry_run_prints_the_manifest_without_touching_the_cluster() {
    let h = Harness::start("step7");
    let before = h.kube.request_count();
    let out = h.ok("install dry ./kubernetes-example -n example -f kubernetes-example/values-prod.yaml --dry-run");
    assert_eq!(h.kube.request_count(), before, "client dry run makes no requests");
    assert!(out.contains("STATUS: pending-install\nREVISION: 1\nDESCRIPTION: Dry run complete\nTEST SUITE: None\nHOOKS:\nMANIFEST:\n---\n# Source: kubernetes-example/templates/"), "{out}");
    assert!(out.contains("value: \"10.10.10.10\""));
    let template = h.ok("template dry ./kubernetes-example -n example -f kubernetes-example/values-prod.yaml");
    for document in template.split("---\n").filter(|d| !d.is_empty()) {
        assert!(out.contains(document.trim_end()), "dry run output lacks {document}");
    }
    let server = h.ok("install dry ./kubernetes-example -n example --dry-run=server");
    assert!(server.contains("DESCRIPTION: Dry run complete"));
    assert!(h.release_secrets("example").is_empty(), "server dry run writes no record");
    assert!(h.object("apps/v1", "deployments", "example", "backend").is_none());
}

#[test]
fn step8_manage_releases() {
    let h = Harness::start("step8");
    h.ok(&format!("install {RELEASE} ./kubernetes-example -n example --create-namespace"));
    assert!(h.object("apps/v1", "deployments", "example", "postgres").is_some());

    let list = h.ok("list -A");
    let rows: Vec<&str> = list.lines().collect();
    assert_eq!(rows.len(), 2, "{list}");
    assert!(rows[0].starts_with("NAME                 \tNAMESPACE\tREVISION\tUPDATED"), "{list}");
    assert!(rows[1].starts_with(&format!("{RELEASE}\texample  \t1       \t")), "{list}");
    assert!(rows[1].ends_with("\tdeployed\tkubernetes-example-0.1.0\t0.1.0      "), "{list}");

    let upgraded = h.ok(&format!("upgrade {RELEASE} ./kubernetes-example -n example -f kubernetes-example/values-prod.yaml"));
    assert!(upgraded.starts_with(&format!("Release \"{RELEASE}\" has been upgraded. Happy Helming!\nNAME: {RELEASE}\n")), "{upgraded}");
    assert!(upgraded.contains("STATUS: deployed\nREVISION: 2\nDESCRIPTION: Upgrade complete\n"), "{upgraded}");
    // Helm diffs old and new: postgres went away, the backend points at the external database.
    assert!(h.object("apps/v1", "deployments", "example", "postgres").is_none(), "postgres deleted on upgrade");
    assert_eq!(backend_env(&h.object("apps/v1", "deployments", "example", "backend").unwrap(), "DATABASE_URI"), "10.10.10.10");

    let history = h.ok(&format!("history {RELEASE} -n example"));
    let rows: Vec<&str> = history.lines().collect();
    assert_eq!(rows[0], "REVISION\tUPDATED                 \tSTATUS    \tCHART                   \tAPP VERSION\tDESCRIPTION     ");
    assert!(rows[1].starts_with("1       \t") && rows[1].ends_with("\tsuperseded\tkubernetes-example-0.1.0\t0.1.0      \tInstall complete"), "{history}");
    assert!(rows[2].starts_with("2       \t") && rows[2].ends_with("\tdeployed  \tkubernetes-example-0.1.0\t0.1.0      \tUpgrade complete"), "{history}");

    assert_eq!(h.ok(&format!("rollback {RELEASE} 1 -n example")), "Rollback was a success! Happy Helming!\n");
    assert!(h.object("apps/v1", "deployments", "example", "postgres").is_some(), "rollback restores postgres");
    let history = h.ok(&format!("history {RELEASE} -n example -o json"));
    let revisions: serde_json::Value = serde_json::from_str(&history).unwrap();
    let summary: Vec<(i64, String, String)> = revisions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["revision"].as_i64().unwrap(), r["status"].as_str().unwrap().to_string(), r["description"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        summary,
        [(1, "superseded".into(), "Install complete".into()), (2, "superseded".into(), "Upgrade complete".into()), (3, "deployed".into(), "Rollback to 1".into())]
    );
    // An upgrade without new values keeps the release's values (none here): postgres stays.
    h.ok(&format!("upgrade {RELEASE} ./kubernetes-example -n example"));
    assert!(h.object("apps/v1", "deployments", "example", "postgres").is_some());

    let all = h.ok(&format!("get all {RELEASE} -n example"));
    assert!(all.contains("REVISION: 4\nCHART: kubernetes-example\nVERSION: 0.1.0\nAPP_VERSION: 0.1.0\nDESCRIPTION: Upgrade complete\nTEST SUITE: None\nUSER-SUPPLIED VALUES:\nnull\n\nCOMPUTED VALUES:\n"), "{all}");
    assert!(all.contains("\nHOOKS:\nMANIFEST:\n---\n# Source: kubernetes-example/templates/"), "{all}");

    assert_eq!(h.ok(&format!("uninstall {RELEASE} -n example")), format!("release \"{RELEASE}\" uninstalled\n"));
    assert!(h.object("apps/v1", "deployments", "example", "backend").is_none());
    assert!(h.object("networking.k8s.io/v1", "ingresses", "example", "frontend-ingress").is_none());
    assert!(h.release_secrets("example").is_empty(), "history purged");
    assert_eq!(h.fails(&format!("history {RELEASE} -n example")), "Error: release: not found\n");
    assert_eq!(h.ok("list -A").lines().count(), 1);
}

#[test]
fn uninstall_keep_history_and_list_filters() {
    let h = Harness::start("keep");
    h.ok("install kept ./kubernetes-example -n example --create-namespace");
    h.ok("uninstall kept -n example --keep-history");
    assert_eq!(h.release_secrets("example"), ["sh.helm.release.v1.kept.v1=uninstalled"]);
    assert_eq!(h.ok("list -n example -q"), "");
    assert_eq!(h.ok("list -n example -q --uninstalled"), "kept\n");
    assert!(h.ok("status kept -n example").contains("STATUS: uninstalled\nREVISION: 1\nDESCRIPTION: Uninstallation complete\n"));
}

#[test]
fn unreachable_cluster_is_a_clear_error() {
    let h = Harness::start("unreachable");
    let dead = h._dir.0.join("dead-kubeconfig");
    std::fs::write(&dead, kubeconfig_for("http://127.0.0.1:1")).unwrap();
    let err = h.fails(&format!("install x ./kubernetes-example --kubeconfig {}", dead.display()));
    assert!(err.starts_with("Error: INSTALLATION FAILED: Kubernetes cluster unreachable: Get \"http://127.0.0.1:1/version\": "), "{err}");
    let err = h.fails(&format!("list --kubeconfig {}", dead.display()));
    assert!(err.starts_with("Error: "), "{err}");
}

#[test]
fn a_rejected_resource_records_a_failed_revision_and_keeps_the_previous() {
    let h = Harness::start("rejected");
    h.ok(&format!("install {RELEASE} ./kubernetes-example -n example --create-namespace"));
    // The API server refuses the HPAs (applied after Services and Deployments).
    h.kube.fail_requests_matching("PATCH /apis/autoscaling/v2/namespaces/example/horizontalpodautoscalers", 422, 1);
    let err = h.fails(&format!("upgrade {RELEASE} ./kubernetes-example -n example -f kubernetes-example/values-prod.yaml"));
    assert!(err.starts_with("Error: UPGRADE FAILED: failed to apply HorizontalPodAutoscaler \""), "{err}");
    let mut secrets = h.release_secrets("example");
    secrets.sort();
    assert_eq!(secrets, [format!("sh.helm.release.v1.{RELEASE}.v1=deployed"), format!("sh.helm.release.v1.{RELEASE}.v2=failed")]);
    let history = h.ok(&format!("history {RELEASE} -n example"));
    assert!(history.lines().nth(2).unwrap().contains(&format!("\tfailed  \tkubernetes-example-0.1.0\t0.1.0      \tUpgrade \"{RELEASE}\" failed: failed to apply H...")), "{history}");
    // The deployed revision is intact, and a later upgrade works from it.
    // (`status` shows the newest revision, as Helm does.)
    assert!(h.ok(&format!("status {RELEASE} -n example")).contains("STATUS: failed\nREVISION: 2\n"));
    assert!(h.ok(&format!("status {RELEASE} -n example --revision 1")).contains("STATUS: deployed\nREVISION: 1\n"));
    h.ok(&format!("upgrade {RELEASE} ./kubernetes-example -n example"));
    assert!(h.ok(&format!("status {RELEASE} -n example")).contains("STATUS: deployed\nREVISION: 3\n"));

    // A failing install is recorded as failed too; --atomic removes it again.
    h.kube.fail_requests_matching("PATCH /apis/networking.k8s.io/v1/namespaces/other/ingresses", 500, 1);
    let err = h.fails("install broken ./kubernetes-example -n other --create-namespace");
    assert!(err.starts_with("Error: INSTALLATION FAILED: failed to apply Ingress \"frontend-ingress\": "), "{err}");
    assert_eq!(h.release_secrets("other"), ["sh.helm.release.v1.broken.v1=failed"]);
    h.kube.fail_requests_matching("PATCH /apis/networking.k8s.io/v1/namespaces/third/ingresses", 500, 1);
    let err = h.fails("install atomic ./kubernetes-example -n third --create-namespace --atomic");
    assert!(err.contains("has been uninstalled due to rollback-on-failure being set"), "{err}");
    assert!(h.release_secrets("third").is_empty());
    assert!(h.object("apps/v1", "deployments", "third", "backend").is_none());
}

#[test]
fn a_pending_release_blocks_other_operations() {
    let h = Harness::start("pending");
    h.ok(&format!("install {RELEASE} ./kubernetes-example -n example --create-namespace"));
    // Another client is mid-upgrade: its pending revision 2 is stored.
    let secret = h.object("v1", "secrets", "example", &format!("sh.helm.release.v1.{RELEASE}.v1")).unwrap();
    let record = secret["data"]["release"].as_str().unwrap();
    use base64::Engine as _;
    let inner = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(record).unwrap()).unwrap();
    let mut release = deploy::decode_release(&inner).unwrap();
    release.version = 2;
    release.set_status(deploy::Status::PendingUpgrade, "Preparing upgrade");
    let encoded = base64::engine::general_purpose::STANDARD.encode(deploy::encode_release(&release).unwrap());
    let mut pending = secret.clone();
    pending["metadata"] = serde_json::json!({"name": format!("sh.helm.release.v1.{RELEASE}.v2"), "namespace": "example", "labels": {"name": RELEASE, "owner": "helm", "status": "pending-upgrade", "version": "2"}});
    pending["data"]["release"] = serde_json::Value::String(encoded);
    h.kube.insert_object(pending).unwrap();

    let err = h.fails(&format!("upgrade {RELEASE} ./kubernetes-example -n example"));
    assert_eq!(err, "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n");
    let err = h.fails(&format!("rollback {RELEASE} 1 -n example"));
    assert_eq!(err, "Error: another operation (install/upgrade/rollback) is in progress\n");
    let err = h.fails(&format!("install {RELEASE} ./kubernetes-example -n example"));
    assert_eq!(err, "Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n");
}

#[test]
fn wait_times_out_until_the_deployments_are_ready() {
    let h = Harness::start("wait");
    let err = h.fails("install waiting ./kubernetes-example -n example --create-namespace --wait --timeout 1s -f kubernetes-example/values-prod.yaml");
    assert!(err.contains("resource not ready, name: "), "{err}");
    assert_eq!(h.release_secrets("example"), ["sh.helm.release.v1.waiting.v1=failed"]);
}
