//! The storage drivers end to end through the real kube-rs client against testkube.

use std::collections::BTreeMap;

use base64::Engine as _;
use deploy::release::{decode_release, Release, Status};
use deploy::storage::{ConfigMapDriver, Driver, SecretDriver, Storage, StorageError};
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use serde_json::json;
use testkube::TestKube;

async fn client_for(server: &TestKube) -> kube::Client {
    let config = kube::Config::new(server.url().parse().expect("url"));
    kube::Client::try_from(config).expect("client")
}

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helm-v4.1.4-releases").join(name);
    std::fs::read_to_string(path).expect("fixture")
}

/// The fixture Secret (a `kubectl get -o yaml` dump) as a JSON object.
fn fixture_secret(name: &str) -> serde_json::Value {
    let text = fixture(name);
    let value_of = |key: &str| text.lines().find_map(|line| line.trim_start().strip_prefix(key)).map(|v| v.trim().trim_matches('"').to_string()).unwrap();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": format!("sh.helm{}", value_of("name: sh.helm")),
            "namespace": "helm-staging",
            "labels": {"name": "my-kubernetes-example", "owner": "helm", "status": value_of("status: "), "version": value_of("version: "), "modifiedAt": value_of("modifiedAt: ")}
        },
        "data": {"release": value_of("release: ")}
    })
}

fn revision(version: i64, status: Status) -> Release {
    let mut release = Release { name: "my-app".into(), version, namespace: "apps".into(), manifest: "---\n# Source: c/templates/x.yaml\nv: 1\n".into(), apply_method: "ssa".into(), ..Release::default() };
    release.config.insert("replicas".into(), json!(3));
    release.set_status(status, "Install complete");
    release
}

async fn exercise(driver: Box<dyn Driver>) -> Storage {
    let storage = Storage::new(driver);
    let mut first = revision(1, Status::PendingInstall);
    storage.create(&first).await.expect("create");
    first.set_status(Status::Deployed, "Install complete");
    storage.update(&first).await.expect("update");
    storage.create(&revision(2, Status::PendingUpgrade)).await.expect("create 2");
    assert!(matches!(storage.create(&revision(2, Status::PendingUpgrade)).await, Err(StorageError::Exists)));
    assert_eq!(storage.history("my-app").await.unwrap().len(), 2);
    assert_eq!(storage.deployed("my-app").await.unwrap().version, 1);
    assert_eq!(storage.last("my-app").await.unwrap().version, 2);
    let fetched = storage.get("my-app", 1).await.unwrap();
    assert_eq!(fetched.status(), Status::Deployed);
    assert_eq!(fetched.config["replicas"], 3);
    assert!(storage.get("my-app", 9).await.unwrap_err().is_not_found());
    storage
}

#[tokio::test]
async fn secret_driver_stores_records_as_helm_does() {
    let server = TestKube::start().await.unwrap();
    server.insert_object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})).unwrap();
    let client = client_for(&server).await;
    exercise(Box::new(SecretDriver::new(client.clone(), Some("apps")))).await;

    let stored = server.object("v1", "secrets", Some("apps"), "sh.helm.release.v1.my-app.v1").expect("secret");
    assert_eq!(stored["type"], "helm.sh/release.v1");
    let labels = &stored["metadata"]["labels"];
    assert_eq!((labels["name"].as_str(), labels["owner"].as_str(), labels["status"].as_str(), labels["version"].as_str()), (Some("my-app"), Some("helm"), Some("deployed"), Some("1")));
    assert!(labels["modifiedAt"].as_str().unwrap().parse::<u64>().is_ok());
    // On the wire: base64 (API) of base64 of gzip.
    let payload = base64::engine::general_purpose::STANDARD.decode(stored["data"]["release"].as_str().unwrap()).unwrap();
    let inner = base64::engine::general_purpose::STANDARD.decode(&payload).unwrap();
    assert_eq!(&inner[..3], &[0x1f, 0x8b, 0x08]);
    let record = decode_release(std::str::from_utf8(&payload).unwrap()).unwrap();
    assert_eq!(record.apply_method, "ssa");
}

#[tokio::test]
async fn configmap_driver_stores_records_as_helm_does() {
    let server = TestKube::start().await.unwrap();
    server.insert_object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})).unwrap();
    let client = client_for(&server).await;
    exercise(Box::new(ConfigMapDriver::new(client, Some("apps")))).await;
    let stored = server.object("v1", "configmaps", Some("apps"), "sh.helm.release.v1.my-app.v2").expect("configmap");
    assert!(stored.get("type").is_none());
    assert_eq!(stored["metadata"]["labels"]["status"], "pending-upgrade");
    assert!(stored["metadata"]["labels"]["createdAt"].is_string());
    let record = decode_release(stored["data"]["release"].as_str().unwrap()).unwrap();
    assert_eq!(record.version, 2);
}

#[tokio::test]
async fn reads_releases_helm_wrote() {
    let server = TestKube::start().await.unwrap();
    server.insert_object(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "helm-staging"}})).unwrap();
    server.insert_object(fixture_secret("secret-v1.yaml")).unwrap();
    server.insert_object(fixture_secret("secret-v2.yaml")).unwrap();
    let client = client_for(&server).await;
    let storage = Storage::new(Box::new(SecretDriver::new(client.clone(), Some("helm-staging"))));
    let mut history = storage.history("my-kubernetes-example").await.unwrap();
    history.sort_by_key(|r| r.version);
    let summary: Vec<(i64, String, String)> = history.iter().map(|r| (r.version, r.status().to_string(), r.info.as_ref().unwrap().description.clone())).collect();
    assert_eq!(summary, [(1, "superseded".into(), "Install complete".into()), (2, "deployed".into(), "Upgrade complete".into())]);
    // `helm list -A`: an all-namespaces driver lists them too.
    let everywhere = Storage::new(Box::new(SecretDriver::new(client, None)));
    assert_eq!(everywhere.list_deployed().await.unwrap().len(), 1);
}

#[tokio::test]
async fn api_failures_surface_with_their_codes() {
    let server = TestKube::start().await.unwrap();
    let client = client_for(&server).await;
    let storage = Storage::new(Box::new(SecretDriver::new(client.clone(), Some("default"))));
    server.fail_nth_request(1, 500);
    let failure = storage.history("x").await.unwrap_err();
    assert_eq!(failure.api_status_code(), Some(500));
    assert!(storage.history("x").await.unwrap_err().is_not_found());
    // Writing into a namespace that does not exist is the API's 404, not "release: not found".
    let elsewhere = Storage::new(Box::new(SecretDriver::new(client.clone(), Some("missing"))));
    assert_eq!(elsewhere.create(&revision(1, Status::Deployed)).await.unwrap_err().api_status_code(), Some(404));
    // A stale resourceVersion is a 409 conflict.
    let secrets: Api<Secret> = Api::namespaced(client, "default");
    let mut secret = Secret::default();
    secret.metadata.name = Some("s".into());
    secret.string_data = Some(BTreeMap::from([("k".to_string(), "v".to_string())]));
    let created = secrets.create(&PostParams::default(), &secret).await.unwrap();
    let mut stale = created.clone();
    stale.metadata.resource_version = Some("1".into());
    match secrets.replace("s", &PostParams::default(), &stale).await {
        Err(kube::Error::Api(status)) => assert_eq!((status.code, status.reason.as_str()), (409, "Conflict")),
        other => panic!("expected a conflict, got {other:?}"),
    }
}
