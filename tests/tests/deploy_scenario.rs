//! The scenario's release steps (3, 4, 7, 8) end to end through `chartroom_cli::run`
//! against testkube, an in-memory Kubernetes API server, plus the failure paths. With
//! `CHARTROOM_TEST_KUBECONFIG` set they run against that real cluster instead (see
//! `deploy_cluster`), each test in namespaces of its own.

mod deploy_cluster;

use chartroom_cli::Outcome;
use deploy_cluster::{kubeconfig_for, repo_root, TestCluster};

const RELEASE: &str = "my-kubernetes-example";

struct Harness {
    cluster: TestCluster,
}

impl Harness {
    fn start(tag: &str) -> Harness {
        Harness { cluster: TestCluster::start(tag) }
    }

    /// The namespace the test calls `base` (unique per test on a real cluster).
    fn ns(&self, base: &str) -> String {
        self.cluster.namespace(base)
    }

    fn run(&self, line: &str) -> Outcome {
        self.cluster.chartroom(&repo_root().join("examples"), line)
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
        self.cluster.object(api_version, plural, Some(namespace), name)
    }

    fn release_secrets(&self, namespace: &str) -> Vec<String> {
        self.cluster.release_secrets(namespace)
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
    let ns = h.ns("helm-staging");
    let before = h.cluster.testkube().map(|kube| kube.request_count());
    let out = h.ok(&format!(
        "install {RELEASE} ./kubernetes-example --namespace {ns} --create-namespace --set frontend.autoscaling.averageUtilization=60 --set backend.autoscaling.averageUtilization=60"
    ));
    if let (Some(kube), Some(before)) = (h.cluster.testkube(), before) {
        let requests = kube.request_count() - before;
        eprintln!("install of the example: {requests} HTTP requests:\n{}", kube.request_log()[before as usize..].join("\n"));
    }
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("NAME: {RELEASE}"));
    assert!(lines[1].starts_with("LAST DEPLOYED: "), "{out}");
    assert_eq!(&lines[2..], [format!("NAMESPACE: {ns}").as_str(), "STATUS: deployed", "REVISION: 1", "DESCRIPTION: Install complete", "TEST SUITE: None"]);
    let hpa = h.object("autoscaling/v2", "horizontalpodautoscalers", &ns, "frontend").expect("frontend HPA");
    assert_eq!(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 60);
    assert_eq!(hpa["metadata"]["labels"]["app.kubernetes.io/managed-by"], "Helm");
    assert_eq!(hpa["metadata"]["annotations"]["meta.helm.sh/release-name"], RELEASE);
    assert!(h.object("apps/v1", "deployments", &ns, "postgres").is_some(), "postgres Deployment");
    let backend = h.object("apps/v1", "deployments", &ns, "backend").expect("backend");
    assert_eq!(backend_env(&backend, "DATABASE_URI"), "pg-service");
    assert!(h.cluster.object("v1", "namespaces", None, &ns).is_some());
    assert_eq!(h.release_secrets(&ns), [format!("sh.helm.release.v1.{RELEASE}.v1=deployed")]);
    // The record decodes as Helm's and carries the user's values and SSA.
    let values = h.ok(&format!("get values {RELEASE} -n {ns}"));
    assert_eq!(values, "USER-SUPPLIED VALUES:\nbackend:\n  autoscaling:\n    averageUtilization: 60\nfrontend:\n  autoscaling:\n    averageUtilization: 60\n");
    let status_json = h.ok(&format!("status {RELEASE} -n {ns} -o json"));
    assert!(status_json.contains("\"apply_method\":\"ssa\""), "{status_json}");
    // A second install under the same name is refused.
    let err = h.fails(&format!("install {RELEASE} ./kubernetes-example -n {ns}"));
    assert_eq!(err, "Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n");
}

#[test]
fn step4_install_with_values_file() {
    let h = Harness::start("step4");
    let ns = h.ns("helm-prod");
    h.ok(&format!("install prod-example ./kubernetes-example -n {ns} --create-namespace -f kubernetes-example/values-prod.yaml"));
    assert!(h.object("apps/v1", "deployments", &ns, "postgres").is_none(), "no postgres in prod");
    let backend = h.object("apps/v1", "deployments", &ns, "backend").expect("backend");
    assert_eq!(backend_env(&backend, "DATABASE_URI"), "10.10.10.10");
    let hpa = h.object("autoscaling/v2", "horizontalpodautoscalers", &ns, "backend").expect("backend HPA");
    assert_eq!(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 50);
}

