//! Release lifecycle beyond plain install/upgrade, on testkube: `diff upgrade`, hooks (order,
//! delete policies, the record's hook runs, compared with what real Helm 4.1.4 writes),
//! CRDs, `--reuse-values`, and `recover`.
//!
//! With `CHARTROOM_TEST_KUBECONFIG` set, these run against that real cluster (see
//! `deploy_cluster`); the hook and recover tests need testkube (its Job controller, request
//! log and fault injection) and say so when skipped.

mod deploy_cluster;

use std::path::Path;

use chartroom_cli::Outcome;
use deploy_cluster::{helm_binary, TestCluster};
use testkube::TestKube;

struct Harness {
    cluster: TestCluster,
    dir: std::path::PathBuf,
    /// Where releases go without `-n` (`default` on testkube).
    namespace: String,
}

impl Harness {
    fn start(tag: &str) -> Harness {
        let cluster = TestCluster::start(&format!("lifecycle-{tag}"));
        let dir = cluster.dir.clone();
        let namespace = cluster.default_namespace();
        Harness { cluster, dir, namespace }
    }

    /// testkube, or `None` (after saying why) when the test runs against a real cluster.
    fn testkube_only(&self, what: &str) -> Option<&TestKube> {
        let kube = self.cluster.testkube();
        if kube.is_none() {
            eprintln!("skipping {what}: it needs testkube");
        }
        kube
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
        self.cluster.chartroom(&self.dir, line)
    }

    fn ok(&self, line: &str) -> String {
        let outcome = self.run(line);
        assert_eq!(outcome.code, 0, "{line}\nstderr: {}", String::from_utf8_lossy(&outcome.stderr));
        String::from_utf8_lossy(&outcome.stdout).into_owned()
    }

    fn helm(&self, helm: &Path, line: &str) -> (i32, String, String) {
        let output = self.cluster.helm_command(helm, &self.dir, line).output().expect("run helm");
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
    }

    fn helm_ok(&self, helm: &Path, line: &str) -> String {
        let (code, stdout, stderr) = self.helm(helm, line);
        assert_eq!(code, 0, "helm {line}\nstderr: {stderr}");
        stdout
    }

    /// What `kubectl scale deployment/NAME --replicas=N` sends.
    fn kubectl_scale(&self, name: &str, replicas: i64) {
        self.cluster.kubectl_scale(&self.namespace, name, replicas);
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
    let ns = &h.namespace;
    assert!(release_part.contains(&format!("{ns}, web, Deployment (apps/v1) has changed:\n--- revision 1\n+++ upgrade\n")), "{out}");
    assert!(release_part.contains("-      - image: web:1\n+      - image: web:2\n"), "{out}");
    assert!(!release_part.contains("replicas"), "{out}");
    assert!(release_part.contains(&format!("{ns}, extra, ConfigMap (v1) will be added:\n")), "{out}");
    assert!(live_part.contains("-  replicas: 3\n+  replicas: 1\n"), "{out}");
    assert!(live_part.contains("-      - image: web:1\n+      - image: web:2\n"), "{out}");
    // The live objects' server fields (uid, status, ...) are not the chart's and do not show.
    assert!(!live_part.contains("uid") && !live_part.contains("status") && !live_part.contains("managedFields"), "{out}");
    assert_eq!(h.run("diff upgrade web ./scaled --detailed-exitcode --color never").code, 2, "the drift is a change");
    // Colour on request; nothing was written.
    assert!(h.ok("diff upgrade web ./scaled --set image=web:2 --color=always").contains("\x1b[31m-      - image: web:1\x1b[0m"));
    assert_eq!(h.cluster.object("apps/v1", "deployments", Some(ns), "web").expect("web")["spec"]["template"]["spec"]["containers"][0]["image"], "web:1");
    assert!(h.cluster.object("v1", "configmaps", Some(ns), "extra").is_none());

    // A removal, after an upgrade that added the ConfigMap.
    h.ok("upgrade web ./scaled --set extra=true --force-conflicts");
    let out = h.ok("diff upgrade web ./scaled --set extra=false --color never");
    assert!(out.contains(&format!("Changes against the release's stored manifest (revision 2):\n{ns}, extra, ConfigMap (v1) will be removed:\n")), "{out}");

    let missing = h.run("diff upgrade nope ./scaled");
    assert_eq!(missing.code, 1);
    assert_eq!(String::from_utf8_lossy(&missing.stderr), "Error: \"nope\" has no deployed releases\n");
}

/// The hook chart (tests/deploy-charts/hooks) copied into the harness directory.
fn hooks_chart(h: &Harness) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy-charts/hooks");
    for relative in ["Chart.yaml", "values.yaml", "templates/_job.tpl", "templates/configmap.yaml", "templates/hooks.yaml"] {
        let text = std::fs::read_to_string(source.join(relative)).expect("hook chart file");
        h.write(&[(&format!("hooks/{relative}"), &text)]);
    }
}

