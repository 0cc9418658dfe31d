//! An in-memory Kubernetes API server for tests: it speaks the real HTTP API (discovery,
//! namespaced and cluster-scoped objects, lists with label/field selectors, create, replace,
//! merge/strategic/server-side-apply patches, resourceVersion conflicts, some of kube-apiserver's
//! field validations (422 `Invalid`), `Status` errors) on
//! `127.0.0.1`, so the real kube-rs client (and `helm`) can be pointed at it.
//!
//! Tests drive it through [`TestKube`]: seed and inspect objects, set status subresources
//! (to make `--wait` succeed or time out), and inject faults (fail the Nth request with a given
//! HTTP code, fail requests matching a path, stall a request).
#![forbid(unsafe_code)]

mod patch;
mod protobuf;
mod resources;
mod selectors;
mod server;
mod table;
mod validation;
mod watch;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;

pub use resources::ResourceType;
pub use selectors::{FieldSelector, LabelSelector};

/// A fault to inject into the request stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Answer with a `Status` of this HTTP code instead of serving the request (with this
    /// message, or one naming the injected failure).
    Fail { code: u16, message: Option<String> },
    /// Wait this long before serving the request.
    Stall { duration: Duration },
}

#[derive(Clone, Debug)]
struct FaultRule {
    /// Fire on the request with this sequence number (1-based over the server's life).
    at_request: Option<u64>,
    /// Or on requests whose `METHOD path` contains this text.
    matching: Option<String>,
    remaining: u32,
    fault: Fault,
}

/// A stored object and who set which of its fields.
#[derive(Clone, Debug)]
pub(crate) struct StoredObject {
    pub body: Value,
    /// Field paths (see `patch::leaf_paths`) owned by each field manager.
    pub managers: BTreeMap<String, BTreeMap<String, Value>>,
}

/// (group, plural, namespace or "", name): one object whatever version it is read through.
pub(crate) type ObjectKey = (String, String, String, String);

pub(crate) struct State {
    pub resources: Vec<ResourceType>,
    pub objects: BTreeMap<ObjectKey, StoredObject>,
    pub last_resource_version: u64,
    pub last_uid: u64,
    pub request_count: u64,
    faults: Vec<FaultRule>,
    pub request_log: Vec<String>,
    /// Print each request and the reply's code (and error message) to stderr.
    pub log_to_stderr: bool,
    /// Act as the Job controller: a created Job finishes at once (see [`TestKube::complete_jobs`]).
    pub complete_jobs: bool,
    /// Act as the Deployment/StatefulSet controllers (see [`TestKube::roll_out_workloads`]).
    pub roll_out_workloads: bool,
}

impl State {
    fn new() -> State {
        let mut state = State {
            resources: resources::builtin_resources(),
            objects: BTreeMap::new(),
            last_resource_version: 0,
            last_uid: 0,
            request_count: 0,
            faults: Vec::new(),
            request_log: Vec::new(),
            log_to_stderr: false,
            complete_jobs: false,
            roll_out_workloads: false,
        };
        for namespace in ["default", "kube-system", "kube-public"] {
            let body = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}, "status": {"phase": "Active"}});
            state.insert_new(String::new(), "namespaces".into(), String::new(), namespace.into(), body);
        }
        state
    }

    pub fn next_resource_version(&mut self) -> String {
        self.last_resource_version += 1;
        self.last_resource_version.to_string()
    }

    /// Stores a new object, filling the metadata the server owns.
    pub fn insert_new(&mut self, group: String, plural: String, namespace: String, name: String, mut body: Value) -> Value {
        self.last_uid += 1;
        let uid = format!("00000000-0000-4000-8000-{:012x}", self.last_uid);
        let resource_version = self.next_resource_version();
        if let Some(metadata) = body.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("name".into(), Value::String(name.clone()));
            if !namespace.is_empty() {
                metadata.insert("namespace".into(), Value::String(namespace.clone()));
            }
            metadata.insert("uid".into(), Value::String(uid));
            metadata.insert("resourceVersion".into(), Value::String(resource_version));
            metadata.insert("creationTimestamp".into(), Value::String(server::rfc3339_now()));
            metadata.insert("generation".into(), Value::from(1));
        }
        self.objects.insert((group, plural, namespace, name), StoredObject { body: body.clone(), managers: BTreeMap::new() });
        body
    }

    pub fn find_resource(&self, group: &str, version: &str, plural: &str) -> Option<ResourceType> {
        self.resources.iter().find(|r| r.group == group && r.version == version && r.plural == plural).cloned()
    }

    /// The fault for the request about to be served, if any rule fires.
    fn take_fault(&mut self, sequence: u64, request_line: &str) -> Option<Fault> {
        let index = self.faults.iter().position(|rule| {
            rule.remaining > 0
                && rule.at_request.is_none_or(|n| n == sequence)
                && rule.matching.as_deref().is_none_or(|text| request_line.contains(text))
        })?;
        let rule = &mut self.faults[index];
        rule.remaining -= 1;
        let fault = rule.fault.clone();
        if rule.remaining == 0 {
            self.faults.remove(index);
        }
        Some(fault)
    }
}

