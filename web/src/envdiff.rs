//! How two environments' manifests differ, resource by resource: which resources only one
//! of them has, and a unified diff for each resource both have but render differently.

use chart::api::RenderedDocument;
use similar::TextDiff;

/// Identifies a resource across two renders: its kind and name, plus how many earlier
/// documents had the same pair (Helm allows duplicates; they pair up in output order).
/// Documents with neither kind nor name are identified by their template instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceKey {
    pub label: String,
    pub occurrence: usize,
}

impl ResourceKey {
    pub fn display(&self) -> String {
        if self.occurrence == 0 {
            self.label.clone()
        } else {
            format!("{} (#{})", self.label, self.occurrence + 1)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResourceChange {
    /// Only the target environment has it; the text is its manifest.
    Added { key: ResourceKey, source: String, text: String },
    /// Only the base environment has it.
    Removed { key: ResourceKey, source: String, text: String },
    /// Both have it, rendered differently: a unified diff from base to target.
    Changed { key: ResourceKey, source: String, diff: String },
    Unchanged { key: ResourceKey },
}

impl ResourceChange {
    pub fn key(&self) -> &ResourceKey {
        match self {
            ResourceChange::Added { key, .. }
            | ResourceChange::Removed { key, .. }
            | ResourceChange::Changed { key, .. }
            | ResourceChange::Unchanged { key } => key,
        }
    }
}

fn keyed(documents: &[RenderedDocument]) -> Vec<(ResourceKey, &RenderedDocument)> {
    let mut keyed: Vec<(ResourceKey, &RenderedDocument)> = Vec::with_capacity(documents.len());
    for doc in documents {
        let label = if doc.kind.is_empty() && doc.name.is_empty() {
            format!("(document in {})", doc.source)
        } else {
            format!("{}/{}", doc.kind, doc.name)
        };
        let occurrence = keyed.iter().filter(|(k, _)| k.label == label).count();
        keyed.push((ResourceKey { label, occurrence }, doc));
    }
    keyed
}

/// The text a resource is compared by: its manifest under its `# Source:` line, so a
/// resource that moved to another template shows as changed.
fn manifest_text(doc: &RenderedDocument) -> String {
    let mut text = format!("# Source: {}\n{}", doc.source, doc.content);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Compares two renders: removed resources first, then added, then changed, then
/// unchanged, each group in output order.
pub fn diff_environments(
    base: &[RenderedDocument],
    target: &[RenderedDocument],
    base_name: &str,
    target_name: &str,
) -> Vec<ResourceChange> {
    let base = keyed(base);
    let target = keyed(target);
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    let mut unchanged = Vec::new();
    for (key, doc) in &base {
        match target.iter().find(|(k, _)| k == key) {
            None => removed.push(ResourceChange::Removed {
                key: key.clone(),
                source: doc.source.clone(),
                text: manifest_text(doc),
            }),
            Some((_, other)) => {
                let (before, after) = (manifest_text(doc), manifest_text(other));
                if before == after {
                    unchanged.push(ResourceChange::Unchanged { key: key.clone() });
                } else {
                    let diff = TextDiff::from_lines(&before, &after)
                        .unified_diff()
                        .context_radius(3)
                        .header(base_name, target_name)
                        .to_string();
                    changed.push(ResourceChange::Changed { key: key.clone(), source: other.source.clone(), diff });
                }
            }
        }
    }
    let added = target.iter().filter(|(key, _)| !base.iter().any(|(k, _)| k == key)).map(|(key, doc)| {
        ResourceChange::Added { key: key.clone(), source: doc.source.clone(), text: manifest_text(doc) }
    });
    let mut all = removed;
    all.extend(added);
    all.extend(changed);
    all.extend(unchanged);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(kind: &str, name: &str, content: &str) -> RenderedDocument {
        RenderedDocument {
            source: "c/templates/x.yaml".into(),
            kind: kind.into(),
            name: name.into(),
            content: content.into(),
            is_hook: false,
            is_crd: false,
        }
    }

    #[test]
    fn resources_are_classified() {
        let base = [doc("Deployment", "db", "a: 1\n"), doc("Service", "web", "port: 80\n"), doc("Service", "same", "x\n")];
        let target = [doc("Service", "same", "x\n"), doc("Service", "web", "port: 8080\n"), doc("Ingress", "in", "y\n")];
        let changes = diff_environments(&base, &target, "dev", "prod");
        let labels: Vec<_> = changes.iter().map(|c| c.key().display()).collect();
        assert_eq!(labels, ["Deployment/db", "Ingress/in", "Service/web", "Service/same"]);
        assert!(matches!(changes[0], ResourceChange::Removed { .. }));
        assert!(matches!(changes[1], ResourceChange::Added { .. }));
        let ResourceChange::Changed { diff, .. } = &changes[2] else { panic!("not changed: {:?}", changes[2]) };
        assert!(diff.starts_with("--- dev\n+++ prod\n"), "{diff}");
        assert!(diff.contains("-port: 80\n+port: 8080\n"), "{diff}");
        assert!(matches!(changes[3], ResourceChange::Unchanged { .. }));
    }

    #[test]
    fn duplicates_pair_in_order() {
        let base = [doc("ConfigMap", "c", "1\n"), doc("ConfigMap", "c", "2\n")];
        let target = [doc("ConfigMap", "c", "1\n")];
        let changes = diff_environments(&base, &target, "a", "b");
        assert_eq!(changes[0].key().display(), "ConfigMap/c (#2)");
        assert!(matches!(changes[0], ResourceChange::Removed { .. }));
    }
}
