//! From rendered template files to Helm's release manifest: split each file into YAML
//! documents, read each document's head (kind, name, annotations), separate hooks from plain
//! resources, and order everything as Helm installs it.
//!
//! This mirrors what Helm's `releaseutil.SortManifests` does after rendering, so the
//! `helm template` output and the order of a real install both come from here.

use std::collections::BTreeMap;

use gotmpl::Value;

/// Kinds in the order Helm installs them (Helm's `InstallOrder`). Kinds not listed come after
/// all of these, sorted by name.
pub const INSTALL_ORDER: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Kinds in the order Helm deletes them (the install order reversed).
pub fn uninstall_order() -> Vec<&'static str> {
    INSTALL_ORDER.iter().rev().copied().collect()
}

/// The annotation that makes a resource a hook.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
/// The annotation ordering hooks of one event.
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
/// The annotation saying when a hook resource is deleted.
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";

/// The lifecycle events a hook can run at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HookEvent {
    PreInstall,
    PostInstall,
    PreDelete,
    PostDelete,
    PreUpgrade,
    PostUpgrade,
    PreRollback,
    PostRollback,
    Test,
}

impl HookEvent {
    /// Parses a `helm.sh/hook` entry (already trimmed and lower-cased).
    /// `test-success` is the old name of `test`.
    pub fn parse(s: &str) -> Option<HookEvent> {
        Some(match s {
            "pre-install" => HookEvent::PreInstall,
            "post-install" => HookEvent::PostInstall,
            "pre-delete" => HookEvent::PreDelete,
            "post-delete" => HookEvent::PostDelete,
            "pre-upgrade" => HookEvent::PreUpgrade,
            "post-upgrade" => HookEvent::PostUpgrade,
            "pre-rollback" => HookEvent::PreRollback,
            "post-rollback" => HookEvent::PostRollback,
            "test" | "test-success" => HookEvent::Test,
            _ => return None,
        })
    }

    /// The name Helm stores in release records.
    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::PreInstall => "pre-install",
            HookEvent::PostInstall => "post-install",
            HookEvent::PreDelete => "pre-delete",
            HookEvent::PostDelete => "post-delete",
            HookEvent::PreUpgrade => "pre-upgrade",
            HookEvent::PostUpgrade => "post-upgrade",
            HookEvent::PreRollback => "pre-rollback",
            HookEvent::PostRollback => "post-rollback",
            HookEvent::Test => "test",
        }
    }
}

/// The part of a Kubernetes object Helm reads before installing it (Helm's `SimpleHead`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Head {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    /// `None` when the object has no `metadata.annotations` at all.
    pub annotations: Option<BTreeMap<String, String>>,
}

/// One plain resource of the release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The template file it came from, e.g. `mychart/templates/service.yaml`.
    pub source: String,
    /// The YAML document, trimmed.
    pub content: String,
    pub head: Head,
}

/// A hook resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hook {
    pub name: String,
    pub kind: String,
    /// The template file it came from.
    pub source: String,
    /// The YAML document, trimmed.
    pub manifest: String,
    pub events: Vec<HookEvent>,
    pub weight: i64,
    pub delete_policies: Vec<String>,
}

impl Hook {
    pub fn is_test(&self) -> bool {
        self.events.contains(&HookEvent::Test)
    }
}

/// A rendered document that is not a valid Kubernetes object head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestError {
    /// The template file the document came from.
    pub source: String,
    /// Helm's message, e.g. `YAML parse error on c/templates/x.yaml: error converting YAML
    /// to JSON: yaml: line 3: ...`.
    pub message: String,
    /// The 1-based line in the rendered document, when the YAML error names one.
    pub line: Option<usize>,
    /// The document's text, so callers can point into it (source maps).
    pub document: String,
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ManifestError {}

/// Splits a rendered file into its YAML documents as Helm does (`releaseutil.SplitManifests`):
/// at every `---` that starts the text or a line, each document trimmed, empty ones dropped.
pub fn split_documents(file: &str) -> Vec<&str> {
    let text = file.trim();
    let bytes = text.as_bytes();
    let mut docs = Vec::new();
    let mut start = 0;
    let mut i = 0;
    // A vectorised search: rendered CRDs are megabytes with hardly a separator.
    let separator = memchr::memmem::Finder::new(b"---");
    while let Some(off) = separator.find(&bytes[i..]) {
        let at = i + off;
        if at == 0 || bytes[at - 1] == b'\n' {
            docs.push(&text[start..at]);
            start = at + 3;
        }
        i = at + 3;
    }
    docs.push(&text[start..]);
    docs.into_iter().map(str::trim).filter(|d| !d.is_empty()).collect()
}

