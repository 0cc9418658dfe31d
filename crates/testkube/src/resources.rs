//! The API resources the test server knows, and the discovery documents built from them
//! (`/api`, `/api/v1`, `/apis`, `/apis/GROUP/VERSION`), in the shapes kube-apiserver returns.

use serde_json::{json, Value};

/// One served resource type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: String,
    pub version: String,
    /// Plural, lower case: the URL segment (`deployments`).
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    /// Whether a `/status` subresource exists (main-resource writes keep the status then).
    pub has_status: bool,
    pub short_names: Vec<String>,
}

impl ResourceType {
    pub fn new(group: &str, version: &str, plural: &str, kind: &str, namespaced: bool, has_status: bool) -> ResourceType {
        ResourceType {
            group: group.to_string(),
            version: version.to_string(),
            plural: plural.to_string(),
            singular: kind.to_ascii_lowercase(),
            kind: kind.to_string(),
            namespaced,
            has_status,
            short_names: Vec::new(),
        }
    }

    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `secrets` or `deployments.apps`, as error messages name a resource.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// The resource types served from the start: the core group and the groups Helm charts use
/// most (apps, batch, autoscaling, networking, policy, RBAC, storage, apiextensions, ...).
pub fn builtin_resources() -> Vec<ResourceType> {
    let r = ResourceType::new;
    let mut resources = vec![
        r("", "v1", "namespaces", "Namespace", false, true),
        r("", "v1", "nodes", "Node", false, true),
        r("", "v1", "persistentvolumes", "PersistentVolume", false, true),
        r("", "v1", "configmaps", "ConfigMap", true, false),
        r("", "v1", "secrets", "Secret", true, false),
        r("", "v1", "services", "Service", true, true),
        r("", "v1", "serviceaccounts", "ServiceAccount", true, false),
        r("", "v1", "pods", "Pod", true, true),
        r("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, true),
        r("", "v1", "endpoints", "Endpoints", true, false),
        r("", "v1", "events", "Event", true, false),
        r("", "v1", "replicationcontrollers", "ReplicationController", true, true),
        r("", "v1", "resourcequotas", "ResourceQuota", true, true),
        r("", "v1", "limitranges", "LimitRange", true, false),
        r("apps", "v1", "deployments", "Deployment", true, true),
        r("apps", "v1", "statefulsets", "StatefulSet", true, true),
        r("apps", "v1", "daemonsets", "DaemonSet", true, true),
        r("apps", "v1", "replicasets", "ReplicaSet", true, true),
        r("batch", "v1", "jobs", "Job", true, true),
        r("batch", "v1", "cronjobs", "CronJob", true, true),
        r("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true),
        r("autoscaling", "v1", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true),
        r("networking.k8s.io", "v1", "ingresses", "Ingress", true, true),
        r("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false, false),
        r("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, false),
        r("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, true),
        r("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false),
        r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false),
        r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false),
        r("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false),
        r("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, false),
        r("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true),
        r("coordination.k8s.io", "v1", "leases", "Lease", true, false),
    ];
    for resource in &mut resources {
        let short: &[&str] = match resource.plural.as_str() {
            "namespaces" => &["ns"],
            "configmaps" => &["cm"],
            "services" => &["svc"],
            "serviceaccounts" => &["sa"],
            "pods" => &["po"],
            "deployments" => &["deploy"],
            "horizontalpodautoscalers" => &["hpa"],
            "ingresses" => &["ing"],
            "customresourcedefinitions" => &["crd", "crds"],
            _ => &[],
        };
        resource.short_names = short.iter().map(|s| s.to_string()).collect();
    }
    resources
}

const VERBS: [&str; 8] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/// `GET /version`.
pub fn version_document() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "gitVersion": "v1.33.0",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-04-23T00:00:00Z",
        "goVersion": "go1.24.2",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// `GET /api`.
pub fn core_versions_document() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]
    })
}

/// `GET /apis`: every non-core group, versions in the order registered (first preferred).
pub fn group_list_document(resources: &[ResourceType]) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for resource in resources.iter().filter(|r| !r.group.is_empty()) {
        match groups.iter_mut().find(|(name, _)| *name == resource.group) {
            Some((_, versions)) => {
                if !versions.contains(&resource.version) {
                    versions.push(resource.version.clone());
                }
            }
            None => groups.push((resource.group.clone(), vec![resource.version.clone()])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(name, versions)| {
            let entries: Vec<Value> = versions.iter().map(|v| json!({"groupVersion": format!("{name}/{v}"), "version": v})).collect();
            json!({"name": name, "versions": entries, "preferredVersion": entries[0].clone()})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /api/v1` or `GET /apis/GROUP/VERSION`; `None` when no resource has that group/version.
pub fn resource_list_document(resources: &[ResourceType], group: &str, version: &str) -> Option<Value> {
    let matching: Vec<&ResourceType> = resources.iter().filter(|r| r.group == group && r.version == version).collect();
    if matching.is_empty() {
        return None;
    }
    let mut entries = Vec::new();
    for resource in &matching {
        let mut entry = json!({
            "name": resource.plural,
            "singularName": resource.singular,
            "namespaced": resource.namespaced,
            "kind": resource.kind,
            "verbs": VERBS,
        });
        if !resource.short_names.is_empty() {
            entry["shortNames"] = json!(resource.short_names);
        }
        entries.push(entry);
        if resource.has_status {
            entries.push(json!({
                "name": format!("{}/status", resource.plural),
                "singularName": "",
                "namespaced": resource.namespaced,
                "kind": resource.kind,
                "verbs": ["get", "patch", "update"],
            }));
        }
    }
    let group_version = matching[0].api_version();
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}))
}
