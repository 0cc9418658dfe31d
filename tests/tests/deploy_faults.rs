//! Issue #8's bad input and faults, each ending in a clear message, a consistent release
//! history and a non-zero exit, with no secret value in what is printed: expired credentials
//! (401), an RBAC denial (403), a timeout while waiting (with and without
//! `--rollback-on-failure`), and the process killed mid-upgrade (the next run sees the pending
//! release; `recover` and `rollback` bring it back). Unreachable clusters and objects failing
//! validation halfway are in `deploy_scenario`.
//!
//! The 401/403 tests inject the server's answers and need testkube; the others also run on a
//! real cluster (`CHARTROOM_TEST_KUBECONFIG`, see `deploy_cluster`).

mod deploy_cluster;

use std::time::{Duration, Instant};

use chartroom_cli::Outcome;
use deploy_cluster::{repo_root, TestCluster};

const RELEASE: &str = "faulty";
/// A value the user passes that the release record (a Secret) keeps: never to be printed.
const SECRET_VALUE: &str = "hunter2-do-not-print";
/// The testkube kubeconfig's bearer token (see `deploy_cluster::kubeconfig_for`).
const TOKEN: &str = "test-token";

struct Harness {
    cluster: TestCluster,
}

impl Harness {
    fn start(tag: &str) -> Harness {
        Harness { cluster: TestCluster::start(&format!("faults-{tag}")).with_controllers() }
    }

    fn run(&self, line: &str) -> Outcome {
        self.cluster.chartroom(&repo_root().join("examples"), line)
    }

    fn ok(&self, line: &str) -> String {
        let outcome = self.run(line);
        assert_eq!(outcome.code, 0, "{line}\nstderr: {}", String::from_utf8_lossy(&outcome.stderr));
        String::from_utf8_lossy(&outcome.stdout).into_owned()
    }

    /// Runs a command that must fail; returns its stderr, checked for secrets.
    fn fails(&self, line: &str) -> String {
        let outcome = self.run(line);
        let stdout = String::from_utf8_lossy(&outcome.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&outcome.stderr).into_owned();
        assert_ne!(outcome.code, 0, "{line} should fail; stdout: {stdout}");
        assert_no_secret(&format!("{stdout}{stderr}"));
        stderr
    }

    /// `(revision, status, description)` of each revision, oldest first.
    fn history(&self, namespace: &str) -> Vec<(i64, String, String)> {
        let json = self.ok(&format!("history {RELEASE} -n {namespace} -o json"));
        let revisions: serde_json::Value = serde_json::from_str(&json).expect("history JSON");
        revisions
            .as_array()
            .expect("history list")
            .iter()
            .map(|r| (r["revision"].as_i64().unwrap_or(0), r["status"].as_str().unwrap_or("").to_string(), r["description"].as_str().unwrap_or("").to_string()))
            .collect()
    }