#[test]
fn step7_dry_run_prints_the_manifest_without_touching_the_cluster() {
    let h = Harness::start("step7");
    let ns = h.ns("example");
    let before = h.cluster.testkube().map(|kube| kube.request_count());
    let out = h.ok(&format!("install dry ./kubernetes-example -n {ns} -f kubernetes-example/values-prod.yaml --dry-run"));
    if let (Some(kube), Some(before)) = (h.cluster.testkube(), before) {
        assert_eq!(kube.request_count(), before, "client dry run makes no requests");
    }
    assert!(out.contains("STATUS: pending-install\nREVISION: 1\nDESCRIPTION: Dry run complete\nTEST SUITE: None\nHOOKS:\nMANIFEST:\n---\n# Source: kubernetes-example/templates/"), "{out}");
    assert!(out.contains("value: \"10.10.10.10\""));
    let template = h.ok(&format!("template dry ./kubernetes-example -n {ns} -f kubernetes-example/values-prod.yaml"));
    for document in template.split("---\n").filter(|d| !d.is_empty()) {
        assert!(out.contains(document.trim_end()), "dry run output lacks {document}");
    }
    // The server dry run needs the namespace to exist (the API server checks it).
    h.cluster.create_object(serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})).ok();
    let server = h.ok(&format!("install dry ./kubernetes-example -n {ns} --dry-run=server"));
    assert!(server.contains("DESCRIPTION: Dry run complete"));
    assert!(h.release_secrets(&ns).is_empty(), "server dry run writes no record");
    assert!(h.object("apps/v1", "deployments", &ns, "backend").is_none());
}

#[test]
fn step8_manage_releases() {
    let h = Harness::start("step8");
    let ns = h.ns("example");
    h.ok(&format!("install {RELEASE} ./kubernetes-example -n {ns} --create-namespace"));
    assert!(h.object("apps/v1", "deployments", &ns, "postgres").is_some());

    // `list -A` on a real cluster shows other releases too: look at this one's row.
    let list = h.ok("list -A");
    let rows: Vec<&str> = list.lines().collect();
    assert!(rows[0].starts_with("NAME") && rows[0].contains("\tNAMESPACE") && rows[0].contains("\tREVISION\tUPDATED"), "{list}");
    let row = rows.iter().find(|row| row.starts_with(RELEASE) && row.contains(&format!("\t{ns}"))).unwrap_or_else(|| panic!("no row for the release: {list}"));
    assert!(row.contains("\t1       \t"), "{list}");
    assert!(row.ends_with("\tdeployed\tkubernetes-example-0.1.0\t0.1.0      "), "{list}");
    if h.cluster.testkube().is_some() {
        assert_eq!(rows.len(), 2, "{list}");
        assert!(rows[0].starts_with("NAME                 \tNAMESPACE\tREVISION\tUPDATED"), "{list}");
        assert!(rows[1].starts_with(&format!("{RELEASE}\texample  \t1       \t")), "{list}");
    }

    let upgraded = h.ok(&format!("upgrade {RELEASE} ./kubernetes-example -n {ns} -f kubernetes-example/values-prod.yaml"));
    assert!(upgraded.starts_with(&format!("Release \"{RELEASE}\" has been upgraded. Happy Helming!\nNAME: {RELEASE}\n")), "{upgraded}");
    assert!(upgraded.contains("STATUS: deployed\nREVISION: 2\nDESCRIPTION: Upgrade complete\n"), "{upgraded}");
    // Helm diffs old and new: postgres went away, the backend points at the external database.
    assert!(h.object("apps/v1", "deployments", &ns, "postgres").is_none(), "postgres deleted on upgrade");
    assert_eq!(backend_env(&h.object("apps/v1", "deployments", &ns, "backend").unwrap(), "DATABASE_URI"), "10.10.10.10");

    let history = h.ok(&format!("history {RELEASE} -n {ns}"));
    let rows: Vec<&str> = history.lines().collect();
    assert_eq!(rows[0], "REVISION\tUPDATED                 \tSTATUS    \tCHART                   \tAPP VERSION\tDESCRIPTION     ");
    assert!(rows[1].starts_with("1       \t") && rows[1].ends_with("\tsuperseded\tkubernetes-example-0.1.0\t0.1.0      \tInstall complete"), "{history}");
    assert!(rows[2].starts_with("2       \t") && rows[2].ends_with("\tdeployed  \tkubernetes-example-0.1.0\t0.1.0      \tUpgrade complete"), "{history}");

    assert_eq!(h.ok(&format!("rollback {RELEASE} 1 -n {ns}")), "Rollback was a success! Happy Helming!\n");
    assert!(h.object("apps/v1", "deployments", &ns, "postgres").is_some(), "rollback restores postgres");
    let history = h.ok(&format!("history {RELEASE} -n {ns} -o json"));
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
    h.ok(&format!("upgrade {RELEASE} ./kubernetes-example -n {ns}"));
    assert!(h.object("apps/v1", "deployments", &ns, "postgres").is_some());

    let all = h.ok(&format!("get all {RELEASE} -n {ns}"));
    assert!(all.contains("REVISION: 4\nCHART: kubernetes-example\nVERSION: 0.1.0\nAPP_VERSION: 0.1.0\nDESCRIPTION: Upgrade complete\nTEST SUITE: None\nUSER-SUPPLIED VALUES:\nnull\n\nCOMPUTED VALUES:\n"), "{all}");
    assert!(all.contains("\nHOOKS:\nMANIFEST:\n---\n# Source: kubernetes-example/templates/"), "{all}");

    assert_eq!(h.ok(&format!("uninstall {RELEASE} -n {ns}")), format!("release \"{RELEASE}\" uninstalled\n"));
    assert!(h.object("apps/v1", "deployments", &ns, "backend").is_none());
    assert!(h.object("networking.k8s.io/v1", "ingresses", &ns, "frontend-ingress").is_none());
    assert!(h.release_secrets(&ns).is_empty(), "history purged");
    assert_eq!(h.fails(&format!("history {RELEASE} -n {ns}")), "Error: release: not found\n");
    assert_eq!(h.ok(&format!("list -n {ns}")).lines().count(), 1);
}

