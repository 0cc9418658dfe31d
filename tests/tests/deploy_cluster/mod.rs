//! The cluster a deploy test runs against: a fresh testkube (the in-memory API server) by
//! default, or a real cluster when `CHARTROOM_TEST_KUBECONFIG` names a kubeconfig for one.
//!
//! On a real cluster every namespace a test names gets a unique suffix (tests and runs never
//! share one), the release's "default" namespace is such a namespace too (`HELM_NAMESPACE`),
//! and the namespaces and cluster-scoped objects a test created are deleted when it ends.
//! Checks that need testkube's hooks (fault injection, forced statuses, request counts) ask
//! [`TestCluster::testkube`] and are skipped on a real cluster.

#![allow(dead_code)] // each test file uses part of the harness

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use chartroom_cli::{run, Env, Outcome};
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::Value;
use testkube::TestKube;

/// The environment variable naming a real cluster's kubeconfig.
pub const REAL_CLUSTER_KUBECONFIG: &str = "CHARTROOM_TEST_KUBECONFIG";

/// A chartroom *process* for tests that need one (to kill it, or to read what it writes to
/// its stderr as it runs): the test binary itself, running its ignored test
/// `chartroom_child_process`, which calls [`chartroom_child_main`]. The command line travels
/// in this variable, arguments separated by U+001F.
const CHILD_ARGS: &str = "CHARTROOM_TEST_CHILD_ARGS";

/// The body of each test file's `chartroom_child_process` test: runs the command line the
/// parent passed and exits with its code (does nothing when not started as a child).
pub fn chartroom_child_main() {
    let Ok(line) = std::env::var(CHILD_ARGS) else { return };
    let args: Vec<String> = std::iter::once("chartroom".to_string()).chain(line.split('\u{1f}').map(str::to_string)).collect();
    let env = Env { cwd: std::env::current_dir().expect("cwd"), vars: std::env::vars().collect() };
    let outcome = run(&args, &env);
    use std::io::Write;
    let _ = std::io::stdout().write_all(&outcome.stdout);
    let _ = std::io::stderr().write_all(&outcome.stderr);
    std::process::exit(outcome.code);
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// Real Helm, when `.tools/bin/helm` exists (required under `CI=true`).
pub fn helm_binary() -> Option<PathBuf> {
    let path = repo_root().join(".tools/bin/helm");
    if path.exists() {
        return Some(path);
    }
    assert!(std::env::var("CI").map_or(true, |v| v != "true"), "no helm at .tools/bin/helm in CI");
    eprintln!("skipping the comparison with helm: no helm at {}", path.display());
    None
}

/// A kubeconfig with one cluster at `server` and a bearer token.
pub fn kubeconfig_for(server: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: testkube\n  cluster:\n    server: {server}\ncontexts:\n- name: testkube\n  context:\n    cluster: testkube\n    user: tester\ncurrent-context: testkube\nusers:\n- name: tester\n  user:\n    token: test-token\n"
    )
}

enum Backend {
    TestKube(TestKube),
    Real(kube::Client),
}

pub struct TestCluster {
    // Runs testkube's tasks (and the real cluster's client) while tests call the synchronous CLI.
    runtime: tokio::runtime::Runtime,
    backend: Backend,
    /// Scratch directory: HOME, charts written by the test; removed on drop.
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
    /// Appended to namespace names on a real cluster; empty on testkube.
    suffix: String,
    /// What to delete from a real cluster when the test ends.
    created_namespaces: Mutex<Vec<String>>,
    created_cluster_objects: Mutex<Vec<(String, String, String)>>,
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let _guard = self.runtime.enter();
        if let Backend::Real(client) = &self.backend {
            let namespaces = std::mem::take(&mut *self.created_namespaces.lock().unwrap_or_else(|p| p.into_inner()));
            let objects = std::mem::take(&mut *self.created_cluster_objects.lock().unwrap_or_else(|p| p.into_inner()));
            let client = client.clone();
            self.runtime.block_on(async move {
                // Background deletion: the test does not wait for namespaces to terminate.
                for (api_version, plural, name) in objects {
                    let _ = Api::<DynamicObject>::all_with(client.clone(), &api_resource(&api_version, &plural, "")).delete(&name, &DeleteParams::background()).await;
                }
                let namespaces_resource = api_resource("v1", "namespaces", "Namespace");
                for namespace in namespaces {
                    let _ = Api::<DynamicObject>::all_with(client.clone(), &namespaces_resource).delete(&namespace, &DeleteParams::background()).await;
                }
            });
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The REST resource of `apiVersion` + plural (kind only matters for creates).
fn api_resource(api_version: &str, plural: &str, kind: &str) -> ApiResource {
    let (group, version) = testkube::split_api_version(api_version);
    ApiResource { group: group.into(), version: version.into(), api_version: api_version.into(), kind: kind.into(), plural: plural.into() }
}

/// Unique per harness within a run, and across runs (time-based), as a DNS label part.
fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 20) ^ COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_mul(0x9e37_79b9);
    format!("{:07x}", mixed & 0xfff_ffff)
}

