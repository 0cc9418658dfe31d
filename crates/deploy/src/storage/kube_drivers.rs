//! The Secret and ConfigMap drivers: one Kubernetes object per revision, the encoded record
//! under `data.release`.
//!
//! The two differ only in the object: a Secret has `type: helm.sh/release.v1` and binary data
//! (so on the wire the record gets one more base64 layer), a ConfigMap has string data.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::marker::PhantomData;

use async_trait::async_trait;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;
use k8s_openapi::NamespaceResourceScope;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{custom_labels, equality_selector, object_labels, Driver, StorageError, WriteKind, OWNER_HELM, RELEASE_SECRET_TYPE};
use crate::release::{decode_release, encode_release, Release};

/// A Kubernetes object kind that can hold a release record.
pub trait ReleaseObject:
    kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()> + Clone + Debug + DeserializeOwned + Serialize + Send + Sync + 'static
{
    /// Helm's driver name.
    const DRIVER_NAME: &'static str;
    /// A new object named `key` holding `payload` (the base64 text of the gzipped record).
    fn holding(key: &str, namespace: Option<&str>, labels: BTreeMap<String, String>, payload: String) -> Self;
    /// The stored payload, if the object has one that is text.
    fn payload(&self) -> Option<String>;
}

impl ReleaseObject for Secret {
    const DRIVER_NAME: &'static str = "Secret";

    fn holding(key: &str, namespace: Option<&str>, labels: BTreeMap<String, String>, payload: String) -> Self {
        Secret {
            metadata: object_meta(key, namespace, labels),
            type_: Some(RELEASE_SECRET_TYPE.to_string()),
            data: Some(BTreeMap::from([("release".to_string(), ByteString(payload.into_bytes()))])),
            ..Secret::default()
        }
    }

    fn payload(&self) -> Option<String> {
        let bytes = self.data.as_ref()?.get("release")?;
        String::from_utf8(bytes.0.clone()).ok()
    }
}

impl ReleaseObject for ConfigMap {
    const DRIVER_NAME: &'static str = "ConfigMap";

    fn holding(key: &str, namespace: Option<&str>, labels: BTreeMap<String, String>, payload: String) -> Self {
        ConfigMap {
            metadata: object_meta(key, namespace, labels),
            data: Some(BTreeMap::from([("release".to_string(), payload)])),
            ..ConfigMap::default()
        }
    }

    fn payload(&self) -> Option<String> {
        self.data.as_ref()?.get("release").cloned()
    }
}

fn object_meta(key: &str, namespace: Option<&str>, labels: BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta { name: Some(key.to_string()), namespace: namespace.map(str::to_string), labels: Some(labels), ..ObjectMeta::default() }
}

/// A driver storing releases in objects of kind `K` in one namespace, or reading them across
/// all namespaces.
pub struct KubeDriver<K> {
    api: Api<K>,
    namespace: Option<String>,
    kind: PhantomData<K>,
}

/// Helm's default driver (`HELM_DRIVER=secret`).
pub type SecretDriver = KubeDriver<Secret>;
/// `HELM_DRIVER=configmap`.
pub type ConfigMapDriver = KubeDriver<ConfigMap>;

impl<K: ReleaseObject> KubeDriver<K> {
    /// A driver over `client`; `namespace` `None` or empty lists across all namespaces and
    /// cannot write.
    pub fn new(client: kube::Client, namespace: Option<&str>) -> Self {
        let namespace = namespace.filter(|ns| !ns.is_empty()).map(str::to_string);
        let api = match &namespace {
            Some(ns) => Api::namespaced(client, ns),
            None => Api::all(client),
        };
        KubeDriver { api, namespace, kind: PhantomData }
    }

    fn require_namespace(&self, operation: &'static str) -> Result<&str, StorageError> {
        self.namespace.as_deref().ok_or(StorageError::NamespaceRequired(operation))
    }

    /// Decodes a listed object, giving the release the object's labels (and its namespace
    /// when the record lacks one). `None` for objects that hold no readable record: Helm
    /// skips those when listing.
    fn decode_listed(object: &K) -> Option<Release> {
        let mut release = decode_release(&object.payload()?).ok()?;
        let meta = object.meta();
        release.labels = meta.labels.clone().unwrap_or_default();
        if release.namespace.is_empty() {
            release.namespace = meta.namespace.clone().unwrap_or_default();
        }
        Some(release)
    }

