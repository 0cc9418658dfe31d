//! The release record, field for field as Helm 4 (`helm.sh/helm/v4/pkg/release/v1`) marshals
//! it, and its storage encoding: JSON, gzip, base64.
//!
//! Field order, `omitempty` and `omitzero` follow Helm's Go structs so that a record written
//! here has the same JSON shape as Helm's. Each struct keeps fields it does not know in
//! `unknown_fields`, so a record written by a newer Helm survives a read and a re-write.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::gojson::to_go_json;
use crate::gotime::{zero_as_absent, GoTime};

/// Fields a struct does not model, kept so they round-trip (written after the known ones).
pub type UnknownFields = BTreeMap<String, Value>;

/// A deployment of a chart: the chart, the values, the rendered manifest and its status.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Release {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<Chart>,
    /// The values the user supplied (`--set`, `-f`), not the computed ones.
    #[serde(default, skip_serializing_if = "Map::is_empty", deserialize_with = "null_as_default")]
    pub config: Map<String, Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub hooks: Vec<Hook>,
    /// The revision, starting at 1.
    #[serde(default, skip_serializing_if = "is_zero_revision")]
    pub version: i64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Custom labels of the storage object. Helm keeps them out of the JSON (`json:"-"`): the
    /// drivers fill them from, and write them to, the Secret's/ConfigMap's labels.
    #[serde(skip)]
    pub labels: BTreeMap<String, String>,
    /// `"ssa"` (server-side apply) or `"csa"`; empty means client-side apply.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub apply_method: String,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

/// Helm's `ApplyMethod` values.
pub const APPLY_METHOD_SERVER_SIDE: &str = "ssa";
pub const APPLY_METHOD_CLIENT_SIDE: &str = "csa";

/// Release information: timestamps, status, description, notes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    #[serde(default, with = "zero_time_field", skip_serializing_if = "zero_as_absent::is_zero")]
    pub first_deployed: GoTime,
    #[serde(default, with = "zero_time_field", skip_serializing_if = "zero_as_absent::is_zero")]
    pub last_deployed: GoTime,
    #[serde(default, with = "zero_time_field", skip_serializing_if = "zero_as_absent::is_zero")]
    pub deleted: GoTime,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Status::is_empty")]
    pub status: Status,
    /// The rendered `templates/NOTES.txt`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// Deployed resources by kind (Helm writes this only in some code paths); kept opaque.
    #[serde(default, skip_serializing_if = "Map::is_empty", deserialize_with = "null_as_default")]
    pub resources: Map<String, Value>,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

/// Serde glue for the `Info`/`HookExecution` time fields: written as RFC 3339, read leniently.
mod zero_time_field {
    use super::*;

    pub fn serialize<S: Serializer>(time: &GoTime, serializer: S) -> Result<S::Ok, S::Error> {
        time.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<GoTime, D::Error> {
        zero_as_absent::deserialize(deserializer)
    }
}

/// The state of a release (`helm.sh/helm/v4/pkg/release/common.Status`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Status {
    /// Empty: Helm's zero value, never written.
    #[default]
    Unset,
    Unknown,
    Deployed,
    Uninstalled,
    Superseded,
    Failed,
    Uninstalling,
    PendingInstall,
    PendingUpgrade,
    PendingRollback,
    /// A status this version does not know, kept verbatim.
    Other(String),
}