impl TestCluster {
    /// testkube, or the real cluster `CHARTROOM_TEST_KUBECONFIG` names.
    pub fn start(tag: &str) -> TestCluster {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let dir = std::env::temp_dir().join(format!("chartroom-deploy-{tag}-{}-{}", std::process::id(), unique_suffix()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let real = std::env::var(REAL_CLUSTER_KUBECONFIG).ok().filter(|path| !path.is_empty());
        let (backend, kubeconfig, suffix) = match real {
            Some(path) => {
                let kubeconfig = PathBuf::from(&path);
                let client = runtime.block_on(async {
                    let config = kube::config::Kubeconfig::read_from(&kubeconfig).unwrap_or_else(|err| panic!("{REAL_CLUSTER_KUBECONFIG}={path}: {err}"));
                    let config = kube::Config::from_custom_kubeconfig(config, &kube::config::KubeConfigOptions::default()).await.expect("real cluster's kubeconfig");
                    kube::Client::try_from(config).expect("real cluster client")
                });
                (Backend::Real(client), kubeconfig, unique_suffix())
            }
            None => {
                let kube = runtime.block_on(TestKube::start()).expect("testkube");
                let kubeconfig = dir.join("kubeconfig");
                std::fs::write(&kubeconfig, kubeconfig_for(&kube.url())).expect("kubeconfig");
                (Backend::TestKube(kube), kubeconfig, String::new())
            }
        };
        let cluster = TestCluster { runtime, backend, dir, kubeconfig, suffix, created_namespaces: Mutex::new(Vec::new()), created_cluster_objects: Mutex::new(Vec::new()) };
        if cluster.is_real() {
            // Releases without `-n` go to a namespace of their own (HELM_NAMESPACE).
            let namespace = cluster.default_namespace();
            cluster.create_object(serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})).expect("test namespace");
        }
        cluster
    }

    /// Workloads become ready as on a cluster with controllers: on testkube its Deployment and
    /// StatefulSet controllers (an image tag `unpullable...` never gets ready) and its Job
    /// controller; a real cluster has its own.
    pub fn with_controllers(self) -> TestCluster {
        if let Some(kube) = self.testkube() {
            kube.roll_out_workloads(true);
            kube.complete_jobs(true);
        }
        self
    }

    pub fn is_real(&self) -> bool {
        matches!(self.backend, Backend::Real(_))
    }

    /// testkube, for checks only it can make (faults, forced statuses, request counts).
    pub fn testkube(&self) -> Option<&TestKube> {
        match &self.backend {
            Backend::TestKube(kube) => Some(kube),
            Backend::Real(_) => None,
        }
    }

    /// The namespace a test calls `base`: itself on testkube, `base-SUFFIX` on a real
    /// cluster (deleted when the test ends).
    pub fn namespace(&self, base: &str) -> String {
        if self.suffix.is_empty() {
            return base.to_string();
        }
        let keep = 62 - self.suffix.len();
        let name = format!("{}-{}", &base[..base.len().min(keep)], self.suffix);
        let mut created = self.created_namespaces.lock().unwrap_or_else(|p| p.into_inner());
        if !created.contains(&name) {
            created.push(name.clone());
        }
        name
    }

