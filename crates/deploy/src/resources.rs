//! Kubernetes objects of a release: parsing rendered manifests, and applying, reading and
//! deleting them through the API as Helm's kube client does (server-side apply with field
//! manager `helm`, Helm's ownership labels and annotations).

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::discovery::ApiResource;
use serde_json::{json, Value};

use crate::cluster::{describe_kube_error, Cluster, ClusterError};

/// The field manager Helm 4 applies with.
pub const FIELD_MANAGER: &str = "helm";
/// Helm's ownership metadata: set on every resource it installs, checked before adopting one.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";
/// `helm.sh/resource-policy: keep` keeps a resource on uninstall and upgrade.
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";

/// One object of a manifest, as JSON, with what identifies it.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    /// The namespace written in the manifest (may be empty).
    pub namespace: String,
    pub body: Value,
}

impl Object {
    /// `Kind/name` or `Kind/namespace/name`, for messages.
    pub fn describe(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} \"{}\"", self.kind, self.name)
        } else {
            format!("{} \"{}\" in namespace \"{}\"", self.kind, self.name, self.namespace)
        }
    }

    /// Whether two objects are the same Kubernetes object (Helm compares group, kind,
    /// namespace and name, not the version).
    pub fn same_object(&self, other: &Object) -> bool {
        api_group(&self.api_version) == api_group(&other.api_version) && self.kind == other.kind && self.name == other.name && self.namespace == other.namespace
    }

    fn annotation(&self, key: &str) -> Option<&str> {
        self.body.get("metadata")?.get("annotations")?.get(key)?.as_str()
    }

    /// `helm.sh/resource-policy: keep`.
    pub fn is_kept(&self) -> bool {
        self.annotation(RESOURCE_POLICY_ANNOTATION) == Some("keep")
    }
}

fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// Parses a YAML document (a rendered manifest) into an object, Go-faithfully (YAML 1.1
/// scalars, as Helm's `yaml.YAMLToJSON`).
pub fn parse_object(document: &str) -> Result<Object, String> {
    let value = godata::yaml::parse(document).map_err(|err| format!("error parsing manifest: {err}"))?;
    let json = godata::json::to_json(&value).map_err(|err| format!("error converting manifest to JSON: {err}"))?;
    let body: Value = serde_json::from_str(&json).map_err(|err| format!("error converting manifest to JSON: {err}"))?;
    let text = |pointer: &str| body.pointer(pointer).and_then(Value::as_str).unwrap_or("").to_string();
    let object = Object { api_version: text("/apiVersion"), kind: text("/kind"), name: text("/metadata/name"), namespace: text("/metadata/namespace"), body: body.clone() };
    if object.kind.is_empty() {
        return Err(format!("error validating data: kind not set in {:?}", first_line(document)));
    }
    if object.api_version.is_empty() {
        return Err(format!("error validating data: apiVersion not set for {}", object.kind));
    }
    Ok(object)
}

/// Splits a release manifest (`---\n# Source: ...\n<doc>` blocks) into objects.
pub fn parse_manifest(manifest: &str) -> Result<Vec<Object>, String> {
    let mut objects = Vec::new();
    for document in split_yaml_documents(manifest) {
        let meaningful = document.lines().any(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#'));
        if meaningful {
            objects.push(parse_object(document)?);
        }
    }
    Ok(objects)
}

/// Documents separated by lines that are exactly `---` (Helm's manifests use no other form).
pub fn split_yaml_documents(text: &str) -> Vec<&str> {
    let mut documents = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            documents.push(&text[start..offset]);
            start = offset + line.len();
        }
        offset += line.len();
    }
    documents.push(&text[start..]);
    documents
}

fn first_line(text: &str) -> &str {
    text.lines().find(|l| !l.trim().is_empty() && !l.starts_with('#')).unwrap_or("")
}