#[test]
fn uninstall_keep_history_and_list_filters() {
    let h = Harness::start("keep");
    let ns = h.ns("example");
    h.ok(&format!("install kept ./kubernetes-example -n {ns} --create-namespace"));
    h.ok(&format!("uninstall kept -n {ns} --keep-history"));
    assert_eq!(h.release_secrets(&ns), ["sh.helm.release.v1.kept.v1=uninstalled"]);
    assert_eq!(h.ok(&format!("list -n {ns} -q")), "");
    assert_eq!(h.ok(&format!("list -n {ns} -q --uninstalled")), "kept\n");
    assert!(h.ok(&format!("status kept -n {ns}")).contains("STATUS: uninstalled\nREVISION: 1\nDESCRIPTION: Uninstallation complete\n"));
}

#[test]
fn unreachable_cluster_is_a_clear_error() {
    let h = Harness::start("unreachable");
    let dead = h.cluster.dir.join("dead-kubeconfig");
    std::fs::write(&dead, kubeconfig_for("http://127.0.0.1:1")).unwrap();
    let err = h.fails(&format!("install x ./kubernetes-example --kubeconfig {}", dead.display()));
    // Helm 4.1.4's words, for install, upgrade and the read commands.
    assert!(err.starts_with("Error: INSTALLATION FAILED: cluster reachability check failed: kubernetes cluster unreachable: Get \"http://127.0.0.1:1/version\": "), "{err}");
    let err = h.fails(&format!("upgrade x ./kubernetes-example --kubeconfig {}", dead.display()));
    assert!(err.starts_with("Error: UPGRADE FAILED: kubernetes cluster unreachable: Get \"http://127.0.0.1:1/version\": "), "{err}");
    for verb in ["list", "history x", "status x", "get values x"] {
        let err = h.fails(&format!("{verb} --kubeconfig {}", dead.display()));
        assert!(err.starts_with("Error: kubernetes cluster unreachable: Get \"http://127.0.0.1:1/version\": "), "{verb}: {err}");
    }
}