    fn backend_image(&self, namespace: &str) -> String {
        let deployment = self.cluster.object("apps/v1", "deployments", Some(namespace), "backend").expect("backend Deployment");
        deployment["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap_or("").to_string()
    }

    /// Wait timeouts: (one long enough for a healthy roll-out, one a broken one runs into).
    fn timeouts(&self) -> (&'static str, &'static str) {
        if self.cluster.is_real() {
            ("5m", "30s")
        } else {
            ("20s", "1s")
        }
    }
}

fn assert_no_secret(printed: &str) {
    assert!(!printed.contains(SECRET_VALUE), "a value from the release record was printed:\n{printed}");
    assert!(!printed.contains(TOKEN), "the bearer token was printed:\n{printed}");
}

#[test]
fn expired_credentials_are_a_clear_error() {
    let h = Harness::start("401");
    let Some(kube) = h.cluster.testkube() else { return eprintln!("skipping: the 401 is injected by testkube") };
    // What kube-apiserver answers for a token it no longer accepts.
    kube.fail_requests_matching_with("/", 401, "Unauthorized", 100);
    // Helm's (client-go's) words for a 401.
    let unauthorized = "kubernetes cluster unreachable: the server has asked for the client to provide credentials";
    let err = h.fails(&format!("install {RELEASE} ./kubernetes-example --set db.password={SECRET_VALUE}"));
    assert_eq!(err, format!("Error: INSTALLATION FAILED: cluster reachability check failed: {unauthorized}\n"));
    let err = h.fails(&format!("upgrade {RELEASE} ./kubernetes-example --set db.password={SECRET_VALUE}"));
    assert_eq!(err, format!("Error: UPGRADE FAILED: {unauthorized}\n"));
    for line in ["list", "history faulty", "status faulty", "get values faulty", "rollback faulty 1", "uninstall faulty", "test faulty"] {
        assert_eq!(h.fails(line), format!("Error: {unauthorized}\n"), "{line}");
    }
    kube.clear_faults();
    assert!(h.cluster.release_secrets("default").is_empty(), "nothing was written");
}

#[test]
fn an_rbac_denial_fails_the_upgrade_and_keeps_the_history() {
    let h = Harness::start("403");
    let Some(kube) = h.cluster.testkube() else { return eprintln!("skipping: the 403 is injected by testkube") };
    h.ok(&format!("install {RELEASE} ./kubernetes-example -n example --create-namespace --set db.password={SECRET_VALUE}"));
    // The user may manage Services but not Deployments (kube-apiserver's wording).
    let denial = "deployments.apps \"backend\" is forbidden: User \"dev\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"example\"";
    kube.fail_requests_matching_with("PATCH /apis/apps/v1/namespaces/example/deployments/backend", 403, denial, 1);
    let err = h.fails(&format!("upgrade {RELEASE} ./kubernetes-example -n example -f kubernetes-example/values-prod.yaml --set db.password={SECRET_VALUE}"));
    assert_eq!(err, format!("Error: UPGRADE FAILED: failed to apply Deployment \"backend\": {denial}\n"));
    assert_eq!(
        h.history("example"),
        [(1, "deployed".into(), "Install complete".into()), (2, "failed".into(), format!("Upgrade \"{RELEASE}\" failed: failed to apply Deployment \"backend\": {denial}"))]
    );
    // Denied reads of the release records are refused as clearly.
    let list_denial = "secrets is forbidden: User \"dev\" cannot list resource \"secrets\" in API group \"\" in the namespace \"example\"";
    kube.fail_requests_matching_with("GET /api/v1/namespaces/example/secrets", 403, list_denial, 1);
    let err = h.fails("list -n example");
    assert!(err.starts_with("Error: ") && err.trim_end().ends_with(list_denial), "{err}");
    // Once allowed, the upgrade goes through from the deployed revision.
    h.ok(&format!("upgrade {RELEASE} ./kubernetes-example -n example -f kubernetes-example/values-prod.yaml"));
    assert_eq!(h.history("example").last().map(|r| r.1.clone()), Some("deployed".into()));
}

#[test]
fn a_wait_timeout_fails_the_upgrade_and_rollback_on_failure_restores_the_release() {
    let h = Harness::start("timeout");
    let ns = h.cluster.namespace("example");
    let (long, short) = h.timeouts();
    h.ok(&format!("install {RELEASE} ./kubernetes-example -n {ns} --create-namespace --wait --timeout {long}"));
    let image = h.backend_image(&ns);

    // An image that cannot be pulled never gets ready: the wait runs out.
    let started = Instant::now();
    let err = h.fails(&format!("upgrade {RELEASE} ./kubernetes-example -n {ns} --set backend.tag=unpullable-1 --wait --timeout {short}"));
    assert!(err.starts_with("Error: UPGRADE FAILED: resource not ready, name: backend, kind: Deployment, status: InProgress\ncontext deadline exceeded"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(if h.cluster.is_real() { 120 } else { 15 }), "the timeout holds: {:?}", started.elapsed());
    assert_eq!(h.history(&ns), [(1, "deployed".into(), "Install complete".into()), (2, "failed".into(), format!("Upgrade \"{RELEASE}\" failed: resource not ready, name: backend, kind: Deployment, status: InProgress\ncontext deadline exceeded"))]);

    // With --rollback-on-failure the release goes back to the deployed revision.
    let err = h.fails(&format!("upgrade {RELEASE} ./kubernetes-example -n {ns} --set backend.tag=unpullable-2 --wait --timeout {short} --rollback-on-failure"));
    assert!(err.starts_with(&format!("Error: UPGRADE FAILED: release {RELEASE} failed, and has been rolled back due to rollback-on-failure being set: resource not ready")), "{err}");
    let history = h.history(&ns);
    let summary: Vec<(i64, &str)> = history.iter().map(|(revision, status, _)| (*revision, status.as_str())).collect();
    assert_eq!(summary, [(1, "superseded"), (2, "failed"), (3, "failed"), (4, "deployed")], "{history:?}");
    assert_eq!(history[3].2, "Rollback to 1");
    assert_eq!(h.backend_image(&ns), image, "revision 1's image is back");
}

/// The chartroom process the kill test starts (see `deploy_cluster::chartroom_child_main`).
#[test]
#[ignore = "started, and killed, by the kill test"]
fn chartroom_child_process() {
    deploy_cluster::chartroom_child_main();
}

#[test]
fn a_process_killed_mid_upgrade_leaves_a_pending_release_that_can_be_rolled_back() {
    let h = Harness::start("killed");
    let ns = h.cluster.namespace("example");
    let (long, _) = h.timeouts();
    h.ok(&format!("install {RELEASE} ./kubernetes-example -n {ns} --create-namespace --wait --timeout {long}"));
    let image = h.backend_image(&ns);

    // An upgrade that applies its objects, then waits for a roll-out that never finishes...
    let mut child = h.cluster.spawn_chartroom(&repo_root().join("examples"), &["upgrade", RELEASE, "./kubernetes-example", "-n", &ns, "--set", "backend.tag=unpullable-3", "--wait", "--timeout", "10m"]);
    let pending = format!("sh.helm.release.v1.{RELEASE}.v2=pending-upgrade");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(h.cluster.release_secrets(&ns).contains(&pending) && h.backend_image(&ns).ends_with(":unpullable-3")) {
        if let Some(status) = child.try_wait().expect("child") {
            panic!("the upgrade ended ({status}) before it could be killed");
        }
        assert!(Instant::now() < deadline, "the upgrade never got to waiting: {:?}", h.cluster.release_secrets(&ns));
        std::thread::sleep(Duration::from_millis(50));
    }
    // ...is killed (SIGKILL: no chance to record anything).
    child.kill().expect("kill");
    child.wait().expect("reap");

    // The next run sees the pending release and refuses to start another operation.
    let history = h.history(&ns);
    assert_eq!(history.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(), ["deployed", "pending-upgrade"], "{history:?}");
    let err = h.fails(&format!("upgrade {RELEASE} ./kubernetes-example -n {ns}"));
    assert_eq!(err, "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n");
    let err = h.fails(&format!("rollback {RELEASE} 1 -n {ns}"));
    assert_eq!(err, "Error: another operation (install/upgrade/rollback) is in progress\n");
    // `recover` (the process is known dead: --force skips the age check) marks it failed...
    let recovered = h.ok(&format!("recover {RELEASE} -n {ns} --force"));
    assert_eq!(recovered, format!("Release \"{RELEASE}\" recovered: revision 2 is marked failed. Run upgrade or rollback to continue.\n"));
    // ...and the rollback works, with the history intact.
    assert_eq!(h.ok(&format!("rollback {RELEASE} 1 -n {ns} --wait --timeout {long}")), "Rollback was a success! Happy Helming!\n");
    let history = h.history(&ns);
    let summary: Vec<(i64, &str)> = history.iter().map(|(revision, status, _)| (*revision, status.as_str())).collect();
    assert_eq!(summary, [(1, "superseded"), (2, "failed"), (3, "deployed")], "{history:?}");
    assert_eq!(h.backend_image(&ns), image);
}