/// The Job creations and deletions in `namespace` since request `from`, in order:
/// `+name` (created: POST or apply PATCH), `-name` (DELETE).
fn job_writes(kube: &TestKube, namespace: &str, from: usize) -> Vec<String> {
    let prefix = format!("/apis/batch/v1/namespaces/{namespace}/jobs");
    kube.request_log()[from..]
        .iter()
        .filter_map(|line| {
            let (method, target) = line.split_once(' ')?;
            let rest = target.strip_prefix(&prefix)?;
            let name = rest.trim_start_matches('/').split('?').next().unwrap_or("");
            match method {
                "POST" => Some(format!("+{}", name)),
                "PATCH" if !name.is_empty() => Some(format!("+{name}")),
                "DELETE" => Some(format!("-{name}")),
                _ => None,
            }
        })
        .collect()
}

/// The stored record `sh.helm.release.v1.NAME.vN`.
fn stored_release(h: &Harness, namespace: &str, name: &str, version: i64) -> deploy::Release {
    h.cluster.stored_release(namespace, name, version)
}

/// What a record says about its hooks, without times: (name, events, weight, delete
/// policies, last run phase, whether it has a start and a completion time).
fn hook_summary(release: &deploy::Release) -> Vec<String> {
    release
        .hooks
        .iter()
        .map(|hook| {
            format!(
                "{} {} events={:?} weight={} policies={:?} phase={:?} started={} completed={}",
                hook.kind,
                hook.name,
                hook.events,
                hook.weight,
                hook.delete_policies,
                hook.last_run.phase,
                !hook.last_run.started_at.is_zero(),
                !hook.last_run.completed_at.is_zero()
            )
        })
        .collect()
}

fn live_jobs(h: &Harness, namespace: &str) -> Vec<String> {
    h.cluster.objects("batch/v1", "jobs", namespace).iter().map(|job| job["metadata"]["name"].as_str().unwrap_or("").to_string()).collect()
}