/// An object the API server refuses (a 0 % utilisation target fails its validation) stops the
/// change halfway: the revision is recorded failed, the previous one stays deployed.
#[test]
fn a_rejected_resource_records_a_failed_revision_and_keeps_the_previous() {
    let h = Harness::start("rejected");
    let ns = h.ns("example");
    h.ok(&format!("install {RELEASE} ./kubernetes-example -n {ns} --create-namespace"));
    // The HPAs are applied after the Services and Deployments.
    let err = h.fails(&format!("upgrade {RELEASE} ./kubernetes-example -n {ns} -f kubernetes-example/values-prod.yaml --set backend.autoscaling.averageUtilization=0"));
    assert!(err.starts_with("Error: UPGRADE FAILED: failed to apply HorizontalPodAutoscaler \"backend\": "), "{err}");
    assert!(err.contains("spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0"), "the server's reason: {err}");
    assert_eq!(h.release_secrets(&ns), [format!("sh.helm.release.v1.{RELEASE}.v1=deployed"), format!("sh.helm.release.v1.{RELEASE}.v2=failed")]);
    let history = h.ok(&format!("history {RELEASE} -n {ns}"));
    assert!(history.lines().nth(2).unwrap().contains(&format!("\tfailed  \tkubernetes-example-0.1.0\t0.1.0      \tUpgrade \"{RELEASE}\" failed: failed to apply H...")), "{history}");
    // The deployed revision is intact, and a later upgrade works from it.
    // (`status` shows the newest revision, as Helm does.)
    assert!(h.ok(&format!("status {RELEASE} -n {ns}")).contains("STATUS: failed\nREVISION: 2\n"));
    assert!(h.ok(&format!("status {RELEASE} -n {ns} --revision 1")).contains("STATUS: deployed\nREVISION: 1\n"));
    h.ok(&format!("upgrade {RELEASE} ./kubernetes-example -n {ns}"));
    assert!(h.ok(&format!("status {RELEASE} -n {ns}")).contains("STATUS: deployed\nREVISION: 3\n"));

    // A failing install is recorded as failed too; --atomic removes it again.
    let other = h.ns("other");
    let err = h.fails(&format!("install broken ./kubernetes-example -n {other} --create-namespace --set frontend.autoscaling.averageUtilization=0"));
    assert!(err.starts_with("Error: INSTALLATION FAILED: failed to apply HorizontalPodAutoscaler \"frontend\": "), "{err}");
    assert_eq!(h.release_secrets(&other), ["sh.helm.release.v1.broken.v1=failed"]);
    assert!(h.object("apps/v1", "deployments", &other, "backend").is_some(), "what was applied before the refusal stays (as with Helm)");
    let third = h.ns("third");
    let err = h.fails(&format!("install atomic ./kubernetes-example -n {third} --create-namespace --atomic --set frontend.autoscaling.averageUtilization=0"));
    assert!(err.contains("has been uninstalled due to rollback-on-failure being set"), "{err}");
    assert!(h.release_secrets(&third).is_empty());
    assert!(h.object("apps/v1", "deployments", &third, "backend").is_none());
}

#[test]
fn a_pending_release_blocks_other_operations() {
    let h = Harness::start("pending");
    let ns = h.ns("example");
    h.ok(&format!("install {RELEASE} ./kubernetes-example -n {ns} --create-namespace"));
    // Another client is mid-upgrade: its pending revision 2 is stored.
    let mut release = h.cluster.stored_release(&ns, RELEASE, 1);
    release.version = 2;
    release.set_status(deploy::Status::PendingUpgrade, "Preparing upgrade");
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(deploy::encode_release(&release).unwrap());
    let pending = serde_json::json!({
        "apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
        "metadata": {"name": format!("sh.helm.release.v1.{RELEASE}.v2"), "namespace": ns, "labels": {"name": RELEASE, "owner": "helm", "status": "pending-upgrade", "version": "2"}},
        "data": {"release": encoded}
    });
    h.cluster.create_object(pending).unwrap();

    let err = h.fails(&format!("upgrade {RELEASE} ./kubernetes-example -n {ns}"));
    assert_eq!(err, "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n");
    let err = h.fails(&format!("rollback {RELEASE} 1 -n {ns}"));
    assert_eq!(err, "Error: another operation (install/upgrade/rollback) is in progress\n");
    let err = h.fails(&format!("install {RELEASE} ./kubernetes-example -n {ns}"));
    assert_eq!(err, "Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n");
}

#[test]
fn wait_times_out_until_the_deployments_are_ready() {
    let h = Harness::start("wait");
    let ns = h.ns("example");
    let err = h.fails(&format!("install waiting ./kubernetes-example -n {ns} --create-namespace --wait --timeout 1s -f kubernetes-example/values-prod.yaml"));
    assert!(err.contains("resource not ready, name: "), "{err}");
    assert_eq!(h.release_secrets(&ns), ["sh.helm.release.v1.waiting.v1=failed"]);
}
