//! Helm charts as OCI artifacts, as Helm v4 stores them: a config blob holding
//! `Chart.yaml` as JSON, one layer holding the `.tgz`, and a manifest with Helm's
//! `org.opencontainers.image.*` annotations. Push and pull with every check done before
//! anything is written.

use chart::model::{Dependency, Metadata};
use chart::Chart;

use crate::client::{Client, ConnectOptions};
use crate::reference::{tag_for_version, Reference};
use crate::{Error, ErrorKind, Result};

pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
pub const PROVENANCE_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.provenance.v1.prov";
/// What Helm's older clients pushed as the chart layer; still accepted on pull.
pub const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// What a push or pull did: the reference printed after `Pushed:`/`Pulled:` and the
/// manifest digest printed after `Digest:`.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub reference: String,
    pub digest: String,
    pub chart_name: String,
    pub chart_version: String,
}

/// Pushes a chart archive to `oci://HOST/PATH` (the chart name and version make the
/// repository and tag). `created_unix` is the archive's modification time, which Helm
/// records as `org.opencontainers.image.created`.
pub fn push(archive: &[u8], destination: &str, created_unix: i64, options: &ConnectOptions) -> Result<Outcome> {
    push_with_provenance(archive, None, destination, created_unix, options)
}

/// [`push`] with the chart's `.prov` file as a second layer (Helm pushes it when
/// `NAME-VERSION.tgz.prov` lies beside the archive).
pub fn push_with_provenance(
    archive: &[u8],
    provenance: Option<&[u8]>,
    destination: &str,
    created_unix: i64,
    options: &ConnectOptions,
) -> Result<Outcome> {
    let base = Reference::parse(destination)?;
    if base.tag.is_some() || base.digest.is_some() {
        return Err(Error::new(
            ErrorKind::BadReference,
            format!("invalid reference \"{destination}\": the push destination must not carry a tag or digest (the chart version is the tag)"),
        ));
    }
    let mut warnings = Vec::new();
    let loaded = chart::load_archive(archive, &mut warnings).map_err(|e| Error::new(ErrorKind::Invalid, e.message))?;
    let repo = base.child(loaded.name())?;
    let tag = tag_for_version(&loaded.metadata.version);

    let config = config_json(&loaded.metadata);
    let manifest = manifest_with_provenance(&loaded, &config, archive, provenance, created_unix);
    let mut client = Client::connect(&repo.registry, options)?;
    client.push_blob(&repo, config.as_bytes())?;
    client.push_blob(&repo, archive)?;
    if let Some(prov) = provenance {
        client.push_blob(&repo, prov)?;
    }
    let digest = client.push_manifest(&repo, &tag, OCI_MANIFEST_MEDIA_TYPE, manifest.as_bytes())?;
    Ok(Outcome {
        reference: repo.display_with_tag(&tag),
        digest,
        chart_name: loaded.name().to_string(),
        chart_version: loaded.metadata.version.clone(),
    })
}

/// A pulled chart: the archive (verified against its digest and loadable as a chart).
pub struct Pulled {
    pub outcome: Outcome,
    pub archive: Vec<u8>,
    pub chart: Chart,
    /// The `.prov` layer, when the chart was pushed with one (digest-checked).
    pub provenance: Option<Vec<u8>>,
}