/// Reads the head of one document. Helm unmarshals the document into its `SimpleHead`
/// struct through sigs.k8s.io/yaml; the messages below are the ones that produces.
pub fn parse_head(document: &str) -> Result<Head, (String, Option<usize>)> {
    let value = godata::yaml::parse(document).map_err(|e| (e.to_string(), e.line))?;
    let map = match &value {
        Value::Nil => return Ok(Head::default()),
        Value::Map(m) => m.clone(),
        other => {
            return Err((
                format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type util.SimpleHead",
                    godata::json::json_kind(other)
                ),
                None,
            ))
        }
    };
    let string_field = |v: Option<Value>, field: &str| -> Result<String, (String, Option<usize>)> {
        match v {
            None | Some(Value::Nil) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.to_string()),
            Some(other) => Err((
                format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {} of type string",
                    godata::json::json_kind(&other),
                    field
                ),
                None,
            )),
        }
    };
    let mut head = Head {
        api_version: string_field(map.get("apiVersion"), "SimpleHead.apiVersion")?,
        kind: string_field(map.get("kind"), "SimpleHead.kind")?,
        ..Head::default()
    };
    match map.get("metadata") {
        None | Some(Value::Nil) => {}
        Some(Value::Map(meta)) => {
            head.name = string_field(meta.get("name"), "SimpleHead.metadata.name")?;
            // Not part of Helm's SimpleHead: read when it is a string, never an error.
            if let Some(Value::String(ns)) = meta.get("namespace") {
                head.namespace = ns.to_string();
            }
            match meta.get("annotations") {
                None | Some(Value::Nil) => {}
                Some(Value::Map(ann)) => {
                    let mut out = BTreeMap::new();
                    for (k, v) in ann.entries() {
                        let v = string_field(Some(v), "SimpleHead.metadata.annotations")?;
                        out.insert(k.to_string(), v);
                    }
                    head.annotations = Some(out);
                }
                Some(other) => {
                    return Err((
                        format!(
                            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field SimpleHead.metadata.annotations of type map[string]string",
                            godata::json::json_kind(&other)
                        ),
                        None,
                    ))
                }
            }
        }
        Some(other) => {
            return Err((
                format!(
                    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field SimpleHead.metadata of type struct {{ Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }}",
                    godata::json::json_kind(&other)
                ),
                None,
            ))
        }
    }
    Ok(head)
}

/// The result of sorting rendered files.
#[derive(Clone, Debug, Default)]
pub struct Sorted {
    /// Plain resources in install order.
    pub manifests: Vec<Manifest>,
    /// Hooks, ordered by kind as Helm lists them in a release.
    pub hooks: Vec<Hook>,
    /// Hooks with an unknown event, skipped (Helm logs `info: skipping unknown hook`).
    pub skipped_hooks: Vec<String>,
}

