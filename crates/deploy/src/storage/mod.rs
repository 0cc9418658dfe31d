//! Release storage as Helm 4 does it (`helm.sh/helm/v4/pkg/storage`): a [`Driver`] keeps one
//! object per revision (`sh.helm.release.v1.NAME.vREV`), labelled `name`, `owner=helm`,
//! `status`, `version` and `createdAt`/`modifiedAt`; [`Storage`] adds history, last deployed
//! and max-history pruning on top.
//!
//! The Secret driver is Helm's default and the ConfigMap driver the alternative
//! (`HELM_DRIVER=configmap`); the memory driver serves unit tests and `--dry-run`-like uses.

mod kube_drivers;
mod memory;

use std::collections::BTreeMap;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;

use crate::release::{CodecError, Release, Status};

pub use kube_drivers::{ConfigMapDriver, SecretDriver};
pub use memory::MemoryDriver;

/// The storage object type Helm 3/4 writes, also the prefix of every object name.
pub const HELM_STORAGE_TYPE: &str = "sh.helm.release.v1";
/// The Secret `type` of release Secrets.
pub const RELEASE_SECRET_TYPE: &str = "helm.sh/release.v1";
/// The value of the `owner` label on every release object.
pub const OWNER_HELM: &str = "helm";
/// Labels Helm manages itself; users may not set them and `Get` hides them.
pub const SYSTEM_LABELS: [&str; 6] = ["createdAt", "modifiedAt", "name", "owner", "status", "version"];

/// The object name of a revision: `sh.helm.release.v1.NAME.vREV`.
pub fn release_key(name: &str, version: i64) -> String {
    format!("{HELM_STORAGE_TYPE}.{name}.v{version}")
}