    /// Where a release goes without `-n`.
    pub fn default_namespace(&self) -> String {
        self.namespace("default")
    }

    /// A cluster-scoped object the test creates (a CRD): deleted from a real cluster at the end.
    pub fn created_cluster_object(&self, api_version: &str, plural: &str, name: &str) {
        self.created_cluster_objects.lock().unwrap_or_else(|p| p.into_inner()).push((api_version.into(), plural.into(), name.into()));
    }

    /// The process environment the CLI runs with, working in `cwd`.
    pub fn env(&self, cwd: &Path) -> Env {
        let mut vars = HashMap::from([("KUBECONFIG".to_string(), self.kubeconfig.to_string_lossy().into_owned()), ("HOME".to_string(), self.dir.to_string_lossy().into_owned())]);
        if self.is_real() {
            vars.insert("HELM_NAMESPACE".into(), self.default_namespace());
        }
        Env { cwd: cwd.to_path_buf(), vars }
    }

    /// `chartroom LINE` (split on whitespace) in `cwd`.
    pub fn chartroom(&self, cwd: &Path, line: &str) -> Outcome {
        let mut args = vec!["chartroom".to_string()];
        args.extend(line.split_whitespace().map(str::to_string));
        run(&args, &self.env(cwd))
    }

    /// Starts `chartroom ARGS` as a process of its own (see [`chartroom_child_main`]), its
    /// stdout and stderr piped.
    pub fn spawn_chartroom(&self, cwd: &Path, args: &[&str]) -> std::process::Child {
        let env = self.env(cwd);
        Command::new(std::env::current_exe().expect("test binary"))
            .args(["chartroom_child_process", "--exact", "--include-ignored", "--nocapture", "--test-threads=1", "--quiet"])
            .current_dir(cwd)
            .envs(&env.vars)
            .env(CHILD_ARGS, args.join("\u{1f}"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start a chartroom process")
    }

    /// A spawned chartroom's stdout without the line the test harness prints before the
    /// child test starts (`running 1 test`).
    pub fn child_stdout(stdout: &[u8]) -> String {
        let text = String::from_utf8_lossy(stdout);
        text.trim_start_matches('\n').strip_prefix("running 1 test\n").map(str::to_string).unwrap_or_else(|| text.into_owned())
    }

    /// `helm ARGS` against the same cluster, in `cwd`, with its own config under the scratch dir.
    pub fn helm_command(&self, helm: &Path, cwd: &Path, line: &str) -> Command {
        let mut command = Command::new(helm);
        command
            .args(line.split_whitespace())
            .current_dir(cwd)
            .env_clear()
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", &self.dir)
            .env("HELM_CONFIG_HOME", self.dir.join("helm-config"))
            .env("HELM_CACHE_HOME", self.dir.join("helm-cache"))
            .env("HELM_DATA_HOME", self.dir.join("helm-data"))
            // Helm prints times in local time; chartroom's records are UTC.
            .env("TZ", "UTC");
        if self.is_real() {
            command.env("HELM_NAMESPACE", self.default_namespace());
        }
        command
    }

    /// The live object, as a GET returns it.
    pub fn object(&self, api_version: &str, plural: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        match &self.backend {
            Backend::TestKube(kube) => kube.object(api_version, plural, namespace, name),
            Backend::Real(client) => {
                let resource = api_resource(api_version, plural, "");
                let api: Api<DynamicObject> = match namespace {
                    Some(namespace) => Api::namespaced_with(client.clone(), namespace, &resource),
                    None => Api::all_with(client.clone(), &resource),
                };
                let found = self.runtime.block_on(api.get_opt(name)).unwrap_or_else(|err| panic!("GET {plural} {name}: {err}"));
                found.map(|object| serde_json::to_value(object).expect("object as JSON"))
            }
        }
    }

    /// Every live object of a resource in `namespace`.
    pub fn objects(&self, api_version: &str, plural: &str, namespace: &str) -> Vec<Value> {
        match &self.backend {
            Backend::TestKube(kube) => kube.objects(api_version, plural).into_iter().filter(|o| o["metadata"]["namespace"] == namespace).collect(),
            Backend::Real(client) => {
                let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &api_resource(api_version, plural, ""));
                let list = self.runtime.block_on(api.list(&Default::default())).unwrap_or_else(|err| panic!("LIST {plural}: {err}"));
                list.items.into_iter().map(|object| serde_json::to_value(object).expect("object as JSON")).collect()
            }
        }
    }

    /// Creates `object` (seed data a test needs, e.g. a record another client left).
    pub fn create_object(&self, object: Value) -> Result<Value, String> {
        match &self.backend {
            Backend::TestKube(kube) => kube.insert_object(object),
            Backend::Real(client) => {
                let api_version = object["apiVersion"].as_str().ok_or("no apiVersion")?.to_string();
                let kind = object["kind"].as_str().ok_or("no kind")?.to_string();
                let (group, version) = testkube::split_api_version(&api_version);
                let gvk = kube::api::GroupVersionKind::gvk(group, version, &kind);
                let namespace = object["metadata"]["namespace"].as_str().map(str::to_string);
                let typed: DynamicObject = serde_json::from_value(object).map_err(|err| err.to_string())?;
                let client = client.clone();
                self.runtime.block_on(async move {
                    let (resource, capabilities) = kube::discovery::pinned_kind(&client, &gvk).await.map_err(|err| err.to_string())?;
                    let api: Api<DynamicObject> = match (capabilities.scope, namespace) {
                        (kube::discovery::Scope::Namespaced, Some(namespace)) => Api::namespaced_with(client, &namespace, &resource),
                        (kube::discovery::Scope::Namespaced, None) => Api::default_namespaced_with(client, &resource),
                        (kube::discovery::Scope::Cluster, _) => Api::all_with(client, &resource),
                    };
                    let created = api.create(&PostParams::default(), &typed).await.map_err(|err| err.to_string())?;
                    serde_json::to_value(created).map_err(|err| err.to_string())
                })
            }
        }
    }

    /// What `kubectl scale deployment/NAME --replicas=N -n NAMESPACE` sends: a merge patch of
    /// the scale subresource, field manager `kubectl`.
    pub fn kubectl_scale(&self, namespace: &str, name: &str, replicas: i64) {
        // kube's client spawns its request buffer on the current runtime.
        let _guard = self.runtime.enter();
        let client = match &self.backend {
            Backend::TestKube(kube) => {
                let config = kube::Config::new(kube.url().parse().expect("testkube URL"));
                kube::Client::try_from(config).expect("client")
            }
            Backend::Real(client) => client.clone(),
        };
        let api: Api<DynamicObject> = Api::namespaced_with(client, namespace, &api_resource("apps/v1", "deployments", "Deployment"));
        let params = PatchParams { field_manager: Some("kubectl".into()), ..PatchParams::default() };
        let patch = Patch::Merge(serde_json::json!({"spec": {"replicas": replicas}}));
        self.runtime.block_on(api.patch_scale(name, &params, &patch)).unwrap_or_else(|err| panic!("scale {name}: {err}"));
    }

    /// `NAME=status` of every Helm release record (Secret driver) in `namespace`.
    pub fn release_secrets(&self, namespace: &str) -> Vec<String> {
        let mut found: Vec<String> = self
            .objects("v1", "secrets", namespace)
            .into_iter()
            .filter(|s| s["type"] == "helm.sh/release.v1")
            .map(|s| format!("{}={}", s["metadata"]["name"].as_str().unwrap_or(""), s["metadata"]["labels"]["status"].as_str().unwrap_or("")))
            .collect();
        found.sort();
        found
    }

    /// The stored record `sh.helm.release.v1.NAME.vN`.
    pub fn stored_release(&self, namespace: &str, name: &str, version: i64) -> deploy::Release {
        use base64::Engine;
        let secret = self.object("v1", "secrets", Some(namespace), &format!("sh.helm.release.v1.{name}.v{version}")).expect("release secret");
        let data = base64::engine::general_purpose::STANDARD.decode(secret["data"]["release"].as_str().expect("release data")).expect("base64");
        deploy::decode_release(&String::from_utf8(data).expect("utf-8")).expect("release record")
    }
}