/// An object resolved against the server: its REST resource and its effective namespace.
pub struct Resolved {
    pub resource: ApiResource,
    /// The object's namespace (the release's when the manifest names none), `None` when the
    /// kind is cluster-scoped.
    pub namespace: Option<String>,
}

/// Why an API operation on a release's object failed.
#[derive(Debug)]
pub enum ResourceError {
    Cluster(ClusterError),
    /// The server has no such kind (`resource mapping not found ...`).
    UnknownKind { api_version: String, kind: String, name: String },
    /// The API refused or could not be reached: the message and the HTTP code, if any.
    Api { message: String, code: Option<u16> },
}

impl std::fmt::Display for ResourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResourceError::Cluster(err) => err.fmt(f),
            ResourceError::UnknownKind { api_version, kind, name } => write!(
                f,
                "resource mapping not found for name: \"{name}\" namespace: \"\" from \"\": no matches for kind \"{kind}\" in version \"{api_version}\"\nensure CRDs are installed first"
            ),
            ResourceError::Api { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for ResourceError {}

impl From<ClusterError> for ResourceError {
    fn from(err: ClusterError) -> Self {
        ResourceError::Cluster(err)
    }
}

fn api_error(err: kube::Error) -> ResourceError {
    let code = match &err {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    };
    ResourceError::Api { message: describe_kube_error(&err), code }
}

impl Cluster {
    /// Finds the REST resource of `object` and its namespace (`namespace` when unset).
    pub async fn resolve(&mut self, object: &Object, namespace: &str) -> Result<Resolved, ResourceError> {
        let (resource, namespaced) = self.resources().await?.resolve(&object.api_version, &object.kind).ok_or_else(|| ResourceError::UnknownKind {
            api_version: object.api_version.clone(),
            kind: object.kind.clone(),
            name: object.name.clone(),
        })?;
        let namespace = namespaced.then(|| if object.namespace.is_empty() { namespace.to_string() } else { object.namespace.clone() });
        Ok(Resolved { resource, namespace })
    }

    fn dynamic_api(&self, resolved: &Resolved) -> Api<DynamicObject> {
        match &resolved.namespace {
            Some(namespace) => Api::namespaced_with(self.client.clone(), namespace, &resolved.resource),
            None => Api::all_with(self.client.clone(), &resolved.resource),
        }
    }

    /// The live object, or `None` if it does not exist.
    pub async fn get_object(&mut self, object: &Object, namespace: &str) -> Result<Option<Value>, ResourceError> {
        let resolved = self.resolve(object, namespace).await?;
        match self.dynamic_api(&resolved).get_opt(&object.name).await {
            Ok(Some(live)) => Ok(Some(serde_json::to_value(live).map_err(|err| ResourceError::Api { message: err.to_string(), code: None })?)),
            Ok(None) => Ok(None),
            Err(err) => Err(api_error(err)),
        }
    }

    /// Server-side apply of `object` (field manager `helm`); `force` takes over fields other
    /// managers own.
    pub async fn apply_object(&mut self, object: &Object, namespace: &str, force: bool, dry_run: bool) -> Result<Value, ResourceError> {
        let resolved = self.resolve(object, namespace).await?;
        let mut body = object.body.clone();
        if let Some(ns) = &resolved.namespace {
            body["metadata"]["namespace"] = Value::String(ns.clone());
        }
        let mut params = PatchParams::apply(FIELD_MANAGER);
        params.force = force;
        params.dry_run = dry_run;
        let applied = self.dynamic_api(&resolved).patch(&object.name, &params, &Patch::Apply(&body)).await.map_err(api_error)?;
        serde_json::to_value(applied).map_err(|err| ResourceError::Api { message: err.to_string(), code: None })
    }

    /// Deletes `object` (background propagation, as Helm); `Ok(false)` if it was already gone.
    pub async fn delete_object(&mut self, object: &Object, namespace: &str) -> Result<bool, ResourceError> {
        let resolved = self.resolve(object, namespace).await?;
        let params = DeleteParams { propagation_policy: Some(kube::api::PropagationPolicy::Background), ..DeleteParams::default() };
        match self.dynamic_api(&resolved).delete(&object.name, &params).await {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
            Err(err) => Err(api_error(err)),
        }
    }

    /// `--create-namespace`: creates the namespace (labelled `name: NS` as Helm does);
    /// one that exists already is fine.
    pub async fn ensure_namespace(&self, name: &str) -> Result<(), ResourceError> {
        let api: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(self.client.clone());
        let namespace = serde_json::from_value(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"name": name}}}))
            .map_err(|err| ResourceError::Api { message: err.to_string(), code: None })?;
        match api.create(&PostParams::default(), &namespace).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
            Err(err) => Err(api_error(err)),
        }
    }
}

