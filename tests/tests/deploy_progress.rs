//! `--wait`'s live progress display, in its form for a non-terminal stderr (logs, CI): one
//! line per resource state change while the command runs, then a summary; stdout stays
//! Helm's. The command runs as a process of its own so that its stderr can be read.
//! (The terminal form, a table redrawn in place, is tested in `deploy::progress`.)

mod deploy_cluster;

use std::time::{Duration, Instant};

use deploy_cluster::{repo_root, TestCluster};

/// The chartroom process of this file's test (see `deploy_cluster::chartroom_child_main`).
#[test]
#[ignore = "started by the progress test"]
fn chartroom_child_process() {
    deploy_cluster::chartroom_child_main();
}

fn rolled_out_status() -> serde_json::Value {
    serde_json::json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1})
}

#[test]
fn wait_prints_one_line_per_state_change_without_a_terminal() {
    let cluster = TestCluster::start("progress");
    let ns = cluster.namespace("example");
    let deployments = ["backend", "frontend", "postgres"];
    let child = cluster.spawn_chartroom(&repo_root().join("examples"), &["install", "prog", "./kubernetes-example", "-n", &ns, "--create-namespace", "--wait", "--timeout", "5m"]);
    if let Some(kube) = cluster.testkube() {
        // testkube has no Deployment controller: once the waiting has been seen, act as one.
        let deadline = Instant::now() + Duration::from_secs(60);
        while deployments.iter().any(|name| cluster.object("apps/v1", "deployments", Some(&ns), name).is_none()) {
            assert!(Instant::now() < deadline, "the Deployments never appeared");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(1200));
        for name in deployments {
            kube.set_status("apps/v1", "deployments", Some(&ns), name, rolled_out_status()).expect("status");
        }
    }
    let output = child.wait_with_output().expect("chartroom process");
    let stdout = TestCluster::child_stdout(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    assert!(stdout.starts_with("NAME: prog\nLAST DEPLOYED: ") && stdout.contains("STATUS: deployed\nREVISION: 1\n"), "stdout is Helm's: {stdout}");

    let lines: Vec<&str> = stderr.lines().filter(|line| !line.is_empty()).collect();
    // Every waited-for resource, in the order applied, is reported; each line is a change.
    let resources = ["Service/backend-service", "Service/pg-service", "Service/frontend-service", "Deployment/backend", "Deployment/postgres", "Deployment/frontend", "HorizontalPodAutoscaler/frontend", "HorizontalPodAutoscaler/backend", "Ingress/frontend-ingress"];
    for resource in resources {
        let states: Vec<&str> = lines.iter().filter_map(|line| line.strip_prefix(&format!("{resource}: "))).collect();
        assert_eq!(states.last(), Some(&"ready"), "{resource} ends ready:\n{stderr}");
        assert!(states.windows(2).all(|pair| pair[0] != pair[1]), "{resource}: a line per change only:\n{stderr}");
    }
    // On testkube the roll-out happens when the test says; a real cluster's timing is its own.
    if cluster.testkube().is_some() {
        for name in deployments {
            let states: Vec<&str> = lines.iter().filter_map(|line| line.strip_prefix(&format!("Deployment/{name}: "))).collect();
            assert_eq!(states, ["waiting for the controller", "ready"], "Deployment/{name} was waited for:\n{stderr}");
        }
    }
    let summary = lines.last().expect("a summary line");
    assert!(summary.starts_with(&format!("{}/{} resources ready (", resources.len(), resources.len())) && summary.ends_with("s)"), "{stderr}");
    assert!(!stderr.contains('\x1b'), "no terminal control codes without a terminal: {stderr:?}");
}