#[test]
fn hooks_run_in_order_and_are_recorded_as_helm_records_them() {
    let h = Harness::start("hooks");
    // Hook Jobs finish through testkube's Job controller; the order is read from its log.
    let Some(kube) = h.testkube_only("the hook order test") else { return };
    kube.complete_jobs(true);
    hooks_chart(&h);
    let helm = helm_binary();
    let mut runs: Vec<(&str, Vec<Vec<String>>, Vec<Vec<String>>, Vec<Vec<String>>)> = Vec::new();
    let mut tools: Vec<&str> = vec!["chartroom"];
    if helm.is_some() {
        tools.push("helm");
    }
    for tool in tools {
        let namespace = format!("by-{tool}");
        let exec = |line: &str| -> (i32, String) {
            let line = format!("{line} -n {namespace}");
            match (tool, &helm) {
                ("helm", Some(helm)) => {
                    let (code, stdout, stderr) = h.helm(helm, &line);
                    // client-go's klog may add a line such as `W1125 00:12:34.567 ... watch
                    // ended` when a watch closes; it is noise, not part of Helm's answer.
                    let stderr: String = stderr.lines().filter(|l| !is_klog_line(l)).map(|l| format!("{l}\n")).collect();
                    (code, format!("{stdout}{stderr}"))
                }
                _ => {
                    let outcome = h.run(&line);
                    (outcome.code, format!("{}{}", String::from_utf8_lossy(&outcome.stdout), String::from_utf8_lossy(&outcome.stderr)))
                }
            }
        };
        let mut orders = Vec::new();
        let mut records = Vec::new();
        let mut jobs = Vec::new();
        let step = |line: &str, expect_ok: bool, orders: &mut Vec<Vec<String>>| -> String {
            let from = kube.request_log().len();
            let (code, out) = exec(line);
            assert_eq!(code == 0, expect_ok, "{tool} {line}: {out}");
            orders.push(job_writes(kube, &namespace, from));
            out
        };
        step("install hk ./hooks --create-namespace", true, &mut orders);
        records.push(hook_summary(&stored_release(&h, &namespace, "hk", 1)));
        jobs.push(live_jobs(&h, &namespace));
        step("upgrade hk ./hooks", true, &mut orders);
        records.push(hook_summary(&stored_release(&h, &namespace, "hk", 2)));
        jobs.push(live_jobs(&h, &namespace));
        let failed = step("upgrade hk ./hooks --set failPostUpgrade=true", false, &mut orders);
        assert!(failed.contains("post-upgrade"), "{tool}: {failed}");
        // The error line (helm also logs a `level=WARN msg="upgrade failed"` line before it).
        let failure_message = failed.lines().filter(|line| line.starts_with("Error: ")).collect::<Vec<_>>().join("\n").replace(&namespace, "NAMESPACE");
        let third = stored_release(&h, &namespace, "hk", 3);
        assert_eq!(third.status(), deploy::Status::Failed, "{tool}");
        records.push(hook_summary(&third));
        jobs.push(live_jobs(&h, &namespace));
        // `test` runs the test hooks of the last revision and records their run in it.
        let tested = step("test hk", true, &mut orders);
        records.push(hook_summary(&stored_release(&h, &namespace, "hk", 3)));
        jobs.push(live_jobs(&h, &namespace));
        orders.push(vec![mask_times(&tested).replace(&namespace, "NAMESPACE")]);
        orders.push(vec![failure_message]);
        // Uninstall: pre-delete hooks, the resources, post-delete hooks; hook Jobs stay.
        let uninstalled = step("uninstall hk", true, &mut orders);
        orders.push(vec![uninstalled]);
        jobs.push(live_jobs(&h, &namespace));
        runs.push((tool, orders, records, jobs));
    }

    let (_, orders, records, jobs) = &runs[0];
    // Weights order the hooks (ties by name); a hook without a policy gets before-hook-creation;
    // hook-succeeded ones go once every hook of the event succeeded, last first.
    assert_eq!(
        orders[0],
        ["+pre-install-early", "-pre-both", "+pre-both", "-pre-install-late", "+pre-install-late", "-pre-both", "-pre-install-early", "+post-install"],
        "install"
    );
    assert_eq!(jobs[0], ["post-install", "pre-install-late"], "hook-succeeded ones are gone");
    // The record keeps every hook with its last run.
    assert!(records[0].iter().any(|r| r.contains("pre-install-early") && r.contains("phase=\"Succeeded\"")), "{records:?}");
    assert!(records[0].iter().any(|r| r.contains("smoke-test") && r.contains("phase=\"\"") && r.contains("started=false")), "{records:?}");
    assert!(records[2].iter().any(|r| r.contains("Job post-upgrade") && r.contains("phase=\"Failed\"")), "{records:?}");
    assert!(!jobs[2].contains(&"post-upgrade".to_string()), "hook-failed deleted the failed Job: {jobs:?}");

    assert_eq!(orders[3], ["-smoke-test", "+smoke-test"]);
    assert_eq!(orders[6], ["+pre-delete", "-pre-delete", "-post-delete", "+post-delete"]);
    assert!(records[3].iter().any(|r| r.contains("Job smoke-test") && r.contains("phase=\"Succeeded\"")), "{records:?}");
    assert!(orders[4][0].contains("TEST SUITE:     smoke-test\nLast Started:   TIME\nLast Completed: TIME\nPhase:          Succeeded\n"), "{orders:?}");

    if let Some((_, helm_orders, helm_records, helm_jobs)) = runs.get(1) {
        assert_eq!(orders, helm_orders, "Job creations and deletions, chartroom vs helm");
        assert_eq!(records, helm_records, "the records' hooks, chartroom vs helm");
        assert_eq!(jobs, helm_jobs, "Jobs left behind, chartroom vs helm");
    }
}

/// Output with the times of `LAST DEPLOYED:`, `Last Started:` and `Last Completed:` lines
/// replaced by `TIME` (two runs never share them).
fn mask_times(text: &str) -> String {
    text.lines()
        .map(|line| {
            for label in ["LAST DEPLOYED: ", "Last Started:   ", "Last Completed: "] {
                if line.starts_with(label) {
                    return format!("{label}TIME\n");
                }
            }
            format!("{line}\n")
        })
        .collect()
}

const CRD_V1: &str = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: crontabs.stable.example.com\nspec:\n  group: stable.example.com\n  scope: Namespaced\n  names:\n    plural: crontabs\n    singular: crontab\n    kind: CronTab\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n";