/// Pulls `oci://HOST/PATH/NAME[:TAG]`; `version` (Helm's `--version`) names the tag when
/// the reference has none. Without either, the highest semver tag is taken.
pub fn pull(source: &str, version: Option<&str>, options: &ConnectOptions) -> Result<Pulled> {
    let reference = Reference::parse(source)?;
    let mut client = Client::connect(&reference.registry, options)?;
    let tag = match (&reference.tag, version.filter(|v| !v.is_empty())) {
        (Some(t), Some(v)) if *t != tag_for_version(v) => {
            return Err(Error::new(
                ErrorKind::BadReference,
                format!("chart reference and version mismatch: {v} is not {t}"),
            ))
        }
        (Some(t), _) => t.clone(),
        (None, Some(v)) if is_strict_version(v) => tag_for_version(v),
        // Anything else is a constraint (`^0.1`, `>=1.0.0 <2`, `0.1`), as Helm's
        // registry client resolves it against the repository's tags.
        (None, Some(v)) => resolve_tag(&mut client, &reference, v)?,
        (None, None) if reference.digest.is_some() => String::new(),
        (None, None) => latest_tag(&mut client, &reference)?,
    };
    let wanted = reference.digest.clone().unwrap_or_else(|| tag.clone());
    // Docker's manifest type is accepted too, so that an image under a chart's name is
    // reported as "not a Helm chart" rather than as the registry's conversion error.
    let accept = format!("{OCI_MANIFEST_MEDIA_TYPE}, application/vnd.docker.distribution.manifest.v2+json;q=0.5, application/vnd.oci.image.index.v1+json;q=0.5");
    let (manifest_bytes, content_type) = client.get_manifest(&reference, &wanted, &accept)?;
    let digest = crate::sha256_digest(&manifest_bytes);
    if let Some(ct) = content_type.as_deref() {
        let ct = ct.split(';').next().unwrap_or("").trim();
        if ct != OCI_MANIFEST_MEDIA_TYPE && ct != "application/json" && !ct.is_empty() {
            return Err(not_a_chart(source, &format!("manifest media type {ct}")));
        }
    }
    let manifest: serde_json::Value = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| Error::new(ErrorKind::Invalid, format!("{source}: malformed manifest: {e}")))?;
    let config = &manifest["config"];
    let config_type = config["mediaType"].as_str().unwrap_or("");
    if config_type != CONFIG_MEDIA_TYPE {
        return Err(not_a_chart(source, &format!("config media type \"{config_type}\"")));
    }
    let layers = manifest["layers"].as_array().cloned().unwrap_or_default();
    let chart_layers: Vec<&serde_json::Value> = layers
        .iter()
        .filter(|l| matches!(l["mediaType"].as_str(), Some(CHART_LAYER_MEDIA_TYPE | LEGACY_CHART_LAYER_MEDIA_TYPE)))
        .collect();
    let [layer] = chart_layers.as_slice() else {
        return Err(not_a_chart(source, &format!("manifest has {} chart layers, expected 1", chart_layers.len())));
    };
    let layer_digest = layer["digest"].as_str().filter(|d| crate::reference::valid_digest(d));
    let (Some(layer_digest), Some(size)) = (layer_digest, layer["size"].as_u64()) else {
        return Err(Error::new(ErrorKind::Invalid, format!("{source}: malformed chart layer descriptor")));
    };
    let archive = client.get_blob(&reference, layer_digest, size)?;
    let provenance = match layers.iter().find(|l| l["mediaType"].as_str() == Some(PROVENANCE_LAYER_MEDIA_TYPE)) {
        None => None,
        Some(layer) => {
            let digest = layer["digest"].as_str().filter(|d| crate::reference::valid_digest(d));
            let (Some(digest), Some(size)) = (digest, layer["size"].as_u64()) else {
                return Err(Error::new(ErrorKind::Invalid, format!("{source}: malformed provenance layer descriptor")));
            };
            Some(client.get_blob(&reference, digest, size)?)
        }
    };
    let mut warnings = Vec::new();
    let chart = chart::load_archive(&archive, &mut warnings)
        .map_err(|e| Error::new(ErrorKind::Invalid, format!("{source}: the pulled chart is unusable: {}", e.message)))?;
    let shown_tag = if tag.is_empty() { chart.metadata.version.clone() } else { tag };
    Ok(Pulled {
        outcome: Outcome {
            reference: reference.display_with_tag(&shown_tag),
            digest,
            chart_name: chart.name().to_string(),
            chart_version: chart.metadata.version.clone(),
        },
        archive,
        chart,
        provenance,
    })
}

fn not_a_chart(source: &str, why: &str) -> Error {
    Error::new(ErrorKind::Invalid, format!("{source} is not a Helm chart: {why}"))
}

/// Masterminds' `StrictNewVersion`: `MAJOR.MINOR.PATCH[-pre][+meta]` without a `v`
/// prefix or missing parts. Helm uses such a version as the tag itself.
pub fn is_strict_version(text: &str) -> bool {
    let core = text.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        && chart::semver::Version::parse(text).is_ok()
}

/// The newest tag of a repository that satisfies a version constraint (tags carry `_`
/// for `+`). Helm's wording when none does.
pub fn resolve_tag(client: &mut Client, reference: &Reference, constraint: &str) -> Result<String> {
    let parsed = chart::semver::Constraints::parse(constraint)
        .map_err(|e| Error::new(ErrorKind::BadReference, format!("invalid version constraint {constraint}: {e}")))?;
    let mut versions: Vec<String> = client.list_tags(reference)?.iter().map(|t| t.replace('_', "+")).collect();
    chart::dependency::sort_newest_first(&mut versions);
    chart::dependency::pick_version(&parsed, versions.iter().map(String::as_str))
        .map(tag_for_version)
        .ok_or_else(|| {
            Error::new(ErrorKind::NotFound, format!("could not locate a version matching provided version string {constraint}"))
        })
}