    fn encode(release: &Release, context: &str) -> Result<String, StorageError> {
        encode_release(release).map_err(|source| StorageError::Codec { context: format!("{context}: failed to encode release {:?}", release.name), source })
    }
}

#[async_trait]
impl<K: ReleaseObject> Driver for KubeDriver<K> {
    fn name(&self) -> &'static str {
        K::DRIVER_NAME
    }

    async fn get(&self, key: &str) -> Result<Release, StorageError> {
        self.require_namespace("get")?;
        let object = match self.api.get(key).await {
            Ok(object) => object,
            Err(kube::Error::Api(status)) if status.is_not_found() => return Err(StorageError::NotFound),
            Err(err) => return Err(StorageError::api(format!("get: failed to get {key:?}"), err)),
        };
        let payload = object.payload().unwrap_or_default();
        let mut release = decode_release(&payload).map_err(|source| StorageError::Codec { context: format!("get: failed to decode data {key:?}"), source })?;
        release.labels = custom_labels(&object.meta().labels.clone().unwrap_or_default());
        Ok(release)
    }

    async fn list(&self) -> Result<Vec<Release>, StorageError> {
        let params = ListParams::default().labels(&format!("owner={OWNER_HELM}"));
        let objects = self.api.list(&params).await.map_err(|err| StorageError::api("list: failed to list", err))?;
        Ok(objects.items.iter().filter_map(Self::decode_listed).collect())
    }

    async fn query(&self, labels: &BTreeMap<String, String>) -> Result<Vec<Release>, StorageError> {
        let selector = equality_selector(labels)?;
        let params = ListParams::default().labels(&selector);
        let objects = self.api.list(&params).await.map_err(|err| StorageError::api("query: failed to query with labels", err))?;
        if objects.items.is_empty() {
            return Err(StorageError::NotFound);
        }
        Ok(objects.items.iter().filter_map(Self::decode_listed).collect())
    }

    async fn create(&self, key: &str, release: &Release) -> Result<(), StorageError> {
        let namespace = self.require_namespace("create")?;
        let payload = Self::encode(release, "create")?;
        let object = K::holding(key, Some(namespace), object_labels(release, WriteKind::Create), payload);
        match self.api.create(&PostParams::default(), &object).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.is_already_exists() => Err(StorageError::Exists),
            Err(err) => Err(StorageError::api("create: failed to create", err)),
        }
    }

    async fn update(&self, key: &str, release: &Release) -> Result<(), StorageError> {
        let namespace = self.require_namespace("update")?;
        let payload = Self::encode(release, "update")?;
        // Like Helm, a full replace without a resourceVersion: last writer wins.
        let object = K::holding(key, Some(namespace), object_labels(release, WriteKind::Update), payload);
        match self.api.replace(key, &PostParams::default(), &object).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.is_not_found() => Err(StorageError::NotFound),
            Err(err) => Err(StorageError::api("update: failed to update", err)),
        }
    }

    async fn delete(&self, key: &str) -> Result<Release, StorageError> {
        self.require_namespace("delete")?;
        // Read first: the caller gets the deleted release back, and a missing one is NotFound.
        let object = match self.api.get(key).await {
            Ok(object) => object,
            Err(kube::Error::Api(status)) if status.is_not_found() => return Err(StorageError::NotFound),
            Err(err) => return Err(StorageError::api(format!("delete: failed to get {key:?}"), err)),
        };
        match self.api.delete(key, &DeleteParams::default()).await {
            Ok(_) => {}
            Err(kube::Error::Api(status)) if status.is_not_found() => return Err(StorageError::NotFound),
            Err(err) => return Err(StorageError::api(format!("delete: failed to delete {key:?}"), err)),
        }
        let payload = object.payload().unwrap_or_default();
        let mut release = decode_release(&payload).map_err(|source| StorageError::Codec { context: format!("delete: failed to decode data {key:?}"), source })?;
        release.labels = custom_labels(&object.meta().labels.clone().unwrap_or_default());
        Ok(release)
    }
}