fn crd_charts(h: &Harness) {
    let template = "apiVersion: stable.example.com/v1\nkind: CronTab\nmetadata:\n  name: nightly\nspec:\n  cronSpec: {{ .Values.cron | quote }}\n";
    let crd_v2 = CRD_V1.replace("    kind: CronTab\n", "    kind: CronTab\n    shortNames:\n    - ct\n");
    h.write(&[
        ("crd1/Chart.yaml", "apiVersion: v2\nname: crd\nversion: 0.1.0\n"),
        ("crd1/values.yaml", "cron: \"0 0 * * *\"\n"),
        ("crd1/crds/crontab.yaml", CRD_V1),
        ("crd1/templates/crontab.yaml", template),
        ("crd2/Chart.yaml", "apiVersion: v2\nname: crd\nversion: 0.2.0\n"),
        ("crd2/values.yaml", "cron: \"0 1 * * *\"\n"),
        ("crd2/crds/crontab.yaml", &crd_v2),
        ("crd2/templates/crontab.yaml", template),
    ]);
}

#[test]
fn crds_are_installed_first_and_upgraded_only_on_request() {
    let crd = |h: &Harness| h.cluster.object("apiextensions.k8s.io/v1", "customresourcedefinitions", None, "crontabs.stable.example.com");
    let cron = |h: &Harness| h.cluster.object("stable.example.com/v1", "crontabs", Some(&h.namespace), "nightly").map(|o| o["spec"]["cronSpec"].clone());
    let ours = Harness::start("crd");
    // A CRD is cluster-wide: on a real cluster it is removed when the test ends.
    ours.cluster.created_cluster_object("apiextensions.k8s.io/v1", "customresourcedefinitions", "crontabs.stable.example.com");
    crd_charts(&ours);
    ours.ok("install c ./crd1");
    assert_eq!(crd(&ours).expect("CRD installed")["status"]["conditions"][1]["type"], "Established");
    assert_eq!(cron(&ours).expect("CronTab"), "0 0 * * *");
    assert!(!ours.ok("get manifest c").contains("CustomResourceDefinition"), "crds/ are not part of the manifest");
    ours.ok("upgrade c ./crd2");
    assert_eq!(cron(&ours).expect("CronTab"), "0 1 * * *");
    assert!(crd(&ours).expect("CRD")["spec"]["names"].get("shortNames").is_none(), "not upgraded without --upgrade-crds");

    // Helm installs the same CRD on a cluster of its own (testkube only: a real cluster has one).
    if let (Some(helm), false) = (helm_binary(), ours.cluster.is_real()) {
        let theirs = Harness::start("crd-helm");
        crd_charts(&theirs);
        theirs.helm_ok(&helm, "install c ./crd1");
        theirs.helm_ok(&helm, "upgrade c ./crd2");
        assert_eq!(crd(&theirs).expect("helm's CRD")["spec"], crd(&ours).expect("our CRD")["spec"], "the same CRD after install + upgrade");
        assert_eq!(cron(&theirs), cron(&ours));
        assert_eq!(theirs.helm_ok(&helm, "get manifest c"), ours.ok("get manifest c"));
    }

    ours.ok("upgrade c ./crd2 --upgrade-crds");
    assert_eq!(crd(&ours).expect("CRD")["spec"]["names"]["shortNames"], serde_json::json!(["ct"]));
}

#[test]
fn value_reuse_matches_helm() {
    let h = Harness::start("reuse");
    let template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values\ndata:\n{{- range $k, $v := .Values }}\n  {{ $k }}: {{ $v | quote }}\n{{- end }}\n";
    h.write(&[
        ("rv1/Chart.yaml", "apiVersion: v2\nname: rv\nversion: 0.1.0\n"),
        ("rv1/values.yaml", "a: 1\nb: 1\nnested:\n  x: 1\n  y: 1\n"),
        ("rv1/templates/cm.yaml", template),
        ("rv2/Chart.yaml", "apiVersion: v2\nname: rv\nversion: 0.2.0\n"),
        ("rv2/values.yaml", "a: 1\nb: 5\nc: 7\nnested:\n  x: 1\n  y: 9\n"),
        ("rv2/templates/cm.yaml", template),
    ]);
    let helm = helm_binary();
    let mut seen: Vec<Vec<String>> = Vec::new();
    for tool in ["chartroom", "helm"] {
        if tool == "helm" && helm.is_none() {
            continue;
        }
        let namespace = h.cluster.namespace(&format!("by-{tool}"));
        let exec = |line: &str| -> String {
            let line = format!("{line} -n {namespace}");
            match (tool, &helm) {
                ("helm", Some(helm)) => h.helm_ok(helm, &line),
                _ => h.ok(&line),
            }
        };
        let mut views = Vec::new();
        exec("install r ./rv1 --create-namespace --set a=2 --set nested.x=3");
        for step in ["upgrade r ./rv2 --reuse-values --set d=4", "upgrade r ./rv2 --reset-then-reuse-values --set e=5", "upgrade r ./rv2", "upgrade r ./rv2 --reset-values --set f=6"] {
            exec(step);
            for view in ["get values r -o json", "get values r -a -o json", "get manifest r"] {
                views.push(format!("{step} | {view}:\n{}", exec(view)));
            }
        }
        let record = stored_release(&h, &namespace, "r", 2);
        views.push(format!("revision 2's chart values: {:?}", record.chart.as_ref().and_then(|c| c.values.clone())));
        seen.push(views);
    }
    // --reuse-values renders with the old release's computed values as the chart's defaults:
    // the new chart's b: 5, c: 7 and nested.y: 9 do not apply.
    assert!(seen[0][2].contains("  a: \"2\"\n  b: \"1\"\n  d: \"4\"\n  nested: "), "{}", seen[0][2]);
    assert!(!seen[0][2].contains("c: \"7\""), "{}", seen[0][2]);
    assert!(seen[0][0].ends_with(":\n{\"a\":2,\"d\":4,\"nested\":{\"x\":3}}\n"), "{}", seen[0][0]);
    if seen.len() == 2 {
        for (ours, theirs) in seen[0].iter().zip(&seen[1]) {
            assert_eq!(ours, theirs);
        }
    }
}