impl Status {
    /// The text Helm writes in the record and in the `status` label.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Unset => "",
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
            Status::Other(text) => text,
        }
    }

    pub fn parse(text: &str) -> Status {
        match text {
            "" => Status::Unset,
            "unknown" => Status::Unknown,
            "deployed" => Status::Deployed,
            "uninstalled" => Status::Uninstalled,
            "superseded" => Status::Superseded,
            "failed" => Status::Failed,
            "uninstalling" => Status::Uninstalling,
            "pending-install" => Status::PendingInstall,
            "pending-upgrade" => Status::PendingUpgrade,
            "pending-rollback" => Status::PendingRollback,
            other => Status::Other(other.to_string()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }

    /// Helm's `Status.IsPending`: an operation on the release is still in progress.
    pub fn is_pending(&self) -> bool {
        matches!(self, Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Status::parse(&Option::<String>::deserialize(deserializer)?.unwrap_or_default()))
    }
}

/// The chart as Helm stores it inside the release (`pkg/chart/v2.Chart`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub lock: Option<Lock>,
    /// `null` and `[]` are different JSON (Go writes a nil slice as `null`), so both are kept.
    #[serde(default)]
    pub templates: Option<Vec<File>>,
    /// The chart's default values (`values.yaml`).
    #[serde(default)]
    pub values: Option<Map<String, Value>>,
    /// `values.schema.json`, as bytes (base64 in JSON).
    #[serde(default, with = "optional_go_bytes")]
    pub schema: Option<Vec<u8>>,
    /// Always written, even when zero (`0001-01-01T00:00:00Z`): `omitempty` has no effect on
    /// a Go struct value, so Helm 4.1 writes it for every chart.
    #[serde(default, deserialize_with = "zero_as_absent::deserialize")]
    pub schemamodtime: GoTime,
    #[serde(default)]
    pub files: Option<Vec<File>>,
    #[serde(default, skip_serializing_if = "zero_as_absent::is_zero", deserialize_with = "zero_as_absent::deserialize")]
    pub modtime: GoTime,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

/// `Chart.yaml`'s contents (`pkg/chart/v2.Metadata`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub home: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub maintainers: Vec<Maintainer>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub icon: String,
    #[serde(rename = "apiVersion", default, skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tags: String,
    #[serde(rename = "appVersion", default, skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_default")]
    pub annotations: BTreeMap<String, String>,
    #[serde(rename = "kubeVersion", default, skip_serializing_if = "String::is_empty")]
    pub kube_version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub dependencies: Vec<Dependency>,
    #[serde(rename = "type", default, skip_serializing_if = "String::is_empty")]
    pub chart_type: String,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Maintainer {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

/// A chart dependency (`pkg/chart/v2.Dependency`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default)]
    pub repository: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub enabled: bool,
    #[serde(rename = "import-values", default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub import_values: Vec<Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alias: String,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

/// `Chart.lock` (`pkg/chart/v2.Lock`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Lock {
    #[serde(default)]
    pub generated: GoTime,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub dependencies: Option<Vec<Dependency>>,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

/// A file of the chart (`pkg/chart/common.File`): templates and other files.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct File {
    #[serde(default)]
    pub name: String,
    /// The file's bytes (base64 in JSON, as Go writes `[]byte`).
    #[serde(default, with = "go_bytes")]
    pub data: Vec<u8>,
    #[serde(default, skip_serializing_if = "zero_as_absent::is_zero", deserialize_with = "zero_as_absent::deserialize")]
    pub modtime: GoTime,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

/// A hook declared by the chart (`pkg/release/v1.Hook`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Hook {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub events: Vec<String>,
    /// Always written: `omitempty` has no effect on a Go struct value.
    #[serde(default)]
    pub last_run: HookExecution,
    #[serde(default, skip_serializing_if = "is_zero_revision")]
    pub weight: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub delete_policies: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub output_log_policies: Vec<String>,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

/// The last run of a hook (`pkg/release/v1.HookExecution`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HookExecution {
    #[serde(default, with = "zero_time_field", skip_serializing_if = "zero_as_absent::is_zero")]
    pub started_at: GoTime,
    #[serde(default, with = "zero_time_field", skip_serializing_if = "zero_as_absent::is_zero")]
    pub completed_at: GoTime,
    /// `Unknown`, `Running`, `Succeeded`, `Failed`, or empty; always written.
    #[serde(default, deserialize_with = "null_as_default")]
    pub phase: String,
    #[serde(flatten)]
    pub unknown_fields: UnknownFields,
}

fn is_zero_revision(value: &i64) -> bool {
    *value == 0
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// Go decodes JSON `null` into a slice or map field as "nothing": accept it the same way.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Go's `[]byte` in JSON: standard base64 with padding; `null` is an empty slice.
mod go_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(Vec::new()),
            Some(text) => decode_go_base64(&text).map_err(serde::de::Error::custom),
        }
    }
}

/// Go's `[]byte` that distinguishes nil (`null`) from empty (`""`).
mod optional_go_bytes {
    use super::*;