/// Helm's `SortManifests`: files in path order, documents in file order, then a stable sort
/// by kind. `files` are (template path, rendered text); partials (`_*`) and blank files are
/// skipped.
pub fn sort_manifests<'a, I>(files: I) -> Result<Sorted, ManifestError>
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut files: Vec<(&str, &str)> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.cmp(b.0));
    let mut documents: Vec<(&str, &str)> = Vec::new();
    for (path, text) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || text.trim().is_empty() {
            continue;
        }
        documents.extend(split_documents(text).into_iter().map(|doc| (path, doc)));
    }
    // Reading heads is most of the work and each document is independent; the results are
    // used in document order, so the first failing document still is the one reported.
    let heads = parse_heads(&documents);
    let mut out = Sorted::default();
    for ((path, doc), head) in documents.into_iter().zip(heads) {
        let head = head.map_err(|(msg, line)| ManifestError {
            source: path.to_string(),
            message: format!("YAML parse error on {path}: {msg}"),
            line,
            document: doc.to_string(),
        })?;
        let hook_types = head.annotations.as_ref().and_then(|a| a.get(HOOK_ANNOTATION)).cloned();
        let Some(hook_types) = hook_types else {
            out.manifests.push(Manifest { source: path.to_string(), content: doc.to_string(), head });
            continue;
        };
        let mut events = Vec::new();
        let mut unknown = false;
        for t in hook_types.split(',') {
            match HookEvent::parse(&t.trim().to_lowercase()) {
                Some(e) => events.push(e),
                None => {
                    unknown = true;
                    break;
                }
            }
        }
        if unknown {
            out.skipped_hooks.push(hook_types);
            continue;
        }
        let annotations = head.annotations.clone().unwrap_or_default();
        let weight = annotations
            .get(HOOK_WEIGHT_ANNOTATION)
            .and_then(|w| parse_go_int(w))
            .unwrap_or(0);
        let delete_policies = annotations
            .get(HOOK_DELETE_ANNOTATION)
            .map(|p| {
                p.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        out.hooks.push(Hook {
            name: head.name.clone(),
            kind: head.kind.clone(),
            source: path.to_string(),
            manifest: doc.to_string(),
            events,
            weight,
            delete_policies,
        });
    }
    out.manifests.sort_by(|a, b| kind_order(&a.head.kind, &b.head.kind));
    out.hooks.sort_by(|a, b| kind_order(&a.kind, &b.kind));
    Ok(out)
}

type HeadResult = Result<Head, (String, Option<usize>)>;

/// [`parse_head`] of every document, in order; natively on several threads when there is
/// enough YAML to pay for them.
fn parse_heads(documents: &[(&str, &str)]) -> Vec<HeadResult> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        // Below this much YAML a thread costs more than it saves.
        const MIN_PARALLEL_BYTES: usize = 32 * 1024;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let total: usize = documents.iter().map(|(_, doc)| doc.len()).sum();
        if threads > 1 && documents.len() > 1 && total >= MIN_PARALLEL_BYTES {
            return parse_heads_on_threads(documents, threads);
        }
    }
    documents.iter().map(|(_, doc)| parse_head(doc)).collect()
}

/// Documents differ a lot in size (a CRD can be most of a chart's output), so the workers
/// take the next document from a shared counter rather than a fixed share each.
#[cfg(not(target_arch = "wasm32"))]
fn parse_heads_on_threads(documents: &[(&str, &str)], threads: usize) -> Vec<HeadResult> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((_, doc)) = documents.get(i) else { return done };
            done.push((i, parse_head(doc)));
        }
    };
    let mut slots: Vec<Option<HeadResult>> = (0..documents.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut finished = vec![work()];
        for helper in helpers {
            match helper.join() {
                Ok(results) => finished.push(results),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, head) in finished.into_iter().flatten() {
            slots[i] = Some(head);
        }
    });
    // Every index below the length was taken by exactly one worker, so each slot is filled.
    slots.into_iter().zip(documents).map(|(head, (_, doc))| head.unwrap_or_else(|| parse_head(doc))).collect()
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, nothing else.
fn parse_go_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Compares two kinds by Helm's install order; unknown kinds after known ones, by name.
pub fn kind_order(a: &str, b: &str) -> std::cmp::Ordering {
    let pos = |k: &str| INSTALL_ORDER.iter().position(|x| *x == k);
    match (pos(a), pos(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_line_starting_separators_only() {
        let docs = split_documents("a: 1\n---\nb: 2\n--- \n\n---\nc: ---\n---d: 4");
        assert_eq!(docs, vec!["a: 1", "b: 2", "c: ---", "d: 4"]);
        assert!(split_documents("  \n").is_empty());
        assert_eq!(split_documents("---\na: 1\n"), vec!["a: 1"]);
    }

    #[test]
    fn unknown_kinds_sort_after_known_by_name() {
        let mut kinds = vec!["Zeta", "Service", "Alpha", "Namespace"];
        kinds.sort_by(|a, b| kind_order(a, b));
        assert_eq!(kinds, vec!["Namespace", "Service", "Alpha", "Zeta"]);
    }

    #[test]
    fn go_atoi() {
        assert_eq!(parse_go_int("-5"), Some(-5));
        assert_eq!(parse_go_int("+7"), Some(7));
        assert_eq!(parse_go_int(" 7"), None);
        assert_eq!(parse_go_int("1.0"), None);
    }
}