/// A running test API server. Dropping it stops the server.
pub struct TestKube {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestKube {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestKube {
    /// Starts a server on `127.0.0.1` (a free port) in the current tokio runtime.
    pub async fn start() -> std::io::Result<TestKube> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::new()));
        let server = tokio::spawn(server::serve(listener, Arc::clone(&state)));
        Ok(TestKube { address, state, server })
    }

    /// The server's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Serves another resource type (e.g. a custom resource) from now on.
    pub fn register_resource(&self, resource: ResourceType) {
        let mut state = self.state();
        if !state.resources.contains(&resource) {
            state.resources.push(resource);
        }
    }

    /// Prints every request (method, path, content type, accepted types) and the reply's
    /// code to stderr: for finding out what a client sends that the server refuses.
    pub fn log_to_stderr(&self, enabled: bool) {
        self.state().log_to_stderr = enabled;
    }

    /// Acts as the Job controller (and the kubelet for bare Pods) from now on: every Job
    /// created finishes at once with `Complete` (succeeded: 1), or with `Failed`
    /// (BackoffLimitExceeded) when it carries the annotation
    /// `testkube.chartroom.dev/job-outcome: failed`; a Pod ends `Succeeded` (or `Failed`, same
    /// annotation), and its log (`pods/NAME/log`) is its `testkube.chartroom.dev/log`
    /// annotation. Hook Jobs and Pods need this to finish.
    pub fn complete_jobs(&self, enabled: bool) {
        self.state().complete_jobs = enabled;
    }

    /// Acts as the Deployment and StatefulSet controllers from now on: after every write of
    /// one, its status says all replicas are updated, ready and available for the new
    /// generation, unless a container's image tag starts with `unpullable` (a stand-in for an
    /// image a real node cannot pull: then no replica is ready, as in `ImagePullBackOff`).
    /// `--wait` then succeeds or times out as it would on a real cluster.
    pub fn roll_out_workloads(&self, enabled: bool) {
        self.state().roll_out_workloads = enabled;
    }

    /// How many requests the server has received.
    pub fn request_count(&self) -> u64 {
        self.state().request_count
    }

    /// `METHOD /path?query` of every request so far.
    pub fn request_log(&self) -> Vec<String> {
        self.state().request_log.clone()
    }

    /// Fails the `n`th request from now (1 = the next one) with a `Status` of `code`.
    pub fn fail_nth_request(&self, n: u64, code: u16) {
        let mut state = self.state();
        let at = state.request_count + n.max(1);
        state.faults.push(FaultRule { at_request: Some(at), matching: None, remaining: 1, fault: Fault::Fail { code, message: None } });
    }

    /// Fails the next `times` requests whose `METHOD /path?query` contains `text`.
    pub fn fail_requests_matching(&self, text: &str, code: u16, times: u32) {
        self.state().faults.push(FaultRule { at_request: None, matching: Some(text.to_string()), remaining: times, fault: Fault::Fail { code, message: None } });
    }

    /// Like [`TestKube::fail_requests_matching`], with the `Status` message a real server
    /// gives (`Unauthorized`, `secrets is forbidden: User ...`).
    pub fn fail_requests_matching_with(&self, text: &str, code: u16, message: &str, times: u32) {
        let fault = Fault::Fail { code, message: Some(message.to_string()) };
        self.state().faults.push(FaultRule { at_request: None, matching: Some(text.to_string()), remaining: times, fault });
    }

    /// Holds the `n`th request from now for `duration` before serving it.
    pub fn stall_nth_request(&self, n: u64, duration: Duration) {
        let mut state = self.state();
        let at = state.request_count + n.max(1);
        state.faults.push(FaultRule { at_request: Some(at), matching: None, remaining: 1, fault: Fault::Stall { duration } });
    }

    /// Holds the next `times` requests whose `METHOD /path?query` contains `text`.
    pub fn stall_requests_matching(&self, text: &str, duration: Duration, times: u32) {
        self.state().faults.push(FaultRule { at_request: None, matching: Some(text.to_string()), remaining: times, fault: Fault::Stall { duration } });
    }

    /// Drops every pending fault.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    /// The stored object, as a GET through its stored apiVersion would return it.
    pub fn object(&self, api_version: &str, plural: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        let (group, _) = split_api_version(api_version);
        let key = (group.to_string(), plural.to_string(), namespace.unwrap_or("").to_string(), name.to_string());
        self.state().objects.get(&key).map(|stored| stored.body.clone())
    }

    /// Every stored object of a resource (all namespaces), sorted by namespace and name.
    pub fn objects(&self, api_version: &str, plural: &str) -> Vec<Value> {
        let (group, _) = split_api_version(api_version);
        self.state().objects.iter().filter(|((g, p, _, _), _)| g == group && p == plural).map(|(_, stored)| stored.body.clone()).collect()
    }

    /// Stores an object directly (no admission, no namespace check), as seed data.
    pub fn insert_object(&self, object: Value) -> Result<Value, String> {
        let api_version = object["apiVersion"].as_str().ok_or("object has no apiVersion")?.to_string();
        let kind = object["kind"].as_str().ok_or("object has no kind")?.to_string();
        let name = object["metadata"]["name"].as_str().ok_or("object has no metadata.name")?.to_string();
        let (group, version) = split_api_version(&api_version);
        let mut state = self.state();
        let resource = state
            .resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.kind == kind)
            .cloned()
            .ok_or_else(|| format!("no resource of kind {kind} in {api_version}"))?;
        let namespace = if resource.namespaced { object["metadata"]["namespace"].as_str().unwrap_or("default").to_string() } else { String::new() };
        Ok(state.insert_new(resource.group.clone(), resource.plural.clone(), namespace, name, object))
    }

    /// Sets the `status` of a stored object (as a controller would), bumping its
    /// resourceVersion. Errors if the object does not exist.
    pub fn set_status(&self, api_version: &str, plural: &str, namespace: Option<&str>, name: &str, status: Value) -> Result<(), String> {
        let (group, _) = split_api_version(api_version);
        let key = (group.to_string(), plural.to_string(), namespace.unwrap_or("").to_string(), name.to_string());
        let mut state = self.state();
        let resource_version = state.next_resource_version();
        let stored = state.objects.get_mut(&key).ok_or_else(|| format!("{plural} {name:?} not found"))?;
        stored.body["status"] = status;
        stored.body["metadata"]["resourceVersion"] = Value::String(resource_version);
        Ok(())
    }
}

/// `apps/v1` -> (`apps`, `v1`); `v1` -> (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.split_once('/').unwrap_or(("", api_version))
}

/// Every change to the state is completed under one lock acquisition, so a poisoned lock
/// (a panicking test thread) still guards consistent data.
pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