fn lease(holder: &str, renewed: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": "chartroom-recover-web", "namespace": "default"},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 60, "acquireTime": renewed, "renewTime": renewed}
    })
}

#[test]
fn recover_clears_a_stuck_release_safely() {
    let h = Harness::start("recover");
    // The crash is simulated by failing the final record write.
    let Some(kube) = h.testkube_only("the recover test") else { return };
    scaled_chart(&h);
    h.ok("install web ./scaled");
    // A client that dies after applying: the record never leaves pending-upgrade.
    kube.fail_requests_matching("PUT /api/v1/namespaces/default/secrets/sh.helm.release.v1.web.v2", 500, 100);
    assert_ne!(h.run("upgrade web ./scaled --set image=web:2").code, 0);
    kube.clear_faults();
    assert!(h.ok("history web").contains("pending-upgrade"));
    let refused = h.run("upgrade web ./scaled --set image=web:3");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("another operation (install/upgrade/rollback) is in progress"));

    // Too young: the operation could still be running.
    let young = h.run("recover web");
    assert_eq!(young.code, 1);
    assert!(String::from_utf8_lossy(&young.stderr).contains("less than --timeout (300s)"), "{}", String::from_utf8_lossy(&young.stderr));
    // Another recover holds the lease.
    let now = chrono_like_now();
    kube.insert_object(lease("chartroom-recover/other", &now)).expect("lease");
    let held = h.run("recover web --timeout 0s");
    assert!(String::from_utf8_lossy(&held.stderr).contains("another recover of this release is running (chartroom-recover/other holds the lease chartroom-recover-web)"), "{}", String::from_utf8_lossy(&held.stderr));
    // A lease left by a recover that died long ago is taken over.
    kube.insert_object(lease("chartroom-recover/dead", "2020-01-01T00:00:00.000000Z")).expect("lease");
    assert_eq!(h.ok("recover web --timeout 0s"), "Release \"web\" recovered: revision 2 is marked failed. Run upgrade or rollback to continue.\n");
    assert!(kube.object("coordination.k8s.io/v1", "leases", Some("default"), "chartroom-recover-web").is_none(), "lease released");
    let recovered = stored_release(&h, "default", "web", 2);
    assert_eq!(recovered.status(), deploy::Status::Failed);
    assert!(recovered.info.as_ref().is_some_and(|info| info.description.starts_with("Upgrade interrupted: recovered by chartroom from pending-upgrade after ")), "{:?}", recovered.info);

    // Operations work again; a healthy release is not touched.
    h.ok("upgrade web ./scaled --set image=web:3");
    let not_stuck = h.run("recover web --force");
    assert_eq!(String::from_utf8_lossy(&not_stuck.stderr), "Error: release \"web\" is not stuck: its last revision (3) is deployed\n");
    assert_eq!(String::from_utf8_lossy(&h.run("recover nope").stderr), "Error: release: not found\n");
}

/// Now as RFC 3339 with microseconds (a Lease's MicroTime).
fn chrono_like_now() -> String {
    deploy::GoTime::now().to_rfc3339_nano()
}

/// A klog line: severity letter, MMDD, a space, then hh:mm:ss (e.g. `W1125 00:12:34.567890`).
fn is_klog_line(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 14
        && matches!(b[0], b'I' | b'W' | b'E' | b'F')
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' '
        && b[6..8].iter().all(u8::is_ascii_digit)
        && b[8] == b':'
}
