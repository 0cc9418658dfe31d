//! An in-memory driver (Helm's `HELM_DRIVER=memory`): records live in this process only.
//!
//! Records are labelled exactly as the Kubernetes drivers label their objects, so tests of
//! [`super::Storage`] on this driver exercise the same label logic.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::{custom_labels, equality_selector, object_labels, Driver, StorageError, WriteKind, OWNER_HELM};
use crate::release::Release;

#[derive(Clone)]
struct StoredRecord {
    labels: BTreeMap<String, String>,
    release: Release,
}

/// Records by (namespace, key).
pub struct MemoryDriver {
    namespace: String,
    records: Mutex<BTreeMap<(String, String), StoredRecord>>,
}

impl MemoryDriver {
    /// A driver writing to `namespace`; an empty namespace reads across all namespaces.
    pub fn new(namespace: &str) -> MemoryDriver {
        MemoryDriver { namespace: namespace.to_string(), records: Mutex::new(BTreeMap::new()) }
    }

    /// The same store seen from another namespace (Helm switches the memory driver's
    /// namespace per command).
    pub fn set_namespace(&mut self, namespace: &str) {
        self.namespace = namespace.to_string();
    }

    fn records(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String), StoredRecord>> {
        // A panic elsewhere while holding the lock cannot leave a record half-written (every
        // change is a single insert or remove), so a poisoned lock is still consistent.
        self.records.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn visible(&self, namespace: &str) -> bool {
        self.namespace.is_empty() || self.namespace == namespace
    }

    fn slot(&self, key: &str) -> (String, String) {
        (self.namespace.clone(), key.to_string())
    }

    fn listed(record: &StoredRecord, namespace: &str) -> Release {
        let mut release = record.release.clone();
        release.labels = record.labels.clone();
        if release.namespace.is_empty() {
            release.namespace = namespace.to_string();
        }
        release
    }
}

#[async_trait]
impl Driver for MemoryDriver {
    fn name(&self) -> &'static str {
        "Memory"
    }

    async fn get(&self, key: &str) -> Result<Release, StorageError> {
        let records = self.records();
        let found = records.iter().find(|((namespace, stored_key), _)| stored_key == key && self.visible(namespace));
        let ((_, _), record) = found.ok_or(StorageError::NotFound)?;
        let mut release = record.release.clone();
        release.labels = custom_labels(&record.labels);
        Ok(release)
    }

    async fn list(&self) -> Result<Vec<Release>, StorageError> {
        let records = self.records();
        Ok(records
            .iter()
            .filter(|((namespace, _), record)| self.visible(namespace) && record.labels.get("owner").map(String::as_str) == Some(OWNER_HELM))
            .map(|((namespace, _), record)| Self::listed(record, namespace))
            .collect())
    }

    async fn query(&self, labels: &BTreeMap<String, String>) -> Result<Vec<Release>, StorageError> {
        equality_selector(labels)?;
        let records = self.records();
        let matches: Vec<Release> = records
            .iter()
            .filter(|((namespace, _), record)| self.visible(namespace) && labels.iter().all(|(k, v)| record.labels.get(k) == Some(v)))
            .map(|((namespace, _), record)| Self::listed(record, namespace))
            .collect();
        if matches.is_empty() {
            return Err(StorageError::NotFound);
        }
        Ok(matches)
    }

    async fn create(&self, key: &str, release: &Release) -> Result<(), StorageError> {
        if self.namespace.is_empty() {
            return Err(StorageError::NamespaceRequired("create"));
        }
        let mut records = self.records();
        let slot = self.slot(key);
        if records.contains_key(&slot) {
            return Err(StorageError::Exists);
        }
        let labels = object_labels(release, WriteKind::Create);
        records.insert(slot, StoredRecord { labels, release: release.clone() });
        Ok(())
    }

    async fn update(&self, key: &str, release: &Release) -> Result<(), StorageError> {
        let mut records = self.records();
        let slot = self.slot(key);
        if !records.contains_key(&slot) {
            return Err(StorageError::NotFound);
        }
        let labels = object_labels(release, WriteKind::Update);
        records.insert(slot, StoredRecord { labels, release: release.clone() });
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<Release, StorageError> {
        let mut records = self.records();
        let record = records.remove(&self.slot(key)).ok_or(StorageError::NotFound)?;
        let mut release = record.release;
        release.labels = custom_labels(&record.labels);
        Ok(release)
    }
}