    pub fn serialize<S: Serializer>(bytes: &Option<Vec<u8>>, serializer: S) -> Result<S::Ok, S::Error> {
        match bytes {
            None => serializer.serialize_none(),
            Some(bytes) => serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes)),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<u8>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) => decode_go_base64(&text).map(Some).map_err(serde::de::Error::custom),
        }
    }
}

/// Go's `base64.StdEncoding.DecodeString`: padded standard alphabet; `\r` and `\n` are skipped.
pub(crate) fn decode_go_base64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    if text.contains(['\r', '\n']) {
        let compact: String = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        return base64::engine::general_purpose::STANDARD.decode(compact);
    }
    base64::engine::general_purpose::STANDARD.decode(text)
}

/// Why a stored release could not be encoded or decoded.
#[derive(Debug)]
pub enum CodecError {
    Base64(base64::DecodeError),
    Gzip(std::io::Error),
    Json(serde_json::Error),
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodecError::Base64(err) => write!(f, "illegal base64 data in release record: {err}"),
            CodecError::Gzip(err) => write!(f, "gzip: {err}"),
            CodecError::Json(err) => write!(f, "release record is not valid JSON: {err}"),
        }
    }
}

impl std::error::Error for CodecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CodecError::Base64(err) => Some(err),
            CodecError::Gzip(err) => Some(err),
            CodecError::Json(err) => Some(err),
        }
    }
}

/// The first bytes of a gzip stream (magic number and the deflate method).
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// Largest release JSON a record may expand to (a decompression bomb guard; Kubernetes objects
/// are limited to about 1.5 MiB compressed, real records stay far below this).
const MAX_DECOMPRESSED_BYTES: u64 = 256 * 1024 * 1024;

impl Release {
    /// The release JSON exactly as Go's `json.Marshal` writes it.
    pub fn to_json(&self) -> Result<Vec<u8>, CodecError> {
        to_go_json(self).map_err(CodecError::Json)
    }

    /// Parses release JSON (what [`Release::to_json`] or Helm writes).
    pub fn from_json(bytes: &[u8]) -> Result<Release, CodecError> {
        serde_json::from_slice(bytes).map_err(CodecError::Json)
    }

    /// The chart's name, or `""` without chart metadata.
    pub fn chart_name(&self) -> &str {
        self.chart.as_ref().and_then(|chart| chart.metadata.as_ref()).map_or("", |metadata| metadata.name.as_str())
    }

    /// The status, or [`Status::Unset`] without info.
    pub fn status(&self) -> Status {
        self.info.as_ref().map(|info| info.status.clone()).unwrap_or_default()
    }

    /// Sets the status and description, as Helm's `Release.SetStatus` does.
    pub fn set_status(&mut self, status: Status, description: impl Into<String>) {
        let info = self.info.get_or_insert_with(Info::default);
        info.status = status;
        info.description = description.into();
    }
}

/// Encodes a release as Helm stores it: JSON, gzip at best compression, standard base64.
/// (The Secret driver's API layer adds one more base64 on the wire; the ConfigMap stores this.)
pub fn encode_release(release: &Release) -> Result<String, CodecError> {
    let json = release.to_json()?;
    let mut encoder = flate2::GzBuilder::new().operating_system(255).write(Vec::with_capacity(json.len() / 4), flate2::Compression::best());
    encoder.write_all(&json).map_err(CodecError::Gzip)?;
    let compressed = encoder.finish().map_err(CodecError::Gzip)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(compressed))
}

/// Decodes a stored release: base64, then gunzip when the gzip magic header is there (records
/// from before Helm compressed them are plain JSON), then JSON.
pub fn decode_release(data: &str) -> Result<Release, CodecError> {
    let bytes = decode_go_base64(data).map_err(CodecError::Base64)?;
    if bytes.starts_with(&GZIP_MAGIC) {
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice()).take(MAX_DECOMPRESSED_BYTES + 1).read_to_end(&mut json).map_err(CodecError::Gzip)?;
        if json.len() as u64 > MAX_DECOMPRESSED_BYTES {
            return Err(CodecError::Gzip(std::io::Error::new(std::io::ErrorKind::InvalidData, "release record expands beyond 256 MiB")));
        }
        return Release::from_json(&json);
    }
    Release::from_json(&bytes)
}
