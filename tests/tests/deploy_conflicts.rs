//! Out-of-band scaling and upgrades (helm/helm#31516): after `kubectl scale` (the scale
//! subresource, field manager `kubectl`), Helm 4.1.4's server-side apply fails the next
//! upgrade with a conflict on `.spec.replicas`. Chartroom keeps the live count when the chart
//! did not change replicas, and asks for --force-conflicts when it did. Runs on a real cluster
//! too when `CHARTROOM_TEST_KUBECONFIG` names one (see `deploy_cluster`).

mod deploy_cluster;

use chartroom_cli::Outcome;
use deploy_cluster::{helm_binary, TestCluster};

struct Harness {
    cluster: TestCluster,
    /// Where releases go without `-n` (`default` on testkube).
    namespace: String,
}

impl Harness {
    fn start(tag: &str) -> Harness {
        let cluster = TestCluster::start(&format!("conflicts-{tag}"));
        // A chart whose replicas and image come from values.
        std::fs::create_dir_all(cluster.dir.join("scaled/templates")).expect("chart dir");
        std::fs::write(cluster.dir.join("scaled/Chart.yaml"), "apiVersion: v2\nname: scaled\nversion: 0.1.0\n").expect("chart");
        std::fs::write(cluster.dir.join("scaled/values.yaml"), "replicas: 1\nimage: web:1\n").expect("values");
        std::fs::write(
            cluster.dir.join("scaled/templates/deployment.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: {{ .Values.image }}\n",
        )
        .expect("template");
        let namespace = cluster.default_namespace();
        Harness { cluster, namespace }
    }

    fn run(&self, line: &str) -> Outcome {
        self.cluster.chartroom(&self.cluster.dir, line)
    }

    fn ok(&self, line: &str) -> String {
        let outcome = self.run(line);
        assert_eq!(outcome.code, 0, "{line}\nstderr: {}", String::from_utf8_lossy(&outcome.stderr));
        String::from_utf8_lossy(&outcome.stdout).into_owned()
    }

    /// What `kubectl scale deployment/NAME --replicas=N` sends.
    fn kubectl_scale(&self, name: &str, replicas: i64) {
        self.cluster.kubectl_scale(&self.namespace, name, replicas);
    }

    fn deployment(&self, name: &str) -> serde_json::Value {
        self.cluster.object("apps/v1", "deployments", Some(&self.namespace), name).expect("deployment")
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
    let Some(helm) = helm_binary() else { return };
    let h = Harness::start("helm");
    h.ok("install web ./scaled");
    h.kubectl_scale("web", 3);
    let output = h.cluster.helm_command(&helm, &h.cluster.dir, "upgrade web ./scaled --set image=web:2").output().expect("helm");
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "helm upgrade unexpectedly succeeded");
    assert!(err.contains("conflict with \"kubectl\" using apps/v1: .spec.replicas"), "{err}");
}
