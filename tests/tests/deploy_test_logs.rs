//! `chartroom test --logs` prints each test hook pod's log after the status, as Helm 4.1.4
//! does (weight order, the filter applied, a Job hook's "pod" not found ends the command),
//! compared byte for byte (times masked) with real Helm on the same cluster. The pods print
//! their lines with `printf`; on testkube (which runs no containers) the same text comes from
//! its log annotation.

mod deploy_cluster;

use deploy_cluster::{helm_binary, TestCluster};

fn pod(name: &str, weight: i64, log: &str) -> String {
    let printf = log.replace('\n', "\\n");
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  annotations:\n    helm.sh/hook: test\n    helm.sh/hook-weight: \"{weight}\"\n    testkube.chartroom.dev/log: {log:?}\nspec:\n  restartPolicy: Never\n  containers:\n  - name: probe\n    image: busybox:1.36\n    command: [\"sh\", \"-c\", \"printf '{printf}'\"]\n"
    )
}

const JOB: &str = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: probe-job\n  annotations:\n    helm.sh/hook: test\n    helm.sh/hook-weight: \"10\"\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: probe\n        image: busybox:1.36\n        command: [\"true\"]\n";

/// The output with the times of `LAST DEPLOYED:` and the test runs masked.
fn masked(text: &str) -> String {
    text.lines()
        .map(|line| match ["LAST DEPLOYED: ", "Last Started:   ", "Last Completed: "].iter().find(|label| line.starts_with(**label)) {
            Some(label) => format!("{label}TIME\n"),
            None => format!("{line}\n"),
        })
        .collect()
}

#[test]
fn test_logs_print_the_test_pods_logs_as_helm_does() {
    let cluster = TestCluster::start("test-logs").with_controllers();
    let chart = cluster.dir.join("pt");
    std::fs::create_dir_all(chart.join("templates")).expect("chart dir");
    std::fs::write(chart.join("Chart.yaml"), "apiVersion: v2\nname: pt\nversion: 0.1.0\n").expect("Chart.yaml");
    let tests = [pod("probe-b", 0, "checking b\nb is fine\n"), pod("probe-a", 5, "a ok\n"), JOB.to_string()].join("---\n");
    std::fs::write(chart.join("templates/tests.yaml"), tests).expect("tests");
    std::fs::write(chart.join("templates/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n").expect("configmap");

    let helm = helm_binary();
    let mut runs = Vec::new();
    for tool in ["chartroom", "helm"] {
        if tool == "helm" && helm.is_none() {
            continue;
        }
        let ns = cluster.namespace(&format!("by-{tool}"));
        let exec = |line: &str| -> (i32, String, String) {
            let line = format!("{line} -n {ns}");
            match (tool, &helm) {
                ("helm", Some(helm)) => {
                    let output = cluster.helm_command(helm, &cluster.dir, &line).output().expect("helm");
                    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
                }
                _ => {
                    let outcome = cluster.chartroom(&cluster.dir, &line);
                    (outcome.code, String::from_utf8_lossy(&outcome.stdout).into_owned(), String::from_utf8_lossy(&outcome.stderr).into_owned())
                }
            }
        };
        let (code, _, stderr) = exec("install pt ./pt --create-namespace");
        assert_eq!(code, 0, "{tool} install: {stderr}");
        let mut seen = Vec::new();
        for line in ["test pt --logs --filter !name=probe-job", "test pt --logs"] {
            let (code, stdout, stderr) = exec(line);
            seen.push(format!("{line}: exit {code}\n{}--- stderr\n{stderr}", masked(&stdout).replace(&ns, "NAMESPACE")));
        }
        runs.push(seen);
    }

    let ours = &runs[0];
    assert!(ours[0].starts_with("test pt --logs --filter !name=probe-job: exit 0\n"), "{}", ours[0]);
    assert!(ours[0].ends_with("Phase:          Succeeded\n\nPOD LOGS: probe-b\nchecking b\nb is fine\n\nPOD LOGS: probe-a\na ok\n\n--- stderr\n"), "{}", ours[0]);
    // A Job hook has no pod of its name: the logs so far, then Helm's error.
    assert!(ours[1].starts_with("test pt --logs: exit 1\n"), "{}", ours[1]);
    assert!(ours[1].ends_with("\nPOD LOGS: probe-b\nchecking b\nb is fine\n\nPOD LOGS: probe-a\na ok\n\n--- stderr\nError: unable to get pod logs for probe-job: pods \"probe-job\" not found\n"), "{}", ours[1]);
    if let Some(theirs) = runs.get(1) {
        assert_eq!(ours, theirs, "chartroom and helm differ");
    }
}