/// Adds Helm's ownership metadata to an object (`app.kubernetes.io/managed-by: Helm`,
/// `meta.helm.sh/release-name`, `meta.helm.sh/release-namespace`).
pub fn set_ownership(object: &mut Object, release_name: &str, release_namespace: &str) {
    let Some(body) = object.body.as_object_mut() else { return };
    let metadata = body.entry("metadata").or_insert_with(|| json!({}));
    let Some(metadata) = metadata.as_object_mut() else { return };
    let labels = metadata.entry("labels").or_insert_with(|| json!({}));
    if !labels.is_object() {
        *labels = json!({});
    }
    labels[MANAGED_BY_LABEL] = json!("Helm");
    let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
    if !annotations.is_object() {
        *annotations = json!({});
    }
    annotations[RELEASE_NAME_ANNOTATION] = json!(release_name);
    annotations[RELEASE_NAMESPACE_ANNOTATION] = json!(release_namespace);
}

/// Helm's `checkOwnership`: why a live object may not be adopted by this release, if so.
pub fn ownership_problem(live: &Value, release_name: &str, release_namespace: &str) -> Option<String> {
    let metadata = &live["metadata"];
    let mut problems = Vec::new();
    let label = metadata["labels"][MANAGED_BY_LABEL].as_str();
    if label != Some("Helm") {
        problems.push(match label {
            None => format!("missing key \"{MANAGED_BY_LABEL}\": must be set to \"Helm\""),
            Some(other) => format!("key \"{MANAGED_BY_LABEL}\" must equal \"Helm\": current value is \"{other}\""),
        });
    }
    for (key, want) in [(RELEASE_NAME_ANNOTATION, release_name), (RELEASE_NAMESPACE_ANNOTATION, release_namespace)] {
        match metadata["annotations"][key].as_str() {
            None => problems.push(format!("missing key \"{key}\": must be set to \"{want}\"")),
            Some(have) if have != want => problems.push(format!("key \"{key}\" must equal \"{want}\": current value is \"{have}\"")),
            Some(_) => {}
        }
    }
    (!problems.is_empty()).then(|| format!("invalid ownership metadata; {}", problems.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_objects_and_manifests() {
        let manifest = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n---\n# Source: c/templates/b.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: other\n";
        let objects = parse_manifest(manifest).unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!((objects[0].kind.as_str(), objects[0].name.as_str()), ("Service", "s"));
        assert_eq!(objects[0].body["spec"]["ports"][0]["port"], json!(80));
        assert_eq!(objects[1].namespace, "other");
        assert!(parse_object("metadata:\n  name: x\n").unwrap_err().contains("kind not set"));
    }

    #[test]
    fn ownership() {
        let mut object = parse_object("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n").unwrap();
        set_ownership(&mut object, "rel", "ns");
        assert!(ownership_problem(&object.body, "rel", "ns").is_none());
        let problem = ownership_problem(&object.body, "other", "ns").unwrap();
        assert!(problem.contains("key \"meta.helm.sh/release-name\" must equal \"other\": current value is \"rel\""), "{problem}");
        assert!(ownership_problem(&json!({"metadata": {}}), "r", "n").unwrap().starts_with("invalid ownership metadata; missing key"));
    }
}
