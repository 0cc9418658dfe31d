//! What a rendered chart contributes to a release record: the chart as Helm stores it, the
//! user-supplied values, the manifest, the hooks, the notes, and the CRDs to install first.

use serde_json::{Map, Value as Json};

use crate::release::{self, Hook};
use crate::GoTime;

/// A rendered chart, ready to be installed as a release.
#[derive(Clone, Debug, Default)]
pub struct ReleaseContent {
    pub chart: release::Chart,
    /// The user-supplied values (`config`).
    pub config: Map<String, Json>,
    pub manifest: String,
    pub hooks: Vec<Hook>,
    pub notes: String,
    /// CRD files from `crds/` (full path, text), installed before anything else.
    pub crds: Vec<(String, String)>,
}

impl ReleaseContent {
    /// Takes the release parts of a render (see `chart::api::RenderResult::release`).
    pub fn from_render(result: &chart::api::RenderResult) -> Result<ReleaseContent, String> {
        let parts = &result.release;
        let loaded = parts.chart.as_deref().ok_or("the render result carries no chart")?;
        let config = match &parts.user_values {
            Some(values) => values_to_json(values)?,
            None => Map::new(),
        };
        let hooks = parts
            .hooks
            .iter()
            .map(|hook| Hook {
                name: hook.name.clone(),
                kind: hook.kind.clone(),
                path: hook.source.clone(),
                manifest: hook.manifest.clone(),
                events: hook.events.iter().map(|event| event.as_str().to_string()).collect(),
                weight: hook.weight,
                delete_policies: hook.delete_policies.clone(),
                ..Hook::default()
            })
            .collect();
        let crds = loaded.crd_objects().into_iter().map(|crd| (crd.filename, crd.file.text())).collect();
        Ok(ReleaseContent { chart: record_chart(loaded)?, config, manifest: parts.manifest.clone(), hooks, notes: result.notes.clone(), crds })
    }
}

/// Go values (a values map) as JSON.
pub fn values_to_json(values: &gotmpl::MapRef) -> Result<Map<String, Json>, String> {
    let text = godata::json::to_json(&gotmpl::Value::Map(values.clone())).map_err(|err| err.to_string())?;
    match serde_json::from_str(&text).map_err(|err| err.to_string())? {
        Json::Object(map) => Ok(map),
        _ => Ok(Map::new()),
    }
}

fn files(files: &[chart::File]) -> Vec<release::File> {
    files.iter().map(|file| release::File { name: file.name.clone(), data: file.data.to_vec(), ..release::File::default() }).collect()
}

fn dependency(dep: &chart::Dependency) -> Result<release::Dependency, String> {
    // `import-values` is not carried over: the record only needs it for re-rendering, which
    // always starts again from the chart on disk.
    let mut record = release::Dependency { name: dep.name.clone(), version: dep.version.clone(), repository: dep.repository.clone(), ..release::Dependency::default() };
    record.condition = dep.condition.clone();
    record.tags = dep.tags.clone();
    record.enabled = dep.enabled;
    record.alias = dep.alias.clone();
    Ok(record)
}

/// The chart as the release record keeps it (`pkg/chart/v2.Chart` JSON).
pub fn record_chart(loaded: &chart::Chart) -> Result<release::Chart, String> {
    let meta = &loaded.metadata;
    let metadata = release::Metadata {
        name: meta.name.clone(),
        home: meta.home.clone(),
        sources: meta.sources.clone(),
        version: meta.version.clone(),
        description: meta.description.clone(),
        keywords: meta.keywords.clone(),
        maintainers: meta
            .maintainers
            .iter()
            .flatten()
            .map(|m| release::Maintainer { name: m.name.clone(), email: m.email.clone(), url: m.url.clone(), ..release::Maintainer::default() })
            .collect(),
        icon: meta.icon.clone(),
        api_version: meta.api_version.clone(),
        condition: meta.condition.clone(),
        tags: meta.tags.clone(),
        app_version: meta.app_version.clone(),
        deprecated: meta.deprecated,
        annotations: meta.annotations.clone().unwrap_or_default().into_iter().collect(),
        kube_version: meta.kube_version.clone(),
        dependencies: meta.deps().map(dependency).collect::<Result<_, _>>()?,
        chart_type: meta.chart_type.clone(),
        ..release::Metadata::default()
    };
    let lock = match &loaded.lock {
        Some(lock) => Some(release::Lock {
            generated: GoTime::parse_rfc3339(&lock.generated).unwrap_or_default(),
            digest: lock.digest.clone(),
            dependencies: Some(lock.dependencies.iter().flatten().map(dependency).collect::<Result<_, _>>()?),
            ..release::Lock::default()
        }),
        None => None,
    };
    Ok(release::Chart {
        metadata: Some(metadata),
        lock,
        templates: Some(files(&loaded.templates)),
        values: Some(values_to_json(&loaded.values)?),
        schema: loaded.schema.as_ref().map(|bytes| bytes.to_vec()),
        files: Some(files(&loaded.files)),
        ..release::Chart::default()
    })
}

/// Helm's `CoalesceValues(chart, config)` for a stored release: the user's values over the
/// chart's defaults, maps merged deeply, a user `null` deleting the default.
pub fn coalesce(defaults: &Map<String, Json>, user: &Map<String, Json>) -> Map<String, Json> {
    let mut merged = defaults.clone();
    for (key, value) in user {
        match (merged.get_mut(key), value) {
            (_, Json::Null) => {
                merged.remove(key);
            }
            (Some(Json::Object(base)), Json::Object(over)) => {
                *base = coalesce(base, over);
            }
            _ => {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn coalesce_merges_deeply_and_null_deletes() {
        let defaults = json!({"a": {"b": 1, "c": 2}, "d": 3, "e": 4});
        let user = json!({"a": {"b": 9}, "d": null, "f": 5});
        let merged = coalesce(defaults.as_object().unwrap(), user.as_object().unwrap());
        assert_eq!(Json::Object(merged), json!({"a": {"b": 9, "c": 2}, "e": 4, "f": 5}));
    }
}