/// The versions (tags with `+` restored) of an `oci://HOST/PATH/NAME` repository.
pub fn list_versions(source: &str, options: &ConnectOptions) -> Result<Vec<String>> {
    let reference = Reference::parse(source)?;
    let mut client = Client::connect(&reference.registry, options)?;
    Ok(client.list_tags(&reference)?.iter().map(|t| t.replace('_', "+")).collect())
}

fn latest_tag(client: &mut Client, reference: &Reference) -> Result<String> {
    let tags = client.list_tags(reference)?;
    let best = tags
        .iter()
        .filter_map(|t| chart::semver::Version::parse(&t.replace('_', "+")).ok().map(|v| (v, t)))
        .filter(|(v, _)| v.pre.is_empty())
        .max_by(|(a, _), (b, _)| a.compare(b));
    best.map(|(_, t)| t.clone()).ok_or_else(|| {
        Error::new(
            ErrorKind::NotFound,
            format!("unable to locate any tags in provided repository: oci://{}/{}", reference.registry, reference.repository),
        )
    })
}

/// `json.Marshal(chart.Metadata)`: Go field order, `omitempty`, Go's HTML escaping.
pub fn config_json(md: &Metadata) -> String {
    let mut w = JsonObject::new();
    w.string("name", &md.name);
    w.string("home", &md.home);
    w.strings("sources", &md.sources);
    w.string("version", &md.version);
    w.string("description", &md.description);
    w.strings("keywords", &md.keywords);
    if !md.maintainers.is_empty() {
        let items: Vec<String> = md
            .maintainers
            .iter()
            .map(|m| match m {
                None => "null".to_string(),
                Some(m) => {
                    let mut o = JsonObject::new();
                    o.string("name", &m.name);
                    o.string("email", &m.email);
                    o.string("url", &m.url);
                    o.finish()
                }
            })
            .collect();
        w.raw("maintainers", &format!("[{}]", items.join(",")));
    }
    w.string("icon", &md.icon);
    w.string("apiVersion", &md.api_version);
    w.string("condition", &md.condition);
    w.string("tags", &md.tags);
    w.string("appVersion", &md.app_version);
    if md.deprecated {
        w.raw("deprecated", "true");
    }
    if let Some(annotations) = md.annotations.as_ref().filter(|a| !a.is_empty()) {
        let mut sorted: Vec<&(String, String)> = annotations.iter().collect();
        sorted.sort();
        let mut o = JsonObject::new();
        for (k, v) in sorted {
            o.string_always(k, v);
        }
        w.raw("annotations", &o.finish());
    }
    w.string("kubeVersion", &md.kube_version);
    if !md.dependencies.is_empty() {
        let items: Vec<String> = md.dependencies.iter().map(dependency_json).collect();
        w.raw("dependencies", &format!("[{}]", items.join(",")));
    }
    w.string("type", &md.chart_type);
    w.finish()
}

fn dependency_json(dep: &Option<Dependency>) -> String {
    let Some(d) = dep else { return "null".into() };
    let mut o = JsonObject::new();
    o.string_always("name", &d.name);
    o.string("version", &d.version);
    o.string_always("repository", &d.repository);
    o.string("condition", &d.condition);
    o.strings("tags", &d.tags);
    if d.enabled {
        o.raw("enabled", "true");
    }
    if !d.import_values.is_empty() {
        let items: Vec<String> =
            d.import_values.iter().map(|v| godata::json::to_json(v).unwrap_or_else(|_| "null".into())).collect();
        o.raw("import-values", &format!("[{}]", items.join(",")));
    }
    o.string("alias", &d.alias);
    o.finish()
}

/// The manifest Helm pushes (no top-level `mediaType`; annotation keys sorted).
pub fn manifest_json(chart: &Chart, config: &str, archive: &[u8], created_unix: i64) -> String {
    manifest_with_provenance(chart, config, archive, None, created_unix)
}