/// Why a storage operation failed. The messages are Helm's.
#[derive(Debug)]
pub enum StorageError {
    /// `release: not found`
    NotFound,
    /// `release: already exists`
    Exists,
    /// `"NAME" has no deployed releases`
    NoDeployedReleases(String),
    /// A label value a selector cannot carry.
    InvalidLabelValue { value: String, problems: Vec<String> },
    /// An operation that needs one namespace was asked of an all-namespaces driver.
    NamespaceRequired(&'static str),
    /// A stored record that cannot be decoded or a release that cannot be encoded.
    Codec { context: String, source: CodecError },
    /// The API server refused or could not be reached.
    Api { context: String, source: Box<kube::Error> },
    /// `encountered N deletion errors. First is: ...` and similar combined failures.
    Other(String),
}

impl StorageError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::NotFound)
    }

    pub fn is_no_deployed_releases(&self) -> bool {
        matches!(self, StorageError::NoDeployedReleases(_))
    }

    /// The HTTP status code of an API error, if this is one.
    pub fn api_status_code(&self) -> Option<u16> {
        match self {
            StorageError::Api { source, .. } => match source.as_ref() {
                kube::Error::Api(status) => Some(status.code),
                _ => None,
            },
            _ => None,
        }
    }

    pub(crate) fn api(context: impl Into<String>, source: kube::Error) -> StorageError {
        StorageError::Api { context: context.into(), source: Box::new(source) }
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::NotFound => f.write_str("release: not found"),
            StorageError::Exists => f.write_str("release: already exists"),
            StorageError::NoDeployedReleases(name) => write!(f, "{name:?} has no deployed releases"),
            StorageError::InvalidLabelValue { value, problems } => write!(f, "invalid label value: {value:?}: {}", problems.join("; ")),
            StorageError::NamespaceRequired(operation) => write!(f, "{operation}: a namespace is required"),
            StorageError::Codec { context, source } => write!(f, "{context}: {source}"),
            StorageError::Api { context, source } => match source.as_ref() {
                // Go's apierrors print just the server's message.
                kube::Error::Api(status) if !status.message.is_empty() => write!(f, "{context}: {}", status.message),
                other => write!(f, "{context}: {other}"),
            },
            StorageError::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for StorageError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StorageError::Codec { source, .. } => Some(source),
            StorageError::Api { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// A place to keep release records (Helm's `driver.Driver`).
///
/// `get` returns the release with only its custom labels; `list` and `query` return every
/// label of the stored object, as Helm's drivers do (Helm's later writes depend on that).
#[async_trait]
pub trait Driver: Send + Sync {
    /// Helm's driver name: `Secret`, `ConfigMap` or `Memory`.
    fn name(&self) -> &'static str;
    /// The revision stored under `key`, or [`StorageError::NotFound`].
    async fn get(&self, key: &str) -> Result<Release, StorageError>;
    /// Every release record (owner=helm) this driver sees; undecodable records are skipped.
    async fn list(&self) -> Result<Vec<Release>, StorageError>;
    /// The records whose labels include all of `labels`; [`StorageError::NotFound`] if none.
    async fn query(&self, labels: &BTreeMap<String, String>) -> Result<Vec<Release>, StorageError>;
    /// Stores a new record; [`StorageError::Exists`] if `key` is taken.
    async fn create(&self, key: &str, release: &Release) -> Result<(), StorageError>;
    /// Replaces the record under `key`.
    async fn update(&self, key: &str, release: &Release) -> Result<(), StorageError>;
    /// Removes the record under `key` and returns it.
    async fn delete(&self, key: &str) -> Result<Release, StorageError>;
}

/// Which driver `HELM_DRIVER` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverKind {
    Secret,
    ConfigMap,
    Memory,
}

impl DriverKind {
    /// Reads a `HELM_DRIVER` value as Helm does: empty or `secret(s)` is the Secret driver,
    /// `configmap(s)` the ConfigMap driver, `memory` the memory driver.
    pub fn from_helm_driver(value: &str) -> Result<DriverKind, StorageError> {
        match value {
            "" | "secret" | "secrets" => Ok(DriverKind::Secret),
            "configmap" | "configmaps" => Ok(DriverKind::ConfigMap),
            "memory" => Ok(DriverKind::Memory),
            "sql" => Err(StorageError::Other("the sql storage driver is not supported by chartroom".to_string())),
            other => Err(StorageError::Other(format!("unknown driver {other:?}"))),
        }
    }

    /// The driver for this kind over `client`, in `namespace` (`None`: all namespaces, for
    /// listing only).
    pub fn open(self, client: kube::Client, namespace: Option<&str>) -> Box<dyn Driver> {
        match self {
            DriverKind::Secret => Box::new(SecretDriver::new(client, namespace)),
            DriverKind::ConfigMap => Box::new(ConfigMapDriver::new(client, namespace)),
            DriverKind::Memory => Box::new(MemoryDriver::new(namespace.unwrap_or(""))),
        }
    }
}

/// Kubernetes' `IsValidLabelValue`: at most 63 characters, empty or alphanumeric at both ends
/// with `-`, `_`, `.` inside. Returns the problems, empty when valid.
pub fn label_value_problems(value: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if value.len() > 63 {
        problems.push("must be no more than 63 characters".to_string());
    }
    let bytes = value.as_bytes();
    let well_formed = bytes.is_empty()
        || (bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric()
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')));
    if !well_formed {
        problems.push(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
                .to_string(),
        );
    }
    problems
}

/// A label selector of equalities (`a=b,c=d`, keys sorted as Kubernetes prints a `Set`),
/// after checking every value as Helm's `Query` does.
pub(crate) fn equality_selector(labels: &BTreeMap<String, String>) -> Result<String, StorageError> {
    for value in labels.values() {
        let problems = label_value_problems(value);
        if !problems.is_empty() {
            return Err(StorageError::InvalidLabelValue { value: value.clone(), problems });
        }
    }
    Ok(labels.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(","))
}

/// The custom labels of a stored object (Helm's `filterSystemLabels`).
pub fn custom_labels(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels.iter().filter(|(key, _)| !SYSTEM_LABELS.contains(&key.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Whether `labels` carry a system label (Helm refuses such custom labels).
pub fn reserved_label_in(labels: &BTreeMap<String, String>) -> Option<&'static str> {
    SYSTEM_LABELS.iter().copied().find(|key| labels.contains_key(*key))
}

/// Which write is labelling the object: Helm stamps `createdAt` on create, `modifiedAt` on update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WriteKind {
    Create,
    Update,
}

/// The labels Helm puts on a release object. Helm merges them in this order: the release's
/// labels, the write's timestamp, the release's labels again (so a timestamp carried in the
/// release's labels from an earlier `query` wins), then the system labels.
pub(crate) fn object_labels(release: &Release, write: WriteKind) -> BTreeMap<String, String> {
    let mut labels = release.labels.clone();
    let stamp_key = match write {
        WriteKind::Create => "createdAt",
        WriteKind::Update => "modifiedAt",
    };
    labels.insert(stamp_key.to_string(), unix_now().to_string());
    labels.extend(release.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    labels.insert("name".to_string(), release.name.clone());
    labels.insert("owner".to_string(), OWNER_HELM.to_string());
    labels.insert("status".to_string(), release.status().as_str().to_string());
    labels.insert("version".to_string(), release.version.to_string());
    labels
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Helm's `Storage`: revision bookkeeping over a [`Driver`].
pub struct Storage {
    driver: Box<dyn Driver>,
    /// How many revisions to keep per release, including the newest; 0 keeps all.
    pub max_history: usize,
}

impl Storage {
    pub fn new(driver: Box<dyn Driver>) -> Storage {
        Storage { driver, max_history: 0 }
    }

    pub fn driver(&self) -> &dyn Driver {
        self.driver.as_ref()
    }

    /// Revision `version` of release `name`.
    pub async fn get(&self, name: &str, version: i64) -> Result<Release, StorageError> {
        self.driver.get(&release_key(name, version)).await
    }

    /// Stores a new revision, first pruning history to make room under `max_history`.
    pub async fn create(&self, release: &Release) -> Result<(), StorageError> {
        if self.max_history > 0 {
            match self.remove_least_recent(&release.name, self.max_history - 1).await {
                Ok(()) | Err(StorageError::NotFound) => {}
                Err(err) => return Err(err),
            }
        }
        self.driver.create(&release_key(&release.name, release.version), release).await
    }

    /// Rewrites an existing revision (status changes, descriptions).
    pub async fn update(&self, release: &Release) -> Result<(), StorageError> {
        self.driver.update(&release_key(&release.name, release.version), release).await
    }

    pub async fn delete(&self, name: &str, version: i64) -> Result<Release, StorageError> {
        self.driver.delete(&release_key(name, version)).await
    }

    /// Every revision of every release the driver sees.
    pub async fn list_releases(&self) -> Result<Vec<Release>, StorageError> {
        self.driver.list().await
    }

    pub async fn list_deployed(&self) -> Result<Vec<Release>, StorageError> {
        Ok(self.driver.list().await?.into_iter().filter(|r| r.status() == Status::Deployed).collect())
    }

    pub async fn list_uninstalled(&self) -> Result<Vec<Release>, StorageError> {
        Ok(self.driver.list().await?.into_iter().filter(|r| r.status() == Status::Uninstalled).collect())
    }

    /// Every revision of `name` labelled deployed, or [`StorageError::NoDeployedReleases`].
    pub async fn deployed_all(&self, name: &str) -> Result<Vec<Release>, StorageError> {
        let selector = labels_of([("name", name), ("owner", OWNER_HELM), ("status", "deployed")]);
        match self.driver.query(&selector).await {
            Ok(releases) => Ok(releases),
            Err(StorageError::NotFound) => Err(StorageError::NoDeployedReleases(name.to_string())),
            Err(err) => Err(err),
        }
    }

    /// The newest deployed revision of `name` (several can be deployed after a crash; Helm
    /// takes the highest).
    pub async fn deployed(&self, name: &str) -> Result<Release, StorageError> {
        let releases = self.deployed_all(name).await?;
        releases.into_iter().max_by_key(|r| r.version).ok_or_else(|| StorageError::NoDeployedReleases(name.to_string()))
    }

    /// All revisions of `name`, in the driver's order; [`StorageError::NotFound`] if none.
    pub async fn history(&self, name: &str) -> Result<Vec<Release>, StorageError> {
        self.driver.query(&labels_of([("name", name), ("owner", OWNER_HELM)])).await
    }

    /// The highest revision of `name`, whatever its status.
    pub async fn last(&self, name: &str) -> Result<Release, StorageError> {
        let history = self.history(name).await?;
        history.into_iter().max_by_key(|r| r.version).ok_or_else(|| StorageError::Other(format!("no revision for release {name:?}")))
    }

    /// Deletes the oldest revisions of `name` until at most `maximum` remain, never the
    /// last deployed one (Helm's `removeLeastRecent`).
    pub async fn remove_least_recent(&self, name: &str, maximum: usize) -> Result<(), StorageError> {
        let mut history = self.history(name).await?;
        if history.len() <= maximum {
            return Ok(());
        }
        history.sort_by_key(|r| r.version);
        // The records carry the status their `status` label repeats: no second query.
        let last_deployed_version = history.iter().filter(|r| r.status() == Status::Deployed).map(|r| r.version).max();
        let mut doomed = Vec::new();
        for release in &history {
            if history.len() - doomed.len() == maximum {
                break;
            }
            if Some(release.version) != last_deployed_version {
                doomed.push(release.version);
            }
        }
        // Delete as many as possible: under API throttling, later calls finish the job.
        let mut errors = Vec::new();
        for version in doomed {
            if let Err(err) = self.delete(name, version).await {
                errors.push(err);
            }
        }
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            count => Err(StorageError::Other(format!("encountered {count} deletion errors. First is: {}", errors[0]))),
        }
    }
}

fn labels_of<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_follow_kubernetes() {
        for ok in ["", "a", "my-release", "v1.2_3", &"x".repeat(63)] {
            assert!(label_value_problems(ok).is_empty(), "{ok}");
        }
        for bad in ["-a", "a-", "a b", "ä", &"x".repeat(64)] {
            assert!(!label_value_problems(bad).is_empty(), "{bad}");
        }
    }

    #[test]
    fn keys_and_selectors() {
        assert_eq!(release_key("my-kubernetes-example", 2), "sh.helm.release.v1.my-kubernetes-example.v2");
        let selector = equality_selector(&labels_of([("owner", "helm"), ("name", "x")])).unwrap();
        assert_eq!(selector, "name=x,owner=helm");
        assert!(equality_selector(&labels_of([("name", "bad value")])).unwrap_err().to_string().starts_with("invalid label value: \"bad value\": "));
    }

    #[test]
    fn helm_driver_names() {
        assert_eq!(DriverKind::from_helm_driver("").unwrap(), DriverKind::Secret);
        assert_eq!(DriverKind::from_helm_driver("secrets").unwrap(), DriverKind::Secret);
        assert_eq!(DriverKind::from_helm_driver("configmap").unwrap(), DriverKind::ConfigMap);
        assert_eq!(DriverKind::from_helm_driver("memory").unwrap(), DriverKind::Memory);
        assert_eq!(DriverKind::from_helm_driver("etcd").unwrap_err().to_string(), "unknown driver \"etcd\"");
    }

    #[test]
    fn object_labels_follow_helms_merge_order() {
        let mut release = Release { name: "r".into(), version: 3, ..Release::default() };
        release.set_status(Status::Deployed, "Upgrade complete");
        release.labels.insert("team".into(), "a".into());
        let created = object_labels(&release, WriteKind::Create);
        assert_eq!(created.keys().map(String::as_str).collect::<Vec<_>>(), ["createdAt", "name", "owner", "status", "team", "version"]);
        assert_eq!((created["status"].as_str(), created["version"].as_str(), created["owner"].as_str()), ("deployed", "3", "helm"));
        // A timestamp carried from an earlier query wins over the new one.
        release.labels.insert("createdAt".into(), "42".into());
        let updated = object_labels(&release, WriteKind::Update);
        assert_eq!(updated["createdAt"], "42");
        assert!(updated["modifiedAt"].parse::<u64>().unwrap() > 1_700_000_000);
    }
}

#[cfg(test)]
mod storage_tests {
    use super::*;

    fn revision(name: &str, version: i64, status: Status) -> Release {
        let mut release = Release { name: name.into(), version, namespace: "ns".into(), ..Release::default() };
        release.set_status(status, "");
        release
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().expect("runtime").block_on(future)
    }

    #[test]
    fn history_last_and_deployed() {
        block_on(async {
            let storage = Storage::new(Box::new(MemoryDriver::new("ns")));
            assert!(storage.history("app").await.unwrap_err().is_not_found());
            assert_eq!(storage.deployed("app").await.unwrap_err().to_string(), "\"app\" has no deployed releases");
            storage.create(&revision("app", 1, Status::Superseded)).await.unwrap();
            storage.create(&revision("app", 2, Status::Deployed)).await.unwrap();
            storage.create(&revision("app", 3, Status::Failed)).await.unwrap();
            storage.create(&revision("other", 1, Status::Deployed)).await.unwrap();
            assert!(matches!(storage.create(&revision("app", 3, Status::Failed)).await, Err(StorageError::Exists)));
            assert_eq!(storage.history("app").await.unwrap().len(), 3);
            assert_eq!(storage.last("app").await.unwrap().version, 3);
            assert_eq!(storage.deployed("app").await.unwrap().version, 2);
            assert_eq!(storage.list_deployed().await.unwrap().len(), 2);
            let fetched = storage.get("app", 2).await.unwrap();
            assert!(fetched.labels.is_empty(), "get hides system labels");
            let listed = storage.history("app").await.unwrap();
            assert!(listed.iter().all(|r| r.labels["owner"] == "helm" && r.labels.contains_key("createdAt")));
        });
    }

    #[test]
    fn max_history_keeps_the_deployed_revision() {
        block_on(async {
            let mut storage = Storage::new(Box::new(MemoryDriver::new("ns")));
            storage.create(&revision("app", 1, Status::Deployed)).await.unwrap();
            for version in 2..=4 {
                storage.create(&revision("app", version, Status::Failed)).await.unwrap();
            }
            storage.max_history = 2;
            storage.create(&revision("app", 5, Status::PendingUpgrade)).await.unwrap();
            let mut versions: Vec<i64> = storage.history("app").await.unwrap().iter().map(|r| r.version).collect();
            versions.sort();
            assert_eq!(versions, [1, 5], "the deployed revision 1 survives pruning");
        });
    }

    #[test]
    fn update_stamps_modified_at_and_delete_returns_the_record() {
        block_on(async {
            let storage = Storage::new(Box::new(MemoryDriver::new("ns")));
            let mut release = revision("app", 1, Status::PendingInstall);
            release.labels.insert("team".into(), "blue".into());
            storage.create(&release).await.unwrap();
            release.set_status(Status::Deployed, "Install complete");
            storage.update(&release).await.unwrap();
            let listed = storage.history("app").await.unwrap();
            assert_eq!(listed[0].labels["status"], "deployed");
            assert!(listed[0].labels.contains_key("modifiedAt"));
            assert!(!listed[0].labels.contains_key("createdAt"), "an update after create drops createdAt, as in Helm");
            let deleted = storage.delete("app", 1).await.unwrap();
            assert_eq!(deleted.labels["team"], "blue");
            assert!(storage.get("app", 1).await.unwrap_err().is_not_found());
        });
    }
}