/// [`manifest_json`] with an optional provenance layer. Helm sorts the layers by digest
/// ("for determinism"), so the provenance layer comes first or second depending on its
/// digest.
pub fn manifest_with_provenance(chart: &Chart, config: &str, archive: &[u8], provenance: Option<&[u8]>, created_unix: i64) -> String {
    let descriptor = |media_type: &str, data: &[u8]| {
        let mut o = JsonObject::new();
        o.string("mediaType", media_type);
        o.string("digest", &crate::sha256_digest(data));
        o.raw("size", &data.len().to_string());
        o.finish()
    };
    let mut annotations = oci_annotations(&chart.metadata, created_unix);
    annotations.sort();
    let mut a = JsonObject::new();
    for (k, v) in &annotations {
        a.string_always(k, v);
    }
    let mut m = JsonObject::new();
    m.raw("schemaVersion", "2");
    m.raw("config", &descriptor(CONFIG_MEDIA_TYPE, config.as_bytes()));
    let mut layers = vec![(crate::sha256_digest(archive), descriptor(CHART_LAYER_MEDIA_TYPE, archive))];
    if let Some(prov) = provenance {
        layers.push((crate::sha256_digest(prov), descriptor(PROVENANCE_LAYER_MEDIA_TYPE, prov)));
    }
    layers.sort_by(|a, b| a.0.cmp(&b.0));
    let layers: Vec<String> = layers.into_iter().map(|(_, layer)| layer).collect();
    m.raw("layers", &format!("[{}]", layers.join(",")));
    m.raw("annotations", &a.finish());
    m.finish()
}

/// Helm's `generateChartOCIAnnotations`: description, title, version, created, url,
/// source, authors, then the chart's own annotations (which cannot replace title or
/// version).
pub fn oci_annotations(md: &Metadata, created_unix: i64) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: String| {
        out.retain(|(key, _)| key != k);
        out.push((k.to_string(), v));
    };
    if !md.description.trim().is_empty() {
        set("org.opencontainers.image.description", md.description.clone());
    }
    set("org.opencontainers.image.title", md.name.clone());
    set("org.opencontainers.image.version", md.version.clone());
    set("org.opencontainers.image.created", rfc3339_utc(created_unix));
    if !md.home.trim().is_empty() {
        set("org.opencontainers.image.url", md.home.clone());
    }
    if let Some(source) = md.sources.first().filter(|s| !s.trim().is_empty()) {
        set("org.opencontainers.image.source", source.clone());
    }
    if !md.maintainers.is_empty() {
        let authors: Vec<String> = md
            .maintainers
            .iter()
            .flatten()
            .map(|m| if m.email.is_empty() { m.name.clone() } else { format!("{} ({})", m.name, m.email) })
            .collect();
        set("org.opencontainers.image.authors", authors.join(", "));
    }
    for (k, v) in md.annotations.iter().flatten() {
        if k == "org.opencontainers.image.title" || k == "org.opencontainers.image.version" {
            continue;
        }
        set(k, v.clone());
    }
    out
}

/// Unix seconds as `2006-01-02T15:04:05Z`.
pub fn rfc3339_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil date from days since the epoch (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A JSON object written field by field, in the order given.
struct JsonObject {
    out: String,
}

impl JsonObject {
    fn new() -> JsonObject {
        JsonObject { out: "{".into() }
    }

    fn key(&mut self, key: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        godata::json::write_string(&mut self.out, key, true);
        self.out.push(':');
    }

    /// A string field with `omitempty`.
    fn string(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.string_always(key, value);
        }
    }

    fn string_always(&mut self, key: &str, value: &str) {
        self.key(key);
        godata::json::write_string(&mut self.out, value, true);
    }

    fn strings(&mut self, key: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        self.key(key);
        self.out.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            godata::json::write_string(&mut self.out, v, true);
        }
        self.out.push(']');
    }

    fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.push_str(json);
    }

    fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_times() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_643_767_322), "2022-02-02T02:02:02Z");
    }

    #[test]
    fn layers_are_ordered_by_digest_as_helm_orders_them() {
        let chart = chart::Chart::default();
        for (archive, prov) in [(&b"a"[..], &b"b"[..]), (b"b", b"a")] {
            let manifest: serde_json::Value =
                serde_json::from_str(&manifest_with_provenance(&chart, "{}", archive, Some(prov), 0)).unwrap();
            let digests: Vec<&str> = manifest["layers"].as_array().unwrap().iter().map(|l| l["digest"].as_str().unwrap()).collect();
            let mut sorted = digests.clone();
            sorted.sort();
            assert_eq!(digests, sorted);
        }
    }
}
